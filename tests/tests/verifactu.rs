//! VERI*FACTU end to end, on both backends: a real till ledger rings sales, a full invoice and
//! refunds offline; on reconnection the real sync client pushes them and HQ holds every record
//! exactly as the till made it, chain intact and no alert; an answer lost on the way back makes
//! the till push again and nothing doubles.

use pos_terminal::cart::{Cart, cash_payment};
use pos_terminal::ledger::Ledger;
use pos_terminal::refund::build_refund;
use pos_terminal::sync::{SyncClient, SyncOptions};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::verifactu::{RegistroFacturacion, TipoFactura};
use sync_protocol::*;
use trastienda_tests::server::TestDatabase;
use trastienda_tests::{Backend, HqClient, LossyProxy, ProxyMode, TestServer};

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

async fn records_reach_hq_intact(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let mut server = TestServer::start(&db.url).await;
    let admin = HqClient::new(&server.url(), &HqClient::bootstrap_admin(&db.url).await);
    let franchise = admin.seed_franchise(1, 12).await;
    let proxy = LossyProxy::start(server.addr).await;
    let (_, code) = admin.create_till(franchise.store_ids[0], "Caja 1").await;

    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Arc::new(Mutex::new(
        Ledger::open(dir.path().join("till.db")).expect("ledger"),
    ));
    let sync = client();
    sync.enrol_ledger(&ledger, &proxy.url(), &code, "caja")
        .await
        .expect("enrol");
    sync.pull_changes(&ledger)
        .await
        .expect("pull catalog and store");

    // Offline from here: HQ is down while the till sells.
    server.stop().await;
    let (sales, invoice_seq) = {
        let mut l = ledger.lock().expect("lock");
        let manager = l.managers().expect("staff").remove(0);
        l.start_shift(&manager, Vec::new()).expect("shift");
        let mut sales = Vec::new();
        for i in 0..6 {
            let mut cart = Cart::new();
            let code = &franchise.products[i * 2].1;
            let item = l.lookup_barcode(code).expect("lookup").expect("product");
            cart.add_item(&item, Quantity::units(1 + i as i64 % 2))
                .expect("add");
            let total = cart.totals().expect("totals").total;
            let (lines, discount) = cart.take();
            sales.push(
                l.record_sale(None, lines, discount, vec![cash_payment(total, total)])
                    .expect("sale"),
            );
        }
        let inv = l
            .record_full_invoice(
                sales[1].seq,
                "Hostelería Gran Vía S.L.",
                "Gran Vía 1, Madrid",
                "A58818501",
            )
            .expect("full invoice");
        for s in [&sales[0], &sales[1]] {
            let DocumentBody::Sale(body) = &s.body else {
                unreachable!()
            };
            let picks: Vec<_> = body.lines.iter().map(|x| (x.line_id, x.quantity)).collect();
            let refund = build_refund(
                s,
                &pos_terminal::Refunded::default(),
                &picks,
                None,
                Some(manager.id),
                "devuelto",
            )
            .expect("refund");
            l.record_document(refund).expect("record refund");
        }
        (sales, inv.doc_seq.expect("invoice document"))
    };
    assert!(sync.sync_once(&ledger).await.is_err(), "HQ is unreachable");
    let till_records = ledger.lock().unwrap().verifactu_records().expect("records");
    let kinds: Vec<_> = till_records
        .iter()
        .map(|(_, r)| r.tipo_factura().expect("alta"))
        .collect();
    use TipoFactura::*;
    assert_eq!(kinds, [F2, F2, F2, F2, F2, F2, F3, R5, R1]);

    // Back online, but the first answer is lost: the till pushes again, HQ keeps one of each.
    server.restart().await;
    proxy.set_mode(ProxyMode::LoseAnswers);
    assert!(sync.sync_once(&ledger).await.is_err());
    proxy.set_mode(ProxyMode::Pass);
    sync.sync_once(&ledger).await.expect("sync");
    assert_eq!(ledger.lock().unwrap().outbox_len().unwrap(), 0);

    let day = sync_protocol::verifactu::Timestamp::in_zone(
        sales[0].till_time,
        sync_protocol::verifactu::DEFAULT_TIME_ZONE,
    )
    .date();
    let page = admin
        .get(&format!(
            "/api/v1/verifactu/records?franchisee={}&from={day}&to={day}",
            franchise.franchisee_id
        ))
        .await;
    let at_hq = page["records"].as_array().expect("records");
    assert_eq!(at_hq.len(), till_records.len(), "{page}");
    for (r, (seq, mine)) in at_hq.iter().zip(&till_records) {
        let theirs: RegistroFacturacion =
            serde_json::from_value(r["record"].clone()).expect("record");
        assert_eq!(
            &theirs, mine,
            "record of document {seq} as the till made it"
        );
        assert_eq!(r["doc_seq"], *seq);
        assert_eq!(r["hash_valid"], true);
    }
    assert_eq!(at_hq[6]["doc_seq"], invoice_seq);
    let alerts: Vec<_> = admin
        .alerts()
        .await
        .into_iter()
        .filter(|a| a["kind"].as_str().unwrap_or("").starts_with("verifactu"))
        .collect();
    assert!(alerts.is_empty(), "{alerts:?}");
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

on_both_backends!(records_reach_hq_intact);
