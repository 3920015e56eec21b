//! The marketplace over real HTTP (issue 7): a post written through the form is found by the
//! search right after; visibility decides who sees a post, in search results too; the form
//! validates at the field and shows markup escaped; search-syntax characters and unknown
//! filters give a result or a message, never an error page; recommendations show reasons.

mod common;

use std::collections::HashMap;

use common::{App, Client, PASSWORD, api_token, spawn, urlencode};
use reqwest::StatusCode;

impl Client {
    async fn signed_in(app: &App, who: &str) -> Client {
        let mut c = Client::new(&app.base);
        if who != "anonymous" {
            let csrf = c.csrf("/sign-in").await;
            let (status, _, _) = c
                .post(
                    "/sign-in",
                    &[("csrf", &csrf), ("login", who), ("password", PASSWORD)],
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER, "sign-in of {who}");
        }
        c
    }

    /// Creates a post through the form; returns its id.
    async fn create_post(&mut self, fields: &[(&str, &str)]) -> i64 {
        let csrf = self.csrf("/market/posts/new").await;
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let (status, location, body) = self.post("/market/posts/new", &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "create post: {body:.2000}");
        location
            .rsplit('/')
            .next()
            .and_then(|id| id.parse().ok())
            .expect("the answer names the new post")
    }

    /// The titles of the search's results (the text of each result's heading).
    async fn search(&mut self, query: &str) -> (StatusCode, String) {
        self.get(&format!("/market?{query}")).await
    }
}

/// A post form with defaults.
fn post_fields<'a>(
    organisation: &'a str,
    title: &'a str,
    description: &'a str,
    visibility: &'a str,
    status: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("organisation", organisation),
        ("direction", "offer"),
        ("kind", "technology"),
        ("title", title),
        ("description", description),
        ("keywords", "varme, energi"),
        ("themes", "grøn omstilling"),
        ("industries", "28"),
        ("countries", "DK"),
        ("expires_on", ""),
        ("visibility", visibility),
        ("status", status),
    ]
}

async fn api_get(app: &App, token: &str, path: &str) -> (StatusCode, serde_json::Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[tokio::test]
async fn a_post_written_over_http_is_found_right_after() {
    let app = spawn().await;
    let org = app.org.0.to_string();
    let mut staff = Client::signed_in(&app, "staff-a").await;
    let id = staff
        .create_post(&post_fields(
            &org,
            "Varmepumper til fjernvarme",
            "Vi leverer store varmepumper til fjernvarmeværker og industri.",
            "all_clusters",
            "published",
        ))
        .await;
    // Found at once, also with a typo and a Danish inflection, with the match highlighted.
    for q in [
        "q=varmepumper",
        "q=varmepumpe",
        "q=varnepumper",
        "q=fjernvarmev%C3%A6rker",
    ] {
        let (status, html) = staff.search(q).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("Varmepumper til fjernvarme"),
            "{q}: {html:.3000}"
        );
        assert!(html.contains(&format!("/market/posts/{id}")), "{q}");
    }
    let (_, html) = staff.search("q=varmepumper").await;
    assert!(html.contains("<b>"), "a highlighted snippet");
    // The API finds it too.
    let token = api_token(&app, "staff-b").await;
    let (status, json) = api_get(&app, &token, "/api/v1/market/search?q=varmepumper").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(
        json["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["id"] == id && i["type"] == "post")),
        "{json}"
    );
    // An edit is followed: the new title is found, the old words are gone.
    let edit = format!("/market/posts/{id}/edit");
    let csrf = staff.csrf(&edit).await;
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(post_fields(
        &org,
        "Solceller til tage",
        "Vi leverer solceller og montage til erhvervstage.",
        "all_clusters",
        "published",
    ));
    let (status, location, body) = staff.post(&edit, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body:.2000}");
    assert_eq!(location, format!("/market/posts/{id}"));
    let (_, html) = staff.search("q=solceller").await;
    assert!(html.contains("Solceller til tage"));
    let (_, html) = staff.search("q=varmepumper&scope=posts").await;
    assert!(
        !html.contains(&format!("/market/posts/{id}\"")),
        "{html:.3000}"
    );
    // Moderation is followed: hidden, another cluster no longer finds it.
    let mut other = Client::signed_in(&app, "staff-b").await;
    let (_, html) = other.search("q=solceller").await;
    assert!(html.contains("Solceller til tage"));
    let csrf = staff.csrf("/market/moderation").await;
    let (status, location, _) = staff
        .post(
            &format!("/market/posts/{id}/status"),
            &[("csrf", &csrf), ("status", "hidden")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/market/moderation");
    let (_, html) = other.search("q=solceller").await;
    assert!(!html.contains("Solceller til tage"));
    assert_eq!(
        other.get(&format!("/market/posts/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    // Its own staff still see it, marked hidden.
    let (status, html) = staff.get(&format!("/market/posts/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Skjult"));
}

#[tokio::test]
async fn visibility_decides_who_sees_a_post_in_search_too() {
    let app = spawn().await;
    let org = app.org.0.to_string();
    let mut staff = Client::signed_in(&app, "staff-a").await;
    let mut ids = HashMap::new();
    for (name, visibility, status) in [
        ("Ownclusteronly", "own_cluster", "published"),
        ("Allclustersonly", "all_clusters", "published"),
        ("Everyoneonly", "public", "published"),
        ("Draftonly", "public", "draft"),
    ] {
        let title = format!("Kalibrering {name}");
        let id = staff
            .create_post(&post_fields(
                &org,
                &title,
                "Vi tilbyder kalibrering af sensorer til robotter.",
                visibility,
                status,
            ))
            .await;
        ids.insert(name, id);
    }
    let sees: [(&str, &[&str]); 7] = [
        ("anonymous", &["Everyoneonly"]),
        ("partner", &["Everyoneonly"]),
        ("operator", &["Everyoneonly"]),
        (
            "staff-a",
            &[
                "Ownclusteronly",
                "Allclustersonly",
                "Everyoneonly",
                "Draftonly",
            ],
        ),
        (
            "admin-a",
            &[
                "Ownclusteronly",
                "Allclustersonly",
                "Everyoneonly",
                "Draftonly",
            ],
        ),
        // member-a's own organisation: its posts in any state.
        (
            "member-a",
            &[
                "Ownclusteronly",
                "Allclustersonly",
                "Everyoneonly",
                "Draftonly",
            ],
        ),
        ("staff-b", &["Allclustersonly", "Everyoneonly"]),
    ];
    for (who, visible) in sees {
        let mut c = Client::signed_in(&app, who).await;
        let (status, html) = c.search("q=kalibrering&scope=posts").await;
        assert_eq!(status, StatusCode::OK, "{who}");
        for (name, id) in &ids {
            let shown = html.contains(&format!("Kalibrering {name}"));
            assert_eq!(shown, visible.contains(name), "{who} search, {name}");
            let (status, _) = c.get(&format!("/market/posts/{id}")).await;
            let expected = if visible.contains(name) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(status, expected, "{who} post page, {name}");
        }
    }
    // The API applies the same rule.
    for (who, visible) in [
        ("staff-b", ["Allclustersonly", "Everyoneonly"].as_slice()),
        ("partner", ["Everyoneonly"].as_slice()),
    ] {
        let token = api_token(&app, who).await;
        let (status, json) = api_get(
            &app,
            &token,
            "/api/v1/market/search?q=kalibrering&scope=posts",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let titles: Vec<&str> = json["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|i| i["title"].as_str()).collect())
            .unwrap_or_default();
        for name in ids.keys() {
            assert_eq!(
                titles.iter().any(|t| t.contains(name)),
                visible.contains(name),
                "{who} API, {name}: {titles:?}"
            );
        }
        let hidden = ids["Ownclusteronly"];
        let (status, _) = api_get(
            &app,
            &token,
            &format!("/api/v1/market/posts/{hidden}/recommendations"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
    }
    // Another cluster's staff can neither edit nor moderate it: not found.
    let mut other = Client::signed_in(&app, "staff-b").await;
    let id = ids["Allclustersonly"];
    assert_eq!(
        other.get(&format!("/market/posts/{id}/edit")).await.0,
        StatusCode::NOT_FOUND
    );
    let csrf = other.csrf("/market/moderation").await;
    let (status, _, _) = other
        .post(
            &format!("/market/posts/{id}/status"),
            &[("csrf", &csrf), ("status", "hidden")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A member may not moderate.
    let mut member = Client::signed_in(&app, "member-a").await;
    let csrf = member.csrf("/member").await;
    let (status, _, _) = member
        .post(
            &format!("/market/posts/{id}/status"),
            &[("csrf", &csrf), ("status", "hidden")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_form_checks_every_field_and_shows_markup_escaped() {
    let app = spawn().await;
    let org = app.org.0.to_string();
    let mut member = Client::signed_in(&app, "member-a").await;
    // Empty and oversized texts: messages at the fields, the input shown again.
    let long = "y".repeat(5_001);
    let csrf = member.csrf("/market/posts/new").await;
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(post_fields(&org, "", &long, "public", "published"));
    let (status, _, html) = member.post("/market/posts/new", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"title-error\""), "{html:.3000}");
    assert!(html.contains("id=\"description-error\""));
    assert!(html.contains("Højst 5000 tegn") || html.contains("5000"));
    // A member may not hide its own post, nor post for another organisation.
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(post_fields(
        &org,
        "Skjult opslag",
        "En beskrivelse der er lang nok.",
        "public",
        "hidden",
    ));
    let (status, _, html) = member.post("/market/posts/new", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"status-error\""));
    let other = app.other_org.0.to_string();
    let id = member
        .create_post(&post_fields(
            &other,
            "<script>alert('titel')</script> Robotgriber",
            "Vi søger en <script>alert('x')</script> robotgriber & <b>sensorer</b> til pakning.",
            "public",
            "published",
        ))
        .await;
    let (status, html) = member.get(&format!("/market/posts/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>"), "{html:.3000}");
    assert!(html.contains("&#60;script&#62;alert") || html.contains("&lt;script&gt;alert"));
    assert!(
        html.contains("Fælles Robotter"),
        "posted for the own organisation"
    );
    assert!(!html.contains("Nordlys Sensorer A/S</p>"));
    // The snippet of a search is escaped, with only our own <b> marks.
    let mut anonymous = Client::new(&app.base);
    let (status, html) = anonymous.search("q=robotgriber+pakning").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>"), "{html:.3000}");
    let snippet = html
        .split("class=\"snippet\">")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .expect("a snippet");
    let tags: Vec<&str> = snippet
        .split('<')
        .skip(1)
        .map(|s| s.split('>').next().unwrap_or_default())
        .collect();
    assert!(!tags.is_empty(), "highlights: {snippet}");
    assert!(tags.iter().all(|t| *t == "b" || *t == "/b"), "{snippet}");
    assert!(
        snippet.contains("&#60;b&#62;sensorer") || snippet.contains("&lt;b&gt;sensorer"),
        "{snippet}"
    );
    // Bad list fields get their message.
    let csrf = member.csrf("/market/posts/new").await;
    let mut form = vec![("csrf", csrf.as_str())];
    let mut fields = post_fields(
        &org,
        "Titel",
        "En beskrivelse der er lang nok.",
        "public",
        "draft",
    );
    for (k, v) in fields.iter_mut() {
        match *k {
            "industries" => *v = "IT",
            "countries" => *v = "Danmark",
            "themes" => *v = "<script>",
            "expires_on" => *v = "i morgen",
            _ => {}
        }
    }
    form.extend(fields);
    let (status, _, html) = member.post("/market/posts/new", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["industries", "countries", "themes", "expires_on"] {
        assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    assert!(
        html.contains("value=\"&#60;script&#62;\"") || html.contains("value=\"&lt;script&gt;\""),
        "input shown again, escaped"
    );
}

#[tokio::test]
async fn search_syntax_and_unknown_filters_give_a_result_or_a_message() {
    let app = spawn().await;
    let mut c = Client::signed_in(&app, "staff-a").await;
    for q in [
        "\"", "(", ")", ":", "*", "~", "^", "-", "\"varme", "a:b", "((", "*robot", "robot~2",
        "NOT", "AND OR", "title:x", "-robot", "[1 TO 2]", "\\", "'", "&&", "||", "{}", "!",
    ] {
        let (status, html) = c.search(&format!("q={}", urlencode(q))).await;
        assert_eq!(status, StatusCode::OK, "{q}: {html:.500}");
        assert!(html.contains("id=\"q\""), "the form is shown for {q}");
    }
    // A search-syntax query still finds what its words say.
    let (_, html) = c.search("q=%22F%C3%A6lles+Robotter%22").await;
    assert!(html.contains("Fælles Robotter ApS"), "{html:.3000}");
    let (_, html) = c.search("q=robot*").await;
    assert!(html.contains("Fælles Robotter ApS"));
    for (name, value) in [
        ("kind", "spaceship"),
        ("scope", "everything"),
        ("region", "Atlantis"),
        ("size", "huge"),
        ("industry", "IT"),
        ("cluster", "1; DROP TABLE"),
        ("theme", "<script>"),
        ("page", "0"),
    ] {
        let (status, html) = c
            .search(&format!("q=robot&{name}={}", urlencode(value)))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}={value}");
        assert!(
            html.contains(&format!("id=\"{name}-error\"")),
            "{name}: {html:.3000}"
        );
        assert!(!html.contains("<script>"), "{name}");
    }
    // An organisation kind with posts only: a message at the kind.
    let (status, html) = c.search("q=robot&scope=posts&kind=investor").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"kind-error\""));
    // Names the form does not have are ignored.
    assert_eq!(c.search("q=robot&colour=red").await.0, StatusCode::OK);
    // The API: 400 with a problem document naming the value; syntax is fine.
    let token = api_token(&app, "staff-a").await;
    for path in [
        "/api/v1/market/search?kind=spaceship",
        "/api/v1/market/search?colour=red",
        "/api/v1/market/search?limit=0",
        "/api/v1/market/search?offset=x",
        "/api/v1/market/search?industry=IT",
        "/api/v1/market/posts/1/recommendations?lang=fr",
    ] {
        let (status, json) = api_get(&app, &token, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {json}");
        assert!(
            json["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{json}"
        );
    }
    for q in ["%22", "(", "%3A", "*", "~", "%5E", "-", "%22robot"] {
        let (status, json) = api_get(&app, &token, &format!("/api/v1/market/search?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}: {json}");
    }
    for path in [
        "/api/v1/market/posts/abc/recommendations",
        "/api/v1/market/posts/999999/recommendations",
    ] {
        assert_eq!(
            api_get(&app, &token, path).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn recommendations_show_their_reasons() {
    let app = spawn().await;
    let mut staff = Client::signed_in(&app, "staff-a").await;
    let need = staff
        .create_post(&[
            ("organisation", &app.org.0.to_string()),
            ("direction", "need"),
            ("kind", "technology"),
            ("title", "Vi søger varmepumper til fjernvarme"),
            (
                "description",
                "Vi har brug for store varmepumper og rådgivning om fjernvarme.",
            ),
            ("keywords", "varmepumper"),
            ("themes", "grøn omstilling"),
            ("industries", ""),
            ("countries", ""),
            ("expires_on", ""),
            ("visibility", "all_clusters"),
            ("status", "published"),
        ])
        .await;
    let offer = staff
        .create_post(&[
            ("organisation", &app.other_org.0.to_string()),
            ("direction", "offer"),
            ("kind", "technology"),
            ("title", "Store varmepumper til fjernvarme"),
            (
                "description",
                "Vi leverer og installerer store varmepumper til fjernvarmeværker.",
            ),
            ("keywords", "varmepumper"),
            ("themes", "grøn omstilling"),
            ("industries", ""),
            ("countries", ""),
            ("expires_on", ""),
            ("visibility", "all_clusters"),
            ("status", "published"),
        ])
        .await;
    let (status, html) = staff.get(&format!("/market/posts/{need}")).await;
    assert_eq!(status, StatusCode::OK);
    let list = html
        .split("id=\"recommended-posts\"")
        .nth(1)
        .expect("recommended posts");
    assert!(
        list.contains(&format!("/market/posts/{offer}")),
        "{list:.2000}"
    );
    assert!(list.contains("Store varmepumper til fjernvarme"));
    assert!(
        list.contains("matcher"),
        "the reason names the match: {list:.2000}"
    );
    assert!(
        list.contains("grøn omstilling"),
        "shared theme: {list:.2000}"
    );
    // Whom to meet on the organisation page.
    let (status, html) = staff.get(&format!("/organisations/{}", app.org.0)).await;
    assert_eq!(status, StatusCode::OK);
    let meet = html.split("id=\"meet-list\"").nth(1).expect("whom to meet");
    assert!(meet.contains("Nordlys Sensorer"), "{meet:.2000}");
    // The API, in English.
    let token = api_token(&app, "staff-b").await;
    let (status, json) = api_get(
        &app,
        &token,
        &format!("/api/v1/market/posts/{need}/recommendations?lang=en"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let first = json["posts"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["id"] == offer))
        .expect("the offer is recommended");
    let why = first["explanation"].as_str().unwrap_or_default();
    assert!(
        why.contains("matches") && why.contains("grøn omstilling"),
        "{why}"
    );
    // The member sees its own posts and whom to meet on its page.
    let mut member = Client::signed_in(&app, "member-a").await;
    let (status, html) = member.get("/member").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Vi søger varmepumper til fjernvarme"));
    assert!(html.contains("id=\"whom-to-meet\""));
}
