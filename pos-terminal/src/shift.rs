//! The store manager's cash work at the till: opening a shift with a counted float, cash in and
//! out, no-sale opens, the X report and the Z close with its gapless number and over/short rule.
//!
//! Expected cash is always `float + cash sales − cash refunds + cash in − cash out`, where a cash
//! payment counts its `amount` (takings), never what was tendered: change given is not cash
//! received, and a split tender counts only its cash part. That arithmetic lives in
//! [`sync_protocol::drawer`], shared with HQ's check of each synced Z close.
//!
//! Sales and refunds need an open shift: the ledger refuses them otherwise
//! ([`LedgerError::NoOpenShift`]), so every ticket falls inside one float and one Z. A Z close ends
//! the shift; the next one is opened by a manager counting the float into the drawer (the Z's
//! `next_float` is shown beside that count to check against, never taken on trust).

use crate::ledger::{Ledger, LedgerError, Staff, parse_doc};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use sync_protocol::{
    AuditAction, AuditEvent, CashClose, CashMovement, CashMovementDirection, CashTally,
    ClockDirection, ClockEvent, DenominationCount, Document, DocumentBody, Money, ShiftOpen,
    StaffId, StaffRole, TaxBreakdown, TaxRate, Tender, TenderAmount, count_total,
};

/// Over/short accepted without a manager's approval when neither HQ nor the till has set one: 5,00 €.
/// HQ sets it per store (pulled with the Store change); the till's own `till_settings` value
/// (key [`TOLERANCE_KEY`]) is only the fallback before the first pull carries HQ's.
pub const DEFAULT_CASH_TOLERANCE_CENTS: i64 = 500;
pub const TOLERANCE_KEY: &str = "cash_tolerance_cents";

/// Why a manager's cash operation was refused. Messages are shown at the till as they are.
#[derive(Debug, thiserror::Error)]
pub enum ShiftError {
    #[error("no hay ningún turno abierto; abra la caja primero")]
    NoOpenShift,
    #[error("ya hay un turno abierto desde el documento {0}")]
    AlreadyOpen(u64),
    #[error("{0} no es encargado; hace falta el PIN de un encargado")]
    NotManager(String),
    #[error(
        "el descuadre ({over_short}) supera la tolerancia de {tolerance}: hace falta la aprobación de un encargado con una nota"
    )]
    NeedsApproval { over_short: Money, tolerance: Money },
    #[error("hace falta una nota que explique la aprobación")]
    NoteRequired,
    #[error(
        "{0} cierra la caja y no puede aprobar su propio descuadre: hace falta el PIN de otro encargado"
    )]
    OwnApproval(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<rusqlite::Error> for ShiftError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Ledger(e.into())
    }
}

type Result<T, E = ShiftError> = std::result::Result<T, E>;

/// The shift currently open: the float that went into the drawer and who counted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenShift {
    /// Sequence of the `ShiftOpen` document.
    pub seq: u64,
    pub opened_at: DateTime<Utc>,
    pub staff_id: Option<StaffId>,
    pub float: Money,
    pub denominations: Vec<DenominationCount>,
}

/// Takings and refunds of one tender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenderTotals {
    pub tender: Tender,
    pub sales: Money,
    pub refunds: Money,
}

impl TenderTotals {
    pub fn net(&self) -> Money {
        self.sales - self.refunds
    }
}

/// One cashier's share of the shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CashierTotals {
    pub staff_id: Option<StaffId>,
    pub tickets: u64,
    pub gross: Money,
    pub refunds: Money,
}

/// The X report: everything since the last Z close. A Z close is this report, counted and sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftReport {
    /// First sequence covered (the one after the previous Z close).
    pub first_seq: u64,
    /// Last sequence covered (the newest document when the report was made).
    pub last_seq: u64,
    pub shift: Option<OpenShift>,
    pub ticket_count: u64,
    pub refund_count: u64,
    /// Sum of sale totals.
    pub gross: Money,
    /// Sum of refund totals.
    pub refunds: Money,
    /// Per tender, in tender order; cash is always present.
    pub tenders: Vec<TenderTotals>,
    /// Tax per rate, sales minus refunds.
    pub taxes: Vec<TaxBreakdown>,
    pub cash_in: Money,
    pub cash_out: Money,
    pub no_sales: u64,
    pub cashiers: Vec<CashierTotals>,
}

impl ShiftReport {
    fn empty(first_seq: u64) -> Self {
        Self {
            first_seq,
            last_seq: first_seq.saturating_sub(1),
            shift: None,
            ticket_count: 0,
            refund_count: 0,
            gross: Money::ZERO,
            refunds: Money::ZERO,
            tenders: Vec::new(),
            taxes: Vec::new(),
            cash_in: Money::ZERO,
            cash_out: Money::ZERO,
            no_sales: 0,
            cashiers: Vec::new(),
        }
    }

    /// Builds the report from the documents after the previous close, in sequence order.
    pub fn from_documents<'a>(
        first_seq: u64,
        docs: impl IntoIterator<Item = &'a Document>,
    ) -> Self {
        let mut r = Self::empty(first_seq);
        let mut tenders: BTreeMap<Tender, TenderTotals> = BTreeMap::new();
        tenders.insert(Tender::Cash, tender_zero(Tender::Cash));
        let mut taxes: BTreeMap<TaxRate, TaxBreakdown> = BTreeMap::new();
        let mut cashiers: BTreeMap<Option<StaffId>, CashierTotals> = BTreeMap::new();
        // Cash (float, cash takings and refunds, cash in and out) is tallied by the shared rule.
        let mut cash = CashTally::default();
        for d in docs {
            r.last_seq = r.last_seq.max(d.seq);
            cash.add(&d.body);
            match &d.body {
                DocumentBody::Sale(s) => {
                    r.ticket_count += 1;
                    r.gross += s.totals.total;
                    for p in s.payments.iter().filter(|p| p.tender != Tender::Cash) {
                        // `amount` is what the sale took in this tender.
                        tenders
                            .entry(p.tender)
                            .or_insert_with(|| tender_zero(p.tender))
                            .sales += p.amount;
                    }
                    add_taxes(&mut taxes, &s.totals.taxes, false);
                    let c = cashier_entry(&mut cashiers, s.cashier_id);
                    c.tickets += 1;
                    c.gross += s.totals.total;
                }
                DocumentBody::Refund(f) => {
                    r.refund_count += 1;
                    r.refunds += f.totals.total;
                    for p in f.payments.iter().filter(|p| p.tender != Tender::Cash) {
                        tenders
                            .entry(p.tender)
                            .or_insert_with(|| tender_zero(p.tender))
                            .refunds += p.amount;
                    }
                    add_taxes(&mut taxes, &f.totals.taxes, true);
                    cashier_entry(&mut cashiers, f.cashier_id).refunds += f.totals.total;
                }
                DocumentBody::ShiftOpen(o) if r.shift.is_none() => {
                    r.shift = Some(OpenShift {
                        seq: d.seq,
                        opened_at: d.till_time,
                        staff_id: o.staff_id,
                        float: o.float,
                        denominations: o.denominations.clone(),
                    });
                }
                DocumentBody::AuditEvent(a) if a.action == AuditAction::NoSale => r.no_sales += 1,
                _ => {}
            }
        }
        let c = tenders
            .entry(Tender::Cash)
            .or_insert_with(|| tender_zero(Tender::Cash));
        (c.sales, c.refunds) = (cash.sales, cash.refunds);
        (r.cash_in, r.cash_out) = (cash.cash_in, cash.cash_out);
        r.tenders = tenders.into_values().collect();
        r.taxes = taxes.into_values().collect();
        r.cashiers = cashiers.into_values().collect();
        r
    }

    pub fn opening_float(&self) -> Money {
        self.shift.as_ref().map(|s| s.float).unwrap_or(Money::ZERO)
    }

    fn tender(&self, tender: Tender) -> TenderTotals {
        self.tenders
            .iter()
            .find(|t| t.tender == tender)
            .copied()
            .unwrap_or_else(|| tender_zero(tender))
    }

    /// The report's cash figures as the shared drawer tally.
    pub fn cash_tally(&self) -> CashTally {
        let cash = self.tender(Tender::Cash);
        CashTally {
            float: self.shift.as_ref().map(|s| s.float),
            sales: cash.sales,
            refunds: cash.refunds,
            cash_in: self.cash_in,
            cash_out: self.cash_out,
        }
    }

    /// Cash that should be in the drawer: float + cash sales − cash refunds + cash in − cash out
    /// (the rule of [`CashTally::expected`]).
    pub fn expected_cash(&self) -> Money {
        self.cash_tally().expected()
    }

    /// What each tender should add up to; cash first and always present.
    pub fn expected(&self) -> Vec<TenderAmount> {
        self.tenders
            .iter()
            .map(|t| TenderAmount {
                tender: t.tender,
                amount: if t.tender == Tender::Cash {
                    self.expected_cash()
                } else {
                    t.net()
                },
            })
            .collect()
    }

    /// Net takings: sales minus refunds.
    pub fn net(&self) -> Money {
        self.gross - self.refunds
    }
}

fn tender_zero(tender: Tender) -> TenderTotals {
    TenderTotals {
        tender,
        sales: Money::ZERO,
        refunds: Money::ZERO,
    }
}

fn cashier_entry(
    map: &mut BTreeMap<Option<StaffId>, CashierTotals>,
    staff_id: Option<StaffId>,
) -> &mut CashierTotals {
    map.entry(staff_id).or_insert(CashierTotals {
        staff_id,
        tickets: 0,
        gross: Money::ZERO,
        refunds: Money::ZERO,
    })
}

fn add_taxes(map: &mut BTreeMap<TaxRate, TaxBreakdown>, taxes: &[TaxBreakdown], negate: bool) {
    for t in taxes {
        let e = map.entry(t.rate).or_insert(TaxBreakdown {
            rate: t.rate,
            base: Money::ZERO,
            tax: Money::ZERO,
            gross: Money::ZERO,
        });
        if negate {
            e.base -= t.base;
            e.tax -= t.tax;
            e.gross -= t.gross;
        } else {
            e.base += t.base;
            e.tax += t.tax;
            e.gross += t.gross;
        }
    }
}

/// A manager's approval of an over/short beyond the tolerance.
#[derive(Debug, Clone)]
pub struct Approval {
    /// Must have passed a PIN check and be a manager.
    pub manager: Staff,
    pub note: String,
}

/// What the person closing the day counted.
#[derive(Debug, Clone)]
pub struct CloseCount {
    /// Who counted (the Z is theirs).
    pub staff: Staff,
    /// The drawer's cash, piece by piece.
    pub cash: Vec<DenominationCount>,
    /// Card and other tenders as read from the terminals; a tender left out counts as expected.
    pub other: Vec<TenderAmount>,
    /// The counter did not see the expected figures first.
    pub blind: bool,
    /// Cash left in the drawer for the next shift.
    pub next_float: Money,
    pub approval: Option<Approval>,
}

/// How the count compares with what was expected, before anything is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseCheck {
    pub expected: Vec<TenderAmount>,
    pub counted: Vec<TenderAmount>,
    /// Counted − expected per tender (positive: over).
    pub over_short: Vec<TenderAmount>,
    pub tolerance: Money,
    /// True when some tender is off by more than the tolerance.
    pub needs_approval: bool,
}

impl CloseCheck {
    pub fn cash_over_short(&self) -> Money {
        self.over_short
            .iter()
            .find(|t| t.tender == Tender::Cash)
            .map(|t| t.amount)
            .unwrap_or(Money::ZERO)
    }

    /// The largest difference in any tender, for the approval message.
    fn worst(&self) -> Money {
        self.over_short
            .iter()
            .map(|t| t.amount)
            .max_by_key(|m| m.abs())
            .unwrap_or(Money::ZERO)
    }
}

/// Compares a count with the report under the tolerance.
pub fn check_count(report: &ShiftReport, count: &CloseCount, tolerance: Money) -> CloseCheck {
    let expected = report.expected();
    let counted: Vec<TenderAmount> = expected
        .iter()
        .map(|e| TenderAmount {
            tender: e.tender,
            amount: if e.tender == Tender::Cash {
                count_total(&count.cash)
            } else {
                count
                    .other
                    .iter()
                    .find(|o| o.tender == e.tender)
                    .map(|o| o.amount)
                    .unwrap_or(e.amount)
            },
        })
        .collect();
    let over_short: Vec<TenderAmount> = expected
        .iter()
        .zip(&counted)
        .map(|(e, c)| TenderAmount {
            tender: e.tender,
            amount: c.amount - e.amount,
        })
        .collect();
    let needs_approval = over_short.iter().any(|d| d.amount.abs() > tolerance);
    CloseCheck {
        expected,
        counted,
        over_short,
        tolerance,
        needs_approval,
    }
}

/// Today's date in Madrid, the business date of a close.
pub fn business_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::Madrid).date_naive()
}

fn require_manager(staff: &Staff) -> Result<()> {
    if staff.role == StaffRole::Manager {
        Ok(())
    } else {
        Err(ShiftError::NotManager(staff.name.clone()))
    }
}

/// The last Z close stored, with its sequence.
fn last_close(conn: &Connection) -> Result<Option<(u64, CashClose)>> {
    let row: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT seq, json FROM documents WHERE kind = 'cash_close' ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((seq, json)) = row else {
        return Ok(None);
    };
    match parse_doc(seq, &json)?.body {
        DocumentBody::CashClose(c) => Ok(Some((seq as u64, c))),
        _ => Err(ShiftError::Invalid(format!(
            "document {seq} is filed as a cash close but is not one"
        ))),
    }
}

fn report_on(conn: &Connection) -> Result<ShiftReport> {
    let first_seq = last_close(conn)?.map(|(s, _)| s + 1).unwrap_or(1);
    let mut stmt =
        conn.prepare_cached("SELECT seq, json FROM documents WHERE seq >= ?1 ORDER BY seq")?;
    let rows = stmt.query_map([first_seq as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut docs = Vec::new();
    for row in rows {
        let (seq, json) = row?;
        docs.push(parse_doc(seq, &json)?);
    }
    Ok(ShiftReport::from_documents(first_seq, &docs))
}

/// Whether a shift is open: a `ShiftOpen` after the last Z close. The ledger checks it inside the
/// transaction of every sale and refund.
pub(crate) fn shift_is_open(conn: &Connection) -> Result<bool, LedgerError> {
    let since: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM documents WHERE kind = 'cash_close'")?
        .query_row([], |r| r.get(0))?;
    let open: Option<i64> = conn
        .prepare_cached(
            "SELECT seq FROM documents WHERE kind = 'shift_open' AND seq > ?1 ORDER BY seq LIMIT 1",
        )?
        .query_row([since], |r| r.get(0))
        .optional()?;
    Ok(open.is_some())
}

fn open_shift_on(conn: &Connection) -> Result<Option<OpenShift>> {
    let since = last_close(conn)?.map(|(s, _)| s).unwrap_or(0);
    let row: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT seq, json FROM documents WHERE kind = 'shift_open' AND seq > ?1 ORDER BY seq LIMIT 1",
        )?
        .query_row([since as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((seq, json)) = row else {
        return Ok(None);
    };
    let doc = parse_doc(seq, &json)?;
    match doc.body {
        DocumentBody::ShiftOpen(o) => Ok(Some(OpenShift {
            seq: seq as u64,
            opened_at: doc.till_time,
            staff_id: o.staff_id,
            float: o.float,
            denominations: o.denominations,
        })),
        _ => Err(ShiftError::Invalid(format!(
            "document {seq} is filed as a shift opening but is not one"
        ))),
    }
}

impl Ledger {
    /// The over/short a Z may have without a manager's approval: HQ's value for this store once a
    /// pull has carried it, else the till's own setting, else 5,00 €.
    pub fn cash_tolerance(&self) -> Result<Money, LedgerError> {
        let hq: Option<i64> = self
            .conn
            .query_row(
                "SELECT cash_tolerance_cents FROM store_info WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if let Some(cents) = hq {
            return Ok(Money::from_cents(cents));
        }
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM till_settings WHERE key = ?1",
                [TOLERANCE_KEY],
                |r| r.get(0),
            )
            .optional()?;
        Ok(Money::from_cents(
            v.and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_CASH_TOLERANCE_CENTS),
        ))
    }

    /// Stores the till's own tolerance: the fallback used until HQ's value for the store is pulled.
    pub fn set_cash_tolerance(&mut self, tolerance: Money) -> Result<(), LedgerError> {
        if tolerance.is_negative() {
            return Err(LedgerError::Invalid(
                "the cash tolerance must not be negative".into(),
            ));
        }
        self.conn.execute(
            "INSERT INTO till_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![TOLERANCE_KEY, tolerance.cents().to_string()],
        )?;
        Ok(())
    }

    /// The open shift, if any (a shift opening after the last Z close).
    pub fn open_shift(&self) -> Result<Option<OpenShift>> {
        open_shift_on(&self.conn)
    }

    /// The last Z close, for its number and the float it left for the next shift.
    pub fn last_close(&self) -> Result<Option<CashClose>> {
        Ok(last_close(&self.conn)?.map(|(_, c)| c))
    }

    /// The X report: sales, refunds, tenders, tax per rate and expected cash since the last Z.
    pub fn x_report(&self) -> Result<ShiftReport> {
        report_on(&self.conn)
    }

    /// Opens a shift with the float counted into the drawer, piece by piece.
    pub fn start_shift(
        &mut self,
        staff: &Staff,
        float: Vec<DenominationCount>,
    ) -> Result<Document> {
        // The float is the manager's responsibility: only a manager opens the drawer for the day.
        require_manager(staff)?;
        if let Some(open) = self.open_shift()? {
            return Err(ShiftError::AlreadyOpen(open.seq));
        }
        let float: Vec<DenominationCount> = float.into_iter().filter(|d| d.count > 0).collect();
        let body = DocumentBody::ShiftOpen(ShiftOpen {
            staff_id: Some(staff.id),
            float: count_total(&float),
            denominations: float,
        });
        Ok(self.record_document(body)?)
    }

    /// Cash put into or taken out of the drawer, with its reason, in the open shift.
    pub fn cash_movement(
        &mut self,
        staff: &Staff,
        direction: CashMovementDirection,
        amount: Money,
        reason: &str,
    ) -> Result<Document> {
        if self.open_shift()?.is_none() {
            return Err(ShiftError::NoOpenShift);
        }
        if amount.is_negative() || amount.is_zero() {
            return Err(ShiftError::Invalid(
                "el importe debe ser mayor que cero".into(),
            ));
        }
        if reason.trim().is_empty() {
            return Err(ShiftError::Invalid("indique el motivo".into()));
        }
        Ok(
            self.record_document(DocumentBody::CashMovement(CashMovement {
                direction,
                amount,
                reason: reason.trim().to_string(),
                staff_id: Some(staff.id),
            }))?,
        )
    }

    /// Logs a drawer opened without a sale, approved by a manager.
    pub fn no_sale(
        &mut self,
        staff: Option<StaffId>,
        manager: &Staff,
        note: &str,
    ) -> Result<Document> {
        require_manager(manager)?;
        if self.open_shift()?.is_none() {
            return Err(ShiftError::NoOpenShift);
        }
        Ok(self.record_audit(AuditEvent {
            action: AuditAction::NoSale,
            staff_id: staff,
            approved_by: Some(manager.id),
            reference: None,
            amount: None,
            note: Some(note.trim().to_string()).filter(|n| !n.is_empty()),
        })?)
    }

    /// Records an entry of the audit trail (voids, price overrides, refunds, no-sale, overrides).
    pub fn record_audit(&mut self, event: AuditEvent) -> Result<Document, LedgerError> {
        self.record_document(DocumentBody::AuditEvent(event))
    }

    /// How `count` compares with the current report, without recording anything.
    /// Whether HQ set this store up with a single manager, who may then approve their own Z
    /// over/short. False until a pull carries the store.
    pub fn single_manager(&self) -> Result<bool, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT single_manager FROM store_info WHERE id = 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some_and(|v| v != 0))
    }

    pub fn check_close(&self, count: &CloseCount) -> Result<CloseCheck> {
        let report = self.x_report()?;
        Ok(check_count(&report, count, self.cash_tolerance()?))
    }

    /// Closes the day (Z). The Z number is taken inside the transaction that stores the
    /// `CashClose`, so numbers stay gapless whatever happens. An over/short beyond the tolerance
    /// needs a manager's approval with a note, which is also written to the audit trail.
    /// Works offline: documents still waiting for HQ are covered by their sequence range.
    pub fn close_day(&mut self, count: CloseCount) -> Result<Document> {
        if self.open_shift()?.is_none() {
            return Err(ShiftError::NoOpenShift);
        }
        let tolerance = self.cash_tolerance()?;
        let report = self.x_report()?;
        let check = check_count(&report, &count, tolerance);
        if let Some(a) = &count.approval {
            require_manager(&a.manager)?;
        }
        if check.needs_approval {
            match &count.approval {
                None => {
                    return Err(ShiftError::NeedsApproval {
                        over_short: check.worst(),
                        tolerance,
                    });
                }
                Some(a) if a.note.trim().is_empty() => return Err(ShiftError::NoteRequired),
                // Separation of duties: whoever counted cannot approve their own over/short,
                // unless HQ set the store up as having a single manager.
                Some(a) if a.manager.id == count.staff.id && !self.single_manager()? => {
                    return Err(ShiftError::OwnApproval(a.manager.name.clone()));
                }
                Some(_) => {}
            }
        }
        let counted_cash = count_total(&count.cash);
        if count.next_float.is_negative() || count.next_float > counted_cash {
            return Err(ShiftError::Invalid(format!(
                "el fondo para el siguiente turno ({}) no puede superar el efectivo contado ({counted_cash})",
                count.next_float
            )));
        }
        let approval = count.approval.filter(|_| check.needs_approval);
        let now = self.now();
        let mut made: Option<u64> = None;
        let doc = self.append_with(false, |tx, _ident, _ticket| {
            // Re-read inside the write transaction: the report and the number must describe
            // exactly the documents before this one.
            let prev = last_close(tx).map_err(into_ledger)?;
            let inner = report_on(tx).map_err(into_ledger)?;
            if inner.last_seq != report.last_seq || inner.first_seq != report.first_seq {
                return Err(LedgerError::Invalid(
                    "the ledger changed while closing; count again".into(),
                ));
            }
            let z_number = prev.map(|(_, c)| c.z_number).unwrap_or(0) + 1;
            made = Some(z_number);
            Ok(DocumentBody::CashClose(CashClose {
                z_number,
                business_date: business_date(now),
                opening_float: report.opening_float(),
                expected: check.expected.clone(),
                counted: check.counted.clone(),
                first_seq: report.first_seq,
                last_seq: report.last_seq,
                ticket_count: report.ticket_count,
                gross: report.gross,
                staff_id: Some(count.staff.id),
                approved_by: approval.as_ref().map(|a| a.manager.id),
                note: approval.as_ref().map(|a| a.note.trim().to_string()),
                denominations: count.cash.iter().copied().filter(|d| d.count > 0).collect(),
                blind: count.blind,
                tolerance: Some(tolerance),
                next_float: Some(count.next_float),
            }))
        })?;
        if let (Some(a), Some(z)) = (&approval, made) {
            // The close itself names the approver and the note; this entry puts it in the trail.
            self.record_audit(AuditEvent {
                action: AuditAction::ToleranceOverride,
                staff_id: Some(count.staff.id),
                approved_by: Some(a.manager.id),
                reference: Some(format!("Z {z}")),
                amount: Some(check.worst()),
                note: Some(a.note.trim().to_string()),
            })?;
        }
        Ok(doc)
    }

    /// Clocks `staff` in, or out if their last event was a clock-in. Returns the direction.
    pub fn clock(&mut self, staff: &Staff) -> Result<(Document, ClockDirection)> {
        let direction = match self.clocked_in_since(staff.id)? {
            Some(_) => ClockDirection::Out,
            None => ClockDirection::In,
        };
        let doc = self.record_document(DocumentBody::ClockEvent(ClockEvent {
            staff_id: staff.id,
            direction,
        }))?;
        Ok((doc, direction))
    }

    /// When `staff` clocked in, if their last clock event is a clock-in.
    pub fn clocked_in_since(&self, staff: StaffId) -> Result<Option<DateTime<Utc>>> {
        let row: Option<(i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT seq, json FROM documents WHERE kind = 'clock_event'
                   AND json_extract(json, '$.body.data.staff_id') = ?1
                 ORDER BY seq DESC LIMIT 1",
            )?
            .query_row([staff.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((seq, json)) = row else {
            return Ok(None);
        };
        let doc = parse_doc(seq, &json)?;
        Ok(match doc.body {
            DocumentBody::ClockEvent(c) if c.direction == ClockDirection::In => Some(doc.till_time),
            _ => None,
        })
    }
}

fn into_ledger(e: ShiftError) -> LedgerError {
    match e {
        ShiftError::Ledger(l) => l,
        other => LedgerError::Invalid(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_protocol::{
        DocumentId, GENESIS_HASH, Payment, Quantity, Refund, Sale, SaleLine, StoreId, TillId,
        compute_totals,
    };
    use uuid::Uuid;

    fn pay(tender: Tender, amount: i64, tendered: Option<i64>) -> Payment {
        Payment {
            payment_id: Uuid::nil(),
            tender,
            amount: Money::from_cents(amount),
            tendered: tendered.map(Money::from_cents),
            change: Money::from_cents(tendered.map(|t| t - amount).unwrap_or(0)),
            reference: None,
        }
    }

    fn line(cents: i64, rate: i64) -> SaleLine {
        SaleLine {
            line_id: Uuid::nil(),
            product_id: sync_protocol::ProductId(1),
            barcode: None,
            name: "x".into(),
            quantity: Quantity::one(),
            unit_price: Money::from_cents(cents),
            tax_rate: TaxRate::percent(rate),
            discount: Money::ZERO,
            promotion: None,
        }
    }

    fn doc(seq: u64, body: DocumentBody) -> Document {
        Document::seal(
            DocumentId::new(),
            TillId(1),
            StoreId(1),
            seq,
            Utc::now(),
            GENESIS_HASH,
            body,
        )
    }

    fn sale(cents: i64, payments: Vec<Payment>) -> DocumentBody {
        let lines = vec![line(cents, 21)];
        let totals = compute_totals(&[lines[0].input()], Money::ZERO).unwrap();
        DocumentBody::Sale(Sale {
            ticket_number: "T-1".into(),
            cashier_id: Some(StaffId(3)),
            lines,
            ticket_discount: Money::ZERO,
            payments,
            totals,
        })
    }

    #[test]
    fn report_counts_takings_not_tendered_and_nets_refunds_and_taxes() {
        let lines = vec![line(500, 21)];
        let rt = compute_totals(&[lines[0].input()], Money::ZERO).unwrap();
        let refund = DocumentBody::Refund(Refund {
            refund_number: "R1".into(),
            original_sale_id: DocumentId::new(),
            original_ticket_number: "T-1".into(),
            cashier_id: Some(StaffId(3)),
            approved_by: None,
            reason: "roto".into(),
            lines,
            ticket_discount: Money::ZERO,
            payments: vec![pay(Tender::Cash, 500, None)],
            totals: rt,
        });
        let docs = vec![
            doc(
                10,
                DocumentBody::ShiftOpen(ShiftOpen {
                    staff_id: None,
                    float: Money::from_cents(10000),
                    denominations: vec![],
                }),
            ),
            doc(11, sale(1345, vec![pay(Tender::Cash, 1345, Some(2000))])),
            doc(
                12,
                sale(
                    3000,
                    vec![
                        pay(Tender::Cash, 1000, Some(5000)),
                        pay(Tender::Card, 2000, None),
                    ],
                ),
            ),
            doc(13, refund),
        ];
        let r = ShiftReport::from_documents(10, &docs);
        assert_eq!(r.ticket_count, 2);
        assert_eq!(r.gross, Money::from_cents(4345));
        // 100 + 13,45 + 10 (cash part of the split) − 5 refunded.
        assert_eq!(r.expected_cash(), Money::from_cents(11845));
        assert_eq!(r.expected()[1].amount, Money::from_cents(2000));
        let tax: Money = r.taxes.iter().map(|t| t.gross).sum();
        assert_eq!(tax, Money::from_cents(4345 - 500));
        assert_eq!(r.last_seq, 13);
    }
}
