//! Benchmark: the 20 original B2B instances against the published optima, and
//! generated brokerage events of 60 to 20,000 participants.
//!
//! `cargo bench -p klynge-scheduler`. Environment:
//! - `KLYNGE_B2B_INSTANCES`: folder of `*.original.json` (default
//!   `<workspace>/../shared/b2b-instances/json`);
//! - `KLYNGE_BENCH_SECONDS`: time limit per original instance (default 10);
//! - `KLYNGE_BENCH_RUNS`: runs (seeds) per instance for small instances, median
//!   reported (default 3);
//! - `KLYNGE_BENCH_ONLY`: substring filter on instance names;
//! - `KLYNGE_BENCH_SKIP_GENERATED` / `KLYNGE_BENCH_SKIP_ORIGINALS`: skip a part.

use std::path::PathBuf;
use std::time::Duration;

use klynge_scheduler::{Instance, Options, Solution, generate, schedule, verify};

/// Published optimal breaks (JAIR 2022, Table 3, fairness d = 2).
const PUBLISHED: &[(&str, u64)] = &[
    ("forum-13", 0),
    ("forum-13crafb", 6),
    ("forum-13crafc", 1),
    ("forum-14", 2),
    ("forumt-14", 5),
    ("forumt-14crafc", 5),
    ("forumt-14crafd", 4),
    ("forumt-14crafe", 5),
    ("tic-12", 0),
    ("tic-12crafc", 0),
    ("tic-13", 0),
    ("tic-13crafb", 0),
    ("tic-13crafc", 4),
    ("tic-14crafa", 0),
    ("tic-14crafc", 0),
    ("tic-14crafd", 0),
    ("ticf-13crafa", 0),
    ("ticf-13crafb", 3),
    ("ticf-13crafc", 1),
    ("ticf-14crafa", 0),
];

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

/// Runs `runs` seeds and returns the solutions (each verified).
fn run(inst: &Instance, seconds: f64, runs: usize) -> Vec<Solution> {
    (0..runs)
        .map(|seed| {
            let sol = schedule(
                inst,
                &Options {
                    time_limit: Duration::from_secs_f64(seconds),
                    seed: seed as u64,
                    max_iterations: None,
                },
            );
            if let Err(v) = verify(inst, &sol) {
                panic!("{}: solution does not verify: {v}", inst.name());
            }
            sol
        })
        .collect()
}

fn originals(only: &str, seconds: f64, runs: usize) {
    let dir = std::env::var("KLYNGE_B2B_INSTANCES").map_or_else(
        |_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join("../shared/b2b-instances/json")
        },
        PathBuf::from,
    );
    println!("\n## Original B2B instances ({seconds} s per run, median of {runs} runs)");
    println!(
        "Published optima impose fairness d = 2, which we do not, so our breaks may be below them."
    );
    println!(
        "{:<16} {:>8} {:>9} {:>7} {:>9} {:>6} {:>7}",
        "instance", "meetings", "scheduled", "breaks", "published", "gap", "seconds"
    );
    let (mut sum_ours, mut sum_pub) = (0, 0);
    for &(name, published) in PUBLISHED {
        if !name.contains(only) {
            continue;
        }
        let path = dir.join(format!("{name}.original.json"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                println!("{name:<16} cannot read {}: {e}", path.display());
                continue;
            }
        };
        let inst = match Instance::from_json(&text) {
            Ok(i) => i,
            Err(e) => {
                println!("{name:<16} invalid: {e}");
                continue;
            }
        };
        let sols = run(&inst, seconds, runs);
        let breaks = median(sols.iter().map(|s| s.stats.breaks).collect());
        let scheduled = median(sols.iter().map(|s| s.stats.scheduled).collect());
        let secs = median(sols.iter().map(|s| s.stats.seconds).collect());
        let all = if scheduled as usize == inst.meeting_count() {
            ""
        } else {
            " (NOT ALL)"
        };
        sum_ours += breaks;
        sum_pub += published;
        println!(
            "{:<16} {:>8} {:>9} {:>7} {:>9} {:>+6} {:>7.2}{all}",
            name,
            inst.meeting_count(),
            scheduled,
            breaks,
            published,
            breaks as i64 - published as i64,
            secs
        );
    }
    println!(
        "{:<16} {:>8} {:>9} {:>7} {:>9} {:>+6}",
        "total",
        "",
        "",
        sum_ours,
        sum_pub,
        sum_ours as i64 - sum_pub as i64
    );
}

fn generated(only: &str, runs: usize) {
    println!("\n## Generated brokerage events (generate::brokerage_event, seed 1)");
    println!(
        "{:<22} {:>8} {:>6} {:>6} {:>9} {:>9} {:>9} {:>7} {:>7} {:>6} {:>7}",
        "instance",
        "requests",
        "slots",
        "tables",
        "scheduled",
        "priority",
        "bound",
        "ratio",
        "breaks",
        "idle",
        "seconds"
    );
    for &(n, seconds) in &[(60usize, 2.0f64), (300, 2.0), (2000, 2.0), (20000, 60.0)] {
        let input = generate::brokerage_event(n, 1);
        if !input.name.contains(only) {
            continue;
        }
        let inst = match Instance::new(&input) {
            Ok(i) => i,
            Err(e) => panic!("generated instance invalid: {e}"),
        };
        let r = if n <= 2000 { runs } else { 1 };
        let sols = run(&inst, seconds, r);
        let pick = |f: &dyn Fn(&Solution) -> f64| median(sols.iter().map(f).collect::<Vec<f64>>());
        let prio = pick(&|s| s.stats.priority_sum as f64);
        let bound = sols[0].stats.upper_bound as f64;
        println!(
            "{:<22} {:>8} {:>6} {:>6} {:>9} {:>9} {:>9} {:>7.4} {:>7} {:>6} {:>7.2}",
            inst.name(),
            inst.meeting_count(),
            inst.slots(),
            inst.tables(),
            pick(&|s| s.stats.scheduled as f64),
            prio,
            bound,
            prio / bound,
            pick(&|s| s.stats.breaks as f64),
            pick(&|s| s.stats.idle_slots as f64),
            pick(&|s| s.stats.seconds),
        );
    }
}

fn main() {
    let only = std::env::var("KLYNGE_BENCH_ONLY").unwrap_or_default();
    let seconds = env_f64("KLYNGE_BENCH_SECONDS", 10.0);
    let runs = env_f64("KLYNGE_BENCH_RUNS", 3.0).max(1.0) as usize;
    if std::env::var_os("KLYNGE_BENCH_SKIP_ORIGINALS").is_none() {
        originals(&only, seconds, runs);
    }
    if std::env::var_os("KLYNGE_BENCH_SKIP_GENERATED").is_none() {
        generated(&only, runs);
    }
}
