//! The server the web tests run against: a real server on a real SQLite file with two
//! clusters, an organisation that is a member of both with a private interaction in each, and
//! one account per role. Each test binary uses part of it.
#![allow(dead_code)]

pub mod events;

use chrono::NaiveDate;
use klynge_domain::{
    Activity, ActivityFormat, ActivityId, ActivityType, Agreement, Cluster, ClusterId, Cvr, Email,
    FeeTier, FundingStream, Interaction, InteractionKind, Membership, MunicipalityCode, Name,
    Office, OfficeKind, Organisation, OrganisationId, OrganisationKind, Period, Person, Referral,
    ReferralTarget, Registration, Slug,
};
use klynge_store::{DatabaseUrl, Role, Store};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use std::collections::HashMap;

pub const PASSWORD: &str = "a-long-test-password";

pub struct App {
    pub base: String,
    pub store: Store,
    pub org: OrganisationId,
    /// A company with a CVR number that takes part in nothing yet.
    pub other_org: OrganisationId,
    /// One activity per cluster (alpha, beta), unpublished.
    pub activities: Vec<ActivityId>,
    _dir: tempfile::TempDir,
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub async fn spawn() -> App {
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
    let other_org = store
        .create_organisation(&Organisation {
            name: Name::parse("Nordlys Sensorer A/S").expect("name"),
            kind: OrganisationKind::Company,
            registration: Registration::Danish {
                cvr: Cvr::parse("13585628").ok(),
                municipality: MunicipalityCode::new(851).ok(),
            },
            employment: None,
            industry: None,
        })
        .await
        .expect("organisation");
    let municipality = store
        .create_organisation(&Organisation {
            name: Name::parse("Aalborg Kommune").expect("name"),
            kind: OrganisationKind::Municipality,
            registration: Registration::Danish {
                cvr: None,
                municipality: MunicipalityCode::new(851).ok(),
            },
            employment: None,
            industry: None,
        })
        .await
        .expect("organisation");
    let mut activities = Vec::new();
    for (c, secret) in clusters.iter().zip(["SECRET-ALPHA", "SECRET-BETA"]) {
        let crm = store.cluster(*c).await.expect("cluster handle");
        let slug = secret.to_lowercase();
        crm.add_person(&Person {
            cluster: *c,
            organisation: org,
            name: Name::parse(&format!("Kontakt {secret}")).expect("name"),
            email: Email::parse(&format!("{slug}@example.dk")).ok(),
            phone: None,
            job_title: None,
            consent_given_on: None,
        })
        .await
        .expect("contact");
        crm.record_interaction(&Interaction {
            cluster: *c,
            organisation: org,
            person: None,
            kind: InteractionKind::Call,
            occurred_on: chrono::Utc::now().date_naive(),
            subject: Name::parse(&format!("Ring igen {secret}")).expect("subject"),
            notes: String::new(),
            follow_up_on: chrono::Utc::now()
                .date_naive()
                .checked_add_days(chrono::Days::new(7)),
        })
        .await
        .expect("follow-up");
        crm.add_referral(&Referral {
            cluster: *c,
            organisation: org,
            target: ReferralTarget::FundingProgramme {
                programme: Name::parse(&format!("Program {secret}")).expect("name"),
            },
            referred_on: day(2025, 6, 1),
            note: String::new(),
        })
        .await
        .expect("referral");
        crm.add_office(&Office {
            cluster: *c,
            municipality: MunicipalityCode::new(851).expect("Aalborg"),
            kind: OfficeKind::Own,
            period: Period::open(day(2024, 1, 1)),
        })
        .await
        .expect("office");
        crm.add_agreement(&Agreement {
            cluster: *c,
            partner: municipality,
            title: Name::parse(&format!("Aftale {secret}")).expect("title"),
            period: Period::open(day(2025, 1, 1)),
        })
        .await
        .expect("agreement");
        activities.push(
            crm.add_activity(&Activity {
                cluster: *c,
                title: Name::parse(&format!("Temadag {secret}")).expect("title"),
                activity_type: ActivityType::ALL[0],
                funding_stream: FundingStream::ALL[0],
                format: ActivityFormat::ALL[0],
                municipality: None,
                period: Period::open(day(2026, 3, 1)),
                published: false,
                themes: Vec::new(),
                co_organisers: Vec::new(),
            })
            .await
            .expect("activity"),
        );
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
        other_org,
        activities,
        _dir: dir,
    }
}

/// A browser-like client: keeps the cookies it is given, follows no redirects. After
/// [`Client::sign_in`] it remembers the session's form token and [`Client::post`] adds it to
/// every form that does not carry a `csrf` field of its own.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: HashMap<String, String>,
    /// The signed-in session's form token.
    pub form_token: Option<String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            cookies: HashMap::new(),
            form_token: None,
        }
    }

    pub fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or_default();
            if let Some((k, rest)) = v.split_once('=') {
                let value = rest.split(';').next().unwrap_or_default();
                self.cookies.insert(k.to_string(), value.to_string());
            }
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Status, `location`, `content-type` and body.
    pub async fn get_full(&mut self, path: &str) -> (StatusCode, String, String, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.keep(&r);
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (location, content_type) = (header("location"), header("content-type"));
        (
            r.status(),
            location,
            content_type,
            r.text().await.unwrap_or_default(),
        )
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let (status, _, _, body) = self.get_full(path).await;
        (status, body)
    }

    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let mut pairs: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        if let Some(token) = &self.form_token
            && !form.iter().any(|(k, _)| *k == "csrf")
        {
            pairs.push(format!("csrf={}", urlencode(token)));
        }
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(pairs.join("&"))
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
    pub async fn csrf(&mut self, path: &str) -> String {
        let (_, html) = self.get(path).await;
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string()
    }

    pub async fn sign_in(&mut self, login: &str) {
        let csrf = self.csrf("/sign-in").await;
        let (status, location, _) = self
            .post(
                "/sign-in",
                &[("csrf", &csrf), ("login", login), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in of {login}");
        assert_eq!(location, "/");
        self.form_token = Some(self.csrf("/account").await);
    }
}

/// Percent-encodes a form or query value.
pub fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A new API token of `who`, made on the account page (shown there once).
pub async fn api_token(app: &App, who: &str) -> String {
    let mut c = Client::new(&app.base);
    c.sign_in(who).await;
    let csrf = c.csrf("/account").await;
    let (_, _, html) = c
        .post("/account/tokens", &[("csrf", &csrf), ("label", "test")])
        .await;
    html.split("id=\"new-token\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .map(|s| s.trim().to_string())
        .filter(|t| t.len() == 64)
        .expect("the account page shows the new token once")
}
