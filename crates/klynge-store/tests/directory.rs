//! The in-memory organisation directory answers every search exactly as the SQL search does,
//! and is never used once the registry has changed under it.

mod common;

use chrono::NaiveDate;
use klynge_domain::*;
use klynge_store::{
    NewUser, OrganisationHit, OrganisationQuery, OrganisationSort, Role, StaffView, Store,
};

/// The cluster the tests search as.
async fn alpha(store: &Store) -> ClusterId {
    store
        .create_cluster(&Cluster {
            slug: Slug::parse("alpha").unwrap(),
            name: Name::parse("Klynge alpha").unwrap(),
            strength_area: Name::parse("Robotter").unwrap(),
            emerging: false,
        })
        .await
        .unwrap()
}

/// A staff member of `cluster`; returns the API token digest that signs them in.
async fn staff_of(store: &Store, cluster: ClusterId) -> String {
    let user = store
        .create_user(&NewUser {
            login: "staff".into(),
            display_name: "Staff".into(),
            password_hash: "not-used".into(),
            role: Role::ClusterStaff,
            cluster: Some(cluster),
            organisation: None,
        })
        .await
        .unwrap();
    let digest = format!("{:064}", user.0);
    store.create_api_token(user, &digest, "test").await.unwrap();
    digest
}

/// The staff view of the token's user through `store`.
async fn view_on(store: &Store, digest: &str) -> StaffView {
    store
        .api_principal(digest)
        .await
        .unwrap()
        .unwrap()
        .staff(store)
        .unwrap()
}

/// Waits until the directory loaded in the background is in use.
async fn directory_in_use(store: &Store) {
    for _ in 0..200 {
        if store.directory_ready().await.unwrap() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the organisation directory did not load within 5 s");
}

/// Valid CVR numbers, in order (the modulus-11 check picks about one in eleven).
fn cvrs() -> impl Iterator<Item = Cvr> {
    (10_000_000u32..).filter_map(|n| Cvr::parse(&n.to_string()).ok())
}

const NAMES: [&str; 12] = [
    "Nordlys",
    "nordic",
    "Ærø Energi",
    "Øst",
    "Åben",
    "aalborg",
    "Bio",
    "bio-tek",
    "Grøn",
    "Vest",
    "Zeta",
    "Mølle",
];
const INDUSTRIES: [&str; 5] = ["620100", "621000", "461900", "711200", "620900"];
const MUNICIPALITIES: [u16; 6] = [851, 751, 101, 461, 657, 860];

/// A varied registry: shared name beginnings, Danish letters, foreign organisations without
/// CVR or municipality, missing sizes and industries, and equal sort keys (ties go by id).
async fn fill(store: &Store, cluster: ClusterId) -> Vec<OrganisationId> {
    let mut cvr = cvrs();
    let mut ids = Vec::new();
    for i in 0..260usize {
        let name = format!("{} {}", NAMES[i % NAMES.len()], i % 7);
        let registration = if i % 13 == 5 {
            Registration::Foreign {
                country: CountryCode::parse("SE").unwrap(),
                vat: None,
            }
        } else {
            Registration::Danish {
                cvr: (i % 4 != 0).then(|| cvr.next().unwrap()),
                municipality: (i % 9 != 0)
                    .then(|| MunicipalityCode::new(MUNICIPALITIES[i % 6]).unwrap()),
            }
        };
        let employment = match i % 5 {
            0 => None,
            1 => Some(Employment::exact((i % 8) as u32)),
            2 => Some(Employment::range(10, Some(49)).unwrap()),
            3 => Some(Employment::range(50, Some(249)).unwrap()),
            _ => Some(Employment::range(250 + i as u32, None).unwrap()),
        };
        let industry = (i % 6 != 0)
            .then(|| IndustryCode::parse(IndustryClassification::Db07, INDUSTRIES[i % 5]).unwrap());
        let kind = if i % 10 == 3 {
            OrganisationKind::KnowledgeInstitution
        } else {
            OrganisationKind::Company
        };
        let id = store
            .create_organisation(&Organisation {
                name: Name::parse(&name).unwrap(),
                kind,
                registration,
                employment,
                industry,
            })
            .await
            .unwrap();
        ids.push(id);
    }
    let own = store.cluster(cluster).await.unwrap();
    for (i, &id) in ids.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let from = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        // Every fourth membership ended before the search day.
        let to = (i % 4 == 0).then(|| NaiveDate::from_ymd_opt(2023, 6, 30).unwrap());
        own.add_membership(&Membership {
            cluster,
            organisation: id,
            period: Period::new(from, to).unwrap(),
            fee_tier: FeeTier::Small,
        })
        .await
        .unwrap();
    }
    ids
}

fn queries() -> Vec<OrganisationQuery> {
    let on = Some(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    let base = OrganisationQuery {
        limit: 25,
        on,
        ..OrganisationQuery::default()
    };
    let mut all = Vec::new();
    for sort in OrganisationSort::ALL {
        for descending in [false, true] {
            for offset in [0, 25, 240] {
                all.push(OrganisationQuery {
                    sort,
                    descending,
                    offset,
                    ..base.clone()
                });
            }
            for name in ["nord", "Ærø", "ø", "aa", "bio", "BIO-T", "zz", "Grøn 3"] {
                all.push(OrganisationQuery {
                    name: Some(Name::parse(name).unwrap()),
                    sort,
                    descending,
                    ..base.clone()
                });
            }
            for region in [Region::Nordjylland, Region::Hovedstaden, Region::Syddanmark] {
                all.push(OrganisationQuery {
                    region: Some(region),
                    industry: Some("62".into()),
                    sort,
                    descending,
                    offset: 5,
                    ..base.clone()
                });
            }
            for &size in SizeClass::ALL {
                all.push(OrganisationQuery {
                    size: Some(size),
                    municipality: Some(MunicipalityCode::new(851).unwrap()),
                    sort,
                    descending,
                    ..base.clone()
                });
            }
            all.push(OrganisationQuery {
                members_only: true,
                sort,
                descending,
                offset: 10,
                ..base.clone()
            });
            all.push(OrganisationQuery {
                kind: Some(OrganisationKind::KnowledgeInstitution),
                industry: Some("7112".into()),
                sort,
                descending,
                ..base.clone()
            });
        }
    }
    all.push(OrganisationQuery {
        cvr: Some(cvrs().nth(3).unwrap()),
        ..base.clone()
    });
    all.push(OrganisationQuery {
        // Østdanmark is not in force yet on the search day: nothing matches.
        region: Some(Region::Oestdanmark),
        ..base.clone()
    });
    all
}

fn ids(hits: &[OrganisationHit]) -> Vec<i64> {
    hits.iter().map(|h| h.id.0).collect()
}

on_every_backend!(directory_answers_as_the_sql_search, |db| {
    let store = &db.store;
    let cluster = alpha(store).await;
    fill(store, cluster).await;
    let digest = staff_of(store, cluster).await;
    // The same database through a second handle that never holds a directory.
    let plain = Store::connect(store.url()).await.unwrap();
    let by_sql = view_on(&plain, &digest).await;
    store.enable_directory();
    directory_in_use(store).await;
    let from_memory = view_on(store, &digest).await;

    let mut compared = 0;
    for q in queries() {
        let expected = by_sql.search_organisations(&q).await.unwrap();
        let got = from_memory.search_organisations(&q).await.unwrap();
        if db.backend == "SQLite" {
            // Same rows, same order, same flags, same "more" marker.
            assert_eq!(got, expected, "query {q:?}");
        } else {
            // PostgreSQL sorts NULL last and text by its collation; the rows that match are
            // the same.
            let all_sql = by_sql.all_matching_organisations(&q).await.unwrap();
            let all_memory = from_memory.all_matching_organisations(&q).await.unwrap();
            let (mut a, mut b) = (ids(&all_sql), ids(&all_memory));
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(b, a, "query {q:?}");
            let flags = |hits: &[OrganisationHit]| {
                let mut f: Vec<(i64, bool)> = hits.iter().map(|h| (h.id.0, h.member)).collect();
                f.sort_unstable();
                f
            };
            assert_eq!(flags(&all_memory), flags(&all_sql), "member flags, {q:?}");
        }
        compared += 1;
    }
    assert!(compared > 150, "{compared} queries compared");
    plain.close().await;
});

on_every_backend!(a_changed_registry_is_searched_in_sql_until_reloaded, |db| {
    let store = &db.store;
    let cluster = alpha(store).await;
    fill(store, cluster).await;
    let staff = view_on(store, &staff_of(store, cluster).await).await;
    store.enable_directory();
    directory_in_use(store).await;
    let q = OrganisationQuery {
        name: Some(Name::parse("Helt Ny").unwrap()),
        limit: 10,
        ..OrganisationQuery::default()
    };
    assert!(
        staff
            .search_organisations(&q)
            .await
            .unwrap()
            .hits
            .is_empty()
    );
    // A new organisation is found at once, although the directory was loaded before it.
    let new = store
        .create_organisation(&Organisation {
            name: Name::parse("Helt Ny ApS").unwrap(),
            kind: OrganisationKind::Company,
            registration: Registration::Danish {
                cvr: None,
                municipality: Some(MunicipalityCode::new(851).unwrap()),
            },
            employment: None,
            industry: None,
        })
        .await
        .unwrap();
    assert!(
        !store.directory_ready().await.unwrap(),
        "a directory loaded before the write is stale"
    );
    assert_eq!(
        ids(&staff.search_organisations(&q).await.unwrap().hits),
        vec![new.0]
    );
    // And after the reload, from memory too.
    directory_in_use(store).await;
    assert_eq!(
        ids(&staff.search_organisations(&q).await.unwrap().hits),
        vec![new.0]
    );
});

on_every_backend!(
    kept_reads_see_writes_here_at_once_and_elsewhere_within_a_second,
    |db| {
        let store = &db.store;
        let cluster = alpha(store).await;
        let ids = fill(store, cluster).await;
        let digest = staff_of(store, cluster).await;
        let staff = view_on(store, &digest).await;
        store.enable_directory();
        directory_in_use(store).await;
        // Another process on the same database (the command line, a second server).
        let elsewhere = Store::connect(store.url()).await.unwrap();
        let on = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let members = |hits: &[OrganisationHit]| {
            let mut m: Vec<i64> = hits.iter().filter(|h| h.member).map(|h| h.id.0).collect();
            m.sort_unstable();
            m
        };
        let q = OrganisationQuery {
            members_only: true,
            limit: 500,
            on: Some(on),
            ..OrganisationQuery::default()
        };
        let before = members(&staff.search_organisations(&q).await.unwrap().hits);
        // Ids at positions 1 and 2 are no members (fill makes every third one a member).
        let (here, there) = (ids[1], ids[2]);
        assert!(!before.contains(&here.0) && !before.contains(&there.0));
        let membership = |organisation| Membership {
            cluster,
            organisation,
            period: Period::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), None).unwrap(),
            fee_tier: FeeTier::Small,
        };
        store
            .cluster(cluster)
            .await
            .unwrap()
            .add_membership(&membership(here))
            .await
            .unwrap();
        let after_here = members(&staff.search_organisations(&q).await.unwrap().hits);
        assert!(after_here.contains(&here.0), "a write here is seen at once");
        elsewhere
            .cluster(cluster)
            .await
            .unwrap()
            .add_membership(&membership(there))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let after_there = members(&staff.search_organisations(&q).await.unwrap().hits);
        assert!(
            after_there.contains(&there.0),
            "a write elsewhere is seen within a second"
        );

        // Sessions: a sign-out here ends the session at once; elsewhere within a second.
        let user = store
            .api_principal(&digest)
            .await
            .unwrap()
            .unwrap()
            .user()
            .id;
        let expires = chrono::Utc::now() + chrono::Duration::hours(1);
        let (a, b) = (format!("{:064}", 1), format!("{:064}", 2));
        for token in [&a, &b] {
            store
                .create_session(token, user, "csrf", expires)
                .await
                .unwrap();
            assert!(store.session(token).await.unwrap().is_some());
        }
        store.delete_session(&a).await.unwrap();
        assert!(store.session(&a).await.unwrap().is_none());
        elsewhere.delete_session(&b).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        assert!(store.session(&b).await.unwrap().is_none());
        elsewhere.close().await;
    }
);
