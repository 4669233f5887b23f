//! Scale labels (GS1 variable measure): rules pulled from HQ decode a label into a weighed or a
//! priced line of the product registered under the label's zero-value code; totals exact to the cent.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pos_terminal::{Cart, Ledger, Scan, ScanError, cash_payment};
use sync_protocol::barcode::{MeasureKind, VariableMeasureRule, make_ean13};
use sync_protocol::*;

fn ean(first12: &str) -> String {
    make_ean13(first12).unwrap()
}

fn page(first_cursor: i64, changes: Vec<CatalogChange>) -> ChangesPage {
    let n = changes.len() as i64;
    ChangesPage {
        protocol_version: PROTOCOL_VERSION,
        changes: changes
            .into_iter()
            .enumerate()
            .map(|(i, change)| Change {
                cursor: first_cursor + i as i64,
                change,
            })
            .collect(),
        next_cursor: first_cursor + n - 1,
        has_more: false,
    }
}

/// An enrolled till with the common catalog, rules 21 (weight, grams) and 23 (price, cents),
/// a 22 rule with a verifier digit, and three scale products: oranges at 1,89 €/kg (code
/// 21 00001), cheese at 18,95 €/kg (23 00002) and ham (22 0042).
fn till(dir: &tempfile::TempDir) -> Ledger {
    let mut l = open_enrolled(dir, "http://hq.invalid");
    l.apply_changes(&catalog_page()).unwrap();
    open_shift(&mut l);
    let verifier = VariableMeasureRule {
        prefix: "22".into(),
        item_digits: 4,
        kind: MeasureKind::Price,
        value_digits: 5,
        decimals: 2,
        verifier: true,
    };
    let changes = vec![
        CatalogChange::BarcodeRule(BarcodeRuleRecord::new(
            1,
            &VariableMeasureRule::odoo_weight(),
        )),
        CatalogChange::BarcodeRule(BarcodeRuleRecord::new(
            2,
            &VariableMeasureRule::odoo_price(),
        )),
        CatalogChange::BarcodeRule(BarcodeRuleRecord::new(3, &verifier)),
        product(20, "Naranjas (kg)", 189),
        product(21, "Queso manchego (kg)", 1895),
        product(22, "Jamón al corte", 3200),
        CatalogChange::Barcode {
            code: ean("210000100000"),
            product_id: ProductId(20),
        },
        CatalogChange::Barcode {
            code: ean("230000200000"),
            product_id: ProductId(21),
        },
        CatalogChange::Barcode {
            code: ean("220042000000"),
            product_id: ProductId(22),
        },
    ];
    let p = page(100, changes);
    assert_eq!(l.apply_changes(&p).unwrap(), 9);
    // Applying the same page again changes nothing.
    assert_eq!(l.apply_changes(&p).unwrap(), 0);
    assert_eq!(l.barcode_rules().unwrap().len(), 3);
    l
}

#[test]
fn weight_and_price_labels_make_exact_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = till(&dir);

    // 1,525 kg of oranges at 1,89 €/kg = 2,88225 → 2,88 €.
    let label = ean("210000101525");
    let s = l.resolve_scan(&label).unwrap();
    let Scan::Weighed { item, quantity } = &s else {
        panic!("{s:?}")
    };
    assert_eq!(item.product_id, ProductId(20));
    assert_eq!(item.barcode.as_deref(), Some(label.as_str()));
    assert_eq!(*quantity, Quantity::from_milli(1525));
    // Cheese sold by a price label: one unit at 7,58 €, whatever its price per kg.
    let s2 = l.resolve_scan(&ean("230000200758")).unwrap();
    assert!(
        matches!(&s2, Scan::Priced { item, price } if item.product_id == ProductId(21) && *price == Money::from_cents(758)),
        "{s2:?}"
    );
    // Ham with a verifier digit: 22 0042 8 12345 → 123,45 €.
    let s3 = l.resolve_scan(&ean("220042812345")).unwrap();
    assert!(
        matches!(&s3, Scan::Priced { price, .. } if *price == Money::from_cents(12345)),
        "{s3:?}"
    );
    // An ordinary code still works and still bumps.
    let cafe = l.resolve_scan("8412345678905").unwrap();
    assert!(matches!(&cafe, Scan::Item(i) if i.product_id == ProductId(1)));

    let mut cart = Cart::new();
    for s in [&s, &s, &s2, &s3, &cafe, &cafe] {
        cart.add_scan(s).unwrap();
    }
    // Each label is its own line (two weighings of oranges are two lines); the café bumps.
    let lines = cart.lines();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0].quantity, Quantity::from_milli(1525));
    assert_eq!(lines[0].unit_price, Money::from_cents(189));
    assert_eq!(lines[1].quantity, Quantity::from_milli(1525));
    assert_eq!(lines[2].quantity, Quantity::one());
    assert_eq!(lines[2].unit_price, Money::from_cents(758));
    assert_eq!(lines[2].name, "Queso manchego (kg)");
    assert_eq!(lines[3].unit_price, Money::from_cents(12345));
    assert_eq!(lines[4].quantity, Quantity::units(2));
    let t = cart.totals().unwrap();
    let gross: Vec<Money> = t.lines.iter().map(|l| l.gross).collect();
    assert_eq!(
        gross,
        [288, 288, 758, 12345, 300].map(Money::from_cents).to_vec()
    );
    // 2,88 + 2,88 + 7,58 + 123,45 + 3,00 = 139,79 €, all at 10 %: base 127,08, tax 12,71.
    assert_eq!(t.total, Money::from_cents(13979));
    assert_eq!(t.net, Money::from_cents(12708));
    assert_eq!(t.tax, Money::from_cents(1271));

    // Recorded as a sale: the document carries the label, the weight and the price per kg.
    let (lines, discount) = cart.take();
    let doc = l
        .record_sale(
            Some(StaffId(10)),
            lines,
            discount,
            vec![cash_payment(t.total, Money::from_cents(15000))],
        )
        .unwrap();
    let DocumentBody::Sale(sale) = &doc.body else {
        panic!()
    };
    assert_eq!(sale.totals.total, Money::from_cents(13979));
    assert_eq!(sale.lines[0].barcode.as_deref(), Some(label.as_str()));
    assert_eq!(sale.lines[0].quantity, Quantity::from_milli(1525));
    assert_eq!(sale.lines[0].unit_price, Money::from_cents(189));
    doc.body.validate().unwrap();
}

#[test]
fn a_store_price_applies_to_weighed_goods() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = till(&dir);
    l.apply_changes(&page(
        200,
        vec![CatalogChange::StorePrice {
            product_id: ProductId(20),
            price: Money::from_cents(199),
        }],
    ))
    .unwrap();
    // 0,755 kg at 1,99 €/kg = 1,50245 → 1,50 €.
    let mut cart = Cart::new();
    cart.add_scan(&l.resolve_scan(&ean("210000100755")).unwrap())
        .unwrap();
    assert_eq!(cart.totals().unwrap().total, Money::from_cents(150));
}

#[test]
fn bad_labels_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = till(&dir);
    let good = ean("210000101525");
    let last = good.chars().last().unwrap().to_digit(10).unwrap();
    let bad = format!("{}{}", &good[..12], (last + 1) % 10);
    let e = l.resolve_scan(&bad).unwrap_err();
    assert!(matches!(e, ScanError::Invalid { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.starts_with("código de barras no válido"), "{msg}");
    assert!(msg.contains(&format!("debería ser {last}")), "{msg}");

    // The price/weight verifier digit is checked too (22 0042 [7 instead of 8] 12345).
    let e = l.resolve_scan(&ean("220042712345")).unwrap_err();
    assert!(
        e.to_string().contains("verificador") && e.to_string().contains("debería ser 8"),
        "{e}"
    );
    // An ordinary code with a bad check digit, and digits of no barcode length.
    for code in ["8412345678906", "84123456"] {
        let e = l.resolve_scan(code).unwrap_err();
        assert!(matches!(e, ScanError::Invalid { .. }), "{code}: {e:?}");
    }
    // A label of an article HQ has not registered says which code to register.
    let e = l.resolve_scan(&ean("210000901525")).unwrap_err();
    assert!(
        matches!(&e, ScanError::UnknownScaleItem { item, lookup_code, .. }
            if item == "00009" && *lookup_code == ean("210000900000")),
        "{e:?}"
    );
    // A valid code nobody sells.
    assert!(matches!(
        l.resolve_scan("5449000000996"),
        Err(ScanError::Unknown(_))
    ));
    assert!(matches!(
        l.resolve_scan("TICKET-1"),
        Err(ScanError::Unknown(_))
    ));

    // Once HQ deletes the weight rule, a 21 label is an ordinary (unknown) code again.
    l.apply_changes(&page(
        300,
        vec![CatalogChange::BarcodeRuleDeleted { id: 1 }],
    ))
    .unwrap();
    assert_eq!(l.barcode_rules().unwrap().len(), 2);
    assert!(matches!(l.resolve_scan(&good), Err(ScanError::Unknown(_))));
    // And a changed rule replaces the old one (same id): 23 becomes a weight rule.
    let mut w = VariableMeasureRule::odoo_weight();
    w.prefix = "23".into();
    l.apply_changes(&page(
        400,
        vec![CatalogChange::BarcodeRule(BarcodeRuleRecord::new(2, &w))],
    ))
    .unwrap();
    assert!(matches!(
        l.resolve_scan(&ean("230000201000")).unwrap(),
        Scan::Weighed { quantity, .. } if quantity == Quantity::units(1)
    ));
}
