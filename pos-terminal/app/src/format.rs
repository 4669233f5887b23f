//! Spanish number and money formatting (1.234,56 €) and parsing of typed amounts.

use sync_protocol::{Money, Quantity, TaxRate};

fn group_thousands(mut n: u64) -> String {
    let mut parts = Vec::new();
    loop {
        if n < 1000 {
            parts.push(n.to_string());
            break;
        }
        parts.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join(".")
}

/// `1234.56` → `1.234,56 €`.
pub fn money(m: Money) -> String {
    let cents = m.cents();
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{},{:02} €", group_thousands(abs / 100), abs % 100)
}

/// `2.000` → `2`, `0.250` → `0,25`.
pub fn quantity(q: Quantity) -> String {
    let milli = q.milli();
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    let whole = group_thousands(abs / 1000);
    let frac = abs % 1000;
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        let f = format!("{frac:03}");
        format!("{sign}{whole},{}", f.trim_end_matches('0'))
    }
}

/// `21.00` → `21 %`, `5.50` → `5,5 %`.
pub fn tax_rate(r: TaxRate) -> String {
    let h = r.hundredths();
    if h % 100 == 0 {
        format!("{} %", h / 100)
    } else {
        let f = format!("{:02}", h % 100);
        format!("{},{} %", h / 100, f.trim_end_matches('0'))
    }
}

/// Parses an amount typed at the till: `20`, `20,5`, `1.234,56`, `20.50`, with or without `€`.
pub fn parse_money(s: &str) -> Option<Money> {
    let t: String = s
        .trim()
        .trim_end_matches('€')
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return None;
    }
    let normal = if t.contains(',') {
        t.replace('.', "").replace(',', ".")
    } else {
        t
    };
    let m: Money = normal.parse().ok()?;
    if m.is_negative() { None } else { Some(m) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_money() {
        assert_eq!(money(Money::from_cents(123456)), "1.234,56 €");
        assert_eq!(money(Money::from_cents(655)), "6,55 €");
        assert_eq!(money(Money::from_cents(5)), "0,05 €");
        assert_eq!(money(Money::from_cents(-1000000)), "-10.000,00 €");
        assert_eq!(quantity(Quantity::units(2)), "2");
        assert_eq!(quantity(Quantity::from_milli(250)), "0,25");
        assert_eq!(tax_rate(TaxRate::IVA_GENERAL), "21 %");
    }

    #[test]
    fn typed_amounts() {
        assert_eq!(parse_money("20"), Some(Money::from_cents(2000)));
        assert_eq!(parse_money("20,5 €"), Some(Money::from_cents(2050)));
        assert_eq!(parse_money("1.234,56"), Some(Money::from_cents(123456)));
        assert_eq!(parse_money("abc"), None);
        assert_eq!(parse_money(""), None);
    }
}
