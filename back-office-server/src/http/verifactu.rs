//! VERI*FACTU records for auditors and for HQ's own checks: every field of each record a
//! franchisee's tills sent, with its huella, the previous huella it names and what HQ found on arrival.

use super::{AdminToken, ApiQuery, AppError};
use crate::app::AppState;
use crate::storage::verifactu::{HqRecordQuery, HqStoredRecord, RecordQuery, StoredRecord};
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    /// Franchisee id.
    pub franchisee: i64,
    /// First and last issue date (`FechaExpedicionFactura`), inclusive.
    pub from: NaiveDate,
    /// Last issue date (inclusive).
    pub to: NaiveDate,
    /// Paging: only records after this `id` (the previous page's `next_after`).
    pub after: Option<i64>,
    /// Records per page.
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[utoipa::path(
    get,
    path = "/api/v1/verifactu/records",
    tag = "admin",
    summary = "VERI*FACTU records of one franchisee's tills issued in the period (at most 366 days), every field with the huella, the previous huella and whether the huella matched on arrival; paged by `after`",
    security(("adminToken" = [])),
    params(RecordsQuery),
    responses(
        (status = 200, description = "Records", body = RecordsPage),
        (status = 404, description = "No such franchisee", body = sync_protocol::ApiError),
    ),
)]
pub async fn records(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> Result<Json<RecordsPage>, AppError> {
    let (after, limit) = window(q.from, q.to, q.after, q.limit)?;
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

/// Checks a records request's period and paging; answers `(after, limit)`.
fn window(
    from: NaiveDate,
    to: NaiveDate,
    after: Option<i64>,
    limit: Option<i64>,
) -> Result<(i64, i64), AppError> {
    if from > to {
        return Err(AppError::invalid(format!(
            "from ({from}) is after to ({to})"
        )));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::invalid(format!(
            "a request may span at most {MAX_DAYS} days; ask period by period"
        )));
    }
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let after = after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::invalid("after must be 0 or a next_after value"));
    }
    Ok((after, limit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HqRecordsQuery {
    /// First and last issue date (`FechaExpedicionFactura`), inclusive.
    pub from: NaiveDate,
    /// Last issue date (inclusive).
    pub to: NaiveDate,
    /// Paging: only records after this `id` (the previous page's `next_after`).
    pub after: Option<i64>,
    /// Records per page.
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HqRecordsPage {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub records: Vec<HqStoredRecord>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// `GET /api/v1/verifactu/hq-records?from=YYYY-MM-DD&to=YYYY-MM-DD[&after=N&limit=N]`: HQ's own
/// records (its franchise invoices and credit notes, under HQ's NIF), every field, the huella
/// checked as read, the previous huella and the AEAT's answer.
#[utoipa::path(
    get,
    path = "/api/v1/verifactu/hq-records",
    tag = "admin",
    summary = "HQ's own VERI*FACTU records (its franchise invoices and credit notes, under HQ's NIF) issued in the period (at most 366 days), every field with the huella, the previous huella, whether the huella matches the content (checked as read) and the AEAT's answer; paged by `after`",
    security(("adminToken" = [])),
    params(HqRecordsQuery),
    responses(
        (status = 200, description = "Records", body = HqRecordsPage),
    ),
)]
pub async fn hq_records(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<HqRecordsQuery>,
) -> Result<Json<HqRecordsPage>, AppError> {
    let (after, limit) = window(q.from, q.to, q.after, q.limit)?;
    let records = st
        .storage
        .verifactu()
        .hq_verifactu_records(HqRecordQuery {
            from: q.from,
            to: q.to,
            after_id: after,
            limit,
        })
        .await?;
    let next_after = (records.len() as i64 == limit)
        .then(|| records.last().map(|r| r.id))
        .flatten();
    Ok(Json(HqRecordsPage {
        from: q.from,
        to: q.to,
        records,
        next_after,
    }))
}

/// `POST /api/v1/verifactu/certificates`: a PKCS#12 to send with.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CertificateIn {
    /// A franchisee's id, or `"hq"` for HQ's own (sends for franchisees without one).
    pub owner: serde_json::Value,
    /// HQ's legal name and NIF (only with `owner: "hq"`).
    pub hq_name: Option<String>,
    pub hq_nif: Option<String>,
    /// The `.p12` / `.pfx` file, base64.
    pub pkcs12_base64: String,
    pub password: String,
}

/// A stored certificate as the API shows it (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CertificateOut {
    /// The franchisee's id, or 0 for HQ's own.
    pub owner_id: i64,
    pub holder_name: String,
    pub holder_nif: String,
    pub subject: String,
    pub not_after: chrono::DateTime<chrono::Utc>,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
    /// Expires within 30 days (or has expired).
    pub expiring: bool,
}

impl CertificateOut {
    pub fn of(
        c: &crate::storage::verifactu::StoredCertificate,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        CertificateOut {
            owner_id: c.owner_id,
            holder_name: c.holder_name.clone(),
            holder_nif: c.holder_nif.clone(),
            subject: c.subject.clone(),
            not_after: c.not_after,
            uploaded_at: c.uploaded_at,
            expiring: crate::services::certificates::expiring(c, now),
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/verifactu/certificates",
    tag = "admin",
    summary = r#"Store a PKCS#12 certificate for a franchisee (owner: its id) or HQ's own as representative (owner: "hq" with hq_name and hq_nif); sealed at rest with the server's secret key"#,
    security(("adminToken" = [])),
    request_body = CertificateIn,
    responses(
        (status = 201, description = "Stored", body = CertificateOut),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn upload_certificate(
    State(st): State<AppState>,
    _: AdminToken,
    super::ApiJson(b): super::ApiJson<CertificateIn>,
) -> Result<(axum::http::StatusCode, Json<CertificateOut>), AppError> {
    use base64::Engine;
    let owner = match &b.owner {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let owner = crate::services::certificates::owner_of(&owner, b.hq_name, b.hq_nif)?;
    let data = base64::engine::general_purpose::STANDARD
        .decode(b.pkcs12_base64.trim())
        .map_err(|_| crate::problem::Problem::new("certificate_base64"))?;
    let key = crate::services::verifactu::sender_config()
        .ok()
        .and_then(|c| c.key)
        .ok_or_else(|| crate::problem::Problem::new("secret_key_missing"))?;
    let now = chrono::Utc::now();
    let c = crate::services::certificates::upload(
        st.storage.as_ref(),
        &key,
        owner,
        &data,
        &b.password,
        now,
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(CertificateOut::of(&c, now)),
    ))
}

/// `GET /api/v1/verifactu/certificates`.
#[utoipa::path(
    get,
    path = "/api/v1/verifactu/certificates",
    tag = "admin",
    summary = "Certificates stored for sending to the AEAT (never the key): holder, subject, expiry",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Certificates", body = Vec<CertificateOut>),
    ),
)]
pub async fn certificates(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<CertificateOut>>, AppError> {
    let now = chrono::Utc::now();
    Ok(Json(
        st.storage
            .verifactu()
            .certificates()
            .await?
            .iter()
            .map(|c| CertificateOut::of(c, now))
            .collect(),
    ))
}

/// `GET /api/v1/verifactu/sending`: per franchisee, records pending, accepted, accepted with
/// errors, rejected, held back, and the sender's last send and error.
#[utoipa::path(
    get,
    path = "/api/v1/verifactu/sending",
    tag = "admin",
    summary = "Per franchisee (and HQ's own records, franchisee_id 0): VERI*FACTU records pending, accepted, accepted with errors, rejected, held back (bad huella), last send and last error",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Sending", body = Vec<crate::storage::verifactu::SendingSummary>),
    ),
)]
pub async fn sending(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<crate::storage::verifactu::SendingSummary>>, AppError> {
    Ok(Json(st.storage.verifactu().sending_summary().await?))
}

/// Envelopes listed per request unless `limit` says otherwise, and the most.
pub const ENVELOPES_DEFAULT: u32 = 50;
pub const ENVELOPES_MAX: u32 = 1_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnvelopesQuery {
    /// Envelopes listed.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/verifactu/envelopes[?limit=N]`: the latest envelopes sent to the AEAT (for
/// franchisees and HQ's own records, `franchisee_id` 0), newest first, with each one's SHA-256
/// and the AEAT's answer.
#[utoipa::path(
    get,
    path = "/api/v1/verifactu/envelopes",
    tag = "admin",
    summary = "The latest envelopes sent to the AEAT (franchisee_id 0: HQ's own records), newest first, with the SHA-256 of the bytes sent and the AEAT's answer",
    security(("adminToken" = [])),
    params(EnvelopesQuery),
    responses(
        (status = 200, description = "Envelopes", body = Vec<crate::storage::verifactu::EnvelopeSummary>),
    ),
)]
pub async fn envelopes(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<EnvelopesQuery>,
) -> Result<Json<Vec<crate::storage::verifactu::EnvelopeSummary>>, AppError> {
    let limit = q.limit.unwrap_or(ENVELOPES_DEFAULT);
    if !(1..=ENVELOPES_MAX).contains(&limit) {
        return Err(AppError::invalid(format!(
            "limit must be between 1 and {ENVELOPES_MAX}"
        )));
    }
    Ok(Json(st.storage.verifactu().envelopes(limit).await?))
}

/// An envelope as a download: the bytes sent, with their SHA-256 in `x-content-sha256`.
pub fn envelope_download(id: i64, sha256: &str, body: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&format!(
        "attachment; filename=\"verifactu-envio-{id}.xml\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(sha256) {
        h.insert("x-content-sha256", v);
    }
    res
}

/// `GET /api/v1/verifactu/envelopes/{id}`: the envelope exactly as it was sent.
#[utoipa::path(
    get,
    path = "/api/v1/verifactu/envelopes/{id}",
    tag = "admin",
    summary = "An envelope exactly as it was sent (the SOAP request body); header x-content-sha256",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Envelope id")),
    responses(
        (status = 200, description = "The request body as sent", body = String, content_type = "text/xml"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn envelope(
    State(st): State<AppState>,
    _: AdminToken,
    super::ApiPath(id): super::ApiPath<i64>,
) -> Result<axum::response::Response, AppError> {
    let Some((s, body, _)) = st.storage.verifactu().envelope(id).await? else {
        return Err(AppError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            "no such envelope",
        ));
    };
    Ok(envelope_download(s.id, &s.sha256, body))
}
