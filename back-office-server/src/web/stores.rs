//! Franchisees and stores: legal data (NIF/CIF validated), addresses, receipt footer.
//! Store managers see only their stores and the franchisees that own them.

use super::html::{self, esc, url};
use super::overview::visible_stores;
use super::{Viewer, WebError, WebForm, WebQuery, WebResult, ok, see_other};
use crate::http::AppState;
use crate::http::admin::text;
use crate::nif;
use crate::storage::{NewFranchisee, NewStore};
use axum::extract::State;
use serde::Deserialize;
use std::collections::HashSet;
use sync_protocol::FranchiseeId;

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
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
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
                "<tr data-store=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                s.id,
                s.id,
                esc(&s.name),
                esc(owner),
                esc(&s.address),
                esc(&s.receipt_footer)
            )
        })
        .collect();
    let forms = if v.can_write() {
        let options: String = franchisees
            .iter()
            .map(|f| format!("<option value=\"{}\">{}</option>", f.id, esc(&f.legal_name)))
            .collect();
        format!(
            "<div class=\"grid\"><section class=\"card\"><h2>Nuevo franquiciado</h2>\
             <form method=\"post\" action=\"/dashboard/franchisees\">{csrf}\
             <label>Razón social <input name=\"legal_name\" required></label>\
             <label>NIF/CIF <input name=\"nif\" required placeholder=\"B12345674\"></label>\
             <label>Domicilio fiscal <input name=\"address\"></label><p><button type=\"submit\">Crear</button></p></form></section>\
             <section class=\"card\"><h2>Nueva tienda</h2>\
             <form method=\"post\" action=\"/dashboard/stores\">{csrf}\
             <label>Franquiciado <select name=\"franchisee_id\">{options}</select></label>\
             <label>Nombre <input name=\"name\" required></label>\
             <label>Dirección <input name=\"address\"></label>\
             <label>Pie del ticket <input name=\"receipt_footer\"></label>\
             <p><button type=\"submit\">Crear</button></p></form></section></div>",
            csrf = v.csrf_field()
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Franquiciados y tiendas</h1>{done}\
         <section class=\"card\"><h2>Franquiciados</h2><table id=\"franchisees\"><thead><tr><th>#</th><th>Razón social</th>\
         <th>NIF/CIF</th><th>Domicilio</th></tr></thead><tbody>{f_rows}</tbody></table></section>\
         <section class=\"card\"><h2>Tiendas</h2><table id=\"stores\"><thead><tr><th>#</th><th>Tienda</th><th>Franquiciado</th>\
         <th>Dirección</th><th>Pie del ticket</th></tr></thead><tbody>{s_rows}</tbody></table></section>{forms}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
    );
    Ok(ok(html::page(&v, "stores", "Tiendas", &body)))
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
    let legal_name = text("legal_name", &f.legal_name, 200)
        .map_err(|_| WebError::invalid("Falta la razón social (máximo 200 caracteres)."))?;
    let n = nif::normalise(&f.nif);
    nif::validate(&n)
        .map_err(|e| WebError::invalid(format!("NIF/CIF «{}» no válido: {e}", f.nif.trim())))?;
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
        url(&format!("Franquiciado creado: {}", created.legal_name))
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
    pub receipt_footer: String,
}

/// `POST /dashboard/stores`.
pub async fn create_store(
    State(st): State<AppState>,
    v: Viewer,
    WebForm(f): WebForm<StoreForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let franchisee_id = f
        .franchisee_id
        .trim()
        .parse::<i64>()
        .map(FranchiseeId)
        .map_err(|_| WebError::invalid("Elige el franquiciado de la tienda."))?;
    let name = text("name", &f.name, 200)
        .map_err(|_| WebError::invalid("Falta el nombre de la tienda (máximo 200 caracteres)."))?;
    if f.receipt_footer.chars().count() > 500 {
        return Err(WebError::invalid(
            "El pie del ticket admite como mucho 500 caracteres.",
        ));
    }
    let s = st
        .storage
        .create_store(&NewStore {
            franchisee_id,
            name,
            address: f.address.trim().to_string(),
            receipt_footer: f.receipt_footer.trim().to_string(),
        })
        .await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&format!("Tienda creada: {}", s.name))
    )))
}
