//! A promotion on the ticket, through the headless iced_test Simulator: HQ's 3x2 pulled into the
//! ledger applies by itself as the third unit is scanned, its name and discount show under the
//! line with the total saved, an ended promotion does not apply, and the sale paid names it.

mod common;
use chrono::{Duration, Utc};
use common::*;
use pos_terminal_app::Screen;
use sync_protocol::{
    CatalogChange, DocumentBody, Money, ProductId, PromotionRecord, PromotionRule, Quantity,
    StaffId, StaffRole,
};

const OIL: &str = "8412345678905";
const WATER: &str = "5901234123457";

fn promotions() -> Vec<CatalogChange> {
    let today = Utc::now().date_naive();
    vec![
        CatalogChange::Promotion(PromotionRecord {
            id: 3,
            name: "3x2 agua".into(),
            rule: PromotionRule::NForM { take: 3, pay: 2 },
            products: vec![ProductId(2)],
            family: None,
            stores: vec![],
            starts_on: today - Duration::days(1),
            ends_on: today + Duration::days(1),
            ended_at: None,
        }),
        // Half price on the oil, ended by HQ an hour ago.
        CatalogChange::Promotion(PromotionRecord {
            id: 4,
            name: "Aceite a mitad".into(),
            rule: PromotionRule::PercentOff {
                percent: sync_protocol::Percent::whole(50),
            },
            products: vec![ProductId(1)],
            family: None,
            stores: vec![],
            starts_on: today - Duration::days(1),
            ends_on: today + Duration::days(1),
            ended_at: Some(Utc::now() - Duration::hours(1)),
        }),
    ]
}

#[test]
fn a_promotion_shows_on_the_ticket_and_the_sale_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut changes: Vec<CatalogChange> = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, OIL));
    changes.extend(product(2, "Agua mineral 1,5 L", 60, WATER));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    changes.extend(promotions());
    let mut l = enrolled_ledger(&dir, changes);
    l.start_shift(
        &pos_terminal::Staff {
            id: StaffId(2),
            name: "Marta".into(),
            role: StaffRole::Manager,
        },
        Vec::new(),
    )
    .expect("open shift");
    let mut till = logged_in_with(l);

    // Two waters: no promotion yet.
    type_into(&mut till, "scan", WATER, true);
    type_into(&mut till, "scan", WATER, true);
    assert!(!shows(&till, "3x2 agua"));
    assert!(shows(&till, "Total: 1,20 €"));
    // The third: one free, shown under the line, with the total saved.
    type_into(&mut till, "scan", WATER, true);
    let line = &till.cart.lines()[0];
    assert_eq!(line.quantity, Quantity::units(3));
    assert_eq!(line.promotion.as_ref().map(|p| p.id), Some(3));
    assert!(
        shows(&till, "3x2 agua"),
        "the promotion's name under its line"
    );
    assert!(shows(&till, "−0,60 €"), "its discount");
    assert!(shows(&till, "Ahorro en promociones: 0,60 €"));
    assert!(shows(&till, "Total: 1,20 €"));
    // The oil's promotion ended an hour ago: full price.
    type_into(&mut till, "scan", OIL, true);
    assert!(!shows(&till, "Aceite a mitad"));
    assert!(shows(&till, "Total: 14,65 €"));

    click(&mut till, "Cobrar (F2)");
    click(&mut till, "Confirmar cobro");
    assert!(matches!(till.screen, Screen::Sell(_)));
    let sale = with_ledger(&till, |l| {
        (1..=10)
            .filter_map(|seq| l.document(seq).ok().flatten())
            .find_map(|d| match d.body {
                DocumentBody::Sale(s) => Some(s),
                _ => None,
            })
            .expect("the sale")
    });
    let water = &sale.lines[0];
    assert_eq!(
        water.promotion.as_ref().map(|p| p.name.as_str()),
        Some("3x2 agua")
    );
    assert_eq!(water.discount, Money::from_cents(60));
    assert!(sale.lines[1].promotion.is_none());
    assert_eq!(sale.totals.total, Money::from_cents(1465));
}

#[test]
fn search_results_show_the_scheduled_price_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let mut changes: Vec<CatalogChange> = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, OIL));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    // HQ scheduled 11,99 € from yesterday (store's calendar): in force now.
    changes.push(CatalogChange::PriceSchedule(
        sync_protocol::PriceScheduleRecord {
            id: 7,
            product_id: ProductId(1),
            store_id: None,
            price: Money::from_cents(1199),
            effective_on: Utc::now().date_naive() - Duration::days(1),
        },
    ));
    let mut l = enrolled_ledger(&dir, changes);
    l.start_shift(
        &pos_terminal::Staff {
            id: StaffId(2),
            name: "Marta".into(),
            role: StaffRole::Manager,
        },
        Vec::new(),
    )
    .expect("open shift");
    let mut till = logged_in_with(l);

    type_into(&mut till, "scan", "aceite", false);
    assert!(shows(&till, "Aceite de oliva 1 L"), "the search result");
    assert!(
        shows(&till, "11,99 €"),
        "the result shows the price it will sell at"
    );
    assert!(!shows(&till, "13,45 €"), "not the catalog's old price");
    type_into(&mut till, "scan", "", true);
    assert_eq!(till.cart.lines()[0].unit_price, Money::from_cents(1199));
}
