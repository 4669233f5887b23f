//! Staff: the people of each store, their till role and PIN (hashed with argon2; the tills pull it).

use super::html::{self, esc, url};
use super::overview::visible_stores;
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebForm, WebQuery, WebResult, ok, see_other};
use crate::http::AppState;
use crate::http::admin::{pin_hash, text};
use crate::storage::NewStaff;
use axum::extract::State;
use serde::Deserialize;
use sync_protocol::{StaffRole, StoreId};

/// `GET /dashboard/staff`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| esc(&t.msg(k));
    let stores = visible_stores(&st, &v).await?;
    let staff: Vec<_> = st
        .storage
        .list_staff(None)
        .await?
        .into_iter()
        .filter(|s| v.sees_store(s.store_id))
        .collect();
    let rows: String = staff
        .iter()
        .map(|s| {
            let store = stores
                .iter()
                .find(|x| x.id == s.store_id)
                .map(|x| x.name.as_str())
                .unwrap_or("");
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.name),
                match s.role {
                    StaffRole::Manager => m("staff-role-manager"),
                    StaffRole::Cashier => m("staff-role-cashier"),
                },
                esc(store),
                if s.active {
                    m("staff-active")
                } else {
                    m("staff-inactive")
                }
            )
        })
        .collect();
    let form = if v.can_write() {
        let options: String = stores
            .iter()
            .map(|s| format!("<option value=\"{}\">{}</option>", s.id, esc(&s.name)))
            .collect();
        format!(
            "<section class=\"card\"><h2>{h_new}</h2><form class=\"row\" method=\"post\" action=\"/dashboard/staff\">{csrf}\
             <label>{l_name} <input name=\"name\" required></label>\
             <label>{l_role} <select name=\"role\"><option value=\"cashier\">{cashier}</option><option value=\"manager\">{manager}</option></select></label>\
             <label>{l_store} <select name=\"store_id\">{options}</select></label>\
             <label>{l_pin} <input name=\"pin\" inputmode=\"numeric\" required></label>\
             <button type=\"submit\">{create}</button></form></section>",
            csrf = v.csrf_field(),
            h_new = m("staff-new"),
            l_name = m("field-name"),
            l_role = m("col-role"),
            cashier = m("staff-role-cashier"),
            manager = m("staff-role-manager"),
            l_store = m("col-store"),
            l_pin = m("staff-pin-label"),
            create = m("create"),
        )
    } else {
        String::new()
    };
    let empty = if staff.is_empty() {
        format!("<p class=\"muted\">{}</p>", m("staff-empty"))
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{title}</h1>{done}<section class=\"card\"><table id=\"staff\"><thead><tr><th>{c_name}</th><th>{c_role}</th>\
         <th>{c_store}</th><th>{c_state}</th></tr></thead><tbody>{rows}</tbody></table>{empty}</section>{form}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
        title = m("staff-title"),
        c_name = m("field-name"),
        c_role = m("col-role"),
        c_store = m("col-store"),
        c_state = m("col-state"),
    );
    Ok(ok(html::page_t(&v, "staff", &t.msg("staff-title"), &body)))
}

#[derive(Debug, Deserialize)]
pub struct StaffForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub store_id: String,
    #[serde(default)]
    pub pin: String,
}

/// `POST /dashboard/staff`.
pub async fn create(
    State(st): State<AppState>,
    v: Viewer,
    WebForm(f): WebForm<StaffForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let name =
        text("name", &f.name, 200).map_err(|_| WebError::invalid(t.msg("staff-name-invalid")))?;
    let role = match f.role.as_str() {
        "cashier" => StaffRole::Cashier,
        "manager" => StaffRole::Manager,
        _ => return Err(WebError::invalid(t.msg("staff-choose-role"))),
    };
    let store_id = f
        .store_id
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::invalid(t.msg("staff-choose-store")))?;
    if crate::auth::validate_pin(f.pin.trim()).is_err() {
        return Err(WebError::invalid(t.msg("staff-pin-invalid")));
    }
    let pin_hash = pin_hash(f.pin.trim().to_string()).await?;
    let s = st
        .storage
        .create_staff(&NewStaff {
            name,
            role,
            store_id,
            pin_hash,
        })
        .await?;
    Ok(see_other(&format!(
        "/dashboard/staff?done={}",
        url(&t.msg_with("staff-created", &[("name", &s.name)]))
    )))
}
