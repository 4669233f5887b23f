//! Franchisees and stores: legal data (NIF/CIF validated), addresses, receipt header and footer,
//! the cash over/short tolerance of each store. HQ admins create and edit; analysts read; store
//! managers see only their stores and the franchisees that own them, read-only.

use super::catalog::parse_price_t;
use super::html::{self, esc, url};
use super::overview::visible_stores;
use super::{Tr, Viewer, WebError, WebForm, WebPath, WebQuery, WebResult, ok, see_other};
use crate::http::AppState;
use crate::http::admin::{self, FranchiseePatchIn, StorePatchIn, text};
use crate::nif;
use crate::storage::{NewFranchisee, NewStore, default_cash_tolerance};
use axum::extract::State;
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
    let m = |k: &str| esc(&t.msg(k));
    let stores = visible_stores(&st, &v).await?;
    let owners: HashSet<FranchiseeId> = stores.iter().map(|s| s.franchisee_id).collect();
    let franchisees: Vec<_> = st
        .storage
        .list_franchisees()
        .await?
        .into_iter()
        .filter(|f| v.scope().is_none() || owners.contains(&f.id))
        .collect();
    let f_rows: String = franchisees
        .iter()
        .map(|f| {
            format!(
                "<tr data-franchisee=\"{}\"><td>{}</td><td><a href=\"/dashboard/franchisees/{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
                f.id,
                f.id,
                f.id,
                esc(&f.legal_name),
                esc(&f.nif),
                esc(&f.address)
            )
        })
        .collect();
    let s_rows: String = stores
        .iter()
        .map(|s| {
            let owner = franchisees
                .iter()
                .find(|f| f.id == s.franchisee_id)
                .map(|f| f.legal_name.as_str())
                .unwrap_or("");
            format!(
                "<tr data-store=\"{}\"><td>{}</td><td><a href=\"/dashboard/stores/{}\">{}</a></td><td>{}</td><td>{}</td>\
                 <td class=\"pre\">{}</td><td class=\"pre\">{}</td><td class=\"num\">{}</td></tr>",
                s.id,
                s.id,
                s.id,
                esc(&s.name),
                esc(owner),
                esc(&s.address),
                esc(&s.receipt_header),
                esc(&s.receipt_footer),
                t.money(s.cash_tolerance)
            )
        })
        .collect();
    let forms = if v.can_write() {
        let options: String = franchisees
            .iter()
            .map(|f| format!("<option value=\"{}\">{}</option>", f.id, esc(&f.legal_name)))
            .collect();
        format!(
            "<div class=\"grid\"><section class=\"card\"><h2>{h_new_f}</h2>\
             <form method=\"post\" action=\"/dashboard/franchisees\">{csrf}\
             <label>{l_legal} <input name=\"legal_name\" required></label>\
             <label>NIF/CIF <input name=\"nif\" required placeholder=\"B12345674\"></label>\
             <label>{l_tax_addr} <input name=\"address\"></label><p><button type=\"submit\">{create}</button></p></form></section>\
             <section class=\"card\"><h2>{h_new_s}</h2>\
             <form method=\"post\" action=\"/dashboard/stores\">{csrf}\
             <label>{l_franchisee} <select name=\"franchisee_id\">{options}</select></label>\
             <label>{l_name} <input name=\"name\" required></label>\
             <label>{l_address} <input name=\"address\"></label>\
             <label>{l_header} <textarea name=\"receipt_header\" rows=\"2\"></textarea></label>\
             <label>{l_footer} <textarea name=\"receipt_footer\" rows=\"2\"></textarea></label>\
             <label>{l_tol} <input name=\"cash_tolerance\" value=\"{tol}\" inputmode=\"decimal\"></label>\
             <p><button type=\"submit\">{create}</button></p></form></section></div>",
            csrf = v.csrf_field(),
            tol = html::price_field(default_cash_tolerance()),
            h_new_f = m("stores-new-franchisee"),
            h_new_s = m("stores-new-store"),
            l_legal = m("field-legal-name"),
            l_tax_addr = m("field-tax-address"),
            l_franchisee = m("field-franchisee"),
            l_name = m("field-name"),
            l_address = m("field-address"),
            l_header = m("field-receipt-header"),
            l_footer = m("field-receipt-footer"),
            l_tol = m("field-cash-tolerance"),
            create = m("create"),
        )
    } else {
        String::new()
    };
    let empty = |none: bool, key: &str| {
        if none {
            format!("<p class=\"muted\">{}</p>", m(key))
        } else {
            String::new()
        }
    };
    let body = format!(
        "<h1>{title}</h1>{done}\
         <section class=\"card\"><h2>{h_f}</h2><table id=\"franchisees\"><thead><tr><th>#</th><th>{c_legal}</th>\
         <th>NIF/CIF</th><th>{c_domicile}</th></tr></thead><tbody>{f_rows}</tbody></table>{f_empty}</section>\
         <section class=\"card\"><h2>{h_s}</h2><table id=\"stores\"><thead><tr><th>#</th><th>{c_store}</th><th>{c_franchisee}</th>\
         <th>{c_address}</th><th>{c_header}</th><th>{c_footer}</th><th>{c_tol}</th></tr></thead><tbody>{s_rows}</tbody></table>{s_empty}</section>{forms}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
        title = m("stores-heading"),
        h_f = m("stores-franchisees"),
        c_legal = m("field-legal-name"),
        c_domicile = m("col-domicile"),
        f_empty = empty(franchisees.is_empty(), "stores-no-franchisees"),
        h_s = m("stores-title"),
        c_store = m("col-store"),
        c_franchisee = m("field-franchisee"),
        c_address = m("field-address"),
        c_header = m("field-receipt-header"),
        c_footer = m("field-receipt-footer"),
        c_tol = m("col-cash-tolerance"),
        s_empty = empty(stores.is_empty(), "stores-no-stores"),
    );
    Ok(ok(html::page_t(
        &v,
        "stores",
        &t.msg("stores-title"),
        &body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct FranchiseeForm {
    #[serde(default)]
    pub csrf: String,
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
    v: Viewer,
    WebForm(f): WebForm<FranchiseeForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let legal_name = text("legal_name", &f.legal_name, 200)
        .map_err(|_| WebError::invalid(t.msg("stores-legal-name-invalid")))?;
    let n = checked_nif(t, &f.nif)?;
    if f.address.trim().chars().count() > 300 {
        return Err(WebError::invalid(t.msg("stores-domicile-too-long")));
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
    pub csrf: String,
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
}

/// `POST /dashboard/stores`.
pub async fn create_store(
    State(st): State<AppState>,
    v: Viewer,
    WebForm(f): WebForm<StoreForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let franchisee_id = f
        .franchisee_id
        .trim()
        .parse::<i64>()
        .map(FranchiseeId)
        .map_err(|_| WebError::invalid(t.msg("stores-choose-franchisee")))?;
    let name =
        text("name", &f.name, 200).map_err(|_| WebError::invalid(t.msg("stores-name-invalid")))?;
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
        })
        .await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&t.msg_with("stores-store-created", &[("name", &s.name)]))
    )))
}

/// A NIF/NIE/CIF as typed, normalised and checked.
fn checked_nif(t: &Tr, v: &str) -> Result<String, WebError> {
    let n = nif::normalise(v);
    nif::validate(&n).map_err(|e| {
        WebError::invalid(t.msg_with(
            "stores-nif-invalid",
            &[("value", &v.trim()), ("reason", &e)],
        ))
    })?;
    Ok(n)
}

/// A receipt header or footer typed in a text area: line ends normalised, at most 500 characters;
/// `too_long` is the message key of the error.
fn receipt_text(t: &Tr, too_long: &str, v: &str) -> Result<String, WebError> {
    let text = v.replace("\r\n", "\n").replace('\r', "\n");
    admin::receipt_text("receipt_text", &text)
        .map_err(|_| WebError::invalid(t.msg_with(too_long, &[("max", &admin::RECEIPT_TEXT_MAX)])))
}

/// The cash over/short tolerance as typed (`5`, `5,00`, `2.50`): not negative, at most 1.000,00 €.
fn tolerance(t: &Tr, v: &str) -> Result<Money, WebError> {
    let m = parse_price_t(t, &t.msg("field-tolerance-name"), v)?;
    admin::cash_tolerance(m).map_err(|_| {
        WebError::invalid(t.msg_with(
            "stores-tolerance-too-high",
            &[(
                "max",
                &t.money(Money::from_cents(admin::MAX_CASH_TOLERANCE_CENTS)),
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
    let m = |k: &str| esc(&t.msg(k));
    if !v.sees_store(StoreId(id)) {
        return Err(WebError::not_found_t(t));
    }
    let s = st
        .storage
        .get_store(StoreId(id))
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    let owner = st.storage.get_franchisee(s.franchisee_id).await?;
    let dis = if v.can_write() { "" } else { " disabled" };
    let form = format!(
        "<form method=\"post\" action=\"/dashboard/stores/{id}\">{csrf}\
         <p>{l_franchisee}: <a href=\"/dashboard/franchisees/{fid}\">{owner}</a> ({nif})</p>\
         <label>{l_name} <input name=\"name\" required value=\"{name}\"{dis}></label>\
         <label>{l_address} <input name=\"address\" value=\"{address}\"{dis}></label>\
         <label>{l_header} <textarea name=\"receipt_header\" rows=\"3\"{dis}>{header}</textarea></label>\
         <label>{l_footer} <textarea name=\"receipt_footer\" rows=\"3\"{dis}>{footer}</textarea></label>\
         <label>{l_tol} \
         <input name=\"cash_tolerance\" required inputmode=\"decimal\" value=\"{tol}\"{dis}></label>\
         {button}</form>",
        l_franchisee = m("field-franchisee"),
        l_name = m("field-name"),
        l_address = m("field-address"),
        l_header = m("stores-receipt-header-long"),
        l_footer = m("field-receipt-footer"),
        l_tol = m("stores-cash-tolerance-long"),
        csrf = if v.can_write() {
            v.csrf_field()
        } else {
            String::new()
        },
        fid = owner.id,
        owner = esc(&owner.legal_name),
        nif = esc(&owner.nif),
        name = esc(&s.name),
        address = esc(&s.address),
        header = esc(&s.receipt_header),
        footer = esc(&s.receipt_footer),
        tol = esc(&html::price_field(s.cash_tolerance)),
        button = if v.can_write() {
            format!(
                "<p><button type=\"submit\">{}</button> {}</p>",
                m("save"),
                m("stores-store-save-help")
            )
        } else {
            format!("<p class=\"muted\">{}</p>", m("stores-store-read-only"))
        },
    );
    let body = format!(
        "<p><a href=\"/dashboard/stores\">← {}</a></p><h1>{}</h1><section class=\"card\" id=\"store\">{form}</section>",
        m("stores-title"),
        esc(&t.msg_with("stores-store-heading", &[("id", &s.id), ("name", &s.name)])),
    );
    Ok(ok(html::page_t(&v, "stores", &s.name, &body)))
}

#[derive(Debug, Deserialize)]
pub struct StoreEditForm {
    #[serde(default)]
    pub csrf: String,
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
}

/// `POST /dashboard/stores/{id}` (HQ admin): saves the settings and writes the store's change for its tills.
pub async fn save_store(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebForm(f): WebForm<StoreEditForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let name =
        text("name", &f.name, 200).map_err(|_| WebError::invalid(t.msg("stores-name-invalid")))?;
    if f.address.trim().chars().count() > 300 {
        return Err(WebError::invalid(t.msg("stores-address-too-long")));
    }
    let patch = admin::store_patch(&StorePatchIn {
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
    })?;
    let s = st.storage.update_store(StoreId(id), &patch).await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&t.msg_with("stores-store-saved", &[("name", &s.name)]))
    )))
}

/// `GET /dashboard/franchisees/{id}`: legal data; an edit form for HQ admins, read-only otherwise.
pub async fn show_franchisee(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| esc(&t.msg(k));
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
    let dis = if v.can_write() { "" } else { " disabled" };
    let list: String = own
        .iter()
        .map(|s| {
            format!(
                "<li><a href=\"/dashboard/stores/{}\">{}</a></li>",
                s.id,
                esc(&s.name)
            )
        })
        .collect();
    let body = format!(
        "<p><a href=\"/dashboard/stores\">← {stores_t}</a></p><h1>{heading}</h1>\
         <section class=\"card\" id=\"franchisee\"><form method=\"post\" action=\"/dashboard/franchisees/{id}\">{csrf}\
         <label>{l_legal} <input name=\"legal_name\" required value=\"{ln}\"{dis}></label>\
         <label>NIF/CIF <input name=\"nif\" required value=\"{nif}\"{dis}></label>\
         <label>{l_addr} <input name=\"address\" value=\"{addr}\"{dis}></label>{button}</form>\
         <h2>{stores_t}</h2><ul>{list}</ul>{empty}</section>",
        stores_t = m("stores-title"),
        heading = esc(&t.msg_with(
            "stores-franchisee-heading",
            &[("id", &id), ("name", &f.legal_name)]
        )),
        l_legal = m("field-legal-name"),
        l_addr = m("field-tax-address"),
        empty = if own.is_empty() {
            format!(
                "<p class=\"muted\">{}</p>",
                m("stores-franchisee-no-stores")
            )
        } else {
            String::new()
        },
        csrf = if v.can_write() {
            v.csrf_field()
        } else {
            String::new()
        },
        ln = esc(&f.legal_name),
        nif = esc(&f.nif),
        addr = esc(&f.address),
        button = if v.can_write() {
            format!(
                "<p><button type=\"submit\">{}</button> {}</p>",
                m("save"),
                m("stores-franchisee-save-help")
            )
        } else {
            format!(
                "<p class=\"muted\">{}</p>",
                m("stores-franchisee-read-only")
            )
        },
    );
    Ok(ok(html::page_t(&v, "stores", &f.legal_name, &body)))
}

/// `POST /dashboard/franchisees/{id}` (HQ admin): saves the legal data; every store of the franchisee
/// sends its tills the new receipt header.
pub async fn save_franchisee(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebForm(f): WebForm<FranchiseeForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let legal_name = text("legal_name", &f.legal_name, 200)
        .map_err(|_| WebError::invalid(t.msg("stores-legal-name-invalid")))?;
    let n = checked_nif(t, &f.nif)?;
    let patch = admin::franchisee_patch(&FranchiseePatchIn {
        legal_name: Some(legal_name),
        nif: Some(n),
        address: Some(f.address.clone()),
    })
    .map_err(|_| WebError::invalid(t.msg("stores-domicile-too-long")))?;
    let saved = st
        .storage
        .update_franchisee(FranchiseeId(id), &patch)
        .await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&t.msg_with("stores-franchisee-saved", &[("name", &saved.legal_name)]))
    )))
}
