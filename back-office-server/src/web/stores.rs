//! Franchisees and stores: legal data (NIF/CIF validated), addresses, receipt header and footer,
//! the cash over/short tolerance of each store. HQ admins create and edit; analysts read; store
//! managers see only their stores and the franchisees that own them, read-only.

use super::catalog::parse_price;
use super::html::{self, esc, url};
use super::overview::visible_stores;
use super::{Viewer, WebError, WebForm, WebPath, WebQuery, WebResult, ok, see_other};
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
                html::money(s.cash_tolerance)
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
             <label>Cabecera del ticket <textarea name=\"receipt_header\" rows=\"2\"></textarea></label>\
             <label>Pie del ticket <textarea name=\"receipt_footer\" rows=\"2\"></textarea></label>\
             <label>Margen de descuadre de caja (€) <input name=\"cash_tolerance\" value=\"{tol}\" inputmode=\"decimal\"></label>\
             <p><button type=\"submit\">Crear</button></p></form></section></div>",
            csrf = v.csrf_field(),
            tol = html::price_field(default_cash_tolerance()),
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Franquiciados y tiendas</h1>{done}\
         <section class=\"card\"><h2>Franquiciados</h2><table id=\"franchisees\"><thead><tr><th>#</th><th>Razón social</th>\
         <th>NIF/CIF</th><th>Domicilio</th></tr></thead><tbody>{f_rows}</tbody></table></section>\
         <section class=\"card\"><h2>Tiendas</h2><table id=\"stores\"><thead><tr><th>#</th><th>Tienda</th><th>Franquiciado</th>\
         <th>Dirección</th><th>Cabecera del ticket</th><th>Pie del ticket</th><th>Margen de descuadre</th></tr></thead><tbody>{s_rows}</tbody></table></section>{forms}",
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
    let n = checked_nif(&f.nif)?;
    if f.address.trim().chars().count() > 300 {
        return Err(WebError::invalid(
            "El domicilio admite como mucho 300 caracteres.",
        ));
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
    let franchisee_id = f
        .franchisee_id
        .trim()
        .parse::<i64>()
        .map(FranchiseeId)
        .map_err(|_| WebError::invalid("Elige el franquiciado de la tienda."))?;
    let name = text("name", &f.name, 200)
        .map_err(|_| WebError::invalid("Falta el nombre de la tienda (máximo 200 caracteres)."))?;
    let receipt_header = receipt_text("La cabecera del ticket", &f.receipt_header)?;
    let receipt_footer = receipt_text("El pie del ticket", &f.receipt_footer)?;
    let cash_tolerance = if f.cash_tolerance.trim().is_empty() {
        default_cash_tolerance()
    } else {
        tolerance(&f.cash_tolerance)?
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
        url(&format!("Tienda creada: {}", s.name))
    )))
}

/// A NIF/NIE/CIF as typed, normalised and checked.
fn checked_nif(v: &str) -> Result<String, WebError> {
    let n = nif::normalise(v);
    nif::validate(&n)
        .map_err(|e| WebError::invalid(format!("NIF/CIF «{}» no válido: {e}", v.trim())))?;
    Ok(n)
}

/// A receipt header or footer typed in a text area: line ends normalised, at most 500 characters.
fn receipt_text(what: &str, v: &str) -> Result<String, WebError> {
    let t = v.replace("\r\n", "\n").replace('\r', "\n");
    admin::receipt_text("receipt_text", &t).map_err(|_| {
        WebError::invalid(format!(
            "{what} admite como mucho {} caracteres.",
            admin::RECEIPT_TEXT_MAX
        ))
    })
}

/// The cash over/short tolerance as typed (`5`, `5,00`, `2.50`): not negative, at most 1.000,00 €.
fn tolerance(v: &str) -> Result<Money, WebError> {
    let m = parse_price("margen de descuadre", v)?;
    admin::cash_tolerance(m).map_err(|_| {
        WebError::invalid(format!(
            "El margen de descuadre no puede pasar de {}.",
            html::money(Money::from_cents(admin::MAX_CASH_TOLERANCE_CENTS))
        ))
    })
}

/// `GET /dashboard/stores/{id}`: the store's settings; an edit form for HQ admins, read-only otherwise.
pub async fn show_store(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
) -> WebResult {
    if !v.sees_store(StoreId(id)) {
        return Err(WebError::not_found());
    }
    let s = st
        .storage
        .get_store(StoreId(id))
        .await
        .map_err(|_| WebError::not_found())?;
    let owner = st.storage.get_franchisee(s.franchisee_id).await?;
    let dis = if v.can_write() { "" } else { " disabled" };
    let form = format!(
        "<form method=\"post\" action=\"/dashboard/stores/{id}\">{csrf}\
         <p>Franquiciado: <a href=\"/dashboard/franchisees/{fid}\">{owner}</a> ({nif})</p>\
         <label>Nombre <input name=\"name\" required value=\"{name}\"{dis}></label>\
         <label>Dirección <input name=\"address\" value=\"{address}\"{dis}></label>\
         <label>Cabecera del ticket (bajo los datos fiscales) <textarea name=\"receipt_header\" rows=\"3\"{dis}>{header}</textarea></label>\
         <label>Pie del ticket <textarea name=\"receipt_footer\" rows=\"3\"{dis}>{footer}</textarea></label>\
         <label>Margen de descuadre de caja (€): por encima, el cierre Z necesita la aprobación de un encargado \
         <input name=\"cash_tolerance\" required inputmode=\"decimal\" value=\"{tol}\"{dis}></label>\
         {button}</form>",
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
            "<p><button type=\"submit\">Guardar</button> Las cajas de la tienda reciben el cambio en su próxima sincronización.</p>"
        } else {
            "<p class=\"muted\">Solo lectura: los datos de la tienda los cambia la central.</p>"
        },
    );
    let body = format!(
        "<p><a href=\"/dashboard/stores\">← Tiendas</a></p><h1>Tienda {}: {}</h1><section class=\"card\" id=\"store\">{form}</section>",
        s.id,
        esc(&s.name)
    );
    Ok(ok(html::page(&v, "stores", &s.name, &body)))
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
    let name = text("name", &f.name, 200)
        .map_err(|_| WebError::invalid("Falta el nombre de la tienda (máximo 200 caracteres)."))?;
    if f.address.trim().chars().count() > 300 {
        return Err(WebError::invalid(
            "La dirección admite como mucho 300 caracteres.",
        ));
    }
    let patch = admin::store_patch(&StorePatchIn {
        name: Some(name),
        address: Some(f.address.clone()),
        receipt_header: Some(receipt_text("La cabecera del ticket", &f.receipt_header)?),
        receipt_footer: Some(receipt_text("El pie del ticket", &f.receipt_footer)?),
        cash_tolerance: Some(tolerance(&f.cash_tolerance)?),
    })?;
    let s = st.storage.update_store(StoreId(id), &patch).await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&format!("Tienda guardada: {}", s.name))
    )))
}

/// `GET /dashboard/franchisees/{id}`: legal data; an edit form for HQ admins, read-only otherwise.
pub async fn show_franchisee(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
) -> WebResult {
    let stores = visible_stores(&st, &v).await?;
    let own: Vec<_> = stores
        .iter()
        .filter(|s| s.franchisee_id == FranchiseeId(id))
        .collect();
    if v.scope().is_some() && own.is_empty() {
        return Err(WebError::not_found());
    }
    let f = st
        .storage
        .get_franchisee(FranchiseeId(id))
        .await
        .map_err(|_| WebError::not_found())?;
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
        "<p><a href=\"/dashboard/stores\">← Tiendas</a></p><h1>Franquiciado {id}: {ln}</h1>\
         <section class=\"card\" id=\"franchisee\"><form method=\"post\" action=\"/dashboard/franchisees/{id}\">{csrf}\
         <label>Razón social <input name=\"legal_name\" required value=\"{ln}\"{dis}></label>\
         <label>NIF/CIF <input name=\"nif\" required value=\"{nif}\"{dis}></label>\
         <label>Domicilio fiscal <input name=\"address\" value=\"{addr}\"{dis}></label>{button}</form>\
         <h2>Tiendas</h2><ul>{list}</ul></section>",
        csrf = if v.can_write() {
            v.csrf_field()
        } else {
            String::new()
        },
        ln = esc(&f.legal_name),
        nif = esc(&f.nif),
        addr = esc(&f.address),
        button = if v.can_write() {
            "<p><button type=\"submit\">Guardar</button> Los tickets de todas sus tiendas llevarán los datos nuevos.</p>"
        } else {
            "<p class=\"muted\">Solo lectura: los datos fiscales los cambia la central.</p>"
        },
    );
    Ok(ok(html::page(&v, "stores", &f.legal_name, &body)))
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
    let legal_name = text("legal_name", &f.legal_name, 200)
        .map_err(|_| WebError::invalid("Falta la razón social (máximo 200 caracteres)."))?;
    let n = checked_nif(&f.nif)?;
    let patch = admin::franchisee_patch(&FranchiseePatchIn {
        legal_name: Some(legal_name),
        nif: Some(n),
        address: Some(f.address.clone()),
    })
    .map_err(|_| WebError::invalid("El domicilio admite como mucho 300 caracteres."))?;
    let saved = st
        .storage
        .update_franchisee(FranchiseeId(id), &patch)
        .await?;
    Ok(see_other(&format!(
        "/dashboard/stores?done={}",
        url(&format!("Franquiciado guardado: {}", saved.legal_name))
    )))
}
