//! A Z closed offline reconciles at HQ after sync, on both backends: HQ checks the close against
//! the till's documents in its range, waits for missing ones, and alerts on mismatch or over/short.

use chrono::Utc;
use pos_terminal::ledger::Ledger;
use pos_terminal::sync::{SyncClient, SyncOptions};
use pos_terminal::{CloseCount, Staff, cash_payment};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::*;
use trastienda_tests::server::TestDatabase;
use trastienda_tests::{Backend, HqClient, TestServer};

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

fn manager() -> Staff {
    Staff {
        id: StaffId(1),
        name: "Marta".into(),
        role: StaffRole::Manager,
    }
}

fn notes_of_5(euros: u32) -> Vec<DenominationCount> {
    vec![DenominationCount {
        denomination: Denomination::from_cents(500).expect("euro"),
        count: euros / 5,
    }]
}

/// Sells one 10 € product line (priced by the test, not the catalog) paid in cash.
fn sell_10(l: &mut Ledger, product: ProductId) {
    let line = pos_terminal::CartLine {
        product_id: product,
        barcode: None,
        name: "Producto".into(),
        quantity: Quantity::one(),
        unit_price: Money::from_cents(1000),
        tax_rate: TaxRate::IVA_GENERAL,
        discount: Money::ZERO,
        weighed: false,
        promotion: None,
        promotion_discount: sync_protocol::Money::ZERO,
    };
    let total = Money::from_cents(1000);
    l.record_sale(
        Some(StaffId(1)),
        vec![line],
        Money::ZERO,
        vec![cash_payment(total, Money::from_cents(2000))],
    )
    .expect("sale");
}

async fn raw_push(base: &str, token: &str, till_id: TillId, docs: Vec<Document>) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(token)
        .json(&PushRequest {
            protocol_version: PROTOCOL_VERSION,
            till_id,
            documents: docs,
            waiting: None,
            till_version: None,
            skipped_change_kinds: None,
            customers: vec![],
            mail_requests: vec![],
            report_mails: vec![],
        })
        .send()
        .await
        .expect("push")
        .status()
        .as_u16()
}

fn alerts_of(alerts: &[serde_json::Value], kind: &str) -> Vec<String> {
    alerts
        .iter()
        .filter(|a| a["kind"] == kind)
        .map(|a| a["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn z_closed_offline_reconciles_at_hq_after_sync(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let mut server = TestServer::start(&db.url).await;
    let admin = HqClient::new(&server.url(), &HqClient::bootstrap_admin(&db.url).await);
    let franchise = admin.seed_franchise(1, 3).await;
    let product = ProductId(franchise.products[0].0);
    let (_, code) = admin.create_till(franchise.store_ids[0], "Caja 1").await;
    let sync = client();
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Arc::new(Mutex::new(
        Ledger::open(dir.path().join("till.db")).expect("ledger"),
    ));
    sync.enrol_ledger(&ledger, &server.url(), &code, "caja")
        .await
        .expect("enrol");
    sync.pull_changes(&ledger).await.expect("pull");

    // The whole day offline: float 100 €, three 10 € cash sales, 10 € out, Z counted 20 € short.
    server.stop().await;
    let z1_seq = {
        let mut l = ledger.lock().expect("lock");
        l.start_shift(&manager(), notes_of_5(100)).expect("open");
        for _ in 0..3 {
            sell_10(&mut l, product);
        }
        l.cash_movement(
            &manager(),
            CashMovementDirection::Out,
            Money::from_cents(1000),
            "Proveedor",
        )
        .expect("cash out");
        let z = l
            .close_day(CloseCount {
                staff: manager(),
                cash: notes_of_5(100),
                other: Vec::new(),
                blind: true,
                next_float: Money::from_cents(10000),
                // A second manager approves: the one closing may not approve their own.
                approval: Some(pos_terminal::Approval {
                    manager: Staff {
                        id: StaffId(2),
                        name: "Pilar".into(),
                        role: StaffRole::Manager,
                    },
                    note: "Billete falso".into(),
                }),
            })
            .expect("Z closes offline");
        z.seq
    };
    assert!(sync.sync_once(&ledger).await.is_err(), "HQ is down");
    server.restart().await;
    sync.sync_once(&ledger).await.expect("sync");
    assert_eq!(
        ledger.lock().expect("lock").outbox_len().expect("outbox"),
        0
    );
    let alerts = admin.alerts().await;
    assert_eq!(alerts_of(&alerts, "z_mismatch"), Vec::<String>::new());
    let over_short = alerts_of(&alerts, "z_over_short");
    assert_eq!(over_short.len(), 1, "{alerts:?}");
    assert!(over_short[0].contains("Z 1") && over_short[0].contains("-20.00"));
    assert!(over_short[0].contains("approved by staff 2 (Billete falso)"));

    // A close whose figures the documents do not support, arriving before those documents.
    let (token, till_id, store_id, last_hash, last_seq) = {
        let mut l = ledger.lock().expect("lock");
        // The Z ended the shift: the next one opens (empty float) before anything is sold.
        l.start_shift(&manager(), Vec::new())
            .expect("open the next shift");
        sell_10(&mut l, product);
        sell_10(&mut l, product);
        let ident = l.identity().expect("identity").expect("enrolled");
        let last = l.last_seq().expect("seq");
        let hash = l.document(last).expect("read").expect("doc").hash;
        (ident.token, ident.till_id, ident.store_id, hash, last)
    };
    let forged = Document::seal(
        DocumentId::new(),
        till_id,
        store_id,
        last_seq + 1,
        Utc::now(),
        &last_hash,
        DocumentBody::CashClose(CashClose {
            z_number: 2,
            business_date: Utc::now().date_naive(),
            opening_float: Money::ZERO,
            expected: vec![TenderAmount {
                tender: Tender::Cash,
                amount: Money::from_cents(5000),
            }],
            counted: vec![TenderAmount {
                tender: Tender::Cash,
                amount: Money::from_cents(5000),
            }],
            first_seq: z1_seq + 2, // after Z 1 and its audit entry
            last_seq,
            ticket_count: 5,
            gross: Money::from_cents(5000),
            staff_id: Some(StaffId(1)),
            approved_by: None,
            note: None,
            denominations: Vec::new(),
            blind: false,
            tolerance: None,
            next_float: None,
        }),
    );
    let base = server.url();
    assert_eq!(raw_push(&base, &token, till_id, vec![forged]).await, 200);
    assert!(
        alerts_of(&admin.alerts().await, "z_mismatch").is_empty(),
        "not checked while its documents are missing"
    );
    sync.sync_once(&ledger).await.expect("sync the two sales");
    let mismatches = alerts_of(&admin.alerts().await, "z_mismatch");
    assert_eq!(mismatches.len(), 3, "{mismatches:?}");
    assert!(mismatches[0].contains("Z 2: the close counts 5 tickets, the documents hold 2"));
    db.cleanup().await;
}

/// HQ sets a store's cash tolerance and receipt header; the till of that store pulls them, its Z
/// close follows HQ's tolerance and its receipts print the header; another store's till keeps its own.
async fn a_tolerance_set_at_hq_reaches_the_till_through_sync(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let server = TestServer::start(&db.url).await;
    let admin = HqClient::new(&server.url(), &HqClient::bootstrap_admin(&db.url).await);
    let franchise = admin.seed_franchise(2, 1).await;
    let product = ProductId(franchise.products[0].0);
    let sync = client();
    let mut tills = Vec::new();
    for (i, store) in franchise.store_ids.iter().enumerate() {
        let (_, code) = admin.create_till(*store, &format!("Caja {i}")).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let ledger = Arc::new(Mutex::new(
            Ledger::open(dir.path().join("till.db")).expect("ledger"),
        ));
        sync.enrol_ledger(&ledger, &server.url(), &code, "caja")
            .await
            .expect("enrol");
        sync.pull_changes(&ledger).await.expect("pull");
        tills.push((dir, ledger));
    }
    let tolerance = |i: usize| {
        tills[i]
            .1
            .lock()
            .expect("lock")
            .cash_tolerance()
            .expect("tolerance")
    };
    assert_eq!(tolerance(0), Money::from_cents(500), "HQ's default");

    // HQ tightens store 1's tolerance to 1 € and adds a header line.
    let path = format!("/api/v1/admin/stores/{}", franchise.store_ids[0]);
    let (status, v) = admin
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(serde_json::json!({"cash_tolerance": "1.00", "receipt_header": "Abierto de 9 a 21 h"})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = admin
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(serde_json::json!({"cash_tolerance": "-1.00"})),
        )
        .await;
    assert_eq!(status, 422, "a negative tolerance is refused: {v}");
    for (_, l) in &tills {
        sync.pull_changes(l).await.expect("pull");
    }
    assert_eq!(tolerance(0), Money::from_cents(100));
    assert_eq!(
        tolerance(1),
        Money::from_cents(500),
        "the other store is untouched"
    );

    // The Z of store 1: 3 € short is now beyond HQ's tolerance.
    let ledger = &tills[0].1;
    let count = || CloseCount {
        staff: manager(),
        cash: vec![
            DenominationCount {
                denomination: Denomination::from_cents(500).expect("euro"),
                count: 21,
            },
            DenominationCount {
                denomination: Denomination::from_cents(200).expect("euro"),
                count: 1,
            },
        ],
        other: Vec::new(),
        blind: true,
        next_float: Money::ZERO,
        approval: None,
    };
    {
        let mut l = ledger.lock().expect("lock");
        l.start_shift(&manager(), notes_of_5(100)).expect("open");
        sell_10(&mut l, product);
        let sale = l
            .document(l.last_seq().expect("seq"))
            .expect("read")
            .expect("doc");
        let store = l.store_info().expect("store").expect("HQ sent the store");
        let printed: Vec<String> = pos_terminal::receipt::ReceiptLayout::MM80
            .render_document(&sale, &store, None)
            .expect("receipt")
            .into_iter()
            .filter_map(|e| match e {
                pos_terminal::receipt::Element::Text { text, .. } => Some(text.trim().to_string()),
                _ => None,
            })
            .collect();
        assert!(
            printed.iter().any(|t| t == "Abierto de 9 a 21 h"),
            "the receipt prints HQ's header: {printed:?}"
        );
        match l.close_day(count()) {
            Err(pos_terminal::ShiftError::NeedsApproval {
                over_short,
                tolerance,
            }) => {
                assert_eq!(over_short, Money::from_cents(-300));
                assert_eq!(tolerance, Money::from_cents(100));
            }
            other => panic!("expected NeedsApproval, got {other:?}"),
        }
    }

    // HQ loosens it to 4 €: after the next pull the same count closes without approval.
    let (status, v) = admin
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(serde_json::json!({"cash_tolerance": "4.00"})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    sync.pull_changes(ledger).await.expect("pull");
    assert!(
        !ledger.lock().expect("lock").single_manager().expect("read"),
        "a second manager approves a Z short unless HQ says otherwise"
    );
    // HQ marks the store as run by a single manager: its tills learn it at the next pull.
    let (status, v) = admin
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(serde_json::json!({"single_manager": true})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["single_manager"], true, "{v}");
    sync.pull_changes(ledger).await.expect("pull");
    assert!(ledger.lock().expect("lock").single_manager().expect("read"));
    {
        let mut l = ledger.lock().expect("lock");
        let z = l.close_day(count()).expect("within HQ's 4 €");
        let DocumentBody::CashClose(c) = &z.body else {
            panic!("not a close")
        };
        assert!(c.approved_by.is_none());
    }
    sync.sync_once(ledger).await.expect("sync");

    // The franchisee's new legal name reaches the tills of both its stores.
    let (status, v) = admin
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/franchisees/{}", franchise.franchisee_id),
            Some(serde_json::json!({"legal_name": "Ultramarinos Renovados S.L."})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    for (_, l) in &tills {
        sync.pull_changes(l).await.expect("pull");
        let store = l
            .lock()
            .expect("lock")
            .store_info()
            .expect("store")
            .expect("store");
        assert_eq!(store.franchisee_legal_name, "Ultramarinos Renovados S.L.");
    }
    assert_eq!(tolerance(0), Money::from_cents(400), "store settings kept");
    db.cleanup().await;
}

macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await;
            }
        }
    };
}

on_both_backends!(z_closed_offline_reconciles_at_hq_after_sync);
on_both_backends!(a_tolerance_set_at_hq_reaches_the_till_through_sync);
