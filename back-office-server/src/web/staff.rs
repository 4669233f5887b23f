//! Staff: the people of each store, their till role and PIN (hashed with argon2; the tills pull it).

use super::html::{self, url};
use super::overview::visible_stores;
use super::stores::DoneQuery;
use super::{ScopedWriteForm, Viewer, WebError, WebPath, WebQuery, WebResult, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::fields::text;
use crate::services::people as people_svc;
use axum::extract::State;
use maud::html;
use serde::Deserialize;
use sync_protocol::{StaffId, StaffRole, StoreId};

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
                    @if v.can_write_staff() { th { (m("staff-actions")) } }
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
                            @if v.can_write_staff() {
                                td class="actions" {
                                    form class="inline" method="post" action={ "/dashboard/staff/" (s.id) } {
                                        (v.csrf_field())
                                        select name="role" aria-label=(m("col-role")) {
                                            option value="cashier" selected[s.role == StaffRole::Cashier] { (m("staff-role-cashier")) }
                                            option value="manager" selected[s.role == StaffRole::Manager] { (m("staff-role-manager")) }
                                        }
                                        " "
                                        button type="submit" class="secondary" { (m("staff-change-role")) }
                                    }
                                    " "
                                    form class="inline" method="post" action={ "/dashboard/staff/" (s.id) } {
                                        (v.csrf_field())
                                        input type="hidden" name="active" value=(if s.active { "false" } else { "true" });
                                        button type="submit" class="secondary" {
                                            (m(if s.active { "staff-disable" } else { "staff-enable" }))
                                        }
                                    }
                                    " "
                                    form class="inline" method="post" action={ "/dashboard/staff/" (s.id) "/pin" } {
                                        (v.csrf_field())
                                        input name="pin" inputmode="numeric" size="8" required
                                            aria-label=(m("staff-pin-label")) placeholder=(m("staff-new-pin"));
                                        " "
                                        button type="submit" class="secondary" { (m("staff-reset-pin")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if staff.is_empty() { (html::muted(&m("staff-empty"))) }
        }
        @if v.can_write_staff() {
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
    Ok(ok(html::page(
        &v,
        "staff",
        &t.msg(key!("staff-title")),
        body,
    )))
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

/// The role as the form names it.
fn role_of(v: &Viewer, role: &str) -> Result<StaffRole, WebError> {
    match role.trim() {
        "cashier" => Ok(StaffRole::Cashier),
        "manager" => Ok(StaffRole::Manager),
        _ => Err(WebError::invalid(v.t().msg(key!("staff-choose-role")))),
    }
}

/// A store manager changes only their own stores' staff: another store's is a 403.
fn check_store(v: &Viewer, store: StoreId) -> Result<(), WebError> {
    if v.sees_store(store) {
        Ok(())
    } else {
        Err(WebError::forbidden(v.t().msg(key!("staff-not-your-store"))))
    }
}

/// `POST /dashboard/staff`: HQ admins for any store, store managers for theirs.
pub async fn create(
    State(st): State<AppState>,
    ScopedWriteForm(v, f): ScopedWriteForm<StaffForm>,
) -> WebResult {
    let t = v.t();
    let name = text("name", &f.name, 200)
        .map_err(|_| WebError::invalid(t.msg(key!("staff-name-invalid"))))?;
    let role = role_of(&v, &f.role)?;
    let store_id = f
        .store_id
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::invalid(t.msg(key!("staff-choose-store"))))?;
    check_store(&v, store_id)?;
    if crate::auth::validate_pin(f.pin.trim()).is_err() {
        return Err(WebError::invalid(t.msg(key!("staff-pin-invalid"))));
    }
    let s = people_svc::create_staff(
        st.storage.as_ref(),
        &people_svc::actor(&v.user),
        &name,
        role,
        store_id,
        &f.pin,
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/staff?done={}",
        url(&t.msg_with(key!("staff-created"), &[("name", &s.name)]))
    )))
}

#[derive(Debug, Deserialize)]
pub struct StaffEditForm {
    pub role: Option<String>,
    pub active: Option<String>,
}

/// The member of staff `id`, if the viewer may change them: a manager asking for another store's
/// staff gets a 403.
async fn member(st: &AppState, v: &Viewer, id: i64) -> Result<crate::storage::Staff, WebError> {
    let s = st.storage.people().get_staff(StaffId(id)).await?;
    check_store(v, s.store_id)?;
    Ok(s)
}

/// `POST /dashboard/staff/{id}`: the role, or active / disabled at the tills.
pub async fn edit(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, f): ScopedWriteForm<StaffEditForm>,
) -> WebResult {
    let t = v.t();
    let role = f.role.as_deref().map(|r| role_of(&v, r)).transpose()?;
    let active = match f.active.as_deref().map(str::trim) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(WebError::invalid(t.msg(key!("staff-bad-state")))),
    };
    let s = member(&st, &v, id).await?;
    let s = people_svc::edit_staff(
        st.storage.as_ref(),
        &people_svc::actor(&v.user),
        s.id,
        role,
        active,
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/staff?done={}",
        url(&t.msg_with(key!("staff-saved"), &[("name", &s.name)]))
    )))
}

#[derive(Debug, Deserialize)]
pub struct PinForm {
    #[serde(default)]
    pub pin: String,
}

/// `POST /dashboard/staff/{id}/pin`: a new PIN (4 to 8 digits), sent to the tills as its hash.
pub async fn reset_pin(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, f): ScopedWriteForm<PinForm>,
) -> WebResult {
    let t = v.t();
    let s = member(&st, &v, id).await?;
    if crate::auth::validate_pin(f.pin.trim()).is_err() {
        return Err(WebError::invalid(t.msg(key!("staff-pin-invalid"))));
    }
    let s = people_svc::reset_pin(
        st.storage.as_ref(),
        &people_svc::actor(&v.user),
        s.id,
        &f.pin,
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/staff?done={}",
        url(&t.msg_with(key!("staff-pin-saved"), &[("name", &s.name)]))
    )))
}
