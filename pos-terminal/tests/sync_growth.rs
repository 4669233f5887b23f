//! The till against a newer HQ and a bad network: change kinds it does not know are skipped,
//! recorded and reported (with its version), answers cut short are retried like lost ones, and an
//! enrolment keeps one enrolment id across retries and restarts. HQ is faked with axum on 127.0.0.1.
#![allow(clippy::unwrap_used)]

mod common;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use common::*;
use pos_terminal::sync::TILL_VERSION;
use pos_terminal::{Ledger, SyncClient, SyncOptions};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The page a newer HQ sends (unknown kinds, unknown fields): the protocol fixture itself.
const NEWER_PAGE: &str = include_str!("../../sync-protocol/fixtures/v1/changes_page_newer.json");

#[derive(Default)]
struct Hq {
    stored: HashSet<u64>,
    /// (till_version, skipped kinds) of each push, in order.
    push_reports: Vec<(Option<String>, Option<Vec<String>>)>,
    /// The query of each changes poll.
    polls: Vec<HashMap<String, String>>,
    enrolment_ids: Vec<Option<String>>,
    /// Enrolment attempts answered 503 before one is accepted.
    enrol_failures: usize,
}

type Shared = Arc<Mutex<Hq>>;

async fn enroll(
    State(hq): State<Shared>,
    Json(req): Json<EnrollRequest>,
) -> (StatusCode, Json<serde_json::Value>) {
    let mut hq = hq.lock().unwrap();
    hq.enrolment_ids.push(req.enrolment_id.clone());
    if hq.enrol_failures > 0 {
        hq.enrol_failures -= 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"error": "unavailable", "message": "busy"})),
        );
    }
    (
        StatusCode::OK,
        Json(serde_json::to_value(enroll_response()).unwrap()),
    )
}

async fn push(State(hq): State<Shared>, Json(req): Json<PushRequest>) -> Json<PushResponse> {
    let mut hq = hq.lock().unwrap();
    hq.push_reports
        .push((req.till_version.clone(), req.skipped_change_kinds.clone()));
    let results = req
        .documents
        .iter()
        .map(|d| PushResult {
            id: d.id,
            seq: d.seq,
            status: if hq.stored.insert(d.seq) {
                PushStatus::Stored
            } else {
                PushStatus::Duplicate
            },
            message: None,
        })
        .collect();
    Json(PushResponse {
        results,
        contiguous_seq: hq.stored.len() as u64,
        accepted: vec![],
    })
}

async fn changes(
    State(hq): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, String) {
    let after: i64 = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    hq.lock().unwrap().polls.push(q);
    if after >= 86 {
        let empty = ChangesPage {
            protocol_version: 1,
            changes: vec![],
            next_cursor: after,
            has_more: false,
        };
        return (StatusCode::OK, serde_json::to_string(&empty).unwrap());
    }
    (StatusCode::OK, NEWER_PAGE.to_string())
}

async fn start_hq(hq: Hq) -> (SocketAddr, Shared) {
    let shared = Arc::new(Mutex::new(hq));
    let app = Router::new()
        .route("/api/v1/sync/enroll", post(enroll))
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/changes", get(changes))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, shared)
}

/// A proxy that passes requests on whole and cuts the first `cut` answers after `keep` bytes
/// (HQ has handled the request; the till gets headers and part of the body, then the connection ends).
async fn cutting_proxy(
    upstream: SocketAddr,
    cut: usize,
    keep: usize,
) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cuts = Arc::new(AtomicUsize::new(0));
    let c = cuts.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let c = c.clone();
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(upstream).await.unwrap();
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let mut buf = vec![0u8; 64 * 1024];
                let mut sent = 0;
                let cutting = c.fetch_add(1, Ordering::SeqCst) < cut;
                loop {
                    let n = match sr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if cutting && sent + n > keep {
                        let _ = cw.write_all(&buf[..keep - sent]).await;
                        break;
                    }
                    sent += n;
                    if cw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    (format!("http://{addr}"), cuts)
}

fn fast() -> SyncOptions {
    SyncOptions {
        max_attempts: 6,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
        ..SyncOptions::default()
    }
}

#[test]
fn a_page_from_a_newer_hq_is_applied_and_its_unknown_kinds_recorded() {
    let page: ChangesPage = serde_json::from_str(NEWER_PAGE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_enrolled(&dir, "http://127.0.0.1:1");
    let applied = l.apply_changes(&page).unwrap();
    // Product, barcode and delivery note applied; the three unknown changes skipped.
    assert_eq!(applied, 3);
    assert_eq!(
        l.cursor().unwrap(),
        86,
        "the cursor passes the skipped changes"
    );
    assert_eq!(
        l.skipped_change_kinds().unwrap(),
        vec!["gift_card".to_string(), "loyalty_scheme".to_string()]
    );
    // The known kinds with unknown fields are usable.
    let item = l.lookup_barcode("8412345678905").unwrap().unwrap();
    assert_eq!(item.name, "Jamón serrano 100 g");
    assert_eq!(item.price, Money::from_cents(395));
    // The delivery note (store 2 ≠ this till's store 3) is filtered as usual, not an error.
    // Applying the page again changes nothing.
    assert_eq!(l.apply_changes(&page).unwrap(), 0);
    assert_eq!(l.skipped_change_kinds().unwrap().len(), 2);
}

#[test]
fn kinds_skipped_by_an_older_build_are_replayed_once_this_build_knows_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    {
        let mut l = open_enrolled(&dir, "http://127.0.0.1:1");
        l.apply_changes(&serde_json::from_str(NEWER_PAGE).unwrap())
            .unwrap();
    }
    // As an older build would have left it: it skipped `barcode` at 83 (a kind this build knows)
    // besides the two it still does not know.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute(
            "UPDATE till_settings SET value = ?1 WHERE key = 'skipped_change_kinds'",
            [r#"{"barcode":83,"gift_card":82,"loyalty_scheme":85}"#],
        )
        .unwrap();
        c.execute("DELETE FROM barcodes", []).unwrap();
    }
    let mut l = Ledger::open(&path).unwrap();
    assert_eq!(
        l.cursor().unwrap(),
        82,
        "rewound to just before the first now-known change"
    );
    assert_eq!(
        l.skipped_change_kinds().unwrap(),
        vec!["gift_card".to_string(), "loyalty_scheme".to_string()]
    );
    assert!(l.lookup_barcode("8412345678905").unwrap().is_none());
    // The next pull replays from there: the barcode is back.
    l.apply_changes(&serde_json::from_str(NEWER_PAGE).unwrap())
        .unwrap();
    assert_eq!(l.cursor().unwrap(), 86);
    assert!(l.lookup_barcode("8412345678905").unwrap().is_some());
    drop(l);
    // Nothing more to replay on the next start.
    assert_eq!(Ledger::open(&path).unwrap().cursor().unwrap(), 86);
}

#[tokio::test]
async fn the_till_reports_its_version_and_the_kinds_it_skipped() {
    let (addr, hq) = start_hq(Hq::default()).await;
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_selling(&dir, &url);
    open_shift(&mut l);
    let ledger = Mutex::new(l);
    let client = SyncClient::new(fast()).unwrap();
    // First round: nothing skipped yet; the pull meets the newer page.
    client.sync_once(&ledger).await.unwrap();
    // Second round: the push and the poll both name the kinds skipped.
    sell(&mut ledger.lock().unwrap(), 250);
    client.sync_once(&ledger).await.unwrap();
    let hq = hq.lock().unwrap();
    assert_eq!(
        hq.push_reports,
        vec![
            (Some(TILL_VERSION.to_string()), Some(vec![])),
            (
                Some(TILL_VERSION.to_string()),
                Some(vec!["gift_card".into(), "loyalty_scheme".into()])
            ),
        ]
    );
    let first = &hq.polls[0];
    assert_eq!(first["version"], TILL_VERSION);
    assert_eq!(first["skipped"], "");
    let last = hq.polls.last().unwrap();
    assert_eq!(last["skipped"], "gift_card,loyalty_scheme");
    assert_eq!(last["after"], "86");
}

#[tokio::test]
async fn answers_cut_short_are_retried_like_lost_ones() {
    let (addr, hq) = start_hq(Hq::default()).await;
    // Cut the first 3 answers 150 bytes in: the headers (about 110 bytes) arrive, the body does not.
    let (url, cuts) = cutting_proxy(addr, 3, 150).await;
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_selling(&dir, &url);
    open_shift(&mut l);
    for i in 0..4 {
        sell(&mut l, 100 + i);
    }
    let ledger = Mutex::new(l);
    let client = SyncClient::new(fast()).unwrap();
    let report = client.push_pending(&ledger).await.unwrap();
    assert_eq!(report.acknowledged, 5);
    assert_eq!(ledger.lock().unwrap().outbox_len().unwrap(), 0);
    assert_eq!(hq.lock().unwrap().stored.len(), 5);
    assert!(
        cuts.load(Ordering::SeqCst) >= 4,
        "the push went through the cuts"
    );

    // The same for a changes page.
    let (url, _) = cutting_proxy(addr, 2, 300).await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = Mutex::new(open_enrolled(&dir, &url));
    let applied = client.pull_changes(&ledger).await.unwrap();
    assert_eq!(applied, 3);
    assert_eq!(ledger.lock().unwrap().cursor().unwrap(), 86);

    // Cut every answer: the till gives up with a network error that says so, nothing acknowledged.
    let (url, _) = cutting_proxy(addr, usize::MAX, 150).await;
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_enrolled(&dir, &url);
    open_shift(&mut l);
    let ledger = Mutex::new(l);
    let err = client.push_pending(&ledger).await.unwrap_err().to_string();
    assert!(err.contains("could not be reached"), "{err}");
    assert!(err.contains("cut short"), "{err}");
    assert_eq!(ledger.lock().unwrap().outbox_len().unwrap(), 1);
}

#[tokio::test]
async fn an_enrolment_keeps_its_id_across_retries_and_restarts() {
    let (addr, hq) = start_hq(Hq {
        enrol_failures: 2,
        ..Hq::default()
    })
    .await;
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    // A till that crashed after sending: the id was committed before the first attempt.
    let first_id = {
        let mut l = Ledger::open(&path).unwrap();
        let id = l.enrolment_id_for(&url, "k7p2-qx9m").unwrap();
        assert!(is_valid_enrolment_id(&id), "{id}");
        id
    };
    let ledger = Mutex::new(Ledger::open(&path).unwrap());
    let client = SyncClient::new(fast()).unwrap();
    // The code typed again, differently spaced: the same enrolment.
    client
        .enrol_ledger(&ledger, &url, " K7P2QX9M ", "caja 1")
        .await
        .unwrap();
    let ids = hq.lock().unwrap().enrolment_ids.clone();
    assert_eq!(ids.len(), 3, "two 503s, then accepted");
    assert!(ids.iter().all(|i| i.as_deref() == Some(first_id.as_str())));
    // Once enrolled the pending enrolment is gone: another code would get another id.
    let mut l = ledger.into_inner().unwrap();
    assert_ne!(l.enrolment_id_for(&url, "OTHER-CODE").unwrap(), first_id);
}
