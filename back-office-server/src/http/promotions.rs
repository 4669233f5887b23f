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
#[derive(Debug, Serialize, utoipa::ToSchema)]
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
#[utoipa::path(
    get,
    path = "/promotions",
    operation_id = "promotions_list",
    tag = "admin",
    summary = "Every promotion, newest first, with its status today (upcoming, current, ended)",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Promotions", body = Vec<PromotionOut>),
    ),
)]
pub async fn list(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<PromotionOut>>, AppError> {
    let all = st.storage.promotions().promotions().await?;
    Ok(Json(all.into_iter().map(out).collect()))
}

/// `POST /api/v1/admin/promotions`.
#[utoipa::path(
    post,
    path = "/promotions",
    operation_id = "promotions_create",
    tag = "admin",
    summary = "Create a promotion: a percentage off, take N pay M, a second unit at a discount or a bundle at a fixed price, over a family (its active products now) and/or products, in every store (no stores) or the stores listed, from starts_on to ends_on (included, each store's calendar). It goes to those stores' tills on their next pull; they apply it offline by their own clock. A bad rule is 422",
    security(("adminToken" = [])),
    request_body = NewPromotion,
    responses(
        (status = 201, description = "Created", body = PromotionOut),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/promotions/{id}",
    operation_id = "promotions_get",
    tag = "admin",
    summary = "One promotion",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Promotion id")),
    responses(
        (status = 200, description = "Promotion", body = PromotionOut),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PromotionOut>, AppError> {
    Ok(Json(out(st.storage.promotions().promotion(id).await?)))
}

/// `POST /api/v1/admin/promotions/{id}/end`: ends it now.
#[utoipa::path(
    post,
    path = "/promotions/{id}/end",
    tag = "admin",
    summary = "End a promotion now: the tills stop applying it once they have the change (422 when it already ended)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Promotion id")),
    responses(
        (status = 200, description = "Ended", body = PromotionOut),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn end(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PromotionOut>, AppError> {
    Ok(Json(out(
        svc::end(st.storage.as_ref(), id, Utc::now()).await?
    )))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewSchedule {
    pub product_id: ProductId,
    #[serde(default)]
    pub store_id: Option<StoreId>,
    pub price: Money,
    pub effective_on: NaiveDate,
}

/// `GET /api/v1/admin/price-schedules`: every scheduled price, by date (cancelled ones too).
#[utoipa::path(
    get,
    path = "/price-schedules",
    tag = "admin",
    summary = "Scheduled price changes by date, cancelled ones too",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Scheduled prices", body = Vec<StoredPriceSchedule>),
    ),
)]
pub async fn list_schedules(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<StoredPriceSchedule>>, AppError> {
    Ok(Json(st.storage.promotions().price_schedules().await?))
}

/// `POST /api/v1/admin/price-schedules`.
#[utoipa::path(
    post,
    path = "/price-schedules",
    tag = "admin",
    summary = "Schedule a product's price from a day (tomorrow or later), franchise-wide or in one store; tills get it ahead and switch at the store's local midnight, offline",
    security(("adminToken" = [])),
    request_body = NewSchedule,
    responses(
        (status = 201, description = "Scheduled", body = StoredPriceSchedule),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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
#[utoipa::path(
    post,
    path = "/price-schedules/{id}/cancel",
    tag = "admin",
    summary = "Cancel a scheduled price not yet in force (422 once in force or already cancelled); the tills drop it",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Schedule id")),
    responses(
        (status = 200, description = "Cancelled", body = StoredPriceSchedule),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn cancel_schedule(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<StoredPriceSchedule>, AppError> {
    Ok(Json(
        svc::cancel_price(st.storage.as_ref(), id, Utc::now()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day (inclusive).
    pub to: NaiveDate,
    /// Only this store.
    pub store_id: Option<i64>,
    /// `csv` for a spreadsheet; JSON otherwise.
    pub format: Option<String>,
}

/// `GET /api/v1/reports/promotions?from=&to=[&store_id=][&format=csv]`.
#[utoipa::path(
    get,
    path = "/api/v1/reports/promotions",
    tag = "admin",
    summary = "Discounts per promotion over business days (lines sold with it, units and amount; refunds subtract), JSON or CSV",
    security(("adminToken" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "Report", content((Vec<PromotionReportRow> = "application/json"), (String = "text/csv"))),
    ),
)]
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
