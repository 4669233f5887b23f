//! HQ's reports: the periods they may span and the sales report with its totals.

use super::ServiceResult;
use crate::problem::Problem;
use crate::storage::{ReportGroup, SalesReportRow, Storage};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sync_protocol::Money;

/// Longest period one report may span.
pub const MAX_REPORT_DAYS: i64 = 3_660;

/// A report's period: `from` not after `to`, at most [`MAX_REPORT_DAYS`].
pub fn period(from: NaiveDate, to: NaiveDate) -> Result<(), Problem> {
    if from > to {
        return Err(Problem::new("report_from_after_to")
            .with("from", from)
            .with("to", to));
    }
    if (to - from).num_days() > MAX_REPORT_DAYS {
        return Err(Problem::new("report_too_long").with("days", MAX_REPORT_DAYS));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SalesTotals {
    pub tickets: u64,
    pub refunds: u64,
    pub gross: Money,
    pub net: Money,
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SalesReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: ReportGroup,
    pub rows: Vec<SalesReportRow>,
    pub totals: SalesTotals,
}

/// Sales by store and/or business day over a period, with the totals.
pub async fn sales(
    db: &dyn Storage,
    from: NaiveDate,
    to: NaiveDate,
    group: ReportGroup,
) -> ServiceResult<SalesReport> {
    period(from, to)?;
    let rows = db.sales_report(from, to, group).await?;
    let totals = SalesTotals {
        tickets: rows.iter().map(|r| r.tickets).sum(),
        refunds: rows.iter().map(|r| r.refunds).sum(),
        gross: rows.iter().map(|r| r.gross).sum(),
        net: rows.iter().map(|r| r.net).sum(),
        tax: rows.iter().map(|r| r.tax).sum(),
    };
    Ok(SalesReport {
        from,
        to,
        group_by: group,
        rows,
        totals,
    })
}
