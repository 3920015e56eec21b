//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use klynge_scheduler::{Instance, Options};

pub fn instances_dir() -> PathBuf {
    std::env::var("KLYNGE_B2B_INSTANCES").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/b2b-instances/json"),
        PathBuf::from,
    )
}

pub fn quick(ms: u64) -> Options {
    Options {
        time_limit: Duration::from_millis(ms),
        seed: 7,
        max_iterations: None,
    }
}

pub fn inst(json: &str) -> Instance {
    match Instance::from_json(json) {
        Ok(i) => i,
        Err(e) => panic!("test instance invalid: {e}"),
    }
}
