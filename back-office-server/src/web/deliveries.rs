//! Albaranes: HQ's delivery notes to the stores. Everyone signed in reads the notes of the stores
//! they see (a manager only their own; another store's note is "not found"); only HQ admins create
//! them. A note reaches its store's tills through the change log; the till's receipt against it
//! comes back in a push and marks it received, with the quantities received per line.

use super::html::{self, esc, url};
use super::overview::visible_stores;
use super::{Lang, Tr, Viewer, WebError, WebForm, WebPath, WebQuery, WebResult, ok, see_other};
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

/// The status as `t`'s language names it.
pub fn status_name(t: &Tr, s: DeliveryNoteStatus) -> String {
    t.msg(match s {
        DeliveryNoteStatus::Pending => "deliveries-status-pending",
        DeliveryNoteStatus::Received => "deliveries-status-received",
        DeliveryNoteStatus::ReceivedWithDifferences => "deliveries-status-differences",
    })
}

/// A line's problem in `t`'s language.
fn problem(t: &Tr, p: &LineProblem) -> String {
    match t.lang() {
        Lang::Es => p.es(),
        Lang::En => p.en(),
    }
}

fn status_badge(t: &Tr, s: DeliveryNoteStatus) -> String {
    let class = match s {
        DeliveryNoteStatus::Pending => "warn",
        DeliveryNoteStatus::Received => "ok",
        DeliveryNoteStatus::ReceivedWithDifferences => "bad",
    };
    format!(
        "<span class=\"badge {class}\" data-status=\"{}\">{}</span>",
        s.as_str(),
        esc(&status_name(t, s))
    )
}

fn qty(t: &Tr, q: Quantity) -> String {
    t.quantity(q.milli())
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
    let t = v.t();
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
                .map_err(|_| WebError::not_found_t(t))?;
            if !stores.contains_key(&id) {
                return Err(WebError::not_found_t(t));
            }
            Some(id)
        }
    };
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(DeliveryNoteStatus::parse(s).ok_or_else(|| {
            WebError::new(
                StatusCode::BAD_REQUEST,
                t.msg_with("deliveries-bad-status", &[("status", &s)]),
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
                date = t.day(n.expected_date),
                lines = n.lines.iter().filter(|l| !l.expected.is_zero()).count(),
                units = t.quantity(expected),
                status = status_badge(t, n.status),
            )
        })
        .collect();
    let empty = if notes.is_empty() {
        format!(
            "<p class=\"muted\" id=\"no-notes\">{}</p>",
            esc(&t.msg("deliveries-empty"))
        )
    } else {
        String::new()
    };
    let option = |value: &str, label: &str, selected: bool| {
        format!(
            "<option value=\"{}\"{}>{}</option>",
            esc(value),
            if selected { " selected" } else { "" },
            esc(label)
        )
    };
    let store_opts: String =
        std::iter::once(option("", &t.msg("deliveries-all-stores"), store.is_none()))
            .chain(
                stores
                    .iter()
                    .map(|(id, name)| option(&id.0.to_string(), name, store == Some(*id))),
            )
            .collect();
    let status_opts: String = std::iter::once(option(
        "",
        &t.msg("deliveries-all-statuses"),
        status.is_none(),
    ))
    .chain(
        [
            DeliveryNoteStatus::Pending,
            DeliveryNoteStatus::Received,
            DeliveryNoteStatus::ReceivedWithDifferences,
        ]
        .into_iter()
        .map(|s| option(s.as_str(), &status_name(t, s), status == Some(s))),
    )
    .collect();
    let m = |k: &str| esc(&t.msg(k));
    let filters = format!(
        "<form class=\"row\" method=\"get\" action=\"/dashboard/deliveries\">\
         <label>{l_store} <select name=\"store\" id=\"filter-store\">{store_opts}</select></label>\
         <label>{l_status} <select name=\"status\" id=\"filter-status\">{status_opts}</select></label>\
         <button type=\"submit\">{filter}</button></form>",
        l_store = m("deliveries-store"),
        l_status = m("deliveries-status"),
        filter = m("deliveries-filter"),
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
                "<div class=\"error\" role=\"alert\" id=\"note-errors\"><p>{}</p><ul>{items}</ul></div>",
                m("deliveries-nothing-saved")
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
            "<section class=\"card\"><h2>{new}</h2>{errors_html}\
             <form method=\"post\" action=\"/dashboard/deliveries\">{csrf}\
             <div class=\"row\"><label>{l_store} <select name=\"store_id\" id=\"note-store\">{store_choice}</select></label>\
             <label>{l_supplier} <input name=\"supplier\" id=\"note-supplier\" value=\"{supplier}\" required></label>\
             <label>{l_date} <input type=\"date\" name=\"expected_date\" id=\"note-date\" value=\"{date}\" required></label></div>\
             <label>{l_lines}\
             <textarea name=\"lines\" id=\"note-lines\" rows=\"8\" placeholder=\"ACE-1L ; 12&#10;8412345678905 ; 6\">{lines}</textarea></label>\
             <button type=\"submit\" id=\"note-save\">{create}</button></form></section>",
            new = m("deliveries-new"),
            l_store = m("deliveries-store"),
            l_supplier = m("deliveries-supplier"),
            l_date = m("deliveries-expected-date"),
            l_lines = m("deliveries-lines-label"),
            create = m("deliveries-create"),
            csrf = v.csrf_field(),
            supplier = esc(&form.supplier),
            date = esc(&form.expected_date),
            lines = esc(&form.lines),
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{title}</h1>{done}\
         <p class=\"muted\">{intro}</p>\
         <section class=\"card\">{filters}<table id=\"delivery-notes\"><thead><tr><th>{c_number}</th><th>{c_store}</th>\
         <th>{c_supplier}</th><th>{c_date}</th><th class=\"num\">{c_lines}</th><th class=\"num\">{c_units}</th><th>{c_status}</th></tr></thead>\
         <tbody>{rows}</tbody></table>{empty}</section>{create}",
        title = m("deliveries-title"),
        intro = m("deliveries-intro"),
        c_number = m("deliveries-col-number"),
        c_store = m("deliveries-store"),
        c_supplier = m("deliveries-col-supplier"),
        c_date = m("deliveries-expected-date"),
        c_lines = m("deliveries-col-lines"),
        c_units = m("deliveries-col-units"),
        c_status = m("deliveries-status"),
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        html::page_t(v, "deliveries", &t.msg("deliveries-title"), &body),
    )
        .into_response())
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
    let t = v.t();
    let mut errors: Vec<String> = Vec::new();
    let store = f.store_id.trim().parse::<i64>().ok().map(StoreId);
    let store = match store {
        Some(s) if st.storage.get_store(s).await.is_ok() => Some(s),
        _ => {
            errors.push(t.msg("deliveries-choose-store"));
            None
        }
    };
    let supplier = match api::supplier(&f.supplier) {
        Ok(s) => Some(s),
        Err(_) => {
            errors.push(t.msg("deliveries-supplier-missing"));
            None
        }
    };
    let date = api::parse_date(&f.expected_date);
    if date.is_none() {
        errors.push(t.msg_with("deliveries-bad-date", &[("value", &f.expected_date.trim())]));
    }
    let typed = typed_lines(&f.lines);
    if typed.is_empty() {
        errors.push(t.msg("deliveries-no-lines"));
    } else if typed.len() > api::MAX_LINES {
        errors.push(t.msg_with("deliveries-too-many", &[("max", &api::MAX_LINES)]));
    }
    let line_error = |n: usize, p: &LineProblem| {
        t.msg_with(
            "deliveries-line-error",
            &[("n", &n), ("problem", &problem(t, p))],
        )
    };
    let mut raw = Vec::new();
    let mut numbers = Vec::new();
    for (n, l) in &typed {
        match l {
            Ok(r) => {
                raw.push(r.clone());
                numbers.push(*n);
            }
            Err(p) => errors.push(line_error(*n, p)),
        }
    }
    let lines = match api::resolve_lines(st.storage.as_ref(), &raw).await? {
        Ok(lines) => lines,
        Err(problems) => {
            for (i, p) in problems {
                let n = numbers.get(i - 1).copied().unwrap_or(i);
                errors.push(line_error(n, &p));
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
        url(&t.msg_with("deliveries-created", &[("number", &note.number)]))
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
    let t = v.t();
    let note = match st.storage.deliveries().get_delivery_note(id).await {
        Ok(n) if v.sees_store(n.store_id) => n,
        Ok(_) | Err(crate::storage::StorageError::NotFound(_)) => {
            return Err(WebError::not_found_t(t));
        }
        Err(e) => return Err(e.into()),
    };
    let store = st
        .storage
        .get_store(note.store_id)
        .await
        .map(|s| s.name)
        .unwrap_or_else(|_| t.msg_with("deliveries-store-fallback", &[("id", &note.store_id)]));
    let received = note.status != DeliveryNoteStatus::Pending;
    let rows: String = note
        .lines
        .iter()
        .map(|l| {
            let (got, diff, class) = match l.difference() {
                None => ("—".to_string(), "—".to_string(), ""),
                Some(d) if d.is_zero() => (qty(t, l.received.unwrap_or_default()), "0".into(), ""),
                Some(d) => {
                    let sign = if d.is_negative() { "" } else { "+" };
                    (
                        qty(t, l.received.unwrap_or_default()),
                        format!("{sign}{}", qty(t, d)),
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
            let badge = |class: &str, key: &str| {
                format!("<span class=\"badge {class}\">{}</span>", esc(&t.msg(key)))
            };
            let note_text = match l.difference() {
                Some(_) if l.expected.is_zero() => badge("warn", "deliveries-not-on-note"),
                Some(d) if d.is_negative() => badge("bad", "deliveries-missing"),
                Some(d) if !d.is_zero() => badge("warn", "deliveries-over"),
                _ => String::new(),
            };
            format!(
                "<tr data-product=\"{pid}\"{class}><td>{sku}</td><td>{name}</td><td class=\"num\">{exp}</td>\
                 <td class=\"num\">{got}</td><td class=\"num\">{diff}</td><td>{note_text}</td></tr>",
                pid = l.product_id.0,
                sku = esc(&l.sku),
                name = esc(&l.name),
                exp = qty(t, l.expected),
            )
        })
        .collect();
    let received_html = match (received, note.received_at) {
        (true, Some(at)) => format!(
            "<p id=\"received\">{}</p>",
            esc(&t.msg_with(
                "deliveries-received-at",
                &[
                    ("at", &t.datetime(at)),
                    (
                        "till",
                        &note
                            .received_till_id
                            .map(|id| id.0.to_string())
                            .unwrap_or_default()
                    ),
                ],
            ))
        ),
        _ => format!(
            "<p class=\"muted\" id=\"received\">{}</p>",
            esc(&t.msg("deliveries-not-received"))
        ),
    };
    let m = |k: &str| esc(&t.msg(k));
    let body = format!(
        "<p><a href=\"/dashboard/deliveries\">← {list}</a></p><h1>{title} {badge}</h1>{done}\
         <section class=\"card\"><dl class=\"facts\"><dt>{l_store}</dt><dd id=\"note-store\">{store}</dd>\
         <dt>{l_supplier}</dt><dd>{supplier}</dd><dt>{l_date}</dt><dd>{date}</dd>\
         <dt>{l_by}</dt><dd>{by} · {created}</dd></dl>{received_html}</section>\
         <section class=\"card\"><h2>{h_lines}</h2><table id=\"note-lines\"><thead><tr><th>SKU</th><th>{c_product}</th>\
         <th class=\"num\">{c_expected}</th><th class=\"num\">{c_received}</th><th class=\"num\">{c_diff}</th><th></th></tr></thead>\
         <tbody>{rows}</tbody></table></section>",
        list = m("deliveries-title"),
        title = esc(&t.msg_with("deliveries-note-title", &[("number", &note.number)])),
        l_store = m("deliveries-store"),
        l_supplier = m("deliveries-supplier"),
        l_date = m("deliveries-expected-date"),
        l_by = m("deliveries-created-by"),
        h_lines = m("deliveries-expected-received"),
        c_product = m("deliveries-col-product"),
        c_expected = m("deliveries-col-expected"),
        c_received = m("deliveries-col-received"),
        c_diff = m("deliveries-col-difference"),
        badge = status_badge(t, note.status),
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
        store = esc(&store),
        supplier = esc(&note.supplier),
        date = t.day(note.expected_date),
        by = esc(&note.created_by),
        created = t.datetime(note.created_at),
    );
    Ok(ok(html::page_t(
        &v,
        "deliveries",
        &t.msg_with("deliveries-note-title", &[("number", &note.number)]),
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
