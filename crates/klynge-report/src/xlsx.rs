//! Spreadsheets with rust_xlsxwriter: a styled, frozen header row, column widths, dates as
//! Excel dates and numbers as numbers (so that they sum and sort in Excel).

use chrono::{Datelike, NaiveDate};
use klynge_domain::FundingStream;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

use crate::engine::{Figure, KpiReport, Kpis};
use crate::error::ReportError;
use crate::funder::FunderReport;
use crate::html::region_name;
use crate::i18n::{Lang, label, t};
use crate::region::RegionReport;

fn header() -> Format {
    Format::new()
        .set_bold()
        .set_font_color(Color::White)
        .set_background_color(Color::RGB(0x1F4E79))
        .set_align(FormatAlign::Center)
        .set_text_wrap()
}

fn date_format() -> Format {
    Format::new().set_num_format("dd-mm-yyyy")
}

fn integer() -> Format {
    Format::new().set_num_format("#,##0")
}

fn percent() -> Format {
    Format::new().set_num_format("0.0%")
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, ReportError> {
    Ok(ExcelDateTime::from_ymd(
        u16::try_from(d.year())
            .map_err(|_| ReportError::Xlsx(format!("year of {d} is out of Excel's range")))?,
        d.month() as u8,
        d.day() as u8,
    )?)
}

/// Writes a header row, freezes it and sets the widths.
fn table_head(sheet: &mut Worksheet, titles: &[&str], widths: &[f64]) -> Result<(), ReportError> {
    let h = header();
    for (col, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &h)?;
    }
    for (col, w) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    sheet.set_row_height(0, 32)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn num(sheet: &mut Worksheet, row: u32, col: u16, v: u64) -> Result<(), ReportError> {
    sheet.write_number_with_format(row, col, v as f64, &integer())?;
    Ok(())
}

/// The regional engagement report as a workbook: summary, clusters, agreements.
pub fn region_report_xlsx(report: &RegionReport, lang: Lang) -> Result<Vec<u8>, ReportError> {
    let tr = |k| t(lang, k);
    let region = region_name(report.region, lang);
    let mut wb = Workbook::new();

    let sheet = wb.add_worksheet().set_name(tr("summary"))?;
    table_head(
        sheet,
        &[tr("measure"), region, tr("national")],
        &[70.0, 18.0, 18.0],
    )?;
    let df = date_format();
    sheet.write_string(1, 0, tr("since"))?;
    sheet.write_datetime_with_format(1, 1, excel_date(report.since)?, &df)?;
    sheet.write_string(2, 0, tr("until"))?;
    sheet.write_datetime_with_format(2, 1, excel_date(report.until)?, &df)?;
    sheet.write_string(3, 0, tr("geography"))?;
    sheet.write_datetime_with_format(3, 1, excel_date(report.geography_date)?, &df)?;
    let rows = report.summary_rows();
    for (i, (key, a, b)) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        sheet.write_string(row, 0, tr(key))?;
        num(sheet, row, 1, *a)?;
        num(sheet, row, 2, *b)?;
    }

    let sheet = wb.add_worksheet().set_name(tr("clusters"))?;
    let national_companies = format!("{} ({})", tr("unique_companies"), tr("national"));
    let national_participants = format!("{} ({})", tr("participants"), tr("national"));
    table_head(
        sheet,
        &[
            tr("cluster"),
            tr("own_office"),
            tr("co_located"),
            tr("fifty_plus"),
            tr("under_fifty"),
            tr("unknown_size"),
            tr("activities"),
            tr("unique_companies"),
            tr("participants"),
            tr("agreements"),
            &national_companies,
            &national_participants,
        ],
        &[
            36.0, 12.0, 16.0, 12.0, 12.0, 12.0, 12.0, 16.0, 12.0, 14.0, 18.0, 18.0,
        ],
    )?;
    for (i, cl) in report.clusters.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, &cl.name)?;
        sheet.write_boolean(row, 1, cl.own_office)?;
        sheet.write_boolean(row, 2, cl.co_located)?;
        for (col, v) in [
            cl.members.fifty_plus,
            cl.members.under_fifty,
            cl.members.unknown,
            cl.activities,
            cl.unique_companies,
            cl.participants,
            cl.agreements,
            cl.national_unique_companies,
            cl.national_participants,
        ]
        .into_iter()
        .enumerate()
        {
            num(sheet, row, 3 + col as u16, v)?;
        }
    }

    let sheet = wb.add_worksheet().set_name(tr("agreements"))?;
    table_head(sheet, &[tr("municipality"), tr("count")], &[30.0, 12.0])?;
    for (i, (m, count)) in report.agreements_by_municipality.iter().enumerate() {
        sheet.write_string(1 + i as u32, 0, m)?;
        num(sheet, 1 + i as u32, 1, *count)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn stream_label(stream: Option<FundingStream>, lang: Lang) -> &'static str {
    match stream {
        None => t(lang, "total"),
        Some(s) => t(lang, s.code()),
    }
}

/// The funder report as a workbook: one row per funding stream and a total row.
pub fn funder_report_xlsx(report: &FunderReport, lang: Lang) -> Result<Vec<u8>, ReportError> {
    let tr = |k| t(lang, k);
    let mut wb = Workbook::new();
    let sheet = wb
        .add_worksheet()
        .set_name(format!("{} {}", tr("funder_title"), report.year))?;
    let columns = [
        "activities",
        "participations",
        "unique_organisations",
        "unique_companies",
        "sme_share",
        "dedicated",
        "outcome_product",
        "outcome_knowledge",
        "outcome_competences",
        "outcome_referral",
    ];
    let mut titles = vec![tr("funding_stream")];
    titles.extend(columns.iter().map(|k| tr(k)));
    let mut widths = vec![36.0];
    widths.extend(std::iter::repeat_n(16.0, columns.len()));
    table_head(sheet, &titles, &widths)?;
    let rows = report
        .streams
        .iter()
        .map(|s| (s.funding_stream, &s.kpis))
        .chain(std::iter::once((None, &report.total)));
    let bold = Format::new().set_bold();
    for (i, (stream, k)) in rows.enumerate() {
        let row = 1 + i as u32;
        if stream.is_none() {
            sheet.write_string_with_format(row, 0, stream_label(stream, lang), &bold)?;
        } else {
            sheet.write_string(row, 0, stream_label(stream, lang))?;
        }
        write_kpis(sheet, row, k)?;
    }
    let note_row = 3 + report.streams.len() as u32;
    sheet.write_string(
        note_row,
        0,
        format!("{} — {}", report.cluster_name, report.year),
    )?;
    Ok(wb.save_to_buffer()?)
}

fn write_kpis(sheet: &mut Worksheet, row: u32, k: &Kpis) -> Result<(), ReportError> {
    for (col, v) in [
        k.activities,
        k.participations,
        k.unique_organisations,
        k.unique_companies,
    ]
    .into_iter()
    .enumerate()
    {
        num(sheet, row, 1 + col as u16, v)?;
    }
    match k.sme_share {
        Some(share) => sheet.write_number_with_format(row, 5, share, &percent())?,
        None => sheet.write_string(row, 5, "–")?,
    };
    for (col, v) in [
        k.dedicated_organisations,
        k.outcome_new_product_service_process,
        k.outcome_new_knowledge_collaboration,
        k.outcome_new_competences,
        k.outcome_referral_received,
    ]
    .into_iter()
    .enumerate()
    {
        num(sheet, row, 6 + col as u16, v)?;
    }
    Ok(())
}

fn figure(sheet: &mut Worksheet, row: u32, col: u16, f: Figure) -> Result<(), ReportError> {
    match f {
        Figure::Count(v) => num(sheet, row, col, v)?,
        Figure::Share(Some(share)) => {
            sheet.write_number_with_format(row, col, share, &percent())?;
        }
        Figure::Share(None) => {
            sheet.write_string(row, col, "–")?;
        }
    }
    Ok(())
}

/// A KPI report as a workbook: the headline figures, then every breakdown, each with the
/// previous period and the national total beside. `scope` names what was counted.
pub fn kpi_report_xlsx(
    report: &KpiReport,
    scope: &str,
    lang: Lang,
) -> Result<Vec<u8>, ReportError> {
    let tr = |k| t(lang, k);
    let mut wb = Workbook::new();
    let columns = [tr("measure"), scope, tr("previous_period"), tr("national")];

    let sheet = wb.add_worksheet().set_name(tr("kpi_title"))?;
    table_head(sheet, &columns, &[52.0, 18.0, 18.0, 18.0])?;
    let df = date_format();
    let previous = report.query.period.previous();
    for (row, key, from, to) in [
        (
            1,
            "current_period",
            report.query.period.from,
            report.query.period.to,
        ),
        (2, "previous_period", previous.from, previous.to),
    ] {
        sheet.write_string(row, 0, tr(key))?;
        sheet.write_datetime_with_format(row, 1, excel_date(from)?, &df)?;
        sheet.write_datetime_with_format(row, 2, excel_date(to)?, &df)?;
    }
    sheet.write_string(3, 0, tr("geography"))?;
    sheet.write_datetime_with_format(3, 1, excel_date(report.geography_date)?, &df)?;
    for (i, (key, c, p, n)) in report.headline_rows().into_iter().enumerate() {
        let row = 4 + i as u32;
        sheet.write_string(row, 0, tr(key))?;
        figure(sheet, row, 1, c)?;
        figure(sheet, row, 2, p)?;
        figure(sheet, row, 3, n)?;
    }

    let sheet = wb.add_worksheet().set_name(tr("kpi_breakdowns"))?;
    let mut titles = vec![tr("kpi_table"), tr("kpi_code")];
    titles.extend_from_slice(&columns[1..]);
    table_head(sheet, &titles, &[44.0, 36.0, 18.0, 18.0, 18.0])?;
    let mut row = 1u32;
    for (key, rows) in report.breakdown_rows() {
        for (code, c, p, n) in rows {
            sheet.write_string(row, 0, tr(key))?;
            sheet.write_string(row, 1, label(lang, &code))?;
            num(sheet, row, 2, c)?;
            num(sheet, row, 3, p)?;
            num(sheet, row, 4, n)?;
            row += 1;
        }
    }
    Ok(wb.save_to_buffer()?)
}
