//! Sync client tests against a tiny axum server on 127.0.0.1:0 with canned behaviour.
//! The ledger is a real SQLite file; only HQ is faked.
#![allow(clippy::unwrap_used)]

mod common;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use common::*;
use pos_terminal::{Ledger, SyncClient, SyncError, SyncOptions};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::*;

#[derive(Default)]
struct Hq {
    /// Push calls answered 503 before behaving.
    fail_first: usize,
    push_calls: usize,
    omit: HashSet<u64>,
    conflict: HashSet<u64>,
    stored: Vec<u64>,
    batch_sizes: Vec<usize>,
    changes: Vec<Change>,
    pull_calls: usize,
    /// `waiting` of each push, then of each changes poll, in order.
    push_waiting: Vec<Option<u64>>,
    poll_waiting: Vec<Option<u64>>,
}

type Shared = Arc<Mutex<Hq>>;

fn authorised(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer secret-token")
}

fn unauthorised() -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::UNAUTHORIZED,
        Json(
            serde_json::json!({"error": "unauthorized", "message": "this till's token was revoked"}),
        ),
    )
}

async fn enroll(Json(req): Json<EnrollRequest>) -> (StatusCode, Json<serde_json::Value>) {
    if req.code == "GOOD-CODE" {
        (
            StatusCode::OK,
            Json(serde_json::to_value(enroll_response()).unwrap()),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            Json(
                serde_json::json!({"error": "bad_code", "message": "the enrolment code has expired"}),
            ),
        )
    }
}

async fn push(
    State(hq): State<Shared>,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> (StatusCode, Json<serde_json::Value>) {
    if !authorised(&headers) {
        return unauthorised();
    }
    let mut hq = hq.lock().unwrap();
    hq.push_calls += 1;
    if hq.push_calls <= hq.fail_first {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"error": "unavailable", "message": "storage busy"})),
        );
    }
    hq.batch_sizes.push(req.documents.len());
    hq.push_waiting.push(req.waiting);
    let mut results = Vec::new();
    let mut any_conflict = false;
    for d in &req.documents {
        assert!(d.hash_is_valid());
        if hq.omit.contains(&d.seq) {
            continue;
        }
        let status = if hq.conflict.contains(&d.seq) {
            any_conflict = true;
            PushStatus::Conflict
        } else if hq.stored.contains(&d.seq) {
            PushStatus::Duplicate
        } else {
            hq.stored.push(d.seq);
            PushStatus::Stored
        };
        results.push(PushResult {
            id: d.id,
            seq: d.seq,
            status,
            message: (status == PushStatus::Conflict)
                .then(|| "HQ holds another document at this seq".into()),
        });
    }
    let contiguous_seq = hq.stored.iter().copied().max().unwrap_or(0);
    let code = if any_conflict {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    (
        code,
        Json(
            serde_json::to_value(PushResponse {
                results,
                contiguous_seq,
                accepted: vec![],
            })
            .unwrap(),
        ),
    )
}

async fn changes(
    State(hq): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, Json<serde_json::Value>) {
    if !authorised(&headers) {
        return unauthorised();
    }
    let after: i64 = q["after"].parse().unwrap();
    let limit: usize = q["limit"].parse().unwrap();
    let mut hq = hq.lock().unwrap();
    hq.pull_calls += 1;
    hq.poll_waiting
        .push(q.get("waiting").map(|w| w.parse().unwrap()));
    let rest: Vec<Change> = hq
        .changes
        .iter()
        .filter(|c| c.cursor > after)
        .cloned()
        .collect();
    let page: Vec<Change> = rest.iter().take(limit).cloned().collect();
    let next_cursor = page.last().map(|c| c.cursor).unwrap_or(after);
    let body = ChangesPage {
        protocol_version: PROTOCOL_VERSION,
        has_more: rest.len() > page.len(),
        changes: page,
        next_cursor,
    };
    (StatusCode::OK, Json(serde_json::to_value(body).unwrap()))
}

async fn start(hq: Hq) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(hq));
    let app = Router::new()
        .route("/api/v1/sync/enroll", post(enroll))
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/changes", get(changes))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), shared)
}

fn fast() -> SyncOptions {
    SyncOptions {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
        ..SyncOptions::default()
    }
}

/// `n` documents waiting to be pushed: the shift opening (seq 1), then `n − 1` sales.
fn ledger_with_documents(dir: &tempfile::TempDir, url: &str, n: usize) -> Arc<Mutex<Ledger>> {
    let mut l = open_enrolled(dir, url);
    if n > 1 {
        // Sales need the franchisee's NIF; the catalog brings the store.
        l.apply_changes(&catalog_page()).unwrap();
    }
    open_shift(&mut l);
    for i in 1..n {
        sell(&mut l, 100 + i as i64);
    }
    Arc::new(Mutex::new(l))
}

#[tokio::test]
async fn enrols_and_surfaces_server_messages() {
    let (url, _hq) = start(Hq::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = Mutex::new(Ledger::open(dir.path().join("till.db")).unwrap());
    let client = SyncClient::new(fast()).unwrap();
    let err = client.enrol(&url, "OLD-CODE", "caja 1").await.unwrap_err();
    match &err {
        SyncError::Server {
            status, message, ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(message, "the enrolment code has expired");
        }
        e => panic!("unexpected {e}"),
    }
    let id = client
        .enrol_ledger(&ledger, &url, "GOOD-CODE", "caja 1")
        .await
        .unwrap();
    assert_eq!(id.till_id, TillId(7));
    assert_eq!(
        ledger
            .lock()
            .unwrap()
            .identity()
            .unwrap()
            .unwrap()
            .ticket_series,
        "T0007"
    );
}

#[tokio::test]
async fn push_retries_on_503_then_acknowledges_everything() {
    let (url, hq) = start(Hq {
        fail_first: 2,
        ..Hq::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_documents(&dir, &url, 5);
    let client = SyncClient::new(fast()).unwrap();
    let report = client.push_pending(&ledger).await.unwrap();
    assert_eq!(report.pushed, 5);
    assert_eq!(report.acknowledged, 5);
    assert_eq!(report.conflicts, 0);
    assert_eq!(ledger.lock().unwrap().outbox_len().unwrap(), 0);
    let hq = hq.lock().unwrap();
    assert_eq!(hq.push_calls, 3);
    assert_eq!(hq.stored, vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn push_goes_in_seq_order_batches() {
    let (url, hq) = start(Hq::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_documents(&dir, &url, 5);
    let client = SyncClient::new(SyncOptions {
        push_batch: 2,
        ..fast()
    })
    .unwrap();
    let report = client.sync_once(&ledger).await.unwrap();
    assert_eq!(report.acknowledged, 5);
    let hq = hq.lock().unwrap();
    assert_eq!(hq.batch_sizes, vec![2, 2, 1]);
    assert_eq!(hq.stored, vec![1, 2, 3, 4, 5]);
    // Each push says what is still waiting besides its batch; the poll after it says 0.
    assert_eq!(hq.push_waiting, vec![Some(3), Some(1), Some(0)]);
    assert_eq!(hq.poll_waiting, vec![Some(0)]);
}

#[tokio::test]
async fn only_acknowledged_documents_leave_the_outbox_and_conflicts_are_flagged() {
    let (url, hq) = start(Hq {
        omit: [2].into(),
        conflict: [3].into(),
        ..Hq::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_documents(&dir, &url, 5);
    let client = SyncClient::new(fast()).unwrap();
    let report = client.push_pending(&ledger).await.unwrap();
    assert_eq!(report.acknowledged, 3);
    assert_eq!(report.conflicts, 1);
    {
        let l = ledger.lock().unwrap();
        assert_eq!(l.outbox_len().unwrap(), 2);
        let pending: Vec<u64> = l
            .pending_outbox(10)
            .unwrap()
            .iter()
            .map(|d| d.seq)
            .collect();
        assert_eq!(pending, vec![2]);
        let conflicts = l.conflicts().unwrap();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].0, 3);
        assert!(conflicts[0].1.contains("another document"));
    }
    // HQ recovers: the next push re-sends only seq 2 and it is acknowledged.
    hq.lock().unwrap().omit.clear();
    let report = client.push_pending(&ledger).await.unwrap();
    assert_eq!(report.pushed, 1);
    assert_eq!(report.acknowledged, 1);
    assert_eq!(
        ledger.lock().unwrap().outbox_len().unwrap(),
        1,
        "the conflict stays"
    );
}

#[tokio::test]
async fn exhausted_retries_keep_the_outbox() {
    let (url, hq) = start(Hq {
        fail_first: 100,
        ..Hq::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_documents(&dir, &url, 3);
    let client = SyncClient::new(fast()).unwrap();
    match client.push_pending(&ledger).await {
        Err(SyncError::Unavailable { attempts, last }) => {
            assert_eq!(attempts, 4);
            assert!(
                last.contains("503") && last.contains("storage busy"),
                "{last}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(hq.lock().unwrap().push_calls, 4);
    assert_eq!(ledger.lock().unwrap().outbox_len().unwrap(), 3);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    // Bind and drop to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_documents(&dir, &url, 1);
    let client = SyncClient::new(fast()).unwrap();
    assert!(matches!(
        client.push_pending(&ledger).await,
        Err(SyncError::Unavailable { attempts: 4, .. })
    ));
    assert_eq!(ledger.lock().unwrap().outbox_len().unwrap(), 1);
}

#[tokio::test]
async fn revoked_token_is_not_retried_and_says_why() {
    let (url, hq) = start(Hq::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(dir.path().join("till.db")).unwrap();
    let mut resp = enroll_response();
    resp.token = "wrong".into();
    l.enrol(&url, &resp, "caja").unwrap();
    l.apply_changes(&store_page(1)).unwrap();
    open_shift(&mut l);
    sell(&mut l, 100);
    let ledger = Mutex::new(l);
    let client = SyncClient::new(fast()).unwrap();
    match client.push_pending(&ledger).await {
        Err(SyncError::Server {
            status: 401,
            message,
            ..
        }) => {
            assert_eq!(message, "this till's token was revoked")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(hq.lock().unwrap().push_calls, 0);
    assert_eq!(ledger.lock().unwrap().outbox_len().unwrap(), 2);
}

#[tokio::test]
async fn pull_loops_over_pages_until_done() {
    let page = catalog_page();
    let (url, hq) = start(Hq {
        changes: page.changes.clone(),
        ..Hq::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_documents(&dir, &url, 0);
    let client = SyncClient::new(SyncOptions {
        page_limit: 4,
        ..fast()
    })
    .unwrap();
    let report = client.sync_once(&ledger).await.unwrap();
    assert_eq!(report.changes_applied, 12);
    assert_eq!(hq.lock().unwrap().pull_calls, 3);
    {
        let l = ledger.lock().unwrap();
        assert_eq!(l.cursor().unwrap(), 12);
        assert!(l.lookup_barcode("8412345678905").unwrap().is_some());
    }
    // Nothing new: one call, nothing applied.
    assert_eq!(client.pull_changes(&ledger).await.unwrap(), 0);
    assert_eq!(hq.lock().unwrap().pull_calls, 4);
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_documents(&dir, "http://hq.example.com", 1);
    let client = SyncClient::new(fast()).unwrap();
    assert!(matches!(
        client.push_pending(&ledger).await,
        Err(SyncError::InsecureUrl(_))
    ));
    assert!(matches!(
        client.enrol("http://192.168.1.10:8080", "X", "caja").await,
        Err(SyncError::InsecureUrl(_))
    ));
}
