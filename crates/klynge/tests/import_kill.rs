//! A process killed in the middle of a large import leaves the database as it was: the real
//! binary imports a large file into SQLite, is killed with SIGKILL once it has written
//! batches inside its transaction, and the database is then checked for counts and integrity.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn klynge() -> Command {
    Command::new(env!("CARGO_BIN_EXE_klynge"))
}

#[test]
fn killed_import_leaves_the_database_unchanged_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("k.sqlite").display());
    // A committed import first, so "unchanged" means something.
    let small = dir.path().join("small.csv");
    std::fs::write(&small, "Navn;Kommune\nFørste ApS;Køge\nAnden A/S;Aarhus\n").unwrap();
    let ok = klynge()
        .args(["--database", &db, "import", "organisations"])
        .arg(&small)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // The organisations' indexes: a large import sets the non-unique ones aside inside its
    // transaction (from 100,000 rows), so the kill must leave them as they were.
    let indexes = || {
        Command::new("sqlite3")
            .arg(dir.path().join("k.sqlite"))
            .arg("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name;")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
    };
    let indexes_before = indexes();

    let big = dir.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    writeln!(f, "Navn;Kommune;Ansatte").unwrap();
    for i in 0..600_000 {
        writeln!(f, "Virksomhed nr. {i} ApS;Odense;{}", i % 500).unwrap();
    }
    drop(f);
    let mut child = klynge()
        .args(["--database", &db, "import", "organisations"])
        .arg(&big)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Progress lines come every 100,000 rows; by then batches have been written.
    let stderr = child.stderr.take().unwrap();
    let mut seen = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.contains("200000 rows") {
            seen = true;
            break;
        }
    }
    assert!(seen, "the import reported progress before finishing");
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success());
    // The WAL may hold uncommitted pages of the killed transaction; nothing of it is visible.
    let out = klynge()
        .args([
            "--database",
            &db,
            "export",
            "organisations",
            "--format",
            "csv",
            "--out",
        ])
        .arg(dir.path().join("after.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(dir.path().join("after.csv")).unwrap();
    assert_eq!(
        after.lines().count(),
        3,
        "header and the two committed rows: {after}"
    );
    assert!(after.contains("Første ApS") && after.contains("Anden A/S"));
    // SQLite's own consistency check, when the sqlite3 shell is installed.
    if let Ok(check) = Command::new("sqlite3")
        .arg(dir.path().join("k.sqlite"))
        .arg(
            "PRAGMA integrity_check; PRAGMA foreign_key_check; SELECT COUNT(*) FROM organisations;",
        )
        .output()
    {
        let text = String::from_utf8_lossy(&check.stdout);
        assert_eq!(text.trim(), "ok\n2", "{text}");
        assert_eq!(indexes(), indexes_before);
    }
}
