//! The cash a drawer should hold, written once for both ends: the till's X report and Z close
//! (`pos-terminal`) and HQ's check of a synced Z close (`back-office-server`).
//!
//! Expected cash = float + cash sales − cash refunds + cash in − cash out, where:
//! - a cash payment counts its `amount` (what the sale took in cash), never what was tendered:
//!   the change handed back is not cash received;
//! - a split tender counts only its cash part (card and other tenders never touch the drawer);
//! - the float is the one of the shift's opening (the first `ShiftOpen` of the range).
//!
//! No I/O: callers feed the documents of one shift (the range a Z close covers) in sequence order.

use crate::document::{CashMovementDirection, Document, DocumentBody, Payment, Tender};
use crate::money::Money;

/// The cash part of a list of payments: the sum of the cash payments' `amount`.
pub fn cash_part(payments: &[Payment]) -> Money {
    payments
        .iter()
        .filter(|p| p.tender == Tender::Cash)
        .map(|p| p.amount)
        .sum()
}

/// Running tally of what moved cash in or out of the drawer during one shift.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CashTally {
    /// The float counted into the drawer when the shift opened (`None` before any opening).
    pub float: Option<Money>,
    /// Cash taken by sales (their cash part).
    pub sales: Money,
    /// Cash paid back by refunds (their cash part).
    pub refunds: Money,
    /// Cash put into the drawer (change from the bank, …).
    pub cash_in: Money,
    /// Cash taken out of the drawer (paid to a supplier, taken to the safe, …).
    pub cash_out: Money,
}

impl CashTally {
    /// The tally of `docs`, in sequence order.
    pub fn from_documents<'a>(docs: impl IntoIterator<Item = &'a Document>) -> Self {
        let mut t = Self::default();
        for d in docs {
            t.add(&d.body);
        }
        t
    }

    /// Adds one document; documents that move no cash change nothing.
    pub fn add(&mut self, body: &DocumentBody) {
        match body {
            DocumentBody::Sale(s) => self.sales += cash_part(&s.payments),
            DocumentBody::Refund(r) => self.refunds += cash_part(&r.payments),
            DocumentBody::CashMovement(m) => match m.direction {
                CashMovementDirection::In => self.cash_in += m.amount,
                CashMovementDirection::Out => self.cash_out += m.amount,
            },
            // One opening per shift; should a range hold more, the first one's float counts.
            DocumentBody::ShiftOpen(o) if self.float.is_none() => self.float = Some(o.float),
            _ => {}
        }
    }

    /// The opening float, zero when no shift was opened.
    pub fn opening_float(&self) -> Money {
        self.float.unwrap_or(Money::ZERO)
    }

    /// Cash that should be in the drawer: float + cash sales − cash refunds + cash in − cash out.
    pub fn expected(&self) -> Money {
        self.opening_float() + self.sales - self.refunds + self.cash_in - self.cash_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{CashMovement, Refund, Sale, SaleLine, ShiftOpen};
    use crate::ids::{DocumentId, ProductId};
    use crate::money::{Quantity, TaxRate};
    use crate::totals::compute_totals;
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

    fn lines(cents: i64) -> Vec<SaleLine> {
        vec![SaleLine {
            line_id: Uuid::nil(),
            product_id: ProductId(1),
            barcode: None,
            name: "x".into(),
            quantity: Quantity::one(),
            unit_price: Money::from_cents(cents),
            tax_rate: TaxRate::IVA_GENERAL,
            discount: Money::ZERO,
            promotion: None,
        }]
    }

    fn sale(cents: i64, payments: Vec<Payment>) -> DocumentBody {
        let lines = lines(cents);
        let totals = compute_totals(&[lines[0].input()], Money::ZERO).unwrap();
        DocumentBody::Sale(Sale {
            ticket_number: "T-1".into(),
            cashier_id: None,
            lines,
            ticket_discount: Money::ZERO,
            payments,
            totals,
        })
    }

    fn refund(cents: i64, payments: Vec<Payment>) -> DocumentBody {
        let lines = lines(cents);
        let totals = compute_totals(&[lines[0].input()], Money::ZERO).unwrap();
        DocumentBody::Refund(Refund {
            refund_number: "R1".into(),
            original_sale_id: DocumentId::new(),
            original_ticket_number: "T-1".into(),
            cashier_id: None,
            approved_by: None,
            reason: "roto".into(),
            lines,
            ticket_discount: Money::ZERO,
            payments,
            totals,
        })
    }

    fn open(cents: i64) -> DocumentBody {
        DocumentBody::ShiftOpen(ShiftOpen {
            staff_id: None,
            float: Money::from_cents(cents),
            denominations: vec![],
        })
    }

    fn movement(direction: CashMovementDirection, cents: i64) -> DocumentBody {
        DocumentBody::CashMovement(CashMovement {
            direction,
            amount: Money::from_cents(cents),
            reason: "x".into(),
            staff_id: None,
        })
    }

    #[test]
    fn change_given_is_not_cash_received() {
        let mut t = CashTally::default();
        t.add(&open(10000));
        // 13,45 € paid with a 50 € note.
        t.add(&sale(1345, vec![pay(Tender::Cash, 1345, Some(5000))]));
        assert_eq!(t.sales, Money::from_cents(1345));
        assert_eq!(t.expected(), Money::from_cents(11345));
    }

    #[test]
    fn a_split_tender_counts_only_its_cash_part() {
        let payments = vec![
            pay(Tender::Cash, 1000, Some(2000)),
            pay(Tender::Card, 2000, None),
        ];
        assert_eq!(cash_part(&payments), Money::from_cents(1000));
        let mut t = CashTally::default();
        t.add(&sale(3000, payments));
        t.add(&sale(500, vec![pay(Tender::Card, 500, None)]));
        assert_eq!(t.expected(), Money::from_cents(1000));
    }

    #[test]
    fn float_plus_sales_minus_refunds_plus_in_minus_out() {
        let mut t = CashTally::default();
        assert_eq!(t.expected(), Money::ZERO);
        t.add(&open(15000));
        t.add(&sale(2000, vec![pay(Tender::Cash, 2000, Some(2100))]));
        t.add(&sale(455, vec![pay(Tender::Cash, 455, None)]));
        t.add(&refund(2000, vec![pay(Tender::Cash, 2000, None)]));
        // A card refund does not leave the drawer.
        t.add(&refund(455, vec![pay(Tender::Card, 455, None)]));
        t.add(&movement(CashMovementDirection::In, 5000));
        t.add(&movement(CashMovementDirection::Out, 1250));
        // A second opening in the same range does not replace the first float.
        t.add(&open(99900));
        // 150 + (20 + 4,55) − 20 + 50 − 12,50
        assert_eq!(t.expected(), Money::from_cents(19205));
        assert_eq!(t.opening_float(), Money::from_cents(15000));
        assert_eq!(
            (t.sales, t.refunds, t.cash_in, t.cash_out),
            (
                Money::from_cents(2455),
                Money::from_cents(2000),
                Money::from_cents(5000),
                Money::from_cents(1250)
            )
        );
    }

    #[test]
    fn a_zero_float_opening_is_still_the_opening() {
        let mut t = CashTally::default();
        t.add(&open(0));
        t.add(&open(5000));
        assert_eq!(t.float, Some(Money::ZERO));
        assert_eq!(t.expected(), Money::ZERO);
    }
}
