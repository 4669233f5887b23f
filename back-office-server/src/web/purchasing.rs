//! Pedidos: purchase orders to suppliers (drafts from Reposición's suggestions or typed; edited,
//! approved or discarded; the PDF; receiving through delivery notes, a remainder note or closing a
//! partly received order) and Traspasos between stores (created, dispatched, in transit until the
//! receiving store's till receives). HQ admins act on every store, a store manager on their own
//! (another store's order or transfer is a 404); analysts read.

use super::deliveries::{problem as line_problem, status_name, typed_lines};
use super::forms::ScopedWriteForm;
use super::html::{self, url};
use super::overview::visible_stores;
use super::{Tr, Viewer, WebError, WebPath, WebQuery, WebResult, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::deliveries as lines_api;
use crate::services::purchasing as svc;
use crate::storage::purchasing::{
    JobDraft, NewPurchaseOrder, NewTransfer, OrderFilter, OrderLineIn, OrderStatus, PurchaseOrder,
    Receiving, Transfer, TransferState,
};
use crate::storage::sql::business_day;
use crate::storage::{StorageError, Store};
use axum::extract::State;
use axum::response::IntoResponse;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use sync_protocol::{ProductId, Quantity, StoreId};

fn qty(t: &Tr, q: Quantity) -> String {
    t.quantity(q.milli())
}

fn may_write(v: &Viewer) -> bool {
    v.can_write_staff()
}

fn tabs(t: &Tr, current: &str) -> Markup {
    let items = [
        ("orders", "/dashboard/purchase-orders", "po-tab-orders"),
        ("transfers", "/dashboard/transfers", "po-tab-transfers"),
    ];
    html! {
        p.report-tabs {
            @for (i, (k, href, label)) in items.iter().enumerate() {
                @if i > 0 { " · " }
                a href=(href) aria-current=[(*k == current).then_some("page")] { (t.msg(label)) }
            }
        }
    }
}

pub fn status_label(t: &Tr, o: &PurchaseOrder) -> Markup {
    let (class, key) = match (o.status, o.receiving()) {
        (OrderStatus::Draft, _) => ("warn", "po-status-draft"),
        (OrderStatus::Discarded, _) => ("muted", "po-status-discarded"),
        (OrderStatus::Closed, _) => ("muted", "po-status-closed"),
        (OrderStatus::Approved, Receiving::Received) => ("ok", "po-status-received"),
        (OrderStatus::Approved, Receiving::Partly) => ("bad", "po-status-partly"),
        (OrderStatus::Approved, _) => ("ok", "po-status-approved"),
    };
    html! { span class={ "badge " (class) } data-status=(key) { (t.msg(key)) } }
}

fn transfer_label(t: &Tr, s: TransferState) -> Markup {
    let (class, key) = match s {
        TransferState::Draft => ("warn", "transfer-status-draft"),
        TransferState::InTransit => ("warn", "transfer-status-in-transit"),
        TransferState::Received => ("ok", "transfer-status-received"),
        TransferState::ReceivedWithDifferences => ("bad", "transfer-status-differences"),
        TransferState::Discarded => ("muted", "transfer-status-discarded"),
    };
    html! { span class={ "badge " (class) } data-status=(s.as_str()) { (t.msg(key)) } }
}

fn store_name(stores: &[Store], id: StoreId) -> String {
    stores
        .iter()
        .find(|s| s.id == id)
        .map_or_else(|| id.to_string(), |s| s.name.clone())
}

/// Typed lines `SKU ; quantity` resolved to products, or every problem in `t`'s language.
async fn resolve_typed(
    st: &AppState,
    t: &Tr,
    text: &str,
) -> Result<Result<Vec<(ProductId, Quantity)>, Vec<String>>, WebError> {
    let typed = typed_lines(text);
    let mut errors = Vec::new();
    if typed.is_empty() {
        errors.push(t.msg(key!("deliveries-no-lines")));
    } else if typed.len() > svc::MAX_LINES {
        errors.push(t.msg_with(key!("deliveries-too-many"), &[("max", &svc::MAX_LINES)]));
    }
    let line_error = |n: usize, p: &lines_api::LineProblem| {
        t.msg_with(
            "deliveries-line-error",
            &[("n", &n), ("problem", &line_problem(t, p))],
        )
    };
    let (mut raw, mut numbers) = (Vec::new(), Vec::new());
    for (n, l) in &typed {
        match l {
            Ok(r) => {
                raw.push(r.clone());
                numbers.push(*n);
            }
            Err(p) => errors.push(line_error(*n, p)),
        }
    }
    let lines = match lines_api::resolve_lines(st.storage.as_ref(), &raw).await? {
        Ok(l) => l,
        Err(problems) => {
            for (i, p) in problems {
                let n = numbers.get(i - 1).copied().unwrap_or(i);
                errors.push(line_error(n, &p));
            }
            Vec::new()
        }
    };
    Ok(if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    })
}

/// The store named in a form, which the viewer must see (else 404).
async fn form_store(st: &AppState, v: &Viewer, s: &str) -> Result<Store, WebError> {
    let t = v.t();
    let id = s.trim().parse::<i64>().map(StoreId).map_err(|_| {
        WebError::invalid(t.msg_with(key!("report-bad-store"), &[("value", &s.trim())]))
    })?;
    if !v.sees_store(id) {
        return Err(WebError::not_found_t(t));
    }
    st.storage
        .get_store(id)
        .await
        .map_err(|_| WebError::not_found_t(t))
}

fn refused(v: &Viewer, e: StorageError) -> Result<String, WebError> {
    if matches!(e, StorageError::NotFound(_) | StorageError::Backend(_)) {
        return Err(e.into());
    }
    Ok(e.problem()
        .map(|p| p.message(v.t().lang()))
        .unwrap_or_default())
}

// --- orders ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub store: Option<String>,
    pub done: Option<String>,
}

/// `GET /dashboard/purchase-orders`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ListQuery>,
) -> WebResult {
    list_page(&st, &v, &q, &OrderForm::default(), &[]).await
}

async fn list_page(
    st: &AppState,
    v: &Viewer,
    q: &ListQuery,
    typed: &OrderForm,
    errors: &[String],
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let stores = visible_stores(st, v).await?;
    let store = match q.store.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(form_store(st, v, s).await?.id),
    };
    let orders = st
        .storage
        .purchasing()
        .list_purchase_orders(&OrderFilter {
            store_id: store,
            status: None,
            scope: v.scope().map(<[StoreId]>::to_vec),
        })
        .await?;
    let suppliers = st.storage.replenish().list_suppliers().await?;
    let body = html! {
        h1 { (m("po-title")) }
        (tabs(t, "orders"))
        (html::done(q.done.as_deref()))
        form class="row" method="get" action="/dashboard/purchase-orders" {
            label { (m("report-store")) " " select name="store" id="store" {
                option value="" { (m("po-all-stores")) }
                @for s in &stores {
                    option value=(s.id) selected[store == Some(s.id)] { (s.name) }
                }
            } }
            button type="submit" { (m("report-show")) }
        }
        @if orders.is_empty() {
            (html::muted(&m("po-empty")))
        } @else {
            table id="orders" {
                thead { tr {
                    th { (m("po-col-number")) } th { (m("report-store")) } th { (m("po-supplier")) }
                    th { (m("po-col-status")) } th class="num" { (m("po-col-lines")) } th class="num" { (m("report-total")) }
                    th { (m("po-col-created")) }
                } }
                tbody {
                    @for o in &orders {
                        tr data-order=(o.id) {
                            td { a href={ "/dashboard/purchase-orders/" (o.id) } {
                                (o.number.clone().unwrap_or_else(|| t.msg_with(key!("po-draft-number"), &[("id", &o.id)])))
                            } }
                            td { (store_name(&stores, o.store_id)) }
                            td { (o.supplier_name) }
                            td { (status_label(t, o)) }
                            td class="num" { (o.lines.len()) }
                            td class="num" { (t.money(o.total())) }
                            td {
                                (t.datetime(o.created_at)) " · "
                                @if o.made_by_job.is_some() {
                                    span class="badge" data-automatic="1" { (m("po-automatic")) }
                                } @else { (o.created_by) }
                            }
                        }
                    }
                }
            }
        }
        @if may_write(v) {
            section class="card" {
                h2 { (m("po-new")) }
                @if !errors.is_empty() {
                    ul class="error" id="errors" { @for e in errors { li { (e) } } }
                }
                form method="post" action="/dashboard/purchase-orders" {
                    (v.csrf_field())
                    label { (m("report-store")) " " select name="store" {
                        @for s in &stores { option value=(s.id) selected[typed.store == s.id.to_string()] { (s.name) } }
                    } }
                    " "
                    label { (m("po-supplier")) " " select name="supplier" {
                        @for s in &suppliers { option value=(s.id) selected[typed.supplier == s.id.to_string()] { (s.name) } }
                    } }
                    label { (m("po-lines-label")) br;
                        textarea name="lines" rows="6" cols="40" placeholder="ACE-1L ; 12" { (typed.lines) }
                    }
                    button type="submit" { (m("po-create")) }
                }
            }
        }
    };
    Ok(ok(html::page(v, "purchasing", &m("po-title"), body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    pub store: String,
    #[serde(default)]
    pub supplier: String,
    #[serde(default)]
    pub lines: String,
}

/// Lines with HQ's cost of each product (the cost the order shows and the receipt averages).
async fn with_costs(
    st: &AppState,
    lines: Vec<(ProductId, Quantity)>,
) -> Result<Vec<OrderLineIn>, WebError> {
    let costs = st.storage.stock().product_stock().await?;
    Ok(lines
        .into_iter()
        .map(|(p, q)| OrderLineIn {
            product_id: p,
            quantity: q,
            unit_cost: costs
                .iter()
                .find(|c| c.product_id == p)
                .and_then(|c| c.cost),
        })
        .collect())
}

/// `POST /dashboard/purchase-orders`: a draft typed by hand.
pub async fn create(
    State(st): State<AppState>,
    ScopedWriteForm(v, f): ScopedWriteForm<OrderForm>,
) -> WebResult {
    let t = v.t();
    let store = form_store(&st, &v, &f.store).await?;
    let supplier = f.supplier.trim().parse::<i64>().unwrap_or(0);
    let lines = match resolve_typed(&st, t, &f.lines).await? {
        Ok(l) => l,
        Err(errors) => return list_page(&st, &v, &ListQuery::default(), &f, &errors).await,
    };
    let lines = with_costs(&st, lines).await?;
    let created = st
        .storage
        .purchasing()
        .create_purchase_order(
            &NewPurchaseOrder {
                store_id: store.id,
                supplier_id: supplier,
                source: "manual".into(),
                lines,
                created_by: v.user.display_name.clone(),
            },
            Utc::now(),
        )
        .await;
    match created {
        Ok(o) => Ok(see_other(&format!(
            "/dashboard/purchase-orders/{}?done={}",
            o.id,
            url(&t.msg(key!("po-created")))
        ))),
        Err(e) => {
            let msg = refused(&v, e)?;
            list_page(&st, &v, &ListQuery::default(), &f, &[msg]).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SuggestionForm {
    #[serde(default)]
    pub store: String,
    #[serde(default)]
    pub supplier: String,
}

/// `POST /dashboard/purchase-orders/from-suggestion`: today's suggested order to a supplier as a
/// draft (from Reposición).
pub async fn from_suggestion(
    State(st): State<AppState>,
    ScopedWriteForm(v, f): ScopedWriteForm<SuggestionForm>,
) -> WebResult {
    let t = v.t();
    let store = form_store(&st, &v, &f.store).await?;
    let supplier = f.supplier.trim().parse::<i64>().unwrap_or(0);
    let now = Utc::now();
    match svc::draft_from_suggestion(
        st.storage.as_ref(),
        &store,
        supplier,
        &v.user.display_name,
        business_day(now),
        now,
    )
    .await
    {
        Ok((o, done)) => Ok(see_other(&format!(
            "/dashboard/purchase-orders/{}?done={}",
            o.id,
            url(&t.msg(match done {
                JobDraft::Created(_) => "po-created",
                JobDraft::Replaced(_) => "po-draft-refreshed",
                JobDraft::Left(_) => "po-draft-already-open",
            }))
        ))),
        Err(e) => {
            let msg = refused(&v, e)?;
            Ok(see_other(&format!(
                "/dashboard/replenishment?store={}&done={}",
                store.id,
                url(&msg)
            )))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// An order the viewer may see (another store's: 404).
async fn visible_order(st: &AppState, v: &Viewer, id: i64) -> Result<PurchaseOrder, WebError> {
    let o = st
        .storage
        .purchasing()
        .get_purchase_order(id)
        .await
        .map_err(|_| WebError::not_found_t(v.t()))?;
    if !v.sees_store(o.store_id) {
        return Err(WebError::not_found_t(v.t()));
    }
    Ok(o)
}

/// `GET /dashboard/purchase-orders/{id}`.
pub async fn show(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    show_page(&st, &v, id, q.done.as_deref(), None).await
}

async fn show_page(
    st: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    error: Option<String>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let o = visible_order(st, v, id).await?;
    let store = st.storage.get_store(o.store_id).await?;
    let title = o
        .number
        .clone()
        .unwrap_or_else(|| t.msg_with(key!("po-draft-number"), &[("id", &o.id)]));
    let typed: String = o
        .lines
        .iter()
        .map(|l| format!("{} ; {}\n", l.sku, l.quantity))
        .collect();
    let body = html! {
        h1 { (m("po-title")) " " (title) " " (status_label(t, &o)) }
        (tabs(t, "orders"))
        (html::done(done))
        @if let Some(e) = &error { p class="error" id="errors" { (e) } }
        p {
            (m("po-supplier")) ": " b { (o.supplier_name) } " · " (m("report-store")) ": " (store.name)
            " · " (t.msg_with(key!("po-created-by"), &[("who", &if o.made_by_job.is_some() { m("po-automatic") } else { o.created_by.clone() }), ("when", &t.datetime(o.created_at))]))
            @if let (Some(by), Some(at)) = (&o.edited_by, o.edited_at) {
                " · " (t.msg_with(key!("po-edited-by"), &[("who", by), ("when", &t.datetime(at))]))
            }
            @if let (Some(by), Some(at)) = (&o.decided_by, o.decided_at) {
                " · " (t.msg_with(key!("po-decided-by"), &[("who", by), ("when", &t.datetime(at))]))
            }
        }
        @if let Some(to) = &o.emailed_to {
            p id="emailed" { (t.msg_with(key!("po-emailed"), &[("to", to), ("when", &o.emailed_at.map(|d| t.datetime(d)).unwrap_or_default())])) }
        } @else if let Some(e) = &o.email_error {
            p class="error" id="email-error" {
                (t.msg_with(key!("po-email-failed"), &[("error", e)])) " "
                @if let Some(next) = o.email_next_at {
                    span id="email-retry" data-attempts=(o.email_attempts) {
                        (t.msg_with(key!("po-email-retry"), &[
                            ("attempts", &o.email_attempts),
                            ("max", &svc::EMAIL_MAX_ATTEMPTS),
                            ("when", &t.datetime(next)),
                        ]))
                    }
                } @else {
                    span id="email-given-up" data-attempts=(o.email_attempts) {
                        (t.msg_with(key!("po-email-given-up"), &[("attempts", &o.email_attempts)]))
                    }
                }
            }
            @if may_write(v) {
                form method="post" action={ "/dashboard/purchase-orders/" (o.id) "/resend" } {
                    (v.csrf_field())
                    button type="submit" class="secondary" id="resend" { (m("po-resend")) }
                }
            }
        }
        table id="lines" {
            thead { tr {
                th { "SKU" } th { (m("stock-col-product")) } th class="num" { (m("po-col-quantity")) }
                th class="num" { (m("stock-col-cost")) } th class="num" { (m("stock-col-value")) }
                th class="num" { (m("po-col-received")) } th class="num" { (m("po-col-outstanding")) }
            } }
            tbody {
                @for l in &o.lines {
                    tr data-product=(l.product_id) {
                        td { (l.sku) } td { (l.name) }
                        td class="num" { (qty(t, l.quantity)) }
                        td class="num" { (l.unit_cost.map(|c| t.money(sync_protocol::Money::new(c))).unwrap_or_else(|| "—".into())) }
                        td class="num" { (t.money(l.value())) }
                        td class="num" { (qty(t, l.received)) }
                        td class="num" data-outstanding=(l.outstanding()) { (qty(t, l.outstanding())) }
                    }
                }
                tr class="total" { td { (m("report-total")) } td {} td {} td {} td class="num" { (t.money(o.total())) } td {} td {} }
            }
        }
        @if !o.notes.is_empty() {
            h2 { (m("po-notes")) }
            ul id="notes" {
                @for n in &o.notes {
                    li { a href={ "/dashboard/deliveries/" (n.id) } { (n.number) } " · " (status_name(t, n.status)) }
                }
            }
        }
        @if o.number.is_some() {
            p { a href={ "/dashboard/purchase-orders/" (o.id) "/pdf" } { (m("po-pdf")) } }
        }
        @if may_write(v) {
            @if o.status == OrderStatus::Draft {
                section class="card" {
                    h2 { (m("po-edit")) }
                    form method="post" action={ "/dashboard/purchase-orders/" (o.id) "/lines" } {
                        (v.csrf_field())
                        label { (m("po-lines-label")) br; textarea name="lines" rows="8" cols="40" { (typed) } }
                        button type="submit" { (m("po-save-lines")) }
                    }
                    form method="post" action={ "/dashboard/purchase-orders/" (o.id) "/approve" } {
                        (v.csrf_field())
                        button type="submit" { (m("po-approve")) }
                    }
                    form method="post" action={ "/dashboard/purchase-orders/" (o.id) "/discard" } {
                        (v.csrf_field())
                        button type="submit" class="secondary" { (m("po-discard")) }
                    }
                }
            }
            @if o.status == OrderStatus::Approved && o.receiving() == Receiving::Partly && !o.note_pending() {
                section class="card" {
                    p { (m("po-partly-help")) }
                    form method="post" action={ "/dashboard/purchase-orders/" (o.id) "/remainder" } {
                        (v.csrf_field())
                        button type="submit" { (m("po-remainder")) }
                    }
                    form method="post" action={ "/dashboard/purchase-orders/" (o.id) "/close" } {
                        (v.csrf_field())
                        button type="submit" class="secondary" { (m("po-close")) }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(v, "purchasing", &m("po-title"), body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct LinesForm {
    #[serde(default)]
    pub lines: String,
}

/// `POST /dashboard/purchase-orders/{id}/lines`: a draft's lines replaced.
pub async fn save_lines(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, f): ScopedWriteForm<LinesForm>,
) -> WebResult {
    let t = v.t();
    let o = visible_order(&st, &v, id).await?;
    let lines = match resolve_typed(&st, t, &f.lines).await? {
        Ok(l) => l,
        Err(errors) => return show_page(&st, &v, id, None, Some(errors.join(" · "))).await,
    };
    // Keep the cost a line had; new products take HQ's cost.
    let mut lines = with_costs(&st, lines).await?;
    for l in &mut lines {
        if let Some(old) = o.lines.iter().find(|x| x.product_id == l.product_id) {
            l.unit_cost = old.unit_cost.or(l.unit_cost);
        }
    }
    match st
        .storage
        .purchasing()
        .set_order_lines(id, &lines, &v.user.display_name, Utc::now())
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/dashboard/purchase-orders/{id}?done={}",
            url(&t.msg(key!("po-lines-saved")))
        ))),
        Err(e) => {
            let msg = refused(&v, e)?;
            show_page(&st, &v, id, None, Some(msg)).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

/// `POST /dashboard/purchase-orders/{id}/approve`.
pub async fn approve(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, _): ScopedWriteForm<EmptyForm>,
) -> WebResult {
    let t = v.t();
    visible_order(&st, &v, id).await?;
    let mail = st.mail.get();
    match svc::approve(
        st.storage.as_ref(),
        mail.as_ref(),
        id,
        &v.user.display_name,
        Utc::now(),
    )
    .await
    {
        Ok(a) => Ok(see_other(&format!(
            "/dashboard/purchase-orders/{id}?done={}",
            url(&t.msg_with(
                "po-approved",
                &[
                    ("number", &a.order.number.unwrap_or_default()),
                    ("note", &a.note_number)
                ]
            ))
        ))),
        Err(e) => {
            let msg = refused(&v, e)?;
            show_page(&st, &v, id, None, Some(msg)).await
        }
    }
}

/// `POST /dashboard/purchase-orders/{id}/discard`.
pub async fn discard(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, _): ScopedWriteForm<EmptyForm>,
) -> WebResult {
    visible_order(&st, &v, id).await?;
    let r = st
        .storage
        .purchasing()
        .discard_purchase_order(id, &v.user.display_name, Utc::now())
        .await;
    after(&st, &v, id, r.map(drop), "po-discarded").await
}

/// `POST /dashboard/purchase-orders/{id}/remainder`: a delivery note for what is still outstanding.
pub async fn remainder(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, _): ScopedWriteForm<EmptyForm>,
) -> WebResult {
    visible_order(&st, &v, id).await?;
    let r = st
        .storage
        .purchasing()
        .order_remainder_note(id, &v.user.display_name, Utc::now())
        .await;
    after(&st, &v, id, r.map(drop), "po-remainder-sent").await
}

/// `POST /dashboard/purchase-orders/{id}/close`: what is outstanding will not come.
pub async fn close(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, _): ScopedWriteForm<EmptyForm>,
) -> WebResult {
    visible_order(&st, &v, id).await?;
    let r = st
        .storage
        .purchasing()
        .close_purchase_order(id, &v.user.display_name, Utc::now())
        .await;
    after(&st, &v, id, r.map(drop), "po-closed").await
}

async fn after(
    st: &AppState,
    v: &Viewer,
    id: i64,
    r: Result<(), StorageError>,
    done: &str,
) -> WebResult {
    match r {
        Ok(()) => Ok(see_other(&format!(
            "/dashboard/purchase-orders/{id}?done={}",
            url(&v.t().msg(done))
        ))),
        Err(e) => {
            let msg = refused(v, e)?;
            show_page(st, v, id, None, Some(msg)).await
        }
    }
}

/// `POST /dashboard/purchase-orders/{id}/resend`: the failed e-mail tried again now (the kept PDF).
pub async fn resend(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, _): ScopedWriteForm<EmptyForm>,
) -> WebResult {
    let t = v.t();
    visible_order(&st, &v, id).await?;
    let Some(mail) = st.mail.get() else {
        let p = crate::problem::Problem::new("smtp_not_configured");
        return show_page(&st, &v, id, None, Some(p.message(t.lang()))).await;
    };
    match svc::resend(st.storage.as_ref(), &mail, id, Utc::now()).await {
        Ok(Ok(to)) => Ok(see_other(&format!(
            "/dashboard/purchase-orders/{id}?done={}",
            url(&t.msg_with(key!("po-resent"), &[("to", &to)]))
        ))),
        // The page shows the error and when the job tries again.
        Ok(Err(_)) => Ok(see_other(&format!("/dashboard/purchase-orders/{id}"))),
        Err(e) => {
            let msg = refused(&v, e)?;
            show_page(&st, &v, id, None, Some(msg)).await
        }
    }
}

/// `GET /dashboard/purchase-orders/{id}/pdf`.
pub async fn pdf(State(st): State<AppState>, v: Viewer, WebPath(id): WebPath<i64>) -> WebResult {
    let o = visible_order(&st, &v, id).await?;
    let Some(pdf) = st.storage.purchasing().order_pdf(id).await? else {
        return Err(WebError::not_found_t(v.t()));
    };
    let mut res = pdf.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/pdf"),
    );
    if let Ok(val) = axum::http::HeaderValue::from_str(&format!(
        "attachment; filename=\"{}.pdf\"",
        o.number.unwrap_or_default()
    )) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, val);
    }
    Ok(res)
}

// --- transfers ---------------------------------------------------------------------------------

/// `GET /dashboard/transfers`.
pub async fn transfers(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    transfers_page(&st, &v, q.done.as_deref(), &TransferForm::default(), &[]).await
}

async fn transfers_page(
    st: &AppState,
    v: &Viewer,
    done: Option<&str>,
    typed: &TransferForm,
    errors: &[String],
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let stores = visible_stores(st, v).await?;
    let all = st.storage.list_stores().await?;
    let list = st.storage.purchasing().list_transfers(v.scope()).await?;
    // A manager sends from their stores to any store of the same franchisee.
    let targets: Vec<&Store> = all
        .iter()
        .filter(|s| stores.iter().any(|m| m.franchisee_id == s.franchisee_id))
        .collect();
    let body = html! {
        h1 { (m("transfer-title")) }
        (tabs(t, "transfers"))
        (html::done(done))
        @if list.is_empty() {
            (html::muted(&m("transfer-empty")))
        } @else {
            table id="transfers" {
                thead { tr {
                    th { (m("po-col-number")) } th { (m("transfer-from")) } th { (m("transfer-to")) }
                    th { (m("po-col-status")) } th class="num" { (m("po-col-lines")) } th { (m("po-col-created")) }
                } }
                tbody {
                    @for x in &list {
                        tr data-transfer=(x.id) {
                            td { a href={ "/dashboard/transfers/" (x.id) } {
                                (x.number.clone().unwrap_or_else(|| t.msg_with(key!("po-draft-number"), &[("id", &x.id)])))
                            } }
                            td { (store_name(&all, x.from_store_id)) }
                            td { (store_name(&all, x.to_store_id)) }
                            td { (transfer_label(t, x.state)) }
                            td class="num" { (x.lines.len()) }
                            td { (t.datetime(x.created_at)) " · " (x.created_by) }
                        }
                    }
                }
            }
        }
        @if may_write(v) {
            section class="card" {
                h2 { (m("transfer-new")) }
                @if !errors.is_empty() {
                    ul class="error" id="errors" { @for e in errors { li { (e) } } }
                }
                form method="post" action="/dashboard/transfers" {
                    (v.csrf_field())
                    label { (m("transfer-from")) " " select name="from" {
                        @for s in &stores { option value=(s.id) selected[typed.from == s.id.to_string()] { (s.name) } }
                    } }
                    " "
                    label { (m("transfer-to")) " " select name="to" {
                        @for s in &targets { option value=(s.id) selected[typed.to == s.id.to_string()] { (s.name) } }
                    } }
                    label { (m("po-lines-label")) br;
                        textarea name="lines" rows="6" cols="40" placeholder="ACE-1L ; 12" { (typed.lines) }
                    }
                    button type="submit" { (m("transfer-create")) }
                }
            }
        }
    };
    Ok(ok(html::page(v, "purchasing", &m("transfer-title"), body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub lines: String,
}

/// `POST /dashboard/transfers`: a draft transfer from a store the viewer runs.
pub async fn create_transfer(
    State(st): State<AppState>,
    ScopedWriteForm(v, f): ScopedWriteForm<TransferForm>,
) -> WebResult {
    let t = v.t();
    let from = form_store(&st, &v, &f.from).await?;
    let to =
        f.to.trim()
            .parse::<i64>()
            .map(StoreId)
            .unwrap_or(StoreId(0));
    let lines = match resolve_typed(&st, t, &f.lines).await? {
        Ok(l) => l,
        Err(errors) => return transfers_page(&st, &v, None, &f, &errors).await,
    };
    let r = st
        .storage
        .purchasing()
        .create_transfer(
            &NewTransfer {
                from_store_id: from.id,
                to_store_id: to,
                lines,
                created_by: v.user.display_name.clone(),
            },
            Utc::now(),
        )
        .await;
    match r {
        Ok(x) => Ok(see_other(&format!(
            "/dashboard/transfers/{}?done={}",
            x.id,
            url(&t.msg(key!("transfer-created")))
        ))),
        Err(e) => {
            let msg = refused(&v, e)?;
            transfers_page(&st, &v, None, &f, &[msg]).await
        }
    }
}

/// A transfer the viewer may see: from or to one of their stores.
async fn visible_transfer(st: &AppState, v: &Viewer, id: i64) -> Result<Transfer, WebError> {
    let x = st
        .storage
        .purchasing()
        .get_transfer(id)
        .await
        .map_err(|_| WebError::not_found_t(v.t()))?;
    if !v.sees_store(x.from_store_id) && !v.sees_store(x.to_store_id) {
        return Err(WebError::not_found_t(v.t()));
    }
    Ok(x)
}

/// `GET /dashboard/transfers/{id}`.
pub async fn show_transfer(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    transfer_page(&st, &v, id, q.done.as_deref(), None).await
}

async fn transfer_page(
    st: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    error: Option<String>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let x = visible_transfer(st, v, id).await?;
    let all = st.storage.list_stores().await?;
    let body = html! {
        h1 {
            (m("transfer-title")) " "
            (x.number.clone().unwrap_or_else(|| t.msg_with(key!("po-draft-number"), &[("id", &x.id)]))) " "
            (transfer_label(t, x.state))
        }
        (tabs(t, "transfers"))
        (html::done(done))
        @if let Some(e) = &error { p class="error" id="errors" { (e) } }
        p {
            (m("transfer-from")) ": " b { (store_name(&all, x.from_store_id)) } " → "
            (m("transfer-to")) ": " b { (store_name(&all, x.to_store_id)) }
            " · " (t.msg_with(key!("po-created-by"), &[("who", &x.created_by), ("when", &t.datetime(x.created_at))]))
        }
        @if let (Some(by), Some(at)) = (&x.dispatched_by, x.dispatched_at) {
            p { (t.msg_with(key!("transfer-dispatched-by"), &[("who", by), ("when", &t.datetime(at))])) }
        }
        @if let (Some(by), Some(at)) = (&x.discarded_by, x.discarded_at) {
            p id="discarded" { (t.msg_with(key!("transfer-discarded-by"), &[("who", by), ("when", &t.datetime(at))])) }
        }
        @if let Some(n) = &x.note {
            p { (m("po-notes")) ": " a href={ "/dashboard/deliveries/" (n.id) } { (n.number) } " · " (status_name(t, n.status)) }
        }
        table id="lines" {
            thead { tr {
                th { "SKU" } th { (m("stock-col-product")) } th class="num" { (m("po-col-quantity")) } th class="num" { (m("po-col-received")) }
            } }
            tbody {
                @for l in &x.lines {
                    tr data-product=(l.product_id) {
                        td { (l.sku) } td { (l.name) } td class="num" { (qty(t, l.quantity)) }
                        td class="num" { (l.received.map(|r| qty(t, r)).unwrap_or_else(|| "—".into())) }
                    }
                }
            }
        }
        @if may_write(v) && x.state == TransferState::Draft && v.sees_store(x.from_store_id) {
            form method="post" action={ "/dashboard/transfers/" (x.id) "/dispatch" } {
                (v.csrf_field())
                button type="submit" { (m("transfer-dispatch")) }
            }
            form method="post" action={ "/dashboard/transfers/" (x.id) "/discard" } {
                (v.csrf_field())
                button type="submit" class="secondary" id="discard" { (m("transfer-discard")) }
            }
        }
    };
    Ok(ok(html::page(v, "purchasing", &m("transfer-title"), body)))
}

/// `POST /dashboard/transfers/{id}/dispatch`: only HQ or a manager of the sending store.
pub async fn dispatch(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, _): ScopedWriteForm<EmptyForm>,
) -> WebResult {
    let t = v.t();
    let x = visible_transfer(&st, &v, id).await?;
    if !v.sees_store(x.from_store_id) {
        return Err(WebError::not_found_t(t));
    }
    match st
        .storage
        .purchasing()
        .dispatch_transfer(id, &v.user.display_name, Utc::now())
        .await
    {
        Ok(x) => Ok(see_other(&format!(
            "/dashboard/transfers/{id}?done={}",
            url(&t.msg_with(
                "transfer-dispatched",
                &[("number", &x.number.unwrap_or_default())]
            ))
        ))),
        Err(e) => {
            let msg = refused(&v, e)?;
            transfer_page(&st, &v, id, None, Some(msg)).await
        }
    }
}

/// `POST /dashboard/transfers/{id}/discard`: a draft not dispatched yet; only HQ or a manager of
/// the sending store.
pub async fn discard_transfer(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, _): ScopedWriteForm<EmptyForm>,
) -> WebResult {
    let t = v.t();
    let x = visible_transfer(&st, &v, id).await?;
    if !v.sees_store(x.from_store_id) {
        return Err(WebError::not_found_t(t));
    }
    match st
        .storage
        .purchasing()
        .discard_transfer(id, &v.user.display_name, Utc::now())
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/dashboard/transfers/{id}?done={}",
            url(&t.msg(key!("transfer-discarded")))
        ))),
        Err(e) => {
            let msg = refused(&v, e)?;
            transfer_page(&st, &v, id, None, Some(msg)).await
        }
    }
}
