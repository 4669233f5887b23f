//! ISO 20022 cash management messages from the bank: camt.053 (statement), camt.054 (debit and
//! credit notification, where direct-debit returns arrive) and camt.052 (intraday report).
//!
//! Versions 001.02 to 001.08 and later share the shape read here; where they differ (a party's
//! name under `Pty`, the status under `Sts/Cd`, the amount directly in `TxDtls`) both are read.

use crate::Direction;
use crate::iso20022::{Element, Iso20022Error, message_name, parse_document};
use crate::matching::StatementLine;
use crate::reason::{Reason, ReturnedDebit};
use chrono::NaiveDate;
use serde::Serialize;
use sync_protocol::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CamtKind {
    /// camt.052, intraday account report.
    Report,
    /// camt.053, end-of-day statement.
    Statement,
    /// camt.054, debit/credit notification.
    Notification,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CamtDocument {
    pub kind: CamtKind,
    /// Message version, e.g. `001.02` or `001.08`.
    pub version: String,
    pub message_id: String,
    /// Creation date-time as the bank wrote it (ISO 8601, possibly with an offset).
    pub created_at: String,
    /// Statements (053), notifications (054) or reports (052): one per account and period.
    pub statements: Vec<CamtStatement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CamtStatement {
    pub line: usize,
    pub id: String,
    pub account_iban: Option<String>,
    /// Account identifier when it is not an IBAN (`Acct/Id/Othr/Id`).
    pub account_other_id: Option<String>,
    pub currency: Option<String>,
    /// Opening balance (OPBD, else PRCD), negative when overdrawn.
    pub opening_balance: Option<Money>,
    /// Closing booked balance (CLBD).
    pub closing_balance: Option<Money>,
    pub entries: Vec<CamtEntry>,
}

/// A bank transaction code: ISO domain / family / sub-family and the bank's proprietary code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BankTransactionCode {
    pub domain: Option<String>,
    pub family: Option<String>,
    pub subfamily: Option<String>,
    pub proprietary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CamtEntry {
    pub line: usize,
    pub reference: Option<String>,
    /// Zero or positive; `direction` says which way.
    pub amount: Money,
    pub currency: Option<String>,
    pub direction: Direction,
    /// `RvslInd`: this entry reverses an earlier one (a returned collection, for instance).
    pub reversal: bool,
    /// BOOK, PDNG, INFO.
    pub status: Option<String>,
    pub booking_date: Option<NaiveDate>,
    pub value_date: Option<NaiveDate>,
    pub bank_reference: Option<String>,
    pub bank_transaction_code: BankTransactionCode,
    pub additional_info: Option<String>,
    pub transactions: Vec<CamtTransaction>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CamtTransaction {
    pub line: usize,
    pub amount: Option<Money>,
    pub direction: Option<Direction>,
    pub end_to_end_id: Option<String>,
    pub instruction_id: Option<String>,
    pub mandate_id: Option<String>,
    pub bank_reference: Option<String>,
    pub debtor_name: Option<String>,
    pub debtor_iban: Option<String>,
    pub creditor_name: Option<String>,
    pub creditor_iban: Option<String>,
    /// `RmtInf/Ustrd` lines.
    pub remittance_unstructured: Vec<String>,
    /// References in `RmtInf/Strd`: the creditor reference and referred document numbers.
    pub remittance_references: Vec<String>,
    pub return_info: Option<ReturnInfo>,
    pub additional_info: Option<String>,
}

/// `RtrInf`: why the bank returned a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnInfo {
    pub reason: Option<Reason>,
    pub originator: Option<String>,
    pub additional_info: Vec<String>,
}

/// Sub-families of returned or reversed direct debits (ISO bank transaction codes).
const RETURN_SUBFAMILIES: &[&str] = &["UPDD", "PRDD", "RRTN", "ARET", "URDD"];

impl CamtEntry {
    /// An R-transaction: the bank says why (`RtrInf`), the entry reverses another, or its bank
    /// transaction code is a returned or reversed direct debit.
    pub fn is_return(&self) -> bool {
        self.reversal
            || self.transactions.iter().any(|t| t.return_info.is_some())
            || self
                .bank_transaction_code
                .subfamily
                .as_deref()
                .is_some_and(|s| RETURN_SUBFAMILIES.contains(&s))
    }
}

impl CamtDocument {
    /// The lines a person or the matcher reconciles: one per transaction when a batch entry
    /// details them with amounts, otherwise one per entry. Only booked entries (or entries without
    /// a status) are included: pending ones may still change.
    pub fn statement_lines(&self) -> Vec<StatementLine> {
        let mut out = Vec::new();
        for st in &self.statements {
            for e in &st.entries {
                if e.status.as_deref().is_some_and(|s| s != "BOOK") {
                    continue;
                }
                let split =
                    e.transactions.len() > 1 && e.transactions.iter().all(|t| t.amount.is_some());
                if split {
                    for t in &e.transactions {
                        out.push(line_of(
                            e,
                            std::slice::from_ref(t),
                            t.amount.unwrap_or(e.amount),
                            t.line,
                        ));
                    }
                } else {
                    out.push(line_of(e, &e.transactions, e.amount, e.line));
                }
            }
        }
        out
    }

    /// Every returned or reversed transaction, for reopening the invoice it paid.
    pub fn returned_debits(&self) -> Vec<ReturnedDebit> {
        let mut out = Vec::new();
        for st in &self.statements {
            for e in st.entries.iter().filter(|e| e.is_return()) {
                if e.transactions.is_empty() {
                    out.push(ReturnedDebit {
                        line: e.line,
                        end_to_end_id: None,
                        mandate_id: None,
                        amount: Some(e.amount),
                        reason: None,
                        additional_info: e.additional_info.iter().cloned().collect(),
                        date: e.booking_date,
                    });
                }
                for t in &e.transactions {
                    let info = t.return_info.as_ref();
                    out.push(ReturnedDebit {
                        line: t.line,
                        end_to_end_id: t.end_to_end_id.clone(),
                        mandate_id: t.mandate_id.clone(),
                        amount: t.amount.or(if e.transactions.len() == 1 {
                            Some(e.amount)
                        } else {
                            None
                        }),
                        reason: info.and_then(|i| i.reason.clone()),
                        additional_info: info
                            .map(|i| i.additional_info.clone())
                            .unwrap_or_default(),
                        date: e.booking_date,
                    });
                }
            }
        }
        out
    }
}

fn line_of(e: &CamtEntry, txs: &[CamtTransaction], amount: Money, line: usize) -> StatementLine {
    let mut text: Vec<String> = Vec::new();
    let (mut name, mut iban, mut e2e) = (None, None, None);
    for t in txs {
        text.extend(t.remittance_references.iter().cloned());
        text.extend(t.remittance_unstructured.iter().cloned());
        text.extend(t.additional_info.iter().cloned());
        // The other party: who paid us on a credit, whom we paid on a debit.
        let (n, i) = match e.direction {
            Direction::Credit => (&t.debtor_name, &t.debtor_iban),
            Direction::Debit => (&t.creditor_name, &t.creditor_iban),
        };
        name = name.or_else(|| n.clone());
        iban = iban.or_else(|| i.clone());
        e2e = e2e.or_else(|| t.end_to_end_id.clone());
    }
    text.extend(e.additional_info.iter().cloned());
    StatementLine {
        source_line: line,
        booking_date: e.booking_date.or(e.value_date),
        direction: e.direction,
        amount,
        counterparty_name: name,
        counterparty_iban: iban,
        end_to_end_id: e2e,
        text: text.join(" "),
        is_return: e.is_return(),
    }
}

/// Parses a camt.052, camt.053 or camt.054 file. The entry point for the import page and for fuzzing.
pub fn parse(input: &[u8]) -> Result<CamtDocument, Iso20022Error> {
    let doc = parse_document(input)?;
    let root = &doc.root;
    let (name, version) = message_name(&doc.namespace).unwrap_or_default();
    let (kind, container, item) = match name.as_str() {
        "camt.053" => (CamtKind::Statement, "BkToCstmrStmt", "Stmt"),
        "camt.054" => (CamtKind::Notification, "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
        "camt.052" => (CamtKind::Report, "BkToCstmrAcctRpt", "Rpt"),
        _ => {
            return Err(Iso20022Error::WrongMessage {
                line: root.line,
                found: if doc.namespace.is_empty() {
                    format!("<{}> without an ISO 20022 namespace", root.name)
                } else {
                    doc.namespace.clone()
                },
                expected: "camt.053, camt.054 or camt.052",
            });
        }
    };
    let body = root.require(&[container])?;
    let header = body.require(&["GrpHdr"])?;
    let mut statements = Vec::new();
    for st in body.children_named(item) {
        statements.push(parse_statement(st)?);
    }
    if statements.is_empty() {
        return Err(Iso20022Error::Missing {
            line: body.line,
            parent: container.into(),
            element: item.into(),
        });
    }
    Ok(CamtDocument {
        kind,
        version,
        message_id: header.require_text(&["MsgId"])?,
        created_at: header.require_text(&["CreDtTm"])?,
        statements,
    })
}

fn direction(el: &Element) -> Result<Direction, Iso20022Error> {
    match el.text.trim() {
        "CRDT" => Ok(Direction::Credit),
        "DBIT" => Ok(Direction::Debit),
        other => Err(el.invalid(other, "is not CRDT or DBIT")),
    }
}

fn date_of(el: &Element, path: &str) -> Result<Option<NaiveDate>, Iso20022Error> {
    let Some(d) = el.child(path) else {
        return Ok(None);
    };
    match d.child("Dt").or_else(|| d.child("DtTm")) {
        Some(x) => x.date().map(Some),
        None => Ok(None),
    }
}

fn parse_statement(st: &Element) -> Result<CamtStatement, Iso20022Error> {
    let acct = st.require(&["Acct"])?;
    let mut opening = None;
    let mut previous_closing = None;
    let mut closing = None;
    for bal in st.children_named("Bal") {
        let code = bal
            .text_at(&["Tp", "CdOrPrtry", "Cd"])
            .or_else(|| bal.text_at(&["Tp", "CdOrPrtry", "Prtry"]))
            .unwrap_or_default();
        let (amount, _) = bal.require(&["Amt"])?.amount()?;
        let signed = match direction(bal.require(&["CdtDbtInd"])?)? {
            Direction::Credit => amount,
            Direction::Debit => -amount,
        };
        match code.as_str() {
            "OPBD" => opening = Some(signed),
            "PRCD" => previous_closing = Some(signed),
            "CLBD" => closing = Some(signed),
            _ => {}
        }
    }
    let mut entries = Vec::new();
    for e in st.children_named("Ntry") {
        entries.push(parse_entry(e)?);
    }
    let statement = CamtStatement {
        line: st.line,
        id: st.text_at(&["Id"]).unwrap_or_default(),
        account_iban: acct.text_at(&["Id", "IBAN"]),
        account_other_id: acct.text_at(&["Id", "Othr", "Id"]),
        currency: acct.text_at(&["Ccy"]),
        opening_balance: opening.or(previous_closing),
        closing_balance: closing,
        entries,
    };
    // A statement must reconcile: opening + booked credits − booked debits = closing.
    if let (Some(open), Some(close)) = (statement.opening_balance, statement.closing_balance) {
        let booked = statement
            .entries
            .iter()
            .filter(|e| e.status.as_deref().is_none_or(|s| s == "BOOK"))
            .map(|e| match e.direction {
                Direction::Credit => e.amount,
                Direction::Debit => -e.amount,
            })
            .sum::<Money>();
        if open + booked != close {
            return Err(Iso20022Error::Invalid {
                line: st.line,
                element: "Bal".into(),
                value: close.to_string(),
                reason: format!(
                    "is the closing balance, but the opening balance {open} plus the booked entries ({booked}) gives {}",
                    open + booked
                ),
            });
        }
    }
    Ok(statement)
}

fn parse_entry(e: &Element) -> Result<CamtEntry, Iso20022Error> {
    let (amount, currency) = e.require(&["Amt"])?.amount()?;
    let reversal = match e.child("RvslInd") {
        Some(r) => match r.text.trim() {
            "true" | "1" => true,
            "false" | "0" => false,
            other => return Err(r.invalid(other, "is not true or false")),
        },
        None => false,
    };
    let code = e.child("BkTxCd");
    let bank_transaction_code = BankTransactionCode {
        domain: code.and_then(|c| c.text_at(&["Domn", "Cd"])),
        family: code.and_then(|c| c.text_at(&["Domn", "Fmly", "Cd"])),
        subfamily: code.and_then(|c| c.text_at(&["Domn", "Fmly", "SubFmlyCd"])),
        proprietary: code.and_then(|c| c.text_at(&["Prtry", "Cd"])),
    };
    let mut transactions = Vec::new();
    for details in e.children_named("NtryDtls") {
        for tx in details.children_named("TxDtls") {
            transactions.push(parse_transaction(tx)?);
        }
    }
    Ok(CamtEntry {
        line: e.line,
        reference: e.text_at(&["NtryRef"]),
        amount,
        currency,
        direction: direction(e.require(&["CdtDbtInd"])?)?,
        reversal,
        status: e.text_at(&["Sts", "Cd"]).or_else(|| e.text_at(&["Sts"])),
        booking_date: date_of(e, "BookgDt")?,
        value_date: date_of(e, "ValDt")?,
        bank_reference: e.text_at(&["AcctSvcrRef"]),
        bank_transaction_code,
        additional_info: e.text_at(&["AddtlNtryInf"]),
        transactions,
    })
}

/// Banks write NOTPROVIDED where a reference is mandatory but absent.
fn reference(el: &Element, path: &[&str]) -> Option<String> {
    el.text_at(path).filter(|r| r != "NOTPROVIDED")
}

fn party_name(parties: Option<&Element>, role: &str) -> Option<String> {
    let p = parties?.child(role)?;
    p.text_at(&["Pty", "Nm"]).or_else(|| p.text_at(&["Nm"]))
}

fn parse_transaction(tx: &Element) -> Result<CamtTransaction, Iso20022Error> {
    let amount = match tx
        .child("Amt")
        .or_else(|| tx.at(&["AmtDtls", "TxAmt", "Amt"]))
        .or_else(|| tx.at(&["AmtDtls", "InstdAmt", "Amt"]))
    {
        Some(a) => Some(a.amount()?.0),
        None => None,
    };
    let parties = tx.child("RltdPties");
    let mut unstructured = Vec::new();
    let mut references = Vec::new();
    for rmt in tx.children_named("RmtInf") {
        unstructured.extend(
            rmt.children_named("Ustrd")
                .map(|u| u.text.trim().to_string())
                .filter(|u| !u.is_empty()),
        );
        for s in rmt.children_named("Strd") {
            references.extend(s.text_at(&["CdtrRefInf", "Ref"]));
            for doc in s.children_named("RfrdDocInf") {
                references.extend(doc.text_at(&["Nb"]));
            }
        }
    }
    let return_info = tx.child("RtrInf").map(|r| ReturnInfo {
        reason: r
            .text_at(&["Rsn", "Cd"])
            .map(|c| Reason::iso(&c))
            .or_else(|| {
                r.text_at(&["Rsn", "Prtry"]).map(|c| Reason {
                    code: c,
                    proprietary: true,
                })
            }),
        originator: r
            .text_at(&["Orgtr", "Nm"])
            .or_else(|| r.text_at(&["Orgtr", "Id", "OrgId", "AnyBIC"])),
        additional_info: r
            .children_named("AddtlInf")
            .map(|a| a.text.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
    });
    Ok(CamtTransaction {
        line: tx.line,
        amount,
        direction: match tx.child("CdtDbtInd") {
            Some(d) => Some(direction(d)?),
            None => None,
        },
        end_to_end_id: reference(tx, &["Refs", "EndToEndId"]),
        instruction_id: reference(tx, &["Refs", "InstrId"]),
        mandate_id: reference(tx, &["Refs", "MndtId"]),
        bank_reference: reference(tx, &["Refs", "AcctSvcrRef"]),
        debtor_name: party_name(parties, "Dbtr"),
        debtor_iban: parties.and_then(|p| p.text_at(&["DbtrAcct", "Id", "IBAN"])),
        creditor_name: party_name(parties, "Cdtr"),
        creditor_iban: parties.and_then(|p| p.text_at(&["CdtrAcct", "Id", "IBAN"])),
        remittance_unstructured: unstructured,
        remittance_references: references,
        return_info,
        additional_info: tx.text_at(&["AddtlTxInf"]),
    })
}
