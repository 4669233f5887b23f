//! `/api/v1/admin/delivery-notes`: HQ's delivery notes (albaranes) for a store. Create (validated
//! line by line, nothing stored on any bad line), list with store/status filters, get one. The line
//! checks are shared with the dashboard's form, which shows them in Spanish.

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError, AppState};
use crate::storage::Storage;
use crate::storage::deliveries::{DeliveryFilter, DeliveryNote, NewDeliveryNote};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use sync_protocol::{DeliveryNoteStatus, ProductId, Quantity, StoreId};

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
) -> Result<Result<Vec<(ProductId, Quantity)>, Vec<(usize, LineProblem)>>, AppError> {
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
                Err(e) => return Err(e.into()),
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

/// The product of each line that carries a cost (lines already resolved, so every product exists).
async fn line_costs(
    storage: &dyn Storage,
    raw: &[RawLine],
    costs: &[(usize, rust_decimal::Decimal)],
) -> Result<Vec<(ProductId, rust_decimal::Decimal)>, AppError> {
    let mut out = Vec::new();
    for (i, c) in costs {
        let l = &raw[*i];
        let product = match (l.product_id, l.code.as_deref()) {
            (Some(id), _) => Some(ProductId(id)),
            (None, Some(code)) => storage
                .deliveries()
                .product_by_code(code)
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

// --- the API ------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineIn {
    pub product_id: Option<i64>,
    /// SKU or barcode, instead of `product_id`.
    pub code: Option<String>,
    /// `"12"`, `"2.500"` or a whole number.
    pub quantity: serde_json::Value,
    /// The unit cost in euros (`"1.2345"`, up to four decimals): a receipt against the note
    /// updates the store's weighted average cost with it.
    pub unit_cost: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryNoteIn {
    pub store_id: i64,
    pub supplier: String,
    /// `YYYY-MM-DD`.
    pub expected_date: String,
    pub lines: Vec<LineIn>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub store_id: Option<i64>,
    pub status: Option<String>,
}

/// `POST /api/v1/admin/delivery-notes`.
pub async fn create(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(b): ApiJson<DeliveryNoteIn>,
) -> Result<(StatusCode, Json<DeliveryNote>), AppError> {
    let supplier = supplier(&b.supplier).map_err(AppError::invalid)?;
    let expected_date = parse_date(&b.expected_date).ok_or_else(|| {
        AppError::invalid(format!(
            "expected_date {:?} is not a date like 2026-12-01",
            b.expected_date
        ))
    })?;
    if b.lines.is_empty() {
        return Err(AppError::invalid("a delivery note needs at least one line"));
    }
    if b.lines.len() > MAX_LINES {
        return Err(AppError::invalid(format!(
            "a delivery note has at most {MAX_LINES} lines"
        )));
    }
    if st.storage.get_store(StoreId(b.store_id)).await.is_err() {
        return Err(AppError::invalid(format!(
            "store {} does not exist",
            b.store_id
        )));
    }
    let raw: Vec<RawLine> = b
        .lines
        .iter()
        .map(|l| RawLine {
            product_id: l.product_id,
            code: l.code.clone(),
            quantity: match &l.quantity {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) if n.is_i64() => n.to_string(),
                // A float would have lost exactness already: refused as not a quantity.
                other => format!("{other}"),
            },
        })
        .collect();
    for (i, l) in b.lines.iter().enumerate() {
        if let serde_json::Value::Number(n) = &l.quantity
            && !n.is_i64()
        {
            return Err(AppError::invalid(format!(
                "line {}: quantity {n} must be a whole number or a string such as \"2.500\"",
                i + 1
            )));
        }
    }
    let mut costs: Vec<(usize, rust_decimal::Decimal)> = Vec::new();
    for (i, l) in b.lines.iter().enumerate() {
        if let Some(c) = &l.unit_cost {
            let c = crate::services::stock::parse_cost(c)
                .map_err(|p| AppError::invalid(format!("line {}: {}", i + 1, p.problem())))?;
            costs.push((i, c));
        }
    }
    let lines = match resolve_lines(st.storage.as_ref(), &raw).await? {
        Ok(lines) => lines,
        Err(problems) => {
            let text: Vec<String> = problems
                .iter()
                .map(|(n, p)| format!("line {n}: {}", p.en()))
                .collect();
            return Err(AppError::invalid(text.join("; ")));
        }
    };
    let note = st
        .storage
        .deliveries()
        .create_delivery_note(
            &NewDeliveryNote {
                store_id: StoreId(b.store_id),
                supplier,
                expected_date,
                unit_costs: line_costs(st.storage.as_ref(), &raw, &costs).await?,
                lines,
                created_by: format!("API admin #{admin}"),
            },
            Utc::now(),
        )
        .await?;
    tracing::info!(number = %note.number, store = %note.store_id, "delivery note created");
    Ok((StatusCode::CREATED, Json(note)))
}

/// `GET /api/v1/admin/delivery-notes?store_id=&status=`: newest first.
pub async fn list(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<DeliveryNote>>, AppError> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(DeliveryNoteStatus::parse(s).ok_or_else(|| {
            AppError::bad_request(format!(
                "status {s:?} is not one of pending, received, received_with_differences"
            ))
        })?),
    };
    Ok(Json(
        st.storage
            .deliveries()
            .list_delivery_notes(&DeliveryFilter {
                store_id: q.store_id.map(StoreId),
                status,
            })
            .await?,
    ))
}

/// `GET /api/v1/admin/delivery-notes/{id}`.
pub async fn get(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DeliveryNote>, AppError> {
    Ok(Json(st.storage.deliveries().get_delivery_note(id).await?))
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
