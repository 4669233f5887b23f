//! `/api/v1/admin/customers`: the franchisees' customer directory for HQ admins — list and search,
//! create, read, replace, and erase on request (GDPR: the personal data goes, an anonymous tombstone
//! stays, every till of the franchisee deletes it; fiscal documents are untouched). The same rules
//! as the dashboard page Clientes; each write reaches the franchisee's tills through the change log.

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::customers::{self as svc, CustomerIn};
use crate::storage::customers::Customer;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use sync_protocol::FranchiseeId;
use uuid::Uuid;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Text to look for.
    pub q: Option<String>,
    /// Only this franchisee's.
    pub franchisee_id: Option<i64>,
}

/// `GET /api/v1/admin/customers[?q=text&franchisee_id=N]`: by name, erased ones left out.
#[utoipa::path(
    get,
    path = "/customers",
    operation_id = "customers_list",
    tag = "admin",
    summary = "Franchisees' customers by name (erased ones left out), optionally one franchisee's and matching a text in the name, NIF or e-mail",
    security(("adminToken" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Customers", body = Vec<Customer>),
    ),
)]
pub async fn list(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Customer>>, AppError> {
    let franchisees = q.franchisee_id.map(|f| vec![FranchiseeId(f)]);
    Ok(Json(
        st.storage
            .customers()
            .list_customers(franchisees, q.q.as_deref().unwrap_or(""), 1000)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewCustomer {
    pub franchisee_id: i64,
    #[serde(flatten)]
    pub customer: CustomerIn,
}

fn id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s)
        .map_err(|_| AppError::from(crate::storage::customers::not_found(Uuid::nil())))
}

async fn by(st: &AppState, admin: i64) -> Result<String, AppError> {
    Ok(
        crate::services::people::token_actor(st.storage.as_ref(), admin)
            .await?
            .actor,
    )
}

/// `POST /api/v1/admin/customers`: 201 with the customer (its id made by HQ).
#[utoipa::path(
    post,
    path = "/customers",
    operation_id = "customers_create",
    tag = "admin",
    summary = "Create a customer of a franchisee (NIF/NIE/CIF validated when given; consent needs an e-mail); it reaches the franchisee's tills",
    security(("adminToken" = [])),
    request_body = NewCustomer,
    responses(
        (status = 201, description = "Created", body = Customer),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn create(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(c): ApiJson<NewCustomer>,
) -> Result<(StatusCode, Json<Customer>), AppError> {
    let by = by(&st, admin).await?;
    let c = svc::create(
        st.storage.as_ref(),
        FranchiseeId(c.franchisee_id),
        &c.customer,
        &by,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// `GET /api/v1/admin/customers/{id}`.
#[utoipa::path(
    get,
    path = "/customers/{id}",
    operation_id = "customers_get",
    tag = "admin",
    summary = "A customer",
    security(("adminToken" = [])),
    params(("id" = uuid::Uuid, Path, description = "Customer id")),
    responses(
        (status = 200, description = "Customer", body = Customer),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(cid): ApiPath<String>,
) -> Result<Json<Customer>, AppError> {
    Ok(Json(svc::get(st.storage.as_ref(), id(&cid)?, None).await?))
}

/// `PUT /api/v1/admin/customers/{id}`: the customer's data replaced whole.
#[utoipa::path(
    put,
    path = "/customers/{id}",
    operation_id = "customers_put",
    tag = "admin",
    summary = "Replace a customer's data whole; it reaches the franchisee's tills",
    security(("adminToken" = [])),
    params(("id" = uuid::Uuid, Path, description = "Customer id")),
    request_body = CustomerIn,
    responses(
        (status = 200, description = "Updated", body = Customer),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn put(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiPath(cid): ApiPath<String>,
    ApiJson(c): ApiJson<CustomerIn>,
) -> Result<Json<Customer>, AppError> {
    let by = by(&st, admin).await?;
    Ok(Json(
        svc::update(st.storage.as_ref(), id(&cid)?, None, &c, &by, Utc::now()).await?,
    ))
}

/// `DELETE /api/v1/admin/customers/{id}`: erasure on request (audited as the API token).
#[utoipa::path(
    delete,
    path = "/customers/{id}",
    tag = "admin",
    summary = "Erase a customer on request (GDPR): the personal data is removed from HQ and every till, an anonymous tombstone stays, the audit log records the API token; fiscal documents and archived PDFs are not touched",
    security(("adminToken" = [])),
    params(("id" = uuid::Uuid, Path, description = "Customer id")),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn erase(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiPath(cid): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    let actor = crate::services::people::token_actor(st.storage.as_ref(), admin).await?;
    svc::erase(st.storage.as_ref(), id(&cid)?, None, &actor, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
