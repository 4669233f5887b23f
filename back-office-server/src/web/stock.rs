//! Existencias: stock per store and product as the tills' documents left it (search, family,
//! value, days of cover, negative and dead stock highlighted, CSV), each product's stock card
//! (kardex), HQ's costs (CSV import and export) and the stock reports (valuation per store,
//! shrinkage, rotation). A store manager sees only their stores; only HQ admins change costs.

use super::csv_file::{CsvExport, read_rows, restore, text, value};
use super::html::{self, url};
use super::overview::visible_stores;
use super::{Lang, Tr, Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::stock::{self as rules, CostLine, MoveKind, SALES_WINDOW_DAYS};
use crate::storage::sql::business_day;
use crate::storage::stock::{StockFilter, StockRow};
use axum::extract::State;
use chrono::{Duration, NaiveDate, Utc};
use maud::{Markup, html};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use sync_protocol::{Money, ProductId, Quantity, StoreId};

/// Days without a sale after which stock on hand counts as dead, unless the page asks otherwise.
pub const DEAD_DAYS_DEFAULT: i64 = 30;
/// Movements a stock card shows (the newest).
pub const CARD_LIMIT: u32 = 500;
/// Rows the Existencias page shows at once (the figures above the table count every row; the
/// CSV has them all).
pub const PAGE_ROWS: usize = 500;
/// The highest page number a link may ask for.
pub const MAX_PAGE: usize = 100_000;

/// A decimal in `t`'s language (`2,3667` / `2.3667`).
fn decimal(t: &Tr, d: Decimal) -> String {
    let s = d.to_string();
    match t.lang() {
        Lang::Es => s.replace('.', ","),
        Lang::En => s,
    }
}

fn qty(t: &Tr, q: Quantity) -> String {
    t.quantity(q.milli())
}

fn cost(t: &Tr, c: Option<Decimal>) -> String {
    c.map_or_else(|| "—".to_string(), |c| decimal(t, c))
}

/// The name of a movement kind in `t`'s language.
pub fn kind_name(t: &Tr, k: MoveKind) -> String {
    t.msg(match k {
        MoveKind::Sale => "stock-kind-sale",
        MoveKind::Refund => "stock-kind-refund",
        MoveKind::Receipt => "stock-kind-receipt",
        MoveKind::Count => "stock-kind-count",
        MoveKind::Waste => "stock-kind-waste",
        MoveKind::Adjustment => "stock-kind-adjustment",
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct StockQuery {
    pub store: Option<String>,
    pub q: Option<String>,
    pub family: Option<String>,
    /// Days without a sale for dead stock.
    pub dead: Option<String>,
    /// `negative` or `dead`: only those rows.
    pub show: Option<String>,
    /// Which [`PAGE_ROWS`] rows of the page (1 first).
    pub page: Option<String>,
    pub done: Option<String>,
}

/// The page asked for, 1 to [`MAX_PAGE`]; anything else is a 400 that says so.
fn page_number(t: &Tr, page: Option<&str>) -> Result<usize, WebError> {
    let Some(p) = page.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(1);
    };
    p.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_PAGE).contains(n))
        .ok_or_else(|| {
            WebError::new(
                axum::http::StatusCode::BAD_REQUEST,
                t.msg_with(
                    "error-bad-query",
                    &[(
                        "detail",
                        &t.msg_with(
                            key!("catalog-bad-page"),
                            &[("page", &p), ("max", &MAX_PAGE)],
                        ),
                    )],
                ),
            )
        })
}

/// The page's filter, checked against the viewer.
pub struct Filter {
    pub store: Option<StoreId>,
    pub stores: BTreeMap<StoreId, String>,
    pub q: String,
    pub family: String,
    pub dead_days: i64,
    pub show: String,
    pub today: NaiveDate,
}

impl Filter {
    fn query(&self) -> String {
        format!(
            "store={}&q={}&family={}&dead={}&show={}",
            self.store.map(|s| s.to_string()).unwrap_or_default(),
            url(&self.q),
            url(&self.family),
            self.dead_days,
            url(&self.show)
        )
    }
}

async fn filter(st: &AppState, v: &Viewer, q: &StockQuery) -> Result<Filter, WebError> {
    let t = v.t();
    let stores: BTreeMap<StoreId, String> = visible_stores(st, v)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let store = match q.store.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let id = s.parse::<i64>().map(StoreId).map_err(|_| {
                WebError::invalid(t.msg_with(key!("report-bad-store"), &[("value", &s)]))
            })?;
            if !stores.contains_key(&id) {
                return Err(WebError::not_found_t(t));
            }
            Some(id)
        }
    };
    let dead_days = match q.dead.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => DEAD_DAYS_DEFAULT,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=3650).contains(d))
            .ok_or_else(|| {
                WebError::invalid(t.msg_with(key!("stock-bad-dead-days"), &[("value", &s)]))
            })?,
    };
    let show = q.show.as_deref().unwrap_or("").trim().to_string();
    if !matches!(show.as_str(), "" | "negative" | "dead") {
        return Err(WebError::invalid(
            t.msg_with(key!("stock-bad-show"), &[("value", &show)]),
        ));
    }
    Ok(Filter {
        store,
        stores,
        q: q.q.as_deref().unwrap_or("").trim().to_string(),
        family: q.family.as_deref().unwrap_or("").trim().to_string(),
        dead_days,
        show,
        today: business_day(Utc::now()),
    })
}

/// A stock row with what the page derives from it.
pub struct Line {
    pub row: StockRow,
    pub cover: Option<Decimal>,
    pub dead: bool,
    pub last_sale: Option<NaiveDate>,
}

impl Line {
    fn negative(&self) -> bool {
        self.row.on_hand.is_negative()
    }
}

fn store_filter(f: &Filter) -> StockFilter {
    StockFilter {
        store_id: f.store,
        query: Some(f.q.clone()).filter(|q| !q.is_empty()),
        family: Some(f.family.clone()).filter(|q| !q.is_empty()),
        sales_since: f.today - Duration::days(SALES_WINDOW_DAYS - 1),
    }
}

/// A row with what the page derives from it.
fn line(row: StockRow, f: &Filter) -> Line {
    let last_sale = row.last_sale_at.map(business_day);
    Line {
        cover: rules::days_of_cover(row.on_hand, row.sold, SALES_WINDOW_DAYS),
        dead: rules::is_dead(row.on_hand, last_sale, f.today, f.dead_days),
        last_sale,
        row,
    }
}

fn shown_by(f: &Filter, negative: bool, dead: bool) -> bool {
    match f.show.as_str() {
        "negative" => negative,
        "dead" => dead,
        _ => true,
    }
}

/// Every row the filter and the viewer's stores allow (the CSV).
async fn lines(st: &AppState, v: &Viewer, f: &Filter) -> Result<Vec<Line>, WebError> {
    let rows = st.storage.stock().stock(&store_filter(f)).await?;
    Ok(rows
        .into_iter()
        .filter(|r| v.sees_store(r.store_id))
        .map(|row| line(row, f))
        .filter(|l| shown_by(f, l.negative(), l.dead))
        .collect())
}

/// The page's rows and the figures over every row (not only the page's).
struct PageOfLines {
    lines: Vec<Line>,
    total: usize,
    value: Money,
    negative: usize,
    dead: usize,
}

/// One page of rows: totals and the show filter over the narrow rows of every store the viewer
/// sees, then only the page's rows read with their text and sales (so "all stores" does not read
/// every row's name and sales to show 500).
async fn page_of_lines(
    st: &AppState,
    v: &Viewer,
    f: &Filter,
    page: usize,
) -> Result<PageOfLines, WebError> {
    let filter = store_filter(f);
    let keys = st.storage.stock().stock_keys(&filter).await?;
    let mut out = PageOfLines {
        lines: Vec::new(),
        total: 0,
        value: Money::ZERO,
        negative: 0,
        dead: 0,
    };
    let mut shown: Vec<(StoreId, ProductId)> = Vec::new();
    let first = (page - 1) * PAGE_ROWS;
    for k in keys.iter().filter(|k| v.sees_store(k.store_id)) {
        let negative = k.on_hand.is_negative();
        let dead = rules::is_dead(
            k.on_hand,
            k.last_sale_at.map(business_day),
            f.today,
            f.dead_days,
        );
        if !shown_by(f, negative, dead) {
            continue;
        }
        if (first..first + PAGE_ROWS).contains(&out.total) {
            shown.push((k.store_id, k.product_id));
        }
        out.total += 1;
        out.value += rules::value(k.on_hand, k.cost);
        out.negative += usize::from(negative);
        out.dead += usize::from(dead);
    }
    out.lines = st
        .storage
        .stock()
        .stock_rows(&shown, filter.sales_since)
        .await?
        .into_iter()
        .map(|row| line(row, f))
        .collect();
    Ok(out)
}

/// `GET /dashboard/stock`: Existencias.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<StockQuery>,
) -> WebResult {
    let t = v.t();
    let f = filter(&st, &v, &q).await?;
    let page = page_number(t, q.page.as_deref())?;
    let families = st.storage.stock().families().await?;
    let PageOfLines {
        lines: shown,
        total: count,
        value: total,
        negative,
        dead,
    } = page_of_lines(&st, &v, &f, page).await?;
    let first = ((page - 1) * PAGE_ROWS).min(count);
    let has_next = first + PAGE_ROWS < count;
    let m = |k: &str| t.msg(k);
    let store_name = |id: StoreId| {
        f.stores
            .get(&id)
            .cloned()
            .unwrap_or_else(|| t.msg_with(key!("report-label-store"), &[("id", &id)]))
    };
    let body = html! {
        h1 { (m("stock-title")) }
        (tabs(t, "stock"))
        (html::done(q.done.as_deref()))
        form class="row" method="get" action="/dashboard/stock" {
            label { (m("report-store")) " " select name="store" id="store" {
                option value="" { (m("report-all-stores")) }
                @for (id, name) in &f.stores {
                    option value=(id) selected[f.store == Some(*id)] { (name) }
                }
            } }
            label { (m("stock-search")) " " input type="search" name="q" id="q" value=(f.q); }
            label { (m("stock-family")) " " select name="family" id="family" {
                option value="" { (m("stock-all-families")) }
                @for fam in &families {
                    option value=(fam) selected[*fam == f.family] { (fam) }
                }
            } }
            label { (m("stock-dead-days")) " " input type="number" min="1" max="3650" name="dead" id="dead" value=(f.dead_days); }
            label { (m("stock-show")) " " select name="show" id="show" {
                option value="" { (m("stock-show-all")) }
                option value="negative" selected[f.show == "negative"] { (m("stock-show-negative")) }
                option value="dead" selected[f.show == "dead"] { (m("stock-show-dead")) }
            } }
            button type="submit" { (m("report-show")) }
            a id="export" href={ "/dashboard/stock.csv?" (f.query()) } { (m("report-export")) }
        }
        div class="kpis" {
            div class="kpi" { span { (m("stock-kpi-lines")) } b id="kpi-lines" { (t.int(count as i64)) } }
            div class="kpi" { span { (m("stock-kpi-value")) } b id="kpi-value" { (t.money(total)) } }
            div class="kpi" { span { (m("stock-kpi-negative")) } b id="kpi-negative" { (t.int(negative as i64)) } }
            div class="kpi" { span { (t.msg_with(key!("stock-kpi-dead"), &[("days", &f.dead_days)])) } b id="kpi-dead" { (t.int(dead as i64)) } }
        }
        @if count == 0 {
            (html::muted(&m("stock-empty")))
        } @else {
            table id="existencias" {
                thead { tr {
                    th { (m("report-store")) } th { "SKU" } th { (m("stock-col-product")) } th { (m("stock-family")) }
                    th class="num" { (m("stock-col-on-hand")) } th class="num" { (m("stock-col-cost")) }
                    th class="num" { (m("stock-col-value")) }
                    th class="num" { (t.msg_with(key!("stock-col-sold"), &[("days", &SALES_WINDOW_DAYS)])) }
                    th class="num" { (m("stock-col-cover")) } th { (m("stock-col-last-sale")) } th {}
                } }
                tbody {
                    @for l in &shown {
                        tr class=[l.negative().then_some("negative").or(l.dead.then_some("dead"))]
                            data-store=(l.row.store_id) data-product=(l.row.product_id) {
                            td { (store_name(l.row.store_id)) }
                            td { (l.row.sku) }
                            td { a href={ "/dashboard/stock/" (l.row.store_id) "/" (l.row.product_id) } { (l.row.name) } }
                            td { (l.row.family) }
                            td class="num" { (qty(t, l.row.on_hand)) }
                            td class="num" { (cost(t, l.row.cost)) }
                            td class="num" { (t.money(l.row.value)) }
                            td class="num" { (qty(t, l.row.sold)) }
                            td class="num" { (l.cover.map_or_else(|| "—".to_string(), |c| decimal(t, c))) }
                            td { (l.last_sale.map_or_else(|| "—".to_string(), |d| t.day(d))) }
                            td {
                                @if l.negative() { (html::badge("bad", &m("stock-badge-negative"))) }
                                @if l.dead { (html::badge("warn", &m("stock-badge-dead"))) }
                            }
                        }
                    }
                }
            }
            @if page > 1 || has_next {
                div class="pager" {
                    @if page > 1 {
                        a id="previous-page" href={ "/dashboard/stock?" (f.query()) "&page=" (page - 1) } { "← " (m("pager-previous")) }
                    }
                    span class="muted" {
                        (t.msg_with(key!("pager-page"), &[("page", &page)])) " · "
                        (t.msg_with(key!("stock-page-rows"), &[
                            ("from", &t.int((first + 1).min(count) as i64)),
                            ("to", &t.int((first + shown.len()) as i64)),
                            ("total", &t.int(count as i64)),
                        ]))
                    }
                    @if has_next {
                        a id="next-page" href={ "/dashboard/stock?" (f.query()) "&page=" (page + 1) } { (m("pager-next")) " →" }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "stock", &m("stock-title"), body)))
}

/// Links between the stock pages.
fn tabs(t: &Tr, current: &str) -> Markup {
    let items = [
        ("stock", "/dashboard/stock", "stock-tab-stock"),
        ("reports", "/dashboard/stock/reports", "stock-tab-reports"),
        ("costs", "/dashboard/stock/costs", "stock-tab-costs"),
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

/// `GET /dashboard/stock.csv`: the rows of the page as filtered (Spanish headers, `.` decimals).
pub async fn csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<StockQuery>,
) -> WebResult {
    let f = filter(&st, &v, &q).await?;
    let lines = lines(&st, &v, &f).await?;
    let mut out = CsvExport::new(&[
        "store_id",
        "store",
        "sku",
        "name",
        "family",
        "on_hand",
        "cost",
        "value",
        "sold_28d",
        "days_of_cover",
        "last_sale",
        "negative",
        "dead",
    ]);
    for l in &lines {
        let r = &l.row;
        out.row(&[
            value(r.store_id),
            text(f.stores.get(&r.store_id).map_or("", String::as_str)),
            text(&r.sku),
            text(&r.name),
            text(&r.family),
            value(r.on_hand),
            value(r.cost.map(|c| c.to_string()).unwrap_or_default()),
            value(r.value),
            value(r.sold),
            value(l.cover.map(|c| c.to_string()).unwrap_or_default()),
            value(l.last_sale.map(|d| d.to_string()).unwrap_or_default()),
            value(l.negative()),
            value(l.dead),
        ]);
    }
    out.download("existencias.csv")
}

#[derive(Debug, Default, Deserialize)]
pub struct CardQuery {
    pub limit: Option<u32>,
}

/// `GET /dashboard/stock/{store}/{product}`: the product's stock card in the store.
pub async fn card(
    State(st): State<AppState>,
    v: Viewer,
    WebPath((store, product)): WebPath<(i64, i64)>,
) -> WebResult {
    let t = v.t();
    let (store, product) = (StoreId(store), ProductId(product));
    if !v.sees_store(store) {
        return Err(WebError::not_found_t(t));
    }
    let s = match st.storage.get_store(store).await {
        Ok(s) => s,
        Err(crate::storage::StorageError::NotFound(_)) => return Err(WebError::not_found_t(t)),
        Err(e) => return Err(e.into()),
    };
    let p = match st.storage.get_product(product).await {
        Ok(p) => p,
        Err(crate::storage::StorageError::NotFound(_)) => return Err(WebError::not_found_t(t)),
        Err(e) => return Err(e.into()),
    };
    let today = business_day(Utc::now());
    let row = st
        .storage
        .stock()
        .stock_row(
            store,
            product,
            today - Duration::days(SALES_WINDOW_DAYS - 1),
        )
        .await?;
    let moves = st
        .storage
        .stock()
        .stock_card(store, product, CARD_LIMIT)
        .await?;
    let m = |k: &str| t.msg(k);
    let title = format!("{} · {}", p.name, s.name);
    let body = html! {
        h1 { (m("stock-card-title")) ": " (p.name) }
        p { a href={ "/dashboard/stock?store=" (store) } { "← " (m("stock-title")) } }
        p { "SKU " b { (p.sku) } " · " (m("report-store")) " " b { (s.name) } }
        @if let Some(r) = &row {
            div class="kpis" {
                div class="kpi" { span { (m("stock-col-on-hand")) } b id="card-on-hand" { (qty(t, r.on_hand)) } }
                div class="kpi" { span { (m("stock-col-cost")) } b id="card-cost" { (cost(t, r.cost)) } }
                div class="kpi" { span { (m("stock-col-value")) } b id="card-value" { (t.money(r.value)) } }
                div class="kpi" { span { (t.msg_with(key!("stock-col-sold"), &[("days", &SALES_WINDOW_DAYS)])) } b { (qty(t, r.sold)) } }
            }
        }
        @if moves.is_empty() {
            (html::muted(&m("stock-card-empty")))
        } @else {
            @if moves.len() as u32 == CARD_LIMIT {
                (html::muted(&t.msg_with(key!("stock-card-limited"), &[("count", &CARD_LIMIT)])))
            }
            table id="kardex" {
                thead { tr {
                    th { (m("stock-col-when")) } th { (m("stock-col-kind")) } th { (m("stock-col-document")) }
                    th { (m("stock-col-who")) } th class="num" { (m("stock-col-change")) }
                    th class="num" { (m("stock-col-balance")) } th class="num" { (m("stock-col-counted")) }
                    th class="num" { (m("stock-col-unit-cost")) } th { (m("stock-col-reason")) }
                } }
                tbody {
                    @for mv in &moves {
                        tr data-kind=(mv.kind.as_str()) class=[mv.balance.is_negative().then_some("negative")] {
                            td { (t.datetime(mv.at)) }
                            td { (kind_name(t, mv.kind)) }
                            td title=(mv.document_id) {
                                (mv.number.clone().unwrap_or_else(|| t.msg_with(key!("stock-doc-seq"), &[("till", &mv.till_id), ("seq", &mv.seq)])))
                            }
                            td { (mv.staff_name.clone().or_else(|| mv.staff_id.map(|s| t.msg_with(key!("report-label-staff"), &[("id", &s)]))).unwrap_or_else(|| "—".into())) }
                            td class="num" { (qty(t, mv.delta)) }
                            td class="num" { (qty(t, mv.balance)) }
                            td class="num" { (mv.counted.map_or_else(String::new, |c| qty(t, c))) }
                            td class="num" { (mv.unit_cost.map_or_else(String::new, |c| decimal(t, c))) }
                            td { (mv.reason.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "stock", &title, body)))
}

// --- costs ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct CostsQuery {
    pub done: Option<String>,
}

/// `GET /dashboard/stock/costs`: HQ's costs, CSV export and (for admins) import.
pub async fn costs(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<CostsQuery>,
) -> WebResult {
    costs_page(&st, &v, q.done.as_deref(), "", Vec::new()).await
}

async fn costs_page(
    st: &AppState,
    v: &Viewer,
    done: Option<&str>,
    typed: &str,
    errors: Vec<String>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let products = st.storage.stock().product_stock().await?;
    let set = products.iter().filter(|p| p.cost.is_some()).count();
    let body = html! {
        h1 { (m("stock-costs-title")) }
        (tabs(t, "costs"))
        (html::done(done))
        p { (t.msg_with(key!("stock-costs-intro"), &[("set", &set), ("total", &products.len())])) " "
            a id="costs-export" href="/dashboard/stock/costs.csv" { (m("report-export")) } }
        @if v.can_write() {
            @if !errors.is_empty() {
                div class="error" id="errors" {
                    (m("deliveries-nothing-saved"))
                    ul { @for e in &errors { li { (e) } } }
                }
            }
            form method="post" action="/dashboard/stock/costs" class="card" {
                (v.csrf_field())
                label { (m("stock-costs-import-label")) br;
                    textarea name="csv" id="csv" rows="8" cols="60" placeholder="sku;cost" { (typed) } }
                br;
                button type="submit" { (m("stock-costs-import")) }
            }
        }
    };
    Ok(ok(html::page(v, "stock", &m("stock-costs-title"), body)))
}

/// `GET /dashboard/stock/costs.csv`: every product with its cost (empty when not set).
pub async fn costs_csv(State(st): State<AppState>, _v: Viewer) -> WebResult {
    let products = st.storage.stock().product_stock().await?;
    let mut out = CsvExport::new(&["sku", "name", "family", "cost"]);
    for p in &products {
        out.row(&[
            text(&p.sku),
            text(&p.name),
            text(&p.family),
            value(p.cost.map(|c| c.to_string()).unwrap_or_default()),
        ]);
    }
    out.download("costes.csv")
}

#[derive(Debug, Default, Deserialize)]
pub struct CostsForm {
    #[serde(default)]
    pub csv: String,
}

/// `POST /dashboard/stock/costs`: a CSV with `sku` (or a barcode) and `cost` columns; rows with an
/// empty cost are skipped (an export imported back unchanged); one bad row and nothing is saved.
pub async fn import_costs(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<CostsForm>,
) -> WebResult {
    let t = v.t();
    let fail = |errors: Vec<String>| costs_page(&st, &v, None, &f.csv, errors);
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
    let (Some(c_sku), Some(c_cost)) = (col("sku").or(col("code")), col("cost")) else {
        return fail(vec![t.msg(key!("stock-costs-bad-header"))]).await;
    };
    let mut lines = Vec::new();
    for r in it {
        if lines.len() >= rules::MAX_COST_LINES {
            return fail(vec![t.msg_with(
                "import-too-many-rows",
                &[("max", &rules::MAX_COST_LINES)],
            )])
            .await;
        }
        let get = |c: usize| r.fields.get(c).map(|s| s.trim()).unwrap_or("");
        if get(c_cost).is_empty() {
            continue;
        }
        lines.push(CostLine {
            line: r.line,
            product_id: None,
            code: Some(restore(get(c_sku)).to_string()),
            cost: get(c_cost).to_string(),
        });
    }
    let resolved = match rules::resolve_costs(st.storage.as_ref(), &lines).await? {
        Ok(r) => r,
        Err(problems) => {
            let errors = problems
                .iter()
                .map(|(line, p)| {
                    t.msg_with(
                        "import-bad-line",
                        &[("line", line), ("reason", &p.message(t.lang()))],
                    )
                })
                .collect();
            return fail(errors).await;
        }
    };
    let n = st
        .storage
        .stock()
        .set_product_stock(&resolved, Utc::now())
        .await?;
    Ok(see_other(&format!(
        "/dashboard/stock/costs?done={}",
        url(&t.msg_with(key!("stock-costs-imported"), &[("count", &n)]))
    )))
}

// --- reports -------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Rows of the rotation table.
pub const ROTATION_ROWS: usize = 50;

/// `GET /dashboard/stock/reports`: valuation per store, shrinkage and rotation over a period.
pub async fn reports(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ReportsQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let today = business_day(Utc::now());
    let day = |s: Option<&str>, default: NaiveDate, field: &str| -> Result<NaiveDate, WebError> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => super::reports::report_day(s).ok_or_else(|| {
                WebError::invalid(t.msg_with(
                    "report-bad-date",
                    &[("value", &s), ("field", &t.msg(field))],
                ))
            }),
        }
    };
    let to = day(q.to.as_deref(), today, "report-field-to")?;
    let from = day(
        q.from.as_deref(),
        to - Duration::days(29),
        "report-field-from",
    )?;
    if from > to {
        return Err(WebError::invalid(t.msg_with(
            "report-from-after-to",
            &[("from", &t.day(from)), ("to", &t.day(to))],
        )));
    }
    let stores: BTreeMap<StoreId, String> = visible_stores(&st, &v)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let name = |id: &StoreId| {
        stores
            .get(id)
            .cloned()
            .unwrap_or_else(|| t.msg_with(key!("report-label-store"), &[("id", id)]))
    };
    let valuation: Vec<_> = st
        .storage
        .stock()
        .stock_valuation()
        .await?
        .into_iter()
        .filter(|r| v.sees_store(r.store_id))
        .collect();
    let shrink: Vec<_> = st
        .storage
        .stock()
        .shrinkage(from, to)
        .await?
        .into_iter()
        .filter(|r| v.sees_store(r.store_id))
        .collect();
    // Shrinkage per person (where the till knew who): the total of their counts and waste.
    let mut by_person: BTreeMap<(StoreId, String), (Quantity, Money)> = BTreeMap::new();
    for r in &shrink {
        let who = r
            .staff_name
            .clone()
            .or_else(|| {
                r.staff_id
                    .map(|s| t.msg_with(key!("report-label-staff"), &[("id", &s)]))
            })
            .unwrap_or_else(|| m("control-unidentified"));
        let e = by_person.entry((r.store_id, who)).or_default();
        e.0 += r.quantity;
        e.1 += r.value;
    }
    let mut rotation: Vec<(StockRow, Decimal)> = st
        .storage
        .stock()
        .stock(&StockFilter {
            store_id: None,
            query: None,
            family: None,
            sales_since: from,
        })
        .await?
        .into_iter()
        .filter(|r| v.sees_store(r.store_id))
        .filter_map(|r| rules::rotation(r.sold, r.on_hand).map(|x| (r, x)))
        .collect();
    rotation.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.sku.cmp(&b.0.sku)));
    let slowest: Vec<&(StockRow, Decimal)> = rotation.iter().rev().take(ROTATION_ROWS).collect();
    let total: Money = valuation.iter().map(|r| r.value).sum();
    let body = html! {
        h1 { (m("stock-reports-title")) }
        (tabs(t, "reports"))
        form class="row" method="get" action="/dashboard/stock/reports" {
            label { (m("report-from")) " " input type="date" name="from" id="from" value=(from); }
            label { (m("report-to")) " " input type="date" name="to" id="to" value=(to); }
            button type="submit" { (m("report-show")) }
        }
        h2 { (m("stock-valuation-title")) }
        table id="valuation" {
            thead { tr {
                th { (m("report-store")) } th class="num" { (m("stock-kpi-lines")) }
                th class="num" { (m("stock-kpi-negative")) } th class="num" { (m("stock-without-cost")) }
                th class="num" { (m("stock-col-value")) }
            } }
            tbody {
                @for r in &valuation {
                    tr data-store=(r.store_id) {
                        td { (name(&r.store_id)) } td class="num" { (r.products) } td class="num" { (r.negative) }
                        td class="num" { (r.without_cost) } td class="num" { (t.money(r.value)) }
                    }
                }
                tr class="total" { td { (m("report-total")) } td {} td {} td {} td class="num" { (t.money(total)) } }
            }
        }
        h2 { (m("stock-shrinkage-title")) }
        @if shrink.is_empty() {
            (html::muted(&m("stock-shrinkage-empty")))
        } @else {
            table id="shrinkage" {
                thead { tr {
                    th { (m("report-store")) } th { "SKU" } th { (m("stock-col-product")) } th { (m("stock-col-kind")) }
                    th { (m("stock-col-who")) } th class="num" { (m("stock-col-change")) } th class="num" { (m("stock-col-value")) }
                } }
                tbody {
                    @for r in &shrink {
                        tr {
                            td { (name(&r.store_id)) } td { (r.sku) } td { (r.name) } td { (kind_name(t, r.kind)) }
                            td { (r.staff_name.clone().unwrap_or_else(|| "—".into())) }
                            td class="num" { (qty(t, r.quantity)) } td class="num" { (t.money(r.value)) }
                        }
                    }
                }
            }
            h3 { (m("stock-shrinkage-by-person")) }
            table id="shrinkage-people" {
                thead { tr { th { (m("report-store")) } th { (m("stock-col-who")) } th class="num" { (m("stock-col-change")) } th class="num" { (m("stock-col-value")) } } }
                tbody {
                    @for ((store, who), (q, val)) in &by_person {
                        tr { td { (name(store)) } td { (who) } td class="num" { (qty(t, *q)) } td class="num" { (t.money(*val)) } }
                    }
                }
            }
        }
        h2 { (m("stock-rotation-title")) }
        p class="muted" { (m("stock-rotation-intro")) }
        @if rotation.is_empty() {
            (html::muted(&m("stock-rotation-empty")))
        } @else {
            div class="grid" {
                div { h3 { (m("stock-rotation-fastest")) } (rotation_table(t, "rotation-fast", rotation.iter().take(ROTATION_ROWS), &name)) }
                div { h3 { (m("stock-rotation-slowest")) } (rotation_table(t, "rotation-slow", slowest.into_iter(), &name)) }
            }
        }
    };
    Ok(ok(html::page(&v, "stock", &m("stock-reports-title"), body)))
}

fn rotation_table<'a>(
    t: &Tr,
    id: &str,
    rows: impl Iterator<Item = &'a (StockRow, Decimal)>,
    name: &dyn Fn(&StoreId) -> String,
) -> Markup {
    html! {
        table id=(id) {
            thead { tr {
                th { (t.msg(key!("report-store"))) } th { (t.msg(key!("stock-col-product"))) }
                th class="num" { (t.msg(key!("stock-col-sold-period"))) } th class="num" { (t.msg(key!("stock-col-on-hand"))) }
                th class="num" { (t.msg(key!("stock-col-rotation"))) }
            } }
            tbody {
                @for (r, x) in rows {
                    tr {
                        td { (name(&r.store_id)) }
                        td { a href={ "/dashboard/stock/" (r.store_id) "/" (r.product_id) } { (r.name) } }
                        td class="num" { (qty(t, r.sold)) } td class="num" { (qty(t, r.on_hand)) }
                        td class="num" { (decimal(t, *x)) }
                    }
                }
            }
        }
    }
}
