//! Franchisees and stores: legal data (NIF/CIF validated), addresses, receipt header and footer,
//! the cash over/short tolerance of each store. HQ admins create and edit; analysts read; store
//! managers see only their stores and the franchisees that own them, read-only.

use super::catalog::parse_price_t;
use super::html::{self, url};
use super::overview::visible_stores;
use super::{Tr, Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::fields::{self, text};
use crate::services::stores::{self as rules, FranchiseePatchIn, StorePatchIn};
use crate::storage::{NewFranchisee, NewStore, default_cash_tolerance};
use axum::extract::State;
use maud::html;
use serde::Deserialize;
use std::collections::HashSet;
use sync_protocol::{FranchiseeId, Money, StoreId};

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// `GET /dashboard/stores`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let stores = visible_stores(&st, &v).await?;
    let owners: HashSet<FranchiseeId> = stores.iter().map(|s| s.franchisee_id).collect();
    let franchisees: Vec<_> = st
        .storage
        .list_franchisees()
        .await?
        .into_iter()
        .filter(|f| v.scope().is_none() || owners.contains(&f.id))
        .collect();
    let owner_name = |id: FranchiseeId| {
        franchisees
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.legal_name.as_str())
            .unwrap_or("")
    };
    let body = html! {
        h1 { (m("stores-heading")) }
        (html::done(q.done.as_deref()))
        section class="card" {
            h2 { (m("stores-franchisees")) }
            table id="franchisees" {
                thead { tr {
                    th { "#" } th { (m("field-legal-name")) } th { "NIF/CIF" } th { (m("col-domicile")) }
                } }
                tbody {
                    @for f in &franchisees {
                        tr data-franchisee=(f.id) {
                            td { (f.id) }
                            td { a href={ "/dashboard/franchisees/" (f.id) } { (f.legal_name) } }
                            td { (f.nif) }
                            td { (f.address) }
                        }
                    }
                }
            }
            @if franchisees.is_empty() { (html::muted(&m("stores-no-franchisees"))) }
        }
        section class="card" {
            h2 { (m("stores-title")) }
            table id="stores" {
                thead { tr {
                    th { "#" } th { (m("col-store")) } th { (m("field-franchisee")) }
                    th { (m("field-address")) } th { (m("field-receipt-header")) }
                    th { (m("field-receipt-footer")) } th { (m("col-cash-tolerance")) }
                } }
                tbody {
                    @for s in &stores {
                        tr data-store=(s.id) {
                            td { (s.id) }
                            td { a href={ "/dashboard/stores/" (s.id) } { (s.name) } }
                            td { (owner_name(s.franchisee_id)) }
                            td { (s.address) }
                            td class="pre" { (s.receipt_header) }
                            td class="pre" { (s.receipt_footer) }
                            td class="num" { (t.money(s.cash_tolerance)) }
                        }
                    }
                }
            }
            @if stores.is_empty() { (html::muted(&m("stores-no-stores"))) }
        }
        @if v.can_write() {
            div class="grid" {
                section class="card" {
                    h2 { (m("stores-new-franchisee")) }
                    form method="post" action="/dashboard/franchisees" {
                        (v.csrf_field())
                        label { (m("field-legal-name")) " " input name="legal_name" required; }
                        label { "NIF/CIF " input name="nif" required placeholder="B12345674"; }
                        label { (m("field-tax-address")) " " input name="address"; }
                        p { button type="submit" { (m("create")) } }
                    }
                }
                section class="card" {
                    h2 { (m("stores-new-store")) }
                    form method="post" action="/dashboard/stores" {
                        (v.csrf_field())
                        label { (m("field-franchisee")) " " select name="franchisee_id" {
                            @for f in &franchisees { option value=(f.id) { (f.legal_name) } }
                        } }
                        label { (m("field-name")) " " input name="name" required; }
                        label { (m("field-address")) " " input name="address"; }
                        label { (m("field-receipt-header")) " " textarea name="receipt_header" rows="2" {} }
                        label { (m("field-receipt-footer")) " " textarea name="receipt_footer" rows="2" {} }
                        label { (m("field-cash-tolerance")) " "
                            input name="cash_tolerance" value=(html::price_field(default_cash_tolerance())) inputmode="decimal"; }
                        (time_zone_field(t, crate::storage::TimeZone::default(), false))
                        p { button type="submit" { (m("create")) } }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(
        &v,
        "stores",
        &t.msg(key!("stores-title")),
        body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct FranchiseeForm {
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub nif: String,
    #[serde(default)]
    pub address: String,
}

/// `POST /dashboard/franchisees`.
pub async fn create_franchisee(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<FranchiseeForm>,
) -> WebResult {
    let t = v.t();
    let legal_name = text("legal_name", &f.legal_name, 200)
        .map_err(|_| WebError::invalid(t.msg(key!("stores-legal-name-invalid"))))?;
    let n = fields::nif(&f.nif)?;
    if f.address.trim().chars().count() > 300 {
        return Err(WebError::invalid(t.msg(key!("stores-domicile-too-long"))));
    }
    let created = st
        .storage
        .create_franchisee(&NewFranchisee {
            legal_name,
            nif: n,
            address: f.address.trim().to_string(),
        })
        .await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&t.msg_with(
            "stores-franchisee-created",
            &[("name", &created.legal_name)]
        ))
    )))
}

#[derive(Debug, Deserialize)]
pub struct StoreForm {
    #[serde(default)]
    pub franchisee_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub receipt_header: String,
    #[serde(default)]
    pub receipt_footer: String,
    #[serde(default)]
    pub cash_tolerance: String,
    #[serde(default)]
    pub time_zone: String,
}

/// The time zone picker: the zones of Spain's territories.
fn time_zone_field(t: &Tr, current: crate::storage::TimeZone, disabled: bool) -> maud::Markup {
    maud::html! {
        label { (t.msg(key!("field-time-zone"))) " "
            select name="time_zone" id="time-zone" disabled[disabled] {
                @for z in crate::storage::TimeZone::SPAIN {
                    option value=(z.name()) selected[z == current] { (t.msg(&format!("time-zone-{}", z.name().replace('/', "-").to_lowercase()))) }
                }
                @if !crate::storage::TimeZone::SPAIN.contains(&current) {
                    option value=(current.name()) selected { (current.name()) }
                }
            }
        }
    }
}

/// A time zone from the form (empty: Europe/Madrid).
fn time_zone(t: &Tr, v: &str) -> Result<crate::storage::TimeZone, WebError> {
    if v.trim().is_empty() {
        return Ok(crate::storage::TimeZone::default());
    }
    v.parse().map_err(|_| {
        WebError::invalid(t.msg_with(key!("stores-time-zone-invalid"), &[("value", &v.trim())]))
    })
}

/// `POST /dashboard/stores`.
pub async fn create_store(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<StoreForm>,
) -> WebResult {
    let t = v.t();
    let franchisee_id = f
        .franchisee_id
        .trim()
        .parse::<i64>()
        .map(FranchiseeId)
        .map_err(|_| WebError::invalid(t.msg(key!("stores-choose-franchisee"))))?;
    let name = text("name", &f.name, 200)
        .map_err(|_| WebError::invalid(t.msg(key!("stores-name-invalid"))))?;
    let receipt_header = receipt_text(t, "stores-receipt-header-too-long", &f.receipt_header)?;
    let receipt_footer = receipt_text(t, "stores-receipt-footer-too-long", &f.receipt_footer)?;
    let cash_tolerance = if f.cash_tolerance.trim().is_empty() {
        default_cash_tolerance()
    } else {
        tolerance(t, &f.cash_tolerance)?
    };
    let s = st
        .storage
        .create_store(&NewStore {
            franchisee_id,
            name,
            address: f.address.trim().to_string(),
            receipt_header,
            receipt_footer,
            cash_tolerance,
            time_zone: time_zone(t, &f.time_zone)?,
        })
        .await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&t.msg_with(key!("stores-store-created"), &[("name", &s.name)]))
    )))
}

/// A receipt header or footer typed in a text area: line ends normalised, at most 500 characters;
/// `too_long` is the message key of the error.
fn receipt_text(t: &Tr, too_long: &str, v: &str) -> Result<String, WebError> {
    let text = v.replace("\r\n", "\n").replace('\r', "\n");
    fields::receipt_text("receipt_text", &text)
        .map_err(|_| WebError::invalid(t.msg_with(too_long, &[("max", &fields::RECEIPT_TEXT_MAX)])))
}

/// The cash over/short tolerance as typed (`5`, `5,00`, `2.50`): not negative, at most 1.000,00 €.
fn tolerance(t: &Tr, v: &str) -> Result<Money, WebError> {
    let m = parse_price_t(t, &t.msg(key!("field-tolerance-name")), v)?;
    fields::cash_tolerance(m).map_err(|_| {
        WebError::invalid(t.msg_with(
            "stores-tolerance-too-high",
            &[(
                "max",
                &t.money(Money::from_cents(fields::MAX_CASH_TOLERANCE_CENTS)),
            )],
        ))
    })
}

/// `GET /dashboard/stores/{id}`: the store's settings; an edit form for HQ admins, read-only otherwise.
pub async fn show_store(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    if !v.sees_store(StoreId(id)) {
        return Err(WebError::not_found_t(t));
    }
    let s = st
        .storage
        .get_store(StoreId(id))
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    let owner = st.storage.get_franchisee(s.franchisee_id).await?;
    let dis = !v.can_write();
    let body = html! {
        p { a href="/dashboard/stores" { "← " (m("stores-title")) } }
        h1 { (t.msg_with(key!("stores-store-heading"), &[("id", &s.id), ("name", &s.name)])) }
        section class="card" id="store" {
            form method="post" action={ "/dashboard/stores/" (id) } {
                @if v.can_write() { (v.csrf_field()) }
                p {
                    (m("field-franchisee")) ": "
                    a href={ "/dashboard/franchisees/" (owner.id) } { (owner.legal_name) }
                    " (" (owner.nif) ")"
                }
                label { (m("field-name")) " " input name="name" required value=(s.name) disabled[dis]; }
                label { (m("field-address")) " " input name="address" value=(s.address) disabled[dis]; }
                label { (m("stores-receipt-header-long")) " "
                    textarea name="receipt_header" rows="3" disabled[dis] { (s.receipt_header) } }
                label { (m("field-receipt-footer")) " "
                    textarea name="receipt_footer" rows="3" disabled[dis] { (s.receipt_footer) } }
                label { (m("stores-cash-tolerance-long")) " "
                    input name="cash_tolerance" required inputmode="decimal"
                        value=(html::price_field(s.cash_tolerance)) disabled[dis]; }
                (time_zone_field(t, s.time_zone, dis))
                label { (m("stores-report-email")) " "
                    input type="email" name="report_email" id="report_email" autocomplete="email"
                        value=(s.report_email.as_deref().unwrap_or("")) disabled[dis]; }
                label class="check" {
                    input type="checkbox" name="single_manager" id="single_manager" value="1"
                        checked[s.single_manager] disabled[dis];
                    " " (m("stores-single-manager"))
                }
                @if v.can_write() {
                    p { button type="submit" { (m("save")) } " " (m("stores-store-save-help")) }
                } @else {
                    (html::muted(&m("stores-store-read-only")))
                }
            }
        }
    };
    Ok(ok(html::page(&v, "stores", &s.name, body)))
}

#[derive(Debug, Deserialize)]
pub struct StoreEditForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub receipt_header: String,
    #[serde(default)]
    pub receipt_footer: String,
    #[serde(default)]
    pub cash_tolerance: String,
    #[serde(default)]
    pub time_zone: String,
    /// The checkbox: present ("1") when ticked, absent when not.
    #[serde(default)]
    pub single_manager: Option<String>,
    /// Empty removes the address.
    #[serde(default)]
    pub report_email: String,
}

/// `POST /dashboard/stores/{id}` (HQ admin): saves the settings and writes the store's change for its tills.
pub async fn save_store(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<StoreEditForm>,
) -> WebResult {
    let t = v.t();
    let name = text("name", &f.name, 200)
        .map_err(|_| WebError::invalid(t.msg(key!("stores-name-invalid"))))?;
    if f.address.trim().chars().count() > 300 {
        return Err(WebError::invalid(t.msg(key!("stores-address-too-long"))));
    }
    let patch = rules::store_patch(&StorePatchIn {
        name: Some(name),
        address: Some(f.address.clone()),
        receipt_header: Some(receipt_text(
            t,
            "stores-receipt-header-too-long",
            &f.receipt_header,
        )?),
        receipt_footer: Some(receipt_text(
            t,
            "stores-receipt-footer-too-long",
            &f.receipt_footer,
        )?),
        cash_tolerance: Some(tolerance(t, &f.cash_tolerance)?),
        time_zone: Some(time_zone(t, &f.time_zone)?),
        single_manager: Some(f.single_manager.is_some()),
        report_email: Some(f.report_email.clone()),
    })?;
    let s = st.storage.update_store(StoreId(id), &patch).await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&t.msg_with(key!("stores-store-saved"), &[("name", &s.name)]))
    )))
}

/// `GET /dashboard/franchisees/{id}`: legal data; an edit form for HQ admins, read-only otherwise.
pub async fn show_franchisee(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let stores = visible_stores(&st, &v).await?;
    let own: Vec<_> = stores
        .iter()
        .filter(|s| s.franchisee_id == FranchiseeId(id))
        .collect();
    if v.scope().is_some() && own.is_empty() {
        return Err(WebError::not_found_t(t));
    }
    let f = st
        .storage
        .get_franchisee(FranchiseeId(id))
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    let dis = !v.can_write();
    let body = html! {
        p { a href="/dashboard/stores" { "← " (m("stores-title")) } }
        h1 { (t.msg_with(key!("stores-franchisee-heading"), &[("id", &id), ("name", &f.legal_name)])) }
        section class="card" id="franchisee" {
            form method="post" action={ "/dashboard/franchisees/" (id) } {
                @if v.can_write() { (v.csrf_field()) }
                label { (m("field-legal-name")) " " input name="legal_name" required value=(f.legal_name) disabled[dis]; }
                label { "NIF/CIF " input name="nif" required value=(f.nif) disabled[dis]; }
                label { (m("field-tax-address")) " " input name="address" value=(f.address) disabled[dis]; }
                @if v.can_write() {
                    p { button type="submit" { (m("save")) } " " (m("stores-franchisee-save-help")) }
                } @else {
                    (html::muted(&m("stores-franchisee-read-only")))
                }
            }
            h2 { (m("stores-title")) }
            ul {
                @for s in &own { li { a href={ "/dashboard/stores/" (s.id) } { (s.name) } } }
            }
            @if own.is_empty() { (html::muted(&m("stores-franchisee-no-stores"))) }
        }
    };
    Ok(ok(html::page(&v, "stores", &f.legal_name, body)))
}

/// `POST /dashboard/franchisees/{id}` (HQ admin): saves the legal data; every store of the franchisee
/// sends its tills the new receipt header.
pub async fn save_franchisee(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<FranchiseeForm>,
) -> WebResult {
    let t = v.t();
    let legal_name = text("legal_name", &f.legal_name, 200)
        .map_err(|_| WebError::invalid(t.msg(key!("stores-legal-name-invalid"))))?;
    let n = fields::nif(&f.nif)?;
    let patch = rules::franchisee_patch(&FranchiseePatchIn {
        legal_name: Some(legal_name),
        nif: Some(n),
        address: Some(f.address.clone()),
    })
    .map_err(|_| WebError::invalid(t.msg(key!("stores-domicile-too-long"))))?;
    let saved = st
        .storage
        .update_franchisee(FranchiseeId(id), &patch)
        .await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&t.msg_with(
            key!("stores-franchisee-saved"),
            &[("name", &saved.legal_name)]
        ))
    )))
}
