//! The report pages over real HTTP on a real SQLite file: the figures on the page are the
//! engine's, downloads are what they say they are, staff see only their own cluster, members
//! nothing, and bad input is a message at the field (never a 500).

use std::collections::HashMap;

use chrono::NaiveDate;
use klynge_domain::*;
use klynge_report::engine::{Figure, KpiQuery, ReportPeriod, Scope, Snapshot, kpi_report};
use klynge_store::{DatabaseUrl, Role, Store};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

const PASSWORD: &str = "a-long-test-password";

fn day(s: &str) -> NaiveDate {
    parse_date(s).expect("test date")
}

fn muni(name: &str) -> MunicipalityCode {
    Municipality::find(name).expect("municipality").code
}

struct App {
    base: String,
    store: Store,
    alpha: ClusterId,
    beta: ClusterId,
    activity_beta: ActivityId,
    orgs: Vec<OrganisationId>,
    _dir: tempfile::TempDir,
}

/// Two clusters: Alpha (3 participations in 2025 in Aalborg, 1 in 2024) and Beta (5 in 2025
/// in Aarhus); six companies, one of them in both clusters.
async fn spawn() -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&DatabaseUrl::Sqlite(dir.path().join("web.sqlite")))
        .await
        .expect("open store");
    let mut ids = Vec::new();
    for (slug, name) in [("alpha", "Alpha Klynge"), ("beta", "Beta Klynge")] {
        ids.push(
            store
                .create_cluster(&Cluster {
                    slug: Slug::parse(slug).expect("slug"),
                    name: Name::parse(name).expect("name"),
                    strength_area: Name::parse("Test").expect("name"),
                    emerging: false,
                })
                .await
                .expect("cluster"),
        );
    }
    let (alpha, beta) = (ids[0], ids[1]);
    let mut orgs = Vec::new();
    for (i, (m, employees)) in [
        ("Aalborg", 5),
        ("Aalborg", 80),
        ("Hjørring", 300),
        ("Aarhus", 12),
        ("Aarhus", 60),
        ("Odense", 3),
    ]
    .into_iter()
    .enumerate()
    {
        orgs.push(
            store
                .create_organisation(&Organisation {
                    name: Name::parse(&format!("Virksomhed {i}")).expect("name"),
                    kind: OrganisationKind::Company,
                    registration: Registration::Danish {
                        cvr: None,
                        municipality: Some(muni(m)),
                    },
                    employment: Some(Employment::exact(employees)),
                    industry: None,
                })
                .await
                .expect("organisation"),
        );
    }
    let ca = store.cluster(alpha).await.expect("alpha");
    let cb = store.cluster(beta).await.expect("beta");
    for (crm, cluster, members) in [(&ca, alpha, &orgs[0..3]), (&cb, beta, &orgs[2..6])] {
        for o in members {
            crm.add_membership(&Membership {
                cluster,
                organisation: *o,
                period: Period::open(day("2024-01-01")),
                fee_tier: FeeTier::ALL[0],
            })
            .await
            .expect("membership");
        }
    }
    let activity = |cluster, m: &str, on: &str| Activity {
        cluster,
        title: Name::parse("Netværksmøde").expect("title"),
        activity_type: ActivityType::MatchmakingB2b,
        funding_stream: FundingStream::Deb,
        format: ActivityFormat::Physical,
        municipality: Some(muni(m)),
        period: Period::new(day(on), Some(day(on))).expect("period"),
        published: true,
        themes: vec![Theme::parse("green").expect("theme")],
        co_organisers: vec![],
    };
    let a1 = ca
        .add_activity(&activity(alpha, "Aalborg", "2025-03-10"))
        .await
        .expect("activity");
    let a0 = ca
        .add_activity(&activity(alpha, "Aalborg", "2024-03-10"))
        .await
        .expect("activity");
    let b1 = cb
        .add_activity(&activity(beta, "Aarhus", "2025-05-01"))
        .await
        .expect("activity");
    let part = |activity, organisation| Participation {
        activity,
        organisation,
        person: None,
        role: ParticipantRole::Participant,
        dedication: None,
        outcomes: Outcomes::default(),
        registered_on: day("2025-01-01"),
    };
    for o in &orgs[0..3] {
        ca.add_participation(&part(a1, *o)).await.expect("part");
    }
    ca.add_participation(&part(a0, orgs[0]))
        .await
        .expect("part");
    for o in &orgs[1..6] {
        cb.add_participation(&part(b1, *o)).await.expect("part");
    }
    let users: [(&str, Role, Option<ClusterId>, Option<OrganisationId>); 5] = [
        ("operator", Role::Operator, None, None),
        ("staff-a", Role::ClusterStaff, Some(alpha), None),
        ("staff-b", Role::ClusterStaff, Some(beta), None),
        ("member-a", Role::Member, Some(alpha), Some(orgs[0])),
        ("partner", Role::Partner, None, None),
    ];
    for (login, role, cluster, o) in users {
        klynge_web::add_user(&store, login, login, PASSWORD, role, cluster, o)
            .await
            .expect("user");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let s = store.clone();
    tokio::spawn(async move {
        let _ = klynge_web::serve(s, listener, std::future::pending()).await;
    });
    App {
        base,
        store,
        alpha,
        beta,
        activity_beta: b1,
        orgs,
        _dir: dir,
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

impl Client {
    fn new(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            cookies: HashMap::new(),
        }
    }

    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or_default();
            if let Some((k, rest)) = v.split_once('=') {
                let value = rest.split(';').next().unwrap_or_default();
                self.cookies.insert(k.to_string(), value.to_string());
            }
        }
    }

    async fn send(&mut self, r: reqwest::RequestBuilder) -> Answer {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let r = r.header("cookie", cookie).send().await.expect("request");
        self.keep(&r);
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Answer {
            status: r.status(),
            content_type,
            bytes: r.bytes().await.expect("body").to_vec(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let r = self.http.get(format!("{}{path}", self.base));
        self.send(r).await
    }

    async fn sign_in(&mut self, login: &str) {
        let page = self.get("/sign-in").await.text();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string();
        let r = self
            .http
            .post(format!("{}/sign-in", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&login={login}&password={PASSWORD}"));
        let answer = self.send(r).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "sign-in of {login}");
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn shown(f: Figure) -> String {
    match f {
        Figure::Count(n) => n.to_string(),
        Figure::Share(Some(s)) => format!("{:.1} %", s * 100.0).replace('.', ","),
        Figure::Share(None) => "–".to_string(),
    }
}

/// Every headline row of the engine's report, as the page must show it (Danish).
async fn assert_page_shows_engine(store: &Store, html: &str, scope: Scope, year: i32) {
    let snapshot = Snapshot::new(store.kpi_facts().await.expect("facts")).expect("snapshot");
    let report = kpi_report(
        &snapshot,
        KpiQuery {
            scope,
            period: ReportPeriod::year(year).expect("year"),
            funding_stream: None,
        },
    )
    .expect("report");
    for (key, c, p, n) in report.headline_rows() {
        let label = escape(klynge_report::i18n::t(klynge_report::Lang::Da, key));
        let row = format!(
            "<th scope=\"row\">{label}</th><td>{}</td><td>{}</td><td>{}</td>",
            shown(c),
            shown(p),
            shown(n)
        );
        assert!(html.contains(&row), "missing {row} in {html:.4000}");
    }
}

#[tokio::test]
async fn the_kpi_page_shows_the_engines_figures_for_each_role() {
    let app = spawn().await;
    let mut partner = Client::new(&app.base);
    partner.sign_in("partner").await;
    let page = partner
        .get("/reports?scope=national&from=2025-01-01&to=2025-12-31")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{:.2000}", page.text());
    let html = page.text();
    assert_page_shows_engine(&app.store, &html, Scope::National, 2025).await;
    // The participations of 2025: 3 in Alpha and 5 in Beta; 2024: 1.
    assert!(
        html.contains("<td>8</td><td>1</td><td>8</td>"),
        "{html:.3000}"
    );
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(html.contains("href=\"/reports/kpi.xlsx?scope=national"));

    let page = partner
        .get("/reports?scope=region:nordjylland&from=2025-01-01&to=2025-12-31")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_page_shows_engine(
        &app.store,
        &page.text(),
        Scope::Region(Region::Nordjylland),
        2025,
    )
    .await;
    let page = partner
        .get("/reports?scope=municipality&municipality=Aarhus&from=2025-01-01&to=2025-12-31")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_page_shows_engine(
        &app.store,
        &page.text(),
        Scope::Municipality(muni("Aarhus")),
        2025,
    )
    .await;
    let page = partner
        .get("/reports?scope=cluster:beta&from=2025-01-01&to=2025-12-31")
        .await;
    assert_page_shows_engine(&app.store, &page.text(), Scope::Cluster(app.beta), 2025).await;

    // Staff: their own cluster, with the national total beside; never another cluster.
    let mut staff = Client::new(&app.base);
    staff.sign_in("staff-a").await;
    let page = staff.get("/reports?from=2025-01-01&to=2025-12-31").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert_page_shows_engine(&app.store, &html, Scope::Cluster(app.alpha), 2025).await;
    assert!(!html.contains("Beta Klynge"), "staff see no other cluster");
    for scope in ["cluster:beta", "national", "region:nordjylland"] {
        let page = staff
            .get(&format!(
                "/reports?scope={scope}&from=2025-01-01&to=2025-12-31"
            ))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{scope}");
        assert!(page.text().contains("id=\"scope-error\""), "{scope}");
        let file = staff
            .get(&format!(
                "/reports/kpi.json?scope={scope}&from=2025-01-01&to=2025-12-31"
            ))
            .await;
        assert_eq!(file.status, StatusCode::UNPROCESSABLE_ENTITY, "{scope}");
        assert!(file.content_type.starts_with("text/html"));
    }

    // The snapshot kept by the server follows a write.
    let crm = app.store.cluster(app.beta).await.expect("beta");
    crm.add_participation(&Participation {
        activity: app.activity_beta,
        organisation: app.orgs[0],
        person: None,
        role: ParticipantRole::Participant,
        dedication: None,
        outcomes: Outcomes::default(),
        registered_on: day("2025-06-01"),
    })
    .await
    .expect("participation");
    let html = partner
        .get("/reports?scope=national&from=2025-01-01&to=2025-12-31")
        .await
        .text();
    assert!(
        html.contains("<td>9</td><td>1</td><td>9</td>"),
        "{html:.3000}"
    );
}

#[tokio::test]
async fn downloads_have_the_right_type_and_the_same_figures() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    c.sign_in("partner").await;
    let q = "scope=national&from=2025-01-01&to=2025-12-31";
    let xlsx = c.get(&format!("/reports/kpi.xlsx?{q}")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(
        xlsx.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    use calamine::{DataType, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx.bytes)).expect("an XLSX file");
    let sheets = book.sheet_names();
    assert_eq!(sheets, vec!["Nøgletal", "Fordelinger"]);
    let range = book.worksheet_range("Nøgletal").expect("sheet");
    let participations = klynge_report::i18n::t(klynge_report::Lang::Da, "participations");
    let row = range
        .rows()
        .find(|r| r[0].get_string() == Some(participations))
        .expect("participations row");
    assert_eq!(
        (row[1].to_string(), row[2].to_string(), row[3].to_string()),
        ("8".into(), "1".into(), "8".into())
    );

    let json = c.get(&format!("/reports/kpi.json?{q}")).await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.content_type, "application/json");
    let v: serde_json::Value = serde_json::from_slice(&json.bytes).expect("JSON");
    assert_eq!(v["current"]["participations"], 8);
    assert_eq!(v["previous"]["participations"], 1);
    assert_eq!(v["current"]["unique_companies"], 6);

    // The engagement report: page, printable document, XLSX and JSON.
    let q = "region=nordjylland&since=2025-01-01&until=2025-12-31";
    let page = c.get(&format!("/reports/region?{q}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Alpha Klynge") && html.contains("Beta Klynge"));
    assert!(html.contains("<svg"));
    let print = c.get(&format!("/reports/region/print?{q}")).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.content_type.starts_with("text/html"));
    assert!(print.text().starts_with("<!DOCTYPE html>"));
    let xlsx = c.get(&format!("/reports/region.xlsx?{q}")).await;
    assert_eq!(
        xlsx.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx.bytes)).expect("an XLSX file");
    assert_eq!(book.sheet_names().len(), 3);
    assert!(book.worksheet_range("Overblik").is_ok());
    let json = c.get(&format!("/reports/region.json?{q}")).await;
    assert_eq!(json.content_type, "application/json");
    let v: serde_json::Value = serde_json::from_slice(&json.bytes).expect("JSON");
    // Held in Nordjylland in 2025: Alpha's activity in Aalborg with three companies.
    assert_eq!(v["totals"]["participants"], 3);
    assert_eq!(v["totals"]["unique_companies"], 3);
    assert_eq!(v["national"]["participants"], 8);
    assert_eq!(v["clusters"].as_array().map(Vec::len), Some(2));

    // Staff get their own cluster's row only, beside the totals.
    let mut staff = Client::new(&app.base);
    staff.sign_in("staff-b").await;
    let json = staff.get(&format!("/reports/region.json?{q}")).await;
    let v: serde_json::Value = serde_json::from_slice(&json.bytes).expect("JSON");
    let clusters = v["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["slug"], "beta");
    let html = staff.get(&format!("/reports/region?{q}")).await.text();
    assert!(html.contains("Beta Klynge") && !html.contains("Alpha Klynge"));
}

#[tokio::test]
async fn who_may_see_reports_and_bad_input_is_shown_at_the_field() {
    let app = spawn().await;
    let paths = [
        "/reports",
        "/reports/kpi.xlsx",
        "/reports/kpi.json",
        "/reports/region",
        "/reports/region/print",
        "/reports/region.xlsx",
        "/reports/region.json",
    ];
    let mut anonymous = Client::new(&app.base);
    let mut member = Client::new(&app.base);
    member.sign_in("member-a").await;
    let mut operator = Client::new(&app.base);
    operator.sign_in("operator").await;
    for path in paths {
        assert_eq!(
            anonymous.get(path).await.status,
            StatusCode::SEE_OTHER,
            "{path}"
        );
        assert_eq!(
            member.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(operator.get(path).await.status, StatusCode::OK, "{path}");
    }
    // How we count: for everyone, in the user's language.
    let page = anonymous.get("/reports/counting").await;
    assert_eq!(page.status, StatusCode::OK);
    let first = klynge_report::rules(klynge_report::Lang::Da)[0];
    let lead = first
        .trim_start_matches("**")
        .split("**")
        .next()
        .unwrap_or_default();
    assert!(page.text().contains(lead), "{lead}");
    let _ = anonymous.get("/language/en?back=/reports/counting").await;
    let english = klynge_report::rules(klynge_report::Lang::En)[0];
    let lead = english
        .trim_start_matches("**")
        .split("**")
        .next()
        .unwrap_or_default();
    assert!(
        anonymous
            .get("/reports/counting")
            .await
            .text()
            .contains(lead)
    );

    for (path, field) in [
        ("/reports?from=31.02.2025", "from"),
        ("/reports?to=yesterday", "to"),
        ("/reports?from=2025-06-01&to=2025-01-01", "to"),
        ("/reports?scope=region:atlantis", "scope"),
        ("/reports?scope=cluster:nowhere", "scope"),
        (
            "/reports?scope=municipality&municipality=Gotham",
            "municipality",
        ),
        ("/reports?scope=municipality", "municipality"),
        (
            "/reports?scope=region:hovedstaden&from=2027-01-01&to=2027-06-30",
            "scope",
        ),
        ("/reports/kpi.xlsx?from=2025-13-01", "from"),
        ("/reports/region?region=atlantis", "region"),
        ("/reports/region?since=soon", "since"),
        (
            "/reports/region?region=oestdanmark&since=2025-01-01&until=2025-12-31",
            "region",
        ),
        ("/reports/region?since=2025-06-01&until=2025-01-01", "until"),
        ("/reports/region.json?region=atlantis", "region"),
        ("/reports/region/print?until=31.31.2025", "until"),
    ] {
        let page = operator.get(path).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            page.text().contains(&format!("id=\"{field}-error\"")),
            "{path}: {:.3000}",
            page.text()
        );
    }
}
