//! The demo seed: a realistic franchise, seeded once, whose catalog is valid and usable over HTTP.

use back_office_server::storage;
use back_office_server::{AppState, barcode, demo, nif, router};
use std::collections::HashSet;

#[tokio::test]
async fn demo_seeds_once_and_everything_validates() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let st = storage::open(&url).await.unwrap();

    // Two weeks of history ending on a Wednesday evening (Madrid): a Monday note received on Tuesday.
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-18T19:30:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let seed = demo::seed_with(
        &st,
        demo::SeedOptions {
            history_days: 14,
            now,
        },
    )
    .await
    .unwrap()
    .expect("fresh database gets seeded");
    assert!(seed.products >= 5_000, "{}", seed.products);
    assert_eq!(seed.tills.len(), 3);
    // The tills' quick keys: three pages of a dozen keys each.
    let layout = st
        .quick_keys()
        .quick_key_layout(None)
        .await
        .unwrap()
        .unwrap();
    let mut pages: Vec<&str> = layout.layout.keys.iter().map(|k| k.page.as_str()).collect();
    pages.dedup();
    assert_eq!(pages, ["Desayuno y dulces", "Panadería", "Agua y zumos"]);
    assert!(
        layout.layout.keys.len() <= 36,
        "{}",
        layout.layout.keys.len()
    );
    // Promotions running and upcoming, a scheduled price, and customers for the invoice screen.
    assert_eq!(st.promotions().promotions().await.unwrap().len(), 3);
    assert_eq!(st.promotions().price_schedules().await.unwrap().len(), 1);
    assert!(
        seed.tills.iter().all(|t| t.1 == "Caja 2"),
        "{:?}",
        seed.tills
    );
    assert_eq!(seed.staff.len(), 9);
    assert!(demo::seed(&st).await.unwrap().is_none(), "seeds only once");

    // The history: trade, refunds, Z closes (a few signed off by a manager), weekly deliveries.
    let h = &seed.history;
    assert!(h.sales > 2_000, "{h:?}");
    assert!(h.refunds > 10, "{h:?}");
    // 12 trading days (Monday to Saturday) per store; the last store's till went silent 36 h ago.
    assert!(h.closes >= 30 && h.closes <= 36, "{h:?}");
    assert!(h.deliveries >= 3, "{h:?}");
    // Each franchisee's contract invoiced for the two closed months before `now`.
    assert_eq!(seed.invoices, 4);
    assert_eq!(st.replenish().list_suppliers().await.unwrap().len(), 2);
    // Every document reached HQ: no gap, no conflict, chains whole; the silent till is offline.
    let tills = st.list_tills().await.unwrap();
    let rung: Vec<_> = tills.iter().filter(|t| t.name == "Caja 1").collect();
    assert_eq!(rung.len(), 3);
    assert_eq!(
        rung.iter().map(|t| t.last_seq).sum::<u64>(),
        h.documents,
        "{h:?}"
    );
    for t in &rung {
        assert_eq!(t.contiguous_seq, t.last_seq, "{t:?}");
        assert_eq!((t.open_gaps, t.conflicts), (0, 0), "{t:?}");
    }
    let silent = rung[2].last_push_at.unwrap();
    assert!(now - silent >= chrono::Duration::hours(36), "{silent}");
    assert!(rung[0].last_push_at.unwrap() > now - chrono::Duration::hours(1));
    // HQ handled the older alerts: none older than a week is left unresolved.
    let (unresolved, _) = st
        .alerts()
        .alerts(&storage::alerts::AlertFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        unresolved
            .iter()
            .all(|a| now - a.created_at <= chrono::Duration::days(7)),
        "{unresolved:?}"
    );
    let alerts = st.dashboard().open_alerts().await.unwrap();
    for a in &alerts {
        assert!(
            !matches!(
                a.kind.as_str(),
                "conflict"
                    | "gap"
                    | "chain_break"
                    | "clock_skew"
                    | "verifactu_bad_hash"
                    | "verifactu_chain_break"
                    | "verifactu_mismatch"
            ),
            "{a:?}"
        );
    }
    // The sales report holds the history's tickets, day by day.
    let from = now.date_naive() - chrono::Duration::days(14);
    let by_store = st
        .dashboard()
        .report_by(
            storage::dashboard::ReportDim::Store,
            from,
            now.date_naive(),
            storage::dashboard::ReportSource::Aggregates,
        )
        .await
        .unwrap();
    let tickets: i64 = by_store.iter().map(|r| r.count).sum();
    assert!(tickets as u64 >= h.sales, "{tickets} < {}", h.sales);

    for f in st.list_franchisees().await.unwrap() {
        nif::validate(&f.nif).unwrap();
    }
    assert_eq!(st.list_stores().await.unwrap().len(), 3);
    // The delivery note on its way to the first store, with its three lines; HQ's weekly notes
    // of the history were received at the stores against the note.
    let notes = st
        .deliveries()
        .list_delivery_notes(&Default::default())
        .await
        .unwrap();
    let first_store = st.list_stores().await.unwrap()[0].id;
    assert!(
        notes.iter().any(|n| n.store_id == first_store
            && n.lines.len() == 3
            && n.status == sync_protocol::DeliveryNoteStatus::Pending),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .filter(|n| n.status == sync_protocol::DeliveryNoteStatus::Received)
            .count()
            >= 3,
        "{notes:?}"
    );
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
