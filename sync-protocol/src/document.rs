//! The till's append-only documents and the per-till SHA-256 chain over them.
//! A document is sealed once (sequence, previous hash, hash) and never edited; mistakes get a new document.

use crate::cash::DenominationCount;
use crate::ids::{DocumentId, ProductId, StaffId, StoreId, TillId};
use crate::money::{Money, Quantity};
use crate::totals::{LineInput, TicketTotals, TotalsError, compute_totals};
use crate::verifactu::RegistroFacturacion;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of a till's first document.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A sealed document as stored on the till, sent over the wire and kept at HQ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: DocumentId,
    pub till_id: TillId,
    pub store_id: StoreId,
    /// Gapless per-till sequence, starting at 1, taken in the same transaction that stores the document.
    pub seq: u64,
    /// The till's clock when the document was made (UTC, microseconds).
    pub till_time: DateTime<Utc>,
    /// Hash of the till's previous document, or [`GENESIS_HASH`].
    pub prev_hash: String,
    /// Lower-case hex SHA-256 of the canonical serialisation of everything above plus the body.
    pub hash: String,
    /// `{kind, data}`: sale, refund, cash_movement, cash_close, stock_movement, shift_open,
    /// clock_event, audit_event or full_invoice.
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub body: DocumentBody,
    /// The VERI*FACTU record the till made in the same transaction (sales, refunds and full
    /// invoices), travelling beside its document to HQ. Outside the hash: the record has its own
    /// huella and chain. Added within protocol v1: absent for other documents and from older tills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<Object>))]
    pub verifactu: Option<Box<RegistroFacturacion>>,
}

/// What a document records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum DocumentBody {
    Sale(Sale),
    Refund(Refund),
    CashMovement(CashMovement),
    CashClose(CashClose),
    StockMovement(StockMovement),
    ShiftOpen(ShiftOpen),
    ClockEvent(ClockEvent),
    AuditEvent(AuditEvent),
    /// Added within protocol v1 (an HQ must understand it before its tills issue one).
    FullInvoice(CustomerInvoice),
}

/// The kind of a document, as stored in a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Sale,
    Refund,
    CashMovement,
    CashClose,
    StockMovement,
    ShiftOpen,
    ClockEvent,
    AuditEvent,
    FullInvoice,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Refund => "refund",
            Self::CashMovement => "cash_movement",
            Self::CashClose => "cash_close",
            Self::StockMovement => "stock_movement",
            Self::ShiftOpen => "shift_open",
            Self::ClockEvent => "clock_event",
            Self::AuditEvent => "audit_event",
            Self::FullInvoice => "full_invoice",
        }
    }
}

impl DocumentBody {
    pub fn kind(&self) -> DocumentKind {
        match self {
            Self::Sale(_) => DocumentKind::Sale,
            Self::Refund(_) => DocumentKind::Refund,
            Self::CashMovement(_) => DocumentKind::CashMovement,
            Self::CashClose(_) => DocumentKind::CashClose,
            Self::StockMovement(_) => DocumentKind::StockMovement,
            Self::ShiftOpen(_) => DocumentKind::ShiftOpen,
            Self::ClockEvent(_) => DocumentKind::ClockEvent,
            Self::AuditEvent(_) => DocumentKind::AuditEvent,
            Self::FullInvoice(_) => DocumentKind::FullInvoice,
        }
    }

    /// Checks the body is internally consistent: totals match the lines under the shared rule,
    /// payments cover the total, quantities are sane. HQ refuses a document that fails this.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::Sale(s) => {
                check_ticket(&s.lines, s.ticket_discount, &s.totals)?;
                check_payments(&s.payments, s.totals.total)
            }
            Self::Refund(r) => {
                check_ticket(&r.lines, r.ticket_discount, &r.totals)?;
                check_payments(&r.payments, r.totals.total)
            }
            Self::CashMovement(m) => {
                if m.amount.is_negative() || m.amount.is_zero() {
                    return Err(format!(
                        "cash movement amount {} must be positive",
                        m.amount
                    ));
                }
                if m.reason.trim().is_empty() {
                    return Err("cash movement needs a reason".into());
                }
                Ok(())
            }
            Self::CashClose(c) => {
                if c.z_number == 0 {
                    return Err("Z number starts at 1".into());
                }
                if c.last_seq < c.first_seq.saturating_sub(1) {
                    return Err(format!(
                        "Z covers sequences {}..={}, which is backwards",
                        c.first_seq, c.last_seq
                    ));
                }
                if let Some(t) = c.tolerance
                    && t.is_negative()
                {
                    return Err("cash tolerance must not be negative".into());
                }
                if c.approved_by.is_some() && c.note.as_deref().is_none_or(|n| n.trim().is_empty())
                {
                    return Err("an approved over/short needs the manager's note".into());
                }
                Ok(())
            }
            Self::StockMovement(m) => {
                if m.lines.is_empty() {
                    return Err("stock movement needs at least one line".into());
                }
                for (i, l) in m.lines.iter().enumerate() {
                    if l.quantity.abs() > Quantity::units(1_000_000) {
                        return Err(format!(
                            "stock line {}: quantity {} is absurd",
                            i + 1,
                            l.quantity
                        ));
                    }
                }
                if let Some(n) = &m.delivery_note {
                    if m.kind != StockMovementKind::Receipt {
                        return Err("only a receipt is counted against a delivery note".into());
                    }
                    if n.trim().is_empty() || n.chars().count() > 64 {
                        return Err(format!("delivery note number {n:?} is not valid"));
                    }
                }
                Ok(())
            }
            Self::ShiftOpen(o) => {
                if o.float.is_negative() {
                    return Err("opening float must not be negative".into());
                }
                if !o.denominations.is_empty()
                    && crate::cash::count_total(&o.denominations) != o.float
                {
                    return Err(format!(
                        "opening float {} does not match its count by denomination",
                        o.float
                    ));
                }
                Ok(())
            }
            Self::ClockEvent(_) => Ok(()),
            Self::FullInvoice(i) => {
                check_ticket(&i.lines, i.ticket_discount, &i.totals)?;
                if i.invoice_number.trim().is_empty() || i.ticket_number.trim().is_empty() {
                    return Err("a full invoice needs its number and the ticket it replaces".into());
                }
                if i.customer_name.trim().is_empty() || i.customer_address.trim().is_empty() {
                    return Err("a full invoice needs the customer's name and address".into());
                }
                crate::nif::validate(&i.customer_nif)
                    .map_err(|e| format!("full invoice customer NIF: {e}"))
            }
            Self::AuditEvent(a) => {
                if a.action == AuditAction::ToleranceOverride && a.approved_by.is_none() {
                    return Err("a tolerance override names the approving manager".into());
                }
                Ok(())
            }
        }
    }
}

fn check_ticket(lines: &[SaleLine], discount: Money, claimed: &TicketTotals) -> Result<(), String> {
    for (i, l) in lines.iter().enumerate() {
        if let Some(p) = &l.promotion {
            let n = p.name.trim().chars().count();
            if p.id <= 0 || n == 0 || n > crate::promotions::MAX_NAME_CHARS {
                return Err(format!(
                    "line {}: promotion {} {:?} is not a promotion HQ could have made",
                    i + 1,
                    p.id,
                    p.name
                ));
            }
            if l.discount.is_zero() {
                return Err(format!(
                    "line {}: names promotion {} but has no discount",
                    i + 1,
                    p.id
                ));
            }
        }
    }
    let inputs: Vec<LineInput> = lines.iter().map(SaleLine::input).collect();
    let computed = compute_totals(&inputs, discount).map_err(|e: TotalsError| e.to_string())?;
    if &computed != claimed {
        return Err(format!(
            "totals do not match the lines: the document says {} but its lines add up to {}",
            claimed.total, computed.total
        ));
    }
    Ok(())
}

fn check_payments(payments: &[Payment], total: Money) -> Result<(), String> {
    if payments.iter().any(|p| p.amount.is_negative()) {
        return Err("payment amounts must not be negative".into());
    }
    let paid: Money = payments.iter().map(|p| p.amount).sum();
    if paid != total {
        return Err(format!(
            "payments add up to {paid} but the total is {total}"
        ));
    }
    Ok(())
}

/// A ticket (simplified invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    /// Printed number, `<till series>-<number>`, e.g. `T0001-000042`.
    pub ticket_number: String,
    pub cashier_id: Option<StaffId>,
    pub lines: Vec<SaleLine>,
    pub ticket_discount: Money,
    /// Amounts applied to the sale per tender; they add up to `totals.total`.
    pub payments: Vec<Payment>,
    pub totals: TicketTotals,
}

/// A return against an earlier sale. Quantities are positive; the document kind makes it negative in reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub refund_number: String,
    pub original_sale_id: DocumentId,
    pub original_ticket_number: String,
    pub cashier_id: Option<StaffId>,
    pub approved_by: Option<StaffId>,
    pub reason: String,
    pub lines: Vec<SaleLine>,
    pub ticket_discount: Money,
    pub payments: Vec<Payment>,
    pub totals: TicketTotals,
}

/// A full invoice (factura completa) issued at the till, on the customer's request, for a ticket
/// already rung: it replaces that simplified invoice (VERI*FACTU F3) with the customer's name,
/// address and NIF, in the till's own invoice series. Lines and totals are the ticket's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerInvoice {
    /// `T0007-F000001`.
    pub invoice_number: String,
    pub sale_id: DocumentId,
    pub ticket_number: String,
    pub customer_name: String,
    pub customer_address: String,
    /// Normalised (upper case, no spaces, dots or dashes) and valid.
    pub customer_nif: String,
    pub lines: Vec<SaleLine>,
    pub ticket_discount: Money,
    pub totals: TicketTotals,
}

/// One line of a sale or refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    pub line_id: Uuid,
    pub product_id: ProductId,
    pub barcode: Option<String>,
    pub name: String,
    pub quantity: Quantity,
    /// Tax-inclusive unit price charged.
    pub unit_price: Money,
    pub tax_rate: crate::money::TaxRate,
    pub discount: Money,
    /// The promotion that gave `discount` (added in 0.3.0; absent when the line has none, so
    /// every earlier document keeps its canonical bytes and hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<crate::promotions::PromotionRef>,
}

impl SaleLine {
    pub fn input(&self) -> LineInput {
        LineInput {
            quantity: self.quantity,
            unit_price: self.unit_price,
            tax_rate: self.tax_rate,
            discount: self.discount,
        }
    }
}

/// How the customer paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tender {
    Cash,
    Card,
    Other,
}

impl Tender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Card => "card",
            Self::Other => "other",
        }
    }
}

/// One tender's part of a sale. For cash, `tendered` − `amount` = `change`; only `amount` is takings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub payment_id: Uuid,
    pub tender: Tender,
    pub amount: Money,
    pub tendered: Option<Money>,
    pub change: Money,
    /// Card terminal reference, if any.
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashMovementDirection {
    In,
    Out,
}

/// Cash put into or taken out of the drawer outside a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashMovement {
    pub direction: CashMovementDirection,
    pub amount: Money,
    pub reason: String,
    pub staff_id: Option<StaffId>,
}

/// An amount per tender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderAmount {
    pub tender: Tender,
    pub amount: Money,
}

/// The day's close (Z report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashClose {
    pub z_number: u64,
    pub business_date: NaiveDate,
    pub opening_float: Money,
    pub expected: Vec<TenderAmount>,
    pub counted: Vec<TenderAmount>,
    /// First and last sequence numbers this close covers.
    pub first_seq: u64,
    pub last_seq: u64,
    pub ticket_count: u64,
    pub gross: Money,
    pub staff_id: Option<StaffId>,
    pub approved_by: Option<StaffId>,
    pub note: Option<String>,
    /// The cash counted, piece by piece (absent in closes made before counts were itemised).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denominations: Vec<DenominationCount>,
    /// True when the counter did not see the expected figures before counting.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blind: bool,
    /// The over/short the till accepted without approval when it closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Money>,
    /// Cash left in the drawer as the next shift's opening float.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_float: Option<Money>,
}

impl CashClose {
    /// Counted minus expected for one tender (positive: over, negative: short).
    pub fn over_short(&self, tender: Tender) -> Money {
        let pick = |v: &[TenderAmount]| {
            v.iter()
                .filter(|t| t.tender == tender)
                .map(|t| t.amount)
                .sum::<Money>()
        };
        pick(&self.counted) - pick(&self.expected)
    }
}

/// A shift opened at the till with a float counted into the drawer. Documents after it, up to the
/// next [`CashClose`], belong to this shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftOpen {
    pub staff_id: Option<StaffId>,
    pub float: Money,
    pub denominations: Vec<DenominationCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockDirection {
    In,
    Out,
}

/// A member of staff clocking in or out at the till (hours for payroll are worked out at HQ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockEvent {
    pub staff_id: StaffId,
    pub direction: ClockDirection,
}

/// A sensitive action worth a trail at HQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A line or a whole ticket removed before payment.
    Void,
    PriceOverride,
    Refund,
    /// The drawer opened without a sale.
    NoSale,
    /// A Z whose over/short exceeded the tolerance, accepted by a manager.
    ToleranceOverride,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub action: AuditAction,
    /// Who did it.
    pub staff_id: Option<StaffId>,
    /// The manager who approved it, when approval was needed.
    pub approved_by: Option<StaffId>,
    /// What it was about: a ticket number, a Z number, a product.
    pub reference: Option<String>,
    /// The amount involved, if any.
    pub amount: Option<Money>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockMovementKind {
    Receipt,
    Count,
    Waste,
    Adjustment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLine {
    pub product_id: ProductId,
    /// Signed change (receipt +, waste −) or, for a count, the quantity counted.
    pub quantity: Quantity,
}

/// Goods received, counted or written off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMovement {
    pub kind: StockMovementKind,
    pub reason: Option<String>,
    pub reference: Option<String>,
    pub lines: Vec<StockLine>,
    pub staff_id: Option<StaffId>,
    /// Number of the HQ delivery note this receipt was counted against (added within protocol v1;
    /// absent for free receiving, and then left out of the hash too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_note: Option<String>,
}

/// Why a document does not chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("document {id}: its hash does not match its content")]
    BadHash { id: DocumentId },
    #[error("document {id} (seq {seq}) does not follow the previous document's hash")]
    Broken { id: DocumentId, seq: u64 },
    #[error("document {id}: sequence {seq} follows {prev}; expected {}", prev + 1)]
    Gap { id: DocumentId, seq: u64, prev: u64 },
}

/// The fields the hash covers, in a fixed order: the canonical serialisation.
#[derive(Serialize)]
struct Canonical<'a> {
    v: u8,
    id: &'a DocumentId,
    till_id: TillId,
    store_id: StoreId,
    seq: u64,
    till_time: String,
    prev_hash: &'a str,
    body: &'a DocumentBody,
}

impl Document {
    /// Seals a new document: truncates the time to microseconds and computes its hash.
    pub fn seal(
        id: DocumentId,
        till_id: TillId,
        store_id: StoreId,
        seq: u64,
        till_time: DateTime<Utc>,
        prev_hash: &str,
        body: DocumentBody,
    ) -> Document {
        let mut d = Document {
            id,
            till_id,
            store_id,
            seq,
            till_time: till_time.trunc_subsecs(6),
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
            body,
            verifactu: None,
        };
        d.hash = d.compute_hash();
        d
    }

    /// Canonical bytes: compact JSON of [`Canonical`]; money and quantities are fixed-scale strings.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let c = Canonical {
            v: 1,
            id: &self.id,
            till_id: self.till_id,
            store_id: self.store_id,
            seq: self.seq,
            till_time: self
                .till_time
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            prev_hash: &self.prev_hash,
            body: &self.body,
        };
        // Serialising plain structs of strings and integers cannot fail.
        serde_json::to_vec(&c).unwrap_or_default()
    }

    pub fn compute_hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_bytes()))
    }

    /// True when `hash` matches the content.
    pub fn hash_is_valid(&self) -> bool {
        self.hash == self.compute_hash()
    }

    /// Checks that `self` directly follows `prev` (or is the first document when `prev` is `None`).
    pub fn check_follows(&self, prev: Option<(u64, &str)>) -> Result<(), ChainError> {
        if !self.hash_is_valid() {
            return Err(ChainError::BadHash { id: self.id });
        }
        let (pseq, phash) = prev.unwrap_or((0, GENESIS_HASH));
        if self.seq != pseq + 1 {
            return Err(ChainError::Gap {
                id: self.id,
                seq: self.seq,
                prev: pseq,
            });
        }
        if self.prev_hash != phash {
            return Err(ChainError::Broken {
                id: self.id,
                seq: self.seq,
            });
        }
        Ok(())
    }
}

/// Verifies a run of documents of one till, in sequence order, starting after `prev`.
pub fn verify_chain<'a>(
    prev: Option<(u64, &str)>,
    docs: impl IntoIterator<Item = &'a Document>,
) -> Result<(), ChainError> {
    let mut prev_owned: Option<(u64, String)> = prev.map(|(s, h)| (s, h.to_string()));
    for d in docs {
        d.check_follows(prev_owned.as_ref().map(|(s, h)| (*s, h.as_str())))?;
        prev_owned = Some((d.seq, d.hash.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::TaxRate;

    pub(crate) fn sample_sale() -> DocumentBody {
        let line = SaleLine {
            line_id: Uuid::nil(),
            product_id: ProductId(7),
            barcode: Some("8412345678905".into()),
            name: "Café molido 250 g".into(),
            quantity: Quantity::units(2),
            unit_price: Money::from_cents(345),
            tax_rate: TaxRate::percent(10),
            discount: Money::ZERO,
            promotion: None,
        };
        let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
        DocumentBody::Sale(Sale {
            ticket_number: "T0001-000001".into(),
            cashier_id: Some(StaffId(1)),
            lines: vec![line],
            ticket_discount: Money::ZERO,
            payments: vec![Payment {
                payment_id: Uuid::nil(),
                tender: Tender::Cash,
                amount: totals.total,
                tendered: Some(Money::from_cents(1000)),
                change: Money::from_cents(310),
                reference: None,
            }],
            totals,
        })
    }

    #[test]
    fn chain_detects_tampering_and_gaps() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        let d1 = Document::seal(
            DocumentId::new(),
            TillId(1),
            StoreId(1),
            1,
            t,
            GENESIS_HASH,
            sample_sale(),
        );
        let d2 = Document::seal(
            DocumentId::new(),
            TillId(1),
            StoreId(1),
            2,
            t,
            &d1.hash,
            sample_sale(),
        );
        assert!(verify_chain(None, [&d1, &d2]).is_ok());
        assert_eq!(d1.till_time.timestamp_subsec_nanos(), 123_456_000);
        assert!(d1.body.validate().is_ok());

        let mut bad = d2.clone();
        if let DocumentBody::Sale(s) = &mut bad.body {
            s.lines[0].unit_price = Money::from_cents(1);
        }
        assert!(matches!(
            verify_chain(None, [&d1, &bad]),
            Err(ChainError::BadHash { .. })
        ));
        assert!(
            bad.body.validate().is_err(),
            "totals no longer match the lines"
        );

        let d3 = Document::seal(
            DocumentId::new(),
            TillId(1),
            StoreId(1),
            4,
            t,
            &d2.hash,
            sample_sale(),
        );
        assert!(matches!(
            verify_chain(None, [&d1, &d2, &d3]),
            Err(ChainError::Gap { .. })
        ));
    }

    #[test]
    fn hash_survives_a_json_round_trip() {
        let d = Document::seal(
            DocumentId::new(),
            TillId(3),
            StoreId(2),
            1,
            Utc::now(),
            GENESIS_HASH,
            sample_sale(),
        );
        let back: Document = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert!(back.hash_is_valid());
        assert_eq!(back, d);
    }
}
