//! till-sim as a fleet tool (SQLite HQ; small, for CI): it waits for an HQ that is down at
//! set-up instead of panicking, paces its tills, counts push errors instead of stopping, and
//! resumes its ledgers after being SIGKILLed — including a till killed mid-enrolment.

use pos_terminal::ledger::Ledger;
use pos_terminal::sync::{SyncClient, SyncOptions};
use std::process::Command;
use std::time::Duration;
use trastienda_tests::server::TestDatabase;
use trastienda_tests::sim::{Pace, SimConfig, run};
use trastienda_tests::{Backend, HqClient, LossyProxy, ProxyMode, TestServer};

struct Hq {
    server: TestServer,
    admin: HqClient,
    db: TestDatabase,
}

async fn hq() -> Hq {
    let db = TestDatabase::create(Backend::Sqlite).await.expect("sqlite");
    let server = TestServer::start(&db.url).await;
    let admin = HqClient::new(&server.url(), &HqClient::bootstrap_admin(&db.url).await);
    admin.seed_franchise(2, 20).await;
    Hq { server, admin, db }
}

fn fast(cfg: &mut SimConfig) {
    cfg.sync = SyncOptions {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
        ..SyncOptions::default()
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_up_waits_for_an_hq_that_is_down_then_paces_its_tills() {
    let mut h = hq().await;
    h.server.stop().await;
    let mut cfg = SimConfig::new(&h.server.url(), &h.admin.token);
    fast(&mut cfg);
    cfg.tills = 3;
    cfg.enrol_concurrency = 3;
    cfg.setup_patience = Duration::from_secs(30);
    cfg.pace = Some(Pace {
        interval: Duration::from_millis(400),
        duration: Duration::from_millis(2_000),
        sales_per_round: 2,
    });
    let sim = tokio::spawn(run(cfg));
    // HQ comes back after a while; till-sim was retrying, not panicking.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(!sim.is_finished(), "till-sim gave up while HQ was down");
    h.server.restart().await;
    let s = sim.await.expect("join").expect("simulation");
    // 2 s at one round per 400 ms: 5 rounds of 2 sales per till (the first at a random offset
    // inside the first interval, so 4 or 5).
    assert!((3 * 4 * 2..=3 * 5 * 2).contains(&s.sales_rung), "{s:?}");
    assert!(s.pushes >= 3 * 4, "{s:?}");
    assert_eq!(
        (s.push_errors, s.duplicates, s.missing, s.conflicts),
        (0, 0, 0, 0),
        "{s:?}"
    );
    assert_eq!(s.server_tickets, s.sales_rung);
    assert_eq!(s.server_gross, s.till_gross);
    assert!(s.polls >= 12);
    h.db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_errors_are_counted_and_the_run_goes_on() {
    let h = hq().await;
    let proxy = LossyProxy::start(h.server.addr).await;
    let mut cfg = SimConfig::new(&proxy.url(), &h.admin.token);
    fast(&mut cfg);
    cfg.sync.max_attempts = 1;
    cfg.tills = 2;
    cfg.pace = Some(Pace {
        interval: Duration::from_millis(300),
        duration: Duration::from_millis(3_000),
        sales_per_round: 1,
    });
    let sim = tokio::spawn(run(cfg));
    // Once set-up is done (both tills pushed their shift opening), answers are lost for a while:
    // pushes fail, HQ commits anyway.
    for _ in 0..600 {
        let tills = h.admin.get("/api/v1/admin/tills").await;
        let ready = tills.as_array().is_some_and(|a| {
            a.iter()
                .filter(|t| t["last_seq"].as_u64() >= Some(1))
                .count()
                == 2
        });
        if ready {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.set_mode(ProxyMode::LoseAnswers);
    tokio::time::sleep(Duration::from_millis(900)).await;
    proxy.set_mode(ProxyMode::Pass);
    let s = sim.await.expect("join").expect("simulation");
    assert!(s.push_errors > 0, "{s:?}");
    assert!(!s.first_errors.is_empty(), "{s:?}");
    // And yet everything arrived exactly once.
    assert_eq!((s.duplicates, s.missing, s.conflicts), (0, 0, 0), "{s:?}");
    assert_eq!(s.server_tickets, s.sales_rung);
    assert_eq!(s.server_gross, s.till_gross);
    h.db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_till_sim_resumes_its_ledgers() {
    let h = hq().await;
    let data = tempfile::tempdir().expect("tempdir");
    // Till 0 was killed mid-enrolment: HQ enrolled it, the answer never reached the ledger.
    let stores = h.admin.get("/api/v1/admin/stores").await;
    let store = stores[0]["id"].as_i64().expect("store");
    let (slot, code) = h.admin.create_till(store, "sim-0").await;
    std::fs::write(data.path().join("till-0.code"), &code).expect("code file");
    {
        let proxy = LossyProxy::start(h.server.addr).await;
        proxy.set_mode(ProxyMode::LoseAnswers);
        let ledger =
            std::sync::Mutex::new(Ledger::open(data.path().join("till-0.db")).expect("ledger"));
        let client = SyncClient::new(SyncOptions {
            max_attempts: 1,
            ..SyncOptions::default()
        })
        .expect("client");
        assert!(
            client
                .enrol_ledger(&ledger, &proxy.url(), &code, "till-sim 0")
                .await
                .is_err()
        );
        assert_eq!(proxy.lost_answers(), 1, "HQ committed, the answer was lost");
        assert!(
            ledger
                .lock()
                .expect("lock")
                .identity()
                .expect("read")
                .is_none()
        );
    }
    let bin = env!("CARGO_BIN_EXE_till-sim");
    let args = |extra: &[&str]| {
        let mut c = Command::new(bin);
        c.args(["--server", &h.server.url(), "--admin-token", &h.admin.token])
            .args(["--tills", "3", "--data-dir"])
            .arg(data.path())
            .args(extra);
        c
    };
    // A paced run, SIGKILLed in the middle.
    let mut child = args(&["--interval", "200ms", "--duration", "60s"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("till-sim");
    // Killed once every till is selling (each has pushed its opening and a sale or more).
    for _ in 0..1200 {
        let tills = h.admin.get("/api/v1/admin/tills").await;
        let selling = tills.as_array().is_some_and(|a| {
            a.iter()
                .filter(|t| t["last_seq"].as_u64() >= Some(2))
                .count()
                == 3
        });
        if selling {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().expect("kill");
    child.wait().expect("wait");
    // Run again on the same folder: the same three tills go on.
    let out = args(&["--sales", "5", "--push-every", "2"])
        .output()
        .expect("till-sim");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_str(&text).expect("summary");
    assert_eq!(s["resumed_tills"], 3, "{s}");
    assert_eq!(s["missing"], 0, "{s}");
    assert_eq!(s["conflicts"], 0, "{s}");
    assert_eq!(s["sales_rung"], 15, "{s}");
    // No till slot was made twice, and till 0 is the slot enrolled before the kill.
    let tills = h.admin.get("/api/v1/admin/tills").await;
    assert_eq!(tills.as_array().map(Vec::len), Some(3), "{tills}");
    let l = Ledger::open(data.path().join("till-0.db")).expect("ledger");
    assert_eq!(
        l.identity().expect("read").expect("enrolled").till_id.0,
        slot
    );
    assert!(!data.path().join("till-0.code").exists());
    drop(l);
    // HQ holds every document of every ledger, with no gap.
    for t in tills.as_array().expect("tills") {
        assert_eq!(t["contiguous_seq"], t["last_seq"], "{t}");
        assert_eq!(t["open_gaps"], 0, "{t}");
    }
    let mut hq_docs = 0;
    let mut ledger_docs = 0;
    for t in tills.as_array().expect("tills") {
        hq_docs += t["last_seq"].as_u64().expect("seq");
    }
    for i in 0..3 {
        let l = Ledger::open(data.path().join(format!("till-{i}.db"))).expect("ledger");
        ledger_docs += l.last_seq().expect("seq");
        assert_eq!(l.outbox_len().expect("outbox"), 0);
    }
    assert_eq!(hq_docs, ledger_docs);
    h.db.cleanup().await;
}
