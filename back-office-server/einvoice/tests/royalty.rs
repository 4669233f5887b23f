//! Royalty and fee lines computed by hand: marginal tiers with a monthly minimum, marketing fund,
//! fees, entry fee, late sales of an earlier month, goods with recargo de equivalencia, and the
//! tier-table checks.

mod common;

use common::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sync_protocol::{Money, Quantity, TaxRate};
use trastienda_einvoice::royalty::*;
use trastienda_einvoice::*;

fn tiers() -> Vec<Tier> {
    vec![
        Tier {
            from: m("0.00"),
            to: Some(m("10000.00")),
            percent: dec!(6),
        },
        Tier {
            from: m("10000.00"),
            to: Some(m("30000.00")),
            percent: dec!(4),
        },
        Tier {
            from: m("30000.00"),
            to: None,
            percent: dec!(3),
        },
    ]
}

fn terms() -> ContractTerms {
    ContractTerms::new(
        tiers(),
        m("500.00"),
        dec!(2),
        vec![
            FixedFee {
                name: "Licencia de software por caja".into(),
                basis: FeeBasis::PerTill,
                amount: m("25.00"),
            },
            FixedFee {
                name: "Soporte por tienda".into(),
                basis: FeeBasis::PerStore,
                amount: m("40.00"),
            },
        ],
        m("15000.00"),
        TaxRate::percent(21),
    )
    .unwrap()
}

fn month(sales: &str) -> MonthActivity {
    MonthActivity {
        period: Period::month(2026, 11).unwrap(),
        net_sales: m(sales),
        tills: 3,
        stores: 2,
        bill_entry_fee: false,
        deliveries: vec![],
        late_sales: vec![],
    }
}

fn amounts(lines: &[LineDraft]) -> Vec<(String, String, String)> {
    lines
        .iter()
        .map(|l| {
            (
                l.description.clone(),
                l.quantity.to_string(),
                l.unit_price.to_string(),
            )
        })
        .collect()
}

#[test]
fn marginal_tiers_by_hand() {
    let t = terms();
    // 12,345.67: 10,000 × 6 % = 600.00; 2,345.67 × 4 % = 93.8268 → 93.83
    assert_eq!(t.royalty.royalty(m("12345.67")), m("693.83"));
    // 40,000: 600 + 20,000 × 4 % (800) + 10,000 × 3 % (300)
    assert_eq!(t.royalty.royalty(m("40000.00")), m("1700.00"));
    // exactly at a band limit only the lower band applies
    assert_eq!(t.royalty.royalty(m("10000.00")), m("600.00"));
    assert_eq!(t.royalty.royalty(m("-50.00")), Money::ZERO);
    // minimum applies below 8,333.34 of sales
    assert_eq!(t.royalty_due(m("5000.00")), m("500.00"));
    assert_eq!(t.royalty_due(m("12345.67")), m("693.83"));
}

#[test]
fn tiered_royalty_above_the_minimum_with_fund_and_fees() {
    let lines = period_lines(&terms(), &month("12345.67"), false, Language::Es).unwrap();
    let s = |x: &str| x.to_string();
    assert_eq!(
        amounts(&lines),
        vec![
            (
                s("Royalty noviembre 2026: 6 % de 10.000,00 € (tramo desde 0,00 €)"),
                s("1.000"),
                s("600.00")
            ),
            (
                s("Royalty noviembre 2026: 4 % de 2.345,67 € (tramo desde 10.000,00 €)"),
                s("1.000"),
                s("93.83")
            ),
            // 12,345.67 × 2 % = 246.9134 → 246.91
            (
                s("Fondo de marketing noviembre 2026: 2 % de 12.345,67 €"),
                s("1.000"),
                s("246.91")
            ),
            (
                s("Licencia de software por caja (noviembre 2026)"),
                s("3.000"),
                s("25.00")
            ),
            (
                s("Soporte por tienda (noviembre 2026)"),
                s("2.000"),
                s("40.00")
            ),
        ]
    );
    assert!(
        lines
            .iter()
            .all(|l| l.vat_rate == TaxRate::percent(21) && l.surcharge_rate.is_none())
    );
}

#[test]
fn tiered_royalty_below_the_minimum_gets_a_top_up_line() {
    let mut activity = month("5000.00");
    activity.bill_entry_fee = true;
    let lines = period_lines(&terms(), &activity, false, Language::En).unwrap();
    let s = |x: &str| x.to_string();
    assert_eq!(
        amounts(&lines)[..3],
        [
            (
                s("Royalty November 2026: 6 % of €5,000.00 (band from €0.00)"),
                s("1.000"),
                s("300.00")
            ),
            (
                s("Minimum royalty November 2026: top-up to €500.00"),
                s("1.000"),
                s("200.00")
            ),
            (
                s("Marketing fund November 2026: 2 % of €5,000.00"),
                s("1.000"),
                s("100.00")
            ),
        ]
    );
    assert_eq!(
        amounts(&lines).last().unwrap(),
        &(s("Franchise entry fee"), s("1.000"), s("15000.00"))
    );
    // The whole invoice: royalty 500 + fund 100 + 75 + 80 + 15,000 = 15,755.00; VAT 3,308.55.
    let mut draft = royalty_draft();
    draft.lines = lines;
    let inv = Invoice::new(draft).unwrap();
    assert_eq!(inv.totals().lines_net, m("15755.00"));
    assert_eq!(inv.totals().vat, m("3308.55"));
    assert_eq!(inv.totals().total, m("19063.55"));
}

#[test]
fn no_sales_still_owes_the_minimum() {
    let lines = period_lines(&terms(), &month("0.00"), false, Language::Es).unwrap();
    assert_eq!(
        lines[0].description,
        "Royalty mínimo noviembre 2026: complemento hasta 500,00 €"
    );
    assert_eq!(lines[0].unit_price, m("500.00"));
    assert_eq!(lines.len(), 3); // minimum + two fees; no marketing fund on nothing
}

#[test]
fn late_sales_are_invoiced_on_their_own_line_under_their_months_terms() {
    let mut october_terms = terms();
    october_terms.marketing_fund_percent = dec!(1.5);
    let mut activity = month("12345.67");
    activity.late_sales = vec![
        // October: 12,000 invoiced (600 + 80 = 680); +850 → 600 + 114 = 714 → 34.00; fund 1.5 % of 850 = 12.75
        LateSales {
            period: Period::month(2026, 10).unwrap(),
            already_invoiced: m("12000.00"),
            late: m("850.00"),
            terms: october_terms,
        },
        // September: 5,000 invoiced (minimum 500 paid); +2,000 → 420 < 500 → no royalty; fund 40.00
        LateSales {
            period: Period::month(2026, 9).unwrap(),
            already_invoiced: m("5000.00"),
            late: m("2000.00"),
            terms: terms(),
        },
        // August: 9,500 invoiced (570); a late refund of −1,000 → 8,500 (510) → −60.00; fund −20.00
        LateSales {
            period: Period::month(2026, 8).unwrap(),
            already_invoiced: m("9500.00"),
            late: m("-1000.00"),
            terms: terms(),
        },
    ];
    let lines = period_lines(&terms(), &activity, false, Language::Es).unwrap();
    let late: Vec<_> = lines.iter().filter(|l| l.period.is_some()).collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        amounts(&late.iter().map(|l| (*l).clone()).collect::<Vec<_>>()),
        vec![
            (
                s("Royalty ventas tardías de octubre 2026: 850,00 €"),
                s("1.000"),
                s("34.00")
            ),
            (
                s("Fondo de marketing ventas tardías de octubre 2026: 1,5 % de 850,00 €"),
                s("1.000"),
                s("12.75")
            ),
            (
                s("Fondo de marketing ventas tardías de septiembre 2026: 2 % de 2.000,00 €"),
                s("1.000"),
                s("40.00")
            ),
            (
                s("Royalty ventas tardías de agosto 2026: -1.000,00 €"),
                s("-1.000"),
                s("60.00")
            ),
            (
                s("Fondo de marketing ventas tardías de agosto 2026: 2 % de -1.000,00 €"),
                s("-1.000"),
                s("20.00")
            ),
        ]
    );
    assert_eq!(late[0].period, Period::month(2026, 10));
    assert_eq!(late[3].period, Period::month(2026, 8));

    activity.late_sales[0].period = Period::month(2026, 11).unwrap();
    assert!(matches!(
        period_lines(&terms(), &activity, false, Language::Es),
        Err(RoyaltyError::LateNotEarlier { .. })
    ));
}

#[test]
fn goods_from_delivery_notes_carry_recargo_when_the_franchisee_is_under_it() {
    let mut activity = month("0.00");
    activity.deliveries = vec![DeliveryNote {
        number: "DN-118".into(),
        date: d(2026, 11, 3),
        lines: vec![
            DeliveryLine {
                description: "Café en grano 1 kg".into(),
                quantity: Quantity::units(12),
                unit: Unit::Each,
                unit_price: m("11.35"),
                vat_rate: TaxRate::percent(10),
                surcharge_rate_override: None,
            },
            DeliveryLine {
                description: "Tabaco de liar".into(),
                quantity: Quantity::units(2),
                unit: Unit::Each,
                unit_price: m("4.00"),
                vat_rate: TaxRate::percent(21),
                surcharge_rate_override: Some(TaxRate::from_hundredths(175)),
            },
        ],
    }];
    let lines = period_lines(&terms(), &activity, true, Language::Es).unwrap();
    let goods: Vec<_> = lines
        .iter()
        .filter(|l| l.revenue == Revenue::Goods)
        .collect();
    assert_eq!(
        goods[0].description,
        "Albarán DN-118 (03/11/2026): Café en grano 1 kg"
    );
    assert_eq!(goods[0].surcharge_rate, Some(TaxRate::from_hundredths(140)));
    assert_eq!(goods[1].surcharge_rate, Some(TaxRate::from_hundredths(175)));
    let without = period_lines(&terms(), &activity, false, Language::Es).unwrap();
    assert!(without.iter().all(|l| l.surcharge_rate.is_none()));

    // Under recargo, an invoice of these lines is valid for the individual franchisee.
    let mut draft = goods_draft();
    draft.lines = lines;
    let inv = Invoice::new(draft).unwrap();
    // 136.20 × 1.4 % = 1.9068 → 1.91; 8.00 × 1.75 % = 0.14
    assert_eq!(inv.totals().surcharge, m("2.05"));

    activity.deliveries[0].lines[0].vat_rate = TaxRate::from_hundredths(1200);
    assert!(matches!(
        period_lines(&terms(), &activity, true, Language::Es),
        Err(RoyaltyError::Delivery { line: 1, .. })
    ));
}

/// A month of goods with more lines than one invoice may hold (a supermarket's weekly albaranes):
/// one line per delivery note and tax rate instead, each the exact sum of the rounded line nets
/// it replaces, so the bases per rate are the same to the cent as line by line.
#[test]
fn a_month_of_goods_too_long_for_one_invoice_is_put_together_per_delivery_note_and_rate() {
    let note = |n: u32, count: u32| DeliveryNote {
        number: format!("ALB-{n:03}"),
        date: d(2026, 11, n),
        lines: (0..count)
            .map(|i| DeliveryLine {
                description: format!("Producto {i}"),
                quantity: Quantity::units(i64::from(1 + i % 7)),
                unit: Unit::Each,
                unit_price: m(&format!("{}.{:02}", 1 + i % 13, (i * 37) % 100)),
                vat_rate: if i % 3 == 0 {
                    TaxRate::percent(21)
                } else {
                    TaxRate::percent(10)
                },
                surcharge_rate_override: None,
            })
            .collect(),
    };
    let mut activity = month("20000.00");
    activity.deliveries = vec![note(3, 300), note(10, 299)];
    let base = |rate: i64| -> Money {
        activity
            .deliveries
            .iter()
            .flat_map(|n| &n.lines)
            .filter(|l| l.vat_rate == TaxRate::percent(rate))
            .map(|l| l.unit_price.times(l.quantity))
            .sum()
    };

    let lines = period_lines(&terms(), &activity, true, Language::Es).unwrap();
    let goods: Vec<_> = lines
        .iter()
        .filter(|l| l.revenue == Revenue::Goods)
        .collect();
    assert_eq!(goods.len(), 4, "two notes × two rates");
    assert_eq!(
        goods[0].description,
        "Albarán ALB-003 (03/11/2026): 100 líneas de mercancía al 21 % de IVA"
    );
    assert_eq!(
        goods[1].description,
        "Albarán ALB-003 (03/11/2026): 200 líneas de mercancía al 10 % de IVA"
    );
    assert!(
        goods[3]
            .description
            .starts_with("Albarán ALB-010 (10/11/2026): 199 líneas"),
        "{}",
        goods[3].description
    );
    assert!(goods.iter().all(|g| g.quantity == Quantity::one()));
    assert!(
        goods.iter().all(|g| g.surcharge_rate.is_some()),
        "recargo kept"
    );
    let sum = |rate: i64| -> Money {
        goods
            .iter()
            .filter(|g| g.vat_rate == TaxRate::percent(rate))
            .map(|g| g.unit_price)
            .sum()
    };
    assert_eq!(sum(21), base(21));
    assert_eq!(sum(10), base(10));
    // And it is a valid invoice.
    let mut draft = goods_draft();
    draft.lines = lines;
    Invoice::new(draft).unwrap();

    let en = period_lines(&terms(), &activity, true, Language::En).unwrap();
    assert!(
        en.iter().any(|l| l.description
            == "Delivery note ALB-003 (03/11/2026): 200 lines of goods at 10 % VAT")
    );
    // Fewer lines stay one per product.
    activity.deliveries = vec![note(3, 40)];
    let short = period_lines(&terms(), &activity, true, Language::Es).unwrap();
    assert_eq!(
        short.iter().filter(|l| l.revenue == Revenue::Goods).count(),
        40
    );
}

#[test]
fn tier_tables_with_gaps_overlaps_or_bad_percentages_are_refused() {
    let mut t = tiers();
    t[1].from = m("10000.01");
    assert_eq!(
        TierTable::new(t),
        Err(TierError::Gap {
            band: 1,
            to: m("10000.00"),
            next_from: m("10000.01")
        })
    );
    let mut t = tiers();
    t[1].from = m("9000.00");
    assert!(matches!(
        TierTable::new(t),
        Err(TierError::Overlap { band: 1, .. })
    ));
    let mut t = tiers();
    t[1].to = Some(m("5000.00"));
    assert!(matches!(
        TierTable::new(t),
        Err(TierError::NotAscending { band: 2, .. })
    ));
    let mut t = tiers();
    t[1].percent = dec!(-1);
    assert_eq!(
        TierTable::new(t),
        Err(TierError::BadPercent {
            band: 2,
            percent: dec!(-1)
        })
    );
    let mut t = tiers();
    t[2].percent = dec!(100.5);
    assert!(matches!(
        TierTable::new(t),
        Err(TierError::BadPercent { band: 3, .. })
    ));
    let mut t = tiers();
    t[0].from = m("1.00");
    assert_eq!(
        TierTable::new(t),
        Err(TierError::FirstNotFromZero(m("1.00")))
    );
    let mut t = tiers();
    t[2].to = Some(m("90000.00"));
    assert_eq!(TierTable::new(t), Err(TierError::LastBandClosed));
    let mut t = tiers();
    t[1].to = None;
    assert_eq!(
        TierTable::new(t),
        Err(TierError::OpenBandNotLast { band: 2 })
    );
    assert_eq!(TierTable::new(vec![]), Err(TierError::Empty));
    assert!(matches!(
        TierTable::flat(dec!(5.12345)),
        Err(TierError::TooPrecise { .. })
    ));
    assert!(TierTable::flat(dec!(5.5)).is_ok());
}

#[test]
fn bad_contract_figures_are_refused() {
    let new = |min: &str, fund: Decimal, fee: &str, entry: &str, vat: i64| {
        ContractTerms::new(
            tiers(),
            m(min),
            fund,
            vec![FixedFee {
                name: "Soporte".into(),
                basis: FeeBasis::PerMonth,
                amount: m(fee),
            }],
            m(entry),
            TaxRate::percent(vat),
        )
    };
    assert!(new("500.00", dec!(2), "10.00", "0.00", 21).is_ok());
    assert!(matches!(
        new("-1.00", dec!(2), "10.00", "0.00", 21),
        Err(TermsError::NegativeMinimum(_))
    ));
    assert!(matches!(
        new("0.00", dec!(-2), "10.00", "0.00", 21),
        Err(TermsError::BadMarketingPercent(_))
    ));
    assert!(matches!(
        new("0.00", dec!(2), "-10.00", "0.00", 21),
        Err(TermsError::NegativeFee { .. })
    ));
    assert!(matches!(
        new("0.00", dec!(2), "10.00", "-5.00", 21),
        Err(TermsError::NegativeEntryFee(_))
    ));
    assert!(matches!(
        new("0.00", dec!(2), "10.00", "0.00", 7),
        Err(TermsError::BadServicesVat(_))
    ));
}
