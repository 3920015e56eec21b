//! Roles and tenant isolation over real HTTP: a real server on a real SQLite file, two
//! clusters with private data each, every page and API route for every role.

mod common;

use std::collections::HashMap;

use common::{App, Client, PASSWORD, api_token, spawn};
use reqwest::StatusCode;

#[tokio::test]
async fn every_page_for_every_role() {
    let app = spawn().await;
    let org = format!("/organisations/{}", app.org.0);
    let new_interaction = format!("{org}/interactions/new");
    let new_contact = format!("{org}/contacts/new");
    let new_referral = format!("{org}/referrals/new");
    let staff = ["admin-a", "staff-a", "staff-b"].as_slice();
    // (path, allowed roles); everyone else: anonymous → 303 to sign-in, others → 403.
    let pages: Vec<(&str, &[&str])> = vec![
        ("/dashboard", &["admin-a", "staff-a", "staff-b"]),
        ("/organisations", &["admin-a", "staff-a", "staff-b"]),
        (org.as_str(), &["admin-a", "staff-a", "staff-b"]),
        (new_interaction.as_str(), &["admin-a", "staff-a", "staff-b"]),
        (new_contact.as_str(), staff),
        (new_referral.as_str(), staff),
        ("/activities", &["admin-a", "staff-a", "staff-b"]),
        ("/contacts", staff),
        ("/follow-ups", staff),
        ("/referrals", staff),
        ("/presence", staff),
        ("/member", &["member-a"]),
        (
            "/market",
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
        ("/market/moderation", staff),
        (
            "/market/posts/new",
            &["admin-a", "staff-a", "staff-b", "member-a"],
        ),
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
        // Tenant isolation: on the organisation page and every list, each cluster sees only
        // its own contacts, dialogue, follow-ups, referrals and agreements.
        let activity_a = format!("/activities/{}", app.activities[0].0);
        for path in [
            org.as_str(),
            "/contacts",
            "/follow-ups",
            "/referrals",
            "/presence",
            "/activities",
            activity_a.as_str(),
        ] {
            let (status, body) = c.get(path).await;
            match who {
                "admin-a" | "staff-a" => assert!(
                    body.contains("SECRET-ALPHA") && !body.contains("SECRET-BETA"),
                    "{who} {path}"
                ),
                "staff-b" => {
                    assert!(!body.contains("SECRET-ALPHA"), "{who} {path}");
                    if path == activity_a {
                        assert_eq!(status, StatusCode::NOT_FOUND, "another cluster's activity");
                    } else {
                        assert!(body.contains("SECRET-BETA"), "{who} {path}");
                    }
                }
                _ => assert!(
                    !body.contains("SECRET-"),
                    "{who} saw private data at {path}"
                ),
            }
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
        (
            "/api/v1/contacts".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        (
            "/api/v1/follow-ups".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        (
            "/api/v1/referrals".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        (
            "/api/v1/agreements".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        (
            "/api/v1/offices".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        (
            "/api/v1/events".to_string(),
            ["admin-a", "staff-a", "staff-b"].as_slice(),
        ),
        ("/api/v1/member".to_string(), ["member-a"].as_slice()),
        (
            "/api/v1/market/search?q=robot".to_string(),
            [
                "operator", "admin-a", "staff-a", "staff-b", "member-a", "partner",
            ]
            .as_slice(),
        ),
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
            let private = path.ends_with(&format!("/organisations/{org}"))
                || ["contacts", "follow-ups", "referrals", "agreements"]
                    .iter()
                    .any(|list| path.ends_with(list));
            if private && status == StatusCode::OK {
                let own = if who == "staff-b" {
                    "SECRET-BETA"
                } else {
                    "SECRET-ALPHA"
                };
                let other = if own == "SECRET-BETA" {
                    "SECRET-ALPHA"
                } else {
                    "SECRET-BETA"
                };
                assert!(body.contains(own) && !body.contains(other), "{who}: {body}");
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

    // Contacts and participants through the API: checked like the forms, named problems.
    let post = |path: String, body: &'static str| {
        let http = http.clone();
        let token = token.clone();
        let url = format!("{}{path}", app.base);
        async move {
            let r = http
                .post(url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("POST");
            (r.status(), r.text().await.unwrap_or_default())
        }
    };
    let contacts = format!("/api/v1/organisations/{org}/contacts");
    let (status, text) = post(contacts.clone(), r#"{"name": "", "email": "x@"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("email:") && text.contains("name:"), "{text}");
    let (status, text) = post(contacts.clone(), r#"{"name": "Ida", "email": "ida@x.dk"}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let (status, text) = post(
        contacts.clone(),
        r#"{"name": "Ida 2", "email": "ida@x.dk"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    let (status, _) = post(
        "/api/v1/organisations/999999/contacts".into(),
        r#"{"name": "Ida"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let participants = format!("/api/v1/activities/{}/participants", app.activities[0].0);
    let (status, text) = post(participants.clone(), r#"{"cvr": "13585627"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("13585627"), "{text}");
    let (status, text) = post(
        participants.clone(),
        r#"{"cvr": "13585628", "role": "speaker"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let (status, _) = post(participants.clone(), r#"{"cvr": "13585628"}"#).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, text) = post(participants, r#"{"cvr": "13585628", "role": "boss"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    // Another cluster's activity does not exist for this token.
    let other = format!("/api/v1/activities/{}/participants", app.activities[1].0);
    let (status, _) = post(other, r#"{"cvr": "13585628"}"#).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The OpenAPI document describes exactly the API the router serves, and its browsable page
/// is served from embedded assets only.
#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let app = spawn().await;
    let http = reqwest::Client::new();
    let doc: serde_json::Value = http
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .expect("GET openapi.json")
        .json()
        .await
        .expect("openapi.json is JSON");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{doc}"
    );
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    for expected in [
        "/api/v1/me",
        "/api/v1/dashboard",
        "/api/v1/organisations",
        "/api/v1/organisations/{id}",
        "/api/v1/organisations/{id}/interactions",
        "/api/v1/activities",
        "/api/v1/activities/{id}",
        "/api/v1/member",
        "/api/v1/partner/clusters",
        "/api/v1/contacts",
        "/api/v1/organisations/{id}/contacts",
        "/api/v1/follow-ups",
        "/api/v1/referrals",
        "/api/v1/offices",
        "/api/v1/agreements",
        "/api/v1/activities/{id}/participants",
        "/api/v1/events",
        "/api/v1/events/{id}",
        "/api/v1/events/{id}/schedule",
        "/api/v1/market/search",
        "/api/v1/market/posts/{id}/recommendations",
    ] {
        assert!(paths.iter().any(|p| p == expected), "{expected} missing");
    }
    // Every documented GET reaches a handler (the catch-all answers "no such API resource"),
    // so the document names no route the router lacks; every schema it references exists.
    let token = api_token(&app, "staff-a").await;
    let org = app.org.0.to_string();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if item.get("get").is_none() {
            continue;
        }
        let url = format!("{}{}", app.base, path.replace("{id}", &org));
        let r = http.get(url).bearer_auth(&token).send().await.expect("GET");
        let body = r.text().await.unwrap_or_default();
        assert!(!body.contains("no such API resource"), "{path}: {body}");
    }
    let r = http
        .get(format!("{}/api/v1/no-such-thing", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("no such API resource")
    );
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for reference in text.split("#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(
            schemas.contains_key(name),
            "schema {name} is referenced but missing"
        );
    }
    assert!(
        doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer",
        "{text}"
    );
    // The browsable page and its assets come from this server.
    let r = http
        .get(format!("{}/api/v1/docs/", app.base))
        .send()
        .await
        .expect("GET docs");
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("swagger-ui"), "{html}");
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        assert!(html.contains(asset), "{asset} not referenced");
        let r = http
            .get(format!("{}/api/v1/docs/{asset}", app.base))
            .send()
            .await
            .expect("GET asset");
        assert_eq!(r.status(), StatusCode::OK, "{asset}");
        if asset == "swagger-initializer.js" {
            let js = r.text().await.unwrap_or_default();
            assert!(js.contains("/api/v1/openapi.json"), "{js}");
            assert!(!js.contains("petstore"), "{js}");
        }
    }
    for line in html.lines() {
        let l = line.to_ascii_lowercase();
        if l.contains("src=") || l.contains("href=") {
            assert!(
                !l.contains("http://") && !l.contains("https://") && !l.contains("src=\"//"),
                "external asset: {line}"
            );
        }
    }
}

/// The CRM forms beyond interactions: contacts, referrals and participants. Bad input is shown
/// again at the field and writes nothing; good input lands in the own cluster only.
#[tokio::test]
async fn contacts_referrals_and_participants_are_added_with_checks() {
    let app = spawn().await;
    let mut a = Client::new(&app.base);
    a.sign_in("staff-a").await;
    let mut b = Client::new(&app.base);
    b.sign_in("staff-b").await;
    let org = app.org.0;

    // Contacts: a bad e-mail, then a duplicate one, then a good contact.
    let path = format!("/organisations/{org}/contacts/new");
    let csrf = a.csrf(&path).await;
    let (status, _, html) = a
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Mette Holm"),
                ("email", "mette@@x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"email-error\"") && html.contains("Mette Holm"));
    let (status, _, html) = a
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Mette Holm"),
                ("email", "secret-alpha@example.dk"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html:.1500}");
    assert!(html.contains("id=\"email-error\""));
    let (status, _, _) = a
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Mette Holm"),
                ("email", "mette@robotter.dk"),
                ("job_title", "Innovationschef"),
                ("consent_given_on", "1.11.2026"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        a.get("/contacts?q=mette")
            .await
            .1
            .contains("mette@robotter.dk")
    );
    assert!(
        !b.get("/contacts?q=mette")
            .await
            .1
            .contains("mette@robotter.dk")
    );
    // A search with LIKE wildcards matches them literally.
    assert!(
        !a.get("/contacts?q=%25")
            .await
            .1
            .contains("mette@robotter.dk")
    );

    // Referrals: no target chosen, then a referral to the other cluster.
    let path = format!("/organisations/{org}/referrals/new");
    let csrf = a.csrf(&path).await;
    let (status, _, html) = a
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("target_kind", "cluster"),
                ("referred_on", "2026-11-02"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"cluster-error\""));
    let beta = html
        .split("<option value=\"")
        .filter_map(|s| s.split_once("\">"))
        .find(|(_, rest)| rest.starts_with("Beta Klynge"))
        .map(|(id, _)| id.to_string())
        .expect("the other cluster is offered");
    assert!(
        !html.contains(">Alpha Klynge<"),
        "the own cluster is not offered"
    );
    let (status, _, _) = a
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("target_kind", "cluster"),
                ("cluster", &beta),
                ("referred_on", "2.11.2026"),
                ("note", "Har brug for robotkompetencer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let list = a.get("/referrals").await.1;
    assert!(list.contains("Beta Klynge") && list.contains("Har brug for robotkompetencer"));
    assert!(!b.get("/referrals").await.1.contains("robotkompetencer"));

    // Participants: a bad CVR, an unknown CVR, then by CVR, then again (already there).
    let path = format!("/activities/{}/participants", app.activities[0].0);
    let page = format!("/activities/{}", app.activities[0].0);
    let csrf = a.csrf(&page).await;
    for (cvr, needle) in [("13585627", "13585627"), ("27355021", "27355021")] {
        let (status, _, html) = a
            .post(
                &path,
                &[("csrf", &csrf), ("cvr", cvr), ("role", "participant")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{cvr}");
        assert!(
            html.contains("id=\"cvr-error\"") && html.contains(needle),
            "{cvr}"
        );
    }
    let (status, location, _) = a
        .post(
            &path,
            &[("csrf", &csrf), ("cvr", "13585628"), ("role", "speaker")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&page));
    assert!(a.get(&page).await.1.contains("Nordlys Sensorer A/S"));
    let (status, _, html) = a
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("cvr", "13585628"),
                ("role", "participant"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"cvr-error\""));
    // By name search: the hit carries its own add form.
    let found = a.get(&format!("{page}?find=f%C3%A6lles")).await.1;
    assert!(found.contains(&format!("name=\"organisation_id\" value=\"{org}\"")));
    let (status, _, _) = a
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("organisation_id", &org.to_string()),
                ("role", "participant"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Another cluster cannot add to this activity: it does not exist for them.
    let csrf_b = b.csrf("/activities").await;
    let (status, _, _) = b
        .post(
            &path,
            &[
                ("csrf", &csrf_b),
                ("cvr", "13585628"),
                ("role", "participant"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = app.other_org;
}

/// The matchmaking event routes (issue 6) for every role: organiser pages for the own
/// cluster's staff only (another cluster's staff get 404, other roles 403), participant
/// pages for a member contact whose organisation is registered.
#[tokio::test]
async fn event_routes_for_every_role() {
    use klynge_domain::{Email, Event, EventParticipant, EventStatus, Name, Slot};
    let app = spawn().await;
    let (user, _) = app
        .store
        .credentials("staff-a")
        .await
        .expect("credentials")
        .expect("staff-a exists");
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    app.store
        .create_session("matrix-token", user.id, "csrf", expires)
        .await
        .expect("session");
    let principal = app
        .store
        .session("matrix-token")
        .await
        .expect("session")
        .expect("live")
        .principal;
    let view = principal.events(&app.store).expect("staff view");
    let event = view
        .create_event(&Event {
            cluster: view.cluster_id(),
            name: Name::parse("Matrix B2B SECRET-ALPHA").expect("name"),
            place: String::new(),
            held_on: common::day(2026, 10, 1),
            slots: Slot::parse_lines("09:00-09:20\n09:20-09:40").expect("slots"),
            tables: 3,
            table_names: Vec::new(),
            status: EventStatus::Draft,
        })
        .await
        .expect("event");
    let registered = |name: &str, email: &str| EventParticipant {
        organisation: app.org,
        name: Name::parse(name).expect("name"),
        email: Email::parse(email).expect("email"),
        available: None,
        max_meetings: None,
    };
    let registration = view
        .add_participant(event, &registered("Matrix Deltager", "matrix@example.dk"))
        .await
        .expect("participant");
    // One registration for each organiser role to remove.
    let mut removable = HashMap::new();
    for who in ["admin-a", "staff-a"] {
        let id = view
            .add_participant(
                event,
                &registered(&format!("Fjernes {who}"), &format!("{who}@example.dk")),
            )
            .await
            .expect("participant");
        removable.insert(who, id.0);
    }
    let p = registration.0;
    view.set_status(event, EventStatus::Open)
        .await
        .expect("open");
    let e = event.0;
    let organiser = [
        "/events".to_string(),
        "/events/new".to_string(),
        format!("/events/{e}"),
        format!("/events/{e}/edit"),
        format!("/events/{e}/schedule"),
        format!("/events/{e}/schedule/progress"),
        format!("/events/{e}/participants/{p}/edit"),
        format!("/events/{e}/participants/{p}/remove"),
        format!("/events/{e}/attendance"),
    ];
    let participant = [
        "/my/events".to_string(),
        format!("/my/events/{e}"),
        format!("/my/events/{e}/agenda"),
        format!("/my/events/{e}/agenda.ics"),
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
        for path in &organiser {
            let (status, body) = c.get(path).await;
            let expected = match who {
                "anonymous" => StatusCode::SEE_OTHER,
                // The progress page of an event with no run leads to the schedule.
                "admin-a" | "staff-a" if path.ends_with("/progress") => StatusCode::SEE_OTHER,
                "admin-a" | "staff-a" => StatusCode::OK,
                "staff-b" if path.contains(&format!("/{e}")) => StatusCode::NOT_FOUND,
                "staff-b" => StatusCode::OK,
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(status, expected, "{who} GET {path}: {body:.300}");
            if who == "staff-b" {
                assert!(!body.contains("SECRET-ALPHA"), "{who} {path}");
            }
        }
        for path in &participant {
            let (status, body) = c.get(path).await;
            let expected = match who {
                "anonymous" => StatusCode::SEE_OTHER,
                "member-a" => StatusCode::OK,
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(status, expected, "{who} GET {path}: {body:.300}");
        }
        // State-changing routes: refused for everyone but the organiser's staff.
        let csrf = if who == "anonymous" {
            String::new()
        } else {
            c.csrf("/account").await
        };
        let (status, _, _) = c
            .post(
                &format!("/events/{e}/status"),
                &[("csrf", &csrf), ("status", "draft")],
            )
            .await;
        let expected = match who {
            "anonymous" => StatusCode::SEE_OTHER,
            "admin-a" | "staff-a" => StatusCode::SEE_OTHER,
            "staff-b" => StatusCode::NOT_FOUND,
            _ => StatusCode::FORBIDDEN,
        };
        assert_eq!(status, expected, "{who} POST status");
        if matches!(who, "admin-a" | "staff-a") {
            // Put it back for the next role.
            c.post(
                &format!("/events/{e}/status"),
                &[("csrf", &csrf), ("status", "open")],
            )
            .await;
        }
        // Changing and removing a registration, marking attendance: the organiser's staff
        // only (attendance is refused before the event with a message, so a redirect).
        let victim = removable.get(who).copied().unwrap_or(p);
        for (path, form) in [
            (
                format!("/events/{e}/participants/{p}/edit"),
                vec![
                    ("csrf", csrf.as_str()),
                    ("name", "Matrix Deltager"),
                    ("email", "matrix@example.dk"),
                ],
            ),
            (
                format!("/events/{e}/participants/{victim}/remove"),
                vec![("csrf", csrf.as_str())],
            ),
            (
                format!("/events/{e}/attendance/1"),
                vec![("csrf", csrf.as_str()), ("attendance", "held")],
            ),
        ] {
            let (status, location, body) = c.post(&path, &form).await;
            let expected = match who {
                "anonymous" | "admin-a" | "staff-a" => StatusCode::SEE_OTHER,
                "staff-b" => StatusCode::NOT_FOUND,
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(
                status, expected,
                "{who} POST {path}: {location} {body:.300}"
            );
        }
        if matches!(who, "admin-a" | "staff-a") {
            let left = view.participants(event).await.expect("participants");
            assert!(
                left.iter().all(|r| r.id.0 != victim),
                "{who} removed {victim}"
            );
            assert!(left.iter().any(|r| r.id == registration));
        }
        // The API: the organiser's staff only; another cluster's event is 404.
        let token = if who == "anonymous" {
            String::new()
        } else {
            api_token(&app, who).await
        };
        for path in [
            format!("/api/v1/events/{e}"),
            format!("/api/v1/events/{e}/schedule"),
        ] {
            let r = reqwest::Client::new()
                .get(format!("{}{path}", app.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("GET");
            let expected = match who {
                "anonymous" => StatusCode::UNAUTHORIZED,
                "admin-a" | "staff-a" => StatusCode::OK,
                "staff-b" => StatusCode::NOT_FOUND,
                _ => StatusCode::FORBIDDEN,
            };
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            assert_eq!(status, expected, "{who} GET {path}: {body}");
            if status == StatusCode::OK && path.ends_with(&format!("/{e}")) {
                assert!(
                    body.contains("Matrix Deltager") && body.contains("\"figures\""),
                    "{body}"
                );
            }
        }
        let (status, _, _) = c
            .post(
                &format!("/my/events/{e}/requests"),
                &[("csrf", &csrf), ("from", "1"), ("to", "1")],
            )
            .await;
        let expected = match who {
            "anonymous" => StatusCode::SEE_OTHER,
            "member-a" => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::FORBIDDEN,
        };
        assert_eq!(status, expected, "{who} POST request");
    }
}

/// The marketplace's routes with a post of cluster alpha's (visible to its own cluster only):
/// who reads, edits and moderates it, and who gets 303/403/404.
#[tokio::test]
async fn market_routes_for_every_role() {
    let app = spawn().await;
    let mut author = Client::new(&app.base);
    author.sign_in("staff-a").await;
    let csrf = author.csrf("/market/posts/new").await;
    let org = app.org.0.to_string();
    let (status, location, body) = author
        .post(
            "/market/posts/new",
            &[
                ("csrf", &csrf),
                ("organisation", &org),
                ("direction", "need"),
                ("kind", "research_cooperation"),
                ("title", "Matrixopslag om robotsyn"),
                (
                    "description",
                    "Vi søger samarbejde om robotsyn i produktionen.",
                ),
                ("visibility", "own_cluster"),
                ("status", "published"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body:.2000}");
    let post = location.clone();
    let edit = format!("{post}/edit");
    let moderate = format!("{post}/status");
    // (role, GET post, GET edit, POST status)
    let expected = [
        ("anonymous", 404, 303, 303),
        ("operator", 404, 403, 403),
        ("partner", 404, 403, 403),
        ("admin-a", 200, 200, 303),
        ("staff-a", 200, 200, 303),
        ("staff-b", 404, 404, 404),
        ("member-a", 200, 200, 403),
    ];
    for (who, read, write, status_change) in expected {
        let mut c = Client::new(&app.base);
        if who != "anonymous" {
            c.sign_in(who).await;
        }
        assert_eq!(c.get(&post).await.0.as_u16(), read, "{who} GET {post}");
        assert_eq!(c.get(&edit).await.0.as_u16(), write, "{who} GET {edit}");
        let csrf = c.csrf("/market").await;
        let (status, location, _) = c
            .post(&moderate, &[("csrf", &csrf), ("status", "published")])
            .await;
        assert_eq!(status.as_u16(), status_change, "{who} POST {moderate}");
        if who == "anonymous" {
            assert_eq!(location, "/sign-in");
        }
        // The search shows the post exactly to those who may read it.
        let (status, html) = c.get("/market?q=robotsyn").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            html.contains("Matrixopslag om robotsyn"),
            read == 200,
            "{who} search"
        );
    }
}

/// Pages of one record of cluster alpha: its staff see them (with the record's private
/// data), beta's staff get 404, other roles 403, anonymous visitors the sign-in.
async fn own_cluster_staff_only(app: &App, paths: &[&str]) {
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
        for path in paths {
            let (status, body) = c.get(path).await;
            let expected = match who {
                "admin-a" | "staff-a" => StatusCode::OK,
                "staff-b" => StatusCode::NOT_FOUND,
                "anonymous" => StatusCode::SEE_OTHER,
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(status, expected, "{who} GET {path}: {body:.300}");
            assert_eq!(body.contains("SECRET-ALPHA"), status == StatusCode::OK);
        }
    }
}

/// The id in the first `{prefix}{id}/edit` link of a page.
fn first_id(html: &str, prefix: &str) -> i64 {
    let start = html.find(prefix).expect("an edit link") + prefix.len();
    let digits: String = html[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("a contact id")
}

/// Editing and deleting contacts: only the own cluster's staff reach a contact (another
/// cluster's staff get 404, other roles 403), bad input is shown again and writes nothing,
/// a taken e-mail is refused, and a deleted contact is gone from pages and API.
#[tokio::test]
async fn contacts_are_edited_and_deleted_in_the_own_cluster_only() {
    let app = spawn().await;
    let mut a = Client::new(&app.base);
    a.sign_in("staff-a").await;
    let id = first_id(&a.get("/contacts?q=secret-alpha").await.1, "/contacts/");
    let edit = format!("/contacts/{id}/edit");
    let delete = format!("/contacts/{id}/delete");
    own_cluster_staff_only(&app, &[&edit, &delete]).await;
    // Another cluster's staff cannot change or delete it, even with a valid form.
    let mut b = Client::new(&app.base);
    b.sign_in("staff-b").await;
    let csrf_b = b.csrf("/contacts").await;
    let (status, _, _) = b
        .post(&edit, &[("csrf", &csrf_b), ("name", "Overtaget")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = b.post(&delete, &[("csrf", &csrf_b)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The form comes filled in; a bad e-mail is shown again at the field, nothing written.
    let (_, form) = a.get(&edit).await;
    assert!(form.contains("secret-alpha@example.dk"), "{form:.2000}");
    let csrf = a.csrf(&edit).await;
    let (status, _, html) = a
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("name", "Ny Navn"),
                ("email", "ikke-en-mail"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"email-error\"") && html.contains("ikke-en-mail"));
    assert!(!a.get("/contacts?q=ny%20navn").await.1.contains("Ny Navn"));
    // An e-mail another contact of the cluster has is refused.
    let org = app.org.0;
    let new_contact = format!("/organisations/{org}/contacts/new");
    let (status, _, _) = a
        .post(
            &new_contact,
            &[
                ("csrf", &csrf),
                ("name", "Anden Kontakt"),
                ("email", "anden@example.dk"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, html) = a
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("name", "Ny Navn"),
                ("email", "anden@example.dk"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"email-error\""));
    // A good edit lands.
    let (status, location, _) = a
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("name", "SECRET-ALPHA Omdøbt"),
                ("email", "omdoebt@example.dk"),
                ("job_title", "Direktør"),
                ("consent_given_on", "02.11.2026"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/organisations/{org}#contacts"));
    let list = a.get("/contacts?q=omdoebt").await.1;
    assert!(list.contains("SECRET-ALPHA Omdøbt") && list.contains("Direktør"));
    assert!(a.get(&edit).await.1.contains("02-11-2026"));

    // Through the API: another cluster's contact is 404, bad input 4xx, a good PUT 204.
    let http = reqwest::Client::new();
    let token_a = api_token(&app, "staff-a").await;
    let token_b = api_token(&app, "staff-b").await;
    let api = format!("{}/api/v1/contacts/{id}", app.base);
    let put = |token: &str, body: &str| {
        http.put(&api)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let good = r#"{"name": "SECRET-ALPHA Via API", "email": "api@example.dk"}"#;
    assert_eq!(
        put(&token_b, good).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    for bad in [
        r#"{"name": ""}"#,
        r#"{"name": "X", "email": "nej"}"#,
        r#"{"name": "X", "colour": "red"}"#,
        r#"{"name": 5}"#,
        "{",
    ] {
        let r = put(&token_a, bad).await.unwrap();
        assert!(r.status().is_client_error(), "{bad}: {}", r.status());
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{bad}"
        );
    }
    assert_eq!(
        put(&token_a, good).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        a.get("/contacts?q=via%20api")
            .await
            .1
            .contains("api@example.dk")
    );

    // Deleting: the other cluster cannot, the own staff can; then it is gone everywhere.
    let del = |token: &str| http.delete(&api).bearer_auth(token).send();
    assert_eq!(del(&token_b).await.unwrap().status(), StatusCode::NOT_FOUND);
    let (status, _, _) = a.post(&delete, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(a.get(&edit).await.0, StatusCode::NOT_FOUND);
    assert!(!a.get("/contacts").await.1.contains("Via API"));
    assert!(
        !a.get(&format!("/organisations/{org}"))
            .await
            .1
            .contains("Via API")
    );
    assert_eq!(del(&token_a).await.unwrap().status(), StatusCode::NOT_FOUND);
}

/// Editing and deleting referrals: own cluster's staff only (another cluster's staff 404,
/// other roles 403); a bad day is shown again and writes nothing.
#[tokio::test]
async fn referrals_are_edited_and_deleted_in_the_own_cluster_only() {
    let app = spawn().await;
    let mut a = Client::new(&app.base);
    a.sign_in("staff-a").await;
    let list = a.get("/referrals").await.1;
    assert!(list.contains("SECRET-ALPHA"), "{list:.2000}");
    let id = first_id(&list, "/referrals/");
    let edit = format!("/referrals/{id}/edit");
    let delete = format!("/referrals/{id}/delete");
    own_cluster_staff_only(&app, &[&edit, &delete]).await;
    let mut b = Client::new(&app.base);
    b.sign_in("staff-b").await;
    let csrf_b = b.csrf("/referrals").await;
    let (status, _, _) = b
        .post(
            &edit,
            &[
                ("csrf", &csrf_b),
                ("target_kind", "funding_programme"),
                ("programme", "Overtaget"),
                ("referred_on", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        b.post(&delete, &[("csrf", &csrf_b)]).await.0,
        StatusCode::NOT_FOUND
    );

    let csrf = a.csrf(&edit).await;
    let (status, _, html) = a
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("target_kind", "funding_programme"),
                ("programme", "Innobooster"),
                ("referred_on", "31-02-2026"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"referred_on-error\"") && html.contains("Innobooster"));
    assert!(!a.get("/referrals").await.1.contains("Innobooster"));
    let (status, location, _) = a
        .post(
            &edit,
            &[
                ("csrf", &csrf),
                ("target_kind", "funding_programme"),
                ("programme", "Innobooster"),
                ("referred_on", "03.11.2026"),
                ("note", "SECRET-ALPHA søger tilskud"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/organisations/{}#referrals", app.org.0));
    let list = a.get("/referrals").await.1;
    assert!(list.contains("Innobooster") && list.contains("søger tilskud"));
    assert!(a.get(&edit).await.1.contains("03-11-2026"));

    let (status, _, _) = a.post(&delete, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(a.get(&edit).await.0, StatusCode::NOT_FOUND);
    assert!(!a.get("/referrals").await.1.contains("Innobooster"));
}
