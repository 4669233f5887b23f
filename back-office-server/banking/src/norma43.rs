//! AEB Norma 43 (Cuaderno 43), the account statement file Spanish banks deliver: records 11
//! (account), 22 (movement), 23 (concepts), 24 (currency), 33 (account totals) and 88 (end of file).
//!
//! Fixed 80-column records. Tolerated: CRLF or LF, trailing spaces cut (short lines are read as if
//! padded), blank lines, a UTF-8 byte-order mark, a DOS end-of-file byte, ISO-8859-1 text. Refused,
//! with the line and the columns: anything else, including totals in 33 and 88 that do not add up.

use crate::Direction;
use chrono::NaiveDate;
use serde::Serialize;
use std::borrow::Cow;
use sync_protocol::Money;
use sync_protocol::bank::{Iban, ccc_control_digits};

/// A whole Norma 43 file: one or more account statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Norma43File {
    pub accounts: Vec<Account>,
}

/// The statement of one account for a period (record 11, its movements, record 33).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Line of the 11 record.
    pub line: usize,
    /// Bank (entidad), 4 digits.
    pub bank: String,
    /// Branch (oficina), 4 digits.
    pub branch: String,
    /// Account number, 10 digits (the CCC without its control digits, which the file does not carry).
    pub account_number: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Opening balance, negative when the account was overdrawn.
    pub opening_balance: Money,
    /// ISO 4217 code (`EUR`), or the numeric code from the file when it is not one we know.
    pub currency: String,
    /// Information mode 1, 2 or 3 (how much detail the bank sends).
    pub information_mode: u8,
    /// Abbreviated account holder name.
    pub holder: String,
    pub movements: Vec<Movement>,
    /// Closing balance from the 33 record (checked against the opening balance and the movements).
    pub closing_balance: Money,
    pub debit_count: u32,
    pub debit_total: Money,
    pub credit_count: u32,
    pub credit_total: Money,
}

impl Account {
    /// The account's IBAN, rebuilt from bank, branch and number (the file leaves out the CCC
    /// control digits, which follow from the rest). `None` if the parts are not digits.
    pub fn iban(&self) -> Option<Iban> {
        let dc = ccc_control_digits(&self.bank, &self.branch, &self.account_number).ok()?;
        Iban::from_bban(
            "ES",
            &format!("{}{}{dc}{}", self.bank, self.branch, self.account_number),
        )
        .ok()
    }
}

/// One movement (record 22 and what follows it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    /// Line of the 22 record.
    pub line: usize,
    /// Branch where it originated.
    pub branch: String,
    pub operation_date: NaiveDate,
    pub value_date: NaiveDate,
    /// AEB common concept (two digits, see [`common_concept_name`]).
    pub common_concept: String,
    /// The bank's own concept code (three characters).
    pub own_concept: String,
    pub direction: Direction,
    /// Always zero or positive; `direction` says which way.
    pub amount: Money,
    pub document_number: String,
    pub reference1: String,
    pub reference2: String,
    /// The complementary concepts (23 records) in order, each half trimmed, blanks left out: the
    /// remittance text, where the payer's name and the invoice reference usually are.
    pub concepts: Vec<String>,
    /// Record 24: the original currency (ISO numeric or alpha code) and amount, for foreign movements.
    pub original_amount: Option<(String, Money)>,
}

impl Movement {
    /// The amount with its sign: positive for money in (haber), negative for money out (debe).
    pub fn signed_amount(&self) -> Money {
        match self.direction {
            Direction::Credit => self.amount,
            Direction::Debit => -self.amount,
        }
    }

    /// The concepts as one text.
    pub fn remittance_text(&self) -> String {
        self.concepts.join(" ")
    }

    /// AEB concept 14, "devoluciones e impagados": a returned direct debit or an unpaid bill.
    pub fn is_return(&self) -> bool {
        self.common_concept == "14"
    }
}

/// The AEB name of a common concept code, in Spanish as the banks print it.
pub fn common_concept_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "Talones - reintegros",
        "02" => "Abonarés - entregas - ingresos",
        "03" => "Domiciliados - recibos - letras - pagos por su cuenta",
        "04" => "Giros - transferencias - traspasos - cheques",
        "05" => "Amortizaciones préstamos, créditos, etc.",
        "06" => "Remesas efectos",
        "07" => "Suscripciones - div. pasivos - canje",
        "08" => "Div. cupones - prima junta - amortizaciones",
        "09" => "Operaciones de bolsa y/o compra/venta valores",
        "10" => "Cheques gasolina",
        "11" => "Cajero automático",
        "12" => "Tarjetas de crédito - tarjetas de débito",
        "13" => "Operaciones con el extranjero",
        "14" => "Devoluciones e impagados",
        "15" => "Nóminas - seguros sociales",
        "16" => "Timbres - corretaje - póliza",
        "17" => "Intereses - comisiones - custodia - gastos e impuestos",
        "98" => "Anulaciones - correcciones asiento",
        "99" => "Varios",
        _ => return None,
    })
}

/// A Norma 43 file that could not be read: the line and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct Norma43Error {
    pub line: usize,
    pub problem: Norma43Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Norma43Problem {
    #[error("the file is empty")]
    Empty,
    #[error("the line has {length} characters; Norma 43 records have 80")]
    TooLong { length: usize },
    #[error("'{code}' is not a Norma 43 record type (11, 22, 23, 24, 33 or 88)")]
    UnknownRecord { code: String },
    #[error("{field} (columns {from}–{to}) is missing: the line ends at column {length}")]
    Truncated {
        field: &'static str,
        from: usize,
        to: usize,
        length: usize,
    },
    #[error("{field} (columns {from}–{to}) is '{value}', expected {expected}")]
    BadField {
        field: &'static str,
        from: usize,
        to: usize,
        value: String,
        expected: &'static str,
    },
    #[error("a {record} record cannot come here: {why}")]
    OutOfOrder { record: &'static str, why: String },
    #[error("more than 5 complementary concept (23) records for one movement")]
    TooManyConcepts,
    #[error(
        "the 33 record is for account {in_33} but closes the account {opened} opened on line {opened_line}"
    )]
    AccountMismatch {
        in_33: String,
        opened: String,
        opened_line: usize,
    },
    #[error("the 33 record says {what} is {in_file}, the movements above add up to {computed}")]
    TotalsMismatch {
        what: &'static str,
        in_file: String,
        computed: String,
    },
    #[error("the 88 record counts {in_file} records, the file has {counted} before it")]
    RecordCount { in_file: u64, counted: u64 },
    #[error(
        "the file ends inside the account opened on line {opened_line}: its 33 totals record is missing"
    )]
    AccountNotClosed { opened_line: usize },
    #[error("the file has no 88 end record (is it cut short?)")]
    NoEndRecord,
    #[error("the file has no account (11 record)")]
    NoAccount,
    #[error("there is more after the 88 end record")]
    DataAfterEnd,
}

/// One record line, with 1-based column access as in the AEB specification.
struct Record<'a> {
    text: Cow<'a, str>,
    length: usize,
    line: usize,
}

impl Record<'_> {
    fn err(&self, problem: Norma43Problem) -> Norma43Error {
        Norma43Error {
            line: self.line,
            problem,
        }
    }

    /// Columns `from..=to`, read as spaces past the end of a short line.
    fn columns(&self, from: usize, to: usize) -> Cow<'_, str> {
        if self.text.is_ascii() {
            let end = to.min(self.text.len());
            let start = (from - 1).min(end);
            Cow::Borrowed(&self.text[start..end])
        } else {
            Cow::Owned(
                self.text
                    .chars()
                    .skip(from - 1)
                    .take(to + 1 - from)
                    .collect(),
            )
        }
    }

    /// A field that must be present and all digits.
    fn digits(&self, from: usize, to: usize, field: &'static str) -> Result<String, Norma43Error> {
        if self.length < to {
            return Err(self.err(Norma43Problem::Truncated {
                field,
                from,
                to,
                length: self.length,
            }));
        }
        let v = self.columns(from, to);
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(Norma43Problem::BadField {
                field,
                from,
                to,
                value: v.into_owned(),
                expected: "digits",
            }));
        }
        Ok(v.into_owned())
    }

    /// A 14-digit amount in cents (12 integer digits, 2 decimals).
    fn amount(&self, from: usize, field: &'static str) -> Result<Money, Norma43Error> {
        let v = self.digits(from, from + 13, field)?;
        let cents: i64 = v.parse().map_err(|_| {
            self.err(Norma43Problem::BadField {
                field,
                from,
                to: from + 13,
                value: v.clone(),
                expected: "an amount in cents",
            })
        })?;
        Ok(Money::from_cents(cents))
    }

    fn date(&self, from: usize, field: &'static str) -> Result<NaiveDate, Norma43Error> {
        let bad = |v: String| {
            self.err(Norma43Problem::BadField {
                field,
                from,
                to: from + 5,
                value: v,
                expected: "a date YYMMDD",
            })
        };
        let v = self
            .digits(from, from + 5, field)
            .map_err(|e| match e.problem {
                Norma43Problem::BadField { value, .. } => bad(value),
                _ => e,
            })?;
        let n = |a: usize| v[a..a + 2].parse::<u32>().unwrap_or(0);
        NaiveDate::from_ymd_opt(2000 + n(0) as i32, n(2), n(4)).ok_or_else(|| bad(v.clone()))
    }

    fn direction(&self, at: usize, field: &'static str) -> Result<Direction, Norma43Error> {
        match self.columns(at, at).as_ref() {
            "1" => Ok(Direction::Debit),
            "2" => Ok(Direction::Credit),
            other => Err(self.err(Norma43Problem::BadField {
                field,
                from: at,
                to: at,
                value: other.to_string(),
                expected: "1 (debe, debit) or 2 (haber, credit)",
            })),
        }
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.columns(from, to).trim().to_string()
    }
}

fn currency_alpha(numeric: &str) -> String {
    match numeric {
        "978" => "EUR",
        "840" => "USD",
        "826" => "GBP",
        "756" => "CHF",
        "392" => "JPY",
        "752" => "SEK",
        "208" => "DKK",
        "578" => "NOK",
        "985" => "PLN",
        other => other,
    }
    .to_string()
}

/// An account being read, until its 33 record.
struct Open {
    account: Account,
    concepts_of_last: usize,
    has_24: bool,
}

/// Parses a Norma 43 file. The entry point for the import page and for fuzzing.
pub fn parse(input: &[u8]) -> Result<Norma43File, Norma43Error> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut accounts = Vec::new();
    let mut open: Option<Open> = None;
    let mut records: u64 = 0;
    let mut ended = false;
    let mut last_line = 0;
    let mut any = false;

    for (i, raw) in input.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        last_line = line;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let end = raw
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | 0x1A))
            .map_or(0, |p| p + 1);
        let raw = &raw[..end];
        if raw.is_empty() {
            continue;
        }
        any = true;
        if ended {
            return Err(Norma43Error {
                line,
                problem: Norma43Problem::DataAfterEnd,
            });
        }
        let text = match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            // Not UTF-8: Spanish banks write ISO-8859-1, where every byte is one character.
            Err(_) => Cow::Owned(raw.iter().map(|b| char::from(*b)).collect()),
        };
        let length = text.chars().count();
        let rec = Record { text, length, line };
        if length > 80 {
            return Err(rec.err(Norma43Problem::TooLong { length }));
        }
        let code = rec.columns(1, 2).into_owned();
        match code.as_str() {
            "11" => {
                if let Some(o) = &open {
                    return Err(rec.err(Norma43Problem::OutOfOrder {
                        record: "11 account",
                        why: format!(
                            "the account opened on line {} has not been closed by its 33 record",
                            o.account.line
                        ),
                    }));
                }
                records += 1;
                open = Some(Open {
                    account: parse_11(&rec)?,
                    concepts_of_last: 0,
                    has_24: false,
                });
            }
            "22" => {
                let Some(o) = open.as_mut() else {
                    return Err(rec.err(Norma43Problem::OutOfOrder {
                        record: "22 movement",
                        why: "no account (11 record) is open".into(),
                    }));
                };
                records += 1;
                o.account.movements.push(parse_22(&rec)?);
                o.concepts_of_last = 0;
                o.has_24 = false;
            }
            "23" => {
                let Some(m) = open.as_mut().filter(|o| !o.account.movements.is_empty()) else {
                    return Err(rec.err(Norma43Problem::OutOfOrder {
                        record: "23 concept",
                        why: "it must follow a 22 movement".into(),
                    }));
                };
                if m.has_24 {
                    return Err(rec.err(Norma43Problem::OutOfOrder {
                        record: "23 concept",
                        why: "the concepts of a movement come before its 24 currency record".into(),
                    }));
                }
                m.concepts_of_last += 1;
                if m.concepts_of_last > 5 {
                    return Err(rec.err(Norma43Problem::TooManyConcepts));
                }
                let data_code = rec.digits(3, 4, "concept number")?;
                if !("01"..="05").contains(&data_code.as_str()) {
                    return Err(rec.err(Norma43Problem::BadField {
                        field: "concept number",
                        from: 3,
                        to: 4,
                        value: data_code,
                        expected: "01 to 05",
                    }));
                }
                records += 1;
                let concepts = [rec.text(5, 42), rec.text(43, 80)];
                if let Some(mv) = m.account.movements.last_mut() {
                    mv.concepts
                        .extend(concepts.into_iter().filter(|c| !c.is_empty()));
                }
            }
            "24" => {
                let Some(m) = open.as_mut().filter(|o| !o.account.movements.is_empty()) else {
                    return Err(rec.err(Norma43Problem::OutOfOrder {
                        record: "24 currency",
                        why: "it must follow a 22 movement".into(),
                    }));
                };
                if m.has_24 {
                    return Err(rec.err(Norma43Problem::OutOfOrder {
                        record: "24 currency",
                        why: "a movement has at most one".into(),
                    }));
                }
                m.has_24 = true;
                records += 1;
                let currency = currency_alpha(&rec.digits(5, 7, "original currency")?);
                let amount = rec.amount(8, "original amount")?;
                if let Some(mv) = m.account.movements.last_mut() {
                    mv.original_amount = Some((currency, amount));
                }
            }
            "33" => {
                let Some(o) = open.take() else {
                    return Err(rec.err(Norma43Problem::OutOfOrder {
                        record: "33 account totals",
                        why: "no account (11 record) is open".into(),
                    }));
                };
                records += 1;
                accounts.push(close_account(&rec, o.account)?);
            }
            "88" => {
                if let Some(o) = &open {
                    return Err(rec.err(Norma43Problem::AccountNotClosed {
                        opened_line: o.account.line,
                    }));
                }
                if rec.columns(3, 20) != "999999999999999999" {
                    return Err(rec.err(Norma43Problem::BadField {
                        field: "end-of-file marker",
                        from: 3,
                        to: 20,
                        value: rec.columns(3, 20).into_owned(),
                        expected: "eighteen 9s",
                    }));
                }
                let count: u64 = rec
                    .digits(21, 26, "number of records")?
                    .parse()
                    .unwrap_or(u64::MAX);
                if count != records {
                    return Err(rec.err(Norma43Problem::RecordCount {
                        in_file: count,
                        counted: records,
                    }));
                }
                ended = true;
            }
            _ => {
                return Err(rec.err(Norma43Problem::UnknownRecord { code }));
            }
        }
    }
    let at_end = |problem| Norma43Error {
        line: last_line.max(1),
        problem,
    };
    if !any {
        return Err(at_end(Norma43Problem::Empty));
    }
    if let Some(o) = open {
        return Err(at_end(Norma43Problem::AccountNotClosed {
            opened_line: o.account.line,
        }));
    }
    if !ended {
        return Err(at_end(Norma43Problem::NoEndRecord));
    }
    if accounts.is_empty() {
        return Err(at_end(Norma43Problem::NoAccount));
    }
    Ok(Norma43File { accounts })
}

fn parse_11(rec: &Record<'_>) -> Result<Account, Norma43Error> {
    let bank = rec.digits(3, 6, "bank")?;
    let branch = rec.digits(7, 10, "branch")?;
    let account_number = rec.digits(11, 20, "account number")?;
    let start_date = rec.date(21, "start date")?;
    let end_date = rec.date(27, "end date")?;
    let sign = rec.direction(33, "opening balance sign")?;
    let balance = rec.amount(34, "opening balance")?;
    let currency = currency_alpha(&rec.digits(48, 50, "currency")?);
    let mode = rec.digits(51, 51, "information mode")?;
    if !("1"..="3").contains(&mode.as_str()) {
        return Err(rec.err(Norma43Problem::BadField {
            field: "information mode",
            from: 51,
            to: 51,
            value: mode,
            expected: "1, 2 or 3",
        }));
    }
    if end_date < start_date {
        return Err(rec.err(Norma43Problem::BadField {
            field: "end date",
            from: 27,
            to: 32,
            value: rec.columns(27, 32).into_owned(),
            expected: "a date not before the start date",
        }));
    }
    Ok(Account {
        line: rec.line,
        bank,
        branch,
        account_number,
        start_date,
        end_date,
        opening_balance: match sign {
            Direction::Credit => balance,
            Direction::Debit => -balance,
        },
        currency,
        information_mode: mode.parse().unwrap_or(0),
        holder: rec.text(52, 77),
        movements: Vec::new(),
        closing_balance: Money::ZERO,
        debit_count: 0,
        debit_total: Money::ZERO,
        credit_count: 0,
        credit_total: Money::ZERO,
    })
}

fn parse_22(rec: &Record<'_>) -> Result<Movement, Norma43Error> {
    Ok(Movement {
        line: rec.line,
        branch: rec.text(7, 10),
        operation_date: rec.date(11, "operation date")?,
        value_date: rec.date(17, "value date")?,
        common_concept: rec.digits(23, 24, "common concept")?,
        own_concept: rec.text(25, 27),
        direction: rec.direction(28, "debit/credit key")?,
        amount: rec.amount(29, "amount")?,
        document_number: rec.text(43, 52),
        reference1: rec.text(53, 64),
        reference2: rec.text(65, 80),
        concepts: Vec::new(),
        original_amount: None,
    })
}

fn close_account(rec: &Record<'_>, mut account: Account) -> Result<Account, Norma43Error> {
    let id = format!(
        "{}-{}-{}",
        rec.digits(3, 6, "bank")?,
        rec.digits(7, 10, "branch")?,
        rec.digits(11, 20, "account number")?
    );
    let opened = format!(
        "{}-{}-{}",
        account.bank, account.branch, account.account_number
    );
    if id != opened {
        return Err(rec.err(Norma43Problem::AccountMismatch {
            in_33: id,
            opened,
            opened_line: account.line,
        }));
    }
    let debit_count: u32 = rec
        .digits(21, 25, "number of debits")?
        .parse()
        .unwrap_or(u32::MAX);
    let debit_total = rec.amount(26, "total debits")?;
    let credit_count: u32 = rec
        .digits(40, 44, "number of credits")?
        .parse()
        .unwrap_or(u32::MAX);
    let credit_total = rec.amount(45, "total credits")?;
    let sign = rec.direction(59, "closing balance sign")?;
    let closing = rec.amount(60, "closing balance")?;
    let closing = match sign {
        Direction::Credit => closing,
        Direction::Debit => -closing,
    };
    let currency = currency_alpha(&rec.digits(74, 76, "currency")?);
    if currency != account.currency {
        return Err(rec.err(Norma43Problem::TotalsMismatch {
            what: "the currency",
            in_file: currency,
            computed: account.currency.clone(),
        }));
    }

    let (mut dc, mut dt, mut cc, mut ct) = (0u32, Money::ZERO, 0u32, Money::ZERO);
    for m in &account.movements {
        match m.direction {
            Direction::Debit => {
                dc += 1;
                dt += m.amount;
            }
            Direction::Credit => {
                cc += 1;
                ct += m.amount;
            }
        }
    }
    let mismatch = |what, in_file: String, computed: String| {
        rec.err(Norma43Problem::TotalsMismatch {
            what,
            in_file,
            computed,
        })
    };
    if debit_count != dc {
        return Err(mismatch(
            "the number of debits",
            debit_count.to_string(),
            dc.to_string(),
        ));
    }
    if debit_total != dt {
        return Err(mismatch(
            "the total of debits",
            debit_total.to_string(),
            dt.to_string(),
        ));
    }
    if credit_count != cc {
        return Err(mismatch(
            "the number of credits",
            credit_count.to_string(),
            cc.to_string(),
        ));
    }
    if credit_total != ct {
        return Err(mismatch(
            "the total of credits",
            credit_total.to_string(),
            ct.to_string(),
        ));
    }
    let computed = account.opening_balance + ct - dt;
    if closing != computed {
        return Err(mismatch(
            "the closing balance (opening balance + credits − debits)",
            closing.to_string(),
            computed.to_string(),
        ));
    }
    account.closing_balance = closing;
    account.debit_count = debit_count;
    account.debit_total = debit_total;
    account.credit_count = credit_count;
    account.credit_total = credit_total;
    Ok(account)
}

/// Builds Norma 43 records, for tests and the benchmark: each function returns one 80-column line.
pub mod write {
    use super::*;

    fn pad(s: &str, n: usize) -> String {
        let mut out: String = s.chars().take(n).collect();
        while out.chars().count() < n {
            out.push(' ');
        }
        out
    }

    fn yymmdd(d: NaiveDate) -> String {
        d.format("%y%m%d").to_string()
    }

    fn sign_and_amount(m: Money) -> String {
        let key = if m.is_negative() { '1' } else { '2' };
        format!("{key}{:014}", m.abs().cents())
    }

    /// Record 11.
    pub fn account_header(
        bank: &str,
        branch: &str,
        account: &str,
        start: NaiveDate,
        end: NaiveDate,
        opening: Money,
        holder: &str,
    ) -> String {
        format!(
            "11{bank}{branch}{account}{}{}{}9783{}   ",
            yymmdd(start),
            yymmdd(end),
            sign_and_amount(opening),
            pad(holder, 26)
        )
    }

    /// Record 22; `amount` positive for a credit, negative for a debit.
    pub fn movement(
        date: NaiveDate,
        common_concept: &str,
        amount: Money,
        document: &str,
        reference1: &str,
        reference2: &str,
    ) -> String {
        let key = if amount.is_negative() { '1' } else { '2' };
        format!(
            "22    0418{}{}{common_concept}000{key}{:014}{}{}{}",
            yymmdd(date),
            yymmdd(date),
            amount.abs().cents(),
            pad(document, 10),
            pad(reference1, 12),
            pad(reference2, 16)
        )
    }

    /// Record 23, concept number 1–5 with two 38-character halves.
    pub fn concept(n: u8, first: &str, second: &str) -> String {
        format!("23{n:02}{}{}", pad(first, 38), pad(second, 38))
    }

    /// Record 33 with totals computed from signed movement amounts.
    pub fn account_totals(
        bank: &str,
        branch: &str,
        account: &str,
        opening: Money,
        amounts: &[Money],
    ) -> String {
        let debits: Vec<Money> = amounts
            .iter()
            .filter(|a| a.is_negative())
            .copied()
            .collect();
        let credits: Vec<Money> = amounts
            .iter()
            .filter(|a| !a.is_negative())
            .copied()
            .collect();
        let dt: Money = debits.iter().map(|m| m.abs()).sum();
        let ct: Money = credits.iter().copied().sum();
        format!(
            "33{bank}{branch}{account}{:05}{:014}{:05}{:014}{}978    ",
            debits.len(),
            dt.cents(),
            credits.len(),
            ct.cents(),
            sign_and_amount(opening + ct - dt)
        )
    }

    /// Record 88 with the number of records before it.
    pub fn end_of_file(records: usize) -> String {
        format!("88{}{records:06}{}", "9".repeat(18), " ".repeat(54))
    }
}
