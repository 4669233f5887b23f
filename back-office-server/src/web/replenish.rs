//! Reposición: each store's suggested orders per supplier (forecast by weekday, lead time, review
//! period, safety stock, on hand, on order, packs, supplier minimum), which HQ turns into a delivery
//! note for the central warehouse with one click; and the settings they come from — suppliers,
//! family defaults, store rules (CSV import and export). A store manager sees their own stores;
//! only HQ admins change anything.

use super::csv_file::{CsvExport, read_rows, restore, text, value};
use super::html::{self, url};
use super::overview::visible_stores;
use super::{Tr, Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::problem::Problem;
use crate::services::replenish::{self as rules, Plan};
use crate::storage::deliveries::NewDeliveryNote;
use crate::storage::replenish::{FamilyRule, StoreRule, Supplier};
use crate::storage::sql::business_day;
use crate::storage::{StorageError, Store};
use axum::extract::State;
use chrono::{Duration, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;
use sync_protocol::{Quantity, StoreId};

fn qty(t: &Tr, q: Quantity) -> String {
    t.quantity(q.milli())
}

fn opt_qty(t: &Tr, q: Option<Quantity>) -> String {
    q.map_or_else(|| "—".into(), |q| qty(t, q))
}

/// A store's plan for `today`, from storage.
pub async fn store_plan(
    st: &AppState,
    store: &Store,
    today: NaiveDate,
) -> Result<Plan, StorageError> {
    crate::services::purchasing::store_plan(st.storage.as_ref(), store, today).await
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub store: Option<String>,
    pub done: Option<String>,
}

/// The store asked for (or the first the viewer sees), checked against the viewer.
async fn chosen_store(
    st: &AppState,
    v: &Viewer,
    store: Option<&str>,
) -> Result<(Vec<Store>, Option<Store>), WebError> {
    let t = v.t();
    let stores = visible_stores(st, v).await?;
    let chosen = match store.map(str::trim).filter(|s| !s.is_empty()) {
        None => stores.first().cloned(),
        Some(s) => {
            let id = s.parse::<i64>().map(StoreId).map_err(|_| {
                WebError::invalid(t.msg_with(key!("report-bad-store"), &[("value", &s)]))
            })?;
            Some(
                stores
                    .iter()
                    .find(|x| x.id == id)
                    .cloned()
                    .ok_or_else(|| WebError::not_found_t(t))?,
            )
        }
    };
    Ok((stores, chosen))
}

fn tabs(t: &Tr, current: &str) -> Markup {
    let items = [
        ("orders", "/dashboard/replenishment", "replenish-tab-orders"),
        (
            "settings",
            "/dashboard/replenishment/settings",
            "replenish-tab-settings",
        ),
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

/// `GET /dashboard/replenishment`: a store's suggested orders today.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<PageQuery>,
) -> WebResult {
    render(&st, &v, q.store.as_deref(), q.done.as_deref(), None).await
}

/// The page, with what a refused order said (`error`).
async fn render(
    st: &AppState,
    v: &Viewer,
    store: Option<&str>,
    done: Option<&str>,
    error: Option<String>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let (stores, store) = chosen_store(st, v, store).await?;
    let today = business_day(Utc::now());
    let plan = match &store {
        Some(s) => store_plan(st, s, today).await?,
        None => Plan::default(),
    };
    let body = html! {
        h1 { (m("replenish-title")) }
        (tabs(t, "orders"))
        (html::done(done))
        @if let Some(e) = &error { p class="error" id="errors" { (e) } }
        form class="row" method="get" action="/dashboard/replenishment" {
            label { (m("report-store")) " " select name="store" id="store" {
                @for s in &stores {
                    option value=(s.id) selected[store.as_ref().is_some_and(|x| x.id == s.id)] { (s.name) }
                }
            } }
            button type="submit" { (m("report-show")) }
        }
        p class="muted" { (t.msg_with(key!("replenish-intro"), &[("weeks", &rules::FORECAST_WEEKS)])) }
        @if !plan.alerts.is_empty() {
            ul id="alerts-today" {
                @for a in &plan.alerts {
                    li data-kind=(a.kind) { (alert_name(t, a.kind)) ": " (a.skus.join(", ")) }
                }
            }
        }
        @if plan.orders.is_empty() {
            (html::muted(&m("replenish-nothing")))
        }
        @for o in &plan.orders {
            section class="card" data-supplier=(o.supplier.id) {
                h2 {
                    (o.supplier.name) " "
                    @if o.supplier.central { (html::badge("ok", &m("replenish-central"))) }
                }
                p {
                    (t.msg_with(key!("replenish-supplier-terms"), &[
                        ("lead", &o.supplier.lead_time_days),
                        ("review", &o.review_days),
                        ("days", &o.supplier.order_days),
                        ("minimum", &t.money(o.supplier.min_order)),
                    ]))
                }
                @if o.below_minimum {
                    p class="error" { (m("replenish-below-minimum")) }
                }
                table {
                    thead { tr {
                        th { "SKU" } th { (m("stock-col-product")) } th class="num" { (m("stock-col-on-hand")) }
                        th class="num" { (m("replenish-col-on-order")) } th class="num" { (m("replenish-col-demand")) }
                        th class="num" { (m("replenish-col-order")) } th class="num" { (m("stock-col-value")) }
                    } }
                    tbody {
                        @for (p, s) in &o.lines {
                            tr data-product=(p.product_id) {
                                td { (p.sku) }
                                td { @if let Some(st) = &store { a href={ "/dashboard/stock/" (st.id) "/" (p.product_id) } { (p.name) } } }
                                td class="num" { (qty(t, s.on_hand)) }
                                td class="num" { (qty(t, s.on_order)) }
                                td class="num" title=(t.msg_with(key!("replenish-horizon"), &[("days", &s.horizon_days)])) { (qty(t, s.demand)) }
                                td class="num" { b { (qty(t, s.quantity)) } }
                                td class="num" { (t.money(s.value)) }
                            }
                        }
                        tr class="total" { td { (m("report-total")) } td {} td {} td {} td {} td {} td class="num" { (t.money(o.total)) } }
                    }
                }
                @if v.can_write_staff() {
                    @if let Some(s) = &store {
                        form method="post" action="/dashboard/purchase-orders/from-suggestion" {
                            (v.csrf_field())
                            input type="hidden" name="store" value=(s.id);
                            input type="hidden" name="supplier" value=(o.supplier.id);
                            button type="submit" { (m("po-from-suggestion")) }
                        }
                    }
                }
                @if o.supplier.central && v.can_write() {
                    @if let Some(s) = &store {
                        form method="post" action="/dashboard/replenishment/note" {
                            (v.csrf_field())
                            input type="hidden" name="store" value=(s.id);
                            input type="hidden" name="supplier" value=(o.supplier.id);
                            button type="submit" { (m("replenish-make-note")) }
                        }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(
        v,
        "replenishment",
        &m("replenish-title"),
        body,
    )))
}

pub fn alert_name(t: &Tr, kind: &str) -> String {
    t.msg(match kind {
        "stock_negative" => "alert-stock-negative",
        "stock_below_reorder" => "alert-stock-below-reorder",
        "stock_dead" => "alert-stock-dead",
        _ => "alert-stock-out-expected",
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub store: String,
    #[serde(default)]
    pub supplier: String,
}

/// `POST /dashboard/replenishment/note`: today's suggested order to the central warehouse becomes
/// a delivery note (recomputed here, so the note holds what the page showed for today's stock).
pub async fn make_note(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<NoteForm>,
) -> WebResult {
    let t = v.t();
    let (_, store) = chosen_store(&st, &v, Some(&f.store)).await?;
    let store = store.ok_or_else(|| WebError::not_found_t(t))?;
    let refused = |p: Problem| render(&st, &v, Some(&f.store), None, Some(p.message(t.lang())));
    let supplier = match f.supplier.trim().parse::<i64>() {
        Ok(id) => match st.storage.replenish().get_supplier(id).await {
            Ok(s) => s,
            Err(StorageError::NotFound(p)) => return refused(p).await,
            Err(e) => return Err(e.into()),
        },
        Err(_) => {
            return refused(
                Problem::new("replenish_unknown_supplier").with("value", f.supplier.trim()),
            )
            .await;
        }
    };
    if !supplier.central {
        return refused(Problem::new("replenish_not_central")).await;
    }
    let supplier_id = supplier.id;
    let today = business_day(Utc::now());
    let plan = store_plan(&st, &store, today).await?;
    let Some(order) = plan.orders.iter().find(|o| o.supplier.id == supplier_id) else {
        return refused(Problem::new("replenish_nothing_to_order")).await;
    };
    let note = st
        .storage
        .deliveries()
        .create_delivery_note(
            &NewDeliveryNote {
                store_id: store.id,
                supplier: supplier.name.clone(),
                expected_date: today + Duration::days(supplier.lead_time_days),
                lines: order
                    .lines
                    .iter()
                    .map(|(p, s)| (p.product_id, s.quantity))
                    .collect(),
                created_by: v.user.display_name.clone(),
                unit_costs: order
                    .lines
                    .iter()
                    .filter_map(|(p, _)| p.cost.map(|c| (p.product_id, c)))
                    .collect(),
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

// --- settings ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct SettingsQuery {
    pub done: Option<String>,
}

/// `GET /dashboard/replenishment/settings`.
pub async fn settings(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<SettingsQuery>,
) -> WebResult {
    settings_page(&st, &v, q.done.as_deref(), Vec::new(), "").await
}

async fn settings_page(
    st: &AppState,
    v: &Viewer,
    done: Option<&str>,
    errors: Vec<String>,
    typed_csv: &str,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let r = st.storage.replenish();
    let suppliers = r.list_suppliers().await?;
    let families = r.list_family_rules().await?;
    let franchisees = st.storage.list_franchisees().await?;
    let known_families = st.storage.stock().families().await?;
    let stores = visible_stores(st, v).await?;
    let schedules = r.store_schedules().await?;
    let name_of = |id: i64| {
        suppliers
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let body = html! {
        h1 { (m("replenish-settings-title")) }
        (tabs(t, "settings"))
        (html::done(done))
        @if !errors.is_empty() {
            div class="error" id="errors" {
                (m("deliveries-nothing-saved"))
                ul { @for e in &errors { li { (e) } } }
            }
        }
        h2 { (m("replenish-suppliers")) }
        table id="suppliers" {
            thead { tr {
                th { "#" } th { (m("replenish-supplier-name")) } th { (m("replenish-col-kind")) }
                th class="num" { (m("replenish-lead-time")) } th { (m("replenish-order-days")) }
                th class="num" { (m("replenish-minimum")) } th { (m("replenish-email")) }
                th { (m("replenish-language")) }
            } }
            tbody {
                @for s in &suppliers {
                    tr data-supplier=(s.id) {
                        td { (s.id) } td { (s.name) }
                        td { @if s.central { (m("replenish-central")) } @else { (m("replenish-external")) } }
                        td class="num" { (s.lead_time_days) } td { (s.order_days) }
                        td class="num" { (t.money(s.min_order)) } td { (s.email) }
                        td data-language=(s.language.code()) {
                            @if v.can_write() {
                                form class="inline" method="post" action={ "/dashboard/replenishment/suppliers/" (s.id) "/language" } {
                                    (v.csrf_field())
                                    (language_select(t, s.language))
                                    " " button type="submit" class="secondary" { (m("replenish-language-save")) }
                                }
                            } @else {
                                (language_name(t, s.language))
                            }
                        }
                    }
                }
            }
        }
        @if v.can_write() {
            form class="row card" method="post" action="/dashboard/replenishment/suppliers" {
                (v.csrf_field())
                label { (m("replenish-supplier-name")) input name="name" required; }
                label { (m("replenish-col-kind")) select name="central" {
                    option value="false" { (m("replenish-external")) }
                    option value="true" { (m("replenish-central")) }
                } }
                label { (m("replenish-franchisee")) select name="franchisee" {
                    option value="" { (m("replenish-all-franchisees")) }
                    @for f in &franchisees { option value=(f.id) { (f.legal_name) } }
                } }
                label { (m("replenish-lead-time")) input name="lead_time_days" type="number" min="0" max="365" value="2"; }
                label { (m("replenish-order-days")) input name="order_days" value="1,4" size="8"; }
                label { (m("replenish-minimum")) input name="min_order" value="0"; }
                label { (m("replenish-email")) input name="email" type="email"; }
                label { (m("replenish-language")) (language_select(t, crate::i18n::Lang::Es)) }
                button type="submit" { (m("replenish-add-supplier")) }
            }
        }
        h2 { (m("replenish-family-rules")) }
        table id="family-rules" {
            thead { tr {
                th { (m("stock-family")) } th { (m("replenish-supplier-name")) }
                th class="num" { (m("replenish-reorder-point")) } th class="num" { (m("replenish-par")) }
                th class="num" { (m("replenish-pack")) } th class="num" { (m("replenish-safety")) }
            } }
            tbody {
                @for f in &families {
                    tr { td { (f.family) } td { (name_of(f.supplier_id)) }
                        td class="num" { (opt_qty(t, f.reorder_point)) } td class="num" { (opt_qty(t, f.par_level)) }
                        td class="num" { (qty(t, f.pack)) } td class="num" { (f.safety_days) } }
                }
            }
        }
        @if v.can_write() {
            form class="row card" method="post" action="/dashboard/replenishment/families" {
                (v.csrf_field())
                label { (m("stock-family")) input name="family" list="families" required; }
                datalist id="families" { @for f in &known_families { option value=(f) {} } }
                label { (m("replenish-supplier-name")) select name="supplier" {
                    @for s in &suppliers { option value=(s.id) { (s.name) } }
                } }
                label { (m("replenish-reorder-point")) input name="reorder_point" size="6"; }
                label { (m("replenish-par")) input name="par_level" size="6"; }
                label { (m("replenish-pack")) input name="pack" value="1" size="6"; }
                label { (m("replenish-safety")) input name="safety_days" value=(rules::DEFAULT_SAFETY_DAYS) size="4"; }
                button type="submit" { (m("replenish-save-family")) }
            }
        }
        h2 { (m("replenish-schedule")) }
        p class="muted" { (t.msg_with(key!("replenish-schedule-intro"), &[("hour", &rules::DEFAULT_JOB_HOUR), ("days", &rules::DEFAULT_DEAD_STOCK_DAYS)])) }
        table id="schedules" {
            thead { tr { th { (m("report-store")) } th { (m("replenish-time-zone")) } th class="num" { (m("replenish-job-hour")) } th class="num" { (m("replenish-dead-days")) } } }
            tbody {
                @for s in &stores {
                    @let sc = schedules.iter().find(|x| x.store_id == s.id);
                    tr data-store=(s.id) {
                        td { (s.name) } td { (s.time_zone) }
                        td class="num" { (sc.map_or(rules::DEFAULT_JOB_HOUR, |x| x.job_hour)) ":00" }
                        td class="num" { (sc.map_or(rules::DEFAULT_DEAD_STOCK_DAYS, |x| x.dead_stock_days)) }
                    }
                }
            }
        }
        @if v.can_write() {
            form class="row card" method="post" action="/dashboard/replenishment/schedule" {
                (v.csrf_field())
                label { (m("report-store")) select name="store" { @for s in &stores { option value=(s.id) { (s.name) } } } }
                label { (m("replenish-job-hour")) input name="job_hour" type="number" min="0" max="23" value=(rules::DEFAULT_JOB_HOUR); }
                label { (m("replenish-dead-days")) input name="dead_stock_days" type="number" min="1" max="3650" value=(rules::DEFAULT_DEAD_STOCK_DAYS); }
                button type="submit" { (m("replenish-save-schedule")) }
            }
        }
        h2 { (m("replenish-store-rules")) }
        p { (m("replenish-store-rules-intro")) " "
            a id="export-rules" href="/dashboard/replenishment/rules.csv" { (m("report-export")) } }
        @if v.can_write() {
            form class="card" method="post" action="/dashboard/replenishment/rules" {
                (v.csrf_field())
                label { (m("replenish-rules-import-label")) br;
                    textarea name="csv" id="csv" rows="8" cols="80"
                        placeholder="store_id;sku;supplier;reorder_point;par_level;pack;safety_days" { (typed_csv) } }
                br;
                button type="submit" { (m("replenish-rules-import")) }
            }
        }
    };
    Ok(ok(html::page(
        v,
        "replenishment",
        &m("replenish-settings-title"),
        body,
    )))
}

#[derive(Debug, Default, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    pub store: String,
    #[serde(default)]
    pub job_hour: String,
    #[serde(default)]
    pub dead_stock_days: String,
}

/// `POST /dashboard/replenishment/schedule`: a store's job hour and dead-stock days.
pub async fn set_schedule(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<ScheduleForm>,
) -> WebResult {
    let t = v.t();
    let store = f
        .store
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .unwrap_or(StoreId(0));
    let (job_hour, dead_stock_days) =
        match crate::services::purchasing::check_schedule(&f.job_hour, &f.dead_stock_days) {
            Ok(x) => x,
            Err(p) => return settings_page(&st, &v, None, words(t, &[p]), "").await,
        };
    let s = crate::storage::replenish::StoreSchedule {
        store_id: store,
        job_hour,
        dead_stock_days,
    };
    match st.storage.replenish().set_store_schedule(&s).await {
        Ok(()) => Ok(see_other(&format!(
            "/dashboard/replenishment/settings?done={}",
            url(&t.msg(key!("replenish-schedule-saved")))
        ))),
        Err(StorageError::Invalid(p)) => settings_page(&st, &v, None, words(t, &[p]), "").await,
        Err(e) => Err(e.into()),
    }
}

/// Problems in the viewer's language, one sentence each.
fn words(t: &Tr, ps: &[Problem]) -> Vec<String> {
    ps.iter().map(|p| p.message(t.lang())).collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct SupplierForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub central: String,
    #[serde(default)]
    pub franchisee: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub lead_time_days: String,
    #[serde(default)]
    pub order_days: String,
    #[serde(default)]
    pub min_order: String,
    /// `es` (the default) or `en`: the language of its purchase orders.
    #[serde(default)]
    pub language: String,
}

/// The name of a supplier's language in `t`'s language.
fn language_name(t: &Tr, l: crate::i18n::Lang) -> String {
    t.msg(match l {
        crate::i18n::Lang::Es => "replenish-language-es",
        crate::i18n::Lang::En => "replenish-language-en",
    })
}

fn language_select(t: &Tr, current: crate::i18n::Lang) -> Markup {
    html! {
        select name="language" {
            @for l in crate::i18n::Lang::ALL {
                option value=(l.code()) selected[l == current] { (language_name(t, l)) }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    pub language: String,
}

/// `POST /dashboard/replenishment/suppliers/{id}/language`: the language a supplier's purchase
/// orders are written in from now on (those approved already keep their PDF).
pub async fn set_supplier_language(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<LanguageForm>,
) -> WebResult {
    let t = v.t();
    let r = st.storage.replenish();
    let s = match r.get_supplier(id).await {
        Ok(s) => s,
        Err(StorageError::NotFound(_)) => return Err(WebError::not_found_t(t)),
        Err(e) => return Err(e.into()),
    };
    let Some(language) = crate::i18n::Lang::from_code(f.language.trim()) else {
        let p = Problem::new("replenish_bad_language").with("value", f.language.trim());
        return settings_page(&st, &v, None, words(t, &[p]), "").await;
    };
    let new = crate::storage::replenish::NewSupplier {
        name: s.name,
        central: s.central,
        franchisee_id: s.franchisee_id,
        email: s.email,
        lead_time_days: s.lead_time_days,
        order_days: s.order_days,
        min_order: s.min_order,
        language,
    };
    let s = r.update_supplier(id, &new).await?;
    Ok(see_other(&format!(
        "/dashboard/replenishment/settings?done={}",
        url(&t.msg_with(key!("replenish-supplier-saved"), &[("name", &s.name)]))
    )))
}

/// `POST /dashboard/replenishment/suppliers`.
pub async fn create_supplier(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<SupplierForm>,
) -> WebResult {
    let t = v.t();
    let franchisee = match f.franchisee.trim() {
        "" => Ok(None),
        x => x
            .parse::<i64>()
            .map(Some)
            .map_err(|_| vec![Problem::new("franchisee_does_not_exist").with("id", x)]),
    };
    let new = franchisee.and_then(|fr| {
        rules::new_supplier(
            &f.name,
            f.central == "true",
            fr,
            &f.email,
            &f.lead_time_days,
            &f.order_days,
            &f.min_order,
            &f.language,
        )
    });
    let new = match new {
        Ok(n) => n,
        Err(ps) => return settings_page(&st, &v, None, words(t, &ps), "").await,
    };
    match st
        .storage
        .replenish()
        .create_supplier(&new, Utc::now())
        .await
    {
        Ok(s) => Ok(see_other(&format!(
            "/dashboard/replenishment/settings?done={}",
            url(&t.msg_with(key!("replenish-supplier-saved"), &[("name", &s.name)]))
        ))),
        Err(StorageError::Invalid(p) | StorageError::Conflict(p)) => {
            settings_page(&st, &v, None, words(t, &[p]), "").await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FamilyForm {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub supplier: String,
    #[serde(default)]
    pub reorder_point: String,
    #[serde(default)]
    pub par_level: String,
    #[serde(default)]
    pub pack: String,
    #[serde(default)]
    pub safety_days: String,
}

/// `POST /dashboard/replenishment/families`.
pub async fn set_family(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<FamilyForm>,
) -> WebResult {
    let t = v.t();
    let mut ps = Vec::new();
    let family = f.family.trim().to_string();
    if family.is_empty() {
        ps.push(Problem::new("replenish_family_missing"));
    }
    let supplier = f.supplier.trim().parse::<i64>().unwrap_or(0);
    let mut take = |r: Result<Option<Quantity>, Problem>| {
        r.unwrap_or_else(|p| {
            ps.push(p);
            None
        })
    };
    let reorder_point = take(rules::parse_level("reorder_point", &f.reorder_point));
    let par_level = take(rules::parse_level("par_level", &f.par_level));
    let pack = take(rules::parse_pack(&f.pack)).unwrap_or(Quantity::one());
    let safety_days = match rules::parse_days("safety_days", &f.safety_days) {
        Ok(d) => d.unwrap_or(rules::DEFAULT_SAFETY_DAYS),
        Err(p) => {
            ps.push(p);
            0
        }
    };
    if !ps.is_empty() {
        return settings_page(&st, &v, None, words(t, &ps), "").await;
    }
    let rule = FamilyRule {
        family,
        supplier_id: supplier,
        reorder_point,
        par_level,
        pack,
        safety_days,
    };
    match st.storage.replenish().set_family_rule(&rule).await {
        Ok(()) => Ok(see_other(&format!(
            "/dashboard/replenishment/settings?done={}",
            url(&t.msg_with(key!("replenish-family-saved"), &[("family", &rule.family)]))
        ))),
        Err(StorageError::Invalid(p)) => settings_page(&st, &v, None, words(t, &[p]), "").await,
        Err(e) => Err(e.into()),
    }
}

/// The header of the store rules CSV (export and import).
pub const RULES_HEADER: [&str; 7] = [
    "store_id",
    "sku",
    "supplier",
    "reorder_point",
    "par_level",
    "pack",
    "safety_days",
];

/// `GET /dashboard/replenishment/rules.csv`: the store rules of the stores the viewer sees.
pub async fn rules_csv(State(st): State<AppState>, v: Viewer) -> WebResult {
    let r = st.storage.replenish();
    let suppliers: BTreeMap<i64, Supplier> = r
        .list_suppliers()
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let skus: BTreeMap<i64, String> = st
        .storage
        .stock()
        .product_stock()
        .await?
        .into_iter()
        .map(|p| (p.product_id.0, p.sku))
        .collect();
    let mut out = CsvExport::new(&RULES_HEADER);
    let opt = |q: Option<Quantity>| q.map(|q| q.to_string()).unwrap_or_default();
    for rule in r.list_store_rules(None).await? {
        if !v.sees_store(rule.store_id) {
            continue;
        }
        out.row(&[
            value(rule.store_id),
            text(skus.get(&rule.product_id.0).map_or("", String::as_str)),
            text(
                rule.supplier_id
                    .and_then(|s| suppliers.get(&s))
                    .map_or("", |s| s.name.as_str()),
            ),
            value(opt(rule.reorder_point)),
            value(opt(rule.par_level)),
            value(opt(rule.pack)),
            value(rule.safety_days.map(|d| d.to_string()).unwrap_or_default()),
        ]);
    }
    out.download("reposicion.csv")
}

#[derive(Debug, Default, Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    pub csv: String,
}

/// `POST /dashboard/replenishment/rules`: store rules from a CSV (the export's columns); every
/// row is checked first, one bad row and nothing is saved.
pub async fn import_rules(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<RulesForm>,
) -> WebResult {
    let t = v.t();
    let fail = |errors: Vec<String>| settings_page(&st, &v, None, errors, &f.csv);
    let rows = match read_rows(&f.csv) {
        Ok(r) => r,
        Err(e) => return fail(vec![format!("CSV: {e}")]).await,
    };
    let mut it = rows.into_iter();
    let Some(header) = it.next() else {
        return fail(vec![t.msg(key!("import-empty"))]).await;
    };
    let cols: Vec<String> = header
        .fields
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| cols.iter().position(|c| c == name);
    let (Some(c_store), Some(c_sku)) = (col("store_id"), col("sku")) else {
        return fail(vec![t.msg(key!("replenish-rules-bad-header"))]).await;
    };
    let suppliers = st.storage.replenish().list_suppliers().await?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for r in it {
        let line = r.line;
        let get = |c: Option<usize>| {
            c.and_then(|c| r.fields.get(c))
                .map(|s| restore(s.trim()).to_string())
                .unwrap_or_default()
        };
        let mut ps: Vec<Problem> = Vec::new();
        let store_text = get(Some(c_store));
        let store = store_text
            .parse::<i64>()
            .ok()
            .map(StoreId)
            .filter(|s| v.sees_store(*s));
        if store.is_none() {
            ps.push(Problem::new("replenish_unknown_store").with("value", &store_text));
        }
        let sku = get(Some(c_sku));
        let product = st.storage.deliveries().product_by_code(&sku).await?;
        if product.is_none() {
            ps.push(Problem::new("stock_unknown_code").with("code", &sku));
        }
        let supplier_text = get(col("supplier"));
        let supplier = if supplier_text.is_empty() {
            None
        } else {
            let found = suppliers.iter().find(|s| {
                s.name.eq_ignore_ascii_case(&supplier_text) || s.id.to_string() == supplier_text
            });
            if found.is_none() {
                ps.push(Problem::new("replenish_unknown_supplier").with("value", &supplier_text));
            }
            found.map(|s| s.id)
        };
        let mut take = |r: Result<Option<Quantity>, Problem>| {
            r.unwrap_or_else(|p| {
                ps.push(p);
                None
            })
        };
        let reorder_point = take(rules::parse_level(
            "reorder_point",
            &get(col("reorder_point")),
        ));
        let par_level = take(rules::parse_level("par_level", &get(col("par_level"))));
        let pack = take(rules::parse_pack(&get(col("pack"))));
        let safety_days = rules::parse_days("safety_days", &get(col("safety_days")))
            .unwrap_or_else(|p| {
                ps.push(p);
                None
            });
        for p in &ps {
            errors.push(t.msg_with(
                "import-bad-line",
                &[("line", &line), ("reason", &p.message(t.lang()))],
            ));
        }
        if let (true, Some(store), Some(product)) = (ps.is_empty(), store, product) {
            out.push(StoreRule {
                store_id: store,
                product_id: product.id,
                supplier_id: supplier,
                reorder_point,
                par_level,
                pack,
                safety_days,
            });
        }
    }
    if !errors.is_empty() {
        return fail(errors).await;
    }
    match st.storage.replenish().set_store_rules(&out).await {
        Ok(n) => Ok(see_other(&format!(
            "/dashboard/replenishment/settings?done={}",
            url(&t.msg_with(key!("replenish-rules-imported"), &[("count", &n)]))
        ))),
        Err(StorageError::Invalid(p)) => fail(words(t, &[p])).await,
        Err(e) => Err(e.into()),
    }
}
