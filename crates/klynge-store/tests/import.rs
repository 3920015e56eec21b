//! Imports through the store on every backend: real files (Windows-1252 `;` CSV, BOM UTF-8
//! CSV, tab-separated, a real XLSX), deduplication, idempotent re-import, bad rows in both
//! languages, all-or-nothing writes and tenant safety.

mod common;

use chrono::NaiveDate;
use klynge_domain::*;
use klynge_io::plan::{Plan, Planned};
use klynge_io::{Entity, Known, Lang, Mapping, Planner, RowError, Summary, source};
use klynge_store::{ClusterStore, Store, StoreError};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../klynge-io/tests/fixtures");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

async fn make_cluster(store: &Store, slug: &str) -> ClusterStore {
    let id = store
        .create_cluster(&Cluster {
            slug: Slug::parse(slug).unwrap(),
            name: Name::parse(&format!("Cluster {slug}")).unwrap(),
            strength_area: Name::parse("Food").unwrap(),
            emerging: false,
        })
        .await
        .unwrap();
    store.cluster(id).await.unwrap()
}

/// The same steps as `klynge import`: load what is known, plan every row, write in one
/// transaction, commit only without errors (or with `valid_rows`).
async fn import(
    store: &Store,
    cluster: Option<&ClusterStore>,
    entity: Entity,
    bytes: Vec<u8>,
    file_name: &str,
    valid_rows: bool,
) -> (Summary, Vec<RowError>, bool) {
    let mut src = source::from_bytes(bytes, Some(file_name)).unwrap();
    let mapping = Mapping::detect(entity, &src.headers);
    let mut known = Known::new(cluster.map(ClusterStore::cluster_id));
    for o in store.all_organisations().await.unwrap() {
        known.add_organisation(o);
    }
    if let Some(c) = cluster {
        for (id, p) in c.all_persons().await.unwrap() {
            known.add_person(id, p);
        }
        for (id, m) in c.all_memberships().await.unwrap() {
            known.add_membership(id, m);
        }
        for (id, a) in c.all_activities().await.unwrap() {
            known.add_activity(id, a);
        }
        for (id, p) in c.all_participations().await.unwrap() {
            known.add_participation(id, p);
        }
    }
    let mut planner = Planner::new(mapping, &known).unwrap();
    let mut importer = Some(match cluster {
        Some(c) => c.importer().await.unwrap(),
        None => store.registry_importer().await.unwrap(),
    });
    let mut errors = Vec::new();
    while let Some(row) = src.next_row() {
        match planner.plan(&row.unwrap()) {
            Ok(p) => {
                if let Some(imp) = importer.as_mut() {
                    match p {
                        Planned::Organisation(Plan::Create(o)) => {
                            imp.create_organisation(&o).await.unwrap()
                        }
                        Planned::Organisation(Plan::Update(id, o)) => imp
                            .update_organisation(OrganisationId(id), &o)
                            .await
                            .unwrap(),
                        Planned::Contact(Plan::Create(p)) => imp.create_person(&p).await.unwrap(),
                        Planned::Contact(Plan::Update(id, p)) => {
                            imp.update_person(PersonId(id), &p).await.unwrap()
                        }
                        Planned::Membership(Plan::Create(m)) => {
                            imp.create_membership(&m).await.unwrap()
                        }
                        Planned::Membership(Plan::Update(id, m)) => {
                            imp.update_membership(MembershipId(id), &m).await.unwrap()
                        }
                        Planned::Activity(Plan::Create(a)) => {
                            imp.create_activity(&a).await.unwrap()
                        }
                        Planned::Activity(Plan::Update(id, a)) => {
                            imp.update_activity(ActivityId(id), &a).await.unwrap()
                        }
                        Planned::Participation(Plan::Create(p)) => {
                            imp.create_participation(&p).await.unwrap()
                        }
                        Planned::Participation(Plan::Update(id, p)) => imp
                            .update_participation(ParticipationId(id), &p)
                            .await
                            .unwrap(),
                        _ => {}
                    }
                }
            }
            Err(e) => {
                if !valid_rows {
                    importer = None;
                }
                errors.extend(e);
            }
        }
    }
    let summary = planner.summary();
    let written = match importer {
        Some(imp) if errors.is_empty() || valid_rows => {
            imp.commit().await.unwrap();
            true
        }
        _ => false,
    };
    (summary, errors, written)
}

fn summary(rows: usize, created: usize, updated: usize, skipped: usize, invalid: usize) -> Summary {
    Summary {
        rows,
        created,
        updated,
        skipped,
        invalid,
    }
}

on_every_backend!(
    organisations_from_windows_1252_csv_dedup_and_idempotent,
    |db| {
        let store = &db.store;
        // Two rows are bad: nothing is written.
        let (s, errors, written) = import(
            store,
            None,
            Entity::Organisations,
            fixture("organisations_cp1252.csv"),
            "o.csv",
            false,
        )
        .await;
        assert_eq!(s, summary(5, 3, 0, 0, 2));
        assert!(!written);
        assert_eq!(store.counts().await.unwrap().organisations, 0);
        let da: Vec<String> = errors.iter().map(|e| e.message(Lang::Da)).collect();
        let en: Vec<String> = errors.iter().map(|e| e.message(Lang::En)).collect();
        assert_eq!(
            da[0],
            "Række 5, kolonne «CVR-nr.»: ugyldigt CVR-nummer «12345678»: forventede 8 cifre, der ikke starter med 0, og hvor kontrolcifferet stemmer (modulus 11)"
        );
        assert!(
            en[1].starts_with("Row 6, column \"Kommune\": unknown municipality \"Atlantis\""),
            "{}",
            en[1]
        );

        // Explicitly importing the valid rows writes the three good ones, decoded from Windows-1252.
        let (s, _, written) = import(
            store,
            None,
            Entity::Organisations,
            fixture("organisations_cp1252.csv"),
            "o.csv",
            true,
        )
        .await;
        assert_eq!(s, summary(5, 3, 0, 0, 2));
        assert!(written);
        let orgs = store.all_organisations().await.unwrap();
        let names: Vec<&str> = orgs.iter().map(|o| o.organisation.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Østergaard Æblemost ApS",
                "Blåbær Robotics A/S",
                "Søndergård Consult"
            ]
        );
        assert_eq!(
            orgs[2].organisation.registration.municipality(),
            Some(Municipality::find("Ærø").unwrap().code)
        );
        assert_eq!(
            orgs[1].organisation.employment,
            Some(Employment::range(50, Some(99)).unwrap())
        );

        // The same file again changes nothing.
        let (s, _, _) = import(
            store,
            None,
            Entity::Organisations,
            fixture("organisations_cp1252.csv"),
            "o.csv",
            true,
        )
        .await;
        assert_eq!(s, summary(5, 0, 0, 3, 2));
        assert_eq!(store.all_organisations().await.unwrap(), orgs);

        // By CVR, and without CVR by name key + municipality ("Søndergård Consult ApS" matches
        // "Søndergård Consult"); a repeated equal row in one file is skipped, a differing one reported.
        let csv = "Navn;CVR;Kommune;Ansatte\nØstergaard Æblemost;10000009;Køge;20\nSøndergård Consult ApS;;Ærø;3\nNy Virksomhed;;Odense;\nNy Virksomhed;;Odense;\nNy Virksomhed;;Odense;7\n";
        let (s, errors, written) = import(
            store,
            None,
            Entity::Organisations,
            csv.as_bytes().to_vec(),
            "o.csv",
            true,
        )
        .await;
        assert_eq!(s, summary(5, 1, 2, 1, 1));
        assert!(written);
        assert!(
            errors[0].message(Lang::En).contains("same record as row 4"),
            "{:?}",
            errors
        );
        let after = store.all_organisations().await.unwrap();
        assert_eq!(after.len(), 4);
        assert_eq!(after[0].organisation.name.as_str(), "Østergaard Æblemost");
        assert_eq!(
            after[0].organisation.employment,
            Some(Employment::exact(20))
        );
        // The unmapped industry code is kept, not erased.
        assert_eq!(
            after[0].organisation.industry,
            orgs[0].organisation.industry
        );
    }
);

on_every_backend!(contacts_from_bom_csv_by_cvr_and_email, |db| {
    let store = &db.store;
    import(
        store,
        None,
        Entity::Organisations,
        fixture("organisations_cp1252.csv"),
        "o.csv",
        true,
    )
    .await;
    let cluster = make_cluster(store, "food").await;
    let (s, errors, written) = import(
        store,
        Some(&cluster),
        Entity::Contacts,
        fixture("contacts_bom.csv"),
        "c.csv",
        false,
    )
    .await;
    assert_eq!(s, summary(4, 2, 0, 0, 2));
    assert!(!written);
    let en: Vec<String> = errors.iter().map(|e| e.message(Lang::En)).collect();
    assert_eq!(en.len(), 3, "{en:?}");
    assert_eq!(en[0], "Row 4, column \"CVR\": \"CVR\" is required");
    assert!(
        en[1].starts_with("Row 5, column \"E-mail\": invalid e-mail address \"bo(at)blaabaer.dk\""),
        "{}",
        en[1]
    );
    assert!(
        en[2].starts_with("Row 5, column \"Samtykke\": invalid date \"31.02.2025\""),
        "{}",
        en[2]
    );
    let da = errors[1].message(Lang::Da);
    assert!(
        da.starts_with("Række 5, kolonne «E-mail»: ugyldig e-mailadresse «bo(at)blaabaer.dk»"),
        "{da}"
    );

    let (_, _, written) = import(
        store,
        Some(&cluster),
        Entity::Contacts,
        fixture("contacts_bom.csv"),
        "c.csv",
        true,
    )
    .await;
    assert!(written);
    let persons = cluster.all_persons().await.unwrap();
    assert_eq!(persons.len(), 2);
    assert_eq!(persons[0].1.name.as_str(), "Mette Ærbødig");
    assert_eq!(
        persons[0].1.consent_given_on,
        NaiveDate::from_ymd_opt(2025, 2, 1)
    );
    // Again: by e-mail (case-insensitively) nothing changes.
    let (s, _, _) = import(
        store,
        Some(&cluster),
        Entity::Contacts,
        fixture("contacts_bom.csv"),
        "c.csv",
        true,
    )
    .await;
    assert_eq!(s, summary(4, 0, 0, 2, 2));
    assert_eq!(cluster.all_persons().await.unwrap(), persons);
    // Another cluster's contacts are its own: the same file creates them there.
    let other = make_cluster(store, "robots").await;
    let (s, _, _) = import(
        store,
        Some(&other),
        Entity::Contacts,
        fixture("contacts_bom.csv"),
        "c.csv",
        true,
    )
    .await;
    assert_eq!(s.created, 2);
    assert_eq!(cluster.all_persons().await.unwrap().len(), 2);
});

on_every_backend!(activities_xlsx_and_participations_tab_file, |db| {
    let store = &db.store;
    import(
        store,
        None,
        Entity::Organisations,
        fixture("organisations_cp1252.csv"),
        "o.csv",
        true,
    )
    .await;
    let cluster = make_cluster(store, "food").await;
    import(
        store,
        Some(&cluster),
        Entity::Contacts,
        fixture("contacts_bom.csv"),
        "c.csv",
        true,
    )
    .await;

    // A real workbook: dates as Excel dates.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("dd-mm-yyyy");
    for (c, h) in [
        "Titel",
        "Aktivitetstype",
        "Finansiering",
        "Startdato",
        "Slutdato",
        "Kommune",
        "Offentliggjort",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        (
            "Fødevaredag",
            "matchmaking.b2b",
            "deb",
            (2025, 3, 4),
            "Køge",
            "ja",
        ),
        (
            "Robotnetværk",
            "knowledge_dissemination.sharing",
            "ufm",
            (2025, 5, 6),
            "0751",
            "nej",
        ),
    ];
    for (r, (title, t, f, (y, m, d), muni, publ)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *title).unwrap();
        ws.write_string(r, 1, *t).unwrap();
        ws.write_string(r, 2, *f).unwrap();
        let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
        ws.write_datetime_with_format(r, 3, &dt, &date).unwrap();
        ws.write_datetime_with_format(r, 4, &dt, &date).unwrap();
        ws.write_string(r, 5, *muni).unwrap();
        ws.write_string(r, 6, *publ).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let (s, errors, written) = import(
        store,
        Some(&cluster),
        Entity::Activities,
        bytes.clone(),
        "a.xlsx",
        false,
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(s, summary(2, 2, 0, 0, 0));
    assert!(written);
    let activities = cluster.all_activities().await.unwrap();
    assert_eq!(
        activities[0].1.period.from(),
        NaiveDate::from_ymd_opt(2025, 3, 4).unwrap()
    );
    assert_eq!(
        activities[1].1.municipality,
        Some(Municipality::find("Aarhus").unwrap().code)
    );
    assert!(activities[0].1.published && !activities[1].1.published);
    let (s, _, _) = import(
        store,
        Some(&cluster),
        Entity::Activities,
        bytes,
        "a.xlsx",
        false,
    )
    .await;
    assert_eq!(s, summary(2, 0, 0, 2, 0));

    // Participations, tab-separated: by activity title or id, organisation by CVR or name.
    let first = activities[0].0;
    let tsv = format!(
        "Aktivitet\tAktivitets-id\tCVR\tVirksomhed\tE-mail\tRolle\tNye kompetencer\tTilmeldt\n\
         Fødevaredag\t\t10000009\t\tmette@aeblemost.dk\tspeaker\tja\t01-03-2025\n\
         \t{}\t\tBlåbær Robotics\t\t\tnej\t2025-04-01\n\
         Ukendt\t\t10000017\t\t\t\t\t01-03-2025\n\
         Fødevaredag\t\t10000017\t\tjens@blaabaer.dk\tboss\tmåske\t2025-13-01\n",
        activities[1].0
    );
    let (s, errors, written) = import(
        store,
        Some(&cluster),
        Entity::Participations,
        tsv.clone().into_bytes(),
        "p.txt",
        false,
    )
    .await;
    assert_eq!(s, summary(4, 2, 0, 0, 2));
    assert!(!written);
    assert_eq!(cluster.all_participations().await.unwrap().len(), 0);
    let en: Vec<String> = errors.iter().map(|e| e.message(Lang::En)).collect();
    assert!(
        en[0].starts_with("Row 4, column \"Aktivitet\": no activity \"Ukendt\""),
        "{en:?}"
    );
    assert!(
        en.iter()
            .any(|m| m.starts_with("Row 5, column \"Rolle\": unknown value \"boss\"")),
        "{en:?}"
    );
    assert!(
        en.iter()
            .any(|m| m.starts_with("Row 5, column \"Nye kompetencer\": invalid value \"måske\"")),
        "{en:?}"
    );
    assert!(
        en.iter()
            .any(|m| m.starts_with("Row 5, column \"Tilmeldt\": invalid date \"2025-13-01\"")),
        "{en:?}"
    );
    let (_, _, written) = import(
        store,
        Some(&cluster),
        Entity::Participations,
        tsv.clone().into_bytes(),
        "p.txt",
        true,
    )
    .await;
    assert!(written);
    let ps = cluster.all_participations().await.unwrap();
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].1.activity, first);
    assert_eq!(ps[0].1.role, ParticipantRole::Speaker);
    assert!(ps[0].1.person.is_some() && ps[0].1.outcomes.new_competences);
    let (s, _, _) = import(
        store,
        Some(&cluster),
        Entity::Participations,
        tsv.into_bytes(),
        "p.txt",
        true,
    )
    .await;
    assert_eq!(s, summary(4, 0, 0, 2, 2));
    assert_eq!(cluster.all_participations().await.unwrap(), ps);
});

on_every_backend!(importer_is_atomic_and_tenant_safe, |db| {
    let store = &db.store;
    let a = make_cluster(store, "alpha").await;
    let b = make_cluster(store, "beta").await;
    let org = Organisation {
        name: Name::parse("Acme").unwrap(),
        kind: OrganisationKind::Company,
        registration: Registration::Danish {
            cvr: None,
            municipality: None,
        },
        employment: None,
        industry: None,
    };
    // Dropped without commit: nothing stays, even after a flush of a full batch.
    {
        let mut imp = store.registry_importer().await.unwrap();
        for _ in 0..3000 {
            imp.create_organisation(&org).await.unwrap();
        }
        assert!(
            imp.writes().created >= 2000,
            "a full batch was flushed inside the transaction"
        );
    }
    assert_eq!(store.counts().await.unwrap().organisations, 0);
    let mut imp = store.registry_importer().await.unwrap();
    imp.create_organisation(&org).await.unwrap();
    imp.commit().await.unwrap();
    let org_id = store.all_organisations().await.unwrap()[0].id;
    let person = Person {
        cluster: b.cluster_id(),
        organisation: org_id,
        name: Name::parse("Eve").unwrap(),
        email: None,
        phone: None,
        job_title: None,
        consent_given_on: None,
    };
    let b_activity = b
        .add_activity(&Activity {
            cluster: b.cluster_id(),
            title: Name::parse("B's").unwrap(),
            activity_type: ActivityType::MatchmakingB2b,
            funding_stream: FundingStream::Deb,
            format: ActivityFormat::Online,
            municipality: None,
            period: Period::open(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()),
            published: false,
            themes: vec![],
            co_organisers: vec![],
        })
        .await
        .unwrap();
    let p = Participation {
        activity: b_activity,
        organisation: org_id,
        person: None,
        role: ParticipantRole::Participant,
        dedication: None,
        outcomes: Outcomes::default(),
        registered_on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
    };
    let mut imp = a.importer().await.unwrap();
    assert!(matches!(
        imp.create_person(&person).await,
        Err(StoreError::OtherTenant { .. })
    ));
    assert!(matches!(
        imp.create_participation(&p).await,
        Err(StoreError::NotFound { .. })
    ));
    drop(imp);
    assert!(
        store
            .registry_importer()
            .await
            .unwrap()
            .create_person(&person)
            .await
            .is_err()
    );
});

/// The indexes of a SQLite database, as its schema names them.
async fn sqlite_indexes(store: &Store) -> Vec<String> {
    use sqlx::Connection;
    let klynge_store::DatabaseUrl::Sqlite(path) = store.url() else {
        panic!("a SQLite store");
    };
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let names =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    names
}

/// A large SQLite import sets the table's non-unique indexes aside inside its transaction and
/// builds them again before it commits; rolled back, it leaves them as they were.
#[tokio::test]
async fn large_sqlite_import_rebuilds_the_indexes_it_set_aside() {
    let db = common::sqlite().await;
    let store = &db.store;
    let before = sqlite_indexes(store).await;
    assert!(
        before.iter().any(|n| n == "organisations_name_key"),
        "{before:?}"
    );
    let org = |i: usize| Organisation {
        name: Name::parse(&format!("Virksomhed {i}")).unwrap(),
        kind: OrganisationKind::Company,
        registration: Registration::Danish {
            cvr: None,
            municipality: Some(MunicipalityCode::new(101).unwrap()),
        },
        employment: None,
        industry: None,
    };
    let rows = 100_000 + 3_000;
    {
        let mut imp = store.registry_importer().await.unwrap();
        for i in 0..rows {
            imp.create_organisation(&org(i)).await.unwrap();
        }
        // Dropped: rolled back, indexes included.
    }
    assert_eq!(sqlite_indexes(store).await, before);
    assert_eq!(store.counts().await.unwrap().organisations, 0);
    let mut imp = store.registry_importer().await.unwrap();
    for i in 0..rows {
        imp.create_organisation(&org(i)).await.unwrap();
    }
    imp.commit().await.unwrap();
    assert_eq!(sqlite_indexes(store).await, before);
    assert_eq!(store.counts().await.unwrap().organisations, rows as i64);
    store.close().await;
}
