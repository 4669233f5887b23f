//! Numbers and money as each language writes them (Spanish `1.234,56 €`, English `€1,234.56`)
//! and parsing of amounts typed at the till in either form.

use sync_protocol::{Money, Quantity, TaxRate};

use crate::settings::Language;
use trastienda_l10n::format as l10n;

/// `1234.56` → `1.234,56` / `1,234.56`, no currency sign, as a cashier types it (`-` for minus).
pub fn amount_in(language: Language, m: Money) -> String {
    l10n::amount(language, m.cents())
}

/// `1234.56` → `1.234,56 €` in Spanish; `€1,234.56` (sign first, as in Ireland and the UK) in
/// English, so an English-speaking cashier reads the amount the way they write it.
pub fn money_in(language: Language, m: Money) -> String {
    l10n::money(language, m.cents())
}

/// `2.000` → `2`, `0.250` → `0,25` / `0.25`.
pub fn quantity_in(language: Language, q: Quantity) -> String {
    l10n::quantity(language, q.milli())
}

/// `21.00` → `21 %` / `21%`, `5.50` → `5,5 %` / `5.5%`.
pub fn tax_rate_in(language: Language, r: TaxRate) -> String {
    l10n::rate(language, r.hundredths())
}

/// Parses an amount typed at the till in either language's form, with or without `€`:
/// `20`, `20,5`, `1.234,56`, `20.50`, `1,234.56`, `€12`.
///
/// When both separators appear, the last one is the decimal point. When only one appears,
/// it is a thousands separator if it is followed by exactly three digits (money has two
/// decimals, so `1.234` and `1,234` both mean one thousand two hundred and thirty-four), and
/// the decimal point otherwise.
pub fn parse_money(s: &str) -> Option<Money> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '€')
        .collect();
    if t.is_empty() {
        return None;
    }
    let decimal = match (t.rfind(','), t.rfind('.')) {
        (Some(c), Some(p)) => Some(c.max(p)),
        (Some(i), None) | (None, Some(i)) => {
            let sep = t.as_bytes()[i];
            let once = t.bytes().filter(|b| *b == sep).count() == 1;
            let digits_after = t.len() - i - 1;
            (once && digits_after != 3).then_some(i)
        }
        (None, None) => None,
    };
    let normal: String = t
        .char_indices()
        .filter_map(|(i, c)| match c {
            ',' | '.' if Some(i) == decimal => Some('.'),
            ',' | '.' => None,
            c => Some(c),
        })
        .collect();
    let m: Money = normal.parse().ok()?;
    if m.is_negative() { None } else { Some(m) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_money() {
        let es = Language::Es;
        assert_eq!(money_in(es, Money::from_cents(123456)), "1.234,56 €");
        assert_eq!(money_in(es, Money::from_cents(655)), "6,55 €");
        assert_eq!(money_in(es, Money::from_cents(5)), "0,05 €");
        assert_eq!(money_in(es, Money::from_cents(-1000000)), "−10.000,00 €");
        assert_eq!(quantity_in(es, Quantity::units(2)), "2");
        assert_eq!(quantity_in(es, Quantity::from_milli(250)), "0,25");
        assert_eq!(tax_rate_in(es, TaxRate::IVA_GENERAL), "21 %");
    }

    #[test]
    fn english_money() {
        let en = Language::En;
        assert_eq!(money_in(en, Money::from_cents(123456)), "€1,234.56");
        assert_eq!(money_in(en, Money::from_cents(655)), "€6.55");
        assert_eq!(money_in(en, Money::from_cents(-1000000)), "−€10,000.00");
        assert_eq!(amount_in(en, Money::from_cents(2000)), "20.00");
        assert_eq!(quantity_in(en, Quantity::from_milli(1_250_500)), "1,250.5");
        assert_eq!(tax_rate_in(en, TaxRate::IVA_GENERAL), "21%");
    }

    #[test]
    fn typed_amounts() {
        assert_eq!(parse_money("20"), Some(Money::from_cents(2000)));
        assert_eq!(parse_money("20,5 €"), Some(Money::from_cents(2050)));
        assert_eq!(parse_money("1.234,56"), Some(Money::from_cents(123456)));
        assert_eq!(parse_money("abc"), None);
        assert_eq!(parse_money(""), None);
        assert_eq!(parse_money("-5"), None);
    }

    #[test]
    fn typed_amounts_in_english_form() {
        assert_eq!(parse_money("20.50"), Some(Money::from_cents(2050)));
        assert_eq!(parse_money("€1,234.56"), Some(Money::from_cents(123456)));
        assert_eq!(parse_money("1,234"), Some(Money::from_cents(123400)));
        assert_eq!(parse_money("1.234"), Some(Money::from_cents(123400)));
        assert_eq!(
            parse_money("1,000,000"),
            Some(Money::from_cents(100_000_000))
        );
        assert_eq!(parse_money("€ 7"), Some(Money::from_cents(700)));
        // Each language's own output reads back to the same amount.
        for cents in [5, 655, 2000, 123456, 100_000_000] {
            let m = Money::from_cents(cents);
            for l in [Language::Es, Language::En] {
                assert_eq!(parse_money(&money_in(l, m)), Some(m), "{l:?} {cents}");
            }
        }
    }
}
