//! Tills: sync health (last sync, documents received, sequence gaps, conflicts, chain), enrolment of
//! a new till with a one-time code and its QR (SVG drawn on the server), and revocation.

use super::html::{self, url};
use super::login::NoFields;
use super::overview::{visible_stores, visible_tills};
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::tills::create_till;
use axum::extract::State;
use chrono::Utc;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use std::collections::HashSet;
use sync_protocol::{StoreId, TillId};

/// The enrolment code as an inline SVG QR code (markup the `qrcode` crate drew from the code).
pub fn qr_svg(code: &str) -> Result<Markup, WebError> {
    let qr = qrcode::QrCode::new(code.as_bytes())
        .map_err(|e| WebError::invalid(format!("cannot draw the QR code: {e}")))?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#1d2430"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Inline in HTML: drop the XML declaration.
    Ok(PreEscaped(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    }))
}

/// `GET /dashboard/tills`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let tr = v.t();
    let m = |k: &str| tr.msg(k);
    let stores = visible_stores(&st, &v).await?;
    let tills = visible_tills(&st, &v).await?;
    let sent = st.storage.change_log_kinds().await?;
    let broken: HashSet<TillId> = st
        .storage
        .dashboard()
        .open_alerts()
        .await?
        .into_iter()
        .filter(|a| a.kind == "chain_break")
        .filter_map(|a| a.till_id)
        .collect();
    let now = Utc::now();
    let store_name = |id: StoreId| {
        stores
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.as_str())
            .unwrap_or("")
    };
    let body = html! {
        h1 { (m("tills-title")) }
        (html::done(q.done.as_deref()))
        section class="card" {
            table id="tills" {
                thead { tr {
                    th { (m("col-till")) } th { (m("col-store")) } th { (m("col-state")) }
                    th { (m("tills-last-sync")) } th class="num" { (m("tills-documents")) }
                    th { (m("tills-waiting")) } th class="num" { (m("tills-gaps")) }
                    th class="num" { (m("tills-conflicts")) } th { (m("tills-chain")) }
                    th { (m("tills-software")) } th {}
                } }
                tbody {
                    @for t in &tills {
                        tr data-till=(t.id) {
                            td { (t.name) br; span class="muted" { (t.ticket_series) } }
                            td { (store_name(t.store_id)) }
                            td {
                                @if t.revoked_at.is_some() { (html::badge("bad", &m("tills-revoked"))) }
                                @else if t.enrolled_at.is_some() { (html::badge("ok", &m("tills-active"))) }
                                @else { (html::badge("warn", &m("tills-pending"))) }
                            }
                            td {
                                @match t.last_push_at {
                                    Some(l) => { (tr.datetime(l)) " " span class="muted" { "(" (tr.ago(l, now)) ")" } },
                                    None => span class="muted" { (m("tills-never")) },
                                }
                            }
                            td class="num" { (t.last_seq - t.open_gaps.min(t.last_seq)) }
                            td { (waiting_cell(tr, t, now)) }
                            td class="num" {
                                @if t.open_gaps > 0 { (html::badge("warn", &t.open_gaps.to_string())) }
                                @else { "0" }
                            }
                            td class="num" { (t.conflicts) }
                            td {
                                @if broken.contains(&t.id) { (html::badge("bad", &m("tills-chain-broken"))) }
                                @else { (html::badge("ok", &m("tills-chain-intact"))) }
                            }
                            td { (software_cell(tr, t, &sent)) }
                            td {
                                @if v.can_write() && t.revoked_at.is_none() {
                                    form class="inline" method="post" action={ "/dashboard/tills/" (t.id) "/revoke" } {
                                        (v.csrf_field())
                                        button type="submit" class="danger" { (m("tills-revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if tills.is_empty() { (html::muted(&m("tills-empty"))) }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("tills-new")) }
                form class="row" method="post" action="/dashboard/tills" {
                    (v.csrf_field())
                    label { (m("col-store")) " " select name="store_id" {
                        @for s in &stores { option value=(s.id) { (s.name) } }
                    } }
                    label { (m("field-name")) " " input name="name" value=(m("tills-default-name")) required; }
                    button type="submit" { (m("tills-create-code")) }
                }
            }
        }
    };
    Ok(ok(html::page(
        &v,
        "tills",
        &tr.msg(key!("tills-title")),
        body,
    )))
}

/// A report older than this is flagged: the till has not polled HQ for a while, so what it has
/// waiting may have grown (it polls every 15 s while it can reach HQ).
pub const WAITING_REPORT_STALE_MINUTES: i64 = 60;

/// "12 documentos en espera, informado hace 3 min", flagged when the report is old.
fn waiting_cell(
    tr: &super::i18n::Tr,
    t: &crate::storage::Till,
    now: chrono::DateTime<Utc>,
) -> Markup {
    let (Some(n), Some(at)) = (t.outbox_waiting, t.outbox_reported_at) else {
        return html! { span class="muted" { (tr.msg(key!("tills-waiting-none"))) } };
    };
    let count = if n == 1 {
        tr.msg(key!("tills-waiting-one"))
    } else {
        tr.msg_with(key!("tills-waiting-count"), &[("n", &n)])
    };
    let stale = now - at > chrono::Duration::minutes(WAITING_REPORT_STALE_MINUTES);
    html! {
        span class={ "badge " (if n > 0 { "warn" } else { "ok" }) } data-waiting=(n) { (count) } ", "
        span class="muted" { (tr.msg_with(key!("tills-waiting-reported"), &[("ago", &tr.ago(at, now))])) }
        @if stale {
            " " span class="badge bad" data-stale="1" { (tr.msg(key!("tills-waiting-stale"))) }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct TillForm {
    #[serde(default)]
    pub store_id: String,
    #[serde(default)]
    pub name: String,
}

/// `POST /dashboard/tills`: shows the one-time code and its QR (only now; only its hash is kept).
pub async fn create(
    State(st): State<AppState>,
    axum::Extension(client): axum::Extension<crate::net::Client>,
    headers: axum::http::HeaderMap,
    WriteForm(v, f): WriteForm<TillForm>,
) -> WebResult {
    let tr = v.t();
    let store_id = f
        .store_id
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::invalid(tr.msg(key!("tills-choose-store"))))?;
    if f.name.trim().is_empty() {
        return Err(WebError::invalid(tr.msg(key!("tills-name-missing"))));
    }
    let created = create_till(st.storage.as_ref(), store_id, &f.name).await?;
    // The link a till enrols with: this server as the browser reached it, the code, and the
    // fingerprint of the server's own certificate when it has one (the till pins it).
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    let link = crate::tls::enrolment_link(
        if client.secure { "https" } else { "http" },
        host,
        &created.enrolment_code,
        st.net.certificate_sha256.as_deref(),
    );
    let qr = qr_svg(&link)?;
    let body = html! {
        p { a href="/dashboard/tills" { "← " (tr.msg(key!("tills-title"))) } }
        h1 { (tr.msg_with(key!("tills-code-heading"), &[("name", &created.till.name)])) }
        section class="card" {
            p {
                (tr.msg_with(key!("tills-code-help"), &[("expires", &tr.datetime(created.code_expires_at))]))
                " " b { (tr.msg(key!("tills-code-once"))) }
            }
            p class="code" id="enrolment-code" { (created.enrolment_code) }
            p { (tr.msg(key!("tills-link-help"))) }
            p class="code" id="enrolment-link" { (link) }
            @if let Some(fp) = &st.net.certificate_sha256 {
                p class="muted" id="certificate-sha256" {
                    (tr.msg_with(key!("tills-certificate"), &[("sha256", fp)]))
                }
            }
            div class="qr" id="enrolment-qr" { (qr) }
        }
    };
    Ok(ok(html::page(
        &v,
        "tills",
        &tr.msg(key!("tills-code-title")),
        body,
    )))
}

/// `POST /dashboard/tills/{id}/revoke`.
pub async fn revoke(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, NoFields {}): WriteForm<NoFields>,
) -> WebResult {
    st.storage.revoke_till(TillId(id), Utc::now()).await?;
    Ok(see_other(&format!(
        "/dashboard/tills?done={}",
        url(&v.t().msg_with(key!("tills-revoked-done"), &[("id", &id)]))
    )))
}

/// The till software's version; flagged "needs an update" with the change kinds it skipped, and
/// with the release it needs when its version is older than a change kind its store's change log
/// holds (`sent`: kinds with the store they went to, `None` for every store).
fn software_cell(
    tr: &super::i18n::Tr,
    t: &crate::storage::Till,
    sent: &[(Option<StoreId>, String)],
) -> maud::Markup {
    let needed = t.software_version.as_deref().and_then(|version| {
        crate::services::tills::version_needed(
            version,
            sent.iter()
                .filter(|(store, _)| store.is_none_or(|s| s == t.store_id))
                .map(|(_, kind)| kind.as_str()),
        )
    });
    maud::html! {
        @match &t.software_version {
            None => span class="muted" { (tr.msg(key!("tills-software-none"))) },
            Some(version) => {
                span data-version=(version) { (version) }
                @if t.needs_update() {
                    " "
                    span class="badge warn" data-needs-update="1" title=(t.skipped_change_kinds.join(", ")) {
                        (tr.msg_with(key!("tills-software-update"), &[("kinds", &t.skipped_change_kinds.join(", "))]))
                    }
                }
                @if let Some((version, kinds)) = &needed {
                    " "
                    span class="badge warn" data-needs-version=(version) title=(kinds.join(", ")) {
                        (tr.msg_with(key!("tills-software-too-old"), &[("version", version), ("kinds", &kinds.join(", "))]))
                    }
                }
            }
        }
    }
}
