//! Web load benchmark on the national demo data on SQLite: organisation search with 32
//! concurrent clients (latency percentiles) and the dashboard, through the real `klynge serve`
//! binary over HTTP, signed in as a cluster's staff member.
//!
//! `cargo bench -p klynge --bench web_load`. The database is `KLYNGE_WEB_BENCH_DB` (default
//! `/tmp/klynge-web-bench.sqlite`), made with the national demo and its accounts when missing.
//! `KLYNGE_BENCH_SECONDS` (default 20) is the length of the search run; `KLYNGE_BENCH_CLIENTS`
//! (default 32) the number of concurrent clients.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use klynge_store::{DatabaseUrl, Store};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Searches a staff member might type: name beginnings, municipalities, regions, sizes,
/// industries, sorting and later pages.
fn queries() -> Vec<String> {
    let mut q = Vec::new();
    for name in [
        "a", "ab", "bo", "nord", "dansk", "jens", "han", "møl", "vest", "øst", "sk", "tek", "k",
        "lar", "aal", "inn", "solar", "bio", "cph", "grøn",
    ] {
        q.push(format!("name={}", urlencode(name)));
    }
    for m in [
        "Aalborg", "Aarhus", "Odense", "Vejle", "851", "101", "Herning",
    ] {
        q.push(format!("municipality={m}"));
        q.push(format!("municipality={m}&size=small&sort=employees&desc=1"));
    }
    for r in [
        "nordjylland",
        "midtjylland",
        "syddanmark",
        "hovedstaden",
        "sjaelland",
    ] {
        q.push(format!("region={r}&members_only=1"));
        q.push(format!("region={r}&industry=62&page=3"));
    }
    for s in ["micro", "small", "medium", "large"] {
        q.push(format!("size={s}&sort=municipality"));
    }
    q.push(String::new());
    q.push("page=40".into());
    q.push("members_only=1&sort=cvr".into());
    q
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(name: &str, mut ms: Vec<f64>, wall: Duration) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{name}: {} requests, {:.0}/s; latency ms p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        ms.len(),
        ms.len() as f64 / wall.as_secs_f64(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.9),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .and_then(|rest| rest.split(';').next())
                .map(str::to_string)
        })
}

async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let r = http
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("GET /sign-in");
    let form_cookie = cookie_value(&r, "klynge_form").expect("form cookie");
    let html = r.text().await.expect("sign-in page");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf field")
        .to_string();
    let r = http
        .post(format!("{base}/sign-in"))
        .header("cookie", format!("klynge_form={form_cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&login=staff%40clean.demo&password={}",
            urlencode(klynge_web::DEMO_PASSWORD)
        ))
        .send()
        .await
        .expect("POST /sign-in");
    cookie_value(&r, "klynge_session").expect("signed in")
}

async fn prepare(path: &Path) {
    if path.exists() {
        return;
    }
    println!(
        "creating {} with the national demo (about a minute)…",
        path.display()
    );
    let store = Store::open(&DatabaseUrl::Sqlite(path.to_path_buf()))
        .await
        .expect("open");
    klynge::demo::load(&store, 1, klynge_demo::Scale::National)
        .await
        .expect("demo load");
    klynge_web::create_demo_accounts(&store)
        .await
        .expect("demo accounts");
    store.close().await;
}

fn main() {
    let db = PathBuf::from(
        std::env::var("KLYNGE_WEB_BENCH_DB")
            .unwrap_or_else(|_| "/tmp/klynge-web-bench.sqlite".into()),
    );
    let seconds: u64 = env_or("KLYNGE_BENCH_SECONDS", 20);
    let clients: usize = env_or("KLYNGE_BENCH_CLIENTS", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(prepare(&db));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_klynge"))
            .args([
                "--database",
                &format!("sqlite:{}", db.display()),
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start klynge serve"),
    );

    runtime.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(clients)
            .build()
            .expect("client");
        for _ in 0..100 {
            if http
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let session = Arc::new(format!("klynge_session={}", sign_in(&http, &base).await));
        let get = {
            let http = http.clone();
            let base = base.clone();
            let session = session.clone();
            move |path: String| {
                let http = http.clone();
                let url = format!("{base}{path}");
                let session = session.clone();
                async move {
                    let started = Instant::now();
                    let r = http
                        .get(url)
                        .header("cookie", session.as_str())
                        .send()
                        .await
                        .expect("GET");
                    let status = r.status();
                    let body = r.bytes().await.expect("body");
                    assert!(
                        status.is_success(),
                        "{status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                    started.elapsed().as_secs_f64() * 1000.0
                }
            }
        };

        // Warm up: every query once, the dashboard a few times, and time for what a server
        // loads in the background at start (the organisation directory, the marketplace index).
        let queries = Arc::new(queries());
        for q in queries.iter() {
            get(format!("/organisations?{q}")).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        for _ in 0..5 {
            get("/dashboard".into()).await;
        }

        // The dashboard, one client at a time.
        let mut dashboard = Vec::new();
        let started = Instant::now();
        for _ in 0..50 {
            dashboard.push(get("/dashboard".into()).await);
        }
        summary("dashboard, 1 client", dashboard, started.elapsed());

        // Organisation search (HTML page and JSON API share the query), 32 clients.
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for client in 0..clients {
            let get = get.clone();
            let queries = queries.clone();
            tasks.push(tokio::spawn(async move {
                let mut ms = Vec::new();
                let mut i = client * 7;
                while Instant::now() < deadline {
                    let q = &queries[i % queries.len()];
                    ms.push(get(format!("/organisations?{q}")).await);
                    i += 1;
                }
                ms
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client task"));
        }
        summary(
            &format!("organisation search page, {clients} clients"),
            all,
            started.elapsed(),
        );

        // The dashboard while nothing else runs, again with 32 clients.
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let get = get.clone();
            tasks.push(tokio::spawn(async move {
                let mut ms = Vec::new();
                for _ in 0..5 {
                    ms.push(get("/dashboard".into()).await);
                }
                ms
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client task"));
        }
        summary(
            &format!("dashboard, {clients} clients"),
            all,
            started.elapsed(),
        );
    });
}
