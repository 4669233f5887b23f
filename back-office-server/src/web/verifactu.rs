//! VERI*FACTU: where each franchisee's records stand on their way to the AEAT (pending, accepted,
//! accepted with errors, rejected with the AEAT's code and text, last send, certificate expiry),
//! and the upload of the certificates the sender uses. HQ roles only.

use super::html;
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebQuery, WebResult, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::certificates;
use crate::storage::StorageError;
use crate::storage::verifactu::{HQ_CERTIFICATE_OWNER, HQ_TAXPAYER, RecordState, SendingSummary};
use axum::extract::State;
use chrono::Utc;
use maud::html;
use std::collections::HashMap;

/// Rejected / with-errors records listed per franchisee.
const PROBLEMS_SHOWN: u32 = 20;
/// Latest envelopes listed.
const ENVELOPES_SHOWN: u32 = 20;

fn hq_only(v: &Viewer) -> Result<(), WebError> {
    if v.scope().is_some() {
        return Err(WebError::not_found_t(v.t()));
    }
    Ok(())
}

/// `GET /dashboard/verifactu`.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let now = Utc::now();
    let vs = st.storage.verifactu();
    let franchisees = st.storage.list_franchisees().await?;
    let summaries: HashMap<i64, SendingSummary> = vs
        .sending_summary()
        .await?
        .into_iter()
        .map(|s| (s.franchisee_id.0, s))
        .collect();
    let certs: HashMap<i64, _> = vs
        .certificates()
        .await?
        .into_iter()
        .map(|c| (c.owner_id, c))
        .collect();
    let hq_cert = certs.get(&HQ_CERTIFICATE_OWNER);
    // HQ's own records (its franchise invoices and credit notes) beside the franchisees'.
    let issuer = st.storage.invoicing().issuer().await?;
    let hq_summary = summaries.get(&HQ_TAXPAYER.0);
    let hq_name = issuer
        .as_ref()
        .map_or_else(|| m("verifactu-hq-row"), |i| i.legal_name.clone());
    let mut problems: Vec<(String, _)> = Vec::new();
    if hq_summary.is_some() {
        let p = vs.record_problems(HQ_TAXPAYER, PROBLEMS_SHOWN).await?;
        if !p.is_empty() {
            problems.push((hq_name.clone(), p));
        }
    }
    for f in &franchisees {
        let p = vs.record_problems(f.id, PROBLEMS_SHOWN).await?;
        if !p.is_empty() {
            problems.push((f.legal_name.clone(), p));
        }
    }
    let envelopes = vs.envelopes(ENVELOPES_SHOWN).await?;
    let taxpayer_name = |id: i64| {
        if id == HQ_TAXPAYER.0 {
            hq_name.clone()
        } else {
            franchisees
                .iter()
                .find(|f| f.id.0 == id)
                .map_or_else(|| id.to_string(), |f| f.legal_name.clone())
        }
    };
    let expiry = |c: &crate::storage::verifactu::StoredCertificate| {
        html! {
            @if certificates::expiring(c, now) {
                (html::badge("bad", &t.msg_with(key!("verifactu-expires"), &[("date", &t.day(c.not_after.date_naive()))])))
            } @else {
                (t.msg_with(key!("verifactu-expires"), &[("date", &t.day(c.not_after.date_naive()))]))
            }
        }
    };
    let body = html! {
        h1 { "VERI*FACTU" }
        (html::done(q.done.as_deref()))
        p class="muted" { (m("verifactu-intro")) }
        section class="card" {
            h2 { (m("verifactu-by-franchisee")) }
            table id="verifactu-franchisees" {
                thead { tr {
                    th { (m("verifactu-col-franchisee")) }
                    th class="num" { (m("verifactu-col-pending")) }
                    th class="num" { (m("verifactu-col-accepted")) }
                    th class="num" { (m("verifactu-col-with-errors")) }
                    th class="num" { (m("verifactu-col-rejected")) }
                    th { (m("verifactu-col-last-send")) }
                    th { (m("verifactu-col-certificate")) }
                } }
                tbody {
                    @if let Some(s) = hq_summary {
                        tr data-franchisee="hq" {
                            td {
                                (hq_name) br;
                                span class="muted" {
                                    @if let Some(i) = &issuer { (i.nif) " · " }
                                    (m("verifactu-hq-row"))
                                }
                            }
                            td class="num" data-col="pending" { (t.int(s.pending as i64)) }
                            td class="num" data-col="accepted" { (t.int(s.accepted as i64)) }
                            td class="num" data-col="with-errors" { (t.int(s.accepted_with_errors as i64)) }
                            td class="num" data-col="rejected" {
                                @if s.rejected > 0 { (html::badge("bad", &t.int(s.rejected as i64))) } @else { "0" }
                            }
                            td {
                                @match s.last_send_at {
                                    Some(at) => (t.datetime(at)),
                                    None => (html::muted(&m("verifactu-never"))),
                                }
                                @if let Some(e) = s.last_error.as_deref() {
                                    br; span class="error" { (e) }
                                }
                            }
                            td data-col="certificate" {
                                @match hq_cert {
                                    Some(c) => { (expiry(c)) }
                                    None => { (html::badge("bad", &m("verifactu-cert-none"))) }
                                }
                            }
                        }
                    }
                    @for f in &franchisees {
                        @let s = summaries.get(&f.id.0);
                        tr data-franchisee=(f.id.0) {
                            td { (f.legal_name) br; span class="muted" { (f.nif) } }
                            td class="num" data-col="pending" {
                                (t.int(s.map_or(0, |s| s.pending) as i64))
                                @if let Some(h) = s.map(|s| s.held).filter(|h| *h > 0) {
                                    br; (html::badge("bad", &t.msg_with(key!("verifactu-held"), &[("n", &h)])))
                                }
                            }
                            td class="num" data-col="accepted" { (t.int(s.map_or(0, |s| s.accepted) as i64)) }
                            td class="num" data-col="with-errors" { (t.int(s.map_or(0, |s| s.accepted_with_errors) as i64)) }
                            td class="num" data-col="rejected" {
                                @let r = s.map_or(0, |s| s.rejected);
                                @if r > 0 { (html::badge("bad", &t.int(r as i64))) } @else { "0" }
                            }
                            td {
                                @match s.and_then(|s| s.last_send_at) {
                                    Some(at) => (t.datetime(at)),
                                    None => (html::muted(&m("verifactu-never"))),
                                }
                                @if let Some(e) = s.and_then(|s| s.last_error.as_deref()) {
                                    br; span class="error" { (e) }
                                }
                            }
                            td data-col="certificate" {
                                @match (certs.get(&f.id.0), hq_cert) {
                                    (Some(c), _) => { (expiry(c)) }
                                    (None, Some(c)) => { (m("verifactu-cert-hq")) " · " (expiry(c)) }
                                    (None, None) => { (html::badge("bad", &m("verifactu-cert-none"))) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section class="card" id="verifactu-problems" {
            h2 { (m("verifactu-problems")) }
            @if problems.is_empty() {
                (html::muted(&m("verifactu-no-problems")))
            } @else {
                table {
                    thead { tr {
                        th { (m("verifactu-col-franchisee")) } th { (m("verifactu-col-record")) }
                        th { (m("verifactu-col-state")) } th { (m("verifactu-col-aeat-error")) }
                        th { (m("verifactu-col-answered")) }
                    } }
                    tbody {
                        @for (who, ps) in &problems {
                            @for p in ps {
                                tr data-state=(p.state.as_str()) {
                                    td { (who) }
                                    td { (p.num_serie) br; span class="muted" { (p.fecha_expedicion) } }
                                    td { (match p.state {
                                        RecordState::Rejected => html::badge("bad", &m("verifactu-state-rejected")),
                                        RecordState::Subsanar => html::badge("warn", &m("verifactu-state-subsanar")),
                                        RecordState::AcceptedWithErrors => html::badge("warn", &m("verifactu-state-with-errors")),
                                        RecordState::Accepted => html::badge("ok", &m("verifactu-state-accepted")),
                                    }) }
                                    td { code { (p.code.as_deref().unwrap_or("-")) } " " (p.text.as_deref().unwrap_or("")) }
                                    td { (t.datetime(p.answered_at)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section class="card" id="verifactu-envelopes" {
            h2 { (m("verifactu-envelopes")) }
            p class="muted" { (m("verifactu-envelopes-help")) }
            @if envelopes.is_empty() {
                (html::muted(&m("verifactu-no-envelopes")))
            } @else {
                table {
                    thead { tr {
                        th { (m("verifactu-col-sent-at")) } th { (m("verifactu-col-taxpayer")) }
                        th class="num" { (m("verifactu-col-records")) } th { (m("verifactu-col-answer")) }
                        th { "SHA-256" } th {}
                    } }
                    tbody {
                        @for e in &envelopes {
                            tr data-envelope=(e.id) {
                                td { (t.datetime(e.created_at)) }
                                td { (taxpayer_name(e.franchisee_id.0)) br; span class="muted" { (e.nif) } }
                                td class="num" {
                                    (t.int(e.records as i64))
                                    @if e.incidencia { br; (html::badge("warn", &m("verifactu-incidencia"))) }
                                }
                                td {
                                    @match (&e.estado_envio, &e.error) {
                                        (Some(estado), _) => { (estado) @if let Some(c) = &e.csv { br; span class="muted" { "CSV " (c) } } }
                                        (None, Some(err)) => { span class="error" { (err) } }
                                        (None, None) => { (html::muted(&m("verifactu-no-answer"))) }
                                    }
                                }
                                td { code title=(e.sha256) { (e.sha256.get(..16).unwrap_or(&e.sha256)) "…" } }
                                td { a href=(format!("/dashboard/verifactu/envelopes/{}", e.id)) { (m("verifactu-download")) } }
                            }
                        }
                    }
                }
            }
        }
        section class="card" id="verifactu-certificates" {
            h2 { (m("verifactu-certificates")) }
            p class="muted" { (m("verifactu-certificates-help")) }
            @if let Some(c) = hq_cert {
                p { (m("verifactu-cert-hq")) ": " (c.holder_name) " (" (c.holder_nif) ") · " (expiry(c)) }
            }
            @if v.can_write() {
                form method="post" action="/dashboard/verifactu/certificates" enctype="multipart/form-data" {
                    (v.csrf_field())
                    label { (m("verifactu-cert-owner")) " "
                        select name="owner" {
                            @for f in &franchisees {
                                option value=(f.id.0) { (f.legal_name) " (" (f.nif) ")" }
                            }
                            option value="hq" { (m("verifactu-cert-hq")) }
                        }
                    }
                    label { (m("verifactu-cert-hq-name")) " " input type="text" name="hq_name"; }
                    label { (m("verifactu-cert-hq-nif")) " " input type="text" name="hq_nif"; }
                    label { (m("verifactu-cert-file")) " " input type="file" name="pkcs12" accept=".p12,.pfx" required; }
                    label { (m("verifactu-cert-password")) " " input type="password" name="password" autocomplete="off"; }
                    p { button type="submit" id="upload-certificate" { (m("verifactu-cert-upload")) } }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "verifactu", "VERI*FACTU", body)))
}

/// `POST /dashboard/verifactu/certificates` (multipart): stores a PKCS#12, sealed.
pub async fn upload(State(st): State<AppState>, form: super::forms::WriteUpload) -> WebResult {
    let v = &form.0;
    hq_only(v)?;
    let t = v.t();
    let refused = |p: crate::problem::Problem| WebError::from(StorageError::Invalid(p));
    let owner = crate::services::certificates::owner_of(
        &form.text("owner").unwrap_or_default(),
        form.text("hq_name"),
        form.text("hq_nif"),
    )
    .map_err(refused)?;
    let key = crate::services::verifactu::sender_config()
        .ok()
        .and_then(|c| c.key)
        .ok_or_else(|| refused(crate::problem::Problem::new("secret_key_missing")))?;
    // The form's file, or (a plain form, a script) the file as base64 in `pkcs12_base64`.
    let data = match form.bytes("pkcs12") {
        Some(b) => b.to_vec(),
        None => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(form.text("pkcs12_base64").unwrap_or_default().trim())
                .map_err(|_| refused(crate::problem::Problem::new("certificate_base64")))?
        }
    };
    let c = certificates::upload(
        st.storage.as_ref(),
        &key,
        owner,
        &data,
        &form.text("password").unwrap_or_default(),
        Utc::now(),
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/verifactu?done={}",
        html::url(&t.msg_with(
            "verifactu-cert-stored",
            &[
                ("holder", &c.holder_name),
                ("date", &t.day(c.not_after.date_naive()))
            ]
        ))
    )))
}

/// `GET /dashboard/verifactu/envelopes/{id}`: an envelope exactly as it was sent to the AEAT.
pub async fn envelope(
    State(st): State<AppState>,
    v: Viewer,
    super::WebPath(id): super::WebPath<i64>,
) -> WebResult {
    hq_only(&v)?;
    let Some((s, body, _)) = st.storage.verifactu().envelope(id).await? else {
        return Err(WebError::not_found_t(v.t()));
    };
    use axum::http::header;
    use axum::response::IntoResponse;
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&format!(
        "attachment; filename=\"verifactu-envio-{}.xml\"",
        s.id
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(&s.sha256) {
        h.insert("x-content-sha256", v);
    }
    Ok(res)
}
