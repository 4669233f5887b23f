//! The catalog pages: product search with paging, a product's HQ price and per-store prices,
//! bulk price changes on a filtered set, CSV export and import. Every write goes through the same
//! storage calls as the admin API, so each change gets its change-log row and reaches the tills.

use super::html::{self, esc, url};
use super::overview::visible_stores;
use super::{Tr, Viewer, WebError, WebForm, WebPath, WebQuery, WebResult, ok, see_other};
use crate::http::AppState;
use crate::http::admin::{ProductIn, price as check_price, text, validate_product};
use crate::storage::{NewProduct, ProductPatch};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;
use sync_protocol::{Money, ProductId, StoreId};

/// Products per page.
pub const PAGE_SIZE: u64 = 50;
/// Largest bulk price change, in percent either way.
pub const MAX_BULK_PERCENT: i64 = 100;
/// Rows one CSV import may carry.
pub const MAX_IMPORT_ROWS: usize = 20_000;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    pub page: Option<u64>,
    pub done: Option<String>,
}

/// Parses a price typed by a person: `12.34`, `12,34` or `12`; errors in Spanish, `field` being
/// the Spanish name of the field ("precio").
pub fn parse_price(field: &str, s: &str) -> Result<Money, WebError> {
    parse_price_t(Tr::es(), field, s)
}

/// [`parse_price`] with errors in `t`'s language; `field` is the field's name in that language
/// (e.g. `t.msg("field-price")`).
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
            t.msg_with("price-missing", &[("field", &field)]),
        ));
    }
    let m = Money::from_str(&text).map_err(|_| {
        WebError::invalid(t.msg_with("price-invalid", &[("field", &field), ("value", &s.trim())]))
    })?;
    if m.is_negative() {
        return Err(WebError::invalid(
            t.msg_with("price-negative", &[("field", &field)]),
        ));
    }
    check_price(field, m).map_err(WebError::from)
}

/// `GET /dashboard/catalog?q=&page=`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ListQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| esc(&t.msg(k));
    let page = q.page.unwrap_or(1).max(1);
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
    let rows: String = products
        .iter()
        .map(|p| {
            format!(
                "<tr data-product=\"{id}\"><td>{sku}</td><td><a href=\"/dashboard/catalog/{id}\">{name}</a></td>\
                 <td>{codes}</td><td class=\"num\">{rate}</td><td class=\"num price\">{price}</td><td>{active}</td></tr>",
                id = p.id,
                sku = esc(&p.sku),
                name = esc(&p.name),
                codes = esc(&p.barcodes.join(" ")),
                rate = esc(&t.rate(p.tax_rate)),
                price = t.money(p.price),
                active = if p.active {
                    esc(&t.yes_no(true))
                } else {
                    format!("<span class=\"badge\">{}</span>", esc(&t.yes_no(false)))
                },
            )
        })
        .collect();
    let qs = url(query);
    let prev = if page > 1 {
        format!(
            "<a href=\"/dashboard/catalog?q={qs}&amp;page={}\">← {}</a>",
            page - 1,
            m("pager-previous")
        )
    } else {
        String::new()
    };
    let next = if has_next {
        format!(
            "<a id=\"next-page\" href=\"/dashboard/catalog?q={qs}&amp;page={}\">{} →</a>",
            page + 1,
            m("pager-next")
        )
    } else {
        String::new()
    };
    let done = q.done.as_deref().map(html::notice).unwrap_or_default();
    let admin_tools = if v.can_write() {
        format!(
            "<div class=\"grid\"><section class=\"card\"><h2>{h_bulk}</h2>\
             <p class=\"muted\">{bulk_help}</p>\
             <form class=\"row\" method=\"post\" action=\"/dashboard/catalog/bulk-price\">{csrf}\
             <input type=\"hidden\" name=\"q\" value=\"{qv}\">\
             <label>{l_percent} <input name=\"percent\" id=\"bulk-percent\" placeholder=\"{ph_percent}\" required></label>\
             <button type=\"submit\">{b_apply}</button></form></section>\
             <section class=\"card\"><h2>{h_import}</h2>\
             <p class=\"muted\">{import_help}</p>\
             <form method=\"post\" action=\"/dashboard/catalog/import\">{csrf}\
             <textarea name=\"csv\" id=\"import-csv\" placeholder=\"sku,name,tax_rate,price,barcodes\"></textarea>\
             <p><button type=\"submit\">{b_import}</button></p></form></section></div>",
            csrf = v.csrf_field(),
            qv = esc(query),
            h_bulk = m("catalog-bulk-title"),
            bulk_help = esc(&t.msg_with(
                "catalog-bulk-help",
                &[(
                    "what",
                    &if query.is_empty() {
                        t.msg("catalog-bulk-all")
                    } else {
                        t.msg_with("quoted", &[("text", &query)])
                    }
                )]
            )),
            l_percent = m("catalog-bulk-percent"),
            ph_percent = m("catalog-bulk-placeholder"),
            b_apply = m("catalog-bulk-apply"),
            h_import = m("catalog-import-title"),
            import_help = m("catalog-import-help"),
            b_import = m("catalog-import-button"),
        )
    } else {
        String::new()
    };
    let empty = if products.is_empty() {
        format!("<p class=\"muted\">{}</p>", m("catalog-empty"))
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{title}</h1>{done}\
         <form class=\"row\" method=\"get\" action=\"/dashboard/catalog\">\
         <label>{l_search} <input name=\"q\" id=\"q\" value=\"{qv}\"></label>\
         <button type=\"submit\">{b_search}</button> <a href=\"/dashboard/catalog.csv?q={qs}\">{export}</a></form>\
         <section class=\"card\"><table id=\"products\"><thead><tr><th>SKU</th><th>{c_product}</th><th>{c_codes}</th>\
         <th class=\"num\">{c_vat}</th><th class=\"num\">{c_price}</th><th>{c_active}</th></tr></thead><tbody>{rows}</tbody></table>{empty}\
         <div class=\"pager\">{prev}<span class=\"muted\">{page_label}</span>{next}</div></section>{admin_tools}",
        qv = esc(query),
        title = m("catalog-title"),
        l_search = m("catalog-search-label"),
        b_search = m("catalog-search"),
        export = m("catalog-export"),
        c_product = m("col-product"),
        c_codes = m("col-barcodes"),
        c_vat = m("col-vat"),
        c_price = m("col-price"),
        c_active = m("col-active"),
        page_label = esc(&t.msg_with("pager-page", &[("page", &page)])),
    );
    Ok(ok(html::page_t(
        &v,
        "catalog",
        &t.msg("catalog-title"),
        &body,
    )))
}

/// `GET /dashboard/catalog/{id}`.
pub async fn edit(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<ListQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| esc(&t.msg(k));
    let p = st.storage.get_product(ProductId(id)).await?;
    let overrides: HashMap<StoreId, Money> = st
        .storage
        .dashboard()
        .store_prices(p.id)
        .await?
        .into_iter()
        .collect();
    let category = st.storage.dashboard().product_category(p.id).await?;
    let stores = visible_stores(&st, &v).await?;
    let done = q.done.as_deref().map(html::notice).unwrap_or_default();
    let hq_form = if v.can_write() {
        format!(
            "<form class=\"row\" method=\"post\" action=\"/dashboard/catalog/{id}\">{csrf}\
             <label>{l_name} <input name=\"name\" id=\"name\" value=\"{name}\" size=\"40\"></label>\
             <label>{l_price} <input name=\"price\" id=\"price\" value=\"{price}\" required></label>\
             <label>{l_cat} <input name=\"category\" id=\"category\" value=\"{cat}\" size=\"20\" maxlength=\"100\"></label>\
             <button type=\"submit\" id=\"save-price\">{save}</button></form>",
            csrf = v.csrf_field(),
            l_name = m("field-name"),
            l_cat = m("catalog-category-label"),
            cat = esc(&category),
            l_price = m("catalog-hq-price-label"),
            save = m("save"),
            name = esc(&p.name),
            price = html::price_field(p.price),
        )
    } else {
        String::new()
    };
    let store_rows: String = stores
        .iter()
        .map(|s| {
            let current = overrides.get(&s.id);
            let shown = current.map(|x| t.money(*x)).unwrap_or_else(|| {
                format!(
                    "<span class=\"muted\">{}</span>",
                    esc(&t.msg_with("catalog-hq-price-shown", &[("price", &t.money(p.price))]))
                )
            });
            let form = if v.can_write() {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/dashboard/catalog/{id}/store-price\">{csrf}\
                     <input type=\"hidden\" name=\"store_id\" value=\"{sid}\">\
                     <input name=\"price\" value=\"{val}\" placeholder=\"{ph}\" size=\"10\"> \
                     <button type=\"submit\" class=\"secondary\">{save}</button></form>",
                    csrf = v.csrf_field(),
                    sid = s.id,
                    val = current.map(|x| html::price_field(*x)).unwrap_or_default(),
                    ph = m("catalog-store-price-placeholder"),
                    save = m("save"),
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-store=\"{sid}\"><td>{n}</td><td class=\"num\">{shown}</td><td>{form}</td></tr>",
                sid = s.id,
                n = esc(&s.name)
            )
        })
        .collect();
    let body = format!(
        "<p><a href=\"/dashboard/catalog\">← {back}</a></p><h1>{name}</h1>{done}\
         <section class=\"card\"><p>SKU <b>{sku}</b> · {summary} \
         <b id=\"hq-price\">{price}</b> · {l_cat}: <span id=\"product-category\">{cat}</span></p>{hq_form}</section>\
         <section class=\"card\"><h2>{h_stores}</h2><table id=\"store-prices\"><thead><tr><th>{c_store}</th>\
         <th class=\"num\">{c_store_price}</th><th></th></tr></thead><tbody>{store_rows}</tbody></table></section>",
        back = m("catalog-title"),
        name = esc(&p.name),
        sku = esc(&p.sku),
        summary = esc(&t.msg_with(
            "catalog-product-summary",
            &[
                ("rate", &t.rate(p.tax_rate)),
                ("codes", &p.barcodes.join(", "))
            ]
        )),
        price = t.money(p.price),
        l_cat = m("catalog-category-label"),
        cat = if category.is_empty() {
            format!(
                "<span class=\"muted\">{}</span>",
                m("catalog-category-none")
            )
        } else {
            esc(&category)
        },
        h_stores = m("catalog-store-prices"),
        c_store = m("col-store"),
        c_store_price = m("catalog-store-price"),
    );
    Ok(ok(html::page_t(&v, "catalog", &p.name, &body)))
}

#[derive(Debug, Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    pub csrf: String,
    pub name: Option<String>,
    #[serde(default)]
    pub price: String,
    /// The report category ('' = none); left as it is when the form has no such field.
    pub category: Option<String>,
}

/// `POST /dashboard/catalog/{id}`: the HQ price (and name and report category).
pub async fn save(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebForm(f): WebForm<ProductForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let price = parse_price_t(t, &t.msg("field-price"), &f.price)?;
    let name = match f.name.as_deref() {
        Some(n) => Some(
            text("name", n, 200).map_err(|_| WebError::invalid(t.msg("catalog-name-invalid")))?,
        ),
        None => None,
    };
    let category = match f.category.as_deref().map(str::trim) {
        Some(c) if c.chars().count() > 100 || c.chars().any(char::is_control) => {
            return Err(WebError::invalid(t.msg("catalog-category-invalid")));
        }
        other => other.map(str::to_string),
    };
    // Everything was validated above, so a bad form saves nothing.
    if let Some(c) = &category {
        st.storage
            .dashboard()
            .set_product_category(ProductId(id), c)
            .await?;
    }
    st.storage
        .update_product(
            ProductId(id),
            &ProductPatch {
                name,
                price: Some(price),
                ..Default::default()
            },
        )
        .await?;
    Ok(see_other(&format!(
        "/dashboard/catalog/{id}?done={}",
        url(&t.msg_with("catalog-hq-price-saved", &[("price", &t.money(price))]))
    )))
}

#[derive(Debug, Deserialize)]
pub struct StorePriceForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub store_id: String,
    #[serde(default)]
    pub price: String,
}

/// `POST /dashboard/catalog/{id}/store-price`: a store's own price, or back to HQ's when empty.
pub async fn store_price(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebForm(f): WebForm<StorePriceForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let store = f
        .store_id
        .trim()
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::invalid(t.msg("choose-a-store")))?;
    let price = if f.price.trim().is_empty() {
        None
    } else {
        Some(parse_price_t(t, &t.msg("field-store-price"), &f.price)?)
    };
    st.storage
        .set_store_price(store, ProductId(id), price)
        .await?;
    let msg = match price {
        Some(p) => t.msg_with(
            "catalog-store-price-saved",
            &[("store", &store), ("price", &t.money(p))],
        ),
        None => t.msg_with("catalog-store-price-cleared", &[("store", &store)]),
    };
    Ok(see_other(&format!(
        "/dashboard/catalog/{id}?done={}",
        url(&msg)
    )))
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub percent: String,
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

/// `POST /dashboard/catalog/bulk-price`: changes every matching product's HQ price by a percentage,
/// rounded to the cent, in one transaction.
pub async fn bulk_price(
    State(st): State<AppState>,
    v: Viewer,
    WebForm(f): WebForm<BulkForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let pct = Decimal::from_str(
        &f.percent
            .trim()
            .trim_end_matches('%')
            .trim()
            .replace(',', "."),
    )
    .map_err(|_| {
        WebError::invalid(t.msg_with("catalog-bulk-not-a-number", &[("value", &f.percent.trim())]))
    })?;
    if pct.is_zero() || pct.abs() > Decimal::from(MAX_BULK_PERCENT) || pct <= Decimal::from(-100) {
        return Err(WebError::invalid(t.msg_with(
            "catalog-bulk-out-of-range",
            &[("max", &MAX_BULK_PERCENT)],
        )));
    }
    let factor = Decimal::ONE + pct / Decimal::from(100);
    let products = all_matching(&st, &f.q).await?;
    if products.is_empty() {
        return Err(WebError::invalid(t.msg("catalog-bulk-no-match")));
    }
    let mut prices = Vec::with_capacity(products.len());
    for p in &products {
        let new = Money::new(p.price.as_decimal() * factor);
        prices.push((p.id, check_price("price", new)?));
    }
    let n = st.storage.dashboard().bulk_set_prices(&prices).await?;
    Ok(see_other(&format!(
        "/dashboard/catalog?q={}&done={}",
        url(f.q.trim()),
        url(&t.msg_with("catalog-bulk-done", &[("percent", &pct), ("count", &n)]))
    )))
}

// --- CSV ------------------------------------------------------------------------------------------

/// Quotes a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Splits CSV text into records (RFC 4180 quoting; blank lines skipped).
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                line += 1;
                row.push(std::mem::take(&mut field));
                if !(row.len() == 1 && row[0].trim().is_empty()) {
                    rows.push(std::mem::take(&mut row));
                } else {
                    row.clear();
                }
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {line}: a quoted field is not closed"));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

/// `GET /dashboard/catalog.csv?q=`.
pub async fn export(
    State(st): State<AppState>,
    _v: Viewer,
    WebQuery(q): WebQuery<ListQuery>,
) -> WebResult {
    let products = all_matching(&st, &q.q).await?;
    let mut out = String::from("sku,name,tax_rate,price,barcodes,active\n");
    for p in products {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            csv_field(&p.sku),
            csv_field(&p.name),
            p.tax_rate,
            p.price,
            csv_field(&p.barcodes.join(" ")),
            p.active
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalogo.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub csv: String,
}

/// `POST /dashboard/catalog/import`: every row is checked first; one bad row and nothing is saved.
pub async fn import(
    State(st): State<AppState>,
    v: Viewer,
    WebForm(f): WebForm<ImportForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let rows = parse_csv(&f.csv).map_err(|e| WebError::invalid(format!("CSV: {e}")))?;
    let mut it = rows.into_iter();
    let header_row = it
        .next()
        .ok_or_else(|| WebError::invalid(t.msg("import-empty")))?;
    let cols: Vec<String> = header_row.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |name: &str| cols.iter().position(|c| c == name);
    let (Some(c_sku), Some(c_name), Some(c_rate), Some(c_price)) =
        (col("sku"), col("name"), col("tax_rate"), col("price"))
    else {
        return Err(WebError::invalid(t.msg("import-bad-header")));
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
        let line = i + 2;
        if i >= MAX_IMPORT_ROWS {
            return Err(WebError::invalid(
                t.msg_with("import-too-many-rows", &[("max", &MAX_IMPORT_ROWS)]),
            ));
        }
        let get = |c: usize| r.get(c).map(|s| s.trim()).unwrap_or("");
        let bad = |m: String| {
            WebError::invalid(t.msg_with("import-bad-line", &[("line", &line), ("reason", &m)]))
        };
        let sku = get(c_sku);
        let price =
            parse_price_t(t, &t.msg("field-price"), get(c_price)).map_err(|e| bad(e.message))?;
        let rate = sync_protocol::TaxRate::from_str(
            &get(c_rate).trim_end_matches('%').trim().replace(',', "."),
        )
        .map_err(|_| bad(t.msg_with("import-bad-rate", &[("value", &get(c_rate))])))?;
        let tax_rate_id = *rates
            .get(&rate.hundredths())
            .ok_or_else(|| bad(t.msg_with("import-unknown-rate", &[("rate", &t.rate(rate))])))?;
        let name = get(c_name).to_string();
        match existing.get(sku) {
            Some(p) => {
                let name = text("name", &name, 200).map_err(|e| bad(e.message))?;
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
                    .map(|c| get(c).split_whitespace().map(str::to_string).collect())
                    .unwrap_or_default();
                let p = validate_product(ProductIn {
                    sku: sku.to_string(),
                    name,
                    tax_rate_id,
                    price,
                    barcodes,
                })
                .map_err(|e| bad(e.message))?;
                if creates.iter().any(|c| c.sku == p.sku) {
                    return Err(bad(t.msg_with("import-duplicate-sku", &[("sku", &p.sku)])));
                }
                creates.push(p);
            }
        }
    }
    if creates.is_empty() && updates.is_empty() {
        return Err(WebError::invalid(t.msg("import-no-rows")));
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
    fn csv_round_trips_quotes_commas_and_newlines() {
        let rows =
            parse_csv("a,b\n\"x, y\",\"he said \"\"hi\"\"\"\n\nz,\"multi\nline\"\n").unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["a".to_string(), "b".into()],
                vec!["x, y".into(), "he said \"hi\"".into()],
                vec!["z".into(), "multi\nline".into()],
            ]
        );
        assert_eq!(csv_field("x, y"), "\"x, y\"");
        assert!(parse_csv("\"open").is_err());
    }

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
