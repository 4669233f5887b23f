//! The catalog pages: product search with paging, a product's HQ price and per-store prices,
//! bulk price changes on a filtered set, CSV export and import. Every write goes through the same
//! storage calls as the admin API, so each change gets its change-log row and reaches the tills.

use super::csv_file::{self, CsvExport, read_rows, restore};
use super::html::{self, url};
use super::overview::visible_stores;
use super::stores::DoneQuery;
use super::{Tr, Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::catalog::{ProductIn, new_product as validate_product};
use crate::services::fields::{price as check_price, text};
use crate::services::people as people_svc;
use crate::storage::{NewProduct, ProductPatch};
use axum::extract::State;
use axum::http::StatusCode;
use maud::html;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;
use sync_protocol::{Money, ProductId, StoreId};

/// Products per page.
pub const PAGE_SIZE: u64 = 50;
/// The highest page number a catalog link may ask for (fifty million products).
pub const MAX_PAGE: u64 = 1_000_000;
/// Largest bulk price change, in percent either way.
pub const MAX_BULK_PERCENT: i64 = 100;
/// Products a bulk price preview lists (old → new).
pub const BULK_SAMPLE: usize = 10;
/// Rows one CSV import may carry.
pub const MAX_IMPORT_ROWS: usize = 20_000;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    /// Read as text and checked by `page_number`, so a huge or odd page is a clear 400.
    pub page: Option<String>,
    pub done: Option<String>,
}

/// Parses a price typed by a person: `12.34`, `12,34` or `12`; errors in Spanish, `field` being
/// the Spanish name of the field ("precio").
pub fn parse_price(field: &str, s: &str) -> Result<Money, WebError> {
    parse_price_t(Tr::es(), field, s)
}

/// [`parse_price`] with errors in `t`'s language; `field` is the field's name in that language
/// (e.g. `t.msg(key!("field-price"))`).
pub fn parse_price_t(t: &Tr, field: &str, s: &str) -> Result<Money, WebError> {
    // `12,34` and `12.34` both mean twelve euros thirty-four, in either language; no grouping
    // separators (`1.234,56` is refused rather than guessed).
    let text = s
        .trim()
        .trim_start_matches('€')
        .trim_end_matches('€')
        .trim()
        .replace(',', ".");
    if text.is_empty() {
        return Err(WebError::invalid(
            t.msg_with(key!("price-missing"), &[("field", &field)]),
        ));
    }
    let m = Money::from_str(&text).map_err(|_| {
        WebError::invalid(t.msg_with(
            key!("price-invalid"),
            &[("field", &field), ("value", &s.trim())],
        ))
    })?;
    if m.is_negative() {
        return Err(WebError::invalid(
            t.msg_with(key!("price-negative"), &[("field", &field)]),
        ));
    }
    check_price(field, m).map_err(WebError::from)
}

/// The page asked for, 1 to [`MAX_PAGE`]; anything else is a 400 that says so (not an overflow).
fn page_number(t: &Tr, page: Option<&str>) -> Result<u64, WebError> {
    let Some(p) = page.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(1);
    };
    p.parse::<u64>()
        .ok()
        .filter(|n| (1..=MAX_PAGE).contains(n))
        .ok_or_else(|| {
            WebError::new(
                StatusCode::BAD_REQUEST,
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

/// `GET /dashboard/catalog?q=&page=`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ListQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let page = page_number(t, q.page.as_deref())?;
    let query = q.q.trim();
    let mut products = st
        .storage
        .list_products(
            Some(query).filter(|s| !s.is_empty()),
            (page - 1) * PAGE_SIZE,
            PAGE_SIZE + 1,
        )
        .await?;
    let has_next = products.len() as u64 > PAGE_SIZE;
    products.truncate(PAGE_SIZE as usize);
    let qs = url(query);
    let body = html! {
        h1 { (m("catalog-title")) }
        (html::done(q.done.as_deref()))
        form class="row" method="get" action="/dashboard/catalog" {
            label { (m("catalog-search-label")) " " input name="q" id="q" value=(query); }
            button type="submit" { (m("catalog-search")) } " "
            a href={ "/dashboard/catalog.csv?q=" (qs) } { (m("catalog-export")) }
            @if v.can_write() { " " a id="new-product" href="/dashboard/catalog/new" { (m("catalog-new-title")) } }
        }
        section class="card" {
            table id="products" {
                thead { tr {
                    th { "SKU" } th { (m("col-product")) } th { (m("col-barcodes")) }
                    th class="num" { (m("col-vat")) } th class="num" { (m("col-price")) } th { (m("col-active")) }
                } }
                tbody {
                    @for p in &products {
                        tr data-product=(p.id) {
                            td { (p.sku) }
                            td { a href={ "/dashboard/catalog/" (p.id) } { (p.name) } }
                            td { (p.barcodes.join(" ")) }
                            td class="num" { (t.rate(p.tax_rate)) }
                            td class="num price" { (t.money(p.price)) }
                            td {
                                @if p.active { (t.yes_no(true)) }
                                @else { (html::badge("", &t.yes_no(false))) }
                            }
                        }
                    }
                }
            }
            @if products.is_empty() { (html::muted(&m("catalog-empty"))) }
            div class="pager" {
                @if page > 1 {
                    a href={ "/dashboard/catalog?q=" (qs) "&page=" (page - 1) } { "← " (m("pager-previous")) }
                }
                span class="muted" { (t.msg_with(key!("pager-page"), &[("page", &page)])) }
                @if has_next {
                    a id="next-page" href={ "/dashboard/catalog?q=" (qs) "&page=" (page + 1) } { (m("pager-next")) " →" }
                }
            }
        }
        @if v.can_write() {
            div class="grid" {
                section class="card" {
                    h2 { (m("catalog-bulk-title")) }
                    p class="muted" {
                        (t.msg_with(key!("catalog-bulk-help"), &[(
                            "what",
                            &if query.is_empty() {
                                t.msg(key!("catalog-bulk-all"))
                            } else {
                                t.msg_with("quoted", &[("text", &query)])
                            },
                        )]))
                    }
                    form class="row" method="post" action="/dashboard/catalog/bulk-price" {
                        (v.csrf_field())
                        input type="hidden" name="q" value=(query);
                        label { (m("catalog-bulk-percent")) " "
                            input name="percent" id="bulk-percent" placeholder=(m("catalog-bulk-placeholder")) required; }
                        button type="submit" { (m("catalog-bulk-apply")) }
                    }
                }
                section class="card" {
                    h2 { (m("catalog-import-title")) }
                    p class="muted" { (m("catalog-import-help")) }
                    form method="post" action="/dashboard/catalog/import" {
                        (v.csrf_field())
                        textarea name="csv" id="import-csv" placeholder="sku,name,tax_rate,price,barcodes" {}
                        p { button type="submit" { (m("catalog-import-button")) } }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(
        &v,
        "catalog",
        &t.msg(key!("catalog-title")),
        body,
    )))
}

/// `GET /dashboard/catalog/{id}`.
pub async fn edit(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let p = st.storage.get_product(ProductId(id)).await?;
    let overrides: HashMap<StoreId, Money> = st
        .storage
        .dashboard()
        .store_prices(p.id)
        .await?
        .into_iter()
        .collect();
    let category = st.storage.dashboard().product_category(p.id).await?;
    let extra = st.storage.people().product_extra(p.id).await?;
    let rates = st.storage.list_tax_rates().await?;
    let stores = visible_stores(&st, &v).await?;
    let body = html! {
        p { a href="/dashboard/catalog" { "← " (m("catalog-title")) } }
        h1 { (p.name) }
        (html::done(q.done.as_deref()))
        section class="card" {
            p {
                "SKU " b { (p.sku) } " · "
                (t.msg_with(key!("catalog-product-summary"), &[
                    ("rate", &t.rate(p.tax_rate)),
                    ("codes", &p.barcodes.join(", ")),
                ]))
                " " b id="hq-price" { (t.money(p.price)) }
                " · " (m("catalog-category-label")) ": "
                span id="product-category" {
                    @if category.is_empty() { span class="muted" { (m("catalog-category-none")) } }
                    @else { (category) }
                }
            }
            p id="product-margin" {
                (m("catalog-sold-by")) ": " (m(if extra.weighed { "catalog-sold-by-weight" } else { "catalog-sold-by-unit" }))
                " · " (m("catalog-cost-label")) ": "
                @match extra.cost_e4 {
                    Some(c) => { (t.msg_with(key!("catalog-cost-value"), &[("cost", &crate::services::stock::cost_from_e4(c).to_string().replace('.', if t.lang() == crate::i18n::Lang::Es { "," } else { "." }))])) }
                    None => span class="muted" { (m("catalog-cost-none")) },
                }
                " · " (m("catalog-margin")) ": "
                @match people_svc::margin(p.price, p.tax_rate, extra.cost_e4) {
                    Some((amount, pct)) => b { (t.money(amount)) " (" (pct.to_string().replace('.', if t.lang() == crate::i18n::Lang::Es { "," } else { "." })) " %)" },
                    None => span class="muted" { "—" },
                }
            }
            @if v.can_write() {
                form method="post" action={ "/dashboard/catalog/" (id) } {
                    (product_fields(&v, &rates, Some((&p, &extra))))
                    p { button type="submit" id="save-price" { (m("save")) } }
                }
            }
        }
        section class="card" {
            h2 { (m("catalog-store-prices")) }
            table id="store-prices" {
                thead { tr {
                    th { (m("col-store")) } th class="num" { (m("catalog-store-price")) } th {}
                } }
                tbody {
                    @for s in &stores {
                        @let current = overrides.get(&s.id);
                        tr data-store=(s.id) {
                            td { (s.name) }
                            td class="num" {
                                @match current {
                                    Some(x) => (t.money(*x)),
                                    None => span class="muted" {
                                        (t.msg_with(key!("catalog-hq-price-shown"), &[("price", &t.money(p.price))]))
                                    },
                                }
                            }
                            td {
                                @if v.can_write() {
                                    form class="inline" method="post" action={ "/dashboard/catalog/" (id) "/store-price" } {
                                        (v.csrf_field())
                                        input type="hidden" name="store_id" value=(s.id);
                                        input name="price" value=(current.map(|x| html::price_field(*x)).unwrap_or_default())
                                            placeholder=(m("catalog-store-price-placeholder")) size="10";
                                        " "
                                        button type="submit" class="secondary" { (m("save")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "catalog", &p.name, body)))
}

#[derive(Debug, Deserialize)]
pub struct ProductForm {
    pub sku: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub price: String,
    /// The family (report category, '' = none); left as it is when the form has no such field.
    pub category: Option<String>,
    pub barcodes: Option<String>,
    pub tax_rate_id: Option<String>,
    /// HQ's unit cost as typed; empty leaves it as it is.
    pub cost: Option<String>,
    /// `unit` or `weighed`.
    pub sold_by: Option<String>,
    /// A checkbox: present means active (read only when `full` is set).
    pub active: Option<String>,
    /// Set by the full product form: a checkbox that is absent means "no".
    pub full: Option<String>,
}

/// Reads the product form into what the service checks (`current`: the product as stored, for
/// the fields a shorter form leaves out). Errors in the viewer's language.
async fn product_input(
    st: &AppState,
    t: &Tr,
    f: &ProductForm,
    current: Option<(
        &crate::storage::Product,
        &crate::storage::people::ProductExtra,
    )>,
) -> Result<people_svc::ProductPageIn, WebError> {
    let price = parse_price_t(t, &t.msg(key!("field-price")), &f.price)?;
    let name = match (f.name.as_deref(), current) {
        (Some(n), _) => text("name", n, 200)
            .map_err(|_| WebError::invalid(t.msg(key!("catalog-name-invalid"))))?,
        (None, Some((p, _))) => p.name.clone(),
        (None, None) => return Err(WebError::invalid(t.msg(key!("catalog-name-invalid")))),
    };
    let sku = match (f.sku.as_deref(), current) {
        (Some(s), _) => text("sku", s, crate::services::catalog::SKU_MAX)
            .map_err(|_| WebError::invalid(t.msg(key!("catalog-sku-invalid"))))?,
        (None, Some((p, _))) => p.sku.clone(),
        (None, None) => return Err(WebError::invalid(t.msg(key!("catalog-sku-invalid")))),
    };
    if let Some(c) = f.category.as_deref().map(str::trim)
        && (c.chars().count() > 100 || c.chars().any(char::is_control))
    {
        return Err(WebError::invalid(t.msg(key!("catalog-category-invalid"))));
    }
    let tax_rate_id = match (f.tax_rate_id.as_deref().map(str::trim), current) {
        (Some(r), _) => {
            let id = r
                .parse::<i64>()
                .map_err(|_| WebError::invalid(t.msg(key!("catalog-choose-rate"))))?;
            if !st
                .storage
                .list_tax_rates()
                .await?
                .iter()
                .any(|x| x.id == id)
            {
                return Err(WebError::invalid(t.msg(key!("catalog-choose-rate"))));
            }
            id
        }
        (None, Some((p, _))) => p.tax_rate_id,
        (None, None) => return Err(WebError::invalid(t.msg(key!("catalog-choose-rate")))),
    };
    let full = f.full.is_some();
    let weighed = match (f.sold_by.as_deref().map(str::trim), current) {
        (Some("weighed"), _) => true,
        (Some("unit"), _) => false,
        (Some(_), _) => return Err(WebError::invalid(t.msg(key!("catalog-choose-sold-by")))),
        (None, Some((_, x))) => x.weighed,
        (None, None) => false,
    };
    let active = if full {
        f.active.is_some()
    } else {
        current.is_none_or(|(p, _)| p.active)
    };
    Ok(people_svc::ProductPageIn {
        sku,
        name,
        barcodes: match (f.barcodes.as_deref(), current) {
            (Some(b), _) => b.to_string(),
            (None, Some((p, _))) => p.barcodes.join(" "),
            (None, None) => String::new(),
        },
        family: match (f.category.as_deref(), current) {
            (Some(c), _) => c.trim().to_string(),
            (None, Some((_, x))) => x.category.clone(),
            (None, None) => String::new(),
        },
        tax_rate_id,
        price,
        cost: f.cost.clone().unwrap_or_default(),
        weighed,
        active,
    })
}

/// `POST /dashboard/catalog/{id}`: every field of the product page at once (a shorter form —
/// price, name, family — leaves the others as they are). One transaction: a taken SKU or
/// barcode, or a negative price, and nothing is stored.
pub async fn save(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<ProductForm>,
) -> WebResult {
    let t = v.t();
    let current = st.storage.get_product(ProductId(id)).await?;
    let extra = st.storage.people().product_extra(ProductId(id)).await?;
    let input = product_input(&st, t, &f, Some((&current, &extra))).await?;
    let p = people_svc::save_product(
        st.storage.as_ref(),
        &people_svc::actor(&v.user),
        ProductId(id),
        &input,
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/catalog/{id}?done={}",
        url(&t.msg_with(
            key!("catalog-hq-price-saved"),
            &[("price", &t.money(p.price))]
        ))
    )))
}

/// The product form's fields (new product, or the product page), filled from `p`.
fn product_fields(
    v: &Viewer,
    rates: &[sync_protocol::TaxRateRecord],
    p: Option<(
        &crate::storage::Product,
        &crate::storage::people::ProductExtra,
    )>,
) -> maud::Markup {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let (sku, name, codes, rate, price, family, cost, weighed, active) = match p {
        Some((p, x)) => (
            p.sku.clone(),
            p.name.clone(),
            p.barcodes.join(" "),
            Some(p.tax_rate_id),
            html::price_field(p.price),
            x.category.clone(),
            x.cost_e4
                .map(|c| crate::services::stock::cost_from_e4(c).to_string())
                .unwrap_or_default(),
            x.weighed,
            p.active,
        ),
        None => (
            String::new(),
            String::new(),
            String::new(),
            None,
            String::new(),
            String::new(),
            String::new(),
            false,
            true,
        ),
    };
    html! {
        (v.csrf_field())
        input type="hidden" name="full" value="1";
        p class="row" {
            label { "SKU " input name="sku" id="sku" value=(sku) required maxlength="64" size="12"; }
            label { (m("field-name")) " " input name="name" id="name" value=(name) required maxlength="200" size="40"; }
        }
        p class="row" {
            label { (m("col-barcodes")) " " input name="barcodes" id="barcodes" value=(codes) size="40"
                placeholder=(m("catalog-barcodes-placeholder")); }
            label { (m("catalog-category-label")) " "
                input name="category" id="category" value=(family) size="20" maxlength="100"; }
        }
        p class="row" {
            label { (m("col-vat")) " " select name="tax_rate_id" id="tax_rate_id" {
                @for r in rates {
                    option value=(r.id) selected[Some(r.id) == rate] { (r.name) " (" (t.rate(r.rate)) ")" }
                }
            } }
            label { (m("catalog-hq-price-label")) " "
                input name="price" id="price" value=(price) required size="10"; }
            label { (m("catalog-cost-label")) " "
                input name="cost" id="cost" value=(cost) size="10" placeholder="0,0000"; }
        }
        p class="row" {
            label { (m("catalog-sold-by")) " " select name="sold_by" id="sold_by" {
                option value="unit" selected[!weighed] { (m("catalog-sold-by-unit")) }
                option value="weighed" selected[weighed] { (m("catalog-sold-by-weight")) }
            } }
            label class="check" { input type="checkbox" name="active" value="1" checked[active]; " " (m("col-active")) }
        }
    }
}

/// `GET /dashboard/catalog/new`: the new product form (admins).
pub async fn new_form(State(st): State<AppState>, v: Viewer) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    if !v.can_write() {
        return Err(WebError::forbidden(t.msg_with(
            "error-read-only",
            &[("role", &html::role_name(t, v.user.role))],
        )));
    }
    let rates = st.storage.list_tax_rates().await?;
    let body = html! {
        p { a href="/dashboard/catalog" { "← " (m("catalog-title")) } }
        h1 { (m("catalog-new-title")) }
        section class="card" {
            form method="post" action="/dashboard/catalog/new" {
                (product_fields(&v, &rates, None))
                p { button type="submit" id="create-product" { (m("create")) } }
            }
        }
    };
    Ok(ok(html::page(&v, "catalog", &m("catalog-new-title"), body)))
}

/// `POST /dashboard/catalog/new`: creates the product, then shows its page.
pub async fn create(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<ProductForm>,
) -> WebResult {
    let t = v.t();
    let input = product_input(&st, t, &f, None).await?;
    let p = people_svc::create_product(st.storage.as_ref(), &people_svc::actor(&v.user), &input)
        .await?;
    Ok(see_other(&format!(
        "/dashboard/catalog/{}?done={}",
        p.id,
        url(&t.msg_with(key!("catalog-created"), &[("sku", &p.sku)]))
    )))
}

#[derive(Debug, Deserialize)]
pub struct StorePriceForm {
    #[serde(default)]
    pub store_id: String,
    #[serde(default)]
    pub price: String,
}

/// `POST /dashboard/catalog/{id}/store-price`: a store's own price, or back to HQ's when empty.
pub async fn store_price(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<StorePriceForm>,
) -> WebResult {
    let t = v.t();
    let store = f
        .store_id
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::invalid(t.msg(key!("choose-a-store"))))?;
    let price = if f.price.trim().is_empty() {
        None
    } else {
        Some(parse_price_t(
            t,
            &t.msg(key!("field-store-price")),
            &f.price,
        )?)
    };
    st.storage
        .set_store_price(store, ProductId(id), price)
        .await?;
    let msg = match price {
        Some(p) => t.msg_with(
            "catalog-store-price-saved",
            &[("store", &store), ("price", &t.money(p))],
        ),
        None => t.msg_with(key!("catalog-store-price-cleared"), &[("store", &store)]),
    };
    Ok(see_other(&format!(
        "/dashboard/catalog/{id}?done={}",
        url(&msg)
    )))
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub percent: String,
    /// `yes` on the preview's confirmation.
    #[serde(default)]
    pub confirm: String,
    /// How many products the preview showed; the change applies only to that many.
    #[serde(default)]
    pub expected: String,
}

/// Every product matching `query` (all pages).
async fn all_matching(
    st: &AppState,
    query: &str,
) -> Result<Vec<crate::storage::Product>, WebError> {
    let q = Some(query.trim()).filter(|s| !s.is_empty());
    let mut out = Vec::new();
    loop {
        let page = st.storage.list_products(q, out.len() as u64, 1000).await?;
        let n = page.len();
        out.extend(page);
        if n < 1000 {
            return Ok(out);
        }
    }
}

/// `POST /dashboard/catalog/bulk-price`: first a preview (how many products, old → new for a
/// sample) with a confirmation button; confirmed, it changes every matching product's HQ price by
/// the percentage, rounded to the cent, in one transaction with its audit line.
pub async fn bulk_price(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<BulkForm>,
) -> WebResult {
    let t = v.t();
    let pct = Decimal::from_str(
        &f.percent
            .trim()
            .trim_end_matches('%')
            .trim()
            .replace(',', "."),
    )
    .map_err(|_| {
        WebError::invalid(t.msg_with(
            key!("catalog-bulk-not-a-number"),
            &[("value", &f.percent.trim())],
        ))
    })?;
    if pct.is_zero() || pct.abs() > Decimal::from(MAX_BULK_PERCENT) || pct <= Decimal::from(-100) {
        return Err(WebError::invalid(t.msg_with(
            "catalog-bulk-out-of-range",
            &[("max", &MAX_BULK_PERCENT)],
        )));
    }
    let products = all_matching(&st, &f.q).await?;
    if products.is_empty() {
        return Err(WebError::invalid(t.msg(key!("catalog-bulk-no-match"))));
    }
    let lines = people_svc::bulk_lines(&products, pct)?;
    let expected = f.expected.trim().parse::<usize>().ok();
    // Applied only when confirmed on a preview of exactly these products; anything else (the
    // first post, or the catalog changed since the preview) shows the preview.
    if f.confirm.trim() == "yes" && expected == Some(lines.len()) {
        let n = people_svc::apply_bulk(
            st.storage.as_ref(),
            &people_svc::actor(&v.user),
            &f.q,
            pct,
            &lines,
        )
        .await?;
        return Ok(see_other(&format!(
            "/dashboard/catalog?q={}&done={}",
            url(f.q.trim()),
            url(&t.msg_with(
                key!("catalog-bulk-done"),
                &[("percent", &pct), ("count", &n)]
            ))
        )));
    }
    let m = |k: &str| t.msg(k);
    let query = f.q.trim();
    let pct_text = f.percent.trim().trim_end_matches('%').trim().to_string();
    let body = html! {
        p { a href={ "/dashboard/catalog?q=" (url(query)) } { "← " (m("catalog-title")) } }
        h1 { (m("catalog-bulk-preview-title")) }
        @if f.confirm.trim() == "yes" {
            p class="error" role="alert" { (m("catalog-bulk-changed")) }
        }
        section class="card" {
            p id="bulk-summary" {
                (t.msg_with(key!("catalog-bulk-preview"), &[
                    ("count", &lines.len()),
                    ("percent", &pct_text),
                    ("what", &if query.is_empty() {
                        t.msg(key!("catalog-bulk-all"))
                    } else {
                        t.msg_with("quoted", &[("text", &query)])
                    }),
                ]))
            }
            @if query.is_empty() {
                p class="error" id="bulk-everything" { (m("catalog-bulk-everything-warning")) }
            }
            table id="bulk-sample" {
                thead { tr {
                    th { "SKU" } th { (m("col-product")) }
                    th class="num" { (m("catalog-bulk-old")) } th class="num" { (m("catalog-bulk-new")) }
                } }
                tbody {
                    @for l in lines.iter().take(BULK_SAMPLE) {
                        tr { td { (l.sku) } td { (l.name) }
                             td class="num" { (t.money(l.old)) } td class="num" { (t.money(l.new)) } }
                    }
                }
            }
            @if lines.len() > BULK_SAMPLE {
                (html::muted(&t.msg_with(key!("catalog-bulk-more"), &[("count", &(lines.len() - BULK_SAMPLE))])))
            }
            form class="row" method="post" action="/dashboard/catalog/bulk-price" {
                (v.csrf_field())
                input type="hidden" name="q" value=(query);
                input type="hidden" name="percent" value=(pct_text);
                input type="hidden" name="expected" value=(lines.len());
                input type="hidden" name="confirm" value="yes";
                button type="submit" id="bulk-confirm" {
                    (t.msg_with(key!("catalog-bulk-confirm"), &[("count", &lines.len())]))
                }
                " "
                a href={ "/dashboard/catalog?q=" (url(query)) } { (m("cancel")) }
            }
        }
    };
    Ok(ok(html::page(
        &v,
        "catalog",
        &m("catalog-bulk-preview-title"),
        body,
    )))
}

// --- CSV ------------------------------------------------------------------------------------------

/// `GET /dashboard/catalog.csv?q=`: the products matching the search; names, SKUs and barcodes
/// are text (defused), the VAT rate and the price values with a decimal point.
pub async fn export(
    State(st): State<AppState>,
    _v: Viewer,
    WebQuery(q): WebQuery<ListQuery>,
) -> WebResult {
    let products = all_matching(&st, &q.q).await?;
    let mut out = CsvExport::new(&["sku", "name", "tax_rate", "price", "barcodes", "active"]);
    for p in products {
        out.row(&[
            csv_file::text(&p.sku),
            csv_file::text(&p.name),
            csv_file::value(p.tax_rate),
            csv_file::value(p.price),
            csv_file::text(&p.barcodes.join(" ")),
            csv_file::value(p.active),
        ]);
    }
    out.download("catalogo.csv")
}

#[derive(Debug, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    pub csv: String,
}

/// `POST /dashboard/catalog/import`: every row is checked first; one bad row and nothing is saved.
pub async fn import(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<ImportForm>,
) -> WebResult {
    let t = v.t();
    let rows = read_rows(&f.csv).map_err(|e| WebError::invalid(format!("CSV: {e}")))?;
    let mut it = rows.into_iter();
    let header_row = it
        .next()
        .ok_or_else(|| WebError::invalid(t.msg(key!("import-empty"))))?;
    let cols: Vec<String> = header_row
        .fields
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| cols.iter().position(|c| c == name);
    let (Some(c_sku), Some(c_name), Some(c_rate), Some(c_price)) =
        (col("sku"), col("name"), col("tax_rate"), col("price"))
    else {
        return Err(WebError::invalid(t.msg(key!("import-bad-header"))));
    };
    let c_codes = col("barcodes");
    let rates: HashMap<i64, i64> = st
        .storage
        .list_tax_rates()
        .await?
        .into_iter()
        .map(|r| (r.rate.hundredths(), r.id))
        .collect();
    let existing: HashMap<String, crate::storage::Product> = all_matching(&st, "")
        .await?
        .into_iter()
        .map(|p| (p.sku.clone(), p))
        .collect();
    let mut creates: Vec<NewProduct> = Vec::new();
    let mut updates: Vec<(ProductId, ProductPatch)> = Vec::new();
    for (i, r) in it.enumerate() {
        // The line the row starts on in the file as typed (blank lines and quoted line breaks
        // counted), so the message points at what the person sees.
        let line = r.line;
        if i >= MAX_IMPORT_ROWS {
            return Err(WebError::invalid(t.msg_with(
                key!("import-too-many-rows"),
                &[("max", &MAX_IMPORT_ROWS)],
            )));
        }
        let get = |c: usize| r.fields.get(c).map(|s| s.trim()).unwrap_or("");
        // Text cells come back without the `'` a catalog export put before a formula start.
        let text_cell = |c: usize| restore(get(c));
        let bad = |m: String| {
            WebError::invalid(
                t.msg_with(key!("import-bad-line"), &[("line", &line), ("reason", &m)]),
            )
        };
        let sku = text_cell(c_sku);
        let price = parse_price_t(t, &t.msg(key!("field-price")), get(c_price))
            .map_err(|e| bad(e.text(t.lang())))?;
        let rate = sync_protocol::TaxRate::from_str(
            &get(c_rate).trim_end_matches('%').trim().replace(',', "."),
        )
        .map_err(|_| bad(t.msg_with(key!("import-bad-rate"), &[("value", &get(c_rate))])))?;
        let tax_rate_id = *rates.get(&rate.hundredths()).ok_or_else(|| {
            bad(t.msg_with(key!("import-unknown-rate"), &[("rate", &t.rate(rate))]))
        })?;
        let name = text_cell(c_name).to_string();
        match existing.get(sku) {
            Some(p) => {
                let name = text("name", &name, 200).map_err(|e| bad(e.message(t.lang())))?;
                updates.push((
                    p.id,
                    ProductPatch {
                        name: Some(name),
                        price: Some(price),
                        tax_rate_id: Some(tax_rate_id),
                        ..Default::default()
                    },
                ));
            }
            None => {
                let barcodes = c_codes
                    .map(|c| {
                        text_cell(c)
                            .split_whitespace()
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                let p = validate_product(ProductIn {
                    sku: sku.to_string(),
                    name,
                    tax_rate_id,
                    price,
                    barcodes,
                })
                .map_err(|e| bad(e.message(t.lang())))?;
                if creates.iter().any(|c| c.sku == p.sku) {
                    return Err(bad(
                        t.msg_with(key!("import-duplicate-sku"), &[("sku", &p.sku)])
                    ));
                }
                creates.push(p);
            }
        }
    }
    if creates.is_empty() && updates.is_empty() {
        return Err(WebError::invalid(t.msg(key!("import-no-rows"))));
    }
    let created = if creates.is_empty() {
        0
    } else {
        st.storage.import_products(&creates).await?
    };
    for (id, patch) in &updates {
        st.storage.update_product(*id, patch).await?;
    }
    Ok(see_other(&format!(
        "/dashboard/catalog?done={}",
        url(&t.msg_with(
            "import-done",
            &[("created", &created), ("updated", &updates.len())]
        ))
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_accept_comma_and_refuse_junk() {
        assert_eq!(
            parse_price("precio", "2,49").unwrap(),
            Money::from_cents(249)
        );
        assert_eq!(
            parse_price("precio", " 3 € ").unwrap(),
            Money::from_cents(300)
        );
        assert!(parse_price("precio", "abc").is_err());
        assert!(parse_price("precio", "-1").is_err());
        assert!(parse_price("precio", "").is_err());
    }
}
