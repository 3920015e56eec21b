//! The architecture invariants of ARCHITECTURE.md, checked on the manifests and sources.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Each crate's normal (not dev) dependencies, read from its manifest.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let mut all = BTreeMap::new();
    for entry in std::fs::read_dir(crates_dir()).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let mut section = String::new();
        let mut deps = Vec::new();
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line.to_string();
            } else if section == "[dependencies]"
                && let Some((name, _)) = line.split_once('=')
            {
                deps.push(name.trim().trim_end_matches(".workspace").to_string());
            }
        }
        all.insert(
            dir.file_name().unwrap().to_string_lossy().into_owned(),
            deps,
        );
    }
    all
}

const IO_CRATES: &[&str] = &[
    "sqlx",
    "axum",
    "tokio",
    "tower",
    "tower-http",
    "hyper",
    "reqwest",
    "indicatif",
];

#[test]
fn pure_crates_depend_on_no_io_crate() {
    let deps = dependencies();
    for pure in ["klynge-domain", "klynge-scheduler", "klynge-demo"] {
        let found: Vec<&String> = deps[pure]
            .iter()
            .filter(|d| IO_CRATES.contains(&d.as_str()))
            .collect();
        assert!(
            found.is_empty(),
            "{pure} must do no I/O but depends on {found:?}"
        );
    }
}

#[test]
fn only_the_store_knows_sql_and_only_the_web_crate_knows_http() {
    for (krate, deps) in dependencies() {
        if deps.iter().any(|d| d == "sqlx") {
            assert_eq!(
                krate, "klynge-store",
                "{krate} must reach the database through klynge-store"
            );
        }
        if deps.iter().any(|d| d == "axum" || d == "tower-http") {
            assert_eq!(krate, "klynge-web", "{krate} must leave HTTP to klynge-web");
        }
    }
}

/// klynge-io reads and writes files only: no database, no HTTP, no runtime. The store side
/// of an import is `klynge-transfer`, which the CLI and the web share.
#[test]
fn the_spreadsheet_crate_does_no_database_access() {
    let deps = dependencies();
    let found: Vec<&String> = deps["klynge-io"]
        .iter()
        .filter(|d| IO_CRATES.contains(&d.as_str()) || d.as_str() == "klynge-store")
        .collect();
    assert!(found.is_empty(), "klynge-io must not depend on {found:?}");
}

#[test]
fn the_market_crate_reaches_data_only_through_the_store_types() {
    let deps = dependencies();
    let market = &deps["klynge-market"];
    for forbidden in ["sqlx", "axum", "tower-http", "tokio", "klynge-web"] {
        assert!(
            !market.iter().any(|d| d == forbidden),
            "klynge-market must not depend on {forbidden}"
        );
    }
}

#[test]
fn the_domain_crate_depends_only_on_small_value_crates() {
    let deps = dependencies();
    assert_eq!(deps["klynge-domain"], vec!["chrono", "serde", "thiserror"]);
}

/// No source file of the web layer links to another host: pages load nothing from outside.
#[test]
fn no_page_loads_anything_from_another_host() {
    let web = crates_dir().join("klynge-web");
    let mut stack = vec![web.join("src")];
    for extra in ["templates", "assets", "static"] {
        stack.push(web.join(extra));
    }
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            for (n, line) in text.lines().enumerate() {
                for attr in [
                    "src=\"http",
                    "href=\"http",
                    "src=\"//",
                    "href=\"//",
                    "url(http",
                    "@import \"http",
                ] {
                    assert!(
                        !line.contains(attr),
                        "{}:{} loads from another host: {line}",
                        path.display(),
                        n + 1
                    );
                }
            }
        }
    }
}
