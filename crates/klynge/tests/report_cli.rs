//! `klynge report region|funder` end to end: the real binary over a demo database in a real
//! SQLite file. The files it writes are opened as what they claim to be (HTML, XLSX with
//! calamine, JSON with serde_json) and their figures compared with the engine's over the same
//! database.

use std::path::Path;
use std::process::{Command, Output};

use calamine::{DataType, Reader};
use klynge_report::engine::Snapshot;
use klynge_store::{DatabaseUrl, Store};

fn klynge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_klynge"))
        .args(args)
        .env_remove("KLYNGE_DATABASE_URL")
        .env_remove("KLYNGE_DATA_DIR")
        .output()
        .expect("run klynge")
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn snapshot(db: &Path) -> Snapshot {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = Store::open(&DatabaseUrl::Sqlite(db.to_path_buf()))
            .await
            .expect("open");
        Snapshot::new(store.kpi_facts().await.expect("facts")).expect("snapshot")
    })
}

#[test]
fn region_and_funder_reports_write_files_with_the_engines_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.sqlite");
    let url = format!("sqlite:{}", db.display());
    ok(&klynge(&[
        "--database",
        &url,
        "demo",
        "--load-only",
        "--seed",
        "5",
    ]));
    let snapshot = snapshot(&db);
    let expected = klynge_report::region_report(
        &snapshot,
        klynge_domain::Region::Nordjylland,
        klynge_domain::parse_date("2023-01-01").expect("date"),
        klynge_domain::parse_date("2025-12-31").expect("date"),
    )
    .expect("region report");
    assert!(
        expected.totals.participants > 0,
        "the demo has activity in the region"
    );

    let region = |format: &str, out: &Path| {
        klynge(&[
            "--database",
            &url,
            "report",
            "region",
            "Region Nordjylland",
            "--since",
            "2023-01-01",
            "--until",
            "31-12-2025",
            "--format",
            format,
            "--out",
            out.to_str().expect("utf-8 path"),
        ])
    };

    // JSON: parses, and holds the engine's figures.
    let json = dir.path().join("nord.json");
    ok(&region("json", &json));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("JSON");
    assert_eq!(v["region"], "nordjylland");
    assert_eq!(v["since"], "2023-01-01");
    assert_eq!(v["totals"]["participants"], expected.totals.participants);
    assert_eq!(
        v["totals"]["unique_companies"],
        expected.totals.unique_companies
    );
    assert_eq!(
        v["national"]["participants"],
        expected.national.participants
    );
    assert_eq!(
        v["clusters"].as_array().map(Vec::len),
        Some(expected.clusters.len())
    );

    // XLSX: opens, three sheets, the summary column is the engine's.
    let xlsx = dir.path().join("nord.xlsx");
    ok(&region("xlsx", &xlsx));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("an XLSX file");
    assert_eq!(
        book.sheet_names(),
        vec!["Overblik", "Klynger", "Samarbejdsaftaler"]
    );
    let summary = book.worksheet_range("Overblik").expect("summary");
    let figures: Vec<(f64, f64)> = summary
        .rows()
        .skip(4)
        .map(|r| {
            (
                r[1].get_float().expect("a number"),
                r[2].get_float().expect("a number"),
            )
        })
        .collect();
    let wanted: Vec<(f64, f64)> = expected
        .summary_rows()
        .iter()
        .map(|(_, a, b)| (*a as f64, *b as f64))
        .collect();
    assert_eq!(figures, wanted);

    // HTML: a whole printable document with the figures and the charts.
    let html = dir.path().join("nord.html");
    ok(&region("html", &html));
    let text = std::fs::read_to_string(&html).expect("html written");
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert!(text.contains("Region Nordjylland") && text.contains("<svg"));
    let participants =
        klynge_report::html::number(expected.totals.participants, klynge_report::Lang::Da);
    assert!(
        text.contains(&format!("<td>{participants}</td>")),
        "{participants}"
    );

    // The funder report: XLSX with a row per funding stream and the engine's total.
    let slug = snapshot.facts().clusters[0].slug.clone();
    let funder = klynge_report::funder_report(&snapshot, &slug, 2024).expect("funder report");
    let out = dir.path().join("funder.xlsx");
    ok(&klynge(&[
        "--database",
        &url,
        "report",
        "funder",
        &slug,
        "--year",
        "2024",
        "--lang",
        "en",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&out).expect("an XLSX file");
    let name = book.sheet_names()[0].clone();
    assert!(name.ends_with("2024"), "{name}");
    let sheet = book.worksheet_range(&name).expect("sheet");
    let total = sheet
        .rows()
        .find(|r| r[0].get_string() == Some("Total"))
        .expect("a total row");
    assert_eq!(total[1].get_float(), Some(funder.total.activities as f64));
    assert_eq!(
        total[2].get_float(),
        Some(funder.total.participations as f64)
    );
    assert_eq!(
        sheet.rows().count(),
        1 + funder.streams.len() + 1 + 2,
        "header, one row per stream, total, blank, note"
    );

    // Bad input: one clear message, nothing written.
    let bad = dir.path().join("bad.json");
    let out = klynge(&[
        "--database",
        &url,
        "report",
        "region",
        "Atlantis",
        "--since",
        "2023-01-01",
        "--format",
        "json",
        "--out",
        bad.to_str().expect("utf-8 path"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Atlantis"));
    assert!(!bad.exists());
}
