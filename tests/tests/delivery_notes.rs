//! End to end, on both backends: a delivery note created through HQ's admin API reaches only its
//! store's till by sync; the manager receives it by scanning with one item short (offline: the
//! receipt and the note's new state are in the ledger before any network); the push marks the note
//! "received with differences" at HQ with an alert; a till of another store never sees the note.

use pos_terminal::ledger::Ledger;
use pos_terminal::stock::{NoteCheck, StockSession};
use pos_terminal::sync::{SyncClient, SyncOptions};
use serde_json::json;
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

async fn note_received_short_at_its_store_only(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let mut server = TestServer::start(&db.url).await;
    let admin = HqClient::new(&server.url(), &HqClient::bootstrap_admin(&db.url).await);
    let franchise = admin.seed_franchise(2, 3).await;
    let (p0, code0, _) = franchise.products[0].clone();
    let (p1, code1, _) = franchise.products[1].clone();
    let (store_a, store_b) = (franchise.store_ids[0], franchise.store_ids[1]);

    let sync = client();
    let dir = tempfile::tempdir().expect("tempdir");
    let till = |name: &str| {
        Arc::new(Mutex::new(
            Ledger::open(dir.path().join(name)).expect("ledger"),
        ))
    };
    let (ledger_a, ledger_b) = (till("a.db"), till("b.db"));
    let (_, code) = admin.create_till(store_a, "Caja A").await;
    sync.enrol_ledger(&ledger_a, &server.url(), &code, "caja A")
        .await
        .expect("enrol A");
    let (_, code) = admin.create_till(store_b, "Caja B").await;
    sync.enrol_ledger(&ledger_b, &server.url(), &code, "caja B")
        .await
        .expect("enrol B");

    // HQ sends store A five of the first product (by barcode) and two of the second (by SKU).
    let note = admin
        .post(
            "/api/v1/admin/delivery-notes",
            json!({"store_id": store_a, "supplier": "Almacén central", "expected_date": "2026-12-01",
                   "lines": [{"code": code0, "quantity": "5"}, {"code": "SKU-00001", "quantity": 2}]}),
        )
        .await;
    let number = note["number"].as_str().expect("number").to_string();
    let id = note["id"].as_i64().expect("id");
    sync.pull_changes(&ledger_a).await.expect("pull A");
    sync.pull_changes(&ledger_b).await.expect("pull B");

    let pending = ledger_a
        .lock()
        .expect("lock")
        .pending_delivery_notes()
        .expect("pending");
    assert_eq!(pending.len(), 1);
    let n = pending[0].note.clone();
    assert_eq!(n.number, number);
    assert_eq!(n.store_id, StoreId(store_a));
    assert_eq!(n.lines.len(), 2);
    {
        let b = ledger_b.lock().expect("lock");
        assert!(b.pending_delivery_notes().expect("pending").is_empty());
        assert!(b.delivery_note(&number).expect("read").is_none());
    }

    // HQ goes away: receiving works offline. Four of five scanned, both of the second product.
    server.stop().await;
    let doc = {
        let mut l = ledger_a.lock().expect("lock");
        let mut session = StockSession::against_note(n);
        for _ in 0..4 {
            session.scan(&l, &code0).expect("scan");
        }
        session.scan(&l, &code1).expect("scan");
        session.scan(&l, &code1).expect("scan");
        assert!(
            session.scan(&l, "0000000000000").is_err(),
            "unknown code refused"
        );
        let c = session.comparison();
        assert_eq!(c[0].check, NoteCheck::Missing(Quantity::units(1)));
        assert_eq!(c[1].check, NoteCheck::Complete);
        let doc = session
            .record(&mut l, Some(StaffId(1)), None, None)
            .expect("record");
        assert!(l.pending_delivery_notes().expect("pending").is_empty());
        assert_eq!(l.outbox_len().expect("outbox"), 1);
        doc
    };
    let DocumentBody::StockMovement(m) = &doc.body else {
        panic!("not a stock movement")
    };
    assert_eq!(m.delivery_note.as_deref(), Some(number.as_str()));

    // Back online: the push marks the note received with differences, and HQ raises an alert.
    server.restart().await;
    assert_eq!(
        admin
            .get(&format!("/api/v1/admin/delivery-notes/{id}"))
            .await["status"],
        "pending",
        "HQ has not heard of it yet"
    );
    let report = sync.push_pending(&ledger_a).await.expect("push");
    assert_eq!(report.pushed, 1, "{report:?}");
    let got = admin
        .get(&format!("/api/v1/admin/delivery-notes/{id}"))
        .await;
    assert_eq!(got["status"], "received_with_differences", "{got}");
    assert_eq!(got["received_document_id"], doc.id.to_string());
    let lines = got["lines"].as_array().expect("lines");
    assert_eq!(lines[0]["product_id"], p0);
    assert_eq!(lines[0]["expected"], "5.000");
    assert_eq!(lines[0]["received"], "4.000");
    assert_eq!(lines[1]["product_id"], p1);
    assert_eq!(lines[1]["received"], "2.000");
    let listed = admin
        .get(&format!(
            "/api/v1/admin/delivery-notes?store_id={store_a}&status=received_with_differences"
        ))
        .await;
    assert_eq!(listed.as_array().expect("list").len(), 1);
    let alerts = admin.alerts().await;
    let a: Vec<_> = alerts
        .iter()
        .filter(|a| a["kind"] == "delivery_difference")
        .collect();
    assert_eq!(a.len(), 1, "{alerts:?}");
    assert!(a[0]["message"].as_str().expect("text").contains(&number));

    // The store's till learns HQ's state; the other store's till still knows nothing of it.
    sync.pull_changes(&ledger_a).await.expect("pull A again");
    sync.pull_changes(&ledger_b).await.expect("pull B again");
    {
        let a = ledger_a.lock().expect("lock");
        let local = a.delivery_note(&number).expect("read").expect("kept");
        assert_eq!(
            local.note.status,
            DeliveryNoteStatus::ReceivedWithDifferences
        );
        assert_eq!(local.received_seq, Some(doc.seq));
        assert!(a.pending_delivery_notes().expect("pending").is_empty());
        let b = ledger_b.lock().expect("lock");
        assert!(b.delivery_note(&number).expect("read").is_none());
    }
    db.cleanup().await;
}

mod received_short {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::note_received_short_at_its_store_only(super::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::note_received_short_at_its_store_only(super::Backend::Postgres).await;
    }
}
