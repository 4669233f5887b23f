//! Numbers and money as each language writes them, for the till's screens and HQ's pages alike:
//! Spanish `1.234,56 €` and `21 %`, English `€1,234.56` and `21%`; negatives on screen with the
//! real minus sign (−), amounts a cashier types back with the ASCII hyphen.

use crate::Language;

/// The thousands and decimal separators of a language.
pub fn separators(language: Language) -> (char, char) {
    match language {
        Language::Es => ('.', ','),
        Language::En => (',', '.'),
    }
}

/// `1234567` → `1.234.567` with `sep`.
pub fn grouped(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

const MINUS: &str = "−";

fn sign(negative: bool) -> &'static str {
    if negative { MINUS } else { "" }
}

/// Cents as an amount without the currency sign, in the form a cashier types it back:
/// `1.234,56` / `1,234.56`, `-5,00` with the ASCII hyphen.
pub fn amount(language: Language, cents: i64) -> String {
    let (group, decimal) = separators(language);
    let abs = cents.unsigned_abs();
    let minus = if cents < 0 { "-" } else { "" };
    format!(
        "{minus}{}{decimal}{:02}",
        grouped(abs / 100, group),
        abs % 100
    )
}

/// Cents as money: `1.234,56 €` in Spanish; `€1,234.56` in English (sign first, as in Ireland and
/// the UK); negatives `−5,00 €` / `−€5.00`.
pub fn money(language: Language, cents: i64) -> String {
    let (group, decimal) = separators(language);
    let abs = cents.unsigned_abs();
    let units = grouped(abs / 100, group);
    let c = abs % 100;
    let s = sign(cents < 0);
    match language {
        Language::Es => format!("{s}{units}{decimal}{c:02} €"),
        Language::En => format!("{s}€{units}{decimal}{c:02}"),
    }
}

/// A whole number with grouping: `12.345` / `12,345`.
pub fn int(language: Language, n: i64) -> String {
    let (group, _) = separators(language);
    format!("{}{}", sign(n < 0), grouped(n.unsigned_abs(), group))
}

/// Thousandths (kilograms, units): `2`, `0,25` / `0.25`, `1.250,5`; no trailing zeros.
pub fn quantity(language: Language, milli: i64) -> String {
    let (group, decimal) = separators(language);
    let abs = milli.unsigned_abs();
    let whole = grouped(abs / 1000, group);
    let frac = abs % 1000;
    let s = sign(milli < 0);
    if frac == 0 {
        format!("{s}{whole}")
    } else {
        let f = format!("{frac:03}");
        format!("{s}{whole}{decimal}{}", f.trim_end_matches('0'))
    }
}

/// Hundredths of a percent as a VAT rate: `21 %` / `5,5 %` in Spanish, `21%` / `5.5%` in English.
pub fn rate(language: Language, hundredths: i64) -> String {
    let (_, decimal) = separators(language);
    let abs = hundredths.unsigned_abs();
    let number = if abs.is_multiple_of(100) {
        (abs / 100).to_string()
    } else {
        let f = format!("{:02}", abs % 100);
        format!("{}{decimal}{}", abs / 100, f.trim_end_matches('0'))
    };
    let s = sign(hundredths < 0);
    match language {
        Language::Es => format!("{s}{number} %"),
        Language::En => format!("{s}{number}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::{En, Es};

    #[test]
    fn both_languages() {
        assert_eq!(money(Es, 123_456), "1.234,56 €");
        assert_eq!(money(En, 123_456), "€1,234.56");
        assert_eq!(money(Es, -1_000_000), "−10.000,00 €");
        assert_eq!(money(En, -500), "−€5.00");
        assert_eq!(money(Es, 5), "0,05 €");
        assert_eq!(amount(Es, -2050), "-20,50");
        assert_eq!(amount(En, 123_456), "1,234.56");
        assert_eq!(int(Es, 12_345), "12.345");
        assert_eq!(int(En, -1_234_567), "−1,234,567");
        assert_eq!(quantity(Es, 2000), "2");
        assert_eq!(quantity(Es, 250), "0,25");
        assert_eq!(quantity(En, 1_250_500), "1,250.5");
        assert_eq!(rate(Es, 2100), "21 %");
        assert_eq!(rate(Es, 550), "5,5 %");
        assert_eq!(rate(En, 1000), "10%");
    }
}
