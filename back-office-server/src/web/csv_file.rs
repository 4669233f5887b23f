//! The dashboard's CSV files, written and read with the `csv` crate: exports whose text cells are
//! defused against formula injection, and imports as spreadsheets save or copy them.
//!
//! Exports keep `,` between fields and `.` as the decimal point (what they have always been).
//! A cell is either [`Cell::Text`] — anything a person typed or a name: it is defused — or
//! [`Cell::Value`] — a number, an amount, a date, a code the server made: written as it is, so a
//! negative over/short stays `-3.50` and a spreadsheet still reads it as a number. The column's
//! type decides, never the cell's content: a note typed at a till as `-3,50 missing` is text and
//! gets its `'`.

use super::WebError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use std::fmt::Display;

/// The guard every CSV of the project uses (also HQ's accounting journal): a text cell that a
/// spreadsheet would run as a formula gets a leading `'`; see [`sync_protocol::spreadsheet`].
pub use sync_protocol::spreadsheet::{defuse, restore};

/// One cell of an exported row.
pub enum Cell<'a> {
    /// Text from people or names: defused.
    Text(&'a str),
    /// A number, amount, date, time or code made by the server: as it is.
    Value(String),
}

/// A text cell (defused on writing).
pub fn text(s: &str) -> Cell<'_> {
    Cell::Text(s)
}

/// A value cell (written as `Display` writes it).
pub fn value<'a>(v: impl Display) -> Cell<'a> {
    Cell::Value(v.to_string())
}

/// A CSV file being written: a header, then rows, then the download.
pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
    /// The first write error (none happen writing to memory; kept so none is ignored).
    error: Option<csv::Error>,
}

impl CsvExport {
    pub fn new(header: &[&str]) -> Self {
        let mut e = Self {
            writer: csv::Writer::from_writer(Vec::new()),
            error: None,
        };
        e.record(header.iter().copied());
        e
    }

    fn record<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        if self.error.is_none()
            && let Err(err) = self.writer.write_record(fields)
        {
            self.error = Some(err);
        }
    }

    /// One row: text cells defused, values as they are.
    pub fn row(&mut self, cells: &[Cell<'_>]) {
        let fields: Vec<Cow<'_, str>> = cells
            .iter()
            .map(|c| match c {
                Cell::Text(s) => defuse(s),
                Cell::Value(v) => Cow::Borrowed(v.as_str()),
            })
            .collect();
        self.record(fields.iter().map(|f| f.as_ref()));
    }

    /// The file's text.
    pub fn finish(mut self) -> Result<String, WebError> {
        let server = |e: &dyn Display| {
            WebError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot write the CSV file: {e}"),
            )
        };
        if let Some(e) = self.error.take() {
            return Err(server(&e));
        }
        let bytes = self.writer.into_inner().map_err(|e| server(&e.error()))?;
        String::from_utf8(bytes).map_err(|e| server(&e))
    }

    /// The file as a download named `filename`.
    pub fn download(self, filename: &str) -> Result<Response, WebError> {
        let body = self.finish()?;
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            body,
        )
            .into_response())
    }
}

/// One record of an imported file and the line it starts on (1 = the first line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRow {
    pub line: u64,
    pub fields: Vec<String>,
}

/// The field separator of a file, from its first line: `;` (Spanish spreadsheets, whose decimal
/// point is a comma), tab (cells copied from a spreadsheet) or `,` — whichever the header has most of.
pub fn detect_delimiter(text: &str) -> u8 {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let count = |c: char| first.matches(c).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (count(char::from(*d)), *d == b','))
        .unwrap_or(b',')
}

/// The line a record starts on. The reader's position is where it began reading, before the
/// blank lines it skips, so those are counted on.
fn first_line(text: &str, p: &csv::Position) -> u64 {
    let from = usize::try_from(p.byte())
        .unwrap_or(usize::MAX)
        .min(text.len());
    let skipped = text.as_bytes()[from..]
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    p.line() + skipped as u64
}

/// Reads a pasted or saved CSV text: UTF-8 with or without a byte-order mark, `;`, `,` or tab
/// between fields (detected), quoted fields with `""` inside and line breaks, rows of any length.
/// Rows with nothing in them (blank lines, `;;;` lines spreadsheets leave) are skipped.
pub fn read_rows(text: &str) -> Result<Vec<ImportedRow>, csv::Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push(ImportedRow {
            line: record.position().map_or(0, |p| first_line(text, p)),
            fields: record.iter().map(str::to_string).collect(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(rows: &[ImportedRow]) -> Vec<Vec<&str>> {
        rows.iter()
            .map(|r| r.fields.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn reads_quotes_commas_newlines_and_keeps_line_numbers() {
        let rows = read_rows("a,b\n\"x, y\",\"he said \"\"hi\"\"\"\n\nz,\"multi\nline\"\nlast,1\n")
            .unwrap();
        assert_eq!(
            fields(&rows),
            vec![
                vec!["a", "b"],
                vec!["x, y", "he said \"hi\""],
                vec!["z", "multi\nline"],
                vec!["last", "1"],
            ]
        );
        assert_eq!(
            rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            [1, 2, 4, 6]
        );
    }

    #[test]
    fn reads_a_spanish_spreadsheet_with_bom_semicolons_and_crlf() {
        let rows = read_rows(
            "\u{feff}sku;name;price\r\nA-1;Café, molido;2,10\r\n;;\r\nB-2;\"Pan; de molde\";1\r\n",
        )
        .unwrap();
        assert_eq!(
            fields(&rows),
            vec![
                vec!["sku", "name", "price"],
                vec!["A-1", "Café, molido", "2,10"],
                vec!["B-2", "Pan; de molde", "1"],
            ]
        );
        assert_eq!(rows[2].line, 4);
        assert_eq!(detect_delimiter("sku\tname\tprice\n"), b'\t');
        assert_eq!(detect_delimiter("sku\n"), b',');
        assert_eq!(detect_delimiter(""), b',');
    }

    #[test]
    fn text_cells_that_start_a_formula_are_defused_and_restored() {
        for (typed, out) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+34 600", "'+34 600"),
            ("-3,50 faltan", "'-3,50 faltan"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("Café", "Café"),
            ("", ""),
            ("'quoted", "'quoted"),
        ] {
            assert_eq!(defuse(typed), out);
            assert_eq!(restore(&defuse(typed)), typed);
        }
    }

    #[test]
    fn values_are_not_defused_and_fields_are_quoted_when_needed() {
        let mut e = CsvExport::new(&["name", "amount"]);
        e.row(&[text("=1+1"), value("-3.50")]);
        e.row(&[text("a, \"b\""), value(5)]);
        assert_eq!(
            e.finish().unwrap(),
            "name,amount\n'=1+1,-3.50\n\"a, \"\"b\"\"\",5\n"
        );
    }
}
