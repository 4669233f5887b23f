//! `/api/v1/admin/collections/…`: aging, statements of account, receivables, payments and their
//! allocation, bank statement imports (Norma 43, camt.053) and matching lines by hand. HQ admin
//! token only; the rules are in `services::collections`.

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::problem::Problem;
use crate::services::collections::{self as svc, Aging, StatementOfAccount};
use crate::storage::collections::{
    AllocationIn, BankLine, BankStatement, ImportOutcome, NewPayment, Payment, Receivable,
    StatementEmail,
};
use crate::storage::sql::business_day;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{FranchiseeId, Money};

fn day(text: Option<&str>) -> Result<NaiveDate, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(business_day(Utc::now())),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .filter(|d| (1900..=2999).contains(&chrono::Datelike::year(d)))
            .ok_or_else(|| AppError::refused(Problem::new("bad_day").with("value", t))),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// Day to age on (default today, Madrid).
    pub as_of: Option<String>,
}

/// `GET /api/v1/admin/collections/aging`.
#[utoipa::path(
    get,
    path = "/collections/aging",
    tag = "admin",
    summary = "Open amounts per franchisee in aging buckets (not due, 1-30, 31-60, 61-90, over 90 days after due date) with totals and days sales outstanding (last 90 days)",
    security(("adminToken" = [])),
    params(AsOf),
    responses(
        (status = 200, description = "Aging", body = Aging),
    ),
)]
pub async fn aging(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<Json<Aging>, AppError> {
    Ok(Json(
        svc::aging(st.storage.as_ref(), day(q.as_of.as_deref())?).await?,
    ))
}

/// `GET /api/v1/admin/collections/franchisees/{id}/statement`.
#[utoipa::path(
    get,
    path = "/collections/franchisees/{id}/statement",
    tag = "admin",
    summary = "A franchisee's statement of account: invoices, credit notes, payments and returns in date order with the running balance; invoiced, credited, paid, balance, open, credit, overdue",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id"), AsOf),
    responses(
        (status = 200, description = "Statement of account", body = StatementOfAccount),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn statement(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<Json<StatementOfAccount>, AppError> {
    Ok(Json(
        svc::statement(
            st.storage.as_ref(),
            FranchiseeId(id),
            day(q.as_of.as_deref())?,
        )
        .await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct EmailStatementIn {
    /// The statement's day (default today, Madrid).
    #[serde(default)]
    pub as_of: Option<String>,
}

/// `POST /api/v1/admin/collections/franchisees/{id}/statement-emails`: e-mails the statement of
/// account (PDF) to the billing e-mail of the franchisee's contract, in its language, recorded.
#[utoipa::path(
    post,
    path = "/collections/franchisees/{id}/statement-emails",
    tag = "admin",
    summary = "E-mail the statement of account (PDF) to the billing e-mail of the franchisee's contract, in its language; recorded (who, when, to whom, balance). The PDF is archived first (statement_id: archive entry st-N, the attachment's very bytes)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    request_body = EmailStatementIn,
    responses(
        (status = 200, description = "The e-mail sent", body = StatementEmail),
        (status = 422, description = "No SMTP server, no billing e-mail, or the SMTP server refused it (recorded)", body = sync_protocol::ApiError),
        (status = 404, description = "No such franchisee", body = sync_protocol::ApiError),
    ),
)]
pub async fn email_statement(
    State(st): State<AppState>,
    a: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<EmailStatementIn>,
) -> Result<Json<StatementEmail>, AppError> {
    let config = st.mail.get();
    Ok(Json(
        svc::email_statement(
            st.storage.as_ref(),
            config.as_ref(),
            FranchiseeId(id),
            day(f.as_of.as_deref())?,
            &format!("api:admin#{}", a.0),
            Utc::now(),
        )
        .await?,
    ))
}

/// `POST /api/v1/admin/collections/franchisees/{id}/statement-archive`: archives the statement of
/// account (PDF) without sending it; 201 with its archive entry.
#[utoipa::path(
    post,
    path = "/collections/franchisees/{id}/statement-archive",
    tag = "admin",
    summary = "Archive the statement of account (PDF, in the contract's language) on as_of without sending it: kept byte for byte with its SHA-256 (archive entry st-N, kind statement), never changed, not deletable before its date + the retention years set. E-mailed statements (and those attached to dunning letters) are archived the same way, before they are sent",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    request_body = EmailStatementIn,
    responses(
        (status = 201, description = "The archive entry", body = crate::storage::archive::ArchiveEntry),
        (status = 404, description = "No such franchisee", body = sync_protocol::ApiError),
    ),
)]
pub async fn archive_statement(
    State(st): State<AppState>,
    a: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<EmailStatementIn>,
) -> Result<(StatusCode, Json<crate::storage::archive::ArchiveEntry>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(
            svc::archive_statement_now(
                st.storage.as_ref(),
                FranchiseeId(id),
                day(f.as_of.as_deref())?,
                &format!("api:admin#{}", a.0),
                Utc::now(),
            )
            .await?,
        ),
    ))
}

/// `GET /api/v1/admin/collections/franchisees/{id}/statement-emails`: newest first.
#[utoipa::path(
    get,
    path = "/collections/franchisees/{id}/statement-emails",
    tag = "admin",
    summary = "The statements of account e-mailed to a franchisee, newest first",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    responses(
        (status = 200, description = "Statement e-mails", body = Vec<StatementEmail>),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn statement_emails(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<StatementEmail>>, AppError> {
    st.storage.get_franchisee(FranchiseeId(id)).await?;
    Ok(Json(
        st.storage
            .collections()
            .statement_emails(FranchiseeId(id))
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceivablesQuery {
    /// Only this franchisee.
    pub franchisee_id: Option<i64>,
    /// Only those with something open.
    #[serde(default)]
    pub open: Option<bool>,
}

/// `GET /api/v1/admin/collections/receivables`.
#[utoipa::path(
    get,
    path = "/collections/receivables",
    tag = "admin",
    summary = "Invoices and credit notes as collections sees them (due date, open amount, cancelled, disputed), by due date",
    security(("adminToken" = [])),
    params(ReceivablesQuery),
    responses(
        (status = 200, description = "Receivables", body = Vec<Receivable>),
    ),
)]
pub async fn receivables(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<ReceivablesQuery>,
) -> Result<Json<Vec<Receivable>>, AppError> {
    Ok(Json(
        st.storage
            .collections()
            .receivables(q.franchisee_id.map(FranchiseeId), q.open.unwrap_or(false))
            .await?,
    ))
}

/// `?franchisee_id=`: only that franchisee's (payments, mandates, pre-notifications, letters).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FranchiseeQuery {
    /// Only this franchisee.
    pub franchisee_id: Option<i64>,
}

/// `GET /api/v1/admin/collections/payments`.
#[utoipa::path(
    get,
    path = "/collections/payments",
    tag = "admin",
    summary = "Payments, newest first",
    security(("adminToken" = [])),
    params(FranchiseeQuery),
    responses(
        (status = 200, description = "Payments", body = Vec<Payment>),
    ),
)]
pub async fn payments(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<FranchiseeQuery>,
) -> Result<Json<Vec<Payment>>, AppError> {
    Ok(Json(
        st.storage
            .collections()
            .payments(q.franchisee_id.map(FranchiseeId))
            .await?,
    ))
}

/// `POST /api/v1/admin/collections/payments`.
#[utoipa::path(
    post,
    path = "/collections/payments",
    tag = "admin",
    summary = "Record a payment (transfer, direct debit, card, cash), allocated to the invoices given or oldest due first; what is left is credit. More than is open, a cancelled invoice or another franchisee's invoice are refused (422) and nothing is stored",
    security(("adminToken" = [])),
    request_body = NewPayment,
    responses(
        (status = 201, description = "Recorded", body = Payment),
    ),
)]
pub async fn record_payment(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(p): ApiJson<NewPayment>,
) -> Result<(StatusCode, Json<Payment>), AppError> {
    let p = svc::record_payment(
        st.storage.as_ref(),
        &p,
        &format!("API admin #{admin}"),
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreditApplied {
    pub allocated: Money,
}

/// `POST /api/v1/admin/collections/franchisees/{id}/apply-credit`.
#[utoipa::path(
    post,
    path = "/collections/franchisees/{id}/apply-credit",
    tag = "admin",
    summary = "Allocate the franchisee's credit (payments not wholly allocated) to its open invoices, oldest due first",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    responses(
        (status = 200, description = "What was allocated", body = CreditApplied),
    ),
)]
pub async fn apply_credit(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CreditApplied>, AppError> {
    let allocated = st
        .storage
        .collections()
        .apply_credit(FranchiseeId(id), Utc::now())
        .await?;
    Ok(Json(CreditApplied { allocated }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StatementFile {
    #[serde(default)]
    pub file_name: String,
    /// The file as text (Norma 43 lines or camt XML)…
    #[serde(default)]
    pub content: Option<String>,
    /// …or as base64 (a Norma 43 file in Latin-1).
    #[serde(default)]
    pub content_base64: Option<String>,
}

/// `POST /api/v1/admin/collections/bank-statements`.
#[utoipa::path(
    post,
    path = "/collections/bank-statements",
    tag = "admin",
    summary = "Import a Norma 43 or camt.053 statement (content as text, or content_base64): its lines are stored and those naming an open invoice (or paying a known payer's exact amount) become payments; the same file again changes nothing (200). A malformed file is refused naming the line",
    security(("adminToken" = [])),
    request_body = StatementFile,
    responses(
        (status = 201, description = "What the import did", body = ImportOutcome),
    ),
)]
pub async fn import_statement(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(f): ApiJson<StatementFile>,
) -> Result<(StatusCode, Json<ImportOutcome>), AppError> {
    let bytes = match (f.content, f.content_base64) {
        (Some(c), _) => c.into_bytes(),
        (None, Some(b)) => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|_| {
                    AppError::refused(
                        Problem::new("bank_statement_unreadable").with("detail", "base64"),
                    )
                })?
        }
        (None, None) => Vec::new(),
    };
    let out = svc::import_statement(
        st.storage.as_ref(),
        &f.file_name,
        &bytes,
        &format!("API admin #{admin}"),
        Utc::now(),
    )
    .await?;
    let status = if out.already_imported {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(out)))
}

/// `GET /api/v1/admin/collections/bank-statements`.
#[utoipa::path(
    get,
    path = "/collections/bank-statements",
    tag = "admin",
    summary = "Imported statement files, newest first",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Statements", body = Vec<BankStatement>),
    ),
)]
pub async fn statements(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<BankStatement>>, AppError> {
    Ok(Json(st.storage.collections().statements().await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinesQuery {
    /// Only this statement.
    pub statement_id: Option<i64>,
    /// Only this status.
    pub status: Option<String>,
}

/// `GET /api/v1/admin/collections/bank-lines`.
#[utoipa::path(
    get,
    path = "/collections/bank-lines",
    tag = "admin",
    summary = "Statement lines with what became of them (matched, unmatched, debit, return) and why",
    security(("adminToken" = [])),
    params(LinesQuery),
    responses(
        (status = 200, description = "Lines", body = Vec<BankLine>),
    ),
)]
pub async fn bank_lines(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<LinesQuery>,
) -> Result<Json<Vec<BankLine>>, AppError> {
    Ok(Json(
        st.storage
            .collections()
            .bank_lines(q.statement_id, q.status.as_deref())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MatchIn {
    pub franchisee_id: i64,
    #[serde(default)]
    pub allocations: Option<Vec<AllocationIn>>,
}

/// `POST /api/v1/admin/collections/bank-lines/{id}/match`.
#[utoipa::path(
    post,
    path = "/collections/bank-lines/{id}/match",
    tag = "admin",
    summary = "Match an unmatched payment line by hand: a payment of the franchisee for the line's amount, allocated as given or oldest first",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Line id")),
    request_body = MatchIn,
    responses(
        (status = 201, description = "The payment", body = Payment),
        (status = 404, description = "No such line", body = sync_protocol::ApiError),
        (status = 409, description = "The line is not an unmatched payment", body = sync_protocol::ApiError),
    ),
)]
pub async fn match_line(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(m): ApiJson<MatchIn>,
) -> Result<(StatusCode, Json<Payment>), AppError> {
    let p = st
        .storage
        .collections()
        .match_line(
            id,
            FranchiseeId(m.franchisee_id),
            m.allocations,
            &format!("API admin #{admin}"),
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

// --- SEPA direct debit ------------------------------------------------------------------------

use crate::storage::collections::{Mandate, NewMandate, Remittance, ReturnsOutcome};

/// `GET /api/v1/admin/collections/mandates`.
#[utoipa::path(
    get,
    path = "/collections/mandates",
    tag = "admin",
    summary = "SEPA mandates, by franchisee",
    security(("adminToken" = [])),
    params(FranchiseeQuery),
    responses(
        (status = 200, description = "Mandates", body = Vec<Mandate>),
    ),
)]
pub async fn mandates(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<FranchiseeQuery>,
) -> Result<Json<Vec<Mandate>>, AppError> {
    Ok(Json(
        st.storage
            .sepa()
            .mandates(q.franchisee_id.map(FranchiseeId))
            .await?,
    ))
}

/// `POST /api/v1/admin/collections/mandates`.
#[utoipa::path(
    post,
    path = "/collections/mandates",
    tag = "admin",
    summary = "Register a mandate: unique reference (UMR, SEPA characters, at most 35), debtor IBAN checked (ISO 7064 mod 97), CORE or B2B, signature date not in the future",
    security(("adminToken" = [])),
    request_body = NewMandate,
    responses(
        (status = 201, description = "Mandate", body = Mandate),
        (status = 409, description = "The reference is taken", body = sync_protocol::ApiError),
    ),
)]
pub async fn create_mandate(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(m): ApiJson<NewMandate>,
) -> Result<(StatusCode, Json<Mandate>), AppError> {
    let m = svc::create_mandate(
        st.storage.as_ref(),
        &m,
        &format!("API admin #{admin}"),
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevokeIn {
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/v1/admin/collections/mandates/{id}/revoke`.
#[utoipa::path(
    post,
    path = "/collections/mandates/{id}/revoke",
    tag = "admin",
    summary = "Revoke a mandate (no further collections under it)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Mandate id")),
    request_body = RevokeIn,
    responses(
        (status = 200, description = "Mandate", body = Mandate),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn revoke_mandate(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<RevokeIn>,
) -> Result<Json<Mandate>, AppError> {
    Ok(Json(
        st.storage
            .sepa()
            .revoke_mandate(
                id,
                business_day(Utc::now()),
                r.reason
                    .trim()
                    .chars()
                    .take(200)
                    .collect::<String>()
                    .as_str(),
            )
            .await?,
    ))
}

/// `GET /api/v1/admin/collections/remittances`.
#[utoipa::path(
    get,
    path = "/collections/remittances",
    tag = "admin",
    summary = "Remittances written, newest first, with how many debits came back and the debtors left out of each (excluded: franchisee_id, debtor_name, reason notice_too_short or prenotification_late, notice_days, earliest, debit_count, amount)",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Remittances", body = Vec<Remittance>),
    ),
)]
pub async fn remittances(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<Remittance>>, AppError> {
    Ok(Json(st.storage.sepa().remittances().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RemittanceIn {
    pub collection_date: String,
}

/// `POST /api/v1/admin/collections/remittances`.
#[utoipa::path(
    post,
    path = "/collections/remittances",
    tag = "admin",
    summary = "Write a pain.008.001.08 remittance collecting, on collection_date (after today), every open invoice due by then of franchisees with a usable mandate; each debit is recorded as a direct-debit payment. A debtor whose contract asks more notice than the date gives is left out and listed in excluded with the reason and its earliest date; only when nobody qualifies is the remittance refused",
    security(("adminToken" = [])),
    request_body = RemittanceIn,
    responses(
        (status = 201, description = "Remittance", body = Remittance),
    ),
)]
pub async fn create_remittance(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(r): ApiJson<RemittanceIn>,
) -> Result<(StatusCode, Json<Remittance>), AppError> {
    let date = day(Some(&r.collection_date))?;
    let r = svc::create_remittance(
        st.storage.as_ref(),
        date,
        &format!("API admin #{admin}"),
        Utc::now(),
    )
    .await?;
    // The debtors' pre-notifications go out now; the `sepa-prenotify` job retries what fails.
    if let Some(c) = st.mail.get() {
        svc::send_prenotifications(st.storage.as_ref(), &c, Utc::now()).await?;
    }
    Ok((StatusCode::CREATED, Json(r)))
}

/// `GET /api/v1/admin/collections/prenotifications`: the SEPA pre-notifications, newest first.
#[utoipa::path(
    get,
    path = "/collections/prenotifications",
    tag = "admin",
    summary = "SEPA pre-notifications, newest first: one per remittance and debtor franchisee, written with the remittance and e-mailed then (the sepa-prenotify job retries)",
    security(("adminToken" = [])),
    params(FranchiseeQuery),
    responses(
        (status = 200, description = "Pre-notifications", body = Vec<crate::storage::collections::Prenotification>),
    ),
)]
pub async fn prenotifications(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<FranchiseeQuery>,
) -> Result<Json<Vec<crate::storage::collections::Prenotification>>, AppError> {
    Ok(Json(
        st.storage
            .sepa()
            .prenotifications(q.franchisee_id.map(FranchiseeId))
            .await?,
    ))
}

/// `GET /api/v1/admin/collections/remittances/{id}/pain008`: the file as sent to the bank.
#[utoipa::path(
    get,
    path = "/collections/remittances/{id}/pain008",
    tag = "admin",
    summary = "The remittance file (pain.008.001.08 XML) as written",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Remittance id")),
    responses(
        (status = 200, description = "The file", body = String, content_type = "application/xml"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn remittance_file(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let (message_id, xml) = st.storage.sepa().remittance_file(id).await?;
    let mut res = xml.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml"),
    );
    if let Ok(v) =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{message_id}.xml\""))
    {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// `GET /api/v1/admin/collections/remittances/{id}/files`: the remittance's earlier files.
#[utoipa::path(
    get,
    path = "/collections/remittances/{id}/files",
    tag = "admin",
    summary = "The earlier files of a remittance, oldest first: each file it had before debits were held out of it and it was written again (HQ may have sent one to its bank), kept as written with its SHA-256; the current file is /pain008",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Remittance id")),
    responses(
        (status = 200, description = "Earlier files", body = Vec<crate::storage::collections::RemittanceFileVersion>),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn remittance_file_versions(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<crate::storage::collections::RemittanceFileVersion>>, AppError> {
    Ok(Json(
        st.storage.sepa().remittance_file_versions(Some(id)).await?,
    ))
}

/// `GET /api/v1/admin/collections/remittances/{id}/files/{file}`: one earlier file as written.
#[utoipa::path(
    get,
    path = "/collections/remittances/{id}/files/{file}",
    tag = "admin",
    summary = "One earlier file of a remittance (pain.008.001.08 XML) byte for byte as it was written; its SHA-256 in the X-Content-SHA256 header",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Remittance id"), ("file" = i64, Path, description = "Earlier file id (from /files)")),
    responses(
        (status = 200, description = "The file", body = String, content_type = "application/xml"),
        (status = 404, description = "No such remittance or earlier file", body = sync_protocol::ApiError),
    ),
)]
pub async fn remittance_file_version(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath((id, file)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let (v, xml) = st.storage.sepa().remittance_file_version(id, file).await?;
    let mut res = xml.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml"),
    );
    if let Ok(val) = axum::http::HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-v{}.xml\"",
        v.message_id, v.version
    )) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, val);
    }
    if let Ok(val) = axum::http::HeaderValue::from_str(&v.sha256) {
        h.insert("x-content-sha256", val);
    }
    Ok(res)
}

/// `POST /api/v1/admin/collections/returns`: a pain.002 or camt.054 with returned debits.
#[utoipa::path(
    post,
    path = "/collections/returns",
    tag = "admin",
    summary = "Process returned debits from a pain.002 (rejections) or camt.054 (R-transactions): the payment is marked returned with its reason and the invoice is open again; a return seen before changes nothing",
    security(("adminToken" = [])),
    request_body = StatementFile,
    responses(
        (status = 200, description = "What was reopened", body = ReturnsOutcome),
    ),
)]
pub async fn returns(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiJson(f): ApiJson<StatementFile>,
) -> Result<Json<ReturnsOutcome>, AppError> {
    let bytes = match (f.content, f.content_base64) {
        (Some(c), _) => c.into_bytes(),
        (None, Some(b)) => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|_| {
                    AppError::refused(Problem::new("returns_unreadable").with("detail", "base64"))
                })?
        }
        (None, None) => Vec::new(),
    };
    Ok(Json(
        svc::process_returns(st.storage.as_ref(), &bytes, Utc::now()).await?,
    ))
}

// --- dunning ----------------------------------------------------------------------------------

use crate::storage::collections::{DunningLetter, DunningLevel, Hold};

/// `GET /api/v1/admin/collections/dunning-levels`.
#[utoipa::path(
    get,
    path = "/collections/dunning-levels",
    tag = "admin",
    summary = "Dunning levels: days after the due date, subject and text in Spanish and English",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Levels", body = Vec<DunningLevel>),
    ),
)]
pub async fn levels(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<DunningLevel>>, AppError> {
    Ok(Json(st.storage.dunning().levels().await?))
}

/// `PUT /api/v1/admin/collections/dunning-levels`.
#[utoipa::path(
    put,
    path = "/collections/dunning-levels",
    tag = "admin",
    summary = "Replace the dunning levels (1 to 10, days increasing, every text filled in; {invoice}, {amount}, {due}, {franchisee} are replaced in each letter). The last level puts the franchisee on hold",
    security(("adminToken" = [])),
    request_body = Vec<DunningLevel>,
    responses(
        (status = 200, description = "Saved", body = Vec<DunningLevel>),
    ),
)]
pub async fn set_levels(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiJson(levels): ApiJson<Vec<DunningLevel>>,
) -> Result<Json<Vec<DunningLevel>>, AppError> {
    Ok(Json(
        svc::set_levels(st.storage.as_ref(), &levels, Utc::now()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DisputeIn {
    pub disputed: bool,
}

/// `POST /api/v1/admin/collections/invoices/{id}/dispute`.
#[utoipa::path(
    post,
    path = "/collections/invoices/{id}/dispute",
    tag = "admin",
    summary = "Mark an invoice disputed (dunning pauses) or not",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Invoice id")),
    request_body = DisputeIn,
    responses(
        (status = 200, description = "Receivable", body = Receivable),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn dispute(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<DisputeIn>,
) -> Result<Json<Receivable>, AppError> {
    Ok(Json(
        st.storage.dunning().set_disputed(id, d.disputed).await?,
    ))
}

/// `GET /api/v1/admin/collections/dunning-letters`.
#[utoipa::path(
    get,
    path = "/collections/dunning-letters",
    tag = "admin",
    summary = "Every dunning letter written, newest first, with its e-mail state",
    security(("adminToken" = [])),
    params(FranchiseeQuery),
    responses(
        (status = 200, description = "Letters", body = Vec<DunningLetter>),
    ),
)]
pub async fn letters(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<FranchiseeQuery>,
) -> Result<Json<Vec<DunningLetter>>, AppError> {
    Ok(Json(
        st.storage
            .dunning()
            .letters(q.franchisee_id.map(FranchiseeId))
            .await?,
    ))
}

/// `GET /api/v1/admin/collections/holds`.
#[utoipa::path(
    get,
    path = "/collections/holds",
    tag = "admin",
    summary = "Franchisees put on hold by the last dunning level",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Holds", body = Vec<Hold>),
    ),
)]
pub async fn holds(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<Hold>>, AppError> {
    Ok(Json(st.storage.dunning().holds().await?))
}
