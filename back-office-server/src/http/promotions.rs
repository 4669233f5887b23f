//! `/api/v1/admin/promotions` and `/api/v1/admin/price-schedules`: HQ's promotions and scheduled
//! prices (the same checks as the dashboard's page Promociones; each write reaches the tills
//! through the change log), and `/api/v1/reports/promotions`: discounts per promotion.

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::promotions::{self as svc, NewPromotion, PromotionStatus};
use crate::storage::promotions::{PromotionReportRow, StoredPriceSchedule, StoredPromotion};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{Money, ProductId, StoreId};

/// A promotion with where it stands today.
#[derive(Debug, Serialize)]
pub struct PromotionOut {
    #[serde(flatten)]
    pub stored: StoredPromotion,
    pub status: PromotionStatus,
}

fn out(p: StoredPromotion) -> PromotionOut {
    let now = Utc::now();
    PromotionOut {
        status: svc::status(&p.promotion, svc::today(now), now),
        stored: p,
    }
}

/// `GET /api/v1/admin/promotions`: every promotion, newest first.
pub async fn list(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<PromotionOut>>, AppError> {
    let all = st.storage.promotions().promotions().await?;
    Ok(Json(all.into_iter().map(out).collect()))
}

/// `POST /api/v1/admin/promotions`.
pub async fn create(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(p): ApiJson<NewPromotion>,
) -> Result<(StatusCode, Json<PromotionOut>), AppError> {
    let by = format!("API admin #{admin}");
    let p = svc::create(st.storage.as_ref(), p, &by, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(out(p))))
}

/// `GET /api/v1/admin/promotions/{id}`.
pub async fn get(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PromotionOut>, AppError> {
    Ok(Json(out(st.storage.promotions().promotion(id).await?)))
}

/// `POST /api/v1/admin/promotions/{id}/end`: ends it now.
pub async fn end(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PromotionOut>, AppError> {
    Ok(Json(out(
        svc::end(st.storage.as_ref(), id, Utc::now()).await?
    )))
}

#[derive(Debug, Deserialize)]
pub struct NewSchedule {
    pub product_id: ProductId,
    #[serde(default)]
    pub store_id: Option<StoreId>,
    pub price: Money,
    pub effective_on: NaiveDate,
}

/// `GET /api/v1/admin/price-schedules`: every scheduled price, by date (cancelled ones too).
pub async fn list_schedules(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<StoredPriceSchedule>>, AppError> {
    Ok(Json(st.storage.promotions().price_schedules().await?))
}

/// `POST /api/v1/admin/price-schedules`.
pub async fn schedule(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(s): ApiJson<NewSchedule>,
) -> Result<(StatusCode, Json<StoredPriceSchedule>), AppError> {
    let by = format!("API admin #{admin}");
    let s = svc::schedule_price(
        st.storage.as_ref(),
        s.product_id,
        s.store_id,
        s.price,
        s.effective_on,
        &by,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// `POST /api/v1/admin/price-schedules/{id}/cancel`: only before it is in force.
pub async fn cancel_schedule(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<StoredPriceSchedule>, AppError> {
    Ok(Json(
        svc::cancel_price(st.storage.as_ref(), id, Utc::now()).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub store_id: Option<i64>,
    /// `csv` for a spreadsheet; JSON otherwise.
    pub format: Option<String>,
}

/// `GET /api/v1/reports/promotions?from=&to=[&store_id=][&format=csv]`.
pub async fn report(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, AppError> {
    let rows: Vec<PromotionReportRow> = svc::report(
        st.storage.as_ref(),
        q.from,
        q.to,
        q.store_id.map(|s| vec![StoreId(s)]),
    )
    .await?;
    if q.format.as_deref() == Some("csv") {
        let mut csv = String::from("promotion_id,promotion,lines,units,discount\n");
        for r in &rows {
            csv.push_str(&format!(
                "{},\"{}\",{},{},{}\n",
                r.promotion_id,
                r.name.replace('"', "\"\""),
                r.lines,
                r.units,
                r.discount
            ));
        }
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"promociones-{}-{}.csv\"",
                        q.from, q.to
                    ),
                ),
            ],
            csv,
        )
            .into_response());
    }
    Ok(Json(rows).into_response())
}
