//! VERI*FACTU records for auditors and for HQ's own checks: every field of each record a
//! franchisee's tills sent, with its huella, the previous huella it names and what HQ found on arrival.

use super::{AdminToken, ApiQuery, AppError};
use crate::app::AppState;
use crate::storage::verifactu::{RecordQuery, StoredRecord};
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sync_protocol::FranchiseeId;

/// Longest period one request may span.
pub const MAX_DAYS: i64 = 366;
/// Records per page unless `limit` says otherwise, and the most one page may hold.
pub const DEFAULT_LIMIT: i64 = 1_000;
pub const MAX_LIMIT: i64 = 10_000;

#[derive(Debug, Deserialize)]
pub struct RecordsQuery {
    pub franchisee: i64,
    /// First and last issue date (`FechaExpedicionFactura`), inclusive.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Paging: only records after this `id` (the previous page's `next_after`).
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsPage {
    pub franchisee: FranchiseeId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub records: Vec<StoredRecord>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// `GET /api/v1/verifactu/records?franchisee=ID&from=YYYY-MM-DD&to=YYYY-MM-DD[&after=N&limit=N]`.
pub async fn records(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> Result<Json<RecordsPage>, AppError> {
    if q.from > q.to {
        return Err(AppError::invalid(format!(
            "from ({}) is after to ({})",
            q.from, q.to
        )));
    }
    if (q.to - q.from).num_days() >= MAX_DAYS {
        return Err(AppError::invalid(format!(
            "a request may span at most {MAX_DAYS} days; ask period by period"
        )));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::invalid("after must be 0 or a next_after value"));
    }
    let franchisee = FranchiseeId(q.franchisee);
    // An unknown franchisee is a 404, not an empty list.
    st.storage.get_franchisee(franchisee).await?;
    let records = st
        .storage
        .verifactu()
        .verifactu_records(RecordQuery {
            franchisee,
            from: q.from,
            to: q.to,
            after_id: after,
            limit,
        })
        .await?;
    let next_after = (records.len() as i64 == limit)
        .then(|| records.last().map(|r| r.id))
        .flatten();
    Ok(Json(RecordsPage {
        franchisee,
        from: q.from,
        to: q.to,
        records,
        next_after,
    }))
}
