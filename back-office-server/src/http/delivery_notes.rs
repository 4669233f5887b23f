//! `/api/v1/admin/delivery-notes`: HQ's delivery notes (albaranes) for a store. Create (validated
//! line by line, nothing stored on any bad line), list with store/status filters, get one. The line
//! checks are shared with the dashboard's form, which shows them in Spanish.

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::deliveries::{
    MAX_LINES, RawLine, line_costs, parse_date, resolve_lines, supplier,
};
use crate::storage::deliveries::{DeliveryFilter, DeliveryNote, NewDeliveryNote};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use sync_protocol::{DeliveryNoteStatus, StoreId};

// --- the API ------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryNoteIn {
    pub store_id: i64,
    pub supplier: String,
    /// `YYYY-MM-DD`.
    pub expected_date: String,
    pub lines: Vec<LineIn>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this store's notes.
    pub store_id: Option<i64>,
    /// Only notes in this state.
    pub status: Option<String>,
}

/// `POST /api/v1/admin/delivery-notes`.
#[utoipa::path(
    post,
    path = "/delivery-notes",
    operation_id = "delivery_notes_create",
    tag = "admin",
    summary = "Create a delivery note for a store; only that store's tills get it on their next pull. Every line is checked and all bad lines are reported (422), nothing is stored",
    security(("adminToken" = [])),
    request_body = DeliveryNoteIn,
    responses(
        (status = 201, description = "Created, with its number", body = DeliveryNote),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/delivery-notes",
    operation_id = "delivery_notes_list",
    tag = "admin",
    summary = "Delivery notes (albaranes), newest first",
    security(("adminToken" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Delivery notes", body = Vec<DeliveryNote>),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/delivery-notes/{id}",
    operation_id = "delivery_notes_get",
    tag = "admin",
    summary = "One delivery note with expected and received quantities per line",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Delivery note id")),
    responses(
        (status = 200, description = "Delivery note", body = DeliveryNote),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DeliveryNote>, AppError> {
    Ok(Json(st.storage.deliveries().get_delivery_note(id).await?))
}
