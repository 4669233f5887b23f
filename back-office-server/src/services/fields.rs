//! The field rules every adapter shares: names, prices, receipt texts, tolerances, NIFs, barcodes,
//! PINs. Each answers a [`Problem`] (a stable code and its arguments), never a sentence.

use crate::problem::Problem;
use sync_protocol::barcode::BarcodeError;
use sync_protocol::{Money, nif};

/// Longest receipt header or footer accepted (a few printed lines).
pub const RECEIPT_TEXT_MAX: usize = 500;
/// Highest cash over/short tolerance HQ may set for a store (1.000,00 €).
pub const MAX_CASH_TOLERANCE_CENTS: i64 = 100_000;
/// Longest franchisee or store address.
pub const ADDRESS_MAX: usize = 300;

/// A required text: trimmed, not empty, at most `max` characters.
pub fn text(field: &str, v: &str, max: usize) -> Result<String, Problem> {
    let t = v.trim();
    if t.is_empty() {
        return Err(Problem::new("field_empty").with("field", field));
    }
    if t.chars().count() > max {
        return Err(Problem::new("field_too_long")
            .with("field", field)
            .with("max", max));
    }
    Ok(t.to_string())
}

/// An optional text: trimmed, may be empty, at most `max` characters.
pub fn optional_text(field: &str, v: &str, max: usize) -> Result<String, Problem> {
    let t = v.trim();
    if t.chars().count() > max {
        return Err(Problem::new("field_too_long")
            .with("field", field)
            .with("max", max));
    }
    Ok(t.to_string())
}

/// A unit price: not negative, at most the largest the tills can total.
pub fn price(field: &str, p: Money) -> Result<Money, Problem> {
    if p.is_negative() {
        return Err(Problem::new("price_negative")
            .with("field", field)
            .with("value", p));
    }
    if p.cents() > sync_protocol::totals::MAX_UNIT_PRICE_CENTS {
        return Err(Problem::new("price_too_large")
            .with("field", field)
            .with("value", p));
    }
    Ok(p)
}

/// A receipt header or footer: trimmed, at most [`RECEIPT_TEXT_MAX`] characters, may be empty.
pub fn receipt_text(field: &str, v: &str) -> Result<String, Problem> {
    optional_text(field, v, RECEIPT_TEXT_MAX)
}

/// A franchisee or store address: trimmed, at most [`ADDRESS_MAX`] characters, may be empty.
pub fn address(v: &str) -> Result<String, Problem> {
    optional_text("address", v, ADDRESS_MAX)
}

/// An optional e-mail address: trimmed; empty is none; else it must read as an address.
pub fn optional_email(v: &str) -> Result<Option<String>, Problem> {
    let v = v.trim();
    if v.is_empty() {
        Ok(None)
    } else if sync_protocol::customers::is_email(v) {
        Ok(Some(v.to_string()))
    } else {
        Err(Problem::new("bad_email").with("email", v))
    }
}

/// A store's cash over/short tolerance: not negative, at most 1.000,00 €.
pub fn cash_tolerance(t: Money) -> Result<Money, Problem> {
    if t.is_negative() {
        return Err(Problem::new("cash_tolerance_negative").with("value", t));
    }
    if t.cents() > MAX_CASH_TOLERANCE_CENTS {
        return Err(Problem::new("cash_tolerance_too_high")
            .with("value", t)
            .with("max", Money::from_cents(MAX_CASH_TOLERANCE_CENTS)));
    }
    Ok(t)
}

/// A NIF/NIE/CIF normalised (no spaces, dots or dashes; upper case) and checked.
pub fn nif(v: &str) -> Result<String, Problem> {
    let n = nif::normalise(v);
    nif::check(&n).map_err(|e| {
        let p = Problem::new("nif_invalid")
            .with("value", v.trim())
            .with("reason", e.reason());
        match e.want() {
            Some(w) => p.with("want", w),
            None => p,
        }
    })?;
    Ok(n)
}

/// A retail barcode (EAN-13, EAN-8, UPC-A) trimmed and checked.
pub fn barcode(code: &str) -> Result<String, Problem> {
    let c = code.trim();
    let p = |reason: &'static str| {
        Problem::new("barcode_invalid")
            .with("code", c)
            .with("reason", reason)
    };
    if c.is_empty() {
        return Err(p("empty"));
    }
    match sync_protocol::barcode::check(c) {
        Ok(_) => Ok(c.to_string()),
        Err(BarcodeError::Length { .. }) => Err(p("length")),
        Err(BarcodeError::NotDigits { .. }) => Err(p("digits")),
        Err(
            BarcodeError::CheckDigit { expected, .. } | BarcodeError::Verifier { expected, .. },
        ) => Err(p("check").with("want", expected)),
    }
}

/// A till PIN: 4 to 8 digits.
pub fn pin(v: &str) -> Result<(), Problem> {
    crate::auth::validate_pin(v).map_err(|_| Problem::new("pin_invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn a_wrong_nif_says_why_in_both_languages() {
        let p = nif(" 12345678-a ").unwrap_err();
        assert_eq!(p.code, "nif_invalid");
        assert_eq!(
            p.message(Lang::En),
            "NIF “12345678-a” is not valid: wrong check letter: a DNI with these digits ends in Z"
        );
        assert!(
            p.message(Lang::Es).contains("termina en Z"),
            "{}",
            p.message(Lang::Es)
        );
        assert_eq!(nif("b-1234.5674").unwrap(), "B12345674");
    }

    #[test]
    fn barcodes_and_texts() {
        assert_eq!(barcode(" 4006381333931 ").unwrap(), "4006381333931");
        assert_eq!(
            barcode("4006381333932").unwrap_err().message(Lang::En),
            "barcode “4006381333932” is not valid: its check digit is wrong (it should be 1)"
        );
        assert_eq!(barcode("12ab").unwrap_err().args[1].1, "length");
        assert_eq!(barcode("").unwrap_err().args[1].1, "empty");
        assert_eq!(text("name", "  ", 10).unwrap_err().code, "field_empty");
        assert_eq!(
            text("name", "abcdef", 3).unwrap_err().code,
            "field_too_long"
        );
        assert_eq!(
            cash_tolerance(Money::from_cents(100_001)).unwrap_err().code,
            "cash_tolerance_too_high"
        );
        assert_eq!(
            price("price", Money::from_cents(-1)).unwrap_err().code,
            "price_negative"
        );
    }
}
