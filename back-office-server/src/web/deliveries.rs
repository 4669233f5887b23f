//! Albaranes: HQ's delivery notes to the stores. Everyone signed in reads the notes of the stores
//! they see (a manager only their own; another store's note is "not found"); only HQ admins create
//! them. A note reaches its store's tills through the change log; the till's receipt against it
//! comes back in a push and marks it received, with the quantities received per line.

use super::html::{self, url};
use super::overview::visible_stores;
use super::{Lang, Tr, Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::deliveries::{self as api, LineProblem, RawLine};
use crate::storage::deliveries::{DeliveryFilter, DeliveryNote, NewDeliveryNote};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;
use maud::{Markup, html};
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
pub fn problem(t: &Tr, p: &LineProblem) -> String {
    match t.lang() {
        Lang::Es => p.es(),
        Lang::En => p.en(),
    }
}

fn status_badge(t: &Tr, s: DeliveryNoteStatus) -> Markup {
    let class = match s {
        DeliveryNoteStatus::Pending => "warn",
        DeliveryNoteStatus::Received => "ok",
        DeliveryNoteStatus::ReceivedWithDifferences => "bad",
    };
    html! { span class={ "badge " (class) } data-status=(s.as_str()) { (status_name(t, s)) } }
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
                t.msg_with(key!("deliveries-bad-status"), &[("status", &s)]),
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

    let m = |k: &str| t.msg(k);
    let option = |value: &str, label: &str, selected: bool| {
        html! { option value=(value) selected[selected] { (label) } }
    };
    let statuses = [
        DeliveryNoteStatus::Pending,
        DeliveryNoteStatus::Received,
        DeliveryNoteStatus::ReceivedWithDifferences,
    ];
    let body = html! {
        h1 { (m("deliveries-title")) }
        (html::done(q.done.as_deref()))
        p class="muted" { (m("deliveries-intro")) }
        section class="card" {
            form class="row" method="get" action="/dashboard/deliveries" {
                label { (m("deliveries-store")) " " select name="store" id="filter-store" {
                    (option("", &m("deliveries-all-stores"), store.is_none()))
                    @for (id, name) in &stores { (option(&id.0.to_string(), name, store == Some(*id))) }
                } }
                label { (m("deliveries-status")) " " select name="status" id="filter-status" {
                    (option("", &m("deliveries-all-statuses"), status.is_none()))
                    @for s in statuses { (option(s.as_str(), &status_name(t, s), status == Some(s))) }
                } }
                button type="submit" { (m("deliveries-filter")) }
            }
            table id="delivery-notes" {
                thead { tr {
                    th { (m("deliveries-col-number")) } th { (m("deliveries-store")) }
                    th { (m("deliveries-col-supplier")) } th { (m("deliveries-expected-date")) }
                    th class="num" { (m("deliveries-col-lines")) } th class="num" { (m("deliveries-col-units")) }
                    th { (m("deliveries-status")) }
                } }
                tbody {
                    @for n in &notes {
                        tr data-note=(n.number) {
                            td { a href={ "/dashboard/deliveries/" (n.id) } { (n.number) } }
                            td { (stores.get(&n.store_id).map(String::as_str).unwrap_or("?")) }
                            td { (n.supplier) }
                            td { (t.day(n.expected_date)) }
                            td class="num" { (n.lines.iter().filter(|l| !l.expected.is_zero()).count()) }
                            td class="num" { (t.quantity(n.lines.iter().map(|l| l.expected.milli()).sum())) }
                            td { (status_badge(t, n.status)) }
                        }
                    }
                }
            }
            @if notes.is_empty() { p class="muted" id="no-notes" { (m("deliveries-empty")) } }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("deliveries-new")) }
                @if !errors.is_empty() {
                    div class="error" role="alert" id="note-errors" {
                        p { (m("deliveries-nothing-saved")) }
                        ul { @for e in errors { li { (e) } } }
                    }
                }
                form method="post" action="/dashboard/deliveries" {
                    (v.csrf_field())
                    div class="row" {
                        label { (m("deliveries-store")) " " select name="store_id" id="note-store" {
                            @for (id, name) in &stores {
                                (option(&id.0.to_string(), name, form.store_id.trim() == id.0.to_string()))
                            }
                        } }
                        label { (m("deliveries-supplier")) " "
                            input name="supplier" id="note-supplier" value=(form.supplier) required; }
                        label { (m("deliveries-expected-date")) " "
                            input type="date" name="expected_date" id="note-date" value=(form.expected_date) required; }
                    }
                    label {
                        (m("deliveries-lines-label"))
                        textarea name="lines" id="note-lines" rows="8" placeholder="ACE-1L ; 12\n8412345678905 ; 6" { (form.lines) }
                    }
                    button type="submit" id="note-save" { (m("deliveries-create")) }
                }
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        html::page(v, "deliveries", &t.msg(key!("deliveries-title")), body),
    )
        .into_response())
}

/// Splits the textarea into lines `SKU or barcode ; quantity` (blank lines skipped), keeping the
/// number of each line as typed for the messages.
pub fn typed_lines(text: &str) -> Vec<(usize, Result<RawLine, LineProblem>)> {
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
pub async fn create(State(st): State<AppState>, WriteForm(v, f): WriteForm<NoteForm>) -> WebResult {
    let t = v.t();
    let mut errors: Vec<String> = Vec::new();
    let store = f.store_id.trim().parse::<i64>().ok().map(StoreId);
    let store = match store {
        Some(s) if st.storage.get_store(s).await.is_ok() => Some(s),
        _ => {
            errors.push(t.msg(key!("deliveries-choose-store")));
            None
        }
    };
    let supplier = match api::supplier(&f.supplier) {
        Ok(s) => Some(s),
        Err(_) => {
            errors.push(t.msg(key!("deliveries-supplier-missing")));
            None
        }
    };
    let date = api::parse_date(&f.expected_date);
    if date.is_none() {
        errors.push(t.msg_with(
            key!("deliveries-bad-date"),
            &[("value", &f.expected_date.trim())],
        ));
    }
    let typed = typed_lines(&f.lines);
    if typed.is_empty() {
        errors.push(t.msg(key!("deliveries-no-lines")));
    } else if typed.len() > api::MAX_LINES {
        errors.push(t.msg_with(key!("deliveries-too-many"), &[("max", &api::MAX_LINES)]));
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
                unit_costs: Vec::new(),
            },
            Utc::now(),
        )
        .await?;
    Ok(see_other(&format!(
        "/dashboard/deliveries/{}?done={}",
        note.id,
        url(&t.msg_with(key!("deliveries-created"), &[("number", &note.number)]))
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
        .unwrap_or_else(|_| {
            t.msg_with(key!("deliveries-store-fallback"), &[("id", &note.store_id)])
        });
    let received = note.status != DeliveryNoteStatus::Pending;
    let m = |k: &str| t.msg(k);
    let title = t.msg_with(key!("deliveries-note-title"), &[("number", &note.number)]);
    let body = html! {
        p { a href="/dashboard/deliveries" { "← " (m("deliveries-title")) } }
        h1 { (title) " " (status_badge(t, note.status)) }
        (html::done(q.done.as_deref()))
        section class="card" {
            dl class="facts" {
                dt { (m("deliveries-store")) } dd id="note-store" { (store) }
                dt { (m("deliveries-supplier")) } dd { (note.supplier) }
                dt { (m("deliveries-expected-date")) } dd { (t.day(note.expected_date)) }
                dt { (m("deliveries-created-by")) } dd { (note.created_by) " · " (t.datetime(note.created_at)) }
            }
            @match (received, note.received_at) {
                (true, Some(at)) => p id="received" {
                    (t.msg_with(key!("deliveries-received-at"), &[
                        ("at", &t.datetime(at)),
                        ("till", &note.received_till_id.map(|id| id.0.to_string()).unwrap_or_default()),
                    ]))
                },
                _ => p class="muted" id="received" { (m("deliveries-not-received")) },
            }
        }
        section class="card" {
            h2 { (m("deliveries-expected-received")) }
            table id="note-lines" {
                thead { tr {
                    th { "SKU" } th { (m("deliveries-col-product")) }
                    th class="num" { (m("deliveries-col-expected")) } th class="num" { (m("deliveries-col-received")) }
                    th class="num" { (m("deliveries-col-difference")) } th {}
                } }
                tbody { @for l in &note.lines { (line_row(t, l)) } }
            }
        }
    };
    Ok(ok(html::page(&v, "deliveries", &title, body)))
}

/// A line of a note: expected, received and the difference, marked when they differ.
fn line_row(t: &Tr, l: &crate::storage::deliveries::DeliveryLine) -> Markup {
    let (got, diff, class) = match l.difference() {
        None => ("—".to_string(), "—".to_string(), None),
        Some(d) if d.is_zero() => (qty(t, l.received.unwrap_or_default()), "0".into(), None),
        Some(d) => {
            let sign = if d.is_negative() { "" } else { "+" };
            (
                qty(t, l.received.unwrap_or_default()),
                format!("{sign}{}", qty(t, d)),
                Some(if l.expected.is_zero() {
                    "extra"
                } else if d.is_negative() {
                    "missing"
                } else {
                    "over"
                }),
            )
        }
    };
    html! {
        tr data-product=(l.product_id.0) class=[class] {
            td { (l.sku) }
            td { (l.name) }
            td class="num" { (qty(t, l.expected)) }
            td class="num" { (got) }
            td class="num" { (diff) }
            td {
                @match l.difference() {
                    Some(_) if l.expected.is_zero() => (html::badge("warn", &t.msg(key!("deliveries-not-on-note")))),
                    Some(d) if d.is_negative() => (html::badge("bad", &t.msg(key!("deliveries-missing")))),
                    Some(d) if !d.is_zero() => (html::badge("warn", &t.msg(key!("deliveries-over")))),
                    _ => {},
                }
            }
        }
    }
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
