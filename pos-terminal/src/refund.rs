//! Building a refund against an original sale: chosen lines and quantities, capped at what was
//! sold minus what earlier refunds took back, paid back to the original tenders. No UI types.

use sync_protocol::{
    Document, DocumentBody, LineInput, Money, Payment, Quantity, Refund, SaleLine, StaffId,
    TotalsError, compute_totals,
};
use uuid::Uuid;

use crate::ledger::Refunded;

/// Why a refund cannot be built. Messages are shown to the cashier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    #[error("the document is not a sale")]
    NotASale,
    #[error("choose at least one line to refund")]
    NothingChosen,
    #[error("line {line}: at most {left} can be refunded")]
    TooMuch { line: String, left: Quantity },
    #[error("the sale has no line {0}")]
    NoSuchLine(Uuid),
    #[error(transparent)]
    Totals(#[from] TotalsError),
}

/// What can still be refunded of `line`.
pub fn refundable(line: &SaleLine, refunded: &Refunded) -> Quantity {
    let left = line.quantity - refunded.quantity(line.line_id);
    if left.is_negative() {
        Quantity::ZERO
    } else {
        left
    }
}

/// Scales `amount` by `part / whole`, rounded to the cent (discounts on partial refunds).
fn prorate(amount: Money, part: Quantity, whole: Quantity) -> Money {
    if whole.is_zero() || amount.is_zero() {
        return Money::ZERO;
    }
    Money::new(amount.as_decimal() * part.as_decimal() / whole.as_decimal())
}

/// Builds the refund body for `picks` (original line id, quantity to take back). Line
/// discounts and the ticket discount are taken back in proportion, and the money goes back to
/// the original tenders in the order they were paid, each capped at what it paid minus what
/// earlier refunds already returned to it (a card refund carries the original reference).
pub fn build_refund(
    sale_doc: &Document,
    refunded: &Refunded,
    picks: &[(Uuid, Quantity)],
    cashier: Option<StaffId>,
    approved_by: Option<StaffId>,
    reason: &str,
) -> Result<DocumentBody, RefundError> {
    let DocumentBody::Sale(sale) = &sale_doc.body else {
        return Err(RefundError::NotASale);
    };
    let mut lines = Vec::new();
    for (id, qty) in picks.iter().filter(|(_, q)| !q.is_zero()) {
        let orig = sale
            .lines
            .iter()
            .find(|l| l.line_id == *id)
            .ok_or(RefundError::NoSuchLine(*id))?;
        let left = refundable(orig, refunded);
        if *qty > left || qty.is_negative() {
            return Err(RefundError::TooMuch {
                line: orig.name.clone(),
                left,
            });
        }
        let discount = prorate(orig.discount, *qty, orig.quantity);
        lines.push(SaleLine {
            quantity: *qty,
            discount,
            // The refunded part names the promotion while it still carries part of its discount.
            promotion: orig.promotion.clone().filter(|_| !discount.is_zero()),
            ..orig.clone()
        });
    }
    if lines.is_empty() {
        return Err(RefundError::NothingChosen);
    }
    let ticket_discount = if sale.ticket_discount.is_zero() {
        Money::ZERO
    } else {
        let gross = |ls: &[SaleLine]| -> Money {
            ls.iter()
                .map(|l| l.unit_price.times(l.quantity) - l.discount)
                .sum()
        };
        let (part, whole) = (gross(&lines), gross(&sale.lines));
        if whole.is_zero() {
            Money::ZERO
        } else {
            Money::new(sale.ticket_discount.as_decimal() * part.as_decimal() / whole.as_decimal())
        }
    };
    let inputs: Vec<LineInput> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, ticket_discount)?;
    let mut owed = totals.total;
    let mut payments = Vec::new();
    let mut given_back = refunded.clone();
    for p in &sale.payments {
        if owed.is_zero() {
            break;
        }
        let back_already = take_back(&mut given_back, p.tender, p.amount);
        let room = p.amount - back_already;
        if room.is_zero() || room.is_negative() {
            continue;
        }
        let amount = if owed < room { owed } else { room };
        payments.push(refund_payment(p, amount));
        owed -= amount;
    }
    if !owed.is_zero() {
        // Rounding of prorated discounts over several partial refunds: the last cent goes
        // back on the first tender rather than leaving the refund unbalanced.
        match payments.first_mut() {
            Some(first) => first.amount += owed,
            None => {
                if let Some(p) = sale.payments.first() {
                    payments.push(refund_payment(p, owed));
                }
            }
        }
    }
    Ok(DocumentBody::Refund(Refund {
        refund_number: String::new(),
        original_sale_id: sale_doc.id,
        original_ticket_number: sale.ticket_number.clone(),
        cashier_id: cashier,
        approved_by,
        reason: reason.trim().to_string(),
        lines,
        ticket_discount,
        payments,
        totals,
    }))
}

/// Consumes up to `cap` of what earlier refunds returned to `tender`, so two payments with the
/// same tender are each charged only once.
fn take_back(given: &mut Refunded, tender: sync_protocol::Tender, cap: Money) -> Money {
    let mut taken = Money::ZERO;
    for (_, m) in given.by_tender.iter_mut().filter(|(t, _)| *t == tender) {
        let room = cap - taken;
        if room.is_zero() {
            break;
        }
        let use_now = if *m < room { *m } else { room };
        taken += use_now;
        *m -= use_now;
    }
    taken
}

fn refund_payment(original: &Payment, amount: Money) -> Payment {
    Payment {
        payment_id: Uuid::now_v7(),
        tender: original.tender,
        amount,
        tendered: None,
        change: Money::ZERO,
        reference: original.reference.clone(),
    }
}
