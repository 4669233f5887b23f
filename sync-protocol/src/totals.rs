//! Ticket totals: the one rounding rule both the till and HQ use.
//!
//! Prices are tax-inclusive. The rule, applied in this order:
//! 1. line amount = round(unit price × quantity) − line discount (each to the cent, half away from zero);
//! 2. a ticket discount is shared over the lines in proportion to their amounts, in whole cents,
//!    leftover cents going to the largest lines first (so the shares always add up exactly);
//! 3. lines are grouped by tax rate; per rate, base = round(gross / (1 + rate/100)) and tax = gross − base,
//!    so base + tax is the rate's gross to the cent, and the ticket total is the sum of the rates' gross.

use crate::money::{Money, Quantity, ROUNDING, TaxRate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest quantity a single line may carry (units or kg); beyond it is a typo, not a sale.
pub const MAX_LINE_QUANTITY: i64 = 10_000;
/// Largest unit price accepted on a line.
pub const MAX_UNIT_PRICE_CENTS: i64 = 100_000_000;
/// Most lines on one ticket.
pub const MAX_LINES: usize = 1_000;

/// What totals need to know about one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    pub quantity: Quantity,
    pub unit_price: Money,
    pub tax_rate: TaxRate,
    pub discount: Money,
}

/// One line after the rule: its amount before and after its share of the ticket discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotal {
    pub gross: Money,
    pub ticket_discount_share: Money,
    pub net: Money,
}

/// Base and tax for one rate, as printed on the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxBreakdown {
    pub rate: TaxRate,
    pub base: Money,
    pub tax: Money,
    pub gross: Money,
}

/// A ticket's totals. `total` is what the customer pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTotals {
    pub lines: Vec<LineTotal>,
    /// Sum of line amounts before the ticket discount.
    pub subtotal: Money,
    pub ticket_discount: Money,
    pub taxes: Vec<TaxBreakdown>,
    /// Sum of the bases (net of tax).
    pub net: Money,
    /// Sum of the taxes.
    pub tax: Money,
    /// What the customer pays: `net + tax`.
    pub total: Money,
}

/// Why a ticket's lines cannot be totalled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    #[error("a ticket needs at least one line")]
    NoLines,
    #[error("a ticket may have at most {MAX_LINES} lines, this one has {0}")]
    TooManyLines(usize),
    #[error("line {line}: quantity {quantity} must be positive and at most {MAX_LINE_QUANTITY}")]
    BadQuantity { line: usize, quantity: Quantity },
    #[error("line {line}: unit price {price} must be between 0.00 and 1000000.00")]
    BadPrice { line: usize, price: Money },
    #[error("line {line}: tax rate {rate} must be between 0 and 100")]
    BadRate { line: usize, rate: TaxRate },
    #[error("line {line}: discount {discount} must be between 0.00 and the line amount {gross}")]
    BadLineDiscount {
        line: usize,
        discount: Money,
        gross: Money,
    },
    #[error("ticket discount {discount} must be between 0.00 and the subtotal {subtotal}")]
    BadTicketDiscount { discount: Money, subtotal: Money },
}

/// Applies the rule in the module documentation. Line numbers in errors start at 1.
pub fn compute_totals(
    lines: &[LineInput],
    ticket_discount: Money,
) -> Result<TicketTotals, TotalsError> {
    if lines.is_empty() {
        return Err(TotalsError::NoLines);
    }
    if lines.len() > MAX_LINES {
        return Err(TotalsError::TooManyLines(lines.len()));
    }
    let mut gross = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let line = i + 1;
        if l.quantity.milli() <= 0 || l.quantity > Quantity::units(MAX_LINE_QUANTITY) {
            return Err(TotalsError::BadQuantity {
                line,
                quantity: l.quantity,
            });
        }
        if l.unit_price.is_negative() || l.unit_price.cents() > MAX_UNIT_PRICE_CENTS {
            return Err(TotalsError::BadPrice {
                line,
                price: l.unit_price,
            });
        }
        if l.tax_rate.is_negative() || l.tax_rate > TaxRate::percent(100) {
            return Err(TotalsError::BadRate {
                line,
                rate: l.tax_rate,
            });
        }
        let g = l.unit_price.times(l.quantity);
        if l.discount.is_negative() || l.discount > g {
            return Err(TotalsError::BadLineDiscount {
                line,
                discount: l.discount,
                gross: g,
            });
        }
        gross.push(g - l.discount);
    }
    let subtotal: Money = gross.iter().copied().sum();
    if ticket_discount.is_negative() || ticket_discount > subtotal {
        return Err(TotalsError::BadTicketDiscount {
            discount: ticket_discount,
            subtotal,
        });
    }
    let shares = share_discount(&gross, subtotal, ticket_discount);
    let line_totals: Vec<LineTotal> = gross
        .iter()
        .zip(&shares)
        .map(|(&g, &s)| LineTotal {
            gross: g,
            ticket_discount_share: s,
            net: g - s,
        })
        .collect();

    let mut per_rate: BTreeMap<TaxRate, Money> = BTreeMap::new();
    for (l, t) in lines.iter().zip(&line_totals) {
        *per_rate.entry(l.tax_rate).or_default() += t.net;
    }
    let taxes: Vec<TaxBreakdown> = per_rate
        .into_iter()
        .map(|(rate, gross)| {
            let divisor = Decimal::ONE + rate.as_decimal() / Decimal::ONE_HUNDRED;
            let base =
                Money::new((gross.as_decimal() / divisor).round_dp_with_strategy(2, ROUNDING));
            TaxBreakdown {
                rate,
                base,
                tax: gross - base,
                gross,
            }
        })
        .collect();
    let net = taxes.iter().map(|t| t.base).sum();
    let tax = taxes.iter().map(|t| t.tax).sum();
    let total = taxes.iter().map(|t| t.gross).sum();
    Ok(TicketTotals {
        lines: line_totals,
        subtotal,
        ticket_discount,
        taxes,
        net,
        tax,
        total,
    })
}

/// Splits `discount` over `amounts` in proportion, in whole cents, largest remainder first.
pub(crate) fn share_discount(amounts: &[Money], subtotal: Money, discount: Money) -> Vec<Money> {
    if discount.is_zero() || subtotal.is_zero() {
        return vec![Money::ZERO; amounts.len()];
    }
    let d = discount.cents() as i128;
    let s = subtotal.cents() as i128;
    let mut shares: Vec<i128> = Vec::with_capacity(amounts.len());
    let mut rema: Vec<(i128, usize)> = Vec::with_capacity(amounts.len());
    for (i, a) in amounts.iter().enumerate() {
        let p = a.cents() as i128 * d;
        shares.push(p / s);
        rema.push((p % s, i));
    }
    let mut left = d - shares.iter().sum::<i128>();
    // Largest remainder first; ties to the earlier line, so the result is deterministic.
    rema.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rema {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
        .into_iter()
        .map(|c| Money::from_cents(c as i64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(price: i64, qty_milli: i64, rate: i64, discount: i64) -> LineInput {
        LineInput {
            quantity: Quantity::from_milli(qty_milli),
            unit_price: Money::from_cents(price),
            tax_rate: TaxRate::percent(rate),
            discount: Money::from_cents(discount),
        }
    }

    #[test]
    fn single_rate_base_and_tax_add_up() {
        let t = compute_totals(&[line(1210, 1000, 21, 0)], Money::ZERO).unwrap();
        assert_eq!(t.total.cents(), 1210);
        assert_eq!(t.taxes[0].base.cents(), 1000);
        assert_eq!(t.taxes[0].tax.cents(), 210);
    }

    #[test]
    fn mixed_rates_with_discounts() {
        // 2 × 3.45 @ 10 % with 0.40 off, 1 × 6.95 @ 21 %, 1 kg 0.999 @ 4 %, 1.00 off the ticket.
        let lines = [
            line(345, 2000, 10, 40),
            line(695, 1000, 21, 0),
            line(100, 999, 4, 0),
        ];
        let t = compute_totals(&lines, Money::from_cents(100)).unwrap();
        assert_eq!(t.subtotal.cents(), 650 + 695 + 100);
        assert_eq!(t.total.cents(), 1445 - 100);
        let share_sum: i64 = t
            .lines
            .iter()
            .map(|l| l.ticket_discount_share.cents())
            .sum();
        assert_eq!(share_sum, 100);
        for tb in &t.taxes {
            assert_eq!(tb.base + tb.tax, tb.gross);
        }
        assert_eq!(t.net + t.tax, t.total);
        // 10 %: 650 − 45 share = 605 → base 550, tax 55.
        let r10 = t
            .taxes
            .iter()
            .find(|x| x.rate == TaxRate::percent(10))
            .unwrap();
        assert_eq!(r10.gross.cents(), 605);
        assert_eq!(r10.base.cents(), 550);
    }

    #[test]
    fn discount_share_goes_to_largest_remainder() {
        let s = share_discount(
            &[
                Money::from_cents(100),
                Money::from_cents(100),
                Money::from_cents(100),
            ],
            Money::from_cents(300),
            Money::from_cents(100),
        );
        assert_eq!(
            s.iter().map(|m| m.cents()).collect::<Vec<_>>(),
            vec![34, 33, 33]
        );
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        assert_eq!(compute_totals(&[], Money::ZERO), Err(TotalsError::NoLines));
        let e = compute_totals(
            &[line(100, 1000, 21, 0), line(100, -1000, 21, 0)],
            Money::ZERO,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("line 2: quantity"), "{e}");
        assert!(compute_totals(&[line(100, 1000, 21, 101)], Money::ZERO).is_err());
        assert!(compute_totals(&[line(100, 1000, 21, 0)], Money::from_cents(101)).is_err());
        assert!(compute_totals(&[line(100, 20_000_000, 21, 0)], Money::ZERO).is_err());
    }
}
