//! Developer tool: prints a generated brokerage event as input JSON.
//! `cargo run --release --example generate_event -- PARTICIPANTS [SEED] > event.json`
use klynge_scheduler::generate;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(300);
    let seed = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    match serde_json::to_string(&generate::brokerage_event(n, seed)) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("cannot serialise: {e}"),
    }
}
