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
//! - `KLYNGE_BENCH_SKIP_GENERATED` / `KLYNGE_BENCH_SKIP_ORIGINALS`: skip a part;
//! - `KLYNGE_BENCH_SKIP_CPSAT`: skip the OR-Tools CP-SAT column (it is skipped
//!   with a message anyway when `python3` or the `ortools` package is missing).
//!
//! CP-SAT runs `benches/cpsat/b2b_cpsat.py` (2 workers, same objective, same
//! time limit) on the originals and the 60- and 300-participant events, once
//! per instance (it is not seeded like ours).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use klynge_scheduler::{
    Instance, Options, Solution, breaks_lower_bound, generate, schedule, verify,
};

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

/// CP-SAT's answer on one instance.
struct CpSat {
    status: String,
    priority: Option<u64>,
    breaks: Option<u64>,
    bound: Option<u64>,
    seconds: f64,
}

impl CpSat {
    fn columns(&self) -> String {
        let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        format!(
            "{:>8} {:>7} {:>7} {:>9} {:>7.2}",
            opt(self.priority),
            opt(self.breaks),
            opt(self.bound),
            self.status,
            self.seconds
        )
    }
}

/// The CP-SAT model script, if python3 with ortools can run it; prints why not.
fn cpsat_script() -> Option<PathBuf> {
    if std::env::var_os("KLYNGE_BENCH_SKIP_CPSAT").is_some() {
        println!("CP-SAT column skipped (KLYNGE_BENCH_SKIP_CPSAT).");
        return None;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/cpsat/b2b_cpsat.py");
    match Command::new("python3")
        .args(["-c", "import ortools"])
        .output()
    {
        Ok(o) if o.status.success() => Some(script),
        Ok(_) => {
            println!("CP-SAT column skipped: python3 cannot import ortools (pip install ortools).");
            None
        }
        Err(e) => {
            println!("CP-SAT column skipped: cannot run python3 ({e}).");
            None
        }
    }
}

/// The LP relaxation's optimum (benches/cpsat/lp_bound.py).
fn lp_bound(script: &Path, instance: &Path) -> Option<f64> {
    let out = Command::new("python3")
        .arg(script)
        .arg(instance)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("LP failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["lp_bound"].as_f64()
}

fn run_cpsat(script: &Path, instance: &Path, seconds: f64) -> CpSat {
    let failed = |status: String| CpSat {
        status,
        priority: None,
        breaks: None,
        bound: None,
        seconds: 0.0,
    };
    let out = match Command::new("python3")
        .arg(script)
        .arg(instance)
        .arg(seconds.to_string())
        .arg("2")
        .output()
    {
        Ok(o) => o,
        Err(e) => return failed(format!("error: {e}")),
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        eprintln!("CP-SAT failed on {}: {err}", instance.display());
        return failed("FAILED".into());
    }
    let v: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => return failed(format!("bad output: {e}")),
    };
    CpSat {
        status: v["status"].as_str().unwrap_or("?").to_string(),
        priority: v["priority"].as_u64(),
        breaks: v["breaks"].as_u64(),
        bound: v["objective_bound_priority"].as_u64(),
        seconds: v["seconds"].as_f64().unwrap_or(0.0),
    }
}

/// Peak resident memory of this process (VmHWM), in MiB, on Linux.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn originals(only: &str, seconds: f64, runs: usize, cpsat: Option<&Path>) {
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
        "`lower`: proven lower bound on breaks for the meetings held (breaks each participant needs on its own)."
    );
    println!(
        "{:<16} {:>8} {:>9} {:>7} {:>6} {:>9} {:>6} {:>7} | {:>8} {:>7} {:>7} {:>9} {:>7}",
        "instance",
        "meetings",
        "scheduled",
        "breaks",
        "lower",
        "published",
        "gap",
        "seconds",
        "cp prio",
        "cp brk",
        "cp bnd",
        "cp stat",
        "cp s"
    );
    let (mut sum_ours, mut sum_pub, mut sum_lower) = (0, 0, 0);
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
        let lower = median(sols.iter().map(|s| proven_lower(&inst, s)).collect());
        let scheduled = median(sols.iter().map(|s| s.stats.scheduled).collect());
        let secs = median(sols.iter().map(|s| s.stats.seconds).collect());
        let all = if scheduled as usize == inst.meeting_count() {
            ""
        } else {
            " (NOT ALL)"
        };
        sum_ours += breaks;
        sum_pub += published;
        sum_lower += lower;
        let cp = cpsat.map_or(String::new(), |script| {
            format!("| {}", run_cpsat(script, &path, seconds).columns())
        });
        println!(
            "{:<16} {:>8} {:>9} {:>7} {:>6} {:>9} {:>+6} {:>7.2}{all} {cp}",
            name,
            inst.meeting_count(),
            scheduled,
            breaks,
            lower,
            published,
            breaks as i64 - published as i64,
            secs
        );
    }
    println!(
        "{:<16} {:>8} {:>9} {:>7} {:>6} {:>9} {:>+6}",
        "total",
        "",
        "",
        sum_ours,
        sum_lower,
        sum_pub,
        sum_ours as i64 - sum_pub as i64
    );
}

fn generated(only: &str, runs: usize, cpsat: Option<&Path>) {
    println!("\n## Generated brokerage events (generate::brokerage_event, seed 1)");
    println!(
        "{:<22} {:>8} {:>6} {:>6} {:>9} {:>9} {:>9} {:>7} {:>7} {:>6} {:>6} {:>7} {:>8}",
        "instance",
        "requests",
        "slots",
        "tables",
        "scheduled",
        "priority",
        "bound",
        "ratio",
        "breaks",
        "lower",
        "idle",
        "seconds",
        "peak MiB"
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
            "{:<22} {:>8} {:>6} {:>6} {:>9} {:>9} {:>9} {:>7.4} {:>7} {:>6} {:>6} {:>7.2} {:>8.0}",
            inst.name(),
            inst.meeting_count(),
            inst.slots(),
            inst.tables(),
            pick(&|s| s.stats.scheduled as f64),
            prio,
            bound,
            prio / bound,
            pick(&|s| s.stats.breaks as f64),
            pick(&|s| proven_lower(&inst, s) as f64),
            pick(&|s| s.stats.idle_slots as f64),
            pick(&|s| s.stats.seconds),
            peak_rss_mib().unwrap_or(f64::NAN),
        );
        if let Some(script) = cpsat.filter(|_| n <= 2000) {
            let path = std::env::temp_dir().join(format!("klynge-bench-{}.json", inst.name()));
            let written = serde_json::to_string(&input)
                .map_err(|e| e.to_string())
                .and_then(|t| std::fs::write(&path, t).map_err(|e| e.to_string()));
            match written {
                Err(e) => println!("  CP-SAT: cannot write {}: {e}", path.display()),
                Ok(()) => {
                    let lp = script.with_file_name("lp_bound.py");
                    match lp_bound(&lp, &path) {
                        Some(b) => println!(
                            "  LP relaxation (GLOP): {b:.2}; ours / LP = {:.4}; our bound / LP = {:.4}",
                            prio / b,
                            bound / b
                        ),
                        None => println!("  LP relaxation (GLOP): failed"),
                    }
                }
            }
            if n <= 300 {
                let cp = run_cpsat(script, &path, seconds);
                let ratio = cp.priority.map_or(String::new(), |p| {
                    format!(", ours/CP-SAT priority {:.4}", prio / p as f64)
                });
                println!(
                    "  CP-SAT (prio, breaks, bound, status, s): {}{ratio}",
                    cp.columns()
                );
            }
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn main() {
    let only = std::env::var("KLYNGE_BENCH_ONLY").unwrap_or_default();
    let seconds = env_f64("KLYNGE_BENCH_SECONDS", 10.0);
    let runs = env_f64("KLYNGE_BENCH_RUNS", 3.0).max(1.0) as usize;
    let cpsat = cpsat_script();
    if std::env::var_os("KLYNGE_BENCH_SKIP_ORIGINALS").is_none() {
        originals(&only, seconds, runs, cpsat.as_deref());
    }
    if std::env::var_os("KLYNGE_BENCH_SKIP_GENERATED").is_none() {
        generated(&only, runs, cpsat.as_deref());
    }
}

/// The proven lower bound on breaks: the scheduler's own (floors raised by
/// its exact search), or the floors where it did not run.
fn proven_lower(inst: &Instance, sol: &Solution) -> u64 {
    sol.stats
        .breaks_lower_bound
        .max(breaks_lower_bound(inst, sol))
}
