//! ISO 20022 pain.002 (customer payment status report): the bank's answer to a pain.008
//! remittance, rejecting the whole file, a batch or single debits, each with a reason code.
//! Versions 001.03 (answers pain.008.001.02) and 001.10 (answers pain.008.001.08) are read.

use crate::iso20022::{Element, Iso20022Error, message_name, parse_document};
use crate::reason::{Reason, ReturnedDebit};
use chrono::NaiveDate;
use serde::Serialize;
use sync_protocol::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentStatusReport {
    pub version: String,
    pub message_id: String,
    pub created_at: String,
    /// The `MsgId` of our pain.008 this report answers.
    pub original_message_id: String,
    /// e.g. `pain.008.001.08`.
    pub original_message_name: String,
    /// Status of the whole remittance: ACCP, ACTC, PART, RJCT, PDNG…; RJCT means nothing was collected.
    pub group_status: Option<String>,
    pub group_reasons: Vec<StatusReason>,
    pub payments: Vec<PaymentInfoStatus>,
}

/// Status of one batch (`PmtInf`) of the original remittance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentInfoStatus {
    pub line: usize,
    pub original_payment_info_id: String,
    pub status: Option<String>,
    pub reasons: Vec<StatusReason>,
    pub transactions: Vec<TransactionStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReason {
    pub reason: Option<Reason>,
    pub additional_info: Vec<String>,
}

/// Status of one debit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransactionStatus {
    pub line: usize,
    pub original_end_to_end_id: Option<String>,
    pub original_instruction_id: Option<String>,
    /// RJCT for a rejected debit; ACCP/ACSC/PDNG otherwise.
    pub status: Option<String>,
    pub reasons: Vec<StatusReason>,
    pub amount: Option<Money>,
    pub collection_date: Option<NaiveDate>,
    pub mandate_id: Option<String>,
    pub debtor_name: Option<String>,
    pub debtor_iban: Option<String>,
}

impl PaymentStatusReport {
    /// The rejected debits: those marked RJCT, and every debit of a batch marked RJCT.
    /// A rejected group (`group_status` RJCT) lists no debits; check it first.
    pub fn rejected_debits(&self) -> Vec<ReturnedDebit> {
        let mut out = Vec::new();
        for p in &self.payments {
            let batch_rejected = p.status.as_deref() == Some("RJCT");
            for t in &p.transactions {
                let rejected =
                    t.status.as_deref() == Some("RJCT") || (batch_rejected && t.status.is_none());
                if !rejected {
                    continue;
                }
                let reasons = if t.reasons.is_empty() {
                    &p.reasons
                } else {
                    &t.reasons
                };
                let first = reasons.first();
                out.push(ReturnedDebit {
                    line: t.line,
                    end_to_end_id: t.original_end_to_end_id.clone(),
                    mandate_id: t.mandate_id.clone(),
                    amount: t.amount,
                    reason: first.and_then(|r| r.reason.clone()),
                    additional_info: first.map(|r| r.additional_info.clone()).unwrap_or_default(),
                    date: t.collection_date,
                });
            }
        }
        out
    }
}

fn reasons(el: &Element) -> Vec<StatusReason> {
    el.children_named("StsRsnInf")
        .map(|s| StatusReason {
            reason: s
                .text_at(&["Rsn", "Cd"])
                .map(|c| Reason::iso(&c))
                .or_else(|| {
                    s.text_at(&["Rsn", "Prtry"]).map(|c| Reason {
                        code: c,
                        proprietary: true,
                    })
                }),
            additional_info: s
                .children_named("AddtlInf")
                .map(|a| a.text.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect(),
        })
        .collect()
}

/// Parses a pain.002 file. The entry point for the import page and for fuzzing.
pub fn parse(input: &[u8]) -> Result<PaymentStatusReport, Iso20022Error> {
    let doc = parse_document(input)?;
    let (name, version) = message_name(&doc.namespace).unwrap_or_default();
    if name != "pain.002" {
        return Err(Iso20022Error::WrongMessage {
            line: doc.root.line,
            found: if doc.namespace.is_empty() {
                format!("<{}> without an ISO 20022 namespace", doc.root.name)
            } else {
                doc.namespace.clone()
            },
            expected: "pain.002",
        });
    }
    let body = doc.root.require(&["CstmrPmtStsRpt"])?;
    let header = body.require(&["GrpHdr"])?;
    let group = body.require(&["OrgnlGrpInfAndSts"])?;
    let mut payments = Vec::new();
    for p in body.children_named("OrgnlPmtInfAndSts") {
        let mut transactions = Vec::new();
        for t in p.children_named("TxInfAndSts") {
            let orig = t.child("OrgnlTxRef");
            let amount = match orig.and_then(|o| o.at(&["Amt", "InstdAmt"])) {
                Some(a) => Some(a.amount()?.0),
                None => None,
            };
            let collection_date = match orig.and_then(|o| o.child("ReqdColltnDt")) {
                Some(d) => Some(d.date()?),
                None => None,
            };
            transactions.push(TransactionStatus {
                line: t.line,
                original_end_to_end_id: t.text_at(&["OrgnlEndToEndId"]),
                original_instruction_id: t.text_at(&["OrgnlInstrId"]),
                status: t.text_at(&["TxSts"]),
                reasons: reasons(t),
                amount,
                collection_date,
                mandate_id: orig.and_then(|o| o.text_at(&["MndtRltdInf", "MndtId"])),
                debtor_name: orig.and_then(|o| {
                    o.text_at(&["Dbtr", "Pty", "Nm"])
                        .or_else(|| o.text_at(&["Dbtr", "Nm"]))
                }),
                debtor_iban: orig.and_then(|o| o.text_at(&["DbtrAcct", "Id", "IBAN"])),
            });
        }
        payments.push(PaymentInfoStatus {
            line: p.line,
            original_payment_info_id: p.require_text(&["OrgnlPmtInfId"])?,
            status: p.text_at(&["PmtInfSts"]),
            reasons: reasons(p),
            transactions,
        });
    }
    Ok(PaymentStatusReport {
        version,
        message_id: header.require_text(&["MsgId"])?,
        created_at: header.require_text(&["CreDtTm"])?,
        original_message_id: group.require_text(&["OrgnlMsgId"])?,
        original_message_name: group.require_text(&["OrgnlMsgNmId"])?,
        group_status: group.text_at(&["GrpSts"]),
        group_reasons: reasons(group),
        payments,
    })
}
