//! Demo load benchmark: generate and load the demo data into a fresh SQLite file, several
//! times, and report the median. `cargo bench -p klynge --bench demo_load`
//! (`KLYNGE_BENCH_SCALE=small|national`, default national; `KLYNGE_BENCH_RUNS`, default 3).

use std::time::Instant;

use klynge_store::{DatabaseUrl, Store};

fn main() {
    let scale = std::env::var("KLYNGE_BENCH_SCALE").unwrap_or_else(|_| "national".into());
    let runs: usize = std::env::var("KLYNGE_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let scale = match klynge_demo::Scale::parse(&scale) {
        Ok(scale) => scale,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let mut seconds = Vec::new();
    let mut rows = 0;
    for run in 1..=runs {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("bench.sqlite"));
        let elapsed = runtime.block_on(async {
            let started = Instant::now();
            let store = Store::open(&url).await.expect("open");
            let report = klynge::demo::load(&store, 1, scale).await.expect("load");
            store.close().await;
            rows = report.rows;
            started.elapsed().as_secs_f64()
        });
        println!("run {run}: {rows} rows in {elapsed:.2} s");
        seconds.push(elapsed);
    }
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    println!(
        "demo load ({scale:?}) on SQLite: median {median:.2} s over {runs} runs, {:.0} rows/s",
        rows as f64 / median
    );
}
