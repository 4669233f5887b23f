//! Promociones: HQ's promotions (current, upcoming, ended), a form to create one and a button to
//! end one early; scheduled price changes (upcoming, with cancel) and a form to schedule one; and
//! the report of discounts per promotion. Admins change; analysts read everything; a manager
//! reads the promotions that run in their stores and their stores' discounts.

use super::controls::{self, ControlQuery};
use super::csv_file::{CsvExport, text, value};
use super::html;
use super::overview::visible_stores;
use super::{Tr, Viewer, WebError, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::promotions::{self as svc, NewPromotion, PromotionStatus};
use crate::storage::StorageError;
use crate::storage::promotions::StoredPromotion;
use axum::extract::State;
use chrono::{NaiveDate, Utc};
use maud::html;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use sync_protocol::{Money, Percent, ProductId, PromotionRule, StoreId};

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// A percentage as people write it: `10`, `12,5` (Spanish) or `12.5`.
fn pct(t: &Tr, p: &Percent) -> String {
    let s = p.as_decimal().normalize().to_string();
    match t.lang() {
        super::Lang::Es => s.replace('.', ","),
        _ => s,
    }
}

/// What a rule gives, in words.
pub fn rule_text(t: &Tr, r: &PromotionRule) -> String {
    match r {
        PromotionRule::PercentOff { percent } => {
            t.msg_with(key!("promo-rule-percent"), &[("percent", &pct(t, percent))])
        }
        PromotionRule::NForM { take, pay } => {
            t.msg_with(key!("promo-rule-n-for-m"), &[("take", take), ("pay", pay)])
        }
        PromotionRule::SecondUnit { percent_off } => t.msg_with(
            "promo-rule-second-unit",
            &[("percent", &pct(t, percent_off))],
        ),
        PromotionRule::Bundle { price } => {
            t.msg_with(key!("promo-rule-bundle"), &[("price", &t.money(*price))])
        }
    }
}

/// Whether the viewer sees a promotion: HQ roles all, a manager those that run in their stores.
fn sees(v: &Viewer, p: &StoredPromotion) -> bool {
    match v.scope() {
        None => true,
        Some(s) => {
            p.promotion.stores.is_empty() || p.promotion.stores.iter().any(|x| s.contains(x))
        }
    }
}

/// `GET /dashboard/promotions`.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    show(&st, &v, q.done.as_deref(), None).await
}

async fn show(st: &AppState, v: &Viewer, done: Option<&str>, error: Option<String>) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let now = Utc::now();
    let today = svc::today(now);
    let all: Vec<StoredPromotion> = st
        .storage
        .promotions()
        .promotions()
        .await?
        .into_iter()
        .filter(|p| sees(v, p))
        .collect();
    let stores = visible_stores(st, v).await?;
    let store_names: HashMap<StoreId, String> = st
        .storage
        .list_stores()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let catalog = st.storage.replenish().catalog().await?;
    let names: HashMap<ProductId, String> = catalog
        .iter()
        .map(|p| (p.product_id, format!("{} · {}", p.sku, p.name)))
        .collect();
    let mut families: Vec<&str> = catalog
        .iter()
        .filter(|p| p.active && !p.family.is_empty())
        .map(|p| p.family.as_str())
        .collect();
    families.sort_unstable();
    families.dedup();
    let schedules: Vec<_> = st
        .storage
        .promotions()
        .price_schedules()
        .await?
        .into_iter()
        .filter(|s| s.schedule.store_id.is_none_or(|x| v.sees_store(x)))
        .filter(|s| s.cancelled_at.is_none() && s.schedule.effective_on > today)
        .collect();
    let section = |status: PromotionStatus, key: &str| {
        let rows: Vec<&StoredPromotion> = all
            .iter()
            .filter(|p| svc::status(&p.promotion, today, now) == status)
            .collect();
        html! {
            section class="card" id={ "promos-" (status.as_str()) } {
                h2 { (m(key)) }
                @if rows.is_empty() {
                    p class="muted" { (m("promo-none")) }
                } @else {
                    table {
                        thead { tr {
                            th { (m("promo-col-name")) } th { (m("promo-col-rule")) }
                            th { (m("promo-col-products")) } th { (m("promo-col-stores")) }
                            th { (m("promo-col-dates")) } th {}
                        } }
                        tbody {
                            @for sp in rows {
                                @let p = &sp.promotion;
                                tr data-promotion=(p.id) {
                                    td { (p.name) }
                                    td { (rule_text(t, &p.rule)) }
                                    td {
                                        @if let Some(f) = &p.family { (t.msg_with(key!("promo-family"), &[("family", f)])) br; }
                                        @for (i, id) in p.products.iter().take(5).enumerate() {
                                            @if i > 0 { ", " }
                                            (names.get(id).cloned().unwrap_or_else(|| id.to_string()))
                                        }
                                        @if p.products.len() > 5 { " …" }
                                    }
                                    td {
                                        @if p.stores.is_empty() { (m("promo-all-stores")) }
                                        @for (i, s) in p.stores.iter().enumerate() {
                                            @if i > 0 { ", " }
                                            (store_names.get(s).cloned().unwrap_or_else(|| s.to_string()))
                                        }
                                    }
                                    td {
                                        (t.day(p.starts_on)) " – " (t.day(p.ends_on))
                                        @if let Some(e) = p.ended_at { br; small { (t.msg_with(key!("promo-ended-at"), &[("when", &t.datetime(e))])) } }
                                    }
                                    td {
                                        @if v.can_write() && status != PromotionStatus::Ended {
                                            form method="post" action="/dashboard/promotions/end" {
                                                (v.csrf_field())
                                                input type="hidden" name="id" value=(p.id);
                                                button type="submit" class="secondary" { (m("promo-end")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { (m("promo-title")) }
        (html::done(done))
        p class="muted" { (m("promo-intro")) " " a href="/dashboard/reports/promotions" { (m("promo-report-link")) } }
        @if let Some(e) = &error { p class="error" id="errors" { (e) } }
        (section(PromotionStatus::Current, "promo-current"))
        (section(PromotionStatus::Upcoming, "promo-upcoming"))
        @if v.can_write() {
            section class="card" {
                h2 { (m("promo-new")) }
                form method="post" action="/dashboard/promotions/create" id="promo-form" {
                    (v.csrf_field())
                    div class="row" {
                        label { (m("promo-col-name")) " " input type="text" name="name" required maxlength="40"; }
                        label { (m("promo-kind")) " " select name="kind" {
                            option value="percent_off" { (m("promo-kind-percent")) }
                            option value="n_for_m" { (m("promo-kind-n-for-m")) }
                            option value="second_unit" { (m("promo-kind-second-unit")) }
                            option value="bundle" { (m("promo-kind-bundle")) }
                        } }
                    }
                    div class="row" {
                        label { (m("promo-percent")) " " input type="text" name="percent" size="6" placeholder="20"; }
                        label { (m("promo-take")) " " input type="number" name="take" min="2" max="20" size="3"; }
                        label { (m("promo-pay")) " " input type="number" name="pay" min="1" max="19" size="3"; }
                        label { (m("promo-price")) " " input type="text" name="price" size="8" placeholder="4,00"; }
                    }
                    div class="row" {
                        label { (m("promo-family-field")) " " select name="family" {
                            option value="" { "—" }
                            @for f in &families { option value=(f) { (f) } }
                        } }
                        label { (m("promo-skus")) " " input type="text" name="skus" size="40" placeholder="YOG-001, YOG-002"; }
                    }
                    div class="row" {
                        label { (m("promo-from")) " " input type="date" name="starts_on" required; }
                        label { (m("promo-to")) " " input type="date" name="ends_on" required; }
                    }
                    fieldset {
                        legend { (m("promo-stores-legend")) }
                        @for s in &stores {
                            label { input type="checkbox" name={ "store-" (s.id) } value="on"; " " (s.name) } " "
                        }
                    }
                    button type="submit" id="promo-create" { (m("promo-create")) }
                }
            }
        }
        (section(PromotionStatus::Ended, "promo-ended"))
        section class="card" id="scheduled-prices" {
            h2 { (m("price-schedule-title")) }
            @if schedules.is_empty() {
                p class="muted" { (m("price-schedule-none")) }
            } @else {
                table {
                    thead { tr {
                        th { (m("promo-col-products")) } th { (m("report-store")) }
                        th { (m("price-schedule-price")) } th { (m("price-schedule-from")) } th {}
                    } }
                    tbody {
                        @for s in &schedules {
                            tr data-schedule=(s.schedule.id) {
                                td { (names.get(&s.schedule.product_id).cloned().unwrap_or_default()) }
                                td { (s.schedule.store_id.map_or_else(|| m("promo-all-stores"), |x| store_names.get(&x).cloned().unwrap_or_default())) }
                                td class="num" { (t.money(s.schedule.price)) }
                                td { (t.day(s.schedule.effective_on)) }
                                td {
                                    @if v.can_write() {
                                        form method="post" action="/dashboard/prices/cancel" {
                                            (v.csrf_field())
                                            input type="hidden" name="id" value=(s.schedule.id);
                                            button type="submit" class="secondary" { (m("price-schedule-cancel")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if v.can_write() {
                form class="row" method="post" action="/dashboard/prices/schedule" id="schedule-form" {
                    (v.csrf_field())
                    label { "SKU " input type="text" name="sku" required size="12"; }
                    label { (m("report-store")) " " select name="store" {
                        option value="" { (m("promo-all-stores")) }
                        @for s in &stores { option value=(s.id) { (s.name) } }
                    } }
                    label { (m("price-schedule-price")) " " input type="text" name="price" required size="8"; }
                    label { (m("price-schedule-from")) " " input type="date" name="effective_on" required; }
                    button type="submit" id="schedule-create" { (m("price-schedule-create")) }
                }
            }
        }
    };
    Ok(ok(html::page(v, "promotions", &m("promo-title"), body)))
}

fn refusal(v: &Viewer, e: StorageError) -> Result<String, WebError> {
    match &e {
        StorageError::Invalid(p) | StorageError::NotFound(p) => Ok(p.message(v.t().lang())),
        _ => Err(e.into()),
    }
}

fn done_at(msg: &str) -> axum::response::Response {
    see_other(&format!("/dashboard/promotions?done={}", html::url(msg)))
}

fn field<'a>(f: &'a BTreeMap<String, String>, k: &str) -> &'a str {
    f.get(k).map_or("", |s| s.trim())
}

/// A decimal typed the Spanish or the English way (`4,50`, `4.50`).
fn decimal<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().replace(',', ".").parse().ok()
}

/// Reads the create form into a promotion, or says which field is wrong.
fn read_form(
    t: &Tr,
    f: &BTreeMap<String, String>,
    skus: &HashMap<String, ProductId>,
) -> Result<NewPromotion, String> {
    let bad = |k: &str| t.msg_with(key!("promo-field-bad"), &[("field", &t.msg(k))]);
    let rule = match field(f, "kind") {
        "percent_off" => PromotionRule::PercentOff {
            percent: decimal::<Percent>(field(f, "percent")).ok_or_else(|| bad("promo-percent"))?,
        },
        "second_unit" => PromotionRule::SecondUnit {
            percent_off: decimal::<Percent>(field(f, "percent"))
                .ok_or_else(|| bad("promo-percent"))?,
        },
        "n_for_m" => PromotionRule::NForM {
            take: field(f, "take").parse().map_err(|_| bad("promo-take"))?,
            pay: field(f, "pay").parse().map_err(|_| bad("promo-pay"))?,
        },
        "bundle" => PromotionRule::Bundle {
            price: decimal::<Money>(field(f, "price")).ok_or_else(|| bad("promo-price"))?,
        },
        _ => return Err(bad("promo-kind")),
    };
    let mut products = Vec::new();
    for sku in field(f, "skus")
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match skus.get(&sku.to_lowercase()) {
            Some(p) => products.push(*p),
            None => return Err(t.msg_with(key!("promo-unknown-sku"), &[("sku", &sku)])),
        }
    }
    let day = |k: &str, label: &str| field(f, k).parse::<NaiveDate>().map_err(|_| bad(label));
    let stores = f
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(k, _)| k.strip_prefix("store-")?.parse().ok().map(StoreId))
        .collect();
    Ok(NewPromotion {
        name: field(f, "name").to_string(),
        rule,
        family: Some(field(f, "family").to_string()).filter(|s| !s.is_empty()),
        products,
        stores,
        starts_on: day("starts_on", "promo-from")?,
        ends_on: day("ends_on", "promo-to")?,
    })
}

/// `POST /dashboard/promotions/create`.
pub async fn create(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<BTreeMap<String, String>>,
) -> WebResult {
    let t = v.t();
    let catalog = st.storage.replenish().catalog().await?;
    let skus: HashMap<String, ProductId> = catalog
        .iter()
        .map(|p| (p.sku.to_lowercase(), p.product_id))
        .collect();
    let new = match read_form(t, &f, &skus) {
        Ok(n) => n,
        Err(e) => return show(&st, &v, None, Some(e)).await,
    };
    for s in &new.stores {
        if !v.sees_store(*s) {
            return Err(WebError::not_found_t(t));
        }
    }
    match svc::create(st.storage.as_ref(), new, &v.user.display_name, Utc::now()).await {
        Ok(p) => Ok(done_at(
            &t.msg_with(key!("promo-created"), &[("name", &p.promotion.name)]),
        )),
        Err(e) => {
            let msg = refusal(&v, e)?;
            show(&st, &v, None, Some(msg)).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct IdForm {
    #[serde(default)]
    pub id: i64,
}

/// `POST /dashboard/promotions/end`: ends it now.
pub async fn end(State(st): State<AppState>, WriteForm(v, f): WriteForm<IdForm>) -> WebResult {
    match svc::end(st.storage.as_ref(), f.id, Utc::now()).await {
        Ok(p) => Ok(done_at(
            &v.t()
                .msg_with(key!("promo-ended-done"), &[("name", &p.promotion.name)]),
        )),
        Err(e) => {
            let msg = refusal(&v, e)?;
            show(&st, &v, None, Some(msg)).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub store: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub effective_on: String,
}

/// `POST /dashboard/prices/schedule`.
pub async fn schedule(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<ScheduleForm>,
) -> WebResult {
    let t = v.t();
    let bad = |k: &str| t.msg_with(key!("promo-field-bad"), &[("field", &t.msg(k))]);
    let catalog = st.storage.replenish().catalog().await?;
    let Some(product) = catalog
        .iter()
        .find(|p| p.sku.eq_ignore_ascii_case(f.sku.trim()))
    else {
        let e = t.msg_with(key!("promo-unknown-sku"), &[("sku", &f.sku.trim())]);
        return show(&st, &v, None, Some(e)).await;
    };
    let store = match f.store.trim() {
        "" => None,
        s => Some(StoreId(s.parse().map_err(|_| WebError::not_found_t(t))?)),
    };
    let Some(price) = decimal::<Money>(&f.price) else {
        return show(&st, &v, None, Some(bad("price-schedule-price"))).await;
    };
    let Ok(day) = f.effective_on.trim().parse::<NaiveDate>() else {
        return show(&st, &v, None, Some(bad("price-schedule-from"))).await;
    };
    match svc::schedule_price(
        st.storage.as_ref(),
        product.product_id,
        store,
        price,
        day,
        &v.user.display_name,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(done_at(&t.msg_with(
            "price-schedule-created",
            &[("sku", &product.sku), ("day", &t.day(day))],
        ))),
        Err(e) => {
            let msg = refusal(&v, e)?;
            show(&st, &v, None, Some(msg)).await
        }
    }
}

/// `POST /dashboard/prices/cancel`.
pub async fn cancel(State(st): State<AppState>, WriteForm(v, f): WriteForm<IdForm>) -> WebResult {
    match svc::cancel_price(st.storage.as_ref(), f.id, Utc::now()).await {
        Ok(_) => Ok(done_at(&v.t().msg(key!("price-schedule-cancelled")))),
        Err(e) => {
            let msg = refusal(&v, e)?;
            show(&st, &v, None, Some(msg)).await
        }
    }
}

/// `GET /dashboard/reports/promotions?from=&to=&store=`: discounts per promotion.
pub async fn report_page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let f = controls::filter(&st, &v, &q, t).await?;
    let rows = svc::report(st.storage.as_ref(), f.from, f.to, f.scope(&v)).await?;
    let total: Money = rows.iter().map(|r| r.discount).sum();
    let body = html! {
        h1 { (m("promo-report-title")) }
        (controls::tabs(t, "promotions", f.from, f.to))
        (controls::form(&st, &v, "promotions", &f, &q))
        section class="card" {
            @if rows.is_empty() {
                p class="muted" { (m("promo-report-empty")) }
            } @else {
                table id="report" {
                    thead { tr {
                        th { (m("promo-col-name")) } th class="num" { (m("promo-report-lines")) }
                        th class="num" { (m("promo-report-units")) } th class="num" { (m("promo-report-discount")) }
                    } }
                    tbody {
                        @for r in &rows {
                            tr data-key=(r.promotion_id) {
                                td { (if r.name.is_empty() { format!("#{}", r.promotion_id) } else { r.name.clone() }) }
                                td class="num" { (r.lines) }
                                td class="num" { (t.quantity(r.units.milli())) }
                                td class="num" { (t.money(r.discount)) }
                            }
                        }
                        tr class="total" { td { (m("report-total")) } td {} td {} td class="num" { (t.money(total)) } }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(
        &v,
        "reports",
        &m("promo-report-title"),
        body,
    )))
}

/// `GET /dashboard/reports/promotions.csv?from=&to=&store=`.
pub async fn report_csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    let (name, out) = report_export(&st, &v, &q).await?;
    out.download(&name)
}

/// The promotions report's CSV file: its name and content (downloaded, or e-mailed from the page).
pub async fn report_export(
    st: &AppState,
    v: &Viewer,
    q: &ControlQuery,
) -> Result<(String, CsvExport), WebError> {
    let f = controls::filter(st, v, q, Tr::es()).await?;
    let rows = svc::report(st.storage.as_ref(), f.from, f.to, f.scope(v)).await?;
    let mut out = CsvExport::new(&["promotion_id", "promotion", "lines", "units", "discount"]);
    for r in &rows {
        out.row(&[
            value(r.promotion_id),
            text(&r.name),
            value(r.lines),
            value(r.units),
            value(r.discount),
        ]);
    }
    Ok((format!("promociones-{}-{}.csv", f.from, f.to), out))
}
