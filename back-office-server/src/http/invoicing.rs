//! `/api/v1/admin/invoicing/…`: franchise contracts (versioned), HQ's issuer details, the monthly
//! invoicing run, invoices with their per-store/day bases, credit notes and the documents (PDF,
//! UBL 2.1, Facturae 3.2.2). HQ admin token only; the rules are in `services::invoicing`.

use super::{AdminToken, ApiJson, ApiPath, AppError};
use crate::app::AppState;
use crate::services::invoicing::{self as svc, CreditNoteIn};
use crate::storage::invoicing::{
    ContractIn, ContractVersion, CountedDay, CountedTicket, InvoiceRecord, IssuerIn, SendState,
};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{FranchiseeId, StoreId};

/// `GET /api/v1/admin/invoicing/issuer`.
#[utoipa::path(
    get,
    path = "/invoicing/issuer",
    tag = "admin",
    summary = "HQ's billing details (the issuer of every invoice); null until set",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Issuer", body = Option<IssuerIn>),
    ),
)]
pub async fn get_issuer(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Option<IssuerIn>>, AppError> {
    Ok(Json(st.storage.invoicing().issuer().await?))
}

/// `PUT /api/v1/admin/invoicing/issuer`.
#[utoipa::path(
    put,
    path = "/invoicing/issuer",
    tag = "admin",
    summary = "Set HQ's billing details",
    security(("adminToken" = [])),
    request_body = IssuerIn,
    responses(
        (status = 200, description = "Stored", body = IssuerIn),
    ),
)]
pub async fn put_issuer(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiJson(i): ApiJson<IssuerIn>,
) -> Result<Json<IssuerIn>, AppError> {
    svc::set_issuer(st.storage.as_ref(), &i, Utc::now()).await?;
    Ok(Json(i))
}

/// `GET /api/v1/admin/franchisees/{id}/contracts`: every version, oldest first.
#[utoipa::path(
    get,
    path = "/franchisees/{id}/contracts",
    tag = "admin",
    summary = "A franchisee's contract versions, oldest first",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    responses(
        (status = 200, description = "Versions", body = Vec<ContractVersion>),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn list_contracts(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ContractVersion>>, AppError> {
    st.storage.get_franchisee(FranchiseeId(id)).await?;
    Ok(Json(
        st.storage
            .invoicing()
            .contract_versions(Some(FranchiseeId(id)))
            .await?,
    ))
}

/// `POST /api/v1/admin/franchisees/{id}/contracts`: a new version.
#[utoipa::path(
    post,
    path = "/franchisees/{id}/contracts",
    tag = "admin",
    summary = "A new contract version, in force from its month until the next version. Overlapping versions, a version in an invoiced month, tier gaps or overlaps, negative amounts or percentages and bad e-mails are refused (422/409), nothing stored",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    request_body = ContractIn,
    responses(
        (status = 201, description = "Created", body = ContractVersion),
        (status = 404, description = "A referenced record does not exist", body = sync_protocol::ApiError),
        (status = 409, description = "Would duplicate an existing record", body = sync_protocol::ApiError),
    ),
)]
pub async fn create_contract(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<ContractIn>,
) -> Result<(StatusCode, Json<ContractVersion>), AppError> {
    let v = svc::create_contract(
        st.storage.as_ref(),
        FranchiseeId(id),
        &c,
        &format!("API admin #{admin}"),
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RunIn {
    /// `YYYY-MM`.
    pub period: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunOut {
    pub period: String,
    pub issued: Vec<InvoiceRecord>,
    pub already_issued: u64,
    pub failed: Vec<FailedOut>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FailedOut {
    pub franchisee_id: FranchiseeId,
    pub message: String,
}

/// `POST /api/v1/admin/invoicing/runs`: invoices the month for every franchisee under contract.
#[utoipa::path(
    post,
    path = "/invoicing/runs",
    tag = "admin",
    summary = "Invoice a closed month (YYYY-MM) for every franchisee under contract: one invoice each, gapless FQ-year series, a VERI*FACTU record in HQ's chain; running again issues nothing",
    security(("adminToken" = [])),
    request_body = RunIn,
    responses(
        (status = 200, description = "What the run did", body = RunOut),
    ),
)]
pub async fn run(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiJson(r): ApiJson<RunIn>,
) -> Result<Json<RunOut>, AppError> {
    let s = svc::run_and_send(
        st.storage.as_ref(),
        st.mail.get().as_ref(),
        &r.period,
        Utc::now(),
        &|_, _| {},
    )
    .await?;
    Ok(Json(RunOut {
        period: s.period,
        issued: s.issued,
        already_issued: s.already,
        failed: s
            .failed
            .into_iter()
            .map(|(f, m)| FailedOut {
                franchisee_id: f,
                message: m,
            })
            .collect(),
    }))
}

/// `GET /api/v1/admin/invoices`.
#[utoipa::path(
    get,
    path = "/invoices",
    operation_id = "invoicing_list",
    tag = "admin",
    summary = "Invoices and credit notes, newest first",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Invoices", body = Vec<InvoiceRecord>),
    ),
)]
pub async fn list(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<InvoiceRecord>>, AppError> {
    Ok(Json(st.storage.invoicing().list_invoices(None).await?))
}

/// An invoice with what it counted and its e-mail state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceOut {
    #[serde(flatten)]
    pub invoice: InvoiceRecord,
    pub counted: Vec<CountedDay>,
    pub credit_notes: Vec<InvoiceRecord>,
    pub email: Option<SendState>,
    /// Delivery notes of goods the invoice charged.
    pub deliveries: Vec<DeliveryOut>,
    /// What is left to credit on each line (line 1 first).
    pub left_to_credit: Vec<sync_protocol::Money>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryOut {
    pub note_id: i64,
    pub number: String,
    pub net: sync_protocol::Money,
}

/// `GET /api/v1/admin/invoices/{id}`.
#[utoipa::path(
    get,
    path = "/invoices/{id}",
    operation_id = "invoicing_get",
    tag = "admin",
    summary = "One invoice with the net sales it counted per month, store and day, its credit notes and its e-mail state",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Invoice id")),
    responses(
        (status = 200, description = "Invoice", body = InvoiceOut),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<InvoiceOut>, AppError> {
    let inv = st.storage.invoicing();
    let invoice = inv.get_invoice(id).await?;
    let left_to_credit = if invoice.kind == crate::storage::invoicing::InvoiceKind::Invoice {
        let draft: trastienda_einvoice::InvoiceDraft = serde_json::from_str(&invoice.draft)
            .map_err(|e| crate::storage::StorageError::Backend(e.to_string()))?;
        let mut credited = vec![sync_protocol::Money::ZERO; draft.lines.len()];
        for (line, net) in inv.credited_lines(id).await? {
            if let Some(c) = credited.get_mut((line as usize).wrapping_sub(1)) {
                *c += net;
            }
        }
        svc::left_to_credit(&draft, &credited).map_err(crate::storage::StorageError::Invalid)?
    } else {
        Vec::new()
    };
    Ok(Json(InvoiceOut {
        invoice,
        counted: inv.counted_days(id).await?,
        credit_notes: inv.credit_notes_of(id).await?,
        email: inv.send_state(id).await?,
        deliveries: inv
            .invoiced_deliveries(id)
            .await?
            .into_iter()
            .map(|(note_id, number, net)| DeliveryOut {
                note_id,
                number,
                net,
            })
            .collect(),
        left_to_credit,
    }))
}

/// `GET /api/v1/admin/invoices/{id}/tickets/{store}/{day}`.
#[utoipa::path(
    get,
    path = "/invoices/{id}/tickets/{store}/{day}",
    tag = "admin",
    summary = "The tickets an invoice counted at one store on one business day",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Invoice id"), ("store" = i64, Path, description = "Store id"), ("day" = NaiveDate, Path, description = "Business day")),
    responses(
        (status = 200, description = "Tickets", body = Vec<CountedTicket>),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn tickets(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath((id, store, day)): ApiPath<(i64, i64, NaiveDate)>,
) -> Result<Json<Vec<CountedTicket>>, AppError> {
    st.storage.invoicing().get_invoice(id).await?;
    Ok(Json(
        st.storage
            .invoicing()
            .counted_tickets(id, StoreId(store), day)
            .await?,
    ))
}

/// `POST /api/v1/admin/invoices/{id}/send`: e-mails the invoice now, again if it was sent.
#[utoipa::path(
    post,
    path = "/invoices/{id}/send",
    tag = "admin",
    summary = "E-mail the invoice or credit note now to its billing address (again if it was sent), PDF and UBL attached; the attempt is recorded. 422 when the server has no SMTP settings",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Invoice id")),
    responses(
        (status = 200, description = "E-mail state", body = SendState),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn send_now(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SendState>, AppError> {
    st.storage.invoicing().get_invoice(id).await?;
    let Some(config) = st.mail.get() else {
        return Err(crate::problem::Problem::new("smtp_not_configured").into());
    };
    Ok(Json(
        crate::services::mail::send_now(st.storage.as_ref(), &config, id, Utc::now()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JournalQuery {
    /// Month, YYYY-MM.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
}

/// `GET /api/v1/admin/invoicing/journal?month=YYYY-MM`: the month's invoices and credit notes
/// (by issue date) as a journal CSV for the accountant.
#[utoipa::path(
    get,
    path = "/invoicing/journal",
    tag = "admin",
    summary = "The month's invoices and credit notes (by issue date) as journal entries in CSV for a Spanish accounting package: Asiento;Línea;Fecha;Cuenta;Concepto;Documento;Debe;Haber;NIF;Nombre, ';', decimal comma, dd/mm/yyyy; 430+franchisee, 705 services, 700 goods, 477+rate VAT, 4775+rate recargo",
    security(("adminToken" = [])),
    params(JournalQuery),
    responses(
        (status = 200, description = "The journal", body = String, content_type = "text/csv"),
    ),
)]
pub async fn journal(
    State(st): State<AppState>,
    _a: AdminToken,
    super::ApiQuery(q): super::ApiQuery<JournalQuery>,
) -> Result<Response, AppError> {
    let csv = svc::journal_csv(st.storage.as_ref(), &q.month).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"asientos-{}.csv\"", q.month.trim()),
            ),
        ],
        csv,
    )
        .into_response())
}

/// `POST /api/v1/admin/invoices/{id}/credit-notes`: a credit note for chosen lines or amounts, or
/// for everything left on the invoice.
#[utoipa::path(
    post,
    path = "/invoices/{id}/credit-notes",
    tag = "admin",
    summary = "Issue a credit note (rectificativa by differences, RQ-year series, VERI*FACTU R1-R4 with TipoRectificativa I) for the chosen lines, each at most what is left of it (net before tax; no net: what is left), or for everything left when lines is empty. The invoice's open amount goes down by the credit. More than is left is refused (422), nothing stored",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Invoice id")),
    request_body = CreditNoteIn,
    responses(
        (status = 201, description = "Credit note", body = InvoiceRecord),
        (status = 404, description = "A referenced record does not exist", body = sync_protocol::ApiError),
        (status = 409, description = "Would duplicate an existing record", body = sync_protocol::ApiError),
    ),
)]
pub async fn credit_note(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(why): ApiJson<CreditNoteIn>,
) -> Result<(StatusCode, Json<InvoiceRecord>), AppError> {
    let r = svc::issue_credit_note(st.storage.as_ref(), id, why, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// A stored document as a download.
pub fn download(number: &str, format: &str, content: Vec<u8>, sha256: &str) -> Response {
    let (mime, name) = svc::document_file(number, format);
    let mut res = content.into_response();
    let h = res.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(sha256) {
        h.insert("x-content-sha256", v);
    }
    res
}

/// `GET /api/v1/admin/invoices/{id}/{format}` with format `pdf`, `ubl` or `facturae`.
#[utoipa::path(
    get,
    path = "/invoices/{id}/{format}",
    tag = "admin",
    summary = "The invoice as issued: pdf (A4, legal fields, VERI*FACTU QR), ubl (UBL 2.1, EN 16931/Peppol BIS 3) or facturae (Facturae 3.2.2, unsigned); header x-content-sha256",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Invoice id"), ("format" = String, Path, description = "Document")),
    responses(
        (status = 200, description = "The document", content((String = "application/pdf"), (String = "application/xml"))),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn document(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath((id, format)): ApiPath<(i64, String)>,
) -> Result<Response, AppError> {
    if svc::document_format(&format).is_none() {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "documents are pdf, ubl or facturae",
        ));
    }
    let inv = st.storage.invoicing().get_invoice(id).await?;
    let (content, sha) = st.storage.invoicing().invoice_document(id, &format).await?;
    Ok(download(&inv.full_number, &format, content, &sha))
}
