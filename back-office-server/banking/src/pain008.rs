//! ISO 20022 pain.008.001.08: the SEPA direct-debit remittance HQ sends its bank to collect from
//! franchisees who signed a mandate. Validates everything first and lists every problem at once.
//!
//! One `PmtInf` batch per (collection date, sequence type, scheme), in that order; control sums
//! are exact; free text is transliterated to the SEPA Latin set, identifiers are refused if not in it.

use crate::text::{check_identifier, to_sepa_text};
use chrono::{NaiveDate, NaiveDateTime};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io;
use sync_protocol::Money;
use sync_protocol::bank::{Bic, CreditorId, Iban};

pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08";

/// Longest name the EPC guidelines let through (the schema allows 140, banks cut at 70).
const NAME_MAX: usize = 70;
/// Unstructured remittance information.
const REMITTANCE_MAX: usize = 140;
/// Message, batch, end-to-end and mandate identifiers.
const ID_MAX: usize = 35;
/// The largest amount the EPC allows in one collection.
const AMOUNT_MAX_CENTS: i64 = 99_999_999_999;
/// EU and EEA: a debtor elsewhere in SEPA (Switzerland, the UK, Monaco…) needs a postal address.
const EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

/// FRST, RCUR, OOFF or FNAL: where this collection stands in the mandate's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SequenceType {
    First,
    Recurrent,
    OneOff,
    Final,
}

impl SequenceType {
    pub fn code(self) -> &'static str {
        match self {
            SequenceType::First => "FRST",
            SequenceType::Recurrent => "RCUR",
            SequenceType::OneOff => "OOFF",
            SequenceType::Final => "FNAL",
        }
    }
}

/// CORE (any debtor, refundable for 8 weeks) or B2B (businesses only, no refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Scheme {
    Core,
    B2b,
}

impl Scheme {
    pub fn code(self) -> &'static str {
        match self {
            Scheme::Core => "CORE",
            Scheme::B2b => "B2B",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    pub street: Option<String>,
    pub building_number: Option<String>,
    pub postcode: Option<String>,
    pub town: Option<String>,
    /// ISO 3166 two-letter code.
    pub country: String,
}

/// HQ as creditor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creditor {
    pub name: String,
    pub iban: Iban,
    /// Optional in SEPA since 2016; written as NOTPROVIDED when absent.
    pub bic: Option<Bic>,
    pub creditor_id: CreditorId,
    pub address: Option<PostalAddress>,
}

/// The franchisee as debtor, from its mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debtor {
    pub name: String,
    pub iban: Iban,
    pub bic: Option<Bic>,
    /// Required when the account is outside the EU/EEA (EPC rulebook).
    pub address: Option<PostalAddress>,
}

/// The mandate a collection relies on: its unique reference (UMR) and signature date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateRef {
    pub id: String,
    pub signed_on: NaiveDate,
}

/// One collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectDebit {
    /// Comes back in returns (pain.002, camt.054): make it the invoice number or another key we can find.
    pub end_to_end_id: String,
    pub amount: Money,
    pub collection_date: NaiveDate,
    pub sequence: SequenceType,
    pub scheme: Scheme,
    pub mandate: MandateRef,
    pub debtor: Debtor,
    /// Shown on the debtor's bank statement: the invoice number and what it is for.
    pub remittance_text: String,
}

/// A remittance: the debits HQ asks its bank to collect in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remittance {
    /// Unique per file (banks refuse a repeated one).
    pub message_id: String,
    pub created_at: NaiveDateTime,
    pub creditor: Creditor,
    pub debits: Vec<DirectDebit>,
}

/// One `PmtInf` of the written file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    pub payment_info_id: String,
    pub collection_date: NaiveDate,
    pub sequence: SequenceType,
    pub scheme: Scheme,
    pub number_of_debits: usize,
    pub control_sum: Money,
    pub end_to_end_ids: Vec<String>,
}

/// The written file and what is in it (for the remittance page and storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pain008File {
    pub xml: String,
    pub number_of_debits: usize,
    pub control_sum: Money,
    pub batches: Vec<Batch>,
}

/// One thing wrong with a remittance; `debit` is the position in `Remittance::debits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemittanceProblem {
    pub debit: Option<usize>,
    pub end_to_end_id: Option<String>,
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for RemittanceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.debit, &self.end_to_end_id) {
            (Some(i), Some(id)) => write!(f, "debit {} ({id}): ", i + 1)?,
            (Some(i), None) => write!(f, "debit {}: ", i + 1)?,
            _ => {}
        }
        write!(f, "{} {}", self.field, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Pain008Error {
    #[error("the remittance has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<RemittanceProblem>),
    #[error("writing the XML failed: {0}")]
    Write(String),
}

fn problem(
    problems: &mut Vec<RemittanceProblem>,
    debit: Option<usize>,
    end_to_end_id: Option<&str>,
    field: &'static str,
    message: String,
) {
    problems.push(RemittanceProblem {
        debit,
        end_to_end_id: end_to_end_id.map(str::to_string),
        field,
        message,
    });
}

fn check_address(
    problems: &mut Vec<RemittanceProblem>,
    a: &PostalAddress,
    debit: Option<usize>,
    e2e: Option<&str>,
) {
    if a.country.len() != 2 || !a.country.bytes().all(|b| b.is_ascii_uppercase()) {
        let m = format!("'{}' is not a two-letter country code", a.country);
        problem(problems, debit, e2e, "address country", m);
    }
}

/// Checks a remittance without writing it: every problem, not just the first.
pub fn validate(r: &Remittance) -> Vec<RemittanceProblem> {
    let mut out = Vec::new();
    let ps = &mut out;
    if let Err(m) = check_identifier(&r.message_id, ID_MAX) {
        problem(ps, None, None, "message id", m);
    }
    if to_sepa_text(&r.creditor.name, NAME_MAX).is_empty() {
        problem(ps, None, None, "creditor name", "is empty".into());
    }
    if !r.creditor.iban.is_sepa() {
        let m = format!("{} is not in a SEPA country", r.creditor.iban);
        problem(ps, None, None, "creditor IBAN", m);
    }
    if let Some(a) = &r.creditor.address {
        check_address(ps, a, None, None);
    }
    if r.debits.is_empty() {
        let m = "are missing: a remittance needs at least one".into();
        problem(ps, None, None, "debits", m);
    }
    let today = r.created_at.date();
    let mut seen = HashSet::new();
    for (i, d) in r.debits.iter().enumerate() {
        let (at, e2e) = (Some(i), Some(d.end_to_end_id.as_str()));
        if let Err(m) = check_identifier(&d.end_to_end_id, ID_MAX) {
            problem(ps, at, e2e, "end-to-end id", m);
        } else if !seen.insert(d.end_to_end_id.as_str()) {
            let m = "is used by an earlier debit in this remittance".into();
            problem(ps, at, e2e, "end-to-end id", m);
        }
        if d.amount.cents() <= 0 {
            let m = format!("{} must be more than zero", d.amount);
            problem(ps, at, e2e, "amount", m);
        } else if d.amount.cents() > AMOUNT_MAX_CENTS {
            let m = format!("{} is more than a SEPA debit may carry", d.amount);
            problem(ps, at, e2e, "amount", m);
        }
        if let Err(m) = check_identifier(&d.mandate.id, ID_MAX) {
            problem(ps, at, e2e, "mandate reference", m);
        }
        if d.mandate.signed_on > today {
            let m = format!(
                "{} is after the file's creation date {today}",
                d.mandate.signed_on
            );
            problem(ps, at, e2e, "mandate signature date", m);
        }
        if d.collection_date <= today {
            let m = format!(
                "{} must be after the file's creation date {today}",
                d.collection_date
            );
            problem(ps, at, e2e, "collection date", m);
        }
        if to_sepa_text(&d.debtor.name, NAME_MAX).is_empty() {
            problem(ps, at, e2e, "debtor name", "is empty".into());
        }
        let country = d.debtor.iban.country();
        if !d.debtor.iban.is_sepa() {
            let m = format!("{} is not in a SEPA country", d.debtor.iban);
            problem(ps, at, e2e, "debtor IBAN", m);
        } else if !EEA.contains(&country) && d.debtor.address.is_none() {
            let m = format!("is required for an account in {country} (outside the EU/EEA)");
            problem(ps, at, e2e, "debtor address", m);
        }
        if let Some(a) = &d.debtor.address {
            check_address(ps, a, at, e2e);
        }
    }
    out
}

fn leaf<W: io::Write>(w: &mut Writer<W>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

fn address<W: io::Write>(w: &mut Writer<W>, a: &PostalAddress) -> io::Result<()> {
    w.create_element("PstlAdr").write_inner_content(|w| {
        let fields = [
            ("StrtNm", &a.street, 70),
            ("BldgNb", &a.building_number, 16),
            ("PstCd", &a.postcode, 16),
            ("TwnNm", &a.town, 35),
        ];
        for (name, value, max) in fields {
            if let Some(v) = value {
                let v = to_sepa_text(v, max);
                if !v.is_empty() {
                    leaf(w, name, &v)?;
                }
            }
        }
        leaf(w, "Ctry", &a.country)
    })?;
    Ok(())
}

fn agent<W: io::Write>(w: &mut Writer<W>, name: &str, bic: Option<&Bic>) -> io::Result<()> {
    w.create_element(name).write_inner_content(|w| {
        w.create_element("FinInstnId")
            .write_inner_content(|w| match bic {
                Some(b) => leaf(w, "BICFI", b.as_str()),
                // The EPC's way of saying "no BIC given" (IBAN-only since 2016).
                None => {
                    w.create_element("Othr")
                        .write_inner_content(|w| leaf(w, "Id", "NOTPROVIDED"))?;
                    Ok(())
                }
            })?;
        Ok(())
    })?;
    Ok(())
}

fn account<W: io::Write>(w: &mut Writer<W>, name: &str, iban: &Iban) -> io::Result<()> {
    w.create_element(name).write_inner_content(|w| {
        w.create_element("Id")
            .write_inner_content(|w| leaf(w, "IBAN", iban.as_str()))?;
        Ok(())
    })?;
    Ok(())
}

fn amount_text(m: Money) -> String {
    m.to_string()
}

/// Validates and writes a pain.008.001.08 file. The batches come out ordered by collection
/// date, then sequence type, then scheme; debits keep their order inside a batch.
pub fn write(r: &Remittance) -> Result<Pain008File, Pain008Error> {
    let problems = validate(r);
    if !problems.is_empty() {
        return Err(Pain008Error::Invalid(problems));
    }
    let mut groups: BTreeMap<(NaiveDate, SequenceType, Scheme), Vec<&DirectDebit>> =
        BTreeMap::new();
    for d in &r.debits {
        groups
            .entry((d.collection_date, d.sequence, d.scheme))
            .or_default()
            .push(d);
    }
    let stem: String = r.message_id.chars().take(ID_MAX - 4).collect();
    let batches: Vec<Batch> = groups
        .iter()
        .enumerate()
        .map(|(n, ((date, seq, scheme), debits))| Batch {
            payment_info_id: format!("{stem}-{:03}", n + 1),
            collection_date: *date,
            sequence: *seq,
            scheme: *scheme,
            number_of_debits: debits.len(),
            control_sum: debits.iter().map(|d| d.amount).sum(),
            end_to_end_ids: debits.iter().map(|d| d.end_to_end_id.clone()).collect(),
        })
        .collect();
    let control_sum: Money = r.debits.iter().map(|d| d.amount).sum();
    let xml = render(r, &groups, &batches, control_sum)
        .map_err(|e| Pain008Error::Write(e.to_string()))?;
    Ok(Pain008File {
        xml,
        number_of_debits: r.debits.len(),
        control_sum,
        batches,
    })
}

type Groups<'a> = BTreeMap<(NaiveDate, SequenceType, Scheme), Vec<&'a DirectDebit>>;

fn render(
    r: &Remittance,
    groups: &Groups<'_>,
    batches: &[Batch],
    control_sum: Money,
) -> io::Result<String> {
    let mut w = Writer::new_with_indent(Vec::with_capacity(2048 + r.debits.len() * 1200), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let creditor_name = to_sepa_text(&r.creditor.name, NAME_MAX);
    w.create_element("Document")
        .with_attribute(("xmlns", NAMESPACE))
        .write_inner_content(|w| {
            w.create_element("CstmrDrctDbtInitn")
                .write_inner_content(|w| {
                    w.create_element("GrpHdr").write_inner_content(|w| {
                        leaf(w, "MsgId", &r.message_id)?;
                        leaf(
                            w,
                            "CreDtTm",
                            &r.created_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                        )?;
                        leaf(w, "NbOfTxs", &r.debits.len().to_string())?;
                        leaf(w, "CtrlSum", &amount_text(control_sum))?;
                        w.create_element("InitgPty").write_inner_content(|w| {
                            leaf(w, "Nm", &creditor_name)?;
                            w.create_element("Id").write_inner_content(|w| {
                                w.create_element("OrgId").write_inner_content(|w| {
                                    w.create_element("Othr").write_inner_content(|w| {
                                        leaf(w, "Id", r.creditor.creditor_id.as_str())
                                    })?;
                                    Ok(())
                                })?;
                                Ok(())
                            })?;
                            Ok(())
                        })?;
                        Ok(())
                    })?;
                    for (batch, debits) in batches.iter().zip(groups.values()) {
                        payment_info(w, r, &creditor_name, batch, debits)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    String::from_utf8(bytes).map_err(io::Error::other)
}

fn payment_info<W: io::Write>(
    w: &mut Writer<W>,
    r: &Remittance,
    creditor_name: &str,
    batch: &Batch,
    debits: &[&DirectDebit],
) -> io::Result<()> {
    w.create_element("PmtInf").write_inner_content(|w| {
        leaf(w, "PmtInfId", &batch.payment_info_id)?;
        leaf(w, "PmtMtd", "DD")?;
        leaf(w, "BtchBookg", "true")?;
        leaf(w, "NbOfTxs", &batch.number_of_debits.to_string())?;
        leaf(w, "CtrlSum", &amount_text(batch.control_sum))?;
        w.create_element("PmtTpInf").write_inner_content(|w| {
            w.create_element("SvcLvl")
                .write_inner_content(|w| leaf(w, "Cd", "SEPA"))?;
            w.create_element("LclInstrm")
                .write_inner_content(|w| leaf(w, "Cd", batch.scheme.code()))?;
            leaf(w, "SeqTp", batch.sequence.code())
        })?;
        leaf(
            w,
            "ReqdColltnDt",
            &batch.collection_date.format("%Y-%m-%d").to_string(),
        )?;
        w.create_element("Cdtr").write_inner_content(|w| {
            leaf(w, "Nm", creditor_name)?;
            if let Some(a) = &r.creditor.address {
                address(w, a)?;
            }
            Ok(())
        })?;
        account(w, "CdtrAcct", &r.creditor.iban)?;
        agent(w, "CdtrAgt", r.creditor.bic.as_ref())?;
        leaf(w, "ChrgBr", "SLEV")?;
        w.create_element("CdtrSchmeId").write_inner_content(|w| {
            w.create_element("Id").write_inner_content(|w| {
                w.create_element("PrvtId").write_inner_content(|w| {
                    w.create_element("Othr").write_inner_content(|w| {
                        leaf(w, "Id", r.creditor.creditor_id.as_str())?;
                        w.create_element("SchmeNm")
                            .write_inner_content(|w| leaf(w, "Prtry", "SEPA"))?;
                        Ok(())
                    })?;
                    Ok(())
                })?;
                Ok(())
            })?;
            Ok(())
        })?;
        for d in debits {
            w.create_element("DrctDbtTxInf").write_inner_content(|w| {
                w.create_element("PmtId")
                    .write_inner_content(|w| leaf(w, "EndToEndId", &d.end_to_end_id))?;
                w.create_element("InstdAmt")
                    .with_attribute(("Ccy", "EUR"))
                    .write_text_content(BytesText::new(&amount_text(d.amount)))?;
                w.create_element("DrctDbtTx").write_inner_content(|w| {
                    w.create_element("MndtRltdInf").write_inner_content(|w| {
                        leaf(w, "MndtId", &d.mandate.id)?;
                        leaf(
                            w,
                            "DtOfSgntr",
                            &d.mandate.signed_on.format("%Y-%m-%d").to_string(),
                        )
                    })?;
                    Ok(())
                })?;
                agent(w, "DbtrAgt", d.debtor.bic.as_ref())?;
                w.create_element("Dbtr").write_inner_content(|w| {
                    leaf(w, "Nm", &to_sepa_text(&d.debtor.name, NAME_MAX))?;
                    if let Some(a) = &d.debtor.address {
                        address(w, a)?;
                    }
                    Ok(())
                })?;
                account(w, "DbtrAcct", &d.debtor.iban)?;
                let text = to_sepa_text(&d.remittance_text, REMITTANCE_MAX);
                if !text.is_empty() {
                    w.create_element("RmtInf")
                        .write_inner_content(|w| leaf(w, "Ustrd", &text))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(())
}
