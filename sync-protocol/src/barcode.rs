//! Retail barcodes shared by HQ and the till: EAN-13, EAN-8 and UPC-A check digits, and GS1
//! variable-measure (prefixes 20–29) decoding, so both ends accept and read a code the same way.

use crate::money::{Money, Quantity};
use serde::{Deserialize, Serialize};

/// The GS1 check digit for the digits before it (weights 3,1,3,… from the right).
pub fn gs1_check_digit(payload: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, c) in payload.chars().rev().enumerate() {
        let d = c.to_digit(10)?;
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    Some((10 - sum % 10) % 10)
}

/// Why a scanned or typed code is not a valid retail barcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error(
        "invalid barcode '{code}': it has {len} characters; expected an EAN-13 (13 digits), UPC-A (12) or EAN-8 (8)"
    )]
    Length { code: String, len: usize },
    #[error("invalid barcode '{code}': it must be digits only")]
    NotDigits { code: String },
    #[error(
        "invalid barcode '{code}': check digit should be {expected} for an {kind} starting {payload}"
    )]
    CheckDigit {
        code: String,
        kind: &'static str,
        payload: String,
        expected: u32,
    },
    #[error("invalid barcode '{code}': the price/weight verifier digit should be {expected}")]
    Verifier { code: String, expected: u32 },
}

/// The symbology a valid code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Symbology {
    Ean13,
    Ean8,
    UpcA,
}

impl Symbology {
    pub fn name(self) -> &'static str {
        match self {
            Self::Ean13 => "EAN-13",
            Self::Ean8 => "EAN-8",
            Self::UpcA => "UPC-A",
        }
    }
}

/// Checks an EAN-13, EAN-8 or UPC-A code (digits only, check digit correct).
pub fn check(code: &str) -> Result<Symbology, BarcodeError> {
    let kind = match code.len() {
        13 => Symbology::Ean13,
        12 => Symbology::UpcA,
        8 => Symbology::Ean8,
        _ => {
            return Err(BarcodeError::Length {
                code: code.to_string(),
                len: code.chars().count(),
            });
        }
    };
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BarcodeError::NotDigits {
            code: code.to_string(),
        });
    }
    let (payload, check) = code.split_at(code.len() - 1);
    let want = gs1_check_digit(payload).unwrap_or(10);
    if check.chars().next().and_then(|c| c.to_digit(10)) != Some(want) {
        return Err(BarcodeError::CheckDigit {
            code: code.to_string(),
            kind: kind.name(),
            payload: payload.to_string(),
            expected: want,
        });
    }
    Ok(kind)
}

/// Checks an EAN-13, EAN-8 or UPC-A code; the message is meant for a person.
pub fn validate(code: &str) -> Result<(), String> {
    check(code).map(|_| ()).map_err(|e| e.to_string())
}

/// A full EAN-13 from its first 12 digits.
pub fn make_ean13(first12: &str) -> Option<String> {
    if first12.len() != 12 {
        return None;
    }
    let d = gs1_check_digit(first12)?;
    Some(format!("{first12}{d}"))
}

/// GS1 price/weight verifier digit for a 4- or 5-digit value (GS1 General Specifications §7.9.3),
/// as `biip.rcn.gs1_price_weight_check_digit` computes it: `"1234"` → 9, `"12345"` → 8.
pub fn price_weight_verifier(value: &str) -> Option<u32> {
    // The GS1 weighting tables: "2-", "3", "5+" and "5-" products of each digit.
    const TWO_MINUS: [u32; 10] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
    const THREE: [u32; 10] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
    const FIVE_PLUS: [u32; 10] = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
    const FIVE_MINUS: [u32; 10] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];
    let digits: Vec<usize> = value
        .chars()
        .map(|c| c.to_digit(10).map(|d| d as usize))
        .collect::<Option<_>>()?;
    match digits.as_slice() {
        // Weights 2-, 2-, 3, 5-; the units digit of 3 × sum.
        [a, b, c, d] => {
            let sum = TWO_MINUS[*a] + TWO_MINUS[*b] + THREE[*c] + FIVE_MINUS[*d];
            Some((sum * 3) % 10)
        }
        // Weights 5+, 2-, 5-, 5+, 2-; the digit whose 5- product is the complement to ten.
        [a, b, c, d, e] => {
            let sum =
                FIVE_PLUS[*a] + TWO_MINUS[*b] + FIVE_MINUS[*c] + FIVE_PLUS[*d] + TWO_MINUS[*e];
            let r = (10 - sum % 10) % 10;
            (0u32..10).find(|x| FIVE_MINUS[*x as usize] == r)
        }
        _ => None,
    }
}

/// What the value field of a variable-measure code carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum MeasureKind {
    /// A weight; with `decimals = 3` the field is grams and the quantity is kilograms.
    Weight,
    /// A price in the currency's minor units when `decimals = 2`.
    Price,
}

/// One rule of a franchise's variable-measure nomenclature (Odoo-style): an EAN-13 starting with
/// `prefix` has `item_digits` of item code, an optional verifier digit, then `value_digits` of value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableMeasureRule {
    /// "20".."29" (or a longer prefix such as "2300").
    pub prefix: String,
    pub item_digits: usize,
    pub kind: MeasureKind,
    pub value_digits: usize,
    /// Implied decimals of the value (3 for kg from grams, 2 for euros from cents).
    pub decimals: u32,
    /// Whether a GS1 price/weight verifier digit sits between the item code and the value.
    pub verifier: bool,
}

/// Why a variable-measure rule cannot be used. `Display` is English (API answers);
/// [`RuleError::es`] is the same sentence in Spanish for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("prefix {0:?} must be two digits from 20 to 29 (GS1 variable-measure prefixes)")]
    Prefix(String),
    #[error("item_digits must be at least 1, value_digits at least 1")]
    EmptyField,
    #[error(
        "prefix ({prefix}) + item_digits ({item}) + verifier ({verifier}) + value_digits ({value}) + check digit must make exactly 13 digits, not {total}"
    )]
    Length {
        prefix: usize,
        item: usize,
        verifier: usize,
        value: usize,
        total: usize,
    },
    #[error("decimals {0} must be between 0 and 3")]
    Decimals(u32),
    #[error("a price has at most 2 decimals (cents); {0} were asked")]
    PriceDecimals(u32),
    #[error("a verifier digit is defined only for a value of 4 or 5 digits, not {0}")]
    Verifier(usize),
}

impl RuleError {
    /// The message in Spanish, for people at HQ.
    pub fn es(&self) -> String {
        match self {
            Self::Prefix(p) => format!(
                "El prefijo «{p}» debe ser de dos cifras entre 20 y 29 (prefijos GS1 de peso/precio variable)."
            ),
            Self::EmptyField => {
                "El código de artículo y el valor deben tener al menos una cifra cada uno.".into()
            }
            Self::Length {
                prefix,
                item,
                verifier,
                value,
                total,
            } => format!(
                "Prefijo ({prefix}) + artículo ({item}) + verificador ({verifier}) + valor ({value}) + dígito de control \
                 deben sumar 13 cifras, no {total}."
            ),
            Self::Decimals(d) => format!("Los decimales ({d}) deben estar entre 0 y 3."),
            Self::PriceDecimals(d) => {
                format!("Un precio tiene como mucho 2 decimales (céntimos), no {d}.")
            }
            Self::Verifier(n) => format!(
                "El dígito verificador solo existe para valores de 4 o 5 cifras, no de {n}."
            ),
        }
    }
}

/// A decoded variable-measure code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableMeasure {
    /// The code to look the item up by: the rule's prefix + item digits, zero-filled to an EAN-13
    /// with its check digit (as Odoo does), e.g. `2100005000000` for `2100005080002`.
    pub lookup_code: String,
    /// The bare item digits.
    pub item: String,
    pub value: VariableValue,
}

/// The measured value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableValue {
    Quantity(Quantity),
    Price(Money),
}

impl VariableMeasureRule {
    /// Odoo's default weight rule: `21` + 5-digit item + kg with 3 decimals.
    pub fn odoo_weight() -> Self {
        Self {
            prefix: "21".into(),
            item_digits: 5,
            kind: MeasureKind::Weight,
            value_digits: 5,
            decimals: 3,
            verifier: false,
        }
    }
    /// Odoo's default price rule: `23` + 5-digit item + price with 2 decimals (3+2 digits).
    pub fn odoo_price() -> Self {
        Self {
            prefix: "23".into(),
            item_digits: 5,
            kind: MeasureKind::Price,
            value_digits: 5,
            decimals: 2,
            verifier: false,
        }
    }

    /// Checks the rule can decode an EAN-13: prefix 20–29, every field at least one digit, the
    /// fields plus the check digit exactly 13 digits, decimals 0–3 (0–2 for a price: money is exact
    /// to the cent), a verifier digit only over a 4- or 5-digit value (the only ones GS1 defines).
    pub fn validate(&self) -> Result<(), RuleError> {
        let p = &self.prefix;
        if p.len() != 2 || !p.starts_with('2') || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RuleError::Prefix(p.clone()));
        }
        if self.item_digits == 0 || self.value_digits == 0 {
            return Err(RuleError::EmptyField);
        }
        let verifier = usize::from(self.verifier);
        let total = p
            .len()
            .saturating_add(self.item_digits)
            .saturating_add(verifier)
            .saturating_add(self.value_digits)
            .saturating_add(1);
        if total != 13 {
            return Err(RuleError::Length {
                prefix: p.len(),
                item: self.item_digits,
                verifier,
                value: self.value_digits,
                total,
            });
        }
        if self.decimals > 3 {
            return Err(RuleError::Decimals(self.decimals));
        }
        if self.kind == MeasureKind::Price && self.decimals > 2 {
            return Err(RuleError::PriceDecimals(self.decimals));
        }
        if self.verifier && !matches!(self.value_digits, 4 | 5) {
            return Err(RuleError::Verifier(self.value_digits));
        }
        Ok(())
    }

    fn matches(&self, code: &str) -> bool {
        code.len() == 13
            && code.starts_with(&self.prefix)
            && self.prefix.len() + self.item_digits + usize::from(self.verifier) + self.value_digits
                == 12
    }
}

/// Decodes an EAN-13 with the first matching rule. `Ok(None)` when no rule applies (an ordinary
/// code); an error when the check digit or verifier digit is wrong.
pub fn decode_variable_measure(
    code: &str,
    rules: &[VariableMeasureRule],
) -> Result<Option<VariableMeasure>, BarcodeError> {
    let Some(rule) = rules.iter().find(|r| r.matches(code)) else {
        return Ok(None);
    };
    check(code)?;
    let p = rule.prefix.len();
    let item = &code[p..p + rule.item_digits];
    let at = p + rule.item_digits;
    let value_at = at + usize::from(rule.verifier);
    let value_str = &code[value_at..value_at + rule.value_digits];
    if rule.verifier {
        let got = code[at..value_at]
            .chars()
            .next()
            .and_then(|c| c.to_digit(10));
        if let Some(want) = price_weight_verifier(value_str)
            && got != Some(want)
        {
            return Err(BarcodeError::Verifier {
                code: code.to_string(),
                expected: want,
            });
        }
    }
    let raw: i64 = value_str.parse().map_err(|_| BarcodeError::NotDigits {
        code: code.to_string(),
    })?;
    let value = rust_decimal::Decimal::new(raw, rule.decimals);
    let value = match rule.kind {
        MeasureKind::Weight => VariableValue::Quantity(Quantity::new(value)),
        MeasureKind::Price => VariableValue::Price(Money::new(value)),
    };
    let mut first12 = format!("{}{}", rule.prefix, item);
    while first12.len() < 12 {
        first12.push('0');
    }
    let lookup_code = make_ean13(&first12).unwrap_or_default();
    Ok(Some(VariableMeasure {
        lookup_code,
        item: item.to_string(),
        value,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes() {
        for ok in [
            "4006381333931", // EAN-13 (Stabilo)
            "8412345678905", // Spanish prefix 84
            "8480000123459",
            "5901234123457",
            "96385074",     // EAN-8
            "036000291452", // UPC-A
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
        assert_eq!(check("96385074"), Ok(Symbology::Ean8));
        assert_eq!(check("036000291452"), Ok(Symbology::UpcA));
        assert_eq!(make_ean13("841234567890").as_deref(), Some("8412345678905"));
    }

    #[test]
    fn invalid_codes() {
        for bad in [
            "4006381333932",
            "96385075",
            "036000291453",
            "84123456789",
            "84123456789A5",
            "",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
        assert_eq!(
            validate("4006381333932").unwrap_err(),
            "invalid barcode '4006381333932': check digit should be 1 for an EAN-13 starting 400638133393"
        );
    }

    #[test]
    fn verifier_digit_matches_biip() {
        assert_eq!(price_weight_verifier("1234"), Some(9));
        assert_eq!(price_weight_verifier("12345"), Some(8));
        assert_eq!(price_weight_verifier("123"), None);
        assert_eq!(price_weight_verifier("12a4"), None);
    }

    #[test]
    fn odoo_default_nomenclature() {
        let rules = [
            VariableMeasureRule::odoo_weight(),
            VariableMeasureRule::odoo_price(),
        ];
        let price = decode_variable_measure("2305000123451", &rules)
            .unwrap()
            .unwrap();
        assert_eq!(price.item, "05000");
        assert_eq!(price.value, VariableValue::Price(Money::from_cents(12345)));
        let weight = decode_variable_measure("2100005080002", &rules)
            .unwrap()
            .unwrap();
        assert_eq!(weight.item, "00005");
        assert_eq!(
            weight.value,
            VariableValue::Quantity(Quantity::from_milli(8000))
        );
        assert_eq!(weight.lookup_code, "2100005000000");
        // An ordinary code is not variable-measure.
        assert_eq!(decode_variable_measure("8412345678905", &rules), Ok(None));
        // A bad check digit is refused, not decoded.
        assert!(matches!(
            decode_variable_measure("2305000123452", &rules),
            Err(BarcodeError::CheckDigit { expected: 1, .. })
        ));
    }

    #[test]
    fn rule_validation() {
        assert_eq!(VariableMeasureRule::odoo_weight().validate(), Ok(()));
        assert_eq!(VariableMeasureRule::odoo_price().validate(), Ok(()));
        let ok = VariableMeasureRule::odoo_weight();
        let with = |f: &dyn Fn(&mut VariableMeasureRule)| {
            let mut r = ok.clone();
            f(&mut r);
            r.validate()
        };
        assert_eq!(
            with(&|r| r.prefix = "19".into()),
            Err(RuleError::Prefix("19".into()))
        );
        assert!(with(&|r| r.prefix = "2".into()).is_err());
        assert!(with(&|r| r.prefix = "2a".into()).is_err());
        assert!(with(&|r| r.prefix = "210".into()).is_err());
        assert!(matches!(
            with(&|r| r.item_digits = 6),
            Err(RuleError::Length { total: 14, .. })
        ));
        assert!(matches!(
            with(&|r| r.item_digits = usize::MAX),
            Err(RuleError::Length { .. })
        ));
        assert_eq!(with(&|r| r.value_digits = 0), Err(RuleError::EmptyField));
        assert_eq!(with(&|r| r.decimals = 4), Err(RuleError::Decimals(4)));
        assert_eq!(
            with(&|r| {
                r.kind = MeasureKind::Price;
            }),
            Err(RuleError::PriceDecimals(3))
        );
        // 4-digit item + verifier + 5-digit value is fine; a verifier over 6 digits is not.
        assert_eq!(
            with(&|r| {
                r.item_digits = 4;
                r.verifier = true;
            }),
            Ok(())
        );
        assert_eq!(
            with(&|r| {
                r.item_digits = 3;
                r.value_digits = 6;
                r.verifier = true;
            }),
            Err(RuleError::Verifier(6))
        );
        assert!(RuleError::Decimals(4).es().contains("decimales"));
    }

    #[test]
    fn verifier_digit_rule() {
        // 22 + 4-digit item + verifier + 5-digit price in cents: 12,34 5 → "12345", verifier 8.
        let rule = VariableMeasureRule {
            prefix: "22".into(),
            item_digits: 4,
            kind: MeasureKind::Price,
            value_digits: 5,
            decimals: 2,
            verifier: true,
        };
        let good = make_ean13("220042812345").unwrap();
        let d = decode_variable_measure(&good, std::slice::from_ref(&rule))
            .unwrap()
            .unwrap();
        assert_eq!(d.item, "0042");
        assert_eq!(d.value, VariableValue::Price(Money::from_cents(12345)));
        let bad = make_ean13("220042712345").unwrap();
        assert_eq!(
            decode_variable_measure(&bad, &[rule]),
            Err(BarcodeError::Verifier {
                code: bad.clone(),
                expected: 8
            })
        );
    }
}
