//! The demo seed: a realistic franchise, seeded once, whose catalog is valid and usable over HTTP.

use back_office_server::storage;
use back_office_server::{AppState, barcode, demo, nif, router};
use std::collections::HashSet;

#[tokio::test]
async fn demo_seeds_once_and_everything_validates() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let st = storage::open(&url).await.unwrap();

    let seed = demo::seed(&st)
        .await
        .unwrap()
        .expect("fresh database gets seeded");
    assert!(seed.products >= 5_000, "{}", seed.products);
    assert_eq!(seed.tills.len(), 3);
    assert_eq!(seed.staff.len(), 9);
    assert!(demo::seed(&st).await.unwrap().is_none(), "seeds only once");

    for f in st.list_franchisees().await.unwrap() {
        nif::validate(&f.nif).unwrap();
    }
    assert_eq!(st.list_stores().await.unwrap().len(), 3);
    // One pending delivery note for the first store, with its three lines.
    let notes = st
        .deliveries()
        .list_delivery_notes(&Default::default())
        .await
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].store_id, st.list_stores().await.unwrap()[0].id);
    assert_eq!(notes[0].lines.len(), 3);
    assert_eq!(notes[0].status, sync_protocol::DeliveryNoteStatus::Pending);
    let rates: HashSet<String> = st
        .list_tax_rates()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.rate.to_string())
        .collect();
    for r in ["21.00", "10.00", "4.00", "0.00"] {
        assert!(rates.contains(r), "{r} missing");
    }
    let mut used_rates = HashSet::new();
    let mut offset = 0;
    let mut count = 0;
    loop {
        let page = st.list_products(None, offset, 1000).await.unwrap();
        if page.is_empty() {
            break;
        }
        for p in &page {
            assert!(!p.price.is_negative());
            assert!(!p.barcodes.is_empty());
            for b in &p.barcodes {
                barcode::validate(b).unwrap();
                // Spanish GS1 codes, or the zero-value code of a product sold from the scale.
                assert!(
                    b.starts_with("84") || (p.sku.starts_with("PESO-") && b.starts_with('2')),
                    "{b}"
                );
            }
            used_rates.insert(p.tax_rate.to_string());
        }
        count += page.len();
        offset += page.len() as u64;
    }
    assert_eq!(count as u64, seed.products);
    // The two common scale-label rules: 21 = weight in grams, 23 = price in cents.
    let rules: Vec<(String, sync_protocol::barcode::MeasureKind, u32)> = st
        .list_barcode_rules()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.prefix, r.kind, r.decimals))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("21".into(), sync_protocol::barcode::MeasureKind::Weight, 3),
            ("23".into(), sync_protocol::barcode::MeasureKind::Price, 2),
        ]
    );
    assert_eq!(used_rates.len(), 4, "products spread across every rate");

    // The printed admin token and an enrolment code work over HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(AppState::new(st.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::new();
    let res = http
        .get(format!(
            "http://{addr}/api/v1/admin/products?q=leche&limit=5"
        ))
        .bearer_auth(&seed.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let products: serde_json::Value = res.json().await.unwrap();
    assert!(!products.as_array().unwrap().is_empty());
    let res = http
        .post(format!("http://{addr}/api/v1/sync/enroll"))
        .json(&serde_json::json!({"protocol_version": 1, "code": seed.tills[0].2, "device_name": "demo till"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let e: serde_json::Value = res.json().await.unwrap();
    let res = http
        .get(format!("http://{addr}/api/v1/sync/changes?limit=5000"))
        .bearer_auth(e["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page: serde_json::Value = res.json().await.unwrap();
    let changes = page["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 5000);
    assert_eq!(page["has_more"], true);
}
