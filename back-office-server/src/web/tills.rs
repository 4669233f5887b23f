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
                "<span class=\"badge bad\">revocada</span>"
            } else if t.enrolled_at.is_some() {
                "<span class=\"badge ok\">activa</span>"
            } else {
                "<span class=\"badge warn\">pendiente de alta</span>"
            };
            let last = t
                .last_push_at
                .map(|l| format!("{} <span class=\"muted\">({})</span>", html::madrid(l), html::ago(l, now)))
                .unwrap_or_else(|| "<span class=\"muted\">nunca</span>".into());
            let chain = if broken.contains(&t.id) {
                "<span class=\"badge bad\">rota</span>"
            } else {
                "<span class=\"badge ok\">íntegra</span>"
            };
            let gaps = if t.open_gaps > 0 {
                format!("<span class=\"badge warn\">{}</span>", t.open_gaps)
            } else {
                "0".into()
            };
            let revoke = if v.can_write() && t.revoked_at.is_none() {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/dashboard/tills/{}/revoke\">{}\
                     <button type=\"submit\" class=\"danger\">Revocar</button></form>",
                    t.id,
                    v.csrf_field()
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-till=\"{id}\"><td>{name}<br><span class=\"muted\">{series}</span></td><td>{store}</td><td>{state}</td>\
                 <td>{last}</td><td class=\"num\">{docs}</td><td>{waiting}</td><td class=\"num\">{gaps}</td><td class=\"num\">{conf}</td><td>{chain}</td><td>{revoke}</td></tr>",
                waiting = waiting_cell(t, now),
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
            "<section class=\"card\"><h2>Dar de alta una caja</h2>\
             <form class=\"row\" method=\"post\" action=\"/dashboard/tills\">{}\
             <label>Tienda <select name=\"store_id\">{options}</select></label>\
             <label>Nombre <input name=\"name\" value=\"Caja 2\" required></label>\
             <button type=\"submit\">Crear código de alta</button></form></section>",
            v.csrf_field()
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Cajas</h1>{done}<section class=\"card\"><table id=\"tills\"><thead><tr><th>Caja</th><th>Tienda</th>\
         <th>Estado</th><th>Última sincronización</th><th class=\"num\">Documentos</th><th>En espera en la caja</th><th class=\"num\">Huecos</th>\
         <th class=\"num\">Conflictos</th><th>Cadena</th><th></th></tr></thead><tbody>{rows}</tbody></table></section>{form}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
    );
    Ok(ok(html::page(&v, "tills", "Cajas", &body)))
}

/// A report older than this is flagged: the till has not polled HQ for a while, so what it has
/// waiting may have grown (it polls every 15 s while it can reach HQ).
pub const WAITING_REPORT_STALE_MINUTES: i64 = 60;

/// "12 documentos en espera, informado hace 3 min", flagged when the report is old.
fn waiting_cell(t: &crate::storage::Till, now: chrono::DateTime<Utc>) -> String {
    let (Some(n), Some(at)) = (t.outbox_waiting, t.outbox_reported_at) else {
        return "<span class=\"muted\">sin informe</span>".into();
    };
    let count = if n == 1 {
        "1 documento en espera".to_string()
    } else {
        format!("{n} documentos en espera")
    };
    let badge = if n > 0 { "warn" } else { "ok" };
    let stale = if now - at > chrono::Duration::minutes(WAITING_REPORT_STALE_MINUTES) {
        " <span class=\"badge bad\" data-stale=\"1\">informe antiguo</span>"
    } else {
        ""
    };
    format!(
        "<span class=\"badge {badge}\" data-waiting=\"{n}\">{count}</span>, \
         <span class=\"muted\">informado {ago}</span>{stale}",
        ago = html::ago(at, now),
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
    let store_id = f
        .store_id
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::invalid("Elige la tienda de la caja."))?;
    if f.name.trim().is_empty() {
        return Err(WebError::invalid("Falta el nombre de la caja."));
    }
    let created = create_till_with_code(&st, store_id, &f.name).await?;
    let body = format!(
        "<p><a href=\"/dashboard/tills\">← Cajas</a></p><h1>Código de alta de {name}</h1>\
         <section class=\"card\"><p>Escribe este código en la caja (Ajustes → Alta en la central) o escanea el QR. \
         Sirve una sola vez y caduca el {exp}. <b>No se volverá a mostrar.</b></p>\
         <p class=\"code\" id=\"enrolment-code\">{code}</p><div class=\"qr\" id=\"enrolment-qr\">{qr}</div></section>",
        name = esc(&created.till.name),
        exp = html::madrid(created.code_expires_at),
        code = esc(&created.enrolment_code),
        qr = qr_svg(&created.enrolment_code)?,
    );
    Ok(ok(html::page(&v, "tills", "Código de alta", &body)))
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
        url(&format!("Caja {id} revocada: su token ya no sirve"))
    )))
}
