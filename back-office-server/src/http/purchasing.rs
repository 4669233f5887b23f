//! `/api/v1/admin/replenishment/suggestions`, `/api/v1/admin/purchase-orders…` and
//! `/api/v1/admin/transfers…`: a store's suggested orders, purchase orders (draft from a suggestion
//! or from lines, approve: numbered, delivery note to the store, PDF e-mailed to an external
//! supplier) and transfers between stores (create, dispatch) over the JSON API.

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::problem::Problem;
use crate::services::purchasing as svc;
use crate::services::replenish::SupplierOrder;
use crate::storage::purchasing::{
    JobDraft, NewPurchaseOrder, NewTransfer, OrderFilter, OrderLineIn, PurchaseOrder, Transfer,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sync_protocol::{ProductId, Quantity, StoreId};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoreQuery {
    /// Store id.
    pub store_id: i64,
}

/// `GET /api/v1/admin/replenishment/suggestions?store_id=`: today's suggested orders of a store.
#[utoipa::path(
    get,
    path = "/replenishment/suggestions",
    tag = "admin",
    summary = "A store's suggested orders today, per supplier: each line with on hand, on order, forecast demand over the horizon, quantity (whole packs) and value",
    security(("adminToken" = [])),
    params(StoreQuery),
    responses(
        (status = 200, description = "Suggested orders", body = Vec<SupplierOrder>),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn suggestions(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<StoreQuery>,
) -> Result<Json<Vec<SupplierOrder>>, AppError> {
    let store = st.storage.get_store(StoreId(q.store_id)).await?;
    let plan = svc::store_plan(
        st.storage.as_ref(),
        &store,
        crate::storage::sql::business_day(Utc::now()),
    )
    .await?;
    Ok(Json(plan.orders))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LineIn {
    pub product_id: i64,
    pub quantity: Quantity,
    #[serde(default)]
    pub unit_cost: Option<Decimal>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OrderIn {
    pub store_id: i64,
    pub supplier_id: i64,
    /// Today's suggested order to the supplier (then `lines` must be absent).
    #[serde(default)]
    pub from_suggestion: bool,
    #[serde(default)]
    pub lines: Option<Vec<LineIn>>,
}

fn invalid(p: Problem) -> AppError {
    AppError::problem(StatusCode::UNPROCESSABLE_ENTITY, p)
}

/// `POST /api/v1/admin/purchase-orders`: a draft, from today's suggestion or from lines.
#[utoipa::path(
    post,
    path = "/purchase-orders",
    operation_id = "purchasing_create",
    tag = "admin",
    summary = "A draft purchase order for a store: today's suggested order to the supplier (from_suggestion: true; at most one open draft per store and supplier) or the lines given; a supplier of another franchisee, an unknown product or a quantity not above zero is refused (422) and nothing is stored",
    security(("adminToken" = [])),
    request_body = OrderIn,
    responses(
        (status = 201, description = "Draft", body = PurchaseOrder),
        (status = 200, description = "From a suggestion, when the store already has an open draft for that supplier: that draft, as it was (a person's or an edited one) or with today's lines (the replenishment job's untouched draft); never a second draft", body = PurchaseOrder),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn create(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(o): ApiJson<OrderIn>,
) -> Result<(StatusCode, Json<PurchaseOrder>), AppError> {
    let by = format!("API admin #{admin}");
    let store = st.storage.get_store(StoreId(o.store_id)).await?;
    let now = Utc::now();
    let (order, status) = match (o.from_suggestion, o.lines) {
        (true, None) => {
            let (order, done) = svc::draft_from_suggestion(
                st.storage.as_ref(),
                &store,
                o.supplier_id,
                &by,
                crate::storage::sql::business_day(now),
                now,
            )
            .await?;
            // An open draft for that supplier is returned as it is (or with today's lines when
            // it was the job's): 200, not a second draft.
            let status = match done {
                JobDraft::Created(_) => StatusCode::CREATED,
                JobDraft::Replaced(_) | JobDraft::Left(_) => StatusCode::OK,
            };
            (order, status)
        }
        (false, Some(lines)) => {
            let lines: Vec<OrderLineIn> = lines
                .into_iter()
                .map(|l| OrderLineIn {
                    product_id: ProductId(l.product_id),
                    quantity: l.quantity,
                    unit_cost: l.unit_cost,
                })
                .collect();
            svc::check_lines(&lines).map_err(invalid)?;
            let order = st
                .storage
                .purchasing()
                .create_purchase_order(
                    &NewPurchaseOrder {
                        store_id: store.id,
                        supplier_id: o.supplier_id,
                        source: "manual".into(),
                        lines,
                        created_by: by,
                    },
                    now,
                )
                .await?;
            (order, StatusCode::CREATED)
        }
        _ => {
            return Err(AppError::bad_request(
                "give either from_suggestion: true or lines, not both",
            ));
        }
    };
    Ok((status, Json(order)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this store.
    pub store_id: Option<i64>,
}

/// `GET /api/v1/admin/purchase-orders`: newest first.
#[utoipa::path(
    get,
    path = "/purchase-orders",
    operation_id = "purchasing_list",
    tag = "admin",
    summary = "Purchase orders, newest first",
    security(("adminToken" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Orders", body = Vec<PurchaseOrder>),
    ),
)]
pub async fn list(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<PurchaseOrder>>, AppError> {
    Ok(Json(
        st.storage
            .purchasing()
            .list_purchase_orders(&OrderFilter {
                store_id: q.store_id.map(StoreId),
                ..OrderFilter::default()
            })
            .await?,
    ))
}

/// `GET /api/v1/admin/purchase-orders/{id}`.
#[utoipa::path(
    get,
    path = "/purchase-orders/{id}",
    operation_id = "purchasing_get",
    tag = "admin",
    summary = "A purchase order with what was received per line and its delivery notes",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "Order", body = PurchaseOrder),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PurchaseOrder>, AppError> {
    Ok(Json(st.storage.purchasing().get_purchase_order(id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApprovedOut {
    pub order: PurchaseOrder,
    pub delivery_note: String,
    /// `sent`, `failed` or `not_sent` (central warehouse, no address, or no SMTP configured).
    pub email: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_error: Option<String>,
}

/// `POST /api/v1/admin/purchase-orders/{id}/approve`.
#[utoipa::path(
    post,
    path = "/purchase-orders/{id}/approve",
    tag = "admin",
    summary = "Approve a draft: gapless number, a delivery note the store's tills receive against, the PDF in the supplier's language, and for an external supplier with an address the PDF e-mailed (a failure is retried by the send-purchase-orders job with a growing wait; 409 if not a draft)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "Approved", body = ApprovedOut),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
        (status = 409, description = "Not a draft", body = sync_protocol::ApiError),
    ),
)]
pub async fn approve(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ApprovedOut>, AppError> {
    let mail = st.mail.get();
    let a = svc::approve(
        st.storage.as_ref(),
        mail.as_ref(),
        id,
        &format!("API admin #{admin}"),
        Utc::now(),
    )
    .await?;
    let (email, email_error) = match a.email {
        None => ("not_sent", None),
        Some(Ok(_)) => ("sent", None),
        Some(Err(e)) => ("failed", Some(e)),
    };
    Ok(Json(ApprovedOut {
        order: a.order,
        delivery_note: a.note_number,
        email,
        email_error,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TransferIn {
    pub from_store_id: i64,
    pub to_store_id: i64,
    pub lines: Vec<LineIn>,
}

/// `POST /api/v1/admin/transfers`: a draft transfer.
#[utoipa::path(
    post,
    path = "/transfers",
    tag = "admin",
    summary = "A draft transfer between two stores of the same franchisee",
    security(("adminToken" = [])),
    request_body = TransferIn,
    responses(
        (status = 201, description = "Draft", body = Transfer),
    ),
)]
pub async fn create_transfer(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(t): ApiJson<TransferIn>,
) -> Result<(StatusCode, Json<Transfer>), AppError> {
    let lines: Vec<OrderLineIn> = t
        .lines
        .into_iter()
        .map(|l| OrderLineIn {
            product_id: ProductId(l.product_id),
            quantity: l.quantity,
            unit_cost: None,
        })
        .collect();
    svc::check_lines(&lines).map_err(invalid)?;
    let x = st
        .storage
        .purchasing()
        .create_transfer(
            &NewTransfer {
                from_store_id: StoreId(t.from_store_id),
                to_store_id: StoreId(t.to_store_id),
                lines: lines.iter().map(|l| (l.product_id, l.quantity)).collect(),
                created_by: format!("API admin #{admin}"),
            },
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(x)))
}

/// `GET /api/v1/admin/transfers`: newest first, with their state (in transit until received).
#[utoipa::path(
    get,
    path = "/transfers",
    tag = "admin",
    summary = "Transfers between stores, newest first, with their state (in transit until the receiving store's till receives)",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Transfers", body = Vec<Transfer>),
    ),
)]
pub async fn transfers(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Transfer>>, AppError> {
    Ok(Json(st.storage.purchasing().list_transfers(None).await?))
}

/// `POST /api/v1/admin/transfers/{id}/dispatch`.
#[utoipa::path(
    post,
    path = "/transfers/{id}/dispatch",
    tag = "admin",
    summary = "Dispatch a draft transfer: the goods leave the sending store's stock and a delivery note goes to the receiving store's tills at the sender's weighted average cost (else HQ's cost), which the receipt averages into the receiver's cost (409 if not a draft)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Transfer id")),
    responses(
        (status = 200, description = "Dispatched", body = Transfer),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
        (status = 409, description = "Not a draft", body = sync_protocol::ApiError),
    ),
)]
pub async fn dispatch(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Transfer>, AppError> {
    Ok(Json(
        st.storage
            .purchasing()
            .dispatch_transfer(id, &format!("API admin #{admin}"), Utc::now())
            .await?,
    ))
}

/// `POST /api/v1/admin/transfers/{id}/discard`: a draft not dispatched yet (nothing moved).
#[utoipa::path(
    post,
    path = "/transfers/{id}/discard",
    tag = "admin",
    summary = "Discard a transfer not dispatched yet (nothing has moved); 409 once dispatched or discarded",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Transfer id")),
    responses(
        (status = 200, description = "Discarded", body = Transfer),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
        (status = 409, description = "Not a draft", body = sync_protocol::ApiError),
    ),
)]
pub async fn discard_transfer(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Transfer>, AppError> {
    Ok(Json(
        st.storage
            .purchasing()
            .discard_transfer(id, &format!("API admin #{admin}"), Utc::now())
            .await?,
    ))
}
