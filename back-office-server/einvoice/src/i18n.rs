//! Words and number formats of the printed invoice and of the line descriptions HQ writes, in Spanish
//! and English. A small table rather than Fluent: the words are fixed legal labels, not UI messages.

use crate::model::{Language, Period, VatCategory};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sync_protocol::{Money, Quantity, TaxRate};

/// Every fixed word the PDF prints.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    pub invoice: &'static str,
    pub credit_note: &'static str,
    pub number: &'static str,
    pub issue_date: &'static str,
    pub period: &'static str,
    pub issuer: &'static str,
    pub customer: &'static str,
    pub nif: &'static str,
    pub customer_code: &'static str,
    pub description: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub discount: &'static str,
    pub vat_rate: &'static str,
    pub amount: &'static str,
    pub tax_base: &'static str,
    pub vat: &'static str,
    pub vat_amount: &'static str,
    pub surcharge: &'static str,
    pub surcharge_amount: &'static str,
    pub total_base: &'static str,
    pub total_vat: &'static str,
    pub total_surcharge: &'static str,
    pub total: &'static str,
    pub total_credited: &'static str,
    pub payment: &'static str,
    pub due_date: &'static str,
    pub direct_debit: &'static str,
    pub mandate: &'static str,
    pub debtor_account: &'static str,
    pub creditor_id: &'static str,
    pub transfer: &'static str,
    pub payee_account: &'static str,
    pub corrects: &'static str,
    pub corrected_date: &'static str,
    pub reason: &'static str,
    pub correction_kind: &'static str,
    pub by_differences: &'static str,
    pub notes: &'static str,
    pub page: &'static str,
    pub of: &'static str,
    pub exempt_mention: &'static str,
    pub surcharge_mention: &'static str,
    pub period_of_line: &'static str,
}

const ES: Labels = Labels {
    invoice: "FACTURA",
    credit_note: "FACTURA RECTIFICATIVA",
    number: "Número",
    issue_date: "Fecha de expedición",
    period: "Periodo facturado",
    issuer: "Emisor",
    customer: "Cliente",
    nif: "NIF",
    customer_code: "Código de cliente",
    description: "Descripción",
    quantity: "Cantidad",
    unit_price: "Precio unit.\nsin IVA",
    discount: "Dto.",
    vat_rate: "IVA %",
    amount: "Importe",
    tax_base: "Base\nimponible",
    vat: "IVA",
    vat_amount: "Cuota\nIVA",
    surcharge: "Rec. equiv.",
    surcharge_amount: "Cuota\nrec. equiv.",
    total_base: "Total base imponible",
    total_vat: "Total IVA",
    total_surcharge: "Total recargo de equivalencia",
    total: "TOTAL FACTURA",
    total_credited: "TOTAL RECTIFICADO",
    payment: "Forma de pago",
    due_date: "Vencimiento",
    direct_debit: "Adeudo directo SEPA",
    mandate: "Referencia de mandato",
    debtor_account: "Cuenta de cargo",
    creditor_id: "Identificador de acreedor",
    transfer: "Transferencia bancaria",
    payee_account: "Cuenta de abono",
    corrects: "Rectifica la factura",
    corrected_date: "de fecha",
    reason: "Motivo",
    correction_kind: "Rectificación por diferencias (art. 15 RD 1619/2012)",
    by_differences: "Importes rectificados",
    notes: "Observaciones",
    page: "Página",
    of: "de",
    exempt_mention: "Operación exenta / inversión del sujeto pasivo",
    surcharge_mention: "Recargo de equivalencia (arts. 154-163 LIVA)",
    period_of_line: "periodo",
};

const EN: Labels = Labels {
    invoice: "INVOICE",
    credit_note: "CREDIT NOTE (CORRECTIVE INVOICE)",
    number: "Number",
    issue_date: "Issue date",
    period: "Invoicing period",
    issuer: "Issuer",
    customer: "Customer",
    nif: "Tax ID (NIF)",
    customer_code: "Customer code",
    description: "Description",
    quantity: "Quantity",
    unit_price: "Unit price\nexcl. VAT",
    discount: "Disc.",
    vat_rate: "VAT %",
    amount: "Amount",
    tax_base: "Taxable\nbase",
    vat: "VAT",
    vat_amount: "VAT\namount",
    surcharge: "Equiv. surcharge",
    surcharge_amount: "Surcharge\namount",
    total_base: "Total taxable base",
    total_vat: "Total VAT",
    total_surcharge: "Total equivalence surcharge",
    total: "INVOICE TOTAL",
    total_credited: "TOTAL CREDITED",
    payment: "Payment",
    due_date: "Due date",
    direct_debit: "SEPA direct debit",
    mandate: "Mandate reference",
    debtor_account: "Debited account",
    creditor_id: "Creditor identifier",
    transfer: "Bank transfer",
    payee_account: "Pay to account",
    corrects: "Corrects invoice",
    corrected_date: "dated",
    reason: "Reason",
    correction_kind: "Correction by differences (RD 1619/2012 art. 15)",
    by_differences: "Amounts corrected",
    notes: "Notes",
    page: "Page",
    of: "of",
    exempt_mention: "Exempt / reverse charge",
    surcharge_mention: "Equivalence surcharge (recargo de equivalencia, LIVA arts. 154-163)",
    period_of_line: "period",
};

pub fn labels(lang: Language) -> &'static Labels {
    match lang {
        Language::Es => &ES,
        Language::En => &EN,
    }
}

fn group_thousands(int: &str, sep: char) -> String {
    let bytes: Vec<char> = int.chars().collect();
    let mut out = String::new();
    for (i, c) in bytes.iter().enumerate() {
        if i > 0 && (bytes.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(*c);
    }
    out
}

/// A decimal with `dp` decimals in the language's convention: `1.234,50` (es) or `1,234.50` (en).
pub fn decimal(d: Decimal, dp: u32, lang: Language) -> String {
    let mut d = d.round_dp_with_strategy(dp, sync_protocol::money::ROUNDING);
    d.rescale(dp);
    let negative = d.is_sign_negative() && !d.is_zero();
    let s = d.abs().to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (thousands, point) = match lang {
        Language::Es => ('.', ','),
        Language::En => (',', '.'),
    };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group_thousands(int, thousands));
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// Money with the euro sign: `1.234,50 €` (es), `€1,234.50` (en).
pub fn money(m: Money, lang: Language) -> String {
    let n = decimal(m.as_decimal(), 2, lang);
    match lang {
        Language::Es => format!("{n} €"),
        Language::En => match n.strip_prefix('-') {
            Some(rest) => format!("-€{rest}"),
            None => format!("€{n}"),
        },
    }
}

/// Money without the sign, for table columns.
pub fn amount(m: Money, lang: Language) -> String {
    decimal(m.as_decimal(), 2, lang)
}

/// A quantity without trailing zeros: `3`, `2,5`.
pub fn quantity(q: Quantity, lang: Language) -> String {
    let n = q.as_decimal().normalize();
    decimal(n, n.scale(), lang)
}

/// A rate without trailing zeros: `21`, `5,2`.
pub fn rate(r: TaxRate, lang: Language) -> String {
    let n = r.as_decimal().normalize();
    decimal(n, n.scale(), lang)
}

/// A date as Spanish and British readers write it: `31/01/2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `noviembre 2026` / `November 2026`.
pub fn month_name(year: i32, month: u32, lang: Language) -> String {
    let i = (month.clamp(1, 12) - 1) as usize;
    match lang {
        Language::Es => format!("{} {year}", MONTHS_ES[i]),
        Language::En => format!("{} {year}", MONTHS_EN[i]),
    }
}

/// A period as a month name when it is one calendar month, else `dd/mm/yyyy – dd/mm/yyyy`.
pub fn period(p: &Period, lang: Language) -> String {
    match p.as_month() {
        Some((y, m)) => month_name(y, m, lang),
        None => format!("{} – {}", date(p.start), date(p.end)),
    }
}

/// Short name of a VAT category for the breakdown table.
pub fn category(c: VatCategory, lang: Language) -> &'static str {
    match (c, lang) {
        (VatCategory::Standard, _) => "",
        (VatCategory::ZeroRated, Language::Es) => "tipo cero",
        (VatCategory::ZeroRated, Language::En) => "zero rated",
        (VatCategory::Exempt, Language::Es) => "exenta",
        (VatCategory::Exempt, Language::En) => "exempt",
        (VatCategory::ReverseCharge, Language::Es) => "inversión sujeto pasivo",
        (VatCategory::ReverseCharge, Language::En) => "reverse charge",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_each_language() {
        let m = Money::from_cents(123_456_789);
        assert_eq!(money(m, Language::Es), "1.234.567,89 €");
        assert_eq!(money(m, Language::En), "€1,234,567.89");
        assert_eq!(money(-Money::from_cents(5), Language::En), "-€0.05");
        assert_eq!(amount(Money::from_cents(100_000), Language::Es), "1.000,00");
        assert_eq!(rate(TaxRate::from_hundredths(520), Language::Es), "5,2");
        assert_eq!(rate(TaxRate::percent(21), Language::En), "21");
        assert_eq!(quantity(Quantity::units(3), Language::Es), "3");
        assert_eq!(quantity(Quantity::from_milli(2500), Language::Es), "2,5");
    }
}
