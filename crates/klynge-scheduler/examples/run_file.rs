//! Developer tool: schedules instance files and prints breaks per seed.
//! `cargo run --release --example run_file -- SECONDS SEEDS FILE...`
//! (`KLYNGE_SOLUTION_OUT=path` writes the last solution there;
//! `KLYNGE_FIRST_SEED=n` starts the seeds at n).
use std::time::Duration;

use klynge_scheduler::{Instance, Options, breaks_lower_bound, schedule, verify};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2.0);
    let seeds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let first_seed: u64 = std::env::var("KLYNGE_FIRST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for path in args.iter().skip(3) {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let inst = match Instance::from_json(&text) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let mut line = format!("{:<20}", inst.name());
        for seed in first_seed..first_seed + seeds {
            let opts = Options {
                time_limit: Duration::from_secs_f64(secs),
                seed,
                max_iterations: None,
            };
            let sol = schedule(&inst, &opts);
            if let Err(v) = verify(&inst, &sol) {
                panic!("{path}: {v}");
            }
            if let Ok(out) = std::env::var("KLYNGE_SOLUTION_OUT")
                && let Err(e) = std::fs::write(&out, sol.to_json())
            {
                eprintln!("{out}: {e}");
            }
            line += &format!(
                " {}/{}:{}b(>={}){:.1}s",
                sol.stats.scheduled,
                inst.meeting_count(),
                sol.stats.breaks,
                sol.stats
                    .breaks_lower_bound
                    .max(breaks_lower_bound(&inst, &sol)),
                sol.stats.seconds
            );
        }
        println!("{line}");
    }
}
