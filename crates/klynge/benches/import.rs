//! Import benchmark: a participations CSV of 1,000,000 rows imported with Klynge's importer
//! (reading, mapping, validation, deduplication and one transaction of multi-row inserts) into
//! a SQLite database that holds the referenced organisations and activities, beside the raw
//! limit of the store: `sqlite3 DB ".import --csv FILE table"` of the same file into a bare
//! table, in the same run. Both run as child processes, timed from outside, alternating.
//!
//! `cargo bench -p klynge --bench import`
//! (`KLYNGE_BENCH_ROWS`, default 1,000,000; `KLYNGE_BENCH_RUNS`, default 3).
//!
//! The database is the small demo (20,000 organisations, 14 clusters) loaded once; the file
//! names activities by id and organisations by CVR, with Danish dates and outcome flags, and
//! every row is new, so every row is validated and inserted. Each Klynge run starts from a
//! copy of that database. The child also reports its peak resident memory (VmHWM).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use klynge::transfer::{ImportRequest, import};
use klynge_io::{Entity, Lang};
use klynge_store::{DatabaseUrl, Store};

const CHILD_DB: &str = "KLYNGE_BENCH_CHILD_DB";
const CHILD_FILE: &str = "KLYNGE_BENCH_CHILD_FILE";
const CHILD_CLUSTER: &str = "KLYNGE_BENCH_CHILD_CLUSTER";

fn main() {
    if let (Ok(db), Ok(file), Ok(cluster)) = (
        std::env::var(CHILD_DB),
        std::env::var(CHILD_FILE),
        std::env::var(CHILD_CLUSTER),
    ) {
        child(&db, &file, &cluster);
        return;
    }
    let rows: usize = env_number("KLYNGE_BENCH_ROWS", 1_000_000);
    let runs: usize = env_number("KLYNGE_BENCH_RUNS", 3);
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().join("base.sqlite");
    let csv = dir.path().join("participations.csv");

    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let slug = runtime.block_on(prepare(&base, &csv, rows));
    println!(
        "prepared: small demo database and a {rows}-row participations CSV ({:.1} MB) for cluster {slug} in {:.1} s",
        std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let mut klynge_s = Vec::new();
    let mut sqlite_s = Vec::new();
    let mut peaks = Vec::new();
    let mut klynge_cpu = Vec::new();
    let mut sqlite_cpu = Vec::new();
    for run in 1..=runs {
        // Alternate the order so that neither side always gets the warmer page cache.
        let order: [bool; 2] = if run % 2 == 1 {
            [true, false]
        } else {
            [false, true]
        };
        for klynge_first in order {
            if klynge_first {
                let db = dir.path().join("run.sqlite");
                fresh_copy(&base, &db);
                let (seconds, hwm, cpu) = run_klynge(&db, &csv, &slug, rows);
                println!(
                    "run {run}: klynge import {seconds:.2} s (CPU {cpu:.2} s), peak memory {:.0} MB",
                    hwm as f64 / 1024.0
                );
                klynge_s.push(seconds);
                klynge_cpu.push(cpu);
                peaks.push(hwm);
            } else {
                let db = dir.path().join("raw.sqlite");
                remove_db(&db);
                let (seconds, cpu) = run_sqlite3(&db, &csv, rows);
                println!("run {run}: sqlite3 .import {seconds:.2} s (CPU {cpu:.2} s)");
                sqlite_s.push(seconds);
                sqlite_cpu.push(cpu);
            }
        }
    }
    let k = median(&mut klynge_s);
    let s = median(&mut sqlite_s);
    peaks.sort_unstable();
    let kc = median(&mut klynge_cpu);
    let sc = median(&mut sqlite_cpu);
    println!(
        "{rows} participation rows on SQLite: klynge import median {k:.2} s ({:.0} rows/s), \
         sqlite3 .import median {s:.2} s, ratio {:.2}x over {runs} runs (CPU time: {kc:.2} s against {sc:.2} s, \
         {:.2}x); peak memory of the import {:.0} MB",
        rows as f64 / k,
        k / s,
        kc / sc,
        peaks.last().copied().unwrap_or(0) as f64 / 1024.0
    );
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Loads the small demo into `base` and writes `rows` new participations of its largest
/// cluster (by activities) to `csv`. Returns the cluster's slug.
async fn prepare(base: &Path, csv: &Path, rows: usize) -> String {
    let url = DatabaseUrl::Sqlite(base.to_path_buf());
    let store = Store::open(&url).await.expect("open");
    klynge::demo::load(&store, 1, klynge_demo::Scale::Small)
        .await
        .expect("demo load");
    let mut best = None;
    for record in store.clusters().await.expect("clusters") {
        let handle = store.cluster(record.id).await.expect("cluster");
        let activities = handle.all_activities().await.expect("activities");
        if best
            .as_ref()
            .is_none_or(|(_, _, a): &(_, _, Vec<_>)| a.len() < activities.len())
        {
            best = Some((record, handle, activities));
        }
    }
    let (record, handle, activities) = best.expect("the demo has clusters");
    let existing: HashSet<(i64, i64)> = handle
        .all_participations()
        .await
        .expect("participations")
        .into_iter()
        .map(|(_, p)| (p.activity.0, p.organisation.0))
        .collect();
    let orgs: Vec<(i64, u32)> = store
        .all_organisations()
        .await
        .expect("organisations")
        .into_iter()
        .filter_map(|o| {
            o.organisation
                .registration
                .cvr()
                .map(|c| (o.id.0, c.value()))
        })
        .collect();
    assert!(
        activities.len() * orgs.len() >= rows + existing.len(),
        "{} activities × {} organisations are too few pairs for {rows} rows",
        activities.len(),
        orgs.len()
    );
    let file = std::fs::File::create(csv).expect("create csv");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    // Headers as Danish Excel users write them; `,` so that sqlite3's --csv reads it as is.
    writeln!(
        out,
        "Aktivitets-id,CVR-nr.,Rolle,Tilmeldt,Nyt produkt/service/proces,Nye kompetencer"
    )
    .expect("write");
    let roles = ["participant", "speaker", "project_partner"];
    let mut written = 0usize;
    'outer: for (ai, (activity, a)) in activities.iter().enumerate() {
        let day = a.period.from();
        for (oi, (org, cvr)) in orgs.iter().enumerate() {
            if written == rows {
                break 'outer;
            }
            if existing.contains(&(activity.0, *org)) {
                continue;
            }
            let n = ai + oi;
            writeln!(
                out,
                "{},{cvr:08},{},{},{},{}",
                activity.0,
                roles[n % roles.len()],
                day.format("%d-%m-%Y"),
                if n % 3 == 0 { "ja" } else { "nej" },
                if n % 5 == 0 { "ja" } else { "nej" },
            )
            .expect("write");
            written += 1;
        }
    }
    assert_eq!(written, rows);
    out.flush().expect("flush");
    store.close().await; // checkpoints the WAL: the .sqlite file alone is the database
    record.cluster.slug.to_string()
}

fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

fn fresh_copy(base: &Path, db: &Path) {
    remove_db(db);
    std::fs::copy(base, db).expect("copy the prepared database");
}

/// Runs the import in a child process (this bench binary in child mode); returns the wall
/// time and the child's peak resident memory in KiB.
fn run_klynge(db: &Path, csv: &Path, slug: &str, rows: usize) -> (f64, u64, f64) {
    let exe = std::env::current_exe().expect("bench binary");
    let started = Instant::now();
    let output = Command::new(exe)
        .env(CHILD_DB, db)
        .env(CHILD_FILE, csv)
        .env(CHILD_CLUSTER, slug)
        .output()
        .expect("run the import child");
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "import child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let field = |name: &str| -> u64 {
        stdout
            .split_whitespace()
            .skip_while(|w| *w != name)
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("child output lacks {name}: {stdout}"))
    };
    assert_eq!(field("created") as usize, rows, "{stdout}");
    (seconds, field("hwm_kib"), field("cpu_ticks") as f64 / TICKS)
}

/// Runs sqlite3 under a shell that then prints its own /proc stat line, whose children's
/// counters hold the CPU time of the waited-for sqlite3.
fn run_sqlite3(db: &Path, csv: &Path, rows: usize) -> (f64, f64) {
    let started = Instant::now();
    let output = Command::new("sh")
        .arg("-c")
        .arg("sqlite3 \"$1\" \".import --csv $2 participations_raw\" && cat /proc/$$/stat")
        .arg("sh")
        .arg(db)
        .arg(csv)
        .output()
        .expect("sh and sqlite3 (apt install sqlite3)");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "sqlite3 .import failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (user, system) = cpu_ticks_of(&String::from_utf8_lossy(&output.stdout), 15);
    let count = Command::new("sqlite3")
        .arg(db)
        .arg("SELECT COUNT(*) FROM participations_raw")
        .output()
        .expect("sqlite3");
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        rows.to_string()
    );
    (seconds, (user + system) as f64 / TICKS)
}

fn child(db: &str, file: &str, cluster: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let outcome = runtime.block_on(async {
        let store = Store::open(&DatabaseUrl::Sqlite(PathBuf::from(db)))
            .await
            .expect("open");
        let request = ImportRequest {
            entity: Entity::Participations,
            file: PathBuf::from(file),
            cluster: Some(cluster.to_string()),
            overrides: Vec::new(),
            dry_run: false,
            import_valid_rows: false,
            lang: Lang::En,
            progress: false,
        };
        let outcome = import(&store, &request).await.expect("import");
        store.close().await;
        outcome
    });
    assert!(outcome.written, "{:?}", outcome.errors.first());
    let (user, system) = cpu_ticks("/proc/self/stat", 13);
    println!(
        "created {} hwm_kib {} cpu_ticks {}",
        outcome.summary.created,
        peak_memory_kib(),
        user + system
    );
}

/// Two consecutive clock-tick counters of a /proc stat line from field `first` (0-based after
/// the command name): 13/14 are the process's own user/system time, 15/16 those of its
/// waited-for children. Linux only; zeros elsewhere.
fn cpu_ticks(path: &str, first: usize) -> (u64, u64) {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    cpu_ticks_of(&stat, first)
}

fn cpu_ticks_of(stat: &str, first: usize) -> (u64, u64) {
    // The command name is in parentheses and may hold spaces: count fields after it.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| fields.get(i - 2).copied().unwrap_or(0);
    (at(first), at(first + 1))
}

/// Clock ticks per second of /proc (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

/// VmHWM from /proc (Linux); 0 elsewhere.
fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
