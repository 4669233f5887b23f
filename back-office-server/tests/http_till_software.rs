//! Protocol growth at HQ: tills report their software version and the change kinds they skipped
//! (with each push and changes poll); HQ keeps the last report, shows it in the admin tills API and
//! flags "needs an update" on the Tills page in both languages; bad reports are refused whole.
//! And enrolment is retryable: the same code with the same enrolment id gets the same till again.
//! Real router over SQLite and PostgreSQL.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{NewFranchisee, NewStore};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::{StoreId, TillId};

#[macro_use]
mod common;
use common::*;

struct World {
    store: StoreId,
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
    let store = st
        .create_store(&NewStore::new(f.id, "Tienda Norte", "x"))
        .await
        .unwrap()
        .id;
    let admin_token = auth::new_token();
    st.create_admin("HQ", &auth::hash_token(&admin_token))
        .await
        .unwrap();
    back_office_server::services::accounts::create_user(
        &*st.clone(),
        "hq",
        "Usuario hq",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    World { store, admin_token }
}

async fn admin(
    s: &Server,
    w: &World,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rq = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(&w.admin_token);
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    let r = rq.send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn enrol(s: &Server, body: Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sync/enroll", s.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn as_till(s: &Server, token: &str, rq: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let _ = s;
    let r = rq.bearer_auth(token).send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

fn row(page: &str, id: i64) -> &str {
    let start = page
        .find(&format!("<tr data-till=\"{id}\">"))
        .unwrap_or_else(|| panic!("no row for till {id}: {page}"));
    let end = page[start..].find("</tr>").unwrap() + start;
    &page[start..end]
}

async fn enrolment_is_retryable(s: &Server) {
    let w = world(s).await;
    let (st, created) = admin(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/tills",
        Some(json!({"store_id": w.store.0, "name": "Caja 1"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{created}");
    let code = created["enrolment_code"].as_str().unwrap().to_string();
    let id = "0190b3c2-5e1f-4a7b-9c3d-2f6e8a1b4c5d";
    let req =
        json!({"protocol_version": 1, "code": code, "device_name": "Caja 1", "enrolment_id": id});
    let (st, first) = enrol(s, req.clone()).await;
    assert_eq!(st, StatusCode::OK, "{first}");
    // The answer was lost; the till sends the same request again and gets the same till.
    let (st, again) = enrol(s, req.clone()).await;
    assert_eq!(st, StatusCode::OK, "{again}");
    for k in ["till_id", "store_id", "franchisee_id", "ticket_series"] {
        assert_eq!(first[k], again[k], "{k}");
    }
    assert_ne!(
        first["token"], again["token"],
        "a fresh token on each answer"
    );
    // Only the token of the answer that arrived works: the lost one is dead.
    let poll = |t: &str| {
        let t = t.to_string();
        async move {
            as_till(
                s,
                &t,
                reqwest::Client::new().get(format!("{}/api/v1/sync/changes?after=0", s.base)),
            )
            .await
            .0
        }
    };
    assert_eq!(poll(again["token"].as_str().unwrap()).await, StatusCode::OK);
    assert_eq!(
        poll(first["token"].as_str().unwrap()).await,
        StatusCode::UNAUTHORIZED
    );
    // The same code with another id (another device), or with none, is a used code.
    for other in [
        json!({"protocol_version": 1, "code": code, "device_name": "Caja 1", "enrolment_id": "0190b3c2-5e1f-4a7b-9c3d-000000000000"}),
        json!({"protocol_version": 1, "code": code, "device_name": "Caja 1"}),
    ] {
        let (st, body) = enrol(s, other).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["message"].as_str().unwrap().contains("used"), "{body}");
    }
    // A malformed enrolment id is refused with a message, and the code stays usable.
    let (_, created) = admin(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/tills",
        Some(json!({"store_id": w.store.0, "name": "Caja 2"})),
    )
    .await;
    let code2 = created["enrolment_code"].as_str().unwrap();
    for bad in ["short", "has spaces in it here!", &"x".repeat(65)] {
        let (st, body) = enrol(
            s,
            json!({"protocol_version": 1, "code": code2, "device_name": "Caja 2", "enrolment_id": bad}),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("enrolment_id"),
            "{body}"
        );
    }
    // A revoked till cannot be taken back by replaying its enrolment.
    let till = first["till_id"].as_i64().unwrap();
    s.storage
        .revoke_till(TillId(till), Utc::now())
        .await
        .unwrap();
    let (st, _) = enrol(s, req).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, ok) = enrol(
        s,
        json!({"protocol_version": 1, "code": code2, "device_name": "Caja 2", "enrolment_id": id}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{ok}");
}

on_both_backends!(enrolment_is_retryable);

async fn tills_report_their_software(s: &Server) {
    let w = world(s).await;
    let (till, token) = common::enrolled_with_token(s, w.store, "Caja Norte").await;
    let id = till.till_id.0;
    let wr = &w;
    let api_till = move || async move {
        admin(
            s,
            wr,
            reqwest::Method::GET,
            &format!("/api/v1/admin/tills/{id}"),
            None,
        )
        .await
        .1
    };
    let (mut hq, _) = Browser::signed_in(s, "hq").await;

    // Before any report.
    let t = api_till().await;
    assert!(t["software_version"].is_null(), "{t}");
    assert_eq!(t["skipped_change_kinds"], json!([]), "{t}");
    let p = hq.get("/dashboard/tills").await.body;
    assert!(p.contains("<th>Software</th>"), "{p}");

    // A push (no documents) with a version and nothing skipped.
    let push = |body: Value| {
        let token = token.clone();
        async move {
            as_till(
                s,
                &token,
                reqwest::Client::new()
                    .post(format!("{}/api/v1/sync/push", s.base))
                    .json(&body),
            )
            .await
        }
    };
    let (st, body) = push(json!({"protocol_version": 1, "till_id": id, "documents": [], "till_version": "0.1.0", "skipped_change_kinds": []})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let t = api_till().await;
    assert_eq!(t["software_version"], "0.1.0", "{t}");
    assert_eq!(t["skipped_change_kinds"], json!([]));
    assert!(t["software_reported_at"].is_string(), "{t}");
    let r = hq.get("/dashboard/tills").await.body;
    assert!(row(&r, id).contains("data-version=\"0.1.0\""), "{r}");
    assert!(!row(&r, id).contains("data-needs-update"), "{r}");

    // The changes poll of a till that skipped two kinds: flagged in both languages.
    let poll = |q: &str| {
        let (token, q) = (token.clone(), q.to_string());
        async move {
            as_till(
                s,
                &token,
                reqwest::Client::new().get(format!("{}/api/v1/sync/changes?after=0&{q}", s.base)),
            )
            .await
        }
    };
    let (st, body) = poll("version=0.1.0%2Bb7&skipped=loyalty_scheme,gift_card").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let t = api_till().await;
    assert_eq!(t["software_version"], "0.1.0+b7");
    assert_eq!(
        t["skipped_change_kinds"],
        json!(["gift_card", "loyalty_scheme"])
    );
    let r = hq.get("/dashboard/tills").await.body;
    let r = row(&r, id);
    assert!(r.contains("data-needs-update"), "{r}");
    assert!(
        r.contains("necesita actualizarse (omitido: gift_card, loyalty_scheme)"),
        "{r}"
    );
    hq.get("/dashboard/lang?to=en&back=/dashboard/tills").await;
    let en = hq.get("/dashboard/tills").await.body;
    assert!(
        row(&en, id).contains("needs an update (skipped: gift_card, loyalty_scheme)"),
        "{en}"
    );

    // A poll saying nothing about software (an older till) leaves the report alone.
    let (st, _) = poll("limit=5").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(api_till().await["software_version"], "0.1.0+b7");

    // Bad reports are refused with a message; nothing stored.
    for q in [
        "version=",
        "version=0.1.0%20beta",
        &format!("version={}", "9".repeat(33)),
        "skipped=gift_card",
        "version=1.0.0&skipped=Gift-Card",
        &format!("version=1.0.0&skipped={}", vec!["k"; 33].join(",")),
    ] {
        let (st, body) = poll(q).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {body}");
        assert!(body["message"].is_string(), "{q}: {body}");
    }
    for bad in [
        json!({"till_version": "1.0 beta"}),
        json!({"skipped_change_kinds": ["x"]}),
        json!({"till_version": "1.0.0", "skipped_change_kinds": ["UPPER"]}),
    ] {
        let mut body = json!({"protocol_version": 1, "till_id": id, "documents": []});
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (st, resp) = push(body.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
    }
    assert_eq!(api_till().await["software_version"], "0.1.0+b7");

    // The updated till reports nothing skipped: the flag goes.
    let (st, _) = poll("version=0.2.0&skipped=").await;
    assert_eq!(st, StatusCode::OK);
    let t = api_till().await;
    assert_eq!(t["software_version"], "0.2.0");
    assert_eq!(t["skipped_change_kinds"], json!([]));
    // An older report arriving late changes nothing.
    s.storage
        .report_software(
            till.till_id,
            "0.0.9",
            &["x".to_string()],
            Utc::now() - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(api_till().await["software_version"], "0.2.0");
    assert!(
        s.storage
            .report_software(TillId(9_999), "1.0.0", &[], Utc::now())
            .await
            .is_err(),
        "an unknown till is refused"
    );
}

on_both_backends!(tills_report_their_software);

/// A till whose reported version is older than the release that brought a change kind its store's
/// change log already holds is flagged on the Tills page with the version it needs, in both
/// languages; the flag goes once it reports that version.
async fn tills_too_old_for_the_change_log_are_flagged(s: &Server) {
    let w = world(s).await;
    let (till, _) = common::enrolled_with_token(s, w.store, "Caja Norte").await;
    let id = till.till_id.0;
    // A product (a change for every store) goes into the log before the till reports.
    let (_, rate) = admin(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/tax-rates",
        Some(json!({"name": "IVA general", "rate": "21.00"})),
    )
    .await;
    let (st, p) = admin(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/products",
        Some(json!({"sku": "ACE-1L", "name": "Aceite 1 l", "tax_rate_id": rate["id"], "price": "5.95", "barcodes": []})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    s.storage
        .report_software(till.till_id, "0.1.0", &[], Utc::now())
        .await
        .unwrap();
    let r = hq.get("/dashboard/tills").await.body;
    assert!(!row(&r, id).contains("data-needs-version"), "{r}");

    s.storage
        .report_software(till.till_id, "0.0.9", &[], Utc::now())
        .await
        .unwrap();
    let r = hq.get("/dashboard/tills").await.body;
    let r = row(&r, id);
    assert!(r.contains("data-needs-version=\"0.1.0\""), "{r}");
    assert!(r.contains("necesita la versión 0.1.0 o posterior"), "{r}");
    assert!(r.contains("product"), "{r}");
    assert!(!r.contains("data-needs-update"), "it skipped nothing: {r}");
    hq.get("/dashboard/lang?to=en&back=/dashboard/tills").await;
    let en = hq.get("/dashboard/tills").await.body;
    let en = row(&en, id);
    assert!(
        en.contains("needs version 0.1.0 or later (too old for: "),
        "{en}"
    );
    assert!(en.contains("product"), "{en}");

    // Updated: no flag.
    s.storage
        .report_software(till.till_id, "0.1.0", &[], Utc::now())
        .await
        .unwrap();
    let r = hq.get("/dashboard/tills").await.body;
    assert!(!row(&r, id).contains("data-needs-version"), "{r}");
}

on_both_backends!(tills_too_old_for_the_change_log_are_flagged);
