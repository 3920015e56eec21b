//! KPI benchmark on the national demo database (SQLite): reading the facts, the national KPI
//! report and a region report (medians of 7 runs), and — in the same run — the same aggregates
//! computed by DuckDB over the same facts exported to CSV (`benches/duckdb_reference.py`).
//!
//! The database: `KLYNGE_KPI_BENCH_DB` (a SQLite path), default /tmp/klynge-kpi-bench.sqlite;
//! create it with `klynge demo --load-only --scale national --database sqlite:PATH`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use klynge_domain::{OrganisationKind, Region};
use klynge_report::engine::{KpiQuery, ReportPeriod, Scope, Snapshot, kpi_report};
use klynge_report::region_report;
use klynge_store::kpi::KpiFacts;
use klynge_store::{DatabaseUrl, Store};

const RUNS: usize = 7;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn time<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    (median(times), last.expect("RUNS > 0"))
}

/// CPU time of this process so far (all threads, user + system), from /proc on Linux: on a
/// shared machine the wall time of a read depends on the load, its CPU time much less.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux platform Rust supports.
    Some(Duration::from_millis(ticks * 10))
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("fixed date")
}

fn export_csv(facts: &KpiFacts, dir: &Path) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("organisations.csv"))?);
    writeln!(f, "id,is_company,municipality")?;
    for o in &facts.organisations {
        let m = o
            .municipality
            .map(|m| m.value().to_string())
            .unwrap_or_default();
        writeln!(
            f,
            "{},{},{}",
            o.id,
            u8::from(o.kind == OrganisationKind::Company),
            m
        )?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("activities.csv"))?);
    writeln!(f, "id,cluster,starts_on,municipality")?;
    for a in &facts.activities {
        let m = a
            .municipality
            .map(|m| m.value().to_string())
            .unwrap_or_default();
        writeln!(f, "{},{},{},{}", a.id, a.cluster.0, a.starts_on, m)?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("participations.csv"))?);
    writeln!(f, "activity,organisation,flags")?;
    for p in &facts.participations {
        writeln!(f, "{},{},{}", p.activity, p.organisation, p.flags)?;
    }
    // Municipalities of Nordjylland (the region of the reference query).
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("region.csv"))?);
    writeln!(f, "municipality")?;
    for m in klynge_report::engine::municipalities_of(Region::Nordjylland, day("2025-12-31")) {
        writeln!(f, "{}", m.code.value())?;
    }
    Ok(())
}

fn main() {
    let path = PathBuf::from(
        std::env::var("KLYNGE_KPI_BENCH_DB")
            .unwrap_or_else(|_| "/tmp/klynge-kpi-bench.sqlite".to_string()),
    );
    if !path.exists() {
        eprintln!(
            "no database at {}: create it with `klynge demo --load-only --scale national --database sqlite:{}` or set KLYNGE_KPI_BENCH_DB",
            path.display(),
            path.display()
        );
        std::process::exit(2);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let store = rt
        .block_on(Store::open(&DatabaseUrl::Sqlite(path.clone())))
        .expect("open the bench database");

    let cpu_before = cpu_time();
    let (load, facts) = time(|| rt.block_on(store.kpi_facts()).expect("facts"));
    let load_cpu = cpu_before
        .zip(cpu_time())
        .map(|(before, after)| (after.saturating_sub(before)) / RUNS as u32);
    println!(
        "database {}: {} organisations, {} activities, {} participations, {} memberships",
        path.display(),
        facts.organisations.len(),
        facts.activities.len(),
        facts.participations.len(),
        facts.memberships.len()
    );
    let (index, snapshot) = time(|| Snapshot::new(facts.clone()).expect("snapshot"));
    // What a server request pays before counting on its kept snapshot.
    let (check, _) = time(|| rt.block_on(store.kpi_fingerprint()).expect("fingerprint"));
    let year = ReportPeriod::year(2025).expect("year");
    let (national, nat) = time(|| {
        kpi_report(
            &snapshot,
            KpiQuery {
                scope: Scope::National,
                period: year,
                funding_stream: None,
            },
        )
        .expect("national")
    });
    let (region_kpis, _) = time(|| {
        kpi_report(
            &snapshot,
            KpiQuery {
                scope: Scope::Region(Region::Nordjylland),
                period: year,
                funding_stream: None,
            },
        )
        .expect("region kpis")
    });
    let (region, reg) = time(|| {
        region_report(
            &snapshot,
            Region::Nordjylland,
            day("2021-01-01"),
            day("2025-12-31"),
        )
        .expect("region report")
    });

    println!("\nKlynge (SQLite, medians of {RUNS} runs)");
    println!(
        "  read facts from SQLite (store.kpi_facts)       {:>9.1} ms",
        ms(load)
    );
    if let Some(cpu) = load_cpu {
        println!(
            "    of which CPU time, all threads (mean)        {:>9.1} ms",
            ms(cpu)
        );
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "    machine load average while measuring         {:>12}",
            load.split_whitespace().next().unwrap_or("?")
        );
    }
    println!(
        "  index snapshot (Snapshot::new)                 {:>9.1} ms",
        ms(index)
    );
    println!(
        "  change check (store.kpi_fingerprint)           {:>9.1} ms",
        ms(check)
    );
    println!(
        "  national KPI report 2025 (+2024, +national)    {:>9.1} ms",
        ms(national)
    );
    println!(
        "  Nordjylland KPI report 2025                    {:>9.1} ms",
        ms(region_kpis)
    );
    println!(
        "  Nordjylland engagement report 2021-2025        {:>9.1} ms",
        ms(region)
    );
    println!(
        "  cold national report (read + index + count)    {:>9.1} ms",
        ms(load + index + national)
    );
    println!(
        "  cold region report (read + index + count)      {:>9.1} ms",
        ms(load + index + region)
    );
    println!(
        "  server, warm national report (check + count)   {:>9.1} ms",
        ms(check + national)
    );
    println!(
        "  server, warm region report (check + count)     {:>9.1} ms",
        ms(check + region)
    );
    println!(
        "  figures: national 2025 unique organisations {}, participations {}; Nordjylland 2021-2025 unique companies in activities held there {}, participants {}",
        nat.current.unique_organisations,
        nat.current.participations,
        reg.totals.unique_companies,
        reg.totals.participants
    );

    let dir = std::env::temp_dir().join("klynge-kpi-bench-csv");
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| export_csv(&facts, &dir)) {
        println!(
            "\nDuckDB reference skipped: cannot export CSV to {}: {e}",
            dir.display()
        );
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/duckdb_reference.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&dir)
        .arg(RUNS.to_string())
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            println!(
                "\nDuckDB (same facts as CSV, loaded into DuckDB tables first; medians of {RUNS} runs)"
            );
            print!("{text}");
            let grab = |key: &str| {
                text.lines()
                    .find_map(|l| l.trim().strip_prefix(key))
                    .and_then(|v| v.trim().parse::<f64>().ok())
            };
            if let (Some(dn), Some(dr)) = (grab("national_ms"), grab("region_ms")) {
                println!(
                    "\nratio Klynge/DuckDB: national {:.2}x, region {:.2}x (warm counting vs DuckDB query on loaded tables)",
                    ms(national) / dn,
                    ms(region) / dr
                );
                if let Some(load_ms) = grab("load_csv_ms") {
                    println!(
                        "ratio cold Klynge (read SQLite + count) / cold DuckDB (load CSV + query): national {:.2}x, region {:.2}x",
                        ms(load + index + national) / (load_ms + dn),
                        ms(load + index + region) / (load_ms + dr)
                    );
                }
            }
            if let (Some(u), Some(c)) = (
                grab("national_unique_orgs"),
                grab("region_unique_companies"),
            ) {
                let same = u as u64 == nat.current.unique_organisations
                    && c as u64 == reg.totals.unique_companies;
                println!("figures agree with DuckDB: {same}");
            }
        }
        Ok(o) => println!(
            "\nDuckDB reference unavailable (pip install duckdb): {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => println!("\nDuckDB reference unavailable: cannot run python3: {e}"),
    }
}
