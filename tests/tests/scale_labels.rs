//! End to end, on both backends: a GS1 variable-measure rule created through HQ's admin API reaches
//! a real till by sync, and a scale label scanned there rings the right price, which HQ then reports.

use pos_terminal::cart::{Cart, cash_payment};
use pos_terminal::ledger::{Ledger, Scan, ScanError};
use pos_terminal::sync::{SyncClient, SyncOptions};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::barcode::make_ean13;
use sync_protocol::*;
use trastienda_tests::server::TestDatabase;
use trastienda_tests::{Backend, HqClient, TestServer};

fn ean(first12: &str) -> String {
    make_ean13(first12).expect("ean")
}

fn client() -> SyncClient {
    SyncClient::new(SyncOptions {
        max_attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
        ..SyncOptions::default()
    })
    .expect("client")
}

async fn weighed_scan_rings_the_right_price(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let server = TestServer::start(&db.url).await;
    let admin = HqClient::new(&server.url(), &HqClient::bootstrap_admin(&db.url).await);
    let franchise = admin.seed_franchise(1, 3).await;
    let rates = admin.get("/api/v1/admin/tax-rates").await;
    let rate_id = |r: &str| {
        rates
            .as_array()
            .expect("rates")
            .iter()
            .find(|x| x["rate"] == r)
            .and_then(|x| x["id"].as_i64())
            .expect("rate")
    };
    // Products sold from the scale, registered by their zero-value codes.
    admin
        .post(
            "/api/v1/admin/products",
            json!({"sku": "PESO-1", "name": "Naranjas (kg)", "tax_rate_id": rate_id("4.00"), "price": "1.89", "barcodes": [ean("210000100000")]}),
        )
        .await;
    admin
        .post(
            "/api/v1/admin/products",
            json!({"sku": "PESO-2", "name": "Queso manchego al corte", "tax_rate_id": rate_id("10.00"), "price": "18.95", "barcodes": [ean("230000200000")]}),
        )
        .await;

    let sync = client();
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Arc::new(Mutex::new(
        Ledger::open(dir.path().join("till.db")).expect("ledger"),
    ));
    let (_, code) = admin.create_till(franchise.store_ids[0], "Caja 1").await;
    sync.enrol_ledger(&ledger, &server.url(), &code, "caja de prueba")
        .await
        .expect("enrol");
    sync.pull_changes(&ledger).await.expect("pull");
    {
        let mut l = ledger.lock().expect("lock");
        let manager = l.managers().expect("staff").remove(0);
        l.start_shift(&manager, Vec::new()).expect("open shift");
    }

    // 1,525 kg of oranges; 7,58 € of cheese.
    let weight_label = ean("210000101525");
    let price_label = ean("230000200758");
    // Without rules a label is just an unknown code.
    assert!(matches!(
        ledger.lock().expect("lock").resolve_scan(&weight_label),
        Err(ScanError::Unknown(_))
    ));

    // HQ configures the two common rules; the till pulls them.
    let w = admin
        .post(
            "/api/v1/admin/barcode-rules",
            json!({"prefix": "21", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3}),
        )
        .await;
    assert_eq!(w["prefix"], "21");
    let p = admin
        .post(
            "/api/v1/admin/barcode-rules",
            json!({"prefix": "23", "kind": "price", "item_digits": 5, "value_digits": 5, "decimals": 2}),
        )
        .await;
    sync.pull_changes(&ledger).await.expect("pull rules");

    let (total, doc_total) = {
        let mut l = ledger.lock().expect("lock");
        assert_eq!(l.barcode_rules().expect("rules").len(), 2);
        let weighed = l.resolve_scan(&weight_label).expect("weighed");
        assert!(
            matches!(&weighed, Scan::Weighed { quantity, item } if *quantity == Quantity::from_milli(1525) && item.price == Money::from_cents(189)),
            "{weighed:?}"
        );
        let priced = l.resolve_scan(&price_label).expect("priced");
        let mut cart = Cart::new();
        cart.add_scan(&weighed).expect("add");
        cart.add_scan(&priced).expect("add");
        // 1,525 × 1,89 = 2,88225 → 2,88 €; plus the label's 7,58 € = 10,46 €.
        let t = cart.totals().expect("totals");
        assert_eq!(t.lines[0].gross, Money::from_cents(288));
        assert_eq!(t.lines[1].gross, Money::from_cents(758));
        assert_eq!(t.total, Money::from_cents(1046));
        // A bad check digit is refused.
        let bad = format!(
            "{}{}",
            &weight_label[..12],
            (weight_label.as_bytes()[12] - b'0' + 1) % 10
        );
        let e = l.resolve_scan(&bad).expect_err("bad check digit");
        assert!(
            e.to_string().starts_with("código de barras no válido"),
            "{e}"
        );
        let (lines, discount) = cart.take();
        let doc = l
            .record_sale(
                Some(StaffId(1)),
                lines,
                discount,
                vec![cash_payment(t.total, Money::from_cents(2000))],
            )
            .expect("sale");
        let DocumentBody::Sale(s) = &doc.body else {
            panic!("not a sale")
        };
        (t.total, s.totals.total)
    };
    assert_eq!(doc_total, total);
    sync.push_pending(&ledger).await.expect("push");
    assert_eq!(admin.sales_totals().await, (1, Money::from_cents(1046)));

    // HQ removes the price rule: after the next pull its labels are no longer read as prices.
    let (status, _) = admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/barcode-rules/{}", p["id"]),
            None,
        )
        .await;
    assert_eq!(status, 204);
    sync.pull_changes(&ledger).await.expect("pull deletion");
    {
        let l = ledger.lock().expect("lock");
        assert_eq!(l.barcode_rules().expect("rules").len(), 1);
        assert!(matches!(
            l.resolve_scan(&price_label),
            Err(ScanError::Unknown(_))
        ));
        assert!(matches!(
            l.resolve_scan(&weight_label),
            Ok(Scan::Weighed { .. })
        ));
    }
    db.cleanup().await;
}

mod weighed_scan {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::weighed_scan_rings_the_right_price(super::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::weighed_scan_rings_the_right_price(super::Backend::Postgres).await;
    }
}
