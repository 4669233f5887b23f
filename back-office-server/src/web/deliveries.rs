//! Albaranes: HQ's delivery notes to the stores. Everyone signed in reads the notes of the stores
//! they see (a manager only their own; another store's note is "not found"); only HQ admins create
//! them. A note reaches its store's tills through the change log; the till's receipt against it
//! comes back in a push and marks it received, with the quantities received per line.

use super::html::{self, esc, url};
use super::overview::visible_stores;
use super::{Viewer, WebError, WebForm, WebPath, WebQuery, WebResult, ok, see_other};
use crate::http::AppState;
use crate::http::delivery_notes::{self as api, LineProblem, RawLine};
use crate::storage::deliveries::{DeliveryFilter, DeliveryNote, NewDeliveryNote};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;
use serde::Deserialize;
use std::collections::BTreeMap;
use sync_protocol::{DeliveryNoteStatus, Quantity, StoreId};

pub fn status_name(s: DeliveryNoteStatus) -> &'static str {
    match s {
        DeliveryNoteStatus::Pending => "pendiente",
        DeliveryNoteStatus::Received => "recibido",
        DeliveryNoteStatus::ReceivedWithDifferences => "recibido con diferencias",
    }
}

fn status_badge(s: DeliveryNoteStatus) -> String {
    let class = match s {
        DeliveryNoteStatus::Pending => "warn",
        DeliveryNoteStatus::Received => "ok",
        DeliveryNoteStatus::ReceivedWithDifferences => "bad",
    };
    format!(
        "<span class=\"badge {class}\" data-status=\"{}\">{}</span>",
        s.as_str(),
        status_name(s)
    )
}

fn qty(q: Quantity) -> String {
    html::quantity(q.milli())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub store: Option<String>,
    pub status: Option<String>,
    pub done: Option<String>,
}

/// What the create form holds, to show it again with the errors.
#[derive(Debug, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub store_id: String,
    #[serde(default)]
    pub supplier: String,
    #[serde(default)]
    pub expected_date: String,
    /// One line per product: `SKU or barcode ; quantity`.
    #[serde(default)]
    pub lines: String,
}

/// `GET /dashboard/deliveries`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ListQuery>,
) -> WebResult {
    page(&st, &v, &q, &NoteForm::default(), &[]).await
}

async fn page(
    st: &AppState,
    v: &Viewer,
    q: &ListQuery,
    form: &NoteForm,
    errors: &[String],
) -> WebResult {
    let stores: BTreeMap<StoreId, String> = visible_stores(st, v)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let store = match q.store.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let id = s
                .parse::<i64>()
                .map(StoreId)
                .map_err(|_| WebError::not_found())?;
            if !stores.contains_key(&id) {
                return Err(WebError::not_found());
            }
            Some(id)
        }
    };
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(DeliveryNoteStatus::parse(s).ok_or_else(|| {
            WebError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "Estado «{s}» desconocido: pendiente, recibido o recibido con diferencias."
                ),
            )
        })?),
    };
    let notes: Vec<DeliveryNote> = st
        .storage
        .deliveries()
        .list_delivery_notes(&DeliveryFilter {
            store_id: store,
            status,
        })
        .await?
        .into_iter()
        .filter(|n| v.sees_store(n.store_id))
        .collect();

    let rows: String = notes
        .iter()
        .map(|n| {
            let expected: i64 = n.lines.iter().map(|l| l.expected.milli()).sum();
            format!(
                "<tr data-note=\"{number}\"><td><a href=\"/dashboard/deliveries/{id}\">{number}</a></td><td>{store}</td>\
                 <td>{supplier}</td><td>{date}</td><td class=\"num\">{lines}</td><td class=\"num\">{units}</td><td>{status}</td></tr>",
                id = n.id,
                number = esc(&n.number),
                store = esc(stores.get(&n.store_id).map(String::as_str).unwrap_or("?")),
                supplier = esc(&n.supplier),
                date = html::day(n.expected_date),
                lines = n.lines.iter().filter(|l| !l.expected.is_zero()).count(),
                units = html::quantity(expected),
                status = status_badge(n.status),
            )
        })
        .collect();
    let empty = if notes.is_empty() {
        "<p class=\"muted\" id=\"no-notes\">No hay albaranes con estos filtros.</p>"
    } else {
        ""
    };
    let option = |value: &str, label: &str, selected: bool| {
        format!(
            "<option value=\"{}\"{}>{}</option>",
            esc(value),
            if selected { " selected" } else { "" },
            esc(label)
        )
    };
    let store_opts: String = std::iter::once(option("", "Todas", store.is_none()))
        .chain(
            stores
                .iter()
                .map(|(id, name)| option(&id.0.to_string(), name, store == Some(*id))),
        )
        .collect();
    let status_opts: String = std::iter::once(option("", "Todos", status.is_none()))
        .chain(
            [
                DeliveryNoteStatus::Pending,
                DeliveryNoteStatus::Received,
                DeliveryNoteStatus::ReceivedWithDifferences,
            ]
            .into_iter()
            .map(|s| option(s.as_str(), status_name(s), status == Some(s))),
        )
        .collect();
    let filters = format!(
        "<form class=\"row\" method=\"get\" action=\"/dashboard/deliveries\">\
         <label>Tienda <select name=\"store\" id=\"filter-store\">{store_opts}</select></label>\
         <label>Estado <select name=\"status\" id=\"filter-status\">{status_opts}</select></label>\
         <button type=\"submit\">Filtrar</button></form>"
    );
    let create = if v.can_write() {
        let errors_html = if errors.is_empty() {
            String::new()
        } else {
            let items: String = errors
                .iter()
                .map(|e| format!("<li>{}</li>", esc(e)))
                .collect();
            format!(
                "<div class=\"error\" role=\"alert\" id=\"note-errors\"><p>No se ha guardado nada:</p><ul>{items}</ul></div>"
            )
        };
        let store_choice: String = stores
            .iter()
            .map(|(id, name)| {
                option(
                    &id.0.to_string(),
                    name,
                    form.store_id.trim() == id.0.to_string(),
                )
            })
            .collect();
        format!(
            "<section class=\"card\"><h2>Nuevo albarán</h2>{errors_html}\
             <form method=\"post\" action=\"/dashboard/deliveries\">{csrf}\
             <div class=\"row\"><label>Tienda <select name=\"store_id\" id=\"note-store\">{store_choice}</select></label>\
             <label>Proveedor u origen <input name=\"supplier\" id=\"note-supplier\" value=\"{supplier}\" required></label>\
             <label>Fecha prevista <input type=\"date\" name=\"expected_date\" id=\"note-date\" value=\"{date}\" required></label></div>\
             <label>Líneas: una por producto, «SKU o código de barras ; cantidad»\
             <textarea name=\"lines\" id=\"note-lines\" rows=\"8\" placeholder=\"ACE-1L ; 12&#10;8412345678905 ; 6\">{lines}</textarea></label>\
             <button type=\"submit\" id=\"note-save\">Crear albarán</button></form></section>",
            csrf = v.csrf_field(),
            supplier = esc(&form.supplier),
            date = esc(&form.expected_date),
            lines = esc(&form.lines),
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Albaranes</h1>{done}\
         <p class=\"muted\">Mercancía enviada a las tiendas. Cada albarán llega a las cajas de su tienda en la próxima \
         sincronización; el encargado lo recibe escaneando y aquí se ve lo esperado frente a lo recibido.</p>\
         <section class=\"card\">{filters}<table id=\"delivery-notes\"><thead><tr><th>Número</th><th>Tienda</th>\
         <th>Proveedor</th><th>Fecha prevista</th><th class=\"num\">Líneas</th><th class=\"num\">Unidades</th><th>Estado</th></tr></thead>\
         <tbody>{rows}</tbody></table>{empty}</section>{create}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html::page(v, "deliveries", "Albaranes", &body)).into_response())
}

/// Splits the textarea into lines `SKU or barcode ; quantity` (blank lines skipped), keeping the
/// number of each line as typed for the messages.
fn typed_lines(text: &str) -> Vec<(usize, Result<RawLine, LineProblem>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let parsed = match l.split_once(';') {
                Some((code, q)) if !code.trim().is_empty() => Ok(RawLine {
                    product_id: None,
                    code: Some(code.trim().to_string()),
                    quantity: q.trim().to_string(),
                }),
                _ => Err(LineProblem::Malformed(l.trim().to_string())),
            };
            (i + 1, parsed)
        })
        .collect()
}

/// `POST /dashboard/deliveries`: every line is checked; any bad line shows the form again with the
/// wrong lines listed, and nothing is saved.
pub async fn create(
    State(st): State<AppState>,
    v: Viewer,
    WebForm(f): WebForm<NoteForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let mut errors: Vec<String> = Vec::new();
    let store = f.store_id.trim().parse::<i64>().ok().map(StoreId);
    let store = match store {
        Some(s) if st.storage.get_store(s).await.is_ok() => Some(s),
        _ => {
            errors.push("Elige una tienda que exista.".into());
            None
        }
    };
    let supplier = match api::supplier(&f.supplier) {
        Ok(s) => Some(s),
        Err(_) => {
            errors.push("Indica el proveedor u origen (hasta 200 caracteres).".into());
            None
        }
    };
    let date = api::parse_date(&f.expected_date);
    if date.is_none() {
        errors.push(format!(
            "La fecha prevista «{}» no es una fecha válida.",
            f.expected_date.trim()
        ));
    }
    let typed = typed_lines(&f.lines);
    if typed.is_empty() {
        errors.push("Añade al menos una línea «SKU o código ; cantidad».".into());
    } else if typed.len() > api::MAX_LINES {
        errors.push(format!("Como mucho {} líneas por albarán.", api::MAX_LINES));
    }
    let mut raw = Vec::new();
    let mut numbers = Vec::new();
    for (n, l) in &typed {
        match l {
            Ok(r) => {
                raw.push(r.clone());
                numbers.push(*n);
            }
            Err(p) => errors.push(format!("Línea {n}: {}", p.es())),
        }
    }
    let lines = match api::resolve_lines(st.storage.as_ref(), &raw).await? {
        Ok(lines) => lines,
        Err(problems) => {
            for (i, p) in problems {
                let n = numbers.get(i - 1).copied().unwrap_or(i);
                errors.push(format!("Línea {n}: {}", p.es()));
            }
            Vec::new()
        }
    };
    let (Some(store), Some(supplier), Some(expected_date), true) =
        (store, supplier, date, errors.is_empty())
    else {
        return page(&st, &v, &ListQuery::default(), &f, &errors).await;
    };
    let note = st
        .storage
        .deliveries()
        .create_delivery_note(
            &NewDeliveryNote {
                store_id: store,
                supplier,
                expected_date,
                lines,
                created_by: v.user.display_name.clone(),
            },
            Utc::now(),
        )
        .await?;
    Ok(see_other(&format!(
        "/dashboard/deliveries/{}?done={}",
        note.id,
        url(&format!(
            "Albarán {} creado; las cajas de la tienda lo recibirán en su próxima sincronización",
            note.number
        ))
    )))
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// `GET /dashboard/deliveries/{id}`: expected against received per line, with the differences.
pub async fn show(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let note = match st.storage.deliveries().get_delivery_note(id).await {
        Ok(n) if v.sees_store(n.store_id) => n,
        Ok(_) | Err(crate::storage::StorageError::NotFound(_)) => {
            return Err(WebError::not_found());
        }
        Err(e) => return Err(e.into()),
    };
    let store = st
        .storage
        .get_store(note.store_id)
        .await
        .map(|s| s.name)
        .unwrap_or_else(|_| format!("tienda {}", note.store_id));
    let received = note.status != DeliveryNoteStatus::Pending;
    let rows: String = note
        .lines
        .iter()
        .map(|l| {
            let (got, diff, class) = match l.difference() {
                None => ("—".to_string(), "—".to_string(), ""),
                Some(d) if d.is_zero() => (qty(l.received.unwrap_or_default()), "0".into(), ""),
                Some(d) => {
                    let sign = if d.is_negative() { "" } else { "+" };
                    (
                        qty(l.received.unwrap_or_default()),
                        format!("{sign}{}", qty(d)),
                        if l.expected.is_zero() {
                            " class=\"extra\""
                        } else if d.is_negative() {
                            " class=\"missing\""
                        } else {
                            " class=\"over\""
                        },
                    )
                }
            };
            let note_text = match l.difference() {
                Some(_) if l.expected.is_zero() => "<span class=\"badge warn\">fuera de albarán</span>",
                Some(d) if d.is_negative() => "<span class=\"badge bad\">falta</span>",
                Some(d) if !d.is_zero() => "<span class=\"badge warn\">sobra</span>",
                _ => "",
            };
            format!(
                "<tr data-product=\"{pid}\"{class}><td>{sku}</td><td>{name}</td><td class=\"num\">{exp}</td>\
                 <td class=\"num\">{got}</td><td class=\"num\">{diff}</td><td>{note_text}</td></tr>",
                pid = l.product_id.0,
                sku = esc(&l.sku),
                name = esc(&l.name),
                exp = qty(l.expected),
            )
        })
        .collect();
    let received_html = match (received, note.received_at) {
        (true, Some(at)) => format!(
            "<p id=\"received\">Recibido el {} en la caja {}.</p>",
            html::madrid(at),
            note.received_till_id
                .map(|t| t.0.to_string())
                .unwrap_or_default()
        ),
        _ => "<p class=\"muted\" id=\"received\">Aún no se ha recibido en la tienda.</p>".into(),
    };
    let body = format!(
        "<p><a href=\"/dashboard/deliveries\">← Albaranes</a></p><h1>Albarán {number} {badge}</h1>{done}\
         <section class=\"card\"><dl class=\"facts\"><dt>Tienda</dt><dd id=\"note-store\">{store}</dd>\
         <dt>Proveedor u origen</dt><dd>{supplier}</dd><dt>Fecha prevista</dt><dd>{date}</dd>\
         <dt>Creado por</dt><dd>{by} · {created}</dd></dl>{received_html}</section>\
         <section class=\"card\"><h2>Esperado y recibido</h2><table id=\"note-lines\"><thead><tr><th>SKU</th><th>Producto</th>\
         <th class=\"num\">Esperado</th><th class=\"num\">Recibido</th><th class=\"num\">Diferencia</th><th></th></tr></thead>\
         <tbody>{rows}</tbody></table></section>",
        number = esc(&note.number),
        badge = status_badge(note.status),
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
        store = esc(&store),
        supplier = esc(&note.supplier),
        date = html::day(note.expected_date),
        by = esc(&note.created_by),
        created = html::madrid(note.created_at),
    );
    Ok(ok(html::page(
        &v,
        "deliveries",
        &format!("Albarán {}", note.number),
        &body,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_lines_keep_their_numbers() {
        let t = typed_lines("ACE ; 12\n\n  8412345678905;6 \nsin punto y coma\n;3");
        assert_eq!(t.len(), 4);
        assert_eq!(t[0].0, 1);
        assert_eq!(
            t[0].1,
            Ok(RawLine {
                product_id: None,
                code: Some("ACE".into()),
                quantity: "12".into()
            })
        );
        assert_eq!(t[1].0, 3);
        assert_eq!(t[2].0, 4);
        assert!(matches!(t[2].1, Err(LineProblem::Malformed(_))));
        assert!(matches!(t[3].1, Err(LineProblem::Malformed(_))));
    }
}
