//! The storage suite: every scenario runs on SQLite and on PostgreSQL.

mod common;

use chrono::NaiveDate;
use klynge_domain::*;
use klynge_store::{StoreError, TableCounts};

fn day(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

fn cluster(slug: &str) -> Cluster {
    Cluster {
        slug: Slug::parse(slug).unwrap(),
        name: Name::parse(&format!("Cluster {slug}")).unwrap(),
        strength_area: Name::parse("Energy technology").unwrap(),
        emerging: false,
    }
}

fn company(name: &str, cvr: &str, municipality: &str, employees: u32) -> Organisation {
    Organisation {
        name: Name::parse(name).unwrap(),
        kind: OrganisationKind::Company,
        registration: Registration::Danish {
            cvr: Some(Cvr::parse(cvr).unwrap()),
            municipality: Some(Municipality::find(municipality).unwrap().code),
        },
        employment: Some(Employment::exact(employees)),
        industry: Some(IndustryCode::parse(IndustryClassification::Db07, "620100").unwrap()),
    }
}

fn activity(cluster: ClusterId, title: &str) -> Activity {
    Activity {
        cluster,
        title: Name::parse(title).unwrap(),
        activity_type: ActivityType::MatchmakingB2b,
        funding_stream: FundingStream::Deb,
        format: ActivityFormat::Physical,
        municipality: Some(Municipality::find("Aalborg").unwrap().code),
        period: Period::new(day("2025-03-01"), Some(day("2025-03-02"))).unwrap(),
        published: false,
        themes: vec![Theme::parse("circular economy").unwrap()],
        co_organisers: vec![],
    }
}

on_every_backend!(migrations_are_recorded_and_idempotent, |db| {
    let applied = db.store.applied_migrations().await.unwrap();
    assert_eq!(applied, db.store.known_migrations());
    assert!(!applied.is_empty());
    assert_eq!(
        db.store.migrate().await.unwrap(),
        Vec::<i64>::new(),
        "second run applies nothing"
    );
});

/// The two dialects' migration folders hold the same versions under the same names.
#[test]
fn one_migration_history_for_both_backends() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(!names("sqlite").is_empty());
}

/// Both backends end up with the same tables and columns.
#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns() {
    let sqlite = common::sqlite().await;
    let Some(pg) = common::postgres().await else {
        return;
    };
    let sqlite_cols = sqlite.store.schema_columns().await.unwrap();
    let pg_cols = pg.store.schema_columns().await.unwrap();
    assert!(sqlite_cols.len() > 50, "{sqlite_cols:?}");
    assert_eq!(sqlite_cols, pg_cols);
}

on_every_backend!(reference_geography_is_written, |db| {
    let regions = db
        .store
        .region_of_municipality_on(101, day("2026-12-31"))
        .await
        .unwrap();
    assert_eq!(regions, vec!["hovedstaden".to_string()]);
    let regions = db
        .store
        .region_of_municipality_on(101, day("2027-01-01"))
        .await
        .unwrap();
    assert_eq!(regions, vec!["oestdanmark".to_string()]);
    let regions = db
        .store
        .region_of_municipality_on(851, day("2030-01-01"))
        .await
        .unwrap();
    assert_eq!(regions, vec!["nordjylland".to_string()]);
});

on_every_backend!(organisations_round_trip_and_cvr_is_unique, |db| {
    let s = &db.store;
    let org = company("Danfoss A/S", "13585628", "Sønderborg", 300);
    let id = s.create_organisation(&org).await.unwrap();
    assert_eq!(s.organisation(id).await.unwrap().organisation, org);
    assert_eq!(
        s.organisation_by_cvr(Cvr::parse("13585628").unwrap())
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    assert!(
        s.organisation_by_cvr(Cvr::parse("10150817").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let err = s
        .create_organisation(&company("Other", "13585628", "Aarhus", 3))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("13585628"), "{err}");
    assert_eq!(
        s.organisations_by_name(&Name::parse("DANFOSS").unwrap())
            .await
            .unwrap()
            .len(),
        1
    );

    let foreign = Organisation {
        name: Name::parse("Bavarian Robotics GmbH").unwrap(),
        kind: OrganisationKind::Company,
        registration: Registration::foreign(
            CountryCode::parse("DE").unwrap(),
            Some(VatNumber::parse("DE123456789").unwrap()),
        )
        .unwrap(),
        employment: Some(Employment::parse("10-19").unwrap()),
        industry: None,
    };
    let fid = s.create_organisation(&foreign).await.unwrap();
    assert_eq!(s.organisation(fid).await.unwrap().organisation, foreign);
    let err = s.create_organisation(&foreign).await.unwrap_err();
    assert!(err.to_string().contains("DE123456789"), "{err}");
    let err = s.organisation(OrganisationId(999_999)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("999999"), "{err}");
});

on_every_backend!(membership_of_unknown_organisation_writes_nothing, |db| {
    let s = &db.store;
    let cid = s.create_cluster(&cluster("energy")).await.unwrap();
    let handle = s.cluster(cid).await.unwrap();
    let before = s.counts().await.unwrap();
    let err = handle
        .add_membership(&Membership {
            cluster: cid,
            organisation: OrganisationId(4242),
            period: Period::open(day("2024-01-01")),
            fee_tier: FeeTier::Small,
        })
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("organisation with id 4242"),
        "{err}"
    );
    assert_eq!(s.counts().await.unwrap(), before);
    assert!(matches!(
        s.cluster(ClusterId(777)).await,
        Err(StoreError::NotFound { .. })
    ));
});

on_every_backend!(a_failed_write_rolls_back_the_whole_transaction, |db| {
    let s = &db.store;
    let cid = s.create_cluster(&cluster("energy")).await.unwrap();
    let handle = s.cluster(cid).await.unwrap();
    let mut act = activity(cid, "Matchmaking day");
    act.co_organisers = vec![ClusterId(9999)];
    let err = handle.add_activity(&act).await.unwrap_err();
    assert!(err.to_string().contains("9999"), "{err}");
    let counts = s.counts().await.unwrap();
    assert_eq!(
        counts.activities, 0,
        "the activity row must be rolled back with its co-organisers"
    );
});

on_every_backend!(every_entity_round_trips, |db| {
    let s = &db.store;
    let a = s.create_cluster(&cluster("energy")).await.unwrap();
    let b = s.create_cluster(&cluster("food")).await.unwrap();
    let ha = s.cluster(a).await.unwrap();
    let org = s
        .create_organisation(&company("Danfoss A/S", "13585628", "Sønderborg", 300))
        .await
        .unwrap();
    let hub = s
        .create_organisation(&Organisation {
            name: Name::parse("Erhvervshus Nordjylland").unwrap(),
            kind: OrganisationKind::BusinessHub,
            registration: Registration::Danish {
                cvr: None,
                municipality: Some(Municipality::find("Aalborg").unwrap().code),
            },
            employment: None,
            industry: None,
        })
        .await
        .unwrap();

    let person = Person {
        cluster: a,
        organisation: org,
        name: Name::parse("Anna Jensen").unwrap(),
        email: Some(Email::parse("anna@danfoss.example").unwrap()),
        phone: Some("+45 12 34 56 78".into()),
        job_title: Some("Innovationschef".into()),
        consent_given_on: Some(day("2024-05-01")),
    };
    let pid = ha.add_person(&person).await.unwrap();
    assert_eq!(
        ha.persons_of(org).await.unwrap(),
        vec![(pid, person.clone())]
    );
    let dup = ha.add_person(&person).await.unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup}");

    let membership = Membership {
        cluster: a,
        organisation: org,
        period: Period::new(day("2023-01-01"), Some(day("2025-06-30"))).unwrap(),
        fee_tier: FeeTier::Large,
    };
    let mid = ha.add_membership(&membership).await.unwrap();
    assert_eq!(
        ha.memberships(None).await.unwrap(),
        vec![(mid, membership.clone())]
    );
    assert_eq!(
        ha.memberships(Some(day("2025-06-30"))).await.unwrap().len(),
        1
    );
    assert!(
        ha.memberships(Some(day("2025-07-01")))
            .await
            .unwrap()
            .is_empty()
    );

    let mut act = activity(a, "B2B-møder på Aalborg Havn");
    act.co_organisers = vec![b];
    let aid = ha.add_activity(&act).await.unwrap();
    assert_eq!(ha.activity(aid).await.unwrap(), act);

    let participation = Participation {
        activity: aid,
        organisation: org,
        person: Some(pid),
        role: ParticipantRole::Participant,
        dedication: Some(DedicationBasis::ExpressionOfInterest),
        outcomes: Outcomes {
            new_product_service_process: true,
            new_competences: true,
            ..Outcomes::default()
        },
        registered_on: day("2025-02-10"),
    };
    let part = ha.add_participation(&participation).await.unwrap();
    assert_eq!(
        ha.participations(aid).await.unwrap(),
        vec![(part, participation)]
    );

    let interaction = Interaction {
        cluster: a,
        organisation: org,
        person: Some(pid),
        kind: InteractionKind::Visit,
        occurred_on: day("2025-01-15"),
        subject: Name::parse("Besøg om varmepumper").unwrap(),
        notes: "Interesseret i forprojekt".into(),
        follow_up_on: Some(day("2025-02-01")),
    };
    let iid = ha.record_interaction(&interaction).await.unwrap();
    assert_eq!(
        ha.interactions_with(org).await.unwrap(),
        vec![(iid, interaction)]
    );

    for target in [
        ReferralTarget::Cluster { cluster: b },
        ReferralTarget::BusinessHub { organisation: hub },
        ReferralTarget::FundingProgramme {
            programme: Name::parse("Innobooster").unwrap(),
        },
    ] {
        ha.add_referral(&Referral {
            cluster: a,
            organisation: org,
            target,
            referred_on: day("2025-01-20"),
            note: String::new(),
        })
        .await
        .unwrap();
    }
    assert_eq!(ha.referrals().await.unwrap().len(), 3);

    let office = Office {
        cluster: a,
        municipality: Municipality::find("Aalborg").unwrap().code,
        kind: OfficeKind::CoLocatedWithBusinessHub,
        period: Period::open(day("2021-01-01")),
    };
    let oid = ha.add_office(&office).await.unwrap();
    assert_eq!(ha.offices().await.unwrap(), vec![(oid, office)]);

    let agreement = Agreement {
        cluster: a,
        partner: hub,
        title: Name::parse("Samarbejdsaftale 2024-2026").unwrap(),
        period: Period::new(day("2024-01-01"), Some(day("2026-12-31"))).unwrap(),
    };
    let agid = ha.add_agreement(&agreement).await.unwrap();
    assert_eq!(ha.agreements().await.unwrap(), vec![(agid, agreement)]);
    let err = ha
        .add_agreement(&Agreement {
            cluster: a,
            partner: org,
            title: Name::parse("Not a partner kind").unwrap(),
            period: Period::open(day("2024-01-01")),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("kind company"), "{err}");

    let counts = s.counts().await.unwrap();
    assert_eq!(
        counts,
        TableCounts {
            clusters: 2,
            organisations: 2,
            persons: 1,
            memberships: 1,
            activities: 1,
            participations: 1,
            interactions: 1,
            referrals: 3,
            offices: 1,
            agreements: 1
        }
    );
});

on_every_backend!(one_cluster_cannot_reach_anothers_private_data, |db| {
    let s = &db.store;
    let a = s.create_cluster(&cluster("energy")).await.unwrap();
    let b = s.create_cluster(&cluster("food")).await.unwrap();
    let (ha, hb) = (s.cluster(a).await.unwrap(), s.cluster(b).await.unwrap());
    let org = s
        .create_organisation(&company("Danfoss A/S", "13585628", "Sønderborg", 300))
        .await
        .unwrap();
    let aid = ha
        .add_activity(&activity(a, "Private workshop"))
        .await
        .unwrap();
    ha.add_membership(&Membership {
        cluster: a,
        organisation: org,
        period: Period::open(day("2024-01-01")),
        fee_tier: FeeTier::Small,
    })
    .await
    .unwrap();
    ha.record_interaction(&Interaction {
        cluster: a,
        organisation: org,
        person: None,
        kind: InteractionKind::Call,
        occurred_on: day("2025-01-01"),
        subject: Name::parse("Call").unwrap(),
        notes: "secret".into(),
        follow_up_on: None,
    })
    .await
    .unwrap();

    // B sees none of A's data and cannot write into it.
    assert!(matches!(
        hb.activity(aid).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(hb.memberships(None).await.unwrap().is_empty());
    assert!(hb.interactions_with(org).await.unwrap().is_empty());
    assert!(hb.participations(aid).await.unwrap().is_empty());
    let err = hb
        .add_participation(&Participation {
            activity: aid,
            organisation: org,
            person: None,
            role: ParticipantRole::Participant,
            dedication: None,
            outcomes: Outcomes::default(),
            registered_on: day("2025-01-01"),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    // A record stamped with A cannot be written through B's handle.
    let err = hb.add_activity(&activity(a, "Smuggled")).await.unwrap_err();
    assert!(matches!(err, StoreError::OtherTenant { .. }), "{err}");
    assert_eq!(s.counts().await.unwrap().activities, 1);
});

on_every_backend!(bulk_load_is_atomic_and_sequences_continue, |db| {
    let s = &db.store;
    let orgs: Vec<(OrganisationId, Organisation)> = (0..2500u32)
        .filter_map(|i| Cvr::with_check_digit(2_000_000 + i))
        .enumerate()
        .map(|(i, cvr)| {
            let mut org = company(
                &format!("Firma {i}"),
                &cvr.to_string(),
                "Odense",
                i as u32 % 300,
            );
            org.industry = None;
            (OrganisationId(i as i64 + 1), org)
        })
        .collect();
    let n = orgs.len() as i64;

    // Dropped without commit: nothing lands.
    {
        let mut loader = s.bulk_loader().await.unwrap();
        loader
            .clusters(&[(ClusterId(1), cluster("energy"))])
            .await
            .unwrap();
        loader.organisations(&orgs).await.unwrap();
    }
    assert_eq!(s.counts().await.unwrap(), TableCounts::default());

    let mut loader = s.bulk_loader().await.unwrap();
    loader
        .clusters(&[(ClusterId(1), cluster("energy"))])
        .await
        .unwrap();
    loader.organisations(&orgs).await.unwrap();
    let memberships: Vec<Membership> = orgs
        .iter()
        .map(|(id, _)| Membership {
            cluster: ClusterId(1),
            organisation: *id,
            period: Period::open(day("2024-01-01")),
            fee_tier: FeeTier::Small,
        })
        .collect();
    loader.memberships(&memberships).await.unwrap();
    loader
        .activities(&[(ActivityId(1), activity(ClusterId(1), "Bulk activity"))])
        .await
        .unwrap();
    loader.commit().await.unwrap();

    let counts = s.counts().await.unwrap();
    assert_eq!(
        (counts.organisations, counts.memberships, counts.activities),
        (n, n, 1)
    );
    assert_eq!(
        s.organisation(OrganisationId(7))
            .await
            .unwrap()
            .organisation,
        orgs[6].1
    );
    // Later single inserts get fresh ids after the bulk-loaded ones.
    let id = s
        .create_organisation(&company("Efter bulk", "13585628", "Aarhus", 1))
        .await
        .unwrap();
    assert!(id.0 > n, "{id} should come after {n}");
    let handle = s.cluster(ClusterId(1)).await.unwrap();
    assert_eq!(
        handle.activity(ActivityId(1)).await.unwrap().themes.len(),
        1
    );
});

#[tokio::test]
async fn unreachable_databases_are_named_in_the_error() {
    let url = klynge_store::DatabaseUrl::parse("postgres://postgres@127.0.0.1:1/nowhere").unwrap();
    let err = klynge_store::Store::open(&url)
        .await
        .err()
        .expect("port 1 has no server");
    let text = err.to_string();
    assert!(
        text.contains("postgres://postgres@127.0.0.1:1/nowhere"),
        "{text}"
    );
    assert!(text.contains("expected a PostgreSQL server"), "{text}");

    let url =
        klynge_store::DatabaseUrl::parse("sqlite:/nonexistent-dir-for-klynge/k.sqlite").unwrap();
    let err = klynge_store::Store::open(&url)
        .await
        .err()
        .expect("missing directory");
    assert!(
        err.to_string().contains("/nonexistent-dir-for-klynge"),
        "{err}"
    );
    assert!(
        !std::path::Path::new("/nonexistent-dir-for-klynge").exists(),
        "nothing was created"
    );
}
