//! `/api/v1/admin/archive…`: document custody for HQ's tools. List and search, download (the bytes
//! with their SHA-256 in `x-content-sha256`), upload a scanned document (JSON, the file in base64),
//! and the zip of one franchisee's month for its accountant. HQ admin token only; the rules are in
//! `services::archive`.

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::archive::{self as svc, SearchIn, UploadIn};
use crate::storage::archive::{ArchiveEntry, ArchiveSettings};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this franchisee's.
    pub franchisee_id: Option<i64>,
    /// Only uploads attached to this supplier.
    pub supplier_id: Option<i64>,
    /// Only this kind.
    #[serde(default)]
    pub kind: String,
    /// `YYYY-MM`.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    #[serde(default)]
    pub period: String,
    /// Part of the document's number.
    #[serde(default)]
    pub number: String,
    /// Where the page starts: the `x-next-cursor` of the page before.
    #[serde(default)]
    pub after: String,
    /// Entries per page (at most 500, the default).
    #[param(minimum = 1, maximum = 500)]
    #[serde(default)]
    pub limit: u32,
}

/// `GET /api/v1/admin/archive`: a page of the entries matching the search, newest first. When
/// more follow, the answer links the next page (`Link: <…&after=…>; rel="next"`) and names its
/// cursor in `x-next-cursor`.
#[utoipa::path(
    get,
    path = "/archive",
    operation_id = "archive_list",
    tag = "admin",
    summary = r#"The document archive, newest first, a page at a time (500 entries, or limit): issued invoices and credit notes (PDF), the statements of account HQ e-mailed or archived (PDF as sent), the tills' Z reports and delivery-note receipts (JSON as sent), and the paper documents HQ uploaded; each with the SHA-256 of the bytes its download returns. When more match, the header Link (rel="next") is the next page's URL and x-next-cursor its `after`; every match is reached by following them"#,
    security(("adminToken" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Entries (headers Link rel=next and x-next-cursor when more follow)", body = Vec<ArchiveEntry>),
    ),
)]
pub async fn list(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, AppError> {
    let page = svc::search(
        st.storage.as_ref(),
        &SearchIn {
            franchisee_id: q.franchisee_id,
            supplier_id: q.supplier_id,
            kind: q.kind.clone(),
            period: q.period.clone(),
            number: q.number.clone(),
            after: q.after.clone(),
            limit: q.limit,
        },
    )
    .await?;
    let mut res = Json(page.entries).into_response();
    if let Some(next) = page.next {
        let mut query = vec![];
        let enc = |s: &str| crate::web::html::url(s);
        if let Some(f) = q.franchisee_id {
            query.push(format!("franchisee_id={f}"));
        }
        if let Some(s) = q.supplier_id {
            query.push(format!("supplier_id={s}"));
        }
        for (k, v) in [
            ("kind", &q.kind),
            ("period", &q.period),
            ("number", &q.number),
        ] {
            if !v.trim().is_empty() {
                query.push(format!("{k}={}", enc(v)));
            }
        }
        if q.limit > 0 {
            query.push(format!("limit={}", q.limit));
        }
        query.push(format!("after={}", enc(&next)));
        let link = format!("</api/v1/admin/archive?{}>; rel=\"next\"", query.join("&"));
        if let Ok(v) = header::HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, v);
        }
        if let Ok(v) = header::HeaderValue::from_str(&next) {
            res.headers_mut().insert("x-next-cursor", v);
        }
    }
    Ok(res)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SettingsBody {
    /// Years documents archived from now on are kept (6 to 100).
    pub retention_years: serde_json::Value,
}

/// `GET /api/v1/admin/archive/settings`: how long documents archived from now on are kept.
#[utoipa::path(
    get,
    path = "/archive/settings",
    tag = "admin",
    summary = "How long documents archived from now on are kept",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Settings", body = ArchiveSettings),
    ),
)]
pub async fn settings(
    State(st): State<AppState>,
    _a: AdminToken,
) -> Result<Json<ArchiveSettings>, AppError> {
    Ok(Json(svc::settings(st.storage.as_ref()).await?))
}

/// `PUT /api/v1/admin/archive/settings`: sets the retention of documents archived from now on
/// (never under the legal six years; documents archived before keep theirs).
#[utoipa::path(
    put,
    path = "/archive/settings",
    tag = "admin",
    summary = "Set the retention of documents archived from now on (uploads and statements; those archived before keep their retain_until): whole years, at least 6 (Código de Comercio art. 30: less is refused with archive_retention_below_legal), at most 100",
    security(("adminToken" = [])),
    request_body = SettingsBody,
    responses(
        (status = 200, description = "Settings", body = ArchiveSettings),
    ),
)]
pub async fn set_settings(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(b): ApiJson<SettingsBody>,
) -> Result<Json<ArchiveSettings>, AppError> {
    let years = match &b.retention_years {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    Ok(Json(
        svc::set_retention(
            st.storage.as_ref(),
            &years,
            &format!("API admin #{admin}"),
            Utc::now(),
        )
        .await?,
    ))
}

/// A stored file as the answer: its type, its name, its SHA-256.
fn file(content_type: &str, filename: &str, sha256: &str, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(sha256) {
        h.insert("x-content-sha256", v);
    }
    res
}

/// `GET /api/v1/admin/archive/{id}`: the document's bytes, exactly as archived.
#[utoipa::path(
    get,
    path = "/archive/{id}",
    tag = "admin",
    summary = "An archived document's bytes, exactly as archived (every download the same); header x-content-sha256",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Entry id: inv-N, doc-UUID, up-N or st-N")),
    responses(
        (status = 200, description = "The document", content((String = "application/pdf"), (String = "application/json"), (String = "image/png"), (String = "image/jpeg"), (String = "image/tiff"))),
        (status = 404, description = "No such document", body = sync_protocol::ApiError),
    ),
)]
pub async fn download(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let (e, bytes) = svc::get(st.storage.as_ref(), &id).await?;
    Ok(file(&e.content_type, &e.filename, &e.sha256, bytes))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UploadBody {
    pub franchisee_id: Option<i64>,
    pub supplier_id: Option<i64>,
    /// `supplier_invoice`, `contract`, `mandate` or `other`.
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    pub document_date: String,
    #[serde(default)]
    pub filename: String,
    /// The file (PDF, PNG, JPEG or TIFF) in standard base64.
    pub content_base64: String,
}

/// `POST /api/v1/admin/archive`: archives a scanned document; 201 with its entry.
#[utoipa::path(
    post,
    path = "/archive",
    tag = "admin",
    summary = "Archive a scanned or digital paper document (PDF, PNG, JPEG or TIFF, at most 10 MiB, its type read from its bytes) of one franchisee or one supplier. Kept byte for byte with its SHA-256, never changed, not deletable before its date + the retention years set (6 by default, see /settings). An empty file, another type, a file too big, an unknown franchisee or supplier are refused (422) and nothing is stored",
    security(("adminToken" = [])),
    request_body = UploadBody,
    responses(
        (status = 201, description = "Archived", body = ArchiveEntry),
    ),
)]
pub async fn upload(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(b): ApiJson<UploadBody>,
) -> Result<(StatusCode, Json<ArchiveEntry>), AppError> {
    use base64::Engine;
    let content = base64::engine::general_purpose::STANDARD
        .decode(b.content_base64.trim())
        .map_err(|_| crate::problem::Problem::new("archive_bad_type"))?;
    let e = svc::upload(
        st.storage.as_ref(),
        UploadIn {
            franchisee_id: b.franchisee_id,
            supplier_id: b.supplier_id,
            kind: b.kind,
            number: b.number,
            document_date: b.document_date,
            filename: b.filename,
            content,
        },
        &format!("API admin #{admin}"),
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(e)))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Franchisee id.
    pub franchisee_id: Option<i64>,
    /// Month, YYYY-MM.
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    #[serde(default)]
    pub period: String,
}

/// `GET /api/v1/admin/archive/export?franchisee_id=N&period=YYYY-MM`: the zip for the accountant.
#[utoipa::path(
    get,
    path = "/archive/export",
    tag = "admin",
    summary = "One franchisee's month for its accountant: a zip with its invoices, credit notes, statements of account, Z reports, delivery-note receipts and uploads dated in the month, one folder per kind, and SHA256SUMS",
    security(("adminToken" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The zip; header x-content-sha256", body = String, content_type = "application/zip"),
        (status = 404, description = "No such franchisee", body = sync_protocol::ApiError),
    ),
)]
pub async fn export(
    State(st): State<AppState>,
    _a: AdminToken,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, AppError> {
    let Some(f) = q.franchisee_id.filter(|_| !q.period.trim().is_empty()) else {
        return Err(crate::problem::Problem::new("archive_export_needs").into());
    };
    let (name, bytes) = svc::export_zip(
        st.storage.as_ref(),
        sync_protocol::FranchiseeId(f),
        &q.period,
    )
    .await?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    Ok(file("application/zip", &name, &sha, bytes))
}
