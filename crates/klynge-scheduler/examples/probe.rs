//! Developer probe: runs one generated event with a progress trace.
//! `cargo run --release --example probe -- PARTICIPANTS SECONDS`
use std::time::Duration;

use klynge_scheduler::{Instance, Options, generate, schedule_with_progress, verify};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let secs = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2.0);
    let inst = match Instance::new(&generate::brokerage_event(n, 1)) {
        Ok(i) => i,
        Err(e) => panic!("{e}"),
    };
    let mut last = 0.0;
    let opts = Options {
        time_limit: Duration::from_secs_f64(secs),
        ..Options::default()
    };
    let sol = schedule_with_progress(&inst, &opts, &mut |p| {
        if p.fraction - last >= 0.05 || p.fraction == 0.0 || p.fraction >= 1.0 {
            last = p.fraction;
            println!(
                "{:?} {:.2}s prio {} / {} breaks {}",
                p.phase,
                p.elapsed.as_secs_f64(),
                p.priority_sum,
                p.upper_bound,
                p.breaks
            );
        }
    });
    println!(
        "{:?} upper bound {} after {:.2}s",
        verify(&inst, &sol).map(|s| (s.priority_sum, s.breaks)),
        sol.stats.upper_bound,
        sol.stats.seconds
    );
}
