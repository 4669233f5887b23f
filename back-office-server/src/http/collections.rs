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

#[derive(Debug, Deserialize)]
pub struct AsOf {
    pub as_of: Option<String>,
}

/// `GET /api/v1/admin/collections/aging`.
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

#[derive(Debug, Default, Deserialize)]
pub struct EmailStatementIn {
    /// The statement's day (default today, Madrid).
    #[serde(default)]
    pub as_of: Option<String>,
}

/// `POST /api/v1/admin/collections/franchisees/{id}/statement-emails`: e-mails the statement of
/// account (PDF) to the billing e-mail of the franchisee's contract, in its language, recorded.
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

#[derive(Debug, Deserialize)]
pub struct ReceivablesQuery {
    pub franchisee_id: Option<i64>,
    #[serde(default)]
    pub open: Option<bool>,
}

/// `GET /api/v1/admin/collections/receivables`.
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
#[derive(Debug, Deserialize)]
pub struct FranchiseeQuery {
    pub franchisee_id: Option<i64>,
}

/// `GET /api/v1/admin/collections/payments`.
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

#[derive(Debug, Serialize)]
pub struct CreditApplied {
    pub allocated: Money,
}

/// `POST /api/v1/admin/collections/franchisees/{id}/apply-credit`.
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

#[derive(Debug, Deserialize)]
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
pub async fn statements(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<BankStatement>>, AppError> {
    Ok(Json(st.storage.collections().statements().await?))
}

#[derive(Debug, Deserialize)]
pub struct LinesQuery {
    pub statement_id: Option<i64>,
    pub status: Option<String>,
}

/// `GET /api/v1/admin/collections/bank-lines`.
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

#[derive(Debug, Deserialize)]
pub struct MatchIn {
    pub franchisee_id: i64,
    #[serde(default)]
    pub allocations: Option<Vec<AllocationIn>>,
}

/// `POST /api/v1/admin/collections/bank-lines/{id}/match`.
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

#[derive(Debug, Deserialize)]
pub struct RevokeIn {
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/v1/admin/collections/mandates/{id}/revoke`.
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
pub async fn remittances(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<Remittance>>, AppError> {
    Ok(Json(st.storage.sepa().remittances().await?))
}

#[derive(Debug, Deserialize)]
pub struct RemittanceIn {
    pub collection_date: String,
}

/// `POST /api/v1/admin/collections/remittances`.
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
pub async fn levels(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<DunningLevel>>, AppError> {
    Ok(Json(st.storage.dunning().levels().await?))
}

/// `PUT /api/v1/admin/collections/dunning-levels`.
pub async fn set_levels(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiJson(levels): ApiJson<Vec<DunningLevel>>,
) -> Result<Json<Vec<DunningLevel>>, AppError> {
    Ok(Json(
        svc::set_levels(st.storage.as_ref(), &levels, Utc::now()).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct DisputeIn {
    pub disputed: bool,
}

/// `POST /api/v1/admin/collections/invoices/{id}/dispute`.
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
pub async fn holds(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<Vec<Hold>>, AppError> {
    Ok(Json(st.storage.dunning().holds().await?))
}
