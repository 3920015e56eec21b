//! Reading a spreadsheet file into a header row and a stream of text rows.
//!
//! CSV is streamed: the file is never held in memory, so a million rows cost no more than a
//! hundred. The text encoding is sniffed from the first 64 KiB: a UTF-8 byte-order mark or
//! valid UTF-8 means UTF-8, anything else is taken as Windows-1252, which older Danish Excel
//! writes ("Gem som CSV"). The separator is the one of `;`, `,` and tab that occurs most
//! often outside quotes in the header line. XLSX and ODS are read with calamine (first sheet),
//! which holds the sheet in memory: spreadsheets are limited to about a million rows anyway.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use calamine::{Data, Reader};
use thiserror::Error;

/// What a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv {
        separator: u8,
        encoding: TextEncoding,
    },
    Xlsx,
    Ods,
    /// Old binary Excel (`.xls`); calamine reads it too.
    Xls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Windows1252,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Format::Csv {
                separator,
                encoding,
            } => {
                let sep = match separator {
                    b'\t' => "tab".to_string(),
                    other => format!("'{}'", *other as char),
                };
                let enc = match encoding {
                    TextEncoding::Utf8 => "UTF-8",
                    TextEncoding::Utf8Bom => "UTF-8 with BOM",
                    TextEncoding::Windows1252 => "Windows-1252",
                };
                write!(f, "CSV, separator {sep}, {enc}")
            }
            Format::Xlsx => f.write_str("XLSX"),
            Format::Ods => f.write_str("ODS"),
            Format::Xls => f.write_str("XLS"),
        }
    }
}

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("cannot read {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("the file is empty: expected a header row with column names")]
    Empty,
    #[error("cannot read the spreadsheet: {0}; expected an XLSX, ODS or XLS workbook")]
    Workbook(String),
    #[error("the workbook has no sheet: expected at least one sheet with a header row")]
    NoSheet,
    #[error("CSV row {row}: {reason}")]
    Csv { row: usize, reason: String },
}

/// An open file: its format, its header row and its data rows, read on demand.
pub struct Source {
    pub format: Format,
    pub headers: Vec<String>,
    rows: Rows,
    /// Data rows handed out so far.
    read: usize,
    /// Bytes of the file consumed so far (CSV) or rows (workbooks), for progress.
    position: Progress,
}

enum Rows {
    /// The reader and a record buffer reused for every row.
    Csv(csv::Reader<Box<dyn Read + Send>>, csv::StringRecord),
    Sheet(std::vec::IntoIter<Vec<String>>),
}

enum Progress {
    Bytes(u64),
    Rows(u64),
}

/// One data row: its row number as a spreadsheet shows it (the header is row 1) and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

impl Source {
    /// The next data row, or `None` at the end. Rows whose cells are all empty are skipped.
    pub fn next_row(&mut self) -> Option<Result<Row, SourceError>> {
        let mut row = Row {
            number: 0,
            cells: Vec::new(),
        };
        self.read_row(&mut row).map(|read| read.map(|()| row))
    }

    /// Like [`Source::next_row`], but reads into `row`, reusing the memory of its cells: a
    /// long file is read with one row's allocations instead of one per cell. After an error
    /// or at the end, `row` holds no meaningful cells.
    pub fn read_row(&mut self, row: &mut Row) -> Option<Result<(), SourceError>> {
        loop {
            match &mut self.rows {
                Rows::Csv(reader, record) => match reader.read_record(record) {
                    Ok(false) => return None,
                    Ok(true) => {
                        if let Progress::Bytes(b) = &mut self.position {
                            *b = record.position().map_or(*b, |p| p.byte());
                        }
                        fill(&mut row.cells, record.iter());
                    }
                    Err(e) => {
                        self.read += 1;
                        return Some(Err(SourceError::Csv {
                            row: self.read + 1,
                            reason: e.to_string(),
                        }));
                    }
                },
                Rows::Sheet(rows) => {
                    row.cells = rows.next()?;
                    if let Progress::Rows(r) = &mut self.position {
                        *r += 1;
                    }
                }
            }
            self.read += 1;
            if row.cells.iter().all(String::is_empty) {
                continue;
            }
            row.number = self.read + 1;
            return Some(Ok(()));
        }
    }

    /// How far the reading has come, in the unit of [`Source::total`].
    pub fn position(&self) -> u64 {
        match self.position {
            Progress::Bytes(b) | Progress::Rows(b) => b,
        }
    }
}

/// Overwrites `cells` with the trimmed `values`, reusing the strings already there.
fn fill<'a>(cells: &mut Vec<String>, values: impl Iterator<Item = &'a str>) {
    let mut n = 0;
    for value in values {
        let value = value.trim();
        match cells.get_mut(n) {
            Some(cell) => {
                cell.clear();
                cell.push_str(value);
            }
            None => cells.push(value.to_string()),
        }
        n += 1;
    }
    cells.truncate(n);
}

/// The size of the whole input in the unit of [`Source::position`]: bytes for CSV, rows for
/// a workbook.
pub fn total(source: &Source, file_len: u64) -> u64 {
    match (&source.rows, &source.position) {
        (Rows::Csv(..), _) => file_len,
        (Rows::Sheet(rows), Progress::Rows(done)) => rows.len() as u64 + done,
        (Rows::Sheet(rows), _) => rows.len() as u64,
    }
}

/// Opens a file by path; the format is recognised from the content, not the name.
pub fn open(path: &Path) -> Result<Source, SourceError> {
    let io = |e: std::io::Error| SourceError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut file = File::open(path).map_err(io)?;
    let mut head = vec![0u8; 64 * 1024];
    let n = read_up_to(&mut file, &mut head).map_err(io)?;
    head.truncate(n);
    if let Some(format) = workbook_kind(&head, path.extension().and_then(|e| e.to_str())) {
        let reader = BufReader::new(file);
        let mut reader = reader;
        reader.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(io)?;
        return workbook(format, bytes);
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    csv_source(&head, Box::new(BufReader::with_capacity(256 * 1024, file)))
}

/// Opens an uploaded file held in memory (the web's path).
pub fn from_bytes(bytes: Vec<u8>, file_name: Option<&str>) -> Result<Source, SourceError> {
    let ext = file_name.and_then(|n| Path::new(n).extension().and_then(|e| e.to_str()));
    if let Some(format) = workbook_kind(&bytes, ext) {
        return workbook(format, bytes);
    }
    let head_len = bytes.len().min(64 * 1024);
    let head = bytes[..head_len].to_vec();
    csv_source(&head, Box::new(Cursor::new(bytes)))
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// A zip file is XLSX or ODS (both are zip containers); an OLE file is XLS.
fn workbook_kind(head: &[u8], ext: Option<&str>) -> Option<Format> {
    let ext = ext.map(str::to_ascii_lowercase);
    if head.starts_with(b"PK\x03\x04") {
        // ODS names its mimetype in the first entry, uncompressed.
        let is_ods = ext.as_deref() == Some("ods")
            || head
                .windows(b"opendocument.spreadsheet".len())
                .any(|w| w == b"opendocument.spreadsheet");
        return Some(if is_ods { Format::Ods } else { Format::Xlsx });
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some(Format::Xls);
    }
    None
}

fn workbook(format: Format, bytes: Vec<u8>) -> Result<Source, SourceError> {
    let cursor = Cursor::new(bytes);
    let range = match format {
        Format::Xlsx => first_sheet(
            calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(cursor)
                .map_err(|e| SourceError::Workbook(e.to_string()))?,
        )?,
        Format::Ods => first_sheet(
            calamine::open_workbook_from_rs::<calamine::Ods<_>, _>(cursor)
                .map_err(|e| SourceError::Workbook(e.to_string()))?,
        )?,
        _ => first_sheet(
            calamine::open_workbook_from_rs::<calamine::Xls<_>, _>(cursor)
                .map_err(|e| SourceError::Workbook(e.to_string()))?,
        )?,
    };
    let mut rows = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect::<Vec<String>>());
    let headers = rows
        .by_ref()
        .find(|r| r.iter().any(|c| !c.is_empty()))
        .ok_or(SourceError::Empty)?;
    let rows: Vec<Vec<String>> = rows.collect();
    Ok(Source {
        format,
        headers,
        rows: Rows::Sheet(rows.into_iter()),
        read: 0,
        position: Progress::Rows(0),
    })
}

fn first_sheet<RS, R>(mut workbook: R) -> Result<calamine::Range<Data>, SourceError>
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    match workbook.worksheet_range_at(0) {
        None => Err(SourceError::NoSheet),
        Some(Err(e)) => Err(SourceError::Workbook(e.to_string())),
        Some(Ok(range)) => Ok(range),
    }
}

/// A cell as the text a person would type: integers without ".0", dates as ISO dates.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Data::DateTime(dt) => excel_serial_date(dt.as_f64())
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

/// Excel's serial day number (1900 system; day 60 is the fictitious 29 February 1900).
fn excel_serial_date(serial: f64) -> Option<chrono::NaiveDate> {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

fn csv_source(head: &[u8], reader: Box<dyn Read + Send>) -> Result<Source, SourceError> {
    if head.is_empty() {
        return Err(SourceError::Empty);
    }
    let encoding = sniff_encoding(head);
    let reader: Box<dyn Read + Send> = match encoding {
        TextEncoding::Utf8 => reader,
        TextEncoding::Utf8Bom => {
            let mut reader = reader;
            let mut bom = [0u8; 3];
            reader.read_exact(&mut bom).map_err(|e| SourceError::Csv {
                row: 1,
                reason: e.to_string(),
            })?;
            reader
        }
        TextEncoding::Windows1252 => Box::new(Windows1252Reader::new(reader)),
    };
    let separator = sniff_separator(head);
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(reader);
    let mut header = csv::StringRecord::new();
    let got = csv.read_record(&mut header).map_err(|e| SourceError::Csv {
        row: 1,
        reason: e.to_string(),
    })?;
    if !got {
        return Err(SourceError::Empty);
    }
    Ok(Source {
        format: Format::Csv {
            separator,
            encoding,
        },
        headers: header.iter().map(|h| h.trim().to_string()).collect(),
        rows: Rows::Csv(csv, csv::StringRecord::new()),
        read: 0,
        position: Progress::Bytes(0),
    })
}

fn sniff_encoding(head: &[u8]) -> TextEncoding {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return TextEncoding::Utf8Bom;
    }
    match std::str::from_utf8(head) {
        Ok(_) => TextEncoding::Utf8,
        // The sniffed window may end inside a character: that is still UTF-8.
        Err(e) if e.error_len().is_none() => TextEncoding::Utf8,
        Err(_) => TextEncoding::Windows1252,
    }
}

/// The separator that occurs most often outside quotes on the first line; ties go to `;`
/// (what Danish Excel writes), then `,`, then tab.
fn sniff_separator(head: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b';', b',', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

/// Decodes Windows-1252 to UTF-8 as it is read, in fixed-size chunks.
struct Windows1252Reader {
    inner: Box<dyn Read + Send>,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    out_pos: usize,
    done: bool,
}

impl Windows1252Reader {
    fn new(inner: Box<dyn Read + Send>) -> Self {
        Windows1252Reader {
            inner,
            decoder: encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024],
            // Every Windows-1252 byte becomes at most 3 UTF-8 bytes.
            output: Vec::with_capacity(3 * 64 * 1024 + 16),
            out_pos: 0,
            done: false,
        }
    }
}

impl Read for Windows1252Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_pos >= self.output.len() {
            if self.done {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.input)?;
            let last = n == 0;
            self.output.clear();
            self.output.resize(3 * n + 16, 0);
            let (_, _, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[..n], &mut self.output, last);
            self.output.truncate(written);
            self.out_pos = 0;
            if last {
                self.done = true;
            }
        }
        let available = &self.output[self.out_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_encodings() {
        assert_eq!(sniff_separator(b"a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff_separator(b"a,b,c\n"), b',');
        assert_eq!(sniff_separator(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_separator(b"\"x;y\",b,c\n"), b',');
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFa;b"), TextEncoding::Utf8Bom);
        assert_eq!(sniff_encoding("Køge".as_bytes()), TextEncoding::Utf8);
        assert_eq!(sniff_encoding(b"K\xf8ge"), TextEncoding::Windows1252);
    }

    #[test]
    fn windows_1252_is_decoded() {
        let mut source = from_bytes(
            b"Navn;Kommune\r\nS\xf8ren \xc6bel\xf8;K\xf8ge\r\n".to_vec(),
            None,
        )
        .unwrap();
        assert_eq!(source.headers, vec!["Navn", "Kommune"]);
        let row = source.next_row().unwrap().unwrap();
        assert_eq!(row.cells, vec!["Søren Æbelø", "Køge"]);
        assert_eq!(row.number, 2);
        assert!(source.next_row().is_none());
    }

    #[test]
    fn a_reused_row_holds_only_its_own_cells() {
        let mut source = from_bytes(b"a;b;c\n1;2;3\n;;\n4; 5\n6;7;8;9\n".to_vec(), None).unwrap();
        let mut row = Row {
            number: 0,
            cells: Vec::new(),
        };
        let mut seen = Vec::new();
        while let Some(read) = source.read_row(&mut row) {
            read.unwrap();
            seen.push((row.number, row.cells.clone()));
        }
        assert_eq!(
            seen,
            vec![
                (2, vec!["1".to_string(), "2".into(), "3".into()]),
                (4, vec!["4".to_string(), "5".into()]),
                (5, vec!["6".to_string(), "7".into(), "8".into(), "9".into()]),
            ]
        );
    }

    #[test]
    fn excel_dates() {
        assert_eq!(
            excel_serial_date(45747.0).unwrap().to_string(),
            "2025-03-31"
        );
    }
}
