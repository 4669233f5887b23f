//! The one rounding rule: totals of arbitrary lines never panic, and when they are accepted they
//! add up (per-rate gross = base + tax, their sum = the total = net + tax).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sync_protocol::{LineInput, Money, Quantity, TaxRate, compute_totals};

#[derive(Debug, Arbitrary)]
struct Line {
    milli: i32,
    price_cents: i32,
    rate_hundredths: i16,
    discount_cents: i32,
}

fuzz_target!(|input: (Vec<Line>, i32)| {
    let (lines, ticket_discount) = input;
    let lines: Vec<LineInput> = lines
        .iter()
        .take(60)
        .map(|l| LineInput {
            quantity: Quantity::from_milli(i64::from(l.milli)),
            unit_price: Money::from_cents(i64::from(l.price_cents)),
            tax_rate: TaxRate::from_hundredths(i64::from(l.rate_hundredths)),
            discount: Money::from_cents(i64::from(l.discount_cents)),
        })
        .collect();
    let Ok(t) = compute_totals(&lines, Money::from_cents(i64::from(ticket_discount))) else {
        return;
    };
    assert_eq!(t.lines.len(), lines.len());
    let gross: Money = t.taxes.iter().map(|x| x.gross).sum();
    let base: Money = t.taxes.iter().map(|x| x.base).sum();
    let tax: Money = t.taxes.iter().map(|x| x.tax).sum();
    for x in &t.taxes {
        assert_eq!(x.base + x.tax, x.gross, "{x:?}");
    }
    assert_eq!(gross, t.total, "{t:?}");
    assert_eq!(base, t.net, "{t:?}");
    assert_eq!(tax, t.tax, "{t:?}");
    assert_eq!(t.net + t.tax, t.total, "{t:?}");
    assert_eq!(t.subtotal - t.ticket_discount, t.total, "{t:?}");
    assert!(!t.total.is_negative(), "{t:?}");
});
