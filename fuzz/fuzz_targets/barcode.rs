//! Barcodes as scanned: check digits, and variable-measure decoding under any rule HQ might send
//! (validated or not). No panic; a made EAN-13 always checks; a decoded value fits its digits.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sync_protocol::barcode::{
    MeasureKind, VariableMeasureRule, check, decode_variable_measure, gs1_check_digit,
    make_ean13, price_weight_verifier, validate,
};

#[derive(Debug, Arbitrary)]
struct Input {
    code: String,
    prefix: String,
    item_digits: u8,
    value_digits: u8,
    decimals: u8,
    verifier: bool,
    price: bool,
}

fuzz_target!(|i: Input| {
    let _ = check(&i.code);
    let _ = validate(&i.code);
    let _ = gs1_check_digit(&i.code);
    let _ = price_weight_verifier(&i.code);
    if let Some(ean) = make_ean13(&i.code) {
        assert!(check(&ean).is_ok(), "make_ean13 made {ean:?} that does not check");
    }
    let rule = VariableMeasureRule {
        prefix: i.prefix.chars().take(3).collect(),
        item_digits: usize::from(i.item_digits % 16),
        kind: if i.price {
            MeasureKind::Price
        } else {
            MeasureKind::Weight
        },
        value_digits: usize::from(i.value_digits % 16),
        decimals: u32::from(i.decimals % 8),
        verifier: i.verifier,
    };
    let valid = rule.validate().is_ok();
    for rules in [
        vec![rule.clone()],
        vec![VariableMeasureRule::odoo_weight(), VariableMeasureRule::odoo_price()],
    ] {
        if let Ok(Some(m)) = decode_variable_measure(&i.code, &rules) {
            assert!(check(&m.lookup_code).is_ok(), "lookup code {:?} does not check", m.lookup_code);
            assert!(m.item.bytes().all(|b| b.is_ascii_digit()), "{m:?}");
            if rules.len() == 2 {
                assert_eq!(m.item.len(), 5, "{m:?}");
            } else if valid {
                assert_eq!(m.item.len(), rule.item_digits, "{m:?}");
            }
        }
    }
});
