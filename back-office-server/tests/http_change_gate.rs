//! HQ refuses a change that the tills of its store cannot apply: a till reporting a version older
//! than the one that brought a change kind (or that skipped the kind) makes HQ refuse changes of
//! that kind for its store — with a problem naming the till, in the viewer's language on the
//! dashboard — but not for another store; an admin can force it (API `?force=true`, the
//! dashboard's confirmation), which the audit log records; a till that updates lifts the refusal.
//! Real router over SQLite and PostgreSQL.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::people::AuditFilter;
use back_office_server::storage::{NewFranchisee, NewStore};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::{StoreId, TillId};

#[macro_use]
mod common;
use common::*;

struct World {
    north: StoreId,
    south: StoreId,
    product: i64,
    admin_token: String,
}

async fn world(s: &Server) -> World {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let north = st
        .create_store(&NewStore::new(f.id, "Tienda Norte", "x"))
        .await
        .unwrap()
        .id;
    let south = st
        .create_store(&NewStore::new(f.id, "Tienda Sur", "x"))
        .await
        .unwrap()
        .id;
    let admin_token = auth::new_token();
    st.create_admin("HQ", &auth::hash_token(&admin_token))
        .await
        .unwrap();
    back_office_server::services::accounts::create_user(
        &*st.clone(),
        "hq",
        "Usuario hq",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let mut w = World {
        north,
        south,
        product: 0,
        admin_token,
    };
    let (_, rate) = admin(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/tax-rates",
        json!({"name": "IVA general", "rate": "21.00"}),
    )
    .await;
    let (status, p) = admin(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/products",
        json!({"sku": "ACE-1L", "name": "Aceite 1 l", "tax_rate_id": rate["id"], "price": "5.95", "barcodes": []}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    w.product = p["id"].as_i64().unwrap();
    w
}

async fn admin(
    s: &Server,
    w: &World,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(&w.admin_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

/// A store's own price through the admin API (`?force=true` when `force`).
async fn store_price(
    s: &Server,
    w: &World,
    store: StoreId,
    price: &str,
    force: bool,
) -> (StatusCode, Value) {
    let q = if force { "?force=true" } else { "" };
    admin(
        s,
        w,
        reqwest::Method::PUT,
        &format!("/api/v1/admin/stores/{}/prices/{}{q}", store.0, w.product),
        json!({"price": price}),
    )
    .await
}

async fn report(s: &Server, till: TillId, version: &str, skipped: &[&str]) {
    let skipped: Vec<String> = skipped.iter().map(|k| k.to_string()).collect();
    s.storage
        .report_software(till, version, &skipped, Utc::now())
        .await
        .unwrap();
}

async fn forced_lines(s: &Server) -> Vec<(String, String, String)> {
    s.storage
        .people()
        .audit(&AuditFilter {
            kind: Some("change.forced".into()),
            limit: 50,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.actor, a.target, a.summary))
        .collect()
}

async fn old_tills_hold_back_changes_for_their_store(s: &Server) {
    let w = world(s).await;
    let (old, _) = common::enrolled_with_token(s, w.north, "Caja Norte 1").await;
    let (current, _) = common::enrolled_with_token(s, w.south, "Caja Sur 1").await;
    // A till that never reported its version is not judged.
    let (st, body) = store_price(s, &w, w.north, "5.50", false).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");

    report(s, old.till_id, "0.0.9", &[]).await;
    report(s, current.till_id, "0.1.0", &[]).await;
    // The old till's store: refused, naming the till, its store and its version; nothing written.
    let (st, body) = store_price(s, &w, w.north, "5.40", false).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "tills_need_update", "{body}");
    let m = body["message"].as_str().unwrap();
    assert!(m.contains("Caja Norte 1 (Tienda Norte, 0.0.9)"), "{m}");
    assert!(m.contains("store_price"), "{m}");
    assert!(!m.contains("Caja Sur"), "{m}");
    let after = s
        .storage
        .changes_after(old.store_id, 0, 1000)
        .await
        .unwrap();
    assert!(
        !serde_json::to_string(&after).unwrap().contains("\"5.40\""),
        "nothing sent: {after:?}"
    );
    // Another store: its tills are current, the change goes.
    let (st, body) = store_price(s, &w, w.south, "5.40", false).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    // A change for every store (a product) is held back by the old till too.
    let (st, body) = admin(
        s,
        &w,
        reqwest::Method::PATCH,
        &format!("/api/v1/admin/products/{}", w.product),
        json!({"name": "Aceite de oliva 1 l"}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(forced_lines(s).await.is_empty());

    // Forced: sent, and the audit log says by whom, what and despite which tills.
    let (st, body) = store_price(s, &w, w.north, "5.40", true).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    let lines = forced_lines(s).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (actor, target, summary) = &lines[0];
    assert_eq!(actor, "api-token:HQ");
    assert!(target.contains("store_price"), "{target}");
    assert!(
        summary.contains("Caja Norte 1 (Tienda Norte, 0.0.9)"),
        "{summary}"
    );

    // A revoked till no longer counts; neither does one that updated.
    report(s, old.till_id, "0.1.0", &[]).await;
    let (st, body) = store_price(s, &w, w.north, "5.30", false).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    report(s, current.till_id, "0.1.0", &["delivery_note"]).await;
    let note = json!({"store_id": w.south.0, "supplier": "Almacén central", "expected_date": "2026-12-01", "lines": [{"code": "ACE-1L", "quantity": "3"}]});
    let (st, body) = admin(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/delivery-notes",
        note.clone(),
    )
    .await;
    assert_eq!(
        st,
        StatusCode::CONFLICT,
        "a till that skipped the kind: {body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("delivery_note"),
        "{body}"
    );
    s.storage
        .revoke_till(current.till_id, Utc::now())
        .await
        .unwrap();
    let (st, body) = admin(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/delivery-notes",
        note,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(forced_lines(s).await.len(), 1, "nothing forced since");
}

on_both_backends!(old_tills_hold_back_changes_for_their_store);

async fn the_dashboard_explains_and_can_force(s: &Server) {
    let w = world(s).await;
    let (old, _) = common::enrolled_with_token(s, w.north, "Caja Norte 1").await;
    report(s, old.till_id, "0.0.9", &[]).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let path = format!("/dashboard/catalog/{}/store-price", w.product);
    let north = w.north.0.to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("store_id", north.as_str()),
        ("price", "4,99"),
    ];
    let p = hq.post(&path, &form).await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(
        p.body.contains("no pueden aplicar este cambio"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("Caja Norte 1 (Tienda Norte, 0.0.9)"),
        "{}",
        p.body
    );
    // The same form, ready to send again with the confirmation box.
    assert!(p.body.contains(&format!("action=\"{path}\"")), "{}", p.body);
    assert!(p.body.contains("name=\"force\""), "{}", p.body);
    assert!(p.body.contains("Enviar el cambio igualmente"), "{}", p.body);
    assert!(
        p.body.contains("name=\"price\" value=\"4,99\""),
        "{}",
        p.body
    );
    // In English for an English reader.
    hq.get("/dashboard/lang?to=en&back=/dashboard").await;
    let p = hq.post(&path, &form).await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(p.body.contains("cannot apply this change"), "{}", p.body);
    assert!(p.body.contains("Send the change anyway"), "{}", p.body);
    assert!(forced_lines(s).await.is_empty());
    // Confirmed: saved, and in the audit log under the admin's name.
    let mut forced = form.to_vec();
    forced.push(("force", "1"));
    let p = hq.post(&path, &forced).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let lines = forced_lines(s).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].0, "hq");
    let audit = hq.get("/dashboard/audit").await.body;
    assert!(
        audit.contains("change sent to tills that cannot apply it"),
        "{audit}"
    );
    // Once the till reports an update, no confirmation is needed.
    report(s, old.till_id, "0.1.0", &[]).await;
    let p = hq.post(&path, &form).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(forced_lines(s).await.len(), 1);
}

on_both_backends!(the_dashboard_explains_and_can_force);

/// The hidden fields of the page's "send anyway" form (maud escapes `&`, `<`, `>` and `"`).
fn force_form_fields(page: &str) -> Vec<(String, String)> {
    let start = page.find("class=\"force-change\"").expect("a force form");
    let form = &page[start..start + page[start..].find("</form>").expect("form end")];
    let unescape = |v: &str| {
        v.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    form.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest.split_once("value=\"").unwrap().1;
            let value = &value[..value.find('"').unwrap()];
            (name.to_string(), unescape(value))
        })
        .collect()
}

async fn product_by_sku(s: &Server, sku: &str) -> Option<back_office_server::storage::Product> {
    s.storage
        .list_products(Some(sku), 0, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.sku == sku)
}

/// A catalog import refused because a till cannot apply it names the till and offers to import
/// anyway with the pasted file kept in the form (nothing to paste again); confirmed, the import is
/// saved and audited as a forced change.
async fn a_refused_catalog_import_can_be_sent_anyway(s: &Server) {
    let w = world(s).await;
    let (old, _) = common::enrolled_with_token(s, w.north, "Caja Norte 1").await;
    report(s, old.till_id, "0.0.9", &[]).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let csv = "sku;name;tax_rate;price\r\nNEW-1;\"Galletas \"\"María\"\" & té\";21;1,50\r\nNEW-2;Sal <fina>;21;0,45\r\n";
    let p = hq
        .post(
            "/dashboard/catalog/import",
            &[("csrf", csrf.as_str()), ("csv", csv)],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(
        p.body.contains("Caja Norte 1 (Tienda Norte, 0.0.9)"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("action=\"/dashboard/catalog/import\""),
        "{}",
        p.body
    );
    assert!(p.body.contains("Enviar el cambio igualmente"), "{}", p.body);
    assert!(product_by_sku(s, "NEW-1").await.is_none());
    // The form carries the file back: sending it as the page offers (ticked) imports it.
    let mut fields = force_form_fields(&p.body);
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "csv" && v.replace("\r\n", "\n") == csv.replace("\r\n", "\n")),
        "{fields:?}"
    );
    fields.push(("force".into(), "1".into()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let p = hq.post("/dashboard/catalog/import", &fields).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let new = product_by_sku(s, "NEW-1").await.expect("imported");
    assert_eq!(new.name, "Galletas \"María\" & té");
    assert!(product_by_sku(s, "NEW-2").await.is_some());
    let lines = forced_lines(s).await;
    assert!(!lines.is_empty(), "audited as forced");
    assert!(lines.iter().all(|l| l.0 == "hq"), "{lines:?}");
}

on_both_backends!(a_refused_catalog_import_can_be_sent_anyway);
