//! `klynge schedule`: the meeting scheduler on a JSON file, with a progress bar on a terminal.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use klynge_scheduler::{Instance, Options, Progress, schedule_with_progress};

pub fn run(input: &Path, time_limit: f64, seed: u64) -> Result<()> {
    if !time_limit.is_finite() || time_limit <= 0.0 || time_limit > 86_400.0 {
        bail!(
            "invalid --time-limit {time_limit}: expected a number of seconds above 0 and at most 86400"
        );
    }
    let text = std::fs::read_to_string(input)
        .with_context(|| format!("cannot read the event file {}", input.display()))?;
    let instance = Instance::from_json(&text)
        .with_context(|| format!("invalid event file {}", input.display()))?;
    let options = Options {
        time_limit: Duration::from_secs_f64(time_limit),
        seed,
        ..Options::default()
    };
    let bar = ProgressBar::new(1000).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut report = |p: &Progress| {
        bar.set_position((p.fraction.clamp(0.0, 1.0) * 1000.0) as u64);
        bar.set_message(format!(
            "{:?}: {} meetings, priority {} of at most {}, {} breaks",
            p.phase, p.scheduled, p.priority_sum, p.upper_bound, p.breaks
        ));
    };
    let solution = schedule_with_progress(&instance, &options, &mut report);
    bar.finish_and_clear();
    println!("{}", solution.to_json());
    Ok(())
}
