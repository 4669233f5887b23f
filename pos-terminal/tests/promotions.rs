//! Promotions and scheduled prices at the till (issue 17): kept from HQ's change log and applied
//! by the till's own clock, offline, in the store's time zone; the sale records which promotion
//! gave which discount.
#![allow(clippy::unwrap_used)]

mod common;
use chrono::{DateTime, NaiveDate, Utc};
use common::*;
use pos_terminal::{Cart, cash_payment};
use sync_protocol::{
    CatalogChange, Change, ChangesPage, DocumentBody, Money, PriceScheduleRecord, ProductId,
    PromotionRecord, PromotionRule, Quantity, StoreId,
};

fn page(from: i64, changes: Vec<CatalogChange>) -> ChangesPage {
    ChangesPage {
        protocol_version: sync_protocol::PROTOCOL_VERSION,
        next_cursor: from + changes.len() as i64,
        changes: changes
            .into_iter()
            .enumerate()
            .map(|(i, change)| Change {
                cursor: from + i as i64 + 1,
                change,
            })
            .collect(),
        has_more: false,
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// 3x2 on water (product 4, 0.60) through December 2026.
fn three_for_two() -> PromotionRecord {
    PromotionRecord {
        id: 12,
        name: "3x2 agua".into(),
        rule: PromotionRule::NForM { take: 3, pay: 2 },
        products: vec![ProductId(4)],
        family: None,
        stores: vec![],
        starts_on: day(2026, 12, 1),
        ends_on: day(2026, 12, 31),
        ended_at: None,
    }
}

#[test]
fn the_ledger_applies_a_promotion_by_the_tills_clock_and_the_sale_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_enrolled(&dir, "http://hq.invalid");
    l.apply_changes(&catalog_page()).unwrap();
    l.apply_changes(&page(100, vec![CatalogChange::Promotion(three_for_two())]))
        .unwrap();
    let water = l.lookup_barcode("5901234123457").unwrap().unwrap();
    let discount_at = |l: &pos_terminal::Ledger, t: &str| {
        let mut cart = Cart::new();
        cart.set_offers(l.offers_at(at(t)).unwrap());
        cart.add_item(&water, Quantity::units(3)).unwrap();
        (
            cart.lines()[0].promotion.as_ref().map(|p| p.name.clone()),
            cart.totals().unwrap().total,
        )
    };
    // 30 Nov 23:30 in Madrid: not yet. 1 Dec 00:30 in Madrid (23:30 UTC): one unit free.
    assert_eq!(
        discount_at(&l, "2026-11-30T22:30:00Z"),
        (None, Money::from_cents(180))
    );
    assert_eq!(
        discount_at(&l, "2026-11-30T23:30:00Z"),
        (Some("3x2 agua".into()), Money::from_cents(120))
    );
    // After the last day: over.
    assert_eq!(
        discount_at(&l, "2026-12-31T23:00:00Z"),
        (None, Money::from_cents(180))
    );
    // HQ ends it early: from that instant it no longer applies.
    let ended = PromotionRecord {
        ended_at: Some(at("2026-12-10T12:00:00Z")),
        ..three_for_two()
    };
    l.apply_changes(&page(101, vec![CatalogChange::Promotion(ended)]))
        .unwrap();
    assert_eq!(
        discount_at(&l, "2026-12-10T11:00:00Z").1,
        Money::from_cents(120)
    );
    assert_eq!(
        discount_at(&l, "2026-12-10T12:00:00Z").1,
        Money::from_cents(180)
    );

    // A sale rung while it runs names it on the line, with its discount.
    l.set_clock(Some(at("2026-12-05T10:00:00Z")));
    l.start_shift(
        &pos_terminal::Staff {
            id: sync_protocol::StaffId(11),
            name: "Marta".into(),
            role: sync_protocol::StaffRole::Manager,
        },
        Vec::new(),
    )
    .unwrap();
    let mut cart = Cart::new();
    cart.set_offers(l.offers().unwrap());
    cart.add_item(&water, Quantity::units(4)).unwrap();
    assert_eq!(cart.promotion_savings(), Money::from_cents(60));
    let (lines, discount) = cart.take();
    let doc = l
        .record_sale(
            None,
            lines,
            discount,
            vec![cash_payment(Money::from_cents(180), Money::from_cents(200))],
        )
        .unwrap();
    let DocumentBody::Sale(s) = &doc.body else {
        panic!("not a sale")
    };
    let p = s.lines[0]
        .promotion
        .as_ref()
        .expect("the line names its promotion");
    assert_eq!((p.id, p.name.as_str()), (12, "3x2 agua"));
    assert_eq!(s.lines[0].discount, Money::from_cents(60));
    assert_eq!(s.totals.total, Money::from_cents(180));
    doc.body.validate().unwrap();
}

#[test]
fn a_scheduled_price_switches_at_the_stores_local_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_enrolled(&dir, "http://hq.invalid");
    l.apply_changes(&catalog_page()).unwrap();
    // Café con leche (1.50) goes to 1.65 from 1 Jan 2027, sent well ahead; the store is in the
    // Canaries, an hour behind Madrid.
    let mut store = store_record();
    store.time_zone = Some("Atlantic/Canary".into());
    l.apply_changes(&page(
        100,
        vec![
            CatalogChange::Store(store),
            CatalogChange::PriceSchedule(PriceScheduleRecord {
                id: 5,
                product_id: ProductId(1),
                store_id: None,
                price: Money::from_cents(165),
                effective_on: day(2027, 1, 1),
            }),
            // Another one HQ cancels before its day: never applies.
            CatalogChange::PriceSchedule(PriceScheduleRecord {
                id: 6,
                product_id: ProductId(4),
                store_id: Some(StoreId(1)),
                price: Money::from_cents(99),
                effective_on: day(2027, 1, 1),
            }),
            CatalogChange::PriceScheduleCancelled { id: 6 },
        ],
    ))
    .unwrap();
    let coffee = l.lookup_barcode("8412345678905").unwrap().unwrap();
    let water = l.lookup_barcode("5901234123457").unwrap().unwrap();
    let price = |t: &str, item| {
        let mut cart = Cart::new();
        cart.set_offers(l.offers_at(at(t)).unwrap());
        cart.add_item(item, Quantity::one()).unwrap();
        cart.lines()[0].unit_price
    };
    // 23:00 UTC on 31 Dec is midnight in Madrid but still 23:00 in the Canaries.
    assert_eq!(
        price("2026-12-31T23:00:00Z", &coffee),
        Money::from_cents(150)
    );
    assert_eq!(
        price("2026-12-31T23:59:59Z", &coffee),
        Money::from_cents(150)
    );
    assert_eq!(
        price("2027-01-01T00:00:00Z", &coffee),
        Money::from_cents(165)
    );
    assert_eq!(price("2027-01-01T00:00:00Z", &water), Money::from_cents(60));
}
