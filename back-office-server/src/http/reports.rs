//! Reports for HQ: sales by store and/or business day.

use super::{AdminToken, ApiQuery, AppError, AppState};
use crate::storage::{ReportGroup, SalesReportRow};
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sync_protocol::Money;

/// Longest period one report may span.
pub const MAX_REPORT_DAYS: i64 = 3_660;

#[derive(Debug, Deserialize)]
pub struct SalesQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: Option<ReportGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesTotals {
    pub tickets: u64,
    pub refunds: u64,
    pub gross: Money,
    pub net: Money,
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: ReportGroup,
    pub rows: Vec<SalesReportRow>,
    pub totals: SalesTotals,
}

/// `GET /api/v1/reports/sales?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=store|day|store_day`.
pub async fn sales(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<SalesQuery>,
) -> Result<Json<SalesReport>, AppError> {
    if q.from > q.to {
        return Err(AppError::invalid(format!(
            "from ({}) is after to ({})",
            q.from, q.to
        )));
    }
    if (q.to - q.from).num_days() > MAX_REPORT_DAYS {
        return Err(AppError::invalid(format!(
            "a report may span at most {MAX_REPORT_DAYS} days"
        )));
    }
    let group = q.group_by.unwrap_or(ReportGroup::Store);
    let rows = st.storage.sales_report(q.from, q.to, group).await?;
    let totals = SalesTotals {
        tickets: rows.iter().map(|r| r.tickets).sum(),
        refunds: rows.iter().map(|r| r.refunds).sum(),
        gross: rows.iter().map(|r| r.gross).sum(),
        net: rows.iter().map(|r| r.net).sum(),
        tax: rows.iter().map(|r| r.tax).sum(),
    };
    Ok(Json(SalesReport {
        from: q.from,
        to: q.to,
        group_by: group,
        rows,
        totals,
    }))
}
