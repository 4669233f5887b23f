//! Tills: sync health (last sync, documents received, sequence gaps, conflicts, chain), enrolment of
//! a new till with a one-time code and its QR (SVG drawn on the server), and revocation.

use super::html::{self, esc, url};
use super::overview::{visible_stores, visible_tills};
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebForm, WebPath, WebQuery, WebResult, ok, see_other};
use crate::http::AppState;
use crate::http::admin::create_till_with_code;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;
use std::collections::HashSet;
use sync_protocol::{StoreId, TillId};

/// The enrolment code as an inline SVG QR code.
pub fn qr_svg(code: &str) -> Result<String, WebError> {
    let qr = qrcode::QrCode::new(code.as_bytes())
        .map_err(|e| WebError::invalid(format!("cannot draw the QR code: {e}")))?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#1d2430"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Inline in HTML: drop the XML declaration.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

/// `GET /dashboard/tills`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let tr = v.t();
    let m = |k: &str| esc(&tr.msg(k));
    let stores = visible_stores(&st, &v).await?;
    let tills = visible_tills(&st, &v).await?;
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
    let rows: String = tills
        .iter()
        .map(|t| {
            let store = stores
                .iter()
                .find(|s| s.id == t.store_id)
                .map(|s| s.name.as_str())
                .unwrap_or("");
            let state = if t.revoked_at.is_some() {
                format!("<span class=\"badge bad\">{}</span>", m("tills-revoked"))
            } else if t.enrolled_at.is_some() {
                format!("<span class=\"badge ok\">{}</span>", m("tills-active"))
            } else {
                format!("<span class=\"badge warn\">{}</span>", m("tills-pending"))
            };
            let last = t
                .last_push_at
                .map(|l| format!("{} <span class=\"muted\">({})</span>", tr.datetime(l), esc(&tr.ago(l, now))))
                .unwrap_or_else(|| format!("<span class=\"muted\">{}</span>", m("tills-never")));
            let chain = if broken.contains(&t.id) {
                format!("<span class=\"badge bad\">{}</span>", m("tills-chain-broken"))
            } else {
                format!("<span class=\"badge ok\">{}</span>", m("tills-chain-intact"))
            };
            let gaps = if t.open_gaps > 0 {
                format!("<span class=\"badge warn\">{}</span>", t.open_gaps)
            } else {
                "0".into()
            };
            let revoke = if v.can_write() && t.revoked_at.is_none() {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/dashboard/tills/{}/revoke\">{}\
                     <button type=\"submit\" class=\"danger\">{}</button></form>",
                    t.id,
                    v.csrf_field(),
                    m("tills-revoke")
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-till=\"{id}\"><td>{name}<br><span class=\"muted\">{series}</span></td><td>{store}</td><td>{state}</td>\
                 <td>{last}</td><td class=\"num\">{docs}</td><td>{waiting}</td><td class=\"num\">{gaps}</td><td class=\"num\">{conf}</td><td>{chain}</td><td>{software}</td><td>{revoke}</td></tr>",
                waiting = waiting_cell(tr, t, now),
                software = software_cell(tr, t),
                id = t.id,
                name = esc(&t.name),
                series = esc(&t.ticket_series),
                store = esc(store),
                docs = t.last_seq - t.open_gaps.min(t.last_seq),
                conf = t.conflicts,
            )
        })
        .collect();
    let form = if v.can_write() {
        let options: String = stores
            .iter()
            .map(|s| format!("<option value=\"{}\">{}</option>", s.id, esc(&s.name)))
            .collect();
        format!(
            "<section class=\"card\"><h2>{h_new}</h2>\
             <form class=\"row\" method=\"post\" action=\"/dashboard/tills\">{csrf}\
             <label>{l_store} <select name=\"store_id\">{options}</select></label>\
             <label>{l_name} <input name=\"name\" value=\"{default_name}\" required></label>\
             <button type=\"submit\">{create}</button></form></section>",
            csrf = v.csrf_field(),
            h_new = m("tills-new"),
            l_store = m("col-store"),
            l_name = m("field-name"),
            default_name = m("tills-default-name"),
            create = m("tills-create-code"),
        )
    } else {
        String::new()
    };
    let empty = if tills.is_empty() {
        format!("<p class=\"muted\">{}</p>", m("tills-empty"))
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{title}</h1>{done}<section class=\"card\"><table id=\"tills\"><thead><tr><th>{c_till}</th><th>{c_store}</th>\
         <th>{c_state}</th><th>{c_last}</th><th class=\"num\">{c_docs}</th><th>{c_wait}</th><th class=\"num\">{c_gaps}</th>\
         <th class=\"num\">{c_conf}</th><th>{c_chain}</th><th>{c_soft}</th><th></th></tr></thead><tbody>{rows}</tbody></table>{empty}</section>{form}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
        title = m("tills-title"),
        c_till = m("col-till"),
        c_store = m("col-store"),
        c_state = m("col-state"),
        c_last = m("tills-last-sync"),
        c_docs = m("tills-documents"),
        c_wait = m("tills-waiting"),
        c_gaps = m("tills-gaps"),
        c_conf = m("tills-conflicts"),
        c_chain = m("tills-chain"),
        c_soft = m("tills-software"),
    );
    Ok(ok(html::page_t(&v, "tills", &tr.msg("tills-title"), &body)))
}

/// A report older than this is flagged: the till has not polled HQ for a while, so what it has
/// waiting may have grown (it polls every 15 s while it can reach HQ).
pub const WAITING_REPORT_STALE_MINUTES: i64 = 60;

/// "12 documentos en espera, informado hace 3 min", flagged when the report is old.
fn waiting_cell(
    tr: &super::i18n::Tr,
    t: &crate::storage::Till,
    now: chrono::DateTime<Utc>,
) -> String {
    let (Some(n), Some(at)) = (t.outbox_waiting, t.outbox_reported_at) else {
        return format!(
            "<span class=\"muted\">{}</span>",
            esc(&tr.msg("tills-waiting-none"))
        );
    };
    let count = if n == 1 {
        tr.msg("tills-waiting-one")
    } else {
        tr.msg_with("tills-waiting-count", &[("n", &n)])
    };
    let badge = if n > 0 { "warn" } else { "ok" };
    let stale = if now - at > chrono::Duration::minutes(WAITING_REPORT_STALE_MINUTES) {
        format!(
            " <span class=\"badge bad\" data-stale=\"1\">{}</span>",
            esc(&tr.msg("tills-waiting-stale"))
        )
    } else {
        String::new()
    };
    format!(
        "<span class=\"badge {badge}\" data-waiting=\"{n}\">{}</span>, \
         <span class=\"muted\">{}</span>{stale}",
        esc(&count),
        esc(&tr.msg_with("tills-waiting-reported", &[("ago", &tr.ago(at, now))])),
    )
}

/// The till software's version; flagged "needs an update" with the change kinds it skipped.
fn software_cell(tr: &super::i18n::Tr, t: &crate::storage::Till) -> String {
    let Some(version) = &t.software_version else {
        return format!(
            "<span class=\"muted\">{}</span>",
            esc(&tr.msg("tills-software-none"))
        );
    };
    if !t.needs_update() {
        return format!("<span data-version=\"{0}\">{0}</span>", esc(version));
    }
    format!(
        "<span data-version=\"{v}\">{v}</span> <span class=\"badge warn\" data-needs-update=\"1\" title=\"{kinds}\">{label}</span>",
        v = esc(version),
        kinds = esc(&t.skipped_change_kinds.join(", ")),
        label = esc(&tr.msg_with(
            "tills-software-update",
            &[("kinds", &t.skipped_change_kinds.join(", "))]
        )),
    )
}

#[derive(Debug, Deserialize)]
pub struct TillForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub store_id: String,
    #[serde(default)]
    pub name: String,
}

/// `POST /dashboard/tills`: shows the one-time code and its QR (only now; only its hash is kept).
pub async fn create(
    State(st): State<AppState>,
    v: Viewer,
    WebForm(f): WebForm<TillForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let tr = v.t();
    let m = |k: &str| esc(&tr.msg(k));
    let store_id = f
        .store_id
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::invalid(tr.msg("tills-choose-store")))?;
    if f.name.trim().is_empty() {
        return Err(WebError::invalid(tr.msg("tills-name-missing")));
    }
    let created = create_till_with_code(&st, store_id, &f.name).await?;
    let body = format!(
        "<p><a href=\"/dashboard/tills\">← {back}</a></p><h1>{heading}</h1>\
         <section class=\"card\"><p>{help} <b>{once}</b></p>\
         <p class=\"code\" id=\"enrolment-code\">{code}</p><div class=\"qr\" id=\"enrolment-qr\">{qr}</div></section>",
        back = m("tills-title"),
        heading = esc(&tr.msg_with("tills-code-heading", &[("name", &created.till.name)])),
        help = esc(&tr.msg_with(
            "tills-code-help",
            &[("expires", &tr.datetime(created.code_expires_at))]
        )),
        once = m("tills-code-once"),
        code = esc(&created.enrolment_code),
        qr = qr_svg(&created.enrolment_code)?,
    );
    Ok(ok(html::page_t(
        &v,
        "tills",
        &tr.msg("tills-code-title"),
        &body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub csrf: String,
}

/// `POST /dashboard/tills/{id}/revoke`.
pub async fn revoke(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebForm(f): WebForm<RevokeForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    st.storage.revoke_till(TillId(id), Utc::now()).await?;
    Ok(see_other(&format!(
        "/dashboard/tills?done={}",
        url(&v.t().msg_with("tills-revoked-done", &[("id", &id)]))
    )))
}
