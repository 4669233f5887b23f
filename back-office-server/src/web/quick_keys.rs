//! Teclas rápidas: the quick keys the tills show beside the ticket. HQ edits the franchise's layout
//! and, where a store sells differently, a store's own (which replaces the franchise's there), as
//! lines `page ; SKU ; label ; colour`, or adds a family as a page in one go; a preview shows the
//! keys as the till draws them. Admins change; everyone else reads what they may see (a manager,
//! the franchise's layout and their stores'). Each save reaches the tills through the change log.

use super::html::{self, url};
use super::overview::visible_stores;
use super::{Tr, Viewer, WebError, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::quick_keys as svc;
use crate::storage::StorageError;
use crate::storage::quick_keys::StoredLayout;
use crate::storage::replenish::CatalogProduct;
use axum::extract::State;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use sync_protocol::quick_keys::{MAX_KEYS, MAX_LABEL_CHARS, MAX_PAGES};
use sync_protocol::{KeyColour, Money, ProductId, StoreId};

#[derive(Debug, Default, Deserialize)]
pub struct ScopeQuery {
    /// Empty: the franchise's layout.
    pub store: Option<String>,
    pub done: Option<String>,
}

/// The colour's name in `t`'s language.
fn colour_name(t: &Tr, c: KeyColour) -> String {
    t.msg(&format!("qk-colour-{}", c.as_str()))
}

/// The store a page or form is about (`None`: the franchise), one the viewer sees (else 404).
async fn scope(
    st: &AppState,
    v: &Viewer,
    store: Option<&str>,
) -> Result<Option<(StoreId, String)>, WebError> {
    let Some(s) = store.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let id = s
        .parse::<i64>()
        .map(StoreId)
        .map_err(|_| WebError::not_found_t(v.t()))?;
    visible_stores(st, v)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .map(|x| Some((x.id, x.name)))
        .ok_or_else(|| WebError::not_found_t(v.t()))
}

fn path(store: Option<StoreId>) -> String {
    match store {
        Some(s) => format!("/dashboard/quick-keys?store={s}"),
        None => "/dashboard/quick-keys".into(),
    }
}

/// `GET /dashboard/quick-keys[?store=N]`.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ScopeQuery>,
) -> WebResult {
    let store = scope(&st, &v, q.store.as_deref()).await?;
    show(&st, &v, store, q.done.as_deref(), None, None).await
}

async fn show(
    st: &AppState,
    v: &Viewer,
    store: Option<(StoreId, String)>,
    done: Option<&str>,
    typed: Option<&str>,
    error: Option<String>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let store_id = store.as_ref().map(|s| s.0);
    let qk = st.storage.quick_keys();
    let own = qk.quick_key_layout(store_id).await?;
    let franchise = match store_id {
        Some(_) => qk.quick_key_layout(None).await?,
        None => None,
    };
    let with_own: BTreeSet<StoreId> = qk.stores_with_own_quick_keys().await?.into_iter().collect();
    let stores = visible_stores(st, v).await?;
    let catalog = st.storage.replenish().catalog().await?;
    let families: BTreeSet<&str> = catalog
        .iter()
        .filter(|p| p.active && !p.family.is_empty())
        .map(|p| p.family.as_str())
        .collect();
    // What the tills of this scope show: its own layout, else (a store) the franchise's.
    let shown = own.as_ref().or(franchise.as_ref());
    let editor = match typed {
        Some(t) => t.to_string(),
        None => own
            .as_ref()
            .map(|o| svc::to_lines(&o.layout.keys, &catalog))
            .unwrap_or_default(),
    };
    let prices = prices(st, shown).await?;
    // The store goes in the form (not the query), so the form offered again to force a change
    // the tills cannot apply yet posts to the same layout.
    let action = |what: &str| format!("/dashboard/quick-keys/{what}");
    let store_field = html! {
        input type="hidden" name="store" value=(store_id.map(|s| s.to_string()).unwrap_or_default());
    };
    let body = html! {
        h1 { (m("qk-title")) }
        (html::done(done))
        p class="muted" { (m("qk-intro")) }
        form class="row" method="get" action="/dashboard/quick-keys" {
            label { (m("qk-scope")) " " select name="store" id="scope" {
                option value="" { (m("qk-scope-franchise")) }
                @for s in &stores {
                    option value=(s.id) selected[store_id == Some(s.id)] {
                        (s.name) @if with_own.contains(&s.id) { " · " (m("qk-own-marker")) }
                    }
                }
            } }
            button type="submit" { (m("report-show")) }
        }
        @if let Some(e) = &error { p class="error" id="errors" { (e) } }
        section class="card" id="qk-status" {
            @match (&store, &own) {
                (None, Some(o)) => p { (t.msg_with(key!("qk-franchise-saved"), &[("who", &o.updated_by), ("when", &t.datetime(o.updated_at))])) },
                (None, None) => p { (m("qk-franchise-none")) },
                (Some((_, name)), Some(o)) => p { (t.msg_with(key!("qk-store-own"), &[("store", name), ("who", &o.updated_by), ("when", &t.datetime(o.updated_at))])) },
                (Some((_, name)), None) => p { (t.msg_with(key!("qk-store-inherits"), &[("store", name)])) },
            }
        }
        @if let Some(l) = shown {
            section class="card" {
                h2 { (m("qk-preview")) }
                (preview(t, l, &catalog, &prices))
            }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("qk-edit")) }
                p class="muted" {
                    (t.msg_with(key!("qk-edit-help"), &[("keys", &MAX_KEYS), ("pages", &MAX_PAGES), ("chars", &MAX_LABEL_CHARS)]))
                    " " (m("qk-colours")) " "
                    @for (i, c) in KeyColour::ALL.iter().enumerate() {
                        @if i > 0 { ", " }
                        span class="qk-swatch" style={ "background:" (c.css()) } { (colour_name(t, *c)) }
                    }
                    "."
                }
                form method="post" action=(action("save")) {
                    (v.csrf_field())
                    (store_field)
                    textarea name="lines" id="qk-lines" rows="14" cols="70"
                        placeholder="Café ; CAF-001 ; Solo ; marrón" { (editor) }
                    div class="row" {
                        button type="submit" id="qk-save" { (m("qk-save")) }
                    }
                }
                form class="row" method="post" action=(action("family")) {
                    (v.csrf_field())
                    (store_field)
                    label { (m("qk-family")) " " select name="family" id="qk-family" {
                        @for f in &families { option value=(f) { (f) } }
                    } }
                    label { (m("qk-colour")) " " select name="colour" id="qk-colour" {
                        @for c in KeyColour::ALL { option value=(c.as_str()) { (colour_name(t, c)) } }
                    } }
                    button type="submit" id="qk-add-family" { (m("qk-add-family")) }
                }
                @if let (Some((_, name)), Some(_)) = (&store, &own) {
                    form class="row" method="post" action=(action("clear")) {
                        (v.csrf_field())
                        (store_field)
                        button type="submit" class="secondary" id="qk-clear" {
                            (t.msg_with(key!("qk-clear"), &[("store", name)]))
                        }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(v, "quick-keys", &m("qk-title"), body)))
}

/// HQ's price of each product of `layout` (a store's own prices show at its tills).
async fn prices(
    st: &AppState,
    layout: Option<&StoredLayout>,
) -> Result<HashMap<ProductId, Money>, WebError> {
    let mut out = HashMap::new();
    let Some(l) = layout else { return Ok(out) };
    for k in &l.layout.keys {
        if out.contains_key(&k.product_id) {
            continue;
        }
        if let Ok(p) = st.storage.get_product(k.product_id).await {
            out.insert(k.product_id, p.price);
        }
    }
    Ok(out)
}

/// The keys as the till draws them: a tab per page, the keys in rows of three.
fn preview(
    t: &Tr,
    l: &StoredLayout,
    catalog: &[CatalogProduct],
    prices: &HashMap<ProductId, Money>,
) -> Markup {
    let names: HashMap<ProductId, &CatalogProduct> =
        catalog.iter().map(|p| (p.product_id, p)).collect();
    html! {
        div id="qk-preview" {
            @for page in l.layout.pages() {
                div class="qk-page" data-page=(page) {
                    h3 { (page) }
                    div class="qk-grid" {
                        @for k in l.layout.page(page) {
                            @let p = names.get(&k.product_id);
                            @let inactive = p.is_none_or(|p| !p.active);
                            div class={ "qk-key" @if inactive { " inactive" } } style={ "background:" (k.colour.css()) }
                                data-product=(k.product_id) title=[p.map(|p| p.sku.as_str())] {
                                b { @if k.label.is_empty() { (p.map_or("?", |p| p.name.as_str())) } @else { (k.label) } }
                                span { (prices.get(&k.product_id).map_or_else(|| "—".into(), |m| t.money(*m))) }
                                @if inactive { small { (t.msg(key!("qk-inactive"))) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LinesForm {
    #[serde(default)]
    pub store: String,
    #[serde(default)]
    pub lines: String,
}

/// A refusal shown on the page with what was typed (nothing lost); a change the tills cannot
/// apply yet, or a missing store, goes to the error page (which offers to force the former).
fn refusal(v: &Viewer, e: StorageError) -> Result<String, WebError> {
    match &e {
        StorageError::Invalid(p) => Ok(p.message(v.t().lang())),
        _ => Err(e.into()),
    }
}

fn done_at(store: Option<StoreId>, msg: &str) -> axum::response::Response {
    let p = path(store);
    let sep = if p.contains('?') { '&' } else { '?' };
    see_other(&format!("{p}{sep}done={}", url(msg)))
}

/// `POST /dashboard/quick-keys/save`: the layout (`store` empty: the franchise's) replaced by the
/// lines typed.
pub async fn save(State(st): State<AppState>, WriteForm(v, f): WriteForm<LinesForm>) -> WebResult {
    let store = scope(&st, &v, Some(&f.store)).await?;
    let store_id = store.as_ref().map(|s| s.0);
    let catalog = st.storage.replenish().catalog().await?;
    let keys = match svc::parse_lines(&f.lines, &catalog) {
        Ok(k) => k,
        Err(p) => {
            let msg = p.message(v.t().lang());
            return show(&st, &v, store, None, Some(&f.lines), Some(msg)).await;
        }
    };
    let n = keys.len();
    match svc::save(
        st.storage.as_ref(),
        store_id,
        keys,
        &v.user.display_name,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(done_at(
            store_id,
            &v.t().msg_with(key!("qk-saved"), &[("count", &n)]),
        )),
        Err(e) => {
            let msg = refusal(&v, e)?;
            show(&st, &v, store, None, Some(&f.lines), Some(msg)).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FamilyForm {
    #[serde(default)]
    pub store: String,
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub colour: String,
}

/// `POST /dashboard/quick-keys/family`: a family's active products as a page.
pub async fn family(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<FamilyForm>,
) -> WebResult {
    let store = scope(&st, &v, Some(&f.store)).await?;
    let store_id = store.as_ref().map(|s| s.0);
    let t = v.t();
    let Some(colour) = KeyColour::parse(&f.colour) else {
        let msg = crate::problem::Problem::new("quick_key_bad_colour")
            .with("line", 1)
            .with("colour", &f.colour)
            .message(t.lang());
        return show(&st, &v, store, None, None, Some(msg)).await;
    };
    match svc::add_family(
        st.storage.as_ref(),
        store_id,
        f.family.trim(),
        colour,
        &v.user.display_name,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(done_at(
            store_id,
            &t.msg_with(key!("qk-family-added"), &[("family", &f.family.trim())]),
        )),
        Err(e) => {
            let msg = refusal(&v, e)?;
            show(&st, &v, store, None, None, Some(msg)).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StoreForm {
    #[serde(default)]
    pub store: String,
}

/// `POST /dashboard/quick-keys/clear`: the store's own layout removed.
pub async fn clear(State(st): State<AppState>, WriteForm(v, f): WriteForm<StoreForm>) -> WebResult {
    let Some((id, name)) = scope(&st, &v, Some(&f.store)).await? else {
        return Err(WebError::not_found_t(v.t()));
    };
    st.storage.quick_keys().clear_store_quick_keys(id).await?;
    Ok(done_at(
        Some(id),
        &v.t().msg_with(key!("qk-cleared"), &[("store", &name)]),
    ))
}
