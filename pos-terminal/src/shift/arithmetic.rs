//! Shift arithmetic, apart from its SQL: the X report folded from a shift's documents, what a
//! close count says against it (over/short, the approval rule) and the business date. Pure
//! functions over documents: the ledger's queries live in `shift.rs`.

use super::Staff;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
use sync_protocol::{
    AuditAction, CashTally, DenominationCount, Document, DocumentBody, Money, StaffId,
    TaxBreakdown, TaxRate, Tender, TenderAmount, count_total,
};

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
    pub(super) fn worst(&self) -> Money {
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

#[cfg(test)]
mod tests {
    use super::*;
    use sync_protocol::{
        DocumentId, GENESIS_HASH, Payment, Quantity, Refund, Sale, SaleLine, ShiftOpen, StoreId,
        TillId, compute_totals,
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
