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
                    StaffRole::Manager => "encargado",
                    StaffRole::Cashier => "cajero",
                },
                esc(store),
                if s.active { "activo" } else { "baja" }
            )
        })
        .collect();
    let form = if v.can_write() {
        let options: String = stores
            .iter()
            .map(|s| format!("<option value=\"{}\">{}</option>", s.id, esc(&s.name)))
            .collect();
        format!(
            "<section class=\"card\"><h2>Nueva persona</h2><form class=\"row\" method=\"post\" action=\"/dashboard/staff\">{}\
             <label>Nombre <input name=\"name\" required></label>\
             <label>Rol <select name=\"role\"><option value=\"cashier\">cajero</option><option value=\"manager\">encargado</option></select></label>\
             <label>Tienda <select name=\"store_id\">{options}</select></label>\
             <label>PIN (4–8 cifras) <input name=\"pin\" inputmode=\"numeric\" required></label>\
             <button type=\"submit\">Crear</button></form></section>",
            v.csrf_field()
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Personal</h1>{done}<section class=\"card\"><table id=\"staff\"><thead><tr><th>Nombre</th><th>Rol</th>\
         <th>Tienda</th><th>Estado</th></tr></thead><tbody>{rows}</tbody></table></section>{form}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
    );
    Ok(ok(html::page(&v, "staff", "Personal", &body)))
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
    let name = text("name", &f.name, 200)
        .map_err(|_| WebError::invalid("Falta el nombre (máximo 200 caracteres)."))?;
    let role = match f.role.as_str() {
        "cashier" => StaffRole::Cashier,
        "manager" => StaffRole::Manager,
        _ => return Err(WebError::invalid("Elige el rol: cajero o encargado.")),
    };
    let store_id = f
        .store_id
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::invalid("Elige la tienda."))?;
    if crate::auth::validate_pin(f.pin.trim()).is_err() {
        return Err(WebError::invalid("El PIN debe tener de 4 a 8 cifras."));
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
        url(&format!("Alta de {} guardada", s.name))
    )))
}
