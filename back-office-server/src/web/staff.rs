//! Staff: the people of each store, their till role and PIN (hashed with argon2; the tills pull it).

use super::html::{self, url};
use super::overview::visible_stores;
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::services::fields::text;
use crate::services::staff::pin_hash;
use crate::storage::NewStaff;
use axum::extract::State;
use maud::html;
use serde::Deserialize;
use sync_protocol::{StaffRole, StoreId};

/// `GET /dashboard/staff`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let stores = visible_stores(&st, &v).await?;
    let staff: Vec<_> = st
        .storage
        .list_staff(None)
        .await?
        .into_iter()
        .filter(|s| v.sees_store(s.store_id))
        .collect();
    let store_name = |id: StoreId| {
        stores
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.name.as_str())
            .unwrap_or("")
    };
    let body = html! {
        h1 { (m("staff-title")) }
        (html::done(q.done.as_deref()))
        section class="card" {
            table id="staff" {
                thead { tr {
                    th { (m("field-name")) } th { (m("col-role")) }
                    th { (m("col-store")) } th { (m("col-state")) }
                } }
                tbody {
                    @for s in &staff {
                        tr {
                            td { (s.name) }
                            td { (m(match s.role {
                                StaffRole::Manager => "staff-role-manager",
                                StaffRole::Cashier => "staff-role-cashier",
                            })) }
                            td { (store_name(s.store_id)) }
                            td { (m(if s.active { "staff-active" } else { "staff-inactive" })) }
                        }
                    }
                }
            }
            @if staff.is_empty() { (html::muted(&m("staff-empty"))) }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("staff-new")) }
                form class="row" method="post" action="/dashboard/staff" {
                    (v.csrf_field())
                    label { (m("field-name")) " " input name="name" required; }
                    label { (m("col-role")) " " select name="role" {
                        option value="cashier" { (m("staff-role-cashier")) }
                        option value="manager" { (m("staff-role-manager")) }
                    } }
                    label { (m("col-store")) " " select name="store_id" {
                        @for s in &stores { option value=(s.id) { (s.name) } }
                    } }
                    label { (m("staff-pin-label")) " " input name="pin" inputmode="numeric" required; }
                    button type="submit" { (m("create")) }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "staff", &t.msg("staff-title"), body)))
}

#[derive(Debug, Deserialize)]
pub struct StaffForm {
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
    WriteForm(v, f): WriteForm<StaffForm>,
) -> WebResult {
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
    let pin_hash = pin_hash(f.pin.trim()).await?;
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
