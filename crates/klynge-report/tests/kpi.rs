//! The KPI engine against a hand-built dataset with hand-computed figures, on SQLite and on
//! PostgreSQL: the data goes in through the store API, out through `Store::kpi_facts`, and is
//! counted by the engine. The hard cases: a company in two clusters (Alfa), a participation of
//! an organisation without CVR (Gamma), a membership that ends inside the period (Beta in A),
//! a foreign organisation (Delta), and a København company counted in Hovedstaden for 2026 and in
//! Østdanmark for 2027 (Alfa).

/// The store's test databases (fresh SQLite file and PostgreSQL database per test), shared
/// rather than copied.
#[path = "../../klynge-store/tests/common/mod.rs"]
mod common;

use chrono::NaiveDate;
use klynge_domain::*;
use klynge_report::engine::{KpiQuery, ReportPeriod, Scope, Snapshot, kpi_report, kpis};
use klynge_report::{Lang, ReportError, funder_report, region_report, render_region_report_html};
use klynge_store::Store;

fn day(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

fn muni(name: &str) -> MunicipalityCode {
    Municipality::find(name).unwrap().code
}

fn org(
    name: &str,
    kind: OrganisationKind,
    cvr: Option<&str>,
    m: Option<&str>,
    emp: Option<u32>,
) -> Organisation {
    Organisation {
        name: Name::parse(name).unwrap(),
        kind,
        registration: Registration::Danish {
            cvr: cvr.map(|c| Cvr::parse(c).unwrap()),
            municipality: m.map(muni),
        },
        employment: emp.map(Employment::exact),
        industry: None,
    }
}

struct Ids {
    a: ClusterId,
    b: ClusterId,
}

#[allow(clippy::too_many_arguments)]
fn activity(
    cluster: ClusterId,
    t: ActivityType,
    s: FundingStream,
    f: ActivityFormat,
    m: Option<&str>,
    on: &str,
    themes: &[&str],
) -> Activity {
    Activity {
        cluster,
        title: Name::parse("Aktivitet").unwrap(),
        activity_type: t,
        funding_stream: s,
        format: f,
        municipality: m.map(muni),
        period: Period::new(day(on), Some(day(on))).unwrap(),
        published: true,
        themes: themes.iter().map(|t| Theme::parse(t).unwrap()).collect(),
        co_organisers: vec![],
    }
}

async fn load(store: &Store) -> Ids {
    let cluster = |slug: &str| Cluster {
        slug: Slug::parse(slug).unwrap(),
        name: Name::parse(&format!("Klynge {slug}")).unwrap(),
        strength_area: Name::parse("Energi").unwrap(),
        emerging: false,
    };
    let a = store.create_cluster(&cluster("aa")).await.unwrap();
    let b = store.create_cluster(&cluster("bb")).await.unwrap();
    use OrganisationKind::*;
    let alfa = store
        .create_organisation(&org(
            "Alfa",
            Company,
            Some("20000007"),
            Some("København"),
            Some(12),
        ))
        .await
        .unwrap();
    let beta = store
        .create_organisation(&org(
            "Beta",
            Company,
            Some("20000015"),
            Some("Aalborg"),
            Some(300),
        ))
        .await
        .unwrap();
    let gamma = store
        .create_organisation(&org("Gamma", Company, None, Some("Aalborg"), None))
        .await
        .unwrap();
    let delta = store
        .create_organisation(&Organisation {
            name: Name::parse("Delta AB").unwrap(),
            kind: Company,
            registration: Registration::foreign(CountryCode::parse("SE").unwrap(), None).unwrap(),
            employment: Some(Employment::exact(20)),
            industry: None,
        })
        .await
        .unwrap();
    let kommune = store
        .create_organisation(&org(
            "Aalborg Kommune",
            Municipality,
            Some("20000023"),
            Some("Aalborg"),
            Some(5000),
        ))
        .await
        .unwrap();
    let epsilon = store
        .create_organisation(&org(
            "Epsilon",
            Company,
            Some("20000031"),
            Some("Aarhus"),
            Some(60),
        ))
        .await
        .unwrap();

    let ca = store.cluster(a).await.unwrap();
    let cb = store.cluster(b).await.unwrap();
    let member = |cluster, organisation, from: &str, to: Option<&str>| Membership {
        cluster,
        organisation,
        period: Period::new(day(from), to.map(day)).unwrap(),
        fee_tier: FeeTier::Small,
    };
    ca.add_membership(&member(a, alfa, "2025-01-01", None))
        .await
        .unwrap();
    cb.add_membership(&member(b, alfa, "2026-03-01", None))
        .await
        .unwrap();
    ca.add_membership(&member(a, beta, "2024-01-01", Some("2026-06-30")))
        .await
        .unwrap();
    cb.add_membership(&member(b, epsilon, "2026-02-01", None))
        .await
        .unwrap();
    ca.add_membership(&member(a, delta, "2026-01-15", None))
        .await
        .unwrap();

    use ActivityFormat::*;
    use ActivityType::*;
    use FundingStream::*;
    let a1 = ca
        .add_activity(&activity(
            a,
            MatchmakingB2b,
            Deb,
            Physical,
            Some("Aalborg"),
            "2026-03-10",
            &["green"],
        ))
        .await
        .unwrap();
    let a2 = ca
        .add_activity(&activity(
            a,
            ResearchProject,
            Ufm,
            Online,
            None,
            "2026-05-01",
            &["green", "digital"],
        ))
        .await
        .unwrap();
    let b1 = cb
        .add_activity(&activity(
            b,
            KnowledgeSharing,
            Ufm,
            Hybrid,
            Some("Aarhus"),
            "2026-09-01",
            &["food"],
        ))
        .await
        .unwrap();
    let a3 = ca
        .add_activity(&activity(
            a,
            MatchmakingB2b,
            Deb,
            Physical,
            Some("København"),
            "2027-02-01",
            &["green"],
        ))
        .await
        .unwrap();
    let a0 = ca
        .add_activity(&activity(
            a,
            CompetenceDevelopment,
            Own,
            Physical,
            Some("Aalborg"),
            "2025-06-01",
            &[],
        ))
        .await
        .unwrap();

    let part = |activity, organisation, dedication, outcomes: [bool; 4]| Participation {
        activity,
        organisation,
        person: None,
        role: ParticipantRole::Participant,
        dedication,
        outcomes: Outcomes {
            new_product_service_process: outcomes[0],
            new_knowledge_collaboration: outcomes[1],
            new_competences: outcomes[2],
            referral_received: outcomes[3],
        },
        registered_on: day("2025-01-01"),
    };
    let no = [false; 4];
    ca.add_participation(&part(
        a1,
        alfa,
        Some(DedicationBasis::WrittenAgreement),
        [true, false, false, false],
    ))
    .await
    .unwrap();
    cb.add_participation(&part(b1, alfa, None, [false, false, true, false]))
        .await
        .unwrap();
    ca.add_participation(&part(a1, beta, None, [false, true, false, false]))
        .await
        .unwrap();
    ca.add_participation(&part(a1, gamma, None, no))
        .await
        .unwrap();
    ca.add_participation(&part(
        a2,
        delta,
        Some(DedicationBasis::ExpressionOfInterest),
        [false, false, false, true],
    ))
    .await
    .unwrap();
    ca.add_participation(&part(a2, alfa, None, no))
        .await
        .unwrap();
    cb.add_participation(&part(b1, epsilon, None, no))
        .await
        .unwrap();
    ca.add_participation(&part(a3, alfa, None, no))
        .await
        .unwrap();
    ca.add_participation(&part(a0, beta, None, no))
        .await
        .unwrap();

    ca.add_office(&Office {
        cluster: a,
        municipality: muni("Aalborg"),
        kind: OfficeKind::Own,
        period: Period::open(day("2024-01-01")),
    })
    .await
    .unwrap();
    cb.add_office(&Office {
        cluster: b,
        municipality: muni("Aarhus"),
        kind: OfficeKind::CoLocatedWithBusinessHub,
        period: Period::open(day("2026-01-01")),
    })
    .await
    .unwrap();
    let title = Name::parse("Samarbejdsaftale").unwrap();
    ca.add_agreement(&Agreement {
        cluster: a,
        partner: kommune,
        title: title.clone(),
        period: Period::open(day("2025-01-01")),
    })
    .await
    .unwrap();
    cb.add_agreement(&Agreement {
        cluster: b,
        partner: kommune,
        title,
        period: Period::new(day("2026-01-01"), Some(day("2026-05-31"))).unwrap(),
    })
    .await
    .unwrap();
    Ids { a, b }
}

fn map(pairs: &[(&str, u64)]) -> std::collections::BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn query(scope: Scope, year: i32) -> KpiQuery {
    KpiQuery {
        scope,
        period: ReportPeriod::year(year).unwrap(),
        funding_stream: None,
    }
}

on_every_backend!(every_kpi_matches_the_hand_count, |db| {
    let ids = load(&db.store).await;
    let snap = Snapshot::new(db.store.kpi_facts().await.unwrap()).unwrap();

    let r = kpi_report(&snap, query(Scope::National, 2026)).unwrap();
    let k = &r.current;
    assert_eq!(r.geography_date, day("2026-12-31"));
    assert_eq!(
        (k.members, k.memberships),
        (3, 4),
        "Alfa is one member of two clusters"
    );
    assert_eq!(k.members_by_size, map(&[("small", 2), ("medium", 1)]));
    assert_eq!(
        k.members_by_region,
        map(&[("hovedstaden", 1), ("midtjylland", 1), ("abroad", 1)])
    );
    assert_eq!((k.new_memberships, k.lost_memberships), (3, 1));
    assert_eq!(k.participations, 7);
    assert_eq!((k.unique_organisations, k.unique_companies), (5, 5));
    assert_eq!(
        (k.companies_with_size, k.sme_companies, k.sme_share),
        (4, 3, Some(0.75))
    );
    assert_eq!(k.dedicated_organisations, 2);
    assert_eq!(
        (k.organisations_without_cvr, k.foreign_organisations),
        (2, 1)
    );
    assert_eq!(
        (
            k.outcome_new_product_service_process,
            k.outcome_new_knowledge_collaboration,
            k.outcome_new_competences,
            k.outcome_referral_received
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        k.unique_organisations_by_region,
        map(&[
            ("hovedstaden", 1),
            ("nordjylland", 2),
            ("abroad", 1),
            ("midtjylland", 1)
        ])
    );
    assert_eq!(k.activities, 3);
    assert_eq!(
        k.activities_by_type,
        map(&[
            ("matchmaking.b2b", 1),
            ("innovation_project.research_project", 1),
            ("knowledge_dissemination.sharing", 1)
        ])
    );
    assert_eq!(
        k.activities_by_category,
        map(&[
            ("matchmaking", 1),
            ("innovation_project", 1),
            ("knowledge_dissemination", 1)
        ])
    );
    assert_eq!(
        k.activities_by_funding_stream,
        map(&[("deb", 1), ("ufm", 2)])
    );
    assert_eq!(
        k.activities_by_format,
        map(&[("physical", 1), ("online", 1), ("hybrid", 1)])
    );
    assert_eq!(
        k.activities_by_theme,
        map(&[("green", 2), ("digital", 1), ("food", 1)])
    );
    assert_eq!(
        k.participations_by_funding_stream,
        map(&[("deb", 3), ("ufm", 4)])
    );
    assert_eq!((k.offices_own, k.offices_co_located), (1, 1));
    assert_eq!(k.agreements, 1, "B's agreement ended in May");
    assert_eq!(k.agreements_by_municipality, map(&[("0851 Aalborg", 1)]));
    // The previous period (2025) on the same territory.
    let p = &r.previous;
    assert_eq!(
        (
            p.members,
            p.memberships,
            p.new_memberships,
            p.lost_memberships
        ),
        (2, 2, 1, 0)
    );
    assert_eq!(
        (
            p.participations,
            p.unique_organisations,
            p.activities,
            p.agreements
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(r.national, r.current);

    // A region: organisations registered there, activities held there.
    let r = kpi_report(&snap, query(Scope::Region(Region::Nordjylland), 2026)).unwrap();
    let k = &r.current;
    assert_eq!(
        (k.members, k.new_memberships, k.lost_memberships),
        (0, 0, 1),
        "Beta left A on 30 June"
    );
    assert_eq!(
        (k.participations, k.unique_organisations, k.unique_companies),
        (2, 2, 2)
    );
    assert_eq!(
        (k.companies_with_size, k.sme_companies, k.sme_share),
        (1, 0, Some(0.0))
    );
    assert_eq!(
        (
            k.dedicated_organisations,
            k.organisations_without_cvr,
            k.foreign_organisations
        ),
        (0, 1, 0)
    );
    assert_eq!(k.outcome_new_knowledge_collaboration, 1);
    assert_eq!(
        (
            k.activities,
            k.offices_own,
            k.offices_co_located,
            k.agreements
        ),
        (1, 1, 0, 1)
    );
    assert_eq!(r.national.unique_organisations, 5);

    // A municipality.
    let k = kpis(
        &snap,
        query(Scope::Municipality(muni("Aarhus")), 2026),
        day("2026-12-31"),
    );
    assert_eq!(
        (
            k.members,
            k.participations,
            k.unique_organisations,
            k.activities
        ),
        (1, 1, 1, 1)
    );
    assert_eq!((k.offices_own, k.offices_co_located), (0, 1));

    // Clusters: the company in two clusters is counted in each.
    let k = kpis(&snap, query(Scope::Cluster(ids.a), 2026), day("2026-12-31"));
    assert_eq!(
        (
            k.members,
            k.memberships,
            k.new_memberships,
            k.lost_memberships
        ),
        (2, 2, 1, 1)
    );
    assert_eq!(
        (
            k.participations,
            k.unique_organisations,
            k.dedicated_organisations
        ),
        (5, 4, 2)
    );
    assert_eq!(
        (
            k.activities,
            k.offices_own,
            k.offices_co_located,
            k.agreements
        ),
        (2, 1, 0, 1)
    );
    let k = kpis(&snap, query(Scope::Cluster(ids.b), 2026), day("2026-12-31"));
    assert_eq!(
        (
            k.members,
            k.participations,
            k.unique_organisations,
            k.agreements
        ),
        (2, 2, 2, 0)
    );

    // The 2027 merger: Alfa (København) is in Hovedstaden for 2026 and in Østdanmark for 2027.
    let k = kpis(
        &snap,
        query(Scope::Region(Region::Hovedstaden), 2026),
        day("2026-12-31"),
    );
    assert_eq!(
        (k.participations, k.unique_organisations, k.members),
        (3, 1, 1)
    );
    let r = kpi_report(&snap, query(Scope::Region(Region::Oestdanmark), 2027)).unwrap();
    assert_eq!(
        (
            r.current.participations,
            r.current.unique_organisations,
            r.current.members
        ),
        (1, 1, 1)
    );
    assert_eq!(r.current.members_by_region, map(&[("oestdanmark", 1)]));
    assert_eq!(
        r.previous.participations, 3,
        "2026 counted on the 2027 territory"
    );
    let err = kpi_report(&snap, query(Scope::Region(Region::Hovedstaden), 2027)).unwrap_err();
    assert!(matches!(err, ReportError::RegionNotInForce { .. }), "{err}");
    assert!(err.to_string().contains("Region Østdanmark"), "{err}");
    assert!(kpi_report(&snap, query(Scope::Region(Region::Oestdanmark), 2026)).is_err());
    // A period spanning 1 January 2027 uses the 2027 regions throughout.
    let span = KpiQuery {
        scope: Scope::Region(Region::Oestdanmark),
        period: ReportPeriod::new(day("2026-07-01"), day("2027-06-30")).unwrap(),
        funding_stream: None,
    };
    let r = kpi_report(&snap, span).unwrap();
    assert_eq!(
        (r.current.participations, r.current.unique_organisations),
        (2, 1)
    );
});

on_every_backend!(the_regional_report_matches_the_hand_count, |db| {
    load(&db.store).await;
    let snap = Snapshot::new(db.store.kpi_facts().await.unwrap()).unwrap();
    let r = region_report(
        &snap,
        Region::Nordjylland,
        day("2026-01-01"),
        day("2026-12-31"),
    )
    .unwrap();
    let t = &r.totals;
    assert_eq!(
        (
            t.clusters,
            t.clusters_with_presence,
            t.clusters_with_own_office,
            t.clusters_co_located
        ),
        (2, 1, 1, 0)
    );
    assert_eq!(
        (
            t.clusters_with_members,
            t.clusters_with_activities,
            t.clusters_with_agreements
        ),
        (0, 1, 1)
    );
    assert_eq!((t.members.total(), t.memberships), (0, 0));
    assert_eq!(
        (
            t.activities,
            t.unique_companies,
            t.participants,
            t.agreements
        ),
        (1, 3, 3, 1)
    );
    let n = &r.national;
    assert_eq!(
        (
            n.members.fifty_plus,
            n.members.under_fifty,
            n.members.unknown,
            n.memberships
        ),
        (1, 2, 0, 4)
    );
    assert_eq!(
        (
            n.activities,
            n.unique_companies,
            n.participants,
            n.agreements
        ),
        (3, 5, 7, 1)
    );
    assert_eq!(
        (
            n.clusters_with_presence,
            n.clusters_with_own_office,
            n.clusters_co_located
        ),
        (2, 1, 1)
    );
    assert_eq!(
        r.agreements_by_municipality,
        vec![("0851 Aalborg".to_string(), 1)]
    );
    let a = &r.clusters[0];
    assert_eq!(
        (
            a.slug.as_str(),
            a.own_office,
            a.activities,
            a.unique_companies,
            a.participants
        ),
        ("aa", true, 1, 3, 3)
    );
    assert_eq!(
        (
            a.national_unique_companies,
            a.national_participants,
            a.national_members.under_fifty
        ),
        (4, 5, 2)
    );
    let bars: Vec<(Region, u64)> = r
        .by_region
        .iter()
        .map(|b| (b.region, b.unique_companies))
        .collect();
    assert_eq!(
        bars,
        vec![
            (Region::Nordjylland, 3),
            (Region::Midtjylland, 2),
            (Region::Syddanmark, 0),
            (Region::Hovedstaden, 0),
            (Region::Sjaelland, 0)
        ]
    );
    assert_eq!(r.by_year.len(), 1);
    assert_eq!(
        (
            r.by_year[0].unique_companies,
            r.by_year[0].national_unique_companies
        ),
        (3, 5)
    );

    // Members over and under 50 in a region with members: Midtjylland has Epsilon (60) in B.
    let m = region_report(
        &snap,
        Region::Midtjylland,
        day("2026-01-01"),
        day("2026-12-31"),
    )
    .unwrap();
    assert_eq!(
        (
            m.totals.members.fifty_plus,
            m.totals.members.under_fifty,
            m.totals.clusters_with_members
        ),
        (1, 0, 1)
    );

    let html = render_region_report_html(&r, Lang::Da).unwrap();
    assert!(
        html.contains("Region Nordjylland")
            && html.contains("<svg")
            && html.contains("Sådan tæller vi")
    );
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    let html = render_region_report_html(&r, Lang::En).unwrap();
    assert!(html.contains("North Denmark Region") && html.contains("How we count"));
    let xlsx = klynge_report::xlsx::region_report_xlsx(&r, Lang::Da).unwrap();
    assert_eq!(&xlsx[..2], b"PK");
    let json = klynge_report::to_json(&r).unwrap();
    assert!(json.contains("\"unique_companies\": 3"), "{json}");
});

on_every_backend!(the_funder_report_splits_by_funding_stream, |db| {
    load(&db.store).await;
    let snap = Snapshot::new(db.store.kpi_facts().await.unwrap()).unwrap();
    let f = funder_report(&snap, "aa", 2026).unwrap();
    let stream = |s: FundingStream| {
        &f.streams
            .iter()
            .find(|x| x.funding_stream == Some(s))
            .unwrap()
            .kpis
    };
    let deb = stream(FundingStream::Deb);
    assert_eq!(
        (
            deb.activities,
            deb.participations,
            deb.unique_organisations,
            deb.dedicated_organisations
        ),
        (1, 3, 3, 1)
    );
    let ufm = stream(FundingStream::Ufm);
    assert_eq!(
        (
            ufm.activities,
            ufm.participations,
            ufm.unique_organisations,
            ufm.dedicated_organisations
        ),
        (1, 2, 2, 1)
    );
    assert_eq!(stream(FundingStream::Eu).participations, 0);
    assert_eq!(
        (
            f.total.activities,
            f.total.participations,
            f.total.unique_organisations
        ),
        (2, 5, 4)
    );
    let xlsx = klynge_report::xlsx::funder_report_xlsx(&f, Lang::Da).unwrap();
    assert_eq!(&xlsx[..2], b"PK");
    let err = funder_report(&snap, "nope", 2026).unwrap_err().to_string();
    assert!(err.contains("\"nope\"") && err.contains("aa, bb"), "{err}");
});

on_every_backend!(the_fingerprint_changes_with_the_counted_rows, |db| {
    let empty = db.store.kpi_fingerprint().await.unwrap();
    let ids = load(&db.store).await;
    let loaded = db.store.kpi_fingerprint().await.unwrap();
    assert_ne!(empty, loaded);
    assert_eq!(loaded, db.store.kpi_fingerprint().await.unwrap(), "stable");
    // One more membership: a row the reports count, so the kept facts are stale.
    let org = db
        .store
        .create_organisation(&org(
            "Zeta",
            OrganisationKind::Company,
            None,
            Some("Aarhus"),
            None,
        ))
        .await
        .unwrap();
    db.store
        .cluster(ids.b)
        .await
        .unwrap()
        .add_membership(&Membership {
            cluster: ids.b,
            organisation: org,
            period: Period::open(day("2026-01-01")),
            fee_tier: FeeTier::Small,
        })
        .await
        .unwrap();
    assert_ne!(loaded, db.store.kpi_fingerprint().await.unwrap());
    // The packed read gives the same facts on both backends' orders: sorted by id.
    let facts = db.store.kpi_facts().await.unwrap();
    assert!(facts.organisations.is_sorted_by_key(|o| o.id));
    assert_eq!(facts.organisations.len(), 7);
    assert_eq!(facts.participations.len(), 9);
});
