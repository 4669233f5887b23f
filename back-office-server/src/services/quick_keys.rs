//! Quick keys for the tills (issue 17): the layouts HQ edits as lines of text (`page ; SKU ;
//! label ; colour`, the way purchase-order lines are typed), a family added as a page in one go,
//! and the checks every layout passes before it is stored and sent. Used by the dashboard page
//! Teclas rápidas, the admin API and the CLI.

use super::ServiceResult;
use crate::problem::Problem;
use crate::storage::quick_keys::StoredLayout;
use crate::storage::replenish::CatalogProduct;
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use sync_protocol::quick_keys::{LayoutError, MAX_KEYS, MAX_LABEL_CHARS, MAX_PAGES};
use sync_protocol::{KeyColour, ProductId, QuickKey, QuickKeyLayout, StoreId};

/// A layout's limits broken, as a problem a person can act on.
pub fn layout_problem(e: &LayoutError) -> Problem {
    match e {
        LayoutError::TooManyKeys(n) => Problem::new("quick_keys_too_many")
            .with("count", n)
            .with("max", MAX_KEYS),
        LayoutError::TooManyPages(n) => Problem::new("quick_keys_too_many_pages")
            .with("count", n)
            .with("max", MAX_PAGES),
        LayoutError::EmptyPage(line) => Problem::new("quick_key_empty_page").with("line", line),
        LayoutError::TooLong(line) => Problem::new("quick_key_too_long")
            .with("line", line)
            .with("max", MAX_LABEL_CHARS),
        LayoutError::Twice(line, product, page) => Problem::new("quick_key_twice")
            .with("line", line)
            .with("id", product)
            .with("page", page),
    }
}

/// Reads the lines of a layout: `page ; SKU ; label ; colour`, label and colour optional (the
/// product's name, grey), SKUs case-insensitive, colours in English or Spanish; blank lines and
/// lines starting with `#` are skipped. The first bad line is the problem (1-based).
pub fn parse_lines(text: &str, catalog: &[CatalogProduct]) -> Result<Vec<QuickKey>, Problem> {
    let by_sku: HashMap<String, ProductId> = catalog
        .iter()
        .map(|p| (p.sku.to_lowercase(), p.product_id))
        .collect();
    let mut keys = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = l.split(';').map(str::trim).collect();
        if parts.len() < 2 || parts.len() > 4 {
            return Err(Problem::new("quick_key_line_bad")
                .with("line", line)
                .with("text", l));
        }
        let product = *by_sku.get(&parts[1].to_lowercase()).ok_or_else(|| {
            Problem::new("quick_key_unknown_sku")
                .with("line", line)
                .with("sku", parts[1])
        })?;
        let colour_text = parts.get(3).copied().unwrap_or("");
        let colour = KeyColour::parse(colour_text).ok_or_else(|| {
            Problem::new("quick_key_bad_colour")
                .with("line", line)
                .with("colour", colour_text)
        })?;
        keys.push(QuickKey {
            page: parts[0].to_string(),
            product_id: product,
            label: parts.get(2).copied().unwrap_or("").to_string(),
            colour,
        });
    }
    Ok(keys)
}

/// A layout as the lines [`parse_lines`] reads (what the page's editor shows).
pub fn to_lines(keys: &[QuickKey], catalog: &[CatalogProduct]) -> String {
    let sku: HashMap<ProductId, &str> = catalog
        .iter()
        .map(|p| (p.product_id, p.sku.as_str()))
        .collect();
    let mut out = String::new();
    for k in keys {
        let s = sku
            .get(&k.product_id)
            .map_or_else(|| format!("#{}", k.product_id.0), |s| s.to_string());
        out.push_str(&format!(
            "{} ; {} ; {} ; {}\n",
            k.page,
            s,
            k.label,
            k.colour.as_str()
        ));
    }
    out
}

/// The active products of `family` as a page of that name (cut to the label length), by name, in
/// `colour`; at most what still fits in a layout of `room` keys.
pub fn family_page(
    catalog: &[CatalogProduct],
    family: &str,
    colour: KeyColour,
    room: usize,
) -> Vec<QuickKey> {
    let page: String = family.chars().take(MAX_LABEL_CHARS).collect();
    let mut products: Vec<&CatalogProduct> = catalog
        .iter()
        .filter(|p| p.active && p.family == family)
        .collect();
    products.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then(a.product_id.0.cmp(&b.product_id.0))
    });
    products
        .into_iter()
        .take(room)
        .map(|p| QuickKey {
            page: page.clone(),
            product_id: p.product_id,
            label: String::new(),
            colour,
        })
        .collect()
}

/// Checks and stores a layout (the franchise's when `store` is `None`), sending it to the tills.
pub async fn save(
    storage: &dyn Storage,
    store: Option<StoreId>,
    keys: Vec<QuickKey>,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<StoredLayout> {
    let layout = QuickKeyLayout {
        store_id: store,
        keys,
    };
    layout
        .check()
        .map_err(|e| StorageError::Invalid(layout_problem(&e)))?;
    storage
        .quick_keys()
        .save_quick_key_layout(&layout, by, now)
        .await
}

/// Adds `family`'s active products as a page of the layout (replacing that page if it is there).
pub async fn add_family(
    storage: &dyn Storage,
    store: Option<StoreId>,
    family: &str,
    colour: KeyColour,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<StoredLayout> {
    let catalog = storage.replenish().catalog().await?;
    if !catalog.iter().any(|p| p.active && p.family == family) {
        return Err(StorageError::Invalid(
            Problem::new("quick_keys_family_empty").with("family", family),
        ));
    }
    let page: String = family.chars().take(MAX_LABEL_CHARS).collect();
    let mut keys: Vec<QuickKey> = match storage.quick_keys().quick_key_layout(store).await? {
        Some(s) => s.layout.keys,
        None => Vec::new(),
    };
    keys.retain(|k| k.page != page);
    let room = MAX_KEYS.saturating_sub(keys.len());
    keys.extend(family_page(&catalog, family, colour, room));
    save(storage, store, keys, by, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i64, sku: &str, name: &str, family: &str) -> CatalogProduct {
        CatalogProduct {
            product_id: ProductId(id),
            sku: sku.into(),
            name: name.into(),
            family: family.into(),
            active: true,
            cost: None,
        }
    }

    #[test]
    fn lines_read_and_write_back() {
        let catalog = vec![
            product(1, "CAF-1", "Café solo", "Café"),
            product(2, "CRO-1", "Cruasán", "Bollería"),
        ];
        let keys = parse_lines(
            "# desayunos\nCafé ; caf-1 ; Solo ; verde\n\nBollería ; CRO-1\n",
            &catalog,
        )
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].product_id, ProductId(1));
        assert_eq!(keys[0].label, "Solo");
        assert_eq!(keys[0].colour, KeyColour::Green);
        assert_eq!(keys[1].colour, KeyColour::Grey);
        assert_eq!(parse_lines(&to_lines(&keys, &catalog), &catalog), Ok(keys));
    }

    #[test]
    fn a_bad_line_is_named() {
        let catalog = vec![product(1, "CAF-1", "Café solo", "Café")];
        let code = |t: &str| parse_lines(t, &catalog).unwrap_err().code;
        assert_eq!(code("Café ; NOPE"), "quick_key_unknown_sku");
        assert_eq!(code("Café"), "quick_key_line_bad");
        assert_eq!(code("Café ; CAF-1 ; ; fucsia"), "quick_key_bad_colour");
        let e = parse_lines("\nCafé ; NOPE", &catalog).unwrap_err();
        assert!(e.args.contains(&("line", "2".to_string())), "{e:?}");
    }

    #[test]
    fn a_family_becomes_a_page_by_name() {
        let catalog = vec![
            product(3, "B", "Zumo", "Bebidas"),
            product(1, "A", "Agua", "Bebidas"),
            product(2, "C", "Pan", "Panadería"),
        ];
        let page = family_page(&catalog, "Bebidas", KeyColour::Blue, 10);
        assert_eq!(
            page.iter().map(|k| k.product_id.0).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert!(page.iter().all(|k| k.page == "Bebidas"));
        assert_eq!(
            family_page(&catalog, "Bebidas", KeyColour::Blue, 1).len(),
            1
        );
    }
}
