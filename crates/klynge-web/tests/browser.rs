//! A real browser against a real server: headless Chromium, driven over WebDriver by
//! chromedriver. A staff member signs in, searches an organisation, opens it, adds an
//! interaction, switches the language and signs out; an organiser schedules a matchmaking
//! event, moves a meeting and publishes, and a participant reads the agenda.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test says so and passes, except under `CI=true`, where a missing browser is a failure.
//! `KLYNGE_CHROMEDRIVER` and `KLYNGE_CHROMIUM` override the paths.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{PASSWORD, spawn};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

fn tool(env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    path.exists().then_some(path)
}

/// chromedriver, killed when the test ends however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_browser(chromedriver: PathBuf, chromium: PathBuf) -> (Driver, Client) {
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=da"],
        }),
    );
    // chromedriver needs a moment to listen.
    let mut attempts = 0;
    loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return (driver, client),
            Err(_) if attempts < 50 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("WebDriver session: {e}"),
        }
    }
}

/// The element, waiting up to 10 s for it: a click that navigates returns before the new
/// page is there.
async fn element(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn text_of(c: &Client, css: &str) -> String {
    element(c, css)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Waits up to 10 s until the element's text is `expected` (the page may still be the old one).
async fn wait_text(c: &Client, css: &str, expected: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t == expected {
                return;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: expected {expected:?}, found {last:?}");
}

/// Waits up to 10 s until the page's language is `lang`.
async fn wait_lang(c: &Client, lang: &str) {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css("html")).await
            && e.attr("lang").await.ok().flatten().as_deref() == Some(lang)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page did not switch to {lang}");
}

/// Waits up to 10 s until the address's path starts with `prefix`.
async fn wait_path(c: &Client, prefix: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(url) = c.current_url().await {
            if url.path().starts_with(prefix) {
                return;
            }
            last = url.to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected a page under {prefix}, still at {last}");
}

/// Waits up to 30 s until the address's path is exactly `path` (a page that refreshes
/// itself, such as the scheduler's progress, may come first).
async fn wait_path_is(c: &Client, path: &str) {
    let mut last = String::new();
    for _ in 0..300 {
        if let Ok(url) = c.current_url().await {
            if url.path() == path {
                return;
            }
            last = url.to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {path}, still at {last}");
}

async fn fill(c: &Client, css: &str, value: &str) {
    let field = element(c, css).await;
    field.clear().await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field
        .send_keys(value)
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

async fn click(c: &Client, css: &str) {
    element(c, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// chromedriver and a browser session, or `None` (the test is skipped) when they are not
/// installed; under `CI=true` a missing browser fails the test.
async fn browser() -> Option<(Driver, Client)> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let (Some(chromedriver), Some(chromium)) = (
        tool("KLYNGE_CHROMEDRIVER", "/usr/bin/chromedriver"),
        tool("KLYNGE_CHROMIUM", "/usr/bin/chromium"),
    ) else {
        assert!(
            !ci,
            "CI=true but chromium/chromedriver are missing (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: chromium and chromedriver are not installed");
        return None;
    };
    Some(start_browser(chromedriver, chromium).await)
}

/// Signs in and waits for the landing page (`landing`: the dashboard for staff, the
/// member page for a member contact).
async fn sign_in(c: &Client, base: &str, login: &str, landing: &str) -> Result<(), String> {
    c.goto(&format!("{base}/sign-in"))
        .await
        .map_err(|e| e.to_string())?;
    fill(c, "#login", login).await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form[action='/sign-in'] button[type=submit]").await;
    wait_path(c, landing).await;
    Ok(())
}

async fn select(c: &Client, css: &str, value: &str) {
    element(c, css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

#[tokio::test]
async fn a_staff_member_works_through_the_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn().await;
    let result = journey(&c, &app.base).await;
    let _ = c.close().await;
    result.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn an_organiser_schedules_an_event_and_a_participant_reads_the_agenda() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn().await;
    let event = common::events::seed_small_event(&app).await;
    let result = event_journey(&c, &app, &event).await;
    let _ = c.close().await;
    result.unwrap_or_else(|e| panic!("{e}"));
}

async fn event_journey(
    c: &Client,
    app: &common::App,
    seeded: &common::events::SmallEvent,
) -> Result<(), String> {
    let base = &app.base;
    let id = seeded.id.0;
    sign_in(c, base, "staff-a", "/dashboard").await?;
    c.goto(&format!("{base}/events/{id}"))
        .await
        .map_err(|e| e.to_string())?;
    wait_text(c, "#fig-accepted", "4").await;

    // Run the scheduler: the progress page refreshes by itself until the grid is there.
    click(c, "#run-scheduler").await;
    wait_path_is(c, &format!("/events/{id}/schedule")).await;
    element(c, "#grid").await;
    wait_text(c, "#fig-scheduled", "4").await;

    // A move the rules refuse: the meeting's participant is only there in the morning.
    let view = seeded.view.clone();
    select(c, "#meeting", &seeded.morning_meeting.0.to_string()).await;
    select(c, "#slot", &seeded.afternoon_slot.to_string()).await;
    click(c, "#move-submit").await;
    element(c, "#move-refused").await;
    let error = text_of(c, "#slot-error").await;
    assert!(
        error.contains(seeded.morning_name),
        "the conflict names who is unavailable: {error}"
    );

    // A move that fits: to a slot and table where nobody of the meeting is busy.
    let (slot, table) = common::events::free_place(&view, seeded.id, seeded.free_meeting).await;
    select(c, "#meeting", &seeded.free_meeting.0.to_string()).await;
    select(c, "#slot", &slot.to_string()).await;
    select(c, "#table", &(table + 1).to_string()).await;
    click(c, "#move-submit").await;
    element(c, "#moved").await;
    let placed = view
        .placements(seeded.id)
        .await
        .map_err(|e| e.to_string())?;
    assert!(
        placed
            .iter()
            .any(|p| p.request == seeded.free_meeting && p.slot == slot && p.table == table),
        "the move is saved: {placed:?}"
    );

    // Publish.
    click(c, "#publish").await;
    wait_path_is(c, &format!("/events/{id}")).await;
    let status = view.event(seeded.id).await.map_err(|e| e.to_string())?;
    assert_eq!(status.event.status, klynge_domain::EventStatus::Published);

    // The participant signs in and reads the agenda; the calendar link answers a calendar.
    click(c, "#sign-out").await;
    wait_path(c, "/sign-in").await;
    sign_in(c, base, "member-a", "/member").await?;
    c.goto(&format!("{base}/my/events/{id}/agenda"))
        .await
        .map_err(|e| e.to_string())?;
    let agenda = text_of(c, "#agenda").await;
    assert!(
        agenda.contains(seeded.partner_name),
        "the agenda lists the meeting: {agenda}"
    );
    let href = element(c, "#agenda-ics")
        .await
        .attr("href")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the calendar link has no address")?;
    let cookies = c
        .get_all_cookies()
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|k| format!("{}={}", k.name(), k.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let r = reqwest::Client::new()
        .get(format!("{base}{href}"))
        .header("cookie", cookies)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let body = r.text().await.map_err(|e| e.to_string())?;
    assert!(body.contains("BEGIN:VEVENT"), "{body}");
    Ok(())
}

async fn journey(c: &Client, base: &str) -> Result<(), String> {
    // Sign in (Danish by default).
    c.goto(&format!("{base}/sign-in"))
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(
        c.find(Locator::Css("html"))
            .await
            .map_err(|e| e.to_string())?
            .attr("lang")
            .await
            .map_err(|e| e.to_string())?
            .as_deref(),
        Some("da")
    );
    fill(c, "#login", "staff-a").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form[action='/sign-in'] button[type=submit]").await;
    wait_path(c, "/dashboard").await;

    // Search an organisation and open it.
    click(c, "nav a[href='/organisations']").await;
    fill(c, "#name", "fælles rob").await;
    click(c, "#search-submit").await;
    wait_text(c, "table tbody tr td a", "Fælles Robotter ApS").await;
    click(c, "table tbody tr td a").await;
    wait_text(c, "h1", "Fælles Robotter ApS").await;
    // The own cluster's private interaction is there, the other cluster's is not.
    let page = c.source().await.map_err(|e| e.to_string())?;
    assert!(page.contains("SECRET-ALPHA") && !page.contains("SECRET-BETA"));

    // Add an interaction; a wrong date is shown again at the field first.
    click(c, "#add-interaction").await;
    fill(c, "#occurred_on", "31-02-2026").await;
    fill(c, "#subject", "Opfølgning på robotcelle").await;
    fill(c, "#notes", "Aftalt demo <b>i januar</b>").await;
    click(c, "#save-interaction").await;
    let error = text_of(c, "#occurred_on-error").await;
    assert!(!error.is_empty());
    assert_eq!(
        c.find(Locator::Css("#subject"))
            .await
            .map_err(|e| e.to_string())?
            .prop("value")
            .await
            .map_err(|e| e.to_string())?
            .as_deref(),
        Some("Opfølgning på robotcelle"),
        "the form keeps the input"
    );
    fill(c, "#occurred_on", "30-11-2026").await;
    click(c, "#save-interaction").await;
    wait_text(c, "h1", "Fælles Robotter ApS").await;
    let timeline = text_of(c, ".timeline").await;
    assert!(
        timeline.contains("Opfølgning på robotcelle"),
        "timeline: {timeline}"
    );
    // Markup in the notes is shown as text, never interpreted.
    assert!(
        timeline.contains("Aftalt demo <b>i januar</b>"),
        "{timeline}"
    );

    // Switch to English and back the language is remembered across pages.
    click(c, "#language-switch").await;
    wait_lang(c, "en").await;
    click(c, "nav a[href='/dashboard']").await;
    wait_path(c, "/dashboard").await;
    wait_lang(c, "en").await;
    wait_text(c, "#sign-out", "Sign out").await;

    // Sign out: back at the sign-in page, and the dashboard needs signing in again.
    click(c, "#sign-out").await;
    wait_path(c, "/sign-in").await;
    element(c, "#login").await;
    c.goto(&format!("{base}/dashboard"))
        .await
        .map_err(|e| e.to_string())?;
    wait_path(c, "/sign-in").await;
    Ok(())
}
