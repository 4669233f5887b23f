//! A period's invoices as journal entries (asientos) for the franchisor's accountant, as a CSV file that
//! Spanish accounting packages import.
//!
//! Format: the generic "asientos" layout that the column-mapping importers read (a3innuva Importia,
//! ContaSOL's spreadsheet import, factura.city and most others): one row per journal line, a header row,
//! `;` as separator, UTF-8, dates `dd/mm/yyyy`, amounts with a decimal comma and no thousands separator,
//! debit and credit in separate columns. Columns:
//! `Asiento;Línea;Fecha;Cuenta;Concepto;Documento;Debe;Haber;NIF;Nombre`.
//! Account numbers have the chart's fixed length (a3innuva refuses any other), sub-accounts padded with
//! zeros: customer `430` + franchisee number, services `705`, goods `700`, output VAT `477` + rate
//! (47702100 for 21 %), recargo de equivalencia `4775` + rate (47750520 for 5.2 %).
//! Each invoice is one balanced entry: customer debit = revenue + VAT + recargo credits. A credit note
//! (rectificativa) is booked on the same sides with negative amounts, so turnover and VAT net out, as the
//! rectificativa's own figures do.

use crate::model::{Invoice, Revenue};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use sync_protocol::spreadsheet::defuse;
use sync_protocol::{Money, TaxRate};

/// The accounts the export books to (PGC 2007 groups); prefixes are padded to `digits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartOfAccounts {
    /// Length of every account number in the package's chart (8 is the common default).
    pub digits: usize,
    pub customers: String,
    pub services: String,
    pub goods: String,
    pub output_vat: String,
    pub surcharge: String,
}

impl Default for ChartOfAccounts {
    fn default() -> Self {
        ChartOfAccounts {
            digits: 8,
            customers: "430".into(),
            services: "705".into(),
            goods: "700".into(),
            output_vat: "477".into(),
            surcharge: "4775".into(),
        }
    }
}

/// Why the journal cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum AccountingError {
    #[error("account length {0} must be between 6 and 12 digits")]
    BadLength(usize),
    #[error("account prefix '{0}' must be digits, shorter than the account length")]
    BadPrefix(String),
    #[error("{what} {code} does not fit after prefix {prefix} in a {digits}-digit account")]
    DoesNotFit {
        what: &'static str,
        prefix: String,
        code: u64,
        digits: usize,
    },
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the CSV: {0}")]
    Io(#[from] std::io::Error),
}

impl ChartOfAccounts {
    fn check(&self) -> Result<(), AccountingError> {
        if !(6..=12).contains(&self.digits) {
            return Err(AccountingError::BadLength(self.digits));
        }
        for p in [
            &self.customers,
            &self.services,
            &self.goods,
            &self.output_vat,
            &self.surcharge,
        ] {
            if p.is_empty() || p.len() >= self.digits || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(AccountingError::BadPrefix(p.clone()));
            }
        }
        Ok(())
    }

    /// `prefix` + `code` zero-padded to the account length: (430, 7) → 43000007.
    pub fn sub_account(
        &self,
        what: &'static str,
        prefix: &str,
        code: u64,
    ) -> Result<String, AccountingError> {
        let width = self.digits.saturating_sub(prefix.len());
        let code_s = code.to_string();
        if code_s.len() > width {
            return Err(AccountingError::DoesNotFit {
                what,
                prefix: prefix.to_string(),
                code,
                digits: self.digits,
            });
        }
        Ok(format!("{prefix}{code_s:0>width$}"))
    }

    fn rate_account(&self, prefix: &str, rate: TaxRate) -> Result<String, AccountingError> {
        self.sub_account("rate", prefix, rate.hundredths().unsigned_abs())
    }
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    pub entry: u64,
    pub line: u32,
    pub date: NaiveDate,
    pub account: String,
    pub concept: String,
    pub document: String,
    pub debit: Money,
    pub credit: Money,
    pub nif: String,
    pub name: String,
}

/// An issued invoice and the franchisee's number for its customer sub-account.
#[derive(Debug, Clone, Copy)]
pub struct Booking<'a> {
    pub invoice: &'a Invoice,
    /// The franchisee's number; with the default chart, 7 books to 43000007.
    pub customer_account: u64,
}

/// The journal entries of `bookings`, numbered from `first_entry`, one balanced entry per invoice.
pub fn journal(
    bookings: &[Booking<'_>],
    chart: &ChartOfAccounts,
    first_entry: u64,
) -> Result<Vec<JournalLine>, AccountingError> {
    chart.check()?;
    let mut out = Vec::new();
    for (i, b) in bookings.iter().enumerate() {
        let inv = b.invoice;
        let d = inv.draft();
        let entry = first_entry + i as u64;
        let sign = |m: Money| if inv.is_credit_note() { -m } else { m };
        let kind = if inv.is_credit_note() {
            "Rectificativa"
        } else {
            "Factura"
        };
        let concept = format!("{kind} {} {}", inv.full_number(), d.customer.legal_name);
        let mut lines: Vec<(String, Money, Money)> = Vec::new();
        lines.push((
            chart.sub_account("franchisee number", &chart.customers, b.customer_account)?,
            sign(inv.totals().total),
            Money::ZERO,
        ));
        for (revenue, prefix) in [
            (Revenue::Services, &chart.services),
            (Revenue::Goods, &chart.goods),
        ] {
            let net = inv.net_by_revenue(revenue);
            if inv.lines().iter().any(|l| l.draft.revenue == revenue) {
                lines.push((
                    chart.sub_account("revenue", prefix, 0)?,
                    Money::ZERO,
                    sign(net),
                ));
            }
        }
        let mut vat: BTreeMap<TaxRate, Money> = BTreeMap::new();
        let mut re: BTreeMap<TaxRate, Money> = BTreeMap::new();
        for row in inv.breakdown() {
            if !row.vat.is_zero() {
                *vat.entry(row.rate).or_default() += row.vat;
            }
            if let Some(r) = row.surcharge_rate {
                *re.entry(r).or_default() += row.surcharge;
            }
        }
        for (rate, amount) in vat.iter().rev() {
            lines.push((
                chart.rate_account(&chart.output_vat, *rate)?,
                Money::ZERO,
                sign(*amount),
            ));
        }
        for (rate, amount) in re.iter().rev() {
            lines.push((
                chart.rate_account(&chart.surcharge, *rate)?,
                Money::ZERO,
                sign(*amount),
            ));
        }
        for (n, (account, debit, credit)) in lines.into_iter().enumerate() {
            out.push(JournalLine {
                entry,
                line: n as u32 + 1,
                date: d.issue_date,
                account,
                concept: concept.clone(),
                document: inv.full_number(),
                debit,
                credit,
                nif: d.customer.tax_id.clone(),
                name: d.customer.legal_name.clone(),
            });
        }
    }
    Ok(out)
}

/// `1278,66`: decimal comma, no thousands separator, as the importers read amounts.
fn amount(m: Money) -> String {
    let mut d: Decimal = m.as_decimal();
    d.rescale(2);
    if d.is_zero() {
        return "0,00".into();
    }
    d.to_string().replace('.', ",")
}

/// The journal of `bookings` as the CSV described in the module doc.
pub fn journal_csv(
    bookings: &[Booking<'_>],
    chart: &ChartOfAccounts,
    first_entry: u64,
) -> Result<Vec<u8>, AccountingError> {
    let lines = journal(bookings, chart, first_entry)?;
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::with_capacity(lines.len() * 96));
    w.write_record([
        "Asiento",
        "Línea",
        "Fecha",
        "Cuenta",
        "Concepto",
        "Documento",
        "Debe",
        "Haber",
        "NIF",
        "Nombre",
    ])?;
    for l in &lines {
        w.write_record([
            l.entry.to_string(),
            l.line.to_string(),
            l.date.format("%d/%m/%Y").to_string(),
            l.account.clone(),
            // Text from people (names) goes through the spreadsheet guard every CSV export uses.
            defuse(&l.concept).into_owned(),
            defuse(&l.document).into_owned(),
            amount(l.debit),
            amount(l.credit),
            defuse(&l.nif).into_owned(),
            defuse(&l.name).into_owned(),
        ])?;
    }
    w.into_inner()
        .map_err(|e| AccountingError::Io(e.into_error()))
}
