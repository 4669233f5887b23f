//! "Documents waiting" per till: a till reports its outbox length with each push and each changes
//! poll; HQ keeps the last report and when, and shows it on the Tills page and in the admin tills
//! API. Bad values are refused and store nothing. Real router over SQLite and PostgreSQL.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{NewFranchisee, NewStore, TillAuth};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::{
    CashMovement, CashMovementDirection, Document, DocumentBody, DocumentId, GENESIS_HASH, Money,
    TillId,
};

#[macro_use]
mod common;
use common::*;

struct World {
    north: TillAuth,
    north_token: String,
    south: TillId,
    admin_token: String,
}

async fn world(s: &Server) -> World {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let mut stores = vec![];
    for name in ["Tienda Norte", "Tienda Sur"] {
        stores.push(
            st.create_store(&NewStore::new(f.id, name, "x"))
                .await
                .unwrap()
                .id,
        );
    }
    let (north, north_token) = common::enrolled_with_token(s, stores[0], "Caja Norte").await;
    let (south, _) = common::enrolled_with_token(s, stores[1], "Caja Sur").await;
    let admin_token = auth::new_token();
    st.create_admin("HQ", &auth::hash_token(&admin_token))
        .await
        .unwrap();
    for (user, role, of) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("norte", DashboardRole::Manager, vec![stores[0]]),
    ] {
        back_office_server::services::accounts::create_user(
            &*st.clone(),
            user,
            &format!("Usuario {user}"),
            PASSWORD,
            role,
            of,
        )
        .await
        .unwrap();
    }
    World {
        north,
        north_token,
        south: south.till_id,
        admin_token,
    }
}

/// A valid document of the north till at `seq` (a cash movement: no shift rules at HQ).
fn document(w: &World, seq: u64, prev: &str) -> Document {
    Document::seal(
        DocumentId::new(),
        w.north.till_id,
        w.north.store_id,
        seq,
        Utc::now(),
        prev,
        DocumentBody::CashMovement(CashMovement {
            direction: CashMovementDirection::In,
            amount: Money::from_cents(500),
            reason: "cambio".into(),
            staff_id: None,
        }),
    )
}

async fn push(s: &Server, w: &World, body: Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sync/push", s.base))
        .bearer_auth(&w.north_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn poll(s: &Server, w: &World, query: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/sync/changes?after=0&{query}", s.base))
        .bearer_auth(&w.north_token)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn api_till(s: &Server, w: &World, id: TillId) -> Value {
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/admin/tills/{}", s.base, id.0))
        .bearer_auth(&w.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The row of till `id` on the Tills page.
fn row(page: &str, id: TillId) -> &str {
    let start = page
        .find(&format!("<tr data-till=\"{}\">", id.0))
        .unwrap_or_else(|| panic!("no row for till {id}: {page}"));
    let end = page[start..].find("</tr>").unwrap() + start;
    &page[start..end]
}

async fn tills_report_what_they_have_waiting(s: &Server) {
    let w = world(s).await;
    let north = w.north.till_id;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;

    // Before any report: nothing claimed.
    let t = api_till(s, &w, north).await;
    assert!(t["outbox_waiting"].is_null(), "{t}");
    assert!(t["outbox_reported_at"].is_null(), "{t}");
    let p = hq.get("/dashboard/tills").await;
    assert!(row(&p.body, north).contains("sin informe"), "{}", p.body);

    // A push of one document with 12 more still waiting on the till.
    let d1 = document(&w, 1, GENESIS_HASH);
    let (st, body) = push(
        s,
        &w,
        json!({"protocol_version": 1, "till_id": north.0, "documents": [d1], "waiting": 12}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let t = api_till(s, &w, north).await;
    assert_eq!(t["outbox_waiting"], 12, "{t}");
    assert!(t["outbox_reported_at"].is_string(), "{t}");
    let p = hq.get("/dashboard/tills").await;
    let r = row(&p.body, north);
    assert!(r.contains("12 documentos en espera"), "{r}");
    assert!(r.contains("informado hace menos de 1 min"), "{r}");
    assert!(!r.contains("informe antiguo"), "{r}");

    // The changes poll of a till that has pushed everything reports 0.
    let (st, body) = poll(s, &w, "waiting=0").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(api_till(s, &w, north).await["outbox_waiting"], 0);
    let p = hq.get("/dashboard/tills").await;
    assert!(
        row(&p.body, north).contains("0 documentos en espera"),
        "{}",
        p.body
    );
    // A poll that says nothing (an older till) leaves the last report alone.
    let (st, _) = poll(s, &w, "limit=10").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(api_till(s, &w, north).await["outbox_waiting"], 0);

    // Bad values are refused with a message, and nothing is stored: not the report, not the
    // documents of the push.
    for (query, status) in [
        ("waiting=-1", StatusCode::UNPROCESSABLE_ENTITY),
        ("waiting=100000001", StatusCode::UNPROCESSABLE_ENTITY),
        ("waiting=doce", StatusCode::BAD_REQUEST),
    ] {
        let (st, body) = poll(s, &w, query).await;
        assert_eq!(st, status, "{query}: {body}");
        assert!(
            body["message"].as_str().unwrap_or("").contains("waiting"),
            "{query}: {body}"
        );
    }
    let d2 = document(&w, 2, &document(&w, 1, GENESIS_HASH).hash);
    for waiting in [json!(-3), json!(100_000_001u64), json!("doce"), json!(1.5)] {
        let (st, body) = push(
            s,
            &w,
            json!({"protocol_version": 1, "till_id": north.0, "documents": [d2], "waiting": waiting}),
        )
        .await;
        assert!(st.is_client_error(), "waiting {waiting}: {st} {body}");
        assert!(body["message"].is_string(), "waiting {waiting}: {body}");
    }
    let t = api_till(s, &w, north).await;
    assert_eq!(t["outbox_waiting"], 0, "{t}");
    assert_eq!(t["last_seq"], 1, "the refused pushes stored nothing: {t}");

    // A late request carrying an older report does not overwrite a newer one.
    s.storage
        .report_outbox(north, 99, Utc::now() - chrono::Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(api_till(s, &w, north).await["outbox_waiting"], 0);

    // A till whose last report is old says so.
    s.storage
        .report_outbox(w.south, 7, Utc::now() - chrono::Duration::hours(3))
        .await
        .unwrap();
    let p = hq.get("/dashboard/tills").await;
    let r = row(&p.body, w.south);
    assert!(r.contains("7 documentos en espera"), "{r}");
    assert!(r.contains("informado hace 3 h"), "{r}");
    assert!(r.contains("informe antiguo"), "{r}");
    assert!(!row(&p.body, north).contains("informe antiguo"));
    assert!(
        s.storage
            .report_outbox(TillId(9_999), 1, Utc::now())
            .await
            .is_err(),
        "an unknown till is refused"
    );

    // A store manager sees only their own store's till.
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    let p = norte.get("/dashboard/tills").await;
    assert!(row(&p.body, north).contains("0 documentos en espera"));
    assert!(!p.body.contains(&format!("data-till=\"{}\"", w.south.0)));
    assert!(!p.body.contains("7 documentos en espera"));
}

on_both_backends!(tills_report_what_they_have_waiting);
