//! Reports for HQ: sales by store and/or business day.

use super::{AdminToken, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::reports::{self, SalesReport};
use crate::storage::ReportGroup;
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesQuery {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day (inclusive).
    pub to: NaiveDate,
    /// Default store.
    pub group_by: Option<ReportGroup>,
}

/// `GET /api/v1/reports/sales?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=store|day|store_day`.
#[utoipa::path(
    get,
    path = "/api/v1/reports/sales",
    tag = "admin",
    summary = "Sales by store and/or business day (Europe/Madrid); refunds count negative",
    security(("adminToken" = [])),
    params(SalesQuery),
    responses(
        (status = 200, description = "Report", body = SalesReport),
    ),
)]
pub async fn sales(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<SalesQuery>,
) -> Result<Json<SalesReport>, AppError> {
    let group = q.group_by.unwrap_or(ReportGroup::Store);
    Ok(Json(
        reports::sales(st.storage.as_ref(), q.from, q.to, group).await?,
    ))
}
