//! `/api/v1/admin/stock…` and `/api/v1/admin/product-costs`: inventory at HQ over the JSON API —
//! stock per store and product, a product's stock card, valuation per store, and HQ's costs (one
//! product, or many at once, all or nothing with every bad line reported).

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::stock::{self as rules, CostLine};
use crate::storage::stock::{
    ProductStockIn, ProductStockInfo, StockFilter, StockMove, StockRow, StoreValuation,
};
use axum::Json;
use axum::extract::State;
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{ProductId, StoreId};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    /// Only this store.
    pub store_id: Option<i64>,
    /// Substring of SKU or name.
    pub q: Option<String>,
    /// Only this family (product category).
    pub family: Option<String>,
    /// Days of sales counted in `sold` (default 28).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<i64>,
}

fn sales_since(days: Option<i64>) -> Result<chrono::NaiveDate, AppError> {
    let days = days.unwrap_or(rules::SALES_WINDOW_DAYS);
    if !(1..=366).contains(&days) {
        return Err(AppError::bad_request(format!(
            "days {days} must be between 1 and 366"
        )));
    }
    Ok(crate::storage::sql::business_day(Utc::now()) - Duration::days(days - 1))
}

/// `GET /api/v1/admin/stock`: stock per store and product.
#[utoipa::path(
    get,
    path = "/stock",
    operation_id = "stock_list",
    tag = "admin",
    summary = "Stock per store and product, kept current as the tills push (negative allowed); with units sold over the last `days`",
    security(("adminToken" = [])),
    params(StockQuery),
    responses(
        (status = 200, description = "Stock rows", body = Vec<StockRow>),
    ),
)]
pub async fn list(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<StockQuery>,
) -> Result<Json<Vec<StockRow>>, AppError> {
    Ok(Json(
        st.storage
            .stock()
            .stock(&StockFilter {
                store_id: q.store_id.map(StoreId),
                query: q.q,
                family: q.family,
                sales_since: sales_since(q.days)?,
            })
            .await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockCard {
    /// `None` when the product never moved in the store.
    pub stock: Option<StockRow>,
    /// Oldest first.
    pub moves: Vec<StockMove>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardQuery {
    /// The last N movements (default 500).
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/admin/stock/{store}/{product}`: a product's stock card in one store.
#[utoipa::path(
    get,
    path = "/stock/{store}/{product}",
    tag = "admin",
    summary = "A product's stock card (kardex) in one store: every movement with its document, running balance and who did it, oldest first",
    security(("adminToken" = [])),
    params(("store" = i64, Path, description = "Store id"), ("product" = i64, Path, description = "Product id"), CardQuery),
    responses(
        (status = 200, description = "Stock card", body = StockCard),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn card(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath((store, product)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<CardQuery>,
) -> Result<Json<StockCard>, AppError> {
    st.storage.get_store(StoreId(store)).await?;
    st.storage.get_product(ProductId(product)).await?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let s = st.storage.stock();
    Ok(Json(StockCard {
        stock: s
            .stock_row(StoreId(store), ProductId(product), sales_since(None)?)
            .await?,
        moves: s
            .stock_card(StoreId(store), ProductId(product), limit)
            .await?,
    }))
}

/// `GET /api/v1/admin/stock-valuation`: stock value per store.
#[utoipa::path(
    get,
    path = "/stock-valuation",
    tag = "admin",
    summary = "Stock value per store (on hand × the store's weighted average cost, else HQ's cost)",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Valuation", body = Vec<StoreValuation>),
    ),
)]
pub async fn valuation(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<StoreValuation>>, AppError> {
    Ok(Json(st.storage.stock().stock_valuation().await?))
}

/// `GET /api/v1/admin/product-costs`: every product with HQ's cost (null when not set) and family.
#[utoipa::path(
    get,
    path = "/product-costs",
    tag = "admin",
    summary = "Every product with HQ's unit cost (null when not set) and family",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Costs", body = Vec<ProductStockInfo>),
    ),
)]
pub async fn costs(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<ProductStockInfo>>, AppError> {
    Ok(Json(st.storage.stock().product_stock().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostIn {
    pub product_id: Option<i64>,
    /// SKU or barcode, instead of `product_id`.
    pub code: Option<String>,
    /// Euros with up to four decimals, as a string: `"1.2345"`.
    pub cost: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CostsSet {
    pub updated: u64,
}

/// `POST /api/v1/admin/product-costs`: sets many costs at once; any bad line refuses them all.
#[utoipa::path(
    post,
    path = "/product-costs",
    tag = "admin",
    summary = "Set many products' costs at once; every bad line is reported (422) and nothing is stored",
    security(("adminToken" = [])),
    request_body = Vec<CostIn>,
    responses(
        (status = 200, description = "How many were set", body = CostsSet),
    ),
)]
pub async fn set_costs(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<Vec<CostIn>>,
) -> Result<Json<CostsSet>, AppError> {
    if b.is_empty() {
        return Err(AppError::invalid("at least one cost is needed"));
    }
    if b.len() > rules::MAX_COST_LINES {
        return Err(AppError::invalid(format!(
            "at most {} costs at once",
            rules::MAX_COST_LINES
        )));
    }
    let lines: Vec<CostLine> = b
        .into_iter()
        .enumerate()
        .map(|(i, c)| CostLine {
            line: i as u64 + 1,
            product_id: c.product_id,
            code: c.code,
            cost: c.cost,
        })
        .collect();
    let rows = resolved(&st, &lines).await?;
    let updated = st
        .storage
        .stock()
        .set_product_stock(&rows, Utc::now())
        .await?;
    Ok(Json(CostsSet { updated }))
}

/// The lines as costs to store, or one 422 naming every bad line.
async fn resolved(st: &AppState, lines: &[CostLine]) -> Result<Vec<ProductStockIn>, AppError> {
    match rules::resolve_costs(st.storage.as_ref(), lines).await? {
        Ok(rows) => Ok(rows),
        Err(problems) => {
            let text: Vec<String> = problems
                .iter()
                .map(|(n, p)| format!("line {n}: {p}"))
                .collect();
            Err(AppError::invalid(text.join("; ")))
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OneCostIn {
    pub cost: String,
}

/// `PUT /api/v1/admin/products/{id}/cost`.
#[utoipa::path(
    put,
    path = "/products/{id}/cost",
    tag = "admin",
    summary = "Set HQ's unit cost of a product",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Product id")),
    request_body = OneCostIn,
    responses(
        (status = 200, description = "Set", body = ProductStockInfo),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn set_cost(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<OneCostIn>,
) -> Result<Json<ProductStockInfo>, AppError> {
    let cost = rules::parse_cost(&b.cost).map_err(|p| AppError::from(p.problem()))?;
    let product = st.storage.get_product(ProductId(id)).await?;
    st.storage
        .stock()
        .set_product_stock(
            &[ProductStockIn {
                product_id: product.id,
                cost,
            }],
            Utc::now(),
        )
        .await?;
    let category = st.storage.dashboard().product_category(product.id).await?;
    Ok(Json(ProductStockInfo {
        product_id: product.id,
        sku: product.sku,
        name: product.name,
        family: category,
        cost: Some(cost),
    }))
}
