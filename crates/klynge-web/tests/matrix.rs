//! Roles and tenant isolation over real HTTP: a real server on a real SQLite file, two
//! clusters with private data each, every page and API route for every role.

use std::collections::HashMap;

use chrono::NaiveDate;
use klynge_domain::{
    Cluster, ClusterId, FeeTier, Interaction, InteractionKind, Membership, MunicipalityCode, Name,
    Organisation, OrganisationId, OrganisationKind, Period, Registration, Slug,
};
use klynge_store::{DatabaseUrl, Role, Store};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

const PASSWORD: &str = "a-long-test-password";

struct App {
    base: String,
    store: Store,
    org: OrganisationId,
    _dir: tempfile::TempDir,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

async fn spawn() -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = DatabaseUrl::Sqlite(dir.path().join("web.sqlite"));
    let store = Store::open(&url).await.expect("open store");
    let mut clusters = Vec::new();
    for (slug, name) in [("alpha", "Alpha Klynge"), ("beta", "Beta Klynge")] {
        let id = store
            .create_cluster(&Cluster {
                slug: Slug::parse(slug).expect("slug"),
                name: Name::parse(name).expect("name"),
                strength_area: Name::parse("Test").expect("name"),
                emerging: false,
            })
            .await
            .expect("cluster");
        clusters.push(id);
    }
    let org = store
        .create_organisation(&Organisation {
            name: Name::parse("Fælles Robotter ApS").expect("name"),
            kind: OrganisationKind::Company,
            registration: Registration::Danish {
                cvr: None,
                municipality: MunicipalityCode::new(461).ok(),
            },
            employment: None,
            industry: None,
        })
        .await
        .expect("organisation");
    for (c, secret) in clusters.iter().zip(["SECRET-ALPHA", "SECRET-BETA"]) {
        let crm = store.cluster(*c).await.expect("cluster handle");
        crm.add_membership(&Membership {
            cluster: *c,
            organisation: org,
            period: Period::open(day(2024, 1, 1)),
            fee_tier: FeeTier::ALL[0],
        })
        .await
        .expect("membership");
        crm.record_interaction(&Interaction {
            cluster: *c,
            organisation: org,
            person: None,
            kind: InteractionKind::Meeting,
            occurred_on: day(2025, 5, 1),
            subject: Name::parse(secret).expect("subject"),
            notes: String::new(),
            follow_up_on: None,
        })
        .await
        .expect("interaction");
    }
    let users: [(&str, Role, Option<ClusterId>, Option<OrganisationId>); 6] = [
        ("operator", Role::Operator, None, None),
        ("admin-a", Role::ClusterAdmin, Some(clusters[0]), None),
        ("staff-a", Role::ClusterStaff, Some(clusters[0]), None),
        ("staff-b", Role::ClusterStaff, Some(clusters[1]), None),
        ("member-a", Role::Member, Some(clusters[0]), Some(org)),
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
        org,
        _dir: dir,
    }
}

/// A browser-like client: keeps the cookies it is given, follows no redirects.
struct Client {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
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

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.keep(&r);
        (r.status(), r.text().await.unwrap_or_default())
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form.iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
            .send()
            .await
            .expect("POST");
        self.keep(&r);
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (r.status(), location, r.text().await.unwrap_or_default())
    }

    /// The form token of the page at `path`.
    async fn csrf(&mut self, path: &str) -> String {
        let (_, html) = self.get(path).await;
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string()
    }

    async fn sign_in(&mut self, login: &str) {
        let csrf = self.csrf("/sign-in").await;
        let (status, location, _) = self
            .post(
                "/sign-in",
                &[("csrf", &csrf), ("login", login), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in of {login}");
        assert_eq!(location, "/");
    }
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn every_page_for_every_role() {
    let app = spawn().await;
    let org = format!("/organisations/{}", app.org.0);
    let new_interaction = format!("{org}/interactions/new");
    // (path, allowed roles); everyone else: anonymous → 303 to sign-in, others → 403.
    let pages: Vec<(&str, &[&str])> = vec![
        ("/dashboard", &["admin-a", "staff-a", "staff-b"]),
        ("/organisations", &["admin-a", "staff-a", "staff-b"]),
        (org.as_str(), &["admin-a", "staff-a", "staff-b"]),
        (new_interaction.as_str(), &["admin-a", "staff-a", "staff-b"]),
        ("/activities", &["admin-a", "staff-a", "staff-b"]),
        ("/member", &["member-a"]),
        ("/partner", &["partner", "operator"]),
        ("/admin/users", &["operator"]),
        (
            "/reports",
            &["operator", "admin-a", "staff-a", "staff-b", "partner"],
        ),
        (
            "/reports/region",
            &["operator", "admin-a", "staff-a", "staff-b", "partner"],
        ),
        (
            "/reports/counting",
            &[
                "anonymous",
                "operator",
                "admin-a",
                "staff-a",
                "staff-b",
                "member-a",
                "partner",
            ],
        ),
        (
            "/account",
            &[
                "operator", "admin-a", "staff-a", "staff-b", "member-a", "partner",
            ],
        ),
    ];
    for who in [
        "anonymous",
        "operator",
        "admin-a",
        "staff-a",
        "staff-b",
        "member-a",
        "partner",
    ] {
        let mut c = Client::new(&app.base);
        if who != "anonymous" {
            c.sign_in(who).await;
        }
        for (path, allowed) in &pages {
            let (status, body) = c.get(path).await;
            let expected = if allowed.contains(&who) {
                StatusCode::OK
            } else if who == "anonymous" {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{who} GET {path}: {body:.300}");
        }
        // Tenant isolation on the organisation page: each cluster sees only its own dialogue.
        let (_, body) = c.get(&org).await;
        match who {
            "admin-a" | "staff-a" => {
                assert!(
                    body.contains("SECRET-ALPHA") && !body.contains("SECRET-BETA"),
                    "{who}"
                )
            }
            "staff-b" => {
                assert!(
                    body.contains("SECRET-BETA") && !body.contains("SECRET-ALPHA"),
                    "{who}"
                )
            }
            _ => assert!(!body.contains("SECRET-"), "{who} saw private dialogue"),
        }
        // Unknown and malformed ids are 404 pages for staff, never 500.
        if who.starts_with("staff") {
            for path in [
                "/organisations/999999",
                "/organisations/abc",
                "/activities/-3",
                "/nowhere",
            ] {
                assert_eq!(c.get(path).await.0, StatusCode::NOT_FOUND, "{who} {path}");
            }
        }
    }
}

#[tokio::test]
async fn forms_need_the_token_and_are_shown_again_with_messages() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    // Sign-in without the form token is refused.
    let (status, _, _) = c
        .post("/sign-in", &[("login", "staff-a"), ("password", PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    c.sign_in("staff-a").await;
    let path = format!("/organisations/{}/interactions/new", app.org.0);
    let csrf = c.csrf(&path).await;
    // A wrong token writes nothing.
    let (status, _, _) = c
        .post(
            &path,
            &[
                ("csrf", "0000"),
                ("kind", "call"),
                ("occurred_on", "2026-01-05"),
                ("subject", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Bad input: shown again with the input and a message at the field.
    let (status, _, html) = c
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("kind", "fax"),
                ("occurred_on", "31.02.2026"),
                ("subject", "<b>Kaffe</b>"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"occurred_on-error\"") && html.contains("31.02.2026"),
        "{html:.2000}"
    );
    assert!(html.contains("id=\"kind-error\""));
    assert!(
        !html.contains("<b>Kaffe")
            && (html.contains("&#60;b&#62;Kaffe") || html.contains("&lt;b&gt;Kaffe")),
        "input is escaped when shown again"
    );
    // Good input is saved and shows on the timeline of cluster A only.
    let (status, location, _) = c
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("kind", "call"),
                ("occurred_on", "5.1.2026"),
                ("subject", "Opfølgning på robotprojekt"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/organisations/{}", app.org.0));
    let (_, page) = c.get(&location).await;
    assert!(page.contains("Opfølgning på robotprojekt"));
    let mut b = Client::new(&app.base);
    b.sign_in("staff-b").await;
    assert!(!b.get(&location).await.1.contains("robotprojekt"));
    // Language switch is remembered; sign-out ends the session.
    let (status, _) = c.get("/language/en?back=/dashboard").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(c.get("/dashboard").await.1.contains("Sign out"));
    let csrf = c.csrf("/dashboard").await;
    let (status, location, _) = c.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/sign-in?out=1")
    );
    assert_eq!(c.get("/dashboard").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    let csrf = c.csrf("/sign-in").await;
    for _ in 0..5 {
        let (status, _, _) = c
            .post(
                "/sign-in",
                &[
                    ("csrf", &csrf),
                    ("login", "staff-a"),
                    ("password", "wrong-password"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now.
    let (status, _, _) = c
        .post(
            "/sign-in",
            &[
                ("csrf", &csrf),
                ("login", "staff-a"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let _ = app.store;
}

async fn api_token(app: &App, who: &str) -> String {
    let mut c = Client::new(&app.base);
    c.sign_in(who).await;
    let csrf = c.csrf("/account").await;
    let (status, _, html) = c
        .post("/account/tokens", &[("csrf", &csrf), ("label", "test")])
        .await;
    assert_eq!(status, StatusCode::OK);
    html.split("id=\"new-token\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn api_roles_tenants_and_bad_input() {
    let app = spawn().await;
    let http = reqwest::Client::new();
    let org = app.org.0;
    let routes = [
        (
            "/api/v1/dashboard".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        (
            "/api/v1/organisations?name=f%C3%A6lles".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        (
            format!("/api/v1/organisations/{org}"),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        (
            "/api/v1/activities".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        ("/api/v1/member".to_string(), ["member-a"].as_slice()),
        (
            "/api/v1/partner/clusters".to_string(),
            ["partner", "operator"].as_slice(),
        ),
        (
            "/api/v1/me".to_string(),
            [
                "operator", "admin-a", "staff-a", "staff-b", "member-a", "partner",
            ]
            .as_slice(),
        ),
    ];
    for who in [
        "anonymous",
        "operator",
        "admin-a",
        "staff-a",
        "staff-b",
        "member-a",
        "partner",
    ] {
        let token = if who == "anonymous" {
            String::new()
        } else {
            api_token(&app, who).await
        };
        for (path, allowed) in &routes {
            let r = http
                .get(format!("{}{path}", app.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("GET");
            let expected = if allowed.contains(&who) {
                StatusCode::OK
            } else if who == "anonymous" {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
            let status = r.status();
            if status != StatusCode::OK {
                assert_eq!(
                    r.headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok()),
                    Some("application/problem+json")
                );
            }
            let body = r.text().await.unwrap_or_default();
            assert_eq!(status, expected, "{who} GET {path}: {body}");
            if path.ends_with(&format!("/organisations/{org}")) && status == StatusCode::OK {
                let own = if who == "staff-b" {
                    "SECRET-BETA"
                } else {
                    "SECRET-ALPHA"
                };
                assert!(
                    body.contains(own) && body.matches("SECRET-").count() == 1,
                    "{who}: {body}"
                );
            }
        }
    }
    // Bad input: 4xx problem+json naming the problem, never 500.
    let token = api_token(&app, "staff-a").await;
    let url = format!("{}/api/v1/organisations/{org}/interactions", app.base);
    let big = format!("{{\"notes\": \"{}\"}}", "x".repeat(100_000));
    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        ("malformed", "{\"kind\": ".into(), StatusCode::BAD_REQUEST, "malformed JSON"),
        ("wrong type", "{\"kind\": 3, \"occurred_on\": \"2026-01-01\", \"subject\": \"x\"}".into(), StatusCode::UNPROCESSABLE_ENTITY, "invalid type"),
        ("unknown field", "{\"kind\": \"call\", \"occurred_on\": \"2026-01-01\", \"subject\": \"x\", \"colour\": 1}".into(), StatusCode::UNPROCESSABLE_ENTITY, "unknown field `colour`"),
        ("bad date", "{\"kind\": \"call\", \"occurred_on\": \"2026-13-01\", \"subject\": \"x\"}".into(), StatusCode::UNPROCESSABLE_ENTITY, "occurred_on"),
        ("oversized", big, StatusCode::PAYLOAD_TOO_LARGE, "at most"),
    ];
    for (name, body, status, needle) in cases {
        let r = http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), status, "{name}");
        let text = r.text().await.unwrap_or_default();
        assert!(text.contains(needle), "{name}: {text}");
    }
    let r = http
        .get(format!("{}/api/v1/organisations?size=huge", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"kind\": \"call\", \"occurred_on\": \"2026-01-01\", \"subject\": \"Via API\"}")
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::CREATED);
    // Staff of the other cluster cannot see it.
    let b = api_token(&app, "staff-b").await;
    let body = http
        .get(format!("{}/api/v1/organisations/{org}", app.base))
        .bearer_auth(&b)
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .unwrap_or_default();
    assert!(!body.contains("Via API"));
}
