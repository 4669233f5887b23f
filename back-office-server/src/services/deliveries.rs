//! HQ's delivery notes (albaranes): the line rules shared by the JSON API and the dashboard's form
//! (which shows them in the viewer's language).

use super::ServiceResult;
use crate::storage::Storage;
use chrono::NaiveDate;
use sync_protocol::{ProductId, Quantity};

/// Most lines one note may carry.
pub const MAX_LINES: usize = 500;
/// Largest quantity of one line (the till refuses anything above in a stock document too).
pub const MAX_UNITS: i64 = 1_000_000;

/// What is wrong with one line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// Neither a product id nor a code.
    NoProduct,
    UnknownProductId(i64),
    UnknownCode(String),
    /// The quantity text does not read as a number with at most three decimals.
    BadQuantity(String),
    NotPositive(String),
    TooLarge(String),
    /// A dashboard line without the `;` between code and quantity.
    Malformed(String),
}

impl LineProblem {
    pub fn en(&self) -> String {
        match self {
            Self::NoProduct => "needs a product_id or a code (SKU or barcode)".into(),
            Self::UnknownProductId(id) => format!("product {id} does not exist"),
            Self::UnknownCode(c) => format!("no product has the SKU or barcode {c:?}"),
            Self::BadQuantity(q) => format!(
                "quantity {q:?} is not a number with at most 3 decimals, e.g. \"12\" or \"2.500\""
            ),
            Self::NotPositive(q) => format!("quantity {q} must be greater than zero"),
            Self::TooLarge(q) => format!("quantity {q} is above the maximum of {MAX_UNITS}"),
            Self::Malformed(t) => format!("{t:?} is not \"SKU or barcode ; quantity\""),
        }
    }

    pub fn es(&self) -> String {
        match self {
            Self::NoProduct => "falta el producto (SKU o código de barras)".into(),
            Self::UnknownProductId(id) => format!("el producto {id} no existe"),
            Self::UnknownCode(c) => format!("ningún producto tiene el SKU o código «{c}»"),
            Self::BadQuantity(q) => format!(
                "la cantidad «{q}» no es un número válido (hasta 3 decimales, p. ej. 12 o 2,500)"
            ),
            Self::NotPositive(q) => format!("la cantidad {q} debe ser mayor que cero"),
            Self::TooLarge(q) => format!("la cantidad {q} supera el máximo de {MAX_UNITS}"),
            Self::Malformed(t) => {
                format!("«{t}» no tiene la forma «SKU o código ; cantidad»")
            }
        }
    }
}

/// A line as typed: a product by id or by code, and the quantity as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawLine {
    pub product_id: Option<i64>,
    pub code: Option<String>,
    pub quantity: String,
}

/// `12`, `2.5`, `2,500`: positive, at most three decimals, at most [`MAX_UNITS`].
pub fn parse_quantity(text: &str) -> Result<Quantity, LineProblem> {
    let t = text.trim();
    let q: Quantity = t
        .replace(',', ".")
        .parse()
        .map_err(|_| LineProblem::BadQuantity(t.to_string()))?;
    if q.is_negative() || q.is_zero() {
        return Err(LineProblem::NotPositive(t.to_string()));
    }
    if q > Quantity::units(MAX_UNITS) {
        return Err(LineProblem::TooLarge(t.to_string()));
    }
    Ok(q)
}

/// Resolves every line (products by id or SKU/barcode, quantities) and reports every bad one, by its
/// 1-based number. The same product on several lines is one line with the quantities added up.
pub async fn resolve_lines(
    storage: &dyn Storage,
    raw: &[RawLine],
) -> ServiceResult<Result<Vec<(ProductId, Quantity)>, Vec<(usize, LineProblem)>>> {
    let mut problems = Vec::new();
    let mut out: Vec<(ProductId, Quantity)> = Vec::new();
    for (i, l) in raw.iter().enumerate() {
        let n = i + 1;
        let product = match (l.product_id, l.code.as_deref().map(str::trim)) {
            (Some(id), _) => match storage.get_product(ProductId(id)).await {
                Ok(p) => Some(p.id),
                Err(crate::storage::StorageError::NotFound(_)) => {
                    problems.push((n, LineProblem::UnknownProductId(id)));
                    None
                }
                Err(e) => return Err(e),
            },
            (None, Some(code)) if !code.is_empty() => {
                match storage.deliveries().product_by_code(code).await? {
                    Some(p) => Some(p.id),
                    None => {
                        problems.push((n, LineProblem::UnknownCode(code.to_string())));
                        None
                    }
                }
            }
            _ => {
                problems.push((n, LineProblem::NoProduct));
                None
            }
        };
        let quantity = match parse_quantity(&l.quantity) {
            Ok(q) => Some(q),
            Err(p) => {
                problems.push((n, p));
                None
            }
        };
        if let (Some(p), Some(q)) = (product, quantity) {
            match out.iter_mut().find(|(id, _)| *id == p) {
                Some((_, total)) => *total += q,
                None => out.push((p, q)),
            }
        }
    }
    if problems.is_empty() {
        Ok(Ok(out))
    } else {
        Ok(Err(problems))
    }
}

/// The product of each line that carries a unit cost (lines already resolved, so every product
/// exists); the last cost given for a product wins.
pub async fn line_costs(
    storage: &dyn Storage,
    raw: &[RawLine],
    costs: &[(usize, rust_decimal::Decimal)],
) -> ServiceResult<Vec<(ProductId, rust_decimal::Decimal)>> {
    let mut out = Vec::new();
    for (i, c) in costs {
        let l = &raw[*i];
        let product = match (l.product_id, l.code.as_deref()) {
            (Some(id), _) => Some(ProductId(id)),
            (None, Some(code)) => storage
                .deliveries()
                .product_by_code(code.trim())
                .await?
                .map(|p| p.id),
            _ => None,
        };
        if let Some(p) = product {
            out.retain(|(q, _)| *q != p);
            out.push((p, *c));
        }
    }
    Ok(out)
}

/// A supplier or origin: trimmed, 1–200 characters.
pub fn supplier(v: &str) -> Result<String, String> {
    let t = v.trim();
    if t.is_empty() {
        return Err("supplier must not be empty".into());
    }
    if t.chars().count() > 200 {
        return Err("supplier must be at most 200 characters".into());
    }
    Ok(t.to_string())
}

pub fn parse_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("12"), Ok(Quantity::units(12)));
        assert_eq!(parse_quantity(" 2,5 "), Ok(Quantity::from_milli(2_500)));
        assert_eq!(
            parse_quantity("0"),
            Err(LineProblem::NotPositive("0".into()))
        );
        assert_eq!(
            parse_quantity("-3"),
            Err(LineProblem::NotPositive("-3".into()))
        );
        assert_eq!(
            parse_quantity("1.2345"),
            Err(LineProblem::BadQuantity("1.2345".into()))
        );
        assert_eq!(
            parse_quantity("doce"),
            Err(LineProblem::BadQuantity("doce".into()))
        );
        assert!(matches!(
            parse_quantity("1000001"),
            Err(LineProblem::TooLarge(_))
        ));
    }
}
