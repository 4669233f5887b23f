//! One entry point for a statement file of either kind (Norma 43 or camt.052/053/054): tells them
//! apart, reads them into the lines the matcher takes, and gives each line a key for re-imports.

use crate::Direction;
use crate::camt::{self, CamtKind};
use crate::iso20022::Iso20022Error;
use crate::matching::StatementLine;
use crate::norma43::{self, Norma43Error};
use crate::reason::ReturnedDebit;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StatementFormat {
    Norma43,
    Camt(CamtKind),
}

/// A statement file read for import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedStatement {
    pub format: StatementFormat,
    /// The accounts the file is for (IBANs; for Norma 43 rebuilt from the CCC parts).
    pub accounts: Vec<String>,
    /// Booked lines in file order, with a key each (see [`line_keys`]).
    pub lines: Vec<(String, StatementLine)>,
    /// Direct debits that came back: camt R-transactions; Norma 43 concept 14 movements (without an
    /// end-to-end id, which Norma 43 does not carry: their concepts are in `additional_info`).
    pub returns: Vec<ReturnedDebit>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("Norma 43 file, {0}")]
    Norma43(#[from] Norma43Error),
    #[error("camt file, {0}")]
    Camt(#[from] Iso20022Error),
    #[error(
        "this is neither a Norma 43 file (it would start with an 11 record) nor an XML camt statement"
    )]
    UnknownFormat,
}

/// What kind of statement the bytes look like, from the first non-blank characters.
pub fn detect(input: &[u8]) -> Option<StatementFormat> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let start = input.iter().position(|b| !b.is_ascii_whitespace())?;
    match &input[start..] {
        [b'1', b'1', ..] => Some(StatementFormat::Norma43),
        [b'<', ..] => {
            // The kind is settled by the parser from the namespace; 053 is the usual one.
            Some(StatementFormat::Camt(CamtKind::Statement))
        }
        _ => None,
    }
}

/// Reads a Norma 43 or camt file. The entry point for the import page and for fuzzing.
pub fn read(input: &[u8]) -> Result<ImportedStatement, StatementError> {
    match detect(input).ok_or(StatementError::UnknownFormat)? {
        StatementFormat::Norma43 => {
            let file = norma43::parse(input)?;
            let mut lines = Vec::new();
            let mut returns = Vec::new();
            let mut accounts = Vec::new();
            for a in &file.accounts {
                let account = a.iban().map_or_else(
                    || format!("{}{}{}", a.bank, a.branch, a.account_number),
                    |i| i.to_string(),
                );
                let these: Vec<StatementLine> =
                    a.movements.iter().map(StatementLine::from).collect();
                lines.extend(line_keys(&account, &these).into_iter().zip(these));
                returns.extend(a.movements.iter().filter(|m| m.is_return()).map(|m| {
                    ReturnedDebit {
                        line: m.line,
                        end_to_end_id: None,
                        mandate_id: None,
                        amount: Some(m.amount),
                        reason: None,
                        additional_info: m
                            .concepts
                            .iter()
                            .chain([&m.reference1, &m.reference2])
                            .filter(|s| !s.is_empty())
                            .cloned()
                            .collect(),
                        date: Some(m.operation_date),
                    }
                }));
                accounts.push(account);
            }
            Ok(ImportedStatement {
                format: StatementFormat::Norma43,
                accounts,
                lines,
                returns,
            })
        }
        StatementFormat::Camt(_) => {
            let doc = camt::parse(input)?;
            let accounts: Vec<String> = doc
                .statements
                .iter()
                .map(|s| {
                    s.account_iban
                        .clone()
                        .or_else(|| s.account_other_id.clone())
                        .unwrap_or_default()
                })
                .collect();
            let account = accounts.join(",");
            let these = doc.statement_lines();
            Ok(ImportedStatement {
                format: StatementFormat::Camt(doc.kind),
                lines: line_keys(&account, &these).into_iter().zip(these).collect(),
                returns: doc.returned_debits(),
                accounts,
            })
        }
    }
}

/// A key per line that stays the same when the same movement is imported again, from the same
/// file or from a later file of the same format that overlaps it: a hash of the account, date,
/// direction, amount, counterparty and text, plus how many identical lines came before it
/// (two equal transfers on one day stay two). Store it with a unique index and a second import
/// adds nothing.
pub fn line_keys(account: &str, lines: &[StatementLine]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    lines
        .iter()
        .map(|l| {
            let content = format!(
                "{account}\u{1F}{}\u{1F}{}\u{1F}{}\u{1F}{}\u{1F}{}\u{1F}{}\u{1F}{}",
                l.booking_date.map(|d| d.to_string()).unwrap_or_default(),
                match l.direction {
                    Direction::Credit => "C",
                    Direction::Debit => "D",
                },
                l.amount,
                l.counterparty_iban.as_deref().unwrap_or(""),
                l.counterparty_name.as_deref().unwrap_or(""),
                l.end_to_end_id.as_deref().unwrap_or(""),
                l.text,
            );
            let n = seen.entry(content.clone()).or_insert(0);
            *n += 1;
            let digest = Sha256::digest(format!("{content}\u{1F}{n}").as_bytes());
            digest.iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}
