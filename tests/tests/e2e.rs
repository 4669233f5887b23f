//! End to end, on both backends: real HQ server on 127.0.0.1:0 with a fresh database, real till
//! ledgers in temp folders, real sync client. Each scenario runs once per backend.

use pos_terminal::cart::{Cart, cash_payment};
use pos_terminal::ledger::Ledger;
use pos_terminal::sync::{SyncClient, SyncOptions};
use std::sync::{Arc, Mutex};
use std::time::Duration;
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

struct Till {
    ledger: Arc<Mutex<Ledger>>,
    _dir: tempfile::TempDir,
}

impl Till {
    async fn enrol(sync: &SyncClient, server_url: &str, code: &str) -> Till {
        let dir = tempfile::tempdir().expect("tempdir");
        let ledger = Arc::new(Mutex::new(
            Ledger::open(dir.path().join("till.db")).expect("ledger"),
        ));
        sync.enrol_ledger(&ledger, server_url, code, "caja de prueba")
            .await
            .expect("enrol");
        sync.pull_changes(&ledger).await.expect("pull catalog");
        // Sales need an open shift: the store's manager opens it (seq 1, empty float) and the
        // opening goes to HQ now, so each test's pushes carry only what it rings.
        {
            let mut l = ledger.lock().expect("lock");
            let manager = l.managers().expect("staff").remove(0);
            l.start_shift(&manager, Vec::new()).expect("open shift");
        }
        sync.push_pending(&ledger).await.expect("push the opening");
        Till { ledger, _dir: dir }
    }

    /// Rings `n` sales of 1–3 products each, paid cash; returns their gross.
    fn ring(&self, n: usize, barcodes: &[String]) -> Money {
        let mut ledger = self.ledger.lock().expect("lock");
        let mut gross = Money::ZERO;
        for i in 0..n {
            let mut cart = Cart::new();
            for k in 0..(1 + i % 3) {
                let code = &barcodes[(i * 7 + k * 13) % barcodes.len()];
                let item = ledger
                    .lookup_barcode(code)
                    .expect("lookup")
                    .expect("product in the till's catalog");
                cart.add_item(&item, Quantity::units(1 + (k as i64 % 2)))
                    .expect("add");
            }
            let total = cart.totals().expect("totals").total;
            let (lines, discount) = cart.take();
            ledger
                .record_sale(
                    Some(StaffId(1)),
                    lines,
                    discount,
                    vec![cash_payment(total, total + Money::from_cents(1000))],
                )
                .expect("record sale");
            gross += total;
        }
        gross
    }

    fn identity(&self) -> pos_terminal::ledger::TillIdentity {
        self.ledger
            .lock()
            .expect("lock")
            .identity()
            .expect("identity")
            .expect("enrolled")
    }

    fn documents(&self, seqs: std::ops::RangeInclusive<u64>) -> Vec<Document> {
        let l = self.ledger.lock().expect("lock");
        seqs.map(|s| l.document(s).expect("read").expect("document"))
            .collect()
    }
}

/// A fresh HQ with a seeded franchise and an admin client.
struct Hq {
    server: TestServer,
    admin: HqClient,
    franchise: trastienda_tests::hq::Franchise,
    db: TestDatabase,
}

async fn hq(backend: Backend) -> Option<Hq> {
    let db = TestDatabase::create(backend).await?;
    let server = TestServer::start(&db.url).await;
    let token = HqClient::bootstrap_admin(&db.url).await;
    let admin = HqClient::new(&server.url(), &token);
    let franchise = admin.seed_franchise(2, 40).await;
    Some(Hq {
        server,
        admin,
        franchise,
        db,
    })
}

fn barcodes(h: &Hq) -> Vec<String> {
    h.franchise.products.iter().map(|p| p.1.clone()).collect()
}

async fn raw_push(
    base: &str,
    token: &str,
    till_id: TillId,
    docs: Vec<Document>,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
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
        .expect("push");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
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

/// The spine: enrol, lose the server, ring 200 sales offline, server back, sync: HQ has exactly 200
/// tickets and the till's gross to the cent; pushing the same documents again changes nothing.
async fn offline_till_syncs_exactly_once(backend: Backend) {
    let Some(mut h) = hq(backend).await else {
        return;
    };
    let sync = client();
    let (_, code) = h
        .admin
        .create_till(h.franchise.store_ids[0], "Caja 1")
        .await;
    let till = Till::enrol(&sync, &h.server.url(), &code).await;

    h.server.stop().await;
    let gross = till.ring(200, &barcodes(&h));
    let offline = sync.sync_once(&till.ledger).await;
    assert!(offline.is_err(), "sync must fail while HQ is down");
    assert_eq!(
        till.ledger.lock().unwrap().outbox_len().unwrap(),
        200,
        "nothing leaves the outbox unacknowledged"
    );

    h.server.restart().await;
    let report = sync
        .sync_once(&till.ledger)
        .await
        .expect("sync after outage");
    assert_eq!(report.acknowledged, 200);
    assert_eq!(till.ledger.lock().unwrap().outbox_len().unwrap(), 0);
    assert_eq!(h.admin.sales_totals().await, (200, gross));
    let t = h
        .admin
        .get(&format!("/api/v1/admin/tills/{}", till.identity().till_id))
        .await;
    assert_eq!(t["contiguous_seq"], 201, "{t}"); // the shift opening and 200 sales

    // The same batch again: every document acknowledged as a duplicate, the report unchanged.
    let ident = till.identity();
    let (status, body) = raw_push(
        &h.server.url(),
        &ident.token,
        ident.till_id,
        till.documents(2..=201),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().expect("results");
    assert_eq!(results.len(), 200);
    assert!(results.iter().all(|r| r["status"] == "duplicate"), "{body}");
    assert_eq!(h.admin.sales_totals().await, (200, gross));
    h.db.cleanup().await;
}
on_both_backends!(offline_till_syncs_exactly_once);

/// HQ commits a push and the answer is lost on the way back: the till re-sends, HQ stores nothing twice.
async fn lost_answer_causes_no_duplicate(backend: Backend) {
    let Some(h) = hq(backend).await else { return };
    let sync = client();
    let proxy = LossyProxy::start(h.server.addr).await;
    let (_, code) = h
        .admin
        .create_till(h.franchise.store_ids[1], "Caja 2")
        .await;
    let till = Till::enrol(&sync, &proxy.url(), &code).await;
    let gross = till.ring(25, &barcodes(&h));

    proxy.set_mode(ProxyMode::LoseAnswers);
    assert!(
        sync.push_pending(&till.ledger).await.is_err(),
        "the till never saw an answer"
    );
    assert!(proxy.lost_answers() >= 1);
    assert_eq!(
        till.ledger.lock().unwrap().outbox_len().unwrap(),
        25,
        "unacknowledged documents stay queued"
    );
    assert_eq!(
        h.admin.sales_totals().await,
        (25, gross),
        "HQ did commit the batch"
    );

    proxy.set_mode(ProxyMode::Pass);
    let r = sync.push_pending(&till.ledger).await.expect("re-send");
    assert_eq!(r.acknowledged, 25);
    assert_eq!(till.ledger.lock().unwrap().outbox_len().unwrap(), 0);
    assert_eq!(
        h.admin.sales_totals().await,
        (25, gross),
        "no duplicate after the re-send"
    );
    h.db.cleanup().await;
}
on_both_backends!(lost_answer_causes_no_duplicate);

/// A document re-sent with different content (validly re-hashed) is a conflict: 409, kept aside,
/// alerted, and the original stands.
async fn tampered_document_is_a_conflict(backend: Backend) {
    let Some(h) = hq(backend).await else { return };
    let sync = client();
    let (_, code) = h
        .admin
        .create_till(h.franchise.store_ids[0], "Caja 3")
        .await;
    let till = Till::enrol(&sync, &h.server.url(), &code).await;
    let gross = till.ring(3, &barcodes(&h));
    sync.push_pending(&till.ledger).await.expect("push");

    let ident = till.identity();
    let original = till.documents(2..=2).remove(0); // the first sale
    let mut body = original.body.clone();
    if let DocumentBody::Sale(s) = &mut body {
        // Knock a cent off every price and make the totals and payment consistent again.
        for l in &mut s.lines {
            l.unit_price -= Money::from_cents(1);
        }
        let inputs: Vec<LineInput> = s.lines.iter().map(SaleLine::input).collect();
        s.totals = compute_totals(&inputs, s.ticket_discount).unwrap();
        s.payments[0].amount = s.totals.total;
    }
    let forged = Document::seal(
        original.id,
        original.till_id,
        original.store_id,
        original.seq,
        original.till_time,
        &original.prev_hash,
        body,
    );
    assert_ne!(forged.hash, original.hash);
    let (status, resp) = raw_push(&h.server.url(), &ident.token, ident.till_id, vec![forged]).await;
    assert_eq!(status, 409, "{resp}");
    assert_eq!(resp["results"][0]["status"], "conflict");
    assert_eq!(
        h.admin.sales_totals().await,
        (3, gross),
        "the original stands"
    );
    let alerts = h.admin.alerts().await;
    assert!(alerts.iter().any(|a| a["kind"] == "conflict"), "{alerts:?}");

    // A document whose hash does not match its content is refused outright, nothing stored.
    let mut broken = till.documents(3..=3).remove(0);
    broken.seq = 5;
    let (status, resp) = raw_push(&h.server.url(), &ident.token, ident.till_id, vec![broken]).await;
    assert_eq!(status, 422, "{resp}");
    assert!(
        resp["message"].as_str().unwrap_or("").contains("hash"),
        "{resp}"
    );
    h.db.cleanup().await;
}
on_both_backends!(tampered_document_is_a_conflict);

/// Each party sees only its own: a till's token pushes only for itself and its store, cannot read
/// the admin API, and stops working when HQ revokes it.
async fn till_token_is_scoped(backend: Backend) {
    let Some(h) = hq(backend).await else { return };
    let sync = client();
    let (_, code_a) = h.admin.create_till(h.franchise.store_ids[0], "A").await;
    let (_, code_b) = h.admin.create_till(h.franchise.store_ids[1], "B").await;
    let a = Till::enrol(&sync, &h.server.url(), &code_a).await;
    let b = Till::enrol(&sync, &h.server.url(), &code_b).await;
    a.ring(1, &barcodes(&h));
    let (ia, ib) = (a.identity(), b.identity());
    let doc = a.documents(2..=2).remove(0); // the sale, after the shift opening HQ already has

    // A's document pushed with B's token, either naming A or naming B as the till.
    let (s1, r1) = raw_push(&h.server.url(), &ib.token, ia.till_id, vec![doc.clone()]).await;
    assert_eq!(s1, 403, "{r1}");
    let (s2, r2) = raw_push(&h.server.url(), &ib.token, ib.till_id, vec![doc.clone()]).await;
    assert_eq!(s2, 403, "{r2}");
    // A document claiming another store, sealed validly by till A.
    let other_store = Document::seal(
        DocumentId::new(),
        ia.till_id,
        StoreId(ib.store_id.0),
        doc.seq,
        doc.till_time,
        &doc.prev_hash,
        doc.body.clone(),
    );
    let (s3, r3) = raw_push(&h.server.url(), &ia.token, ia.till_id, vec![other_store]).await;
    assert_eq!(s3, 403, "{r3}");
    assert_eq!(h.admin.sales_totals().await.0, 0, "nothing stored");

    // A till token on the admin API.
    let as_till = HqClient::new(&h.server.url(), &ia.token);
    let (s4, _) = as_till
        .call(reqwest::Method::GET, "/api/v1/admin/stores", None)
        .await;
    assert!(
        s4 == 401 || s4 == 403,
        "till token read the admin API: {s4}"
    );
    let (s5, _) = as_till
        .call(
            reqwest::Method::GET,
            "/api/v1/reports/sales?from=2026-01-01&to=2026-12-31",
            None,
        )
        .await;
    assert!(s5 == 401 || s5 == 403, "till token read reports: {s5}");

    // Revoked: A can no longer push or pull, and says why.
    h.admin.revoke_till(ia.till_id.0).await;
    let (s6, r6) = raw_push(&h.server.url(), &ia.token, ia.till_id, vec![doc]).await;
    assert_eq!(s6, 401, "{r6}");
    assert!(
        r6["message"].as_str().unwrap_or("").contains("revoked"),
        "{r6}"
    );
    assert!(sync.pull_changes(&a.ledger).await.is_err());
    h.db.cleanup().await;
}
on_both_backends!(till_token_is_scoped);

/// HQ changes a price and sets a store override; each till sees its own store's price after a pull.
async fn price_changes_reach_the_right_tills(backend: Backend) {
    let Some(h) = hq(backend).await else { return };
    let sync = client();
    let (_, code_a) = h.admin.create_till(h.franchise.store_ids[0], "A").await;
    let (_, code_b) = h.admin.create_till(h.franchise.store_ids[1], "B").await;
    let a = Till::enrol(&sync, &h.server.url(), &code_a).await;
    let b = Till::enrol(&sync, &h.server.url(), &code_b).await;
    let (pid, code, _) = h.franchise.products[5].clone();

    h.admin.update_price(pid, Money::from_cents(1_345)).await;
    h.admin
        .set_store_price(h.franchise.store_ids[1], pid, Money::from_cents(999))
        .await;
    sync.pull_changes(&a.ledger).await.expect("pull a");
    sync.pull_changes(&b.ledger).await.expect("pull b");
    let pa = a
        .ledger
        .lock()
        .unwrap()
        .lookup_barcode(&code)
        .unwrap()
        .unwrap();
    let pb = b
        .ledger
        .lock()
        .unwrap()
        .lookup_barcode(&code)
        .unwrap()
        .unwrap();
    assert_eq!(
        pa.price,
        Money::from_cents(1_345),
        "store A gets HQ's new price"
    );
    assert_eq!(
        pb.price,
        Money::from_cents(999),
        "store B gets its own override"
    );

    // A sale at the new price reaches HQ at that price.
    let gross = a.ring(1, std::slice::from_ref(&code));
    assert_eq!(gross, Money::from_cents(1_345));
    sync.push_pending(&a.ledger).await.expect("push");
    assert_eq!(h.admin.sales_totals().await, (1, gross));
    h.db.cleanup().await;
}
on_both_backends!(price_changes_reach_the_right_tills);

/// till-sim's own numbers: several tills online and offline, HQ's report agrees with the tills.
async fn till_sim_summary_balances(backend: Backend) {
    let Some(h) = hq(backend).await else { return };
    for offline in [false, true] {
        let mut cfg = trastienda_tests::sim::SimConfig::new(&h.server.url(), &h.admin.token);
        cfg.tills = 3;
        cfg.sales_per_till = 30;
        cfg.push_every = 7;
        cfg.offline = offline;
        let s = trastienda_tests::sim::run(cfg).await.expect("simulation");
        assert_eq!(s.sales_rung, 90);
        assert_eq!(s.documents_acknowledged, 90, "{s:?}");
        assert_eq!(s.server_tickets, 90, "{s:?}");
        assert_eq!(s.server_gross, s.till_gross, "{s:?}");
        assert_eq!((s.duplicates, s.missing, s.conflicts), (0, 0, 0), "{s:?}");
        assert!(s.push_latency_ms_p99 > 0.0);
    }
    h.db.cleanup().await;
}
on_both_backends!(till_sim_summary_balances);

/// "Documents waiting" at HQ: a till rings sales offline, then syncs in small batches and loses
/// the connection after the first one; HQ shows what the till still has waiting. A full sync
/// (push, then the changes poll) brings it to 0.
async fn hq_shows_what_a_till_still_has_waiting(backend: Backend) {
    let Some(mut h) = hq(backend).await else {
        return;
    };
    let proxy = LossyProxy::start(h.server.addr).await;
    let (_, code) = h
        .admin
        .create_till(h.franchise.store_ids[0], "Caja 4")
        .await;
    let till = Till::enrol(&client(), &proxy.url(), &code).await;
    let till_path = format!("/api/v1/admin/tills/{}", till.identity().till_id);
    // The opening was pushed at enrolment, and its changes poll said nothing else was waiting.
    sync_waiting(&h, &till_path, 0).await;

    h.server.stop().await;
    let gross = till.ring(23, &barcodes(&h));
    assert!(
        client().sync_once(&till.ledger).await.is_err(),
        "HQ is down"
    );
    h.server.restart().await;

    // Five documents per push; the answer to the first batch is lost on the way back.
    let small = SyncClient::new(SyncOptions {
        push_batch: 5,
        ..client().options().clone()
    })
    .expect("client");
    proxy.set_mode(ProxyMode::LoseAnswers);
    assert!(small.sync_once(&till.ledger).await.is_err());
    assert_eq!(till.ledger.lock().unwrap().outbox_len().unwrap(), 23);
    // HQ stored the first batch and heard that 18 more are waiting on the till.
    assert_eq!(h.admin.sales_totals().await.0, 5);
    sync_waiting(&h, &till_path, 18).await;

    proxy.set_mode(ProxyMode::Pass);
    let report = small.sync_once(&till.ledger).await.expect("full sync");
    assert_eq!(report.acknowledged, 23);
    assert_eq!(till.ledger.lock().unwrap().outbox_len().unwrap(), 0);
    assert_eq!(h.admin.sales_totals().await, (23, gross));
    sync_waiting(&h, &till_path, 0).await;
    h.db.cleanup().await;
}
on_both_backends!(hq_shows_what_a_till_still_has_waiting);

async fn sync_waiting(h: &Hq, till_path: &str, expected: u64) {
    let t = h.admin.get(till_path).await;
    assert_eq!(t["outbox_waiting"], expected, "{t}");
    assert!(t["outbox_reported_at"].is_string(), "{t}");
}

/// Customers (issue 17): HQ's customer reaches the till and is found offline by name or NIF; a
/// customer made at the till, an e-mailed receipt and an e-mailed X report (its PDF drawn at the
/// till) wait in the till's queue, go to HQ in the
/// push, and a push whose answer is lost stores them once; erasing the customer at HQ deletes it
/// at the till.
async fn customers_and_mail_requests_flow_exactly_once(backend: Backend) {
    let Some(h) = hq(backend).await else { return };
    let sync = client();
    let proxy = LossyProxy::start(h.server.addr).await;
    let (_, code) = h
        .admin
        .create_till(h.franchise.store_ids[0], "Caja 1")
        .await;
    let till = Till::enrol(&sync, &proxy.url(), &code).await;
    let hq_customer = h
        .admin
        .post(
            "/api/v1/admin/customers",
            serde_json::json!({"franchisee_id": h.franchise.franchisee_id, "name": "Ferretería Núñez, S.L.", "nif": "B12345674", "address": "Calle Sol 3", "email": "compras@nunez.example", "email_consent": true}),
        )
        .await;
    sync.pull_changes(&till.ledger).await.expect("pull");
    for text in ["núñez", "FERRETERÍA", "b-1234.5674"] {
        let found = till.ledger.lock().unwrap().find_customers(text, 5).unwrap();
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(found[0].id.to_string(), hq_customer["id"].as_str().unwrap());
    }

    // A sale pushed; then a customer made here and its receipt to e-mail.
    till.ring(1, &barcodes(&h));
    sync.push_pending(&till.ledger)
        .await
        .expect("push the sale");
    // And an X report e-mailed through HQ with the PDF drawn here (issue 17).
    let (customer, mail, report) = {
        let mut l = till.ledger.lock().unwrap();
        let sale = l.document(l.last_seq().unwrap()).unwrap().unwrap();
        let c = l
            .create_customer("Lucía Gómez", "12345678z", "", "lucia@example.es", true)
            .unwrap();
        let m = l
            .queue_mail(sale.id, "lucia@example.es", Some(c.id))
            .unwrap();
        let x = l
            .queue_report_mail(
                sync_protocol::ReportKind::X,
                "Tienda@Example.es",
                "Informe X · Tienda 1",
                "X-2026-12-05-1742.pdf",
                b"%PDF-1.7\n%%EOF\n".to_vec(),
            )
            .unwrap();
        assert_eq!(x.to, "tienda@example.es");
        assert_eq!(l.hq_queue_len().unwrap(), 3);
        // Found at once, offline.
        assert_eq!(l.find_customers("lucía", 5).unwrap().len(), 1);
        (c, m, x)
    };

    // HQ stores them and the answer is lost: they stay queued, and the re-send stores nothing twice.
    proxy.set_mode(ProxyMode::LoseAnswers);
    assert!(sync.push_pending(&till.ledger).await.is_err());
    assert_eq!(till.ledger.lock().unwrap().hq_queue_len().unwrap(), 3);
    proxy.set_mode(ProxyMode::Pass);
    let r = sync.push_pending(&till.ledger).await.expect("re-send");
    assert_eq!(r.hq_accepted, 3);
    assert_eq!(till.ledger.lock().unwrap().hq_queue_len().unwrap(), 0);
    let storage = back_office_server::storage::open(&h.db.url)
        .await
        .expect("storage");
    let at_hq = storage
        .customers()
        .list_customers(None, "lucía", 10)
        .await
        .unwrap();
    assert_eq!(at_hq.len(), 1, "{at_hq:?}");
    assert_eq!(at_hq[0].record.id, customer.id);
    assert_eq!(at_hq[0].record.nif, "12345678Z");
    let mails = storage.customers().recent_mail(None, 10).await.unwrap();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let receipt = mails.iter().find(|m| m.id == mail.id).expect("receipt");
    assert_eq!(receipt.recipient, "lucia@example.es");
    let x = mails.iter().find(|m| m.id == report.id).expect("X report");
    assert_eq!(x.report, Some(sync_protocol::ReportKind::X));
    assert_eq!(x.recipient, "tienda@example.es");
    let pdf = storage
        .customers()
        .mail_attachment(report.id)
        .await
        .unwrap();
    assert_eq!(pdf.map(|a| a.content), Some(report.pdf.clone()));

    // Erased at HQ: gone from the till at the next pull.
    let (status, _) = h
        .admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/customers/{}", customer.id),
            None,
        )
        .await;
    assert_eq!(status, 204);
    sync.pull_changes(&till.ledger).await.expect("pull");
    {
        let l = till.ledger.lock().unwrap();
        assert!(l.find_customers("lucía", 5).unwrap().is_empty());
        assert_eq!(l.customer(customer.id).unwrap(), None);
        assert_eq!(l.customer_count().unwrap(), 1, "HQ's own customer stays");
    }
    h.db.cleanup().await;
}
on_both_backends!(customers_and_mail_requests_flow_exactly_once);
