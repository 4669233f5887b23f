//! The catalog world the quick-keys and promotions tests share: one franchisee with stores North
//! and South, a coffee, a croissant and a water (each in a family), an HQ admin's API token, and
//! `api` for JSON calls with it. Included with `#[path]` by those test binaries, after `common`.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{NewFranchisee, NewStore};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::StoreId;

use super::common::{PASSWORD, Server};

#[allow(dead_code)] // each test binary reads the products it needs
pub struct World {
    pub north: StoreId,
    pub south: StoreId,
    pub coffee: i64,
    pub croissant: i64,
    pub water: i64,
    pub admin_token: String,
}

pub async fn api(
    s: &Server,
    w: &World,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rq = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(&w.admin_token);
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    let r = rq.send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

pub async fn world(s: &Server) -> World {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Cafeterías Test, S.L.".into(),
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
    for (user, role, stores) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analista", DashboardRole::Analyst, vec![]),
        ("norte", DashboardRole::Manager, vec![north]),
    ] {
        back_office_server::services::accounts::create_user(
            &*st.clone(),
            user,
            &format!("Usuario {user}"),
            PASSWORD,
            role,
            stores,
        )
        .await
        .unwrap();
    }
    let mut w = World {
        north,
        south,
        coffee: 0,
        croissant: 0,
        water: 0,
        admin_token,
    };
    let (_, rate) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/tax-rates",
        Some(json!({"name": "IVA reducido", "rate": "10.00"})),
    )
    .await;
    let mut ids = Vec::new();
    for (sku, name, price, family) in [
        ("CAF-1", "Café solo", "1.30", "Cafés"),
        ("CRO-1", "Cruasán", "1.80", "Bollería"),
        ("AGU-1", "Agua 50 cl", "1.00", "Bebidas"),
    ] {
        let (status, p) = api(
            s,
            &w,
            reqwest::Method::POST,
            "/api/v1/admin/products",
            Some(json!({"sku": sku, "name": name, "tax_rate_id": rate["id"], "price": price, "barcodes": []})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        let id = p["id"].as_i64().unwrap();
        let (status, c) = api(
            s,
            &w,
            reqwest::Method::PUT,
            &format!("/api/v1/admin/products/{id}/category"),
            Some(json!({"category": family})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{c}");
        ids.push(id);
    }
    (w.coffee, w.croissant, w.water) = (ids[0], ids[1], ids[2]);
    w
}
