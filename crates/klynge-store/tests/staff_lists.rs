//! The staff's cluster-wide lists (contacts, follow-ups, referrals, offices, agreements,
//! participants) on SQLite and PostgreSQL: right rows, right order, own cluster only.

mod common;

use chrono::NaiveDate;
use klynge_domain::*;
use klynge_store::{NewUser, Role, StaffView, Store};

fn day(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

async fn staff_of(store: &Store, cluster: ClusterId, login: &str) -> StaffView {
    let user = store
        .create_user(&NewUser {
            login: login.into(),
            display_name: login.into(),
            password_hash: "not-used".into(),
            role: Role::ClusterStaff,
            cluster: Some(cluster),
            organisation: None,
        })
        .await
        .unwrap();
    let digest = format!("{:064}", user.0);
    store.create_api_token(user, &digest, "test").await.unwrap();
    store
        .api_principal(&digest)
        .await
        .unwrap()
        .unwrap()
        .staff(store)
        .unwrap()
}

/// Clusters alpha and beta, a company, and a staff member of each cluster.
async fn two_clusters_and_a_company(
    store: &Store,
) -> ([ClusterId; 2], OrganisationId, StaffView, StaffView) {
    let mut clusters = Vec::new();
    for slug in ["alpha", "beta"] {
        clusters.push(
            store
                .create_cluster(&Cluster {
                    slug: Slug::parse(slug).unwrap(),
                    name: Name::parse(&format!("Klynge {slug}")).unwrap(),
                    strength_area: Name::parse("Robotter").unwrap(),
                    emerging: false,
                })
                .await
                .unwrap(),
        );
    }
    let company = store
        .create_organisation(&organisation(
            "Fælles Robot A/S",
            OrganisationKind::Company,
            None,
        ))
        .await
        .unwrap();
    let a = staff_of(store, clusters[0], "staff-a").await;
    let b = staff_of(store, clusters[1], "staff-b").await;
    ([clusters[0], clusters[1]], company, a, b)
}

fn organisation(name: &str, kind: OrganisationKind, cvr: Option<&str>) -> Organisation {
    Organisation {
        name: Name::parse(name).unwrap(),
        kind,
        registration: Registration::Danish {
            cvr: cvr.map(|c| Cvr::parse(c).unwrap()),
            municipality: Some(MunicipalityCode::new(851).unwrap()),
        },
        employment: None,
        industry: None,
    }
}

on_every_backend!(staff_lists_hold_the_own_clusters_rows_only, |db| {
    let store = &db.store;
    let mut clusters = Vec::new();
    for slug in ["alpha", "beta"] {
        clusters.push(
            store
                .create_cluster(&Cluster {
                    slug: Slug::parse(slug).unwrap(),
                    name: Name::parse(&format!("Klynge {slug}")).unwrap(),
                    strength_area: Name::parse("Robotter").unwrap(),
                    emerging: false,
                })
                .await
                .unwrap(),
        );
    }
    let company = store
        .create_organisation(&organisation(
            "Robo A/S",
            OrganisationKind::Company,
            Some("13585628"),
        ))
        .await
        .unwrap();
    let hub = store
        .create_organisation(&organisation(
            "Erhvervshus Nord",
            OrganisationKind::BusinessHub,
            None,
        ))
        .await
        .unwrap();
    let a = staff_of(store, clusters[0], "a").await;
    let b = staff_of(store, clusters[1], "b").await;

    for (name, email) in [
        ("Åse Berg", "ase@robo.dk"),
        ("Bo 100%_Hansen", "bo@robo.dk"),
    ] {
        a.add_contact(&Person {
            cluster: clusters[0],
            organisation: company,
            name: Name::parse(name).unwrap(),
            email: Some(Email::parse(email).unwrap()),
            phone: None,
            job_title: None,
            consent_given_on: None,
        })
        .await
        .unwrap();
    }
    let all = a.contacts(None, 0, 10).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].organisation_name, "Robo A/S");
    assert_eq!(
        a.contacts(Some("ASE@"), 0, 10).await.unwrap().len(),
        1,
        "e-mail, any case"
    );
    assert_eq!(
        a.contacts(Some("100%_"), 0, 10).await.unwrap().len(),
        1,
        "wildcards literal"
    );
    assert_eq!(a.contacts(Some("%"), 0, 10).await.unwrap().len(), 1);
    assert_eq!(a.contacts(None, 1, 10).await.unwrap().len(), 1, "offset");
    assert!(
        b.contacts(None, 0, 10).await.unwrap().is_empty(),
        "other cluster"
    );

    let today = day("2026-11-30");
    for (subject, follow_up) in [
        ("Senere", "2026-12-10"),
        ("Glemt", "2026-11-01"),
        ("Gammel", "2026-08-01"),
    ] {
        a.record_interaction(&Interaction {
            cluster: clusters[0],
            organisation: company,
            person: None,
            kind: InteractionKind::Call,
            occurred_on: day("2026-07-01"),
            subject: Name::parse(subject).unwrap(),
            notes: String::new(),
            follow_up_on: Some(day(follow_up)),
        })
        .await
        .unwrap();
    }
    let follow_ups = a.follow_ups(today, 10).await.unwrap();
    let subjects: Vec<_> = follow_ups
        .iter()
        .map(|f| (f.subject.as_str(), f.overdue))
        .collect();
    assert_eq!(
        subjects,
        [("Glemt", true), ("Senere", false)],
        "earliest first, 60 days back"
    );
    assert!(b.follow_ups(today, 10).await.unwrap().is_empty());

    for (target, on) in [
        (
            ReferralTarget::Cluster {
                cluster: clusters[1],
            },
            "2026-01-02",
        ),
        (
            ReferralTarget::BusinessHub { organisation: hub },
            "2026-03-04",
        ),
        (
            ReferralTarget::FundingProgramme {
                programme: Name::parse("Innobooster").unwrap(),
            },
            "2026-02-03",
        ),
    ] {
        a.add_referral(&Referral {
            cluster: clusters[0],
            organisation: company,
            target,
            referred_on: day(on),
            note: "n".into(),
        })
        .await
        .unwrap();
    }
    let referrals = a.referrals(0, 10).await.unwrap();
    let targets: Vec<_> = referrals
        .iter()
        .map(|r| {
            (
                r.target_kind.as_str(),
                r.target.as_str(),
                r.organisation_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        [
            ("business_hub", "Erhvervshus Nord", "Robo A/S"),
            ("funding_programme", "Innobooster", "Robo A/S"),
            ("cluster", "Klynge beta", "Robo A/S"),
        ]
    );
    assert!(b.referrals(0, 10).await.unwrap().is_empty());

    a.crm()
        .add_office(&Office {
            cluster: clusters[0],
            municipality: MunicipalityCode::new(851).unwrap(),
            kind: OfficeKind::CoLocatedWithBusinessHub,
            period: Period::open(day("2024-01-01")),
        })
        .await
        .unwrap();
    a.crm()
        .add_agreement(&Agreement {
            cluster: clusters[0],
            partner: hub,
            title: Name::parse("Samarbejde om vækst").unwrap(),
            period: Period::new(day("2025-01-01"), Some(day("2026-12-31"))).unwrap(),
        })
        .await
        .unwrap();
    let offices = a.offices().await.unwrap();
    assert_eq!(
        (
            offices.len(),
            offices[0].municipality_code,
            offices[0].kind.as_str()
        ),
        (1, 851, "co_located_business_hub")
    );
    let agreements = a.agreements().await.unwrap();
    assert_eq!(agreements.len(), 1);
    assert_eq!(
        (
            agreements[0].partner_name.as_str(),
            agreements[0].partner_municipality
        ),
        ("Erhvervshus Nord", Some(851))
    );
    assert!(b.offices().await.unwrap().is_empty() && b.agreements().await.unwrap().is_empty());

    let act = a
        .crm()
        .add_activity(&Activity {
            cluster: clusters[0],
            title: Name::parse("Robotdag").unwrap(),
            activity_type: ActivityType::MatchmakingB2b,
            funding_stream: FundingStream::Deb,
            format: ActivityFormat::Physical,
            municipality: None,
            period: Period::open(day("2026-03-01")),
            published: false,
            themes: vec![],
            co_organisers: vec![],
        })
        .await
        .unwrap();
    assert!(!a.takes_part(act, company).await.unwrap());
    let participation = Participation {
        activity: act,
        organisation: company,
        person: None,
        role: ParticipantRole::Speaker,
        dedication: None,
        outcomes: Outcomes::default(),
        registered_on: today,
    };
    a.add_participant(&participation).await.unwrap();
    assert!(a.takes_part(act, company).await.unwrap());
    assert!(
        !b.takes_part(act, company).await.unwrap(),
        "another cluster sees nothing"
    );
    assert!(
        b.add_participant(&participation).await.is_err(),
        "nor adds to it"
    );
});

on_every_backend!(expired_sessions_are_cleared_at_the_next_sign_in, |db| {
    let store = &db.store;
    let user = store
        .create_user(&NewUser {
            login: "op".into(),
            display_name: "Op".into(),
            password_hash: "x".into(),
            role: Role::Operator,
            cluster: None,
            organisation: None,
        })
        .await
        .unwrap();
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    let future = chrono::Utc::now() + chrono::Duration::hours(1);
    store.create_session("old", user, "c", past).await.unwrap();
    assert_eq!(store.session_count(user).await.unwrap(), 1);
    store
        .create_session("live", user, "c", future)
        .await
        .unwrap();
    store
        .create_session("new", user, "c", future)
        .await
        .unwrap();
    assert_eq!(
        store.session_count(user).await.unwrap(),
        2,
        "the expired one is gone"
    );
    assert!(store.session("old").await.unwrap().is_none());
    assert!(store.session("live").await.unwrap().is_some());
});

on_every_backend!(
    contacts_are_changed_and_erased_in_the_own_cluster_only,
    |db| {
        let store = &db.store;
        let (clusters, company, a, b) = two_clusters_and_a_company(store).await;
        let person = |name: &str, email: &str| Person {
            cluster: clusters[0],
            organisation: company,
            name: Name::parse(name).unwrap(),
            email: Some(Email::parse(email).unwrap()),
            phone: None,
            job_title: None,
            consent_given_on: None,
        };
        let mette = a.add_contact(&person("Mette", "mette@x.dk")).await.unwrap();
        a.add_contact(&person("Ole", "ole@x.dk")).await.unwrap();
        let call = a
            .crm()
            .record_interaction(&Interaction {
                cluster: clusters[0],
                organisation: company,
                person: Some(mette),
                kind: InteractionKind::Call,
                occurred_on: day("2026-07-01"),
                subject: Name::parse("Opkald").unwrap(),
                notes: String::new(),
                follow_up_on: None,
            })
            .await
            .unwrap();

        // Another cluster neither reads, changes nor erases it.
        let not_found = |r: Result<_, klynge_store::StoreError>| {
            matches!(r, Err(klynge_store::StoreError::NotFound { .. }))
        };
        assert!(not_found(b.contact(mette).await.map(|_| ())));
        let mut taken_over = person("Overtaget", "b@x.dk");
        taken_over.cluster = clusters[1];
        assert!(not_found(b.update_contact(mette, &taken_over).await));
        assert!(not_found(b.delete_contact(mette).await));
        // Nor can the own cluster's handle be given a record of another cluster.
        assert!(a.update_contact(mette, &taken_over).await.is_err());
        assert_eq!(
            a.contact(mette).await.unwrap(),
            person("Mette", "mette@x.dk")
        );

        // Another contact's e-mail is a conflict and changes nothing.
        assert!(matches!(
            a.update_contact(mette, &person("Mette", "ole@x.dk")).await,
            Err(klynge_store::StoreError::Conflict(_))
        ));
        assert_eq!(
            a.contact(mette).await.unwrap().email.unwrap().as_str(),
            "mette@x.dk"
        );
        let mut changed = person("Mette Holm", "mette.holm@x.dk");
        changed.job_title = Some("Direktør".into());
        changed.consent_given_on = Some(day("2026-11-02"));
        a.update_contact(mette, &changed).await.unwrap();
        assert_eq!(a.contact(mette).await.unwrap(), changed);

        // Erased: gone, and the interaction stays without the person.
        a.delete_contact(mette).await.unwrap();
        assert!(not_found(a.contact(mette).await.map(|_| ())));
        assert!(not_found(a.delete_contact(mette).await));
        let calls = a.crm().interactions_with(company).await.unwrap();
        let kept = calls.iter().find(|(id, _)| *id == call).unwrap();
        assert_eq!(kept.1.person, None);
        let names: Vec<String> = a
            .contacts(None, 0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, vec!["Ole".to_string()]);
    }
);

on_every_backend!(
    referrals_are_changed_and_deleted_in_the_own_cluster_only,
    |db| {
        let store = &db.store;
        let (clusters, company, a, b) = two_clusters_and_a_company(store).await;
        let referral = Referral {
            cluster: clusters[0],
            organisation: company,
            target: ReferralTarget::Cluster {
                cluster: clusters[1],
            },
            referred_on: day("2026-05-01"),
            note: "Vil gerne tale med beta".into(),
        };
        let id = a.add_referral(&referral).await.unwrap();
        let not_found = |r: Result<(), klynge_store::StoreError>| {
            matches!(r, Err(klynge_store::StoreError::NotFound { .. }))
        };
        assert!(not_found(b.referral(id).await.map(|_| ())));
        let mut theirs = referral.clone();
        theirs.cluster = clusters[1];
        assert!(not_found(b.update_referral(id, &theirs).await));
        assert!(not_found(b.delete_referral(id).await));

        // A target that does not exist is refused and changes nothing.
        let mut nowhere = referral.clone();
        nowhere.target = ReferralTarget::Cluster {
            cluster: ClusterId(9_999),
        };
        assert!(not_found(a.update_referral(id, &nowhere).await));
        assert_eq!(a.referral(id).await.unwrap(), referral);
        // Another kind of target: the other kinds' columns are cleared.
        let changed = Referral {
            target: ReferralTarget::FundingProgramme {
                programme: Name::parse("Innobooster").unwrap(),
            },
            referred_on: day("2026-06-02"),
            note: "Ansøgning i august".into(),
            ..referral.clone()
        };
        a.update_referral(id, &changed).await.unwrap();
        assert_eq!(a.referral(id).await.unwrap(), changed);
        let listed = a.referrals(0, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (
                listed[0].id,
                listed[0].target.as_str(),
                listed[0].target_kind.as_str()
            ),
            (id, "Innobooster", "funding_programme")
        );

        a.delete_referral(id).await.unwrap();
        assert!(not_found(a.referral(id).await.map(|_| ())));
        assert!(a.referrals(0, 10).await.unwrap().is_empty());
    }
);
