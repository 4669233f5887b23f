//! Archivo: document custody on the dashboard. HQ admins search, download, upload scanned paper
//! documents and export a franchisee's month as a zip; analysts read; a franchisee user sees only
//! its own franchisee's archive (under "Mi franquicia"); a store manager gets "not found". Results
//! come a page at a time ("next" follows the last entry shown). HQ admins set how long documents
//! archived from now on are kept (never under the legal six years).

use super::html;
use super::{Viewer, WebError, WebPath, WebQuery, WebResult, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::archive::{self as svc, SearchIn, UploadIn};
use crate::storage::archive::{ArchiveEntry, ArchiveKind};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use sync_protocol::FranchiseeId;

/// The franchisee whose archive the viewer may see: HQ roles any (or all: `None`), a franchisee
/// user only its own (asking for another is "not found"), anyone else nothing.
fn scope(v: &Viewer, asked: Option<i64>) -> Result<Option<FranchiseeId>, WebError> {
    if let Some(own) = v.franchisee() {
        return match asked {
            None => Ok(Some(own)),
            Some(a) if a == own.0 => Ok(Some(own)),
            Some(_) => Err(WebError::not_found_t(v.t())),
        };
    }
    if v.is_hq() {
        return Ok(asked.map(FranchiseeId));
    }
    Err(WebError::not_found_t(v.t()))
}

/// Whether the viewer may open this entry (a supplier's document: HQ only).
fn sees(v: &Viewer, e: &ArchiveEntry) -> bool {
    match e.franchisee_id {
        Some(f) => v.sees_franchisee(f),
        None => v.is_hq(),
    }
}

/// The menu entry the page belongs to.
fn active(v: &Viewer) -> &'static str {
    if v.is_hq() {
        "archive"
    } else {
        "franchise-archive"
    }
}

fn kind_key(k: ArchiveKind) -> String {
    format!("arc-kind-{}", k.as_str().replace('_', "-"))
}

/// An empty field of a GET form is "any".
fn opt_id(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

#[derive(Debug, Default, Deserialize)]
pub struct ArchiveQuery {
    #[serde(default)]
    franchisee: String,
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    number: String,
    /// Where the page starts (the "next" link of the page before).
    #[serde(default)]
    after: String,
    done: Option<String>,
}

/// `GET /dashboard/archive`: the search form, the entries found, the zip export and (admins) the
/// upload form.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ArchiveQuery>,
) -> WebResult {
    let franchisee = scope(&v, opt_id(&q.franchisee))?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let supplier = if v.is_hq() { opt_id(&q.supplier) } else { None };
    let found = svc::search(
        st.storage.as_ref(),
        &SearchIn {
            franchisee_id: franchisee.map(|f| f.0),
            supplier_id: supplier,
            kind: q.kind.clone(),
            period: q.period.clone(),
            number: q.number.clone(),
            after: q.after.clone(),
            limit: 0,
        },
    )
    .await?;
    let entries = found.entries;
    let next = found.next.map(|cursor| {
        let mut query = vec![];
        for (k, val) in [
            ("franchisee", &q.franchisee),
            ("supplier", &q.supplier),
            ("kind", &q.kind),
            ("period", &q.period),
            ("number", &q.number),
        ] {
            if !val.trim().is_empty() {
                query.push(format!("{k}={}", html::url(val.trim())));
            }
        }
        query.push(format!("after={}", html::url(&cursor)));
        format!("/dashboard/archive?{}", query.join("&"))
    });
    let first_page = (!q.after.trim().is_empty()).then(|| {
        let mut query = vec![];
        for (k, val) in [
            ("franchisee", &q.franchisee),
            ("supplier", &q.supplier),
            ("kind", &q.kind),
            ("period", &q.period),
            ("number", &q.number),
        ] {
            if !val.trim().is_empty() {
                query.push(format!("{k}={}", html::url(val.trim())));
            }
        }
        format!("/dashboard/archive?{}", query.join("&"))
    });
    let settings = if v.is_hq() {
        Some(svc::settings(st.storage.as_ref()).await?)
    } else {
        None
    };
    let franchisees = if v.is_hq() {
        st.storage.list_franchisees().await?
    } else {
        Vec::new()
    };
    let suppliers = if v.is_hq() {
        st.storage.replenish().list_suppliers().await?
    } else {
        Vec::new()
    };
    let own_name = match (v.is_hq(), franchisee) {
        (false, Some(f)) => Some(st.storage.get_franchisee(f).await?.legal_name),
        _ => None,
    };
    let period = q.period.trim();
    let export = franchisee.filter(|_| svc::month_bounds(period).is_ok());
    let body = html! {
        h1 { (m("arc-title")) @if let Some(n) = &own_name { " · " (n) } }
        (html::done(q.done.as_deref()))
        p class="muted" { (m("arc-help")) }
        form method="get" action="/dashboard/archive" class="row" id="archive-search" {
            @if v.is_hq() {
                label { (m("arc-franchisee")) " " select name="franchisee" {
                    option value="" { (m("arc-any")) }
                    @for f in &franchisees {
                        option value=(f.id.0) selected[franchisee == Some(f.id)] { (f.legal_name) }
                    }
                } }
                label { (m("arc-supplier")) " " select name="supplier" {
                    option value="" { (m("arc-any")) }
                    @for s in &suppliers {
                        option value=(s.id) selected[supplier == Some(s.id)] { (s.name) }
                    }
                } }
            }
            label { (m("arc-kind")) " " select name="kind" {
                option value="" { (m("arc-any")) }
                @for k in ArchiveKind::ALL {
                    option value=(k.as_str()) selected[q.kind.trim() == k.as_str()] { (m(&kind_key(k))) }
                }
            } }
            label { (m("arc-period")) " " input type="month" name="period" value=(period) placeholder="2026-11"; }
            label { (m("arc-number")) " " input name="number" value=(q.number.trim()); }
            button type="submit" { (m("arc-search")) }
        }
        @if let Some(f) = export {
            p { a id="archive-export" href={ "/dashboard/archive.zip?franchisee=" (f.0) "&period=" (html::url(period)) } {
                (t.msg_with(key!("arc-export"), &[("period", &period)])) } }
        } @else {
            p class="muted" { (m("arc-export-help")) }
        }
        section class="card" {
            table id="archive" {
                thead { tr {
                    th { (m("arc-kind")) } th { (m("arc-number")) } th { (m("arc-date")) }
                    th { (m("arc-party")) } th { (m("arc-file")) } th class="num" { (m("arc-size")) }
                    th { "SHA-256" } th { (m("arc-retain")) }
                } }
                tbody {
                    @for e in &entries {
                        tr data-id=(e.id) data-kind=(e.kind.as_str()) {
                            td { (m(&kind_key(e.kind))) }
                            td { (e.number) }
                            td { (t.day(e.date)) }
                            td { (e.party) }
                            td { a href={ "/dashboard/archive/" (e.id) } { (e.filename) } }
                            td class="num" { (e.size) }
                            td { code class="sha" title=(e.sha256) { (e.sha256.get(..12).unwrap_or(&e.sha256)) "…" } }
                            td { (t.day(e.retain_until)) }
                        }
                    }
                }
            }
            @if entries.is_empty() { (html::muted(&m("arc-empty"))) }
            p class="row" {
                @if let Some(first) = &first_page { a id="archive-first" href=(first) { (m("arc-first-page")) } }
                @if let Some(next) = &next { a id="archive-next" rel="next" href=(next) { (m("arc-next-page")) } }
            }
        }
        @if let Some(s) = &settings {
            section class="card" id="archive-retention" {
                h2 { (m("arc-retention")) }
                p { (t.msg_with(key!("arc-retention-now"), &[("years", &s.retention_years)])) }
                p class="muted" { (m("arc-retention-help")) }
                @if v.can_write() {
                    form method="post" action="/dashboard/archive/retention" class="row" {
                        (v.csrf_field())
                        label { (m("arc-retention-years")) " " input type="number" name="years" min="6" max="100" value=(s.retention_years) required; }
                        button type="submit" id="archive-retention-save" { (m("arc-retention-save")) }
                    }
                }
            }
        }
        @if v.can_write() {
            section class="card" id="archive-upload" {
                h2 { (m("arc-upload")) }
                p class="muted" { (m("arc-upload-help")) }
                form method="post" action="/dashboard/archive" enctype="multipart/form-data" {
                    (v.csrf_field())
                    div class="row" {
                        label { (m("arc-owner")) " " select name="owner" required {
                            @for f in &franchisees { option value={ "f-" (f.id.0) } { (m("arc-franchisee")) ": " (f.legal_name) } }
                            @for s in &suppliers { option value={ "s-" (s.id) } { (m("arc-supplier")) ": " (s.name) } }
                        } }
                        label { (m("arc-kind")) " " select name="kind" {
                            @for k in ArchiveKind::UPLOADED { option value=(k.as_str()) { (m(&kind_key(k))) } }
                        } }
                    }
                    div class="row" {
                        label { (m("arc-number")) " " input name="number" required maxlength="100"; }
                        label { (m("arc-date")) " " input type="date" name="document_date" required; }
                        label { (m("arc-file")) " " input type="file" name="file" required accept="application/pdf,image/png,image/jpeg,image/tiff"; }
                    }
                    button type="submit" id="archive-upload-button" { (m("arc-upload-button")) }
                }
            }
        }
    };
    Ok(ok(html::page(&v, active(&v), &m("arc-title"), body)))
}

fn file(content_type: &str, filename: &str, sha256: &str, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(val) = axum::http::HeaderValue::from_str(content_type) {
        h.insert(axum::http::header::CONTENT_TYPE, val);
    }
    if let Ok(val) =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
    {
        h.insert(axum::http::header::CONTENT_DISPOSITION, val);
    }
    if let Ok(val) = axum::http::HeaderValue::from_str(sha256) {
        h.insert("x-content-sha256", val);
    }
    res
}

/// `GET /dashboard/archive/{id}`: the document's bytes as archived.
pub async fn download(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<String>,
) -> WebResult {
    scope(&v, None)?;
    let t = v.t();
    let (e, bytes) = svc::get(st.storage.as_ref(), &id)
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    if !sees(&v, &e) {
        return Err(WebError::not_found_t(t));
    }
    Ok(file(&e.content_type, &e.filename, &e.sha256, bytes))
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    franchisee: String,
    #[serde(default)]
    period: String,
}

/// `GET /dashboard/archive.zip?franchisee=N&period=YYYY-MM`: the accountant's zip.
pub async fn export(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ExportQuery>,
) -> WebResult {
    let Some(f) = scope(&v, opt_id(&q.franchisee))? else {
        return Err(crate::problem::Problem::new("archive_export_needs").into());
    };
    let (name, bytes) = svc::export_zip(st.storage.as_ref(), f, &q.period).await?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    Ok(file("application/zip", &name, &sha, bytes))
}

#[derive(Debug, Default, Deserialize)]
pub struct RetentionForm {
    #[serde(default)]
    years: String,
}

/// `POST /dashboard/archive/retention`: an HQ admin sets how long documents archived from now on
/// are kept (less than the legal six years is refused, the page says why).
pub async fn set_retention(
    State(st): State<AppState>,
    super::forms::WriteForm(v, f): super::forms::WriteForm<RetentionForm>,
) -> WebResult {
    if !v.is_hq() {
        return Err(WebError::not_found_t(v.t()));
    }
    let t = v.t();
    let s = svc::set_retention(
        st.storage.as_ref(),
        &f.years,
        &v.user.display_name,
        Utc::now(),
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/archive?done={}",
        html::url(&t.msg_with(key!("arc-retention-done"), &[("years", &s.retention_years)]))
    )))
}

/// `POST /dashboard/archive` (multipart): an HQ admin archives a scanned document.
pub async fn upload(State(st): State<AppState>, form: super::forms::WriteUpload) -> WebResult {
    let v = &form.0;
    if !v.is_hq() {
        return Err(WebError::not_found_t(v.t()));
    }
    let t = v.t();
    let owner = form.text("owner").unwrap_or_default();
    let (franchisee_id, supplier_id) = match owner.split_once('-') {
        Some(("f", id)) => (id.trim().parse().ok(), None),
        Some(("s", id)) => (None, id.trim().parse().ok()),
        _ => (None, None),
    };
    let filename = form.text("file.filename").unwrap_or_default();
    // The form's file, or (a plain form, a script) the file as base64 in `file_base64`.
    let content = match form.bytes("file") {
        Some(b) => b.to_vec(),
        None => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(form.text("file_base64").unwrap_or_default().trim())
                .map_err(|_| {
                    WebError::from(crate::storage::StorageError::Invalid(
                        crate::problem::Problem::new("archive_bad_type"),
                    ))
                })?
        }
    };
    let e = svc::upload(
        st.storage.as_ref(),
        UploadIn {
            franchisee_id,
            supplier_id,
            kind: form.text("kind").unwrap_or_default(),
            number: form.text("number").unwrap_or_default(),
            document_date: form.text("document_date").unwrap_or_default(),
            filename,
            content,
        },
        &v.user.display_name,
        Utc::now(),
    )
    .await?;
    let back = match e.franchisee_id {
        Some(f) => format!("/dashboard/archive?franchisee={}", f.0),
        None => format!(
            "/dashboard/archive?supplier={}",
            e.supplier_id.unwrap_or_default()
        ),
    };
    Ok(see_other(&format!(
        "{back}&done={}",
        html::url(&t.msg_with(
            key!("arc-uploaded"),
            &[("number", &e.number), ("sha", &e.sha256)]
        ))
    )))
}
