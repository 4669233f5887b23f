//! Reports for HQ: sales by store and/or business day.

use super::{AdminToken, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::reports::{self, SalesReport};
use crate::storage::ReportGroup;
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct SalesQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: Option<ReportGroup>,
}

/// `GET /api/v1/reports/sales?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=store|day|store_day`.
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
