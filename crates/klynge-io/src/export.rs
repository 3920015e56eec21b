//! Writing a table to XLSX (rust_xlsxwriter) or CSV. The XLSX has a bold, shaded header row
//! that stays in view (frozen), an autofilter, column widths fitted to the content and dates
//! as real Excel dates (dd-mm-yyyy). CSV defaults to what Danish Excel opens directly:
//! UTF-8 with a byte-order mark and `;` as separator (Danish Excel uses `,` as the decimal
//! mark, so it expects `;`); both are options. Headers come from [`Field::label`], so an
//! exported file imports again unchanged.

use std::io::Write;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook};
use thiserror::Error;

use crate::mapping::{Entity, Field};
use crate::messages::Lang;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Date(NaiveDate),
    Bool(bool),
}

/// A table to export: one header per column and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// An empty sheet for `entity` with the headers in `lang`.
    pub fn for_entity(entity: Entity, fields: &[Field], lang: Lang) -> Sheet {
        Sheet {
            name: entity.code().to_string(),
            headers: fields.iter().map(|f| f.label(lang).to_string()).collect(),
            rows: Vec::new(),
        }
    }
}

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
    #[error("cannot write the CSV file: {0}")]
    Io(#[from] std::io::Error),
}

/// CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    pub separator: u8,
    pub bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            separator: b';',
            bom: true,
        }
    }
}

fn bool_text(b: bool, lang: Lang) -> &'static str {
    match (b, lang) {
        (true, Lang::Da) => "ja",
        (false, Lang::Da) => "nej",
        (true, Lang::En) => "yes",
        (false, Lang::En) => "no",
    }
}

fn cell_text(cell: &Cell, lang: Lang) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Date(d) => match lang {
            Lang::Da => d.format("%d-%m-%Y").to_string(),
            Lang::En => d.format("%Y-%m-%d").to_string(),
        },
        Cell::Bool(b) => bool_text(*b, lang).to_string(),
    }
}

pub fn write_csv<W: Write>(
    sheet: &Sheet,
    out: W,
    options: CsvOptions,
    lang: Lang,
) -> Result<(), ExportError> {
    let mut out = out;
    if options.bom {
        out.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut writer = csv::WriterBuilder::new()
        .delimiter(options.separator)
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let csv_err = |e: csv::Error| ExportError::Io(std::io::Error::other(e.to_string()));
    writer.write_record(&sheet.headers).map_err(csv_err)?;
    for row in &sheet.rows {
        writer
            .write_record(row.iter().map(|c| cell_text(c, lang)))
            .map_err(csv_err)?;
    }
    writer.flush()?;
    Ok(())
}

/// The workbook as bytes.
pub fn write_xlsx(sheet: &Sheet, lang: Lang) -> Result<Vec<u8>, ExportError> {
    let err = |e: rust_xlsxwriter::XlsxError| ExportError::Xlsx(e.to_string());
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    // Sheet names are at most 31 characters in Excel.
    let name: String = sheet.name.chars().take(31).collect();
    ws.set_name(&name).map_err(err)?;
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDE7F0))
        .set_border_bottom(FormatBorder::Thin);
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let mut widths: Vec<usize> = sheet.headers.iter().map(|h| h.chars().count()).collect();
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, col(c)?, h, &header)
            .map_err(err)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = u32::try_from(r + 1)
            .map_err(|_| ExportError::Xlsx("more rows than a worksheet holds".into()))?;
        for (c, cell) in row.iter().enumerate() {
            let ci = col(c)?;
            let shown = match cell {
                Cell::Empty => 0,
                Cell::Text(t) => {
                    ws.write_string(r, ci, t).map_err(err)?;
                    t.chars().count()
                }
                Cell::Int(i) => {
                    ws.write_number(r, ci, *i as f64).map_err(err)?;
                    i.to_string().len()
                }
                Cell::Date(d) => {
                    let dt = ExcelDateTime::from_ymd(
                        u16::try_from(d.year()).unwrap_or(1900),
                        d.month() as u8,
                        d.day() as u8,
                    )
                    .map_err(err)?;
                    ws.write_datetime_with_format(r, ci, &dt, &date)
                        .map_err(err)?;
                    10
                }
                Cell::Bool(b) => {
                    let t = bool_text(*b, lang);
                    ws.write_string(r, ci, t).map_err(err)?;
                    t.len()
                }
            };
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(shown);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(col(c)?, (*w as f64 + 2.0).clamp(8.0, 60.0))
            .map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    if !sheet.headers.is_empty() {
        let last_row = u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX);
        ws.autofilter(0, 0, last_row, col(sheet.headers.len() - 1)?)
            .map_err(err)?;
    }
    workbook.save_to_buffer().map_err(err)
}

fn col(c: usize) -> Result<u16, ExportError> {
    u16::try_from(c).map_err(|_| ExportError::Xlsx("more columns than a worksheet holds".into()))
}
