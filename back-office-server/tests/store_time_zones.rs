//! Each store counts its sales in its own time zone: a store in the Canary Islands (Atlantic/Canary)
//! and one in Madrid sell at the same instant, 23:30 UTC on 15 January; Madrid counts it on the 16th
//! at 00 h, Las Palmas on the 15th at 23 h, in the aggregates and over the raw lines. Set through
//! the admin API and the Tiendas page (a bad zone is refused, nothing saved), sent to the store's
//! tills, and filled in at start-up for documents stored before the zone existed. Both backends.

use back_office_server::auth;
use back_office_server::p;
use back_office_server::storage::dashboard::{DashboardRole, ReportDim, ReportSource};
use back_office_server::storage::{NewProduct, NewTaxRate, TillAuth};
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::{
    CatalogChange, Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment, ProductId,
    Quantity, Sale, SaleLine, StoreId, TaxRate, Tender, compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

fn sale(product: ProductId) -> DocumentBody {
    let line = SaleLine {
        line_id: Uuid::new_v4(),
        product_id: product,
        barcode: None,
        name: "Gofio 1 kg".into(),
        quantity: Quantity::units(1),
        unit_price: Money::from_cents(300),
        tax_rate: TaxRate::percent(10),
        discount: Money::ZERO,
        promotion: None,
    };
    let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
    DocumentBody::Sale(Sale {
        ticket_number: "T-1".into(),
        cashier_id: None,
        lines: vec![line],
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::new_v4(),
            tender: Tender::Card,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    })
}

async fn api(
    s: &Server,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

on_both_backends!(a_canary_store_counts_its_own_day_and_hour);
async fn a_canary_store_counts_its_own_day_and_hour(s: &Server) {
    let st = &s.storage;
    let admin = auth::new_token();
    st.create_admin("HQ", &auth::hash_token(&admin))
        .await
        .unwrap();
    let (_, f) = api(
        s,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/franchisees",
        json!({"legal_name": "Islas, S.L.", "nif": "B12345674", "address": "x"}),
    )
    .await;
    let fid = f["id"].as_i64().unwrap();
    let (code, madrid) = api(
        s,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/stores",
        json!({"franchisee_id": fid, "name": "Madrid", "address": "x"}),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(madrid["time_zone"], "Europe/Madrid");
    let (code, canary) = api(
        s,
        &admin,
        reqwest::Method::POST,
        "/api/v1/admin/stores",
        json!({"franchisee_id": fid, "name": "Las Palmas", "address": "x", "time_zone": "Atlantic/Canary"}),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED, "{canary}");
    assert_eq!(canary["time_zone"], "Atlantic/Canary");
    // A zone that does not exist is refused and nothing changes.
    let (code, e) = api(
        s,
        &admin,
        reqwest::Method::PATCH,
        &format!("/api/v1/admin/stores/{}", canary["id"]),
        json!({"time_zone": "Atlantic/Canarias"}),
    )
    .await;
    assert!(code.is_client_error(), "{code} {e}");
    assert!(
        e["message"].as_str().unwrap().contains("not a time zone"),
        "{e}"
    );
    let (madrid, canary) = (
        StoreId(madrid["id"].as_i64().unwrap()),
        StoreId(canary["id"].as_i64().unwrap()),
    );
    assert_eq!(
        st.get_store(canary).await.unwrap().time_zone.name(),
        "Atlantic/Canary"
    );

    // The Canary store's tills are told their zone.
    let changes = st.changes_after(canary, 0, 1000).await.unwrap().changes;
    assert!(changes.iter().any(|c| matches!(&c.change,
        CatalogChange::Store(r) if r.time_zone.as_deref() == Some("Atlantic/Canary"))));

    let rate = st
        .create_tax_rate(&NewTaxRate {
            name: "IVA 10".into(),
            rate: TaxRate::percent(10),
        })
        .await
        .unwrap();
    let product = st
        .create_product(&NewProduct {
            sku: "GOF-1".into(),
            name: "Gofio 1 kg".into(),
            tax_rate_id: rate.id,
            price: Money::from_cents(300),
            barcodes: vec![],
        })
        .await
        .unwrap()
        .id;
    let at: DateTime<Utc> = "2026-01-15T23:30:00Z".parse().unwrap();
    for store in [madrid, canary] {
        let till: TillAuth = enrolled(s, store, "Caja").await;
        let d = Document::seal(
            DocumentId::new(),
            till.till_id,
            till.store_id,
            1,
            at,
            GENESIS_HASH,
            sale(product),
        );
        st.push(&till, &[d], Utc::now()).await.unwrap();
    }
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let (from, to) = (day("2026-01-14"), day("2026-01-17"));
    for source in [ReportSource::Aggregates, ReportSource::RawLines] {
        for (store, want_day, want_hour) in
            [(madrid, "2026-01-16", "0"), (canary, "2026-01-15", "23")]
        {
            let days = st
                .dashboard()
                .report(ReportDim::Day, from, to, source, Some(&[store]))
                .await
                .unwrap();
            assert_eq!(days.len(), 1, "{source:?} {store}: {days:?}");
            assert_eq!(days[0].key, want_day, "{source:?} {store}");
            let hours = st
                .dashboard()
                .report(ReportDim::Hour, from, to, source, Some(&[store]))
                .await
                .unwrap();
            assert_eq!(hours.len(), 1, "{source:?} {store}: {hours:?}");
            assert_eq!(hours[0].key, want_hour, "{source:?} {store}");
        }
    }

    // The Tiendas page: the zone is shown and saved; a made-up one is refused in Spanish.
    back_office_server::services::accounts::create_user(
        &*st.clone(),
        "hq",
        "HQ",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    hq.get(&format!("/dashboard/stores/{canary}")).await.assert(
        StatusCode::OK,
        "<option value=\"Atlantic/Canary\" selected>Canarias",
    );
    let form = |zone: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("name", "Las Palmas".to_string()),
            ("address", "x".to_string()),
            ("receipt_header", String::new()),
            ("receipt_footer", String::new()),
            ("cash_tolerance", "5,00".to_string()),
            ("time_zone", zone.to_string()),
        ]
    };
    let bad = form("Luna/Tranquilidad");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    hq.post(&format!("/dashboard/stores/{canary}"), &bad)
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "no es una zona horaria");
    assert_eq!(
        st.get_store(canary).await.unwrap().time_zone.name(),
        "Atlantic/Canary"
    );
    let good = form("Africa/Ceuta");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = hq.post(&format!("/dashboard/stores/{canary}"), &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        st.get_store(canary).await.unwrap().time_zone.name(),
        "Africa/Ceuta"
    );
}

/// Documents stored before the zones existed get their local hour at start-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_documents_get_their_local_hour_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.db").display());
    let sql = back_office_server::storage::open_sql(&url).await.unwrap();
    let st: std::sync::Arc<dyn back_office_server::storage::Storage> =
        std::sync::Arc::new(sql.clone());
    let s = start(st.clone(), None).await;
    let f = st
        .create_franchisee(&back_office_server::storage::NewFranchisee {
            legal_name: "x".into(),
            nif: "B12345674".into(),
            address: "x".into(),
        })
        .await
        .unwrap();
    let mut store = back_office_server::storage::NewStore::new(f.id, "Las Palmas", "x");
    store.time_zone = "Atlantic/Canary".parse().unwrap();
    let store = st.create_store(&store).await.unwrap().id;
    let till = enrolled(&s, store, "Caja").await;
    let at: DateTime<Utc> = "2026-07-01T06:15:00Z".parse().unwrap();
    let d = Document::seal(
        DocumentId::new(),
        till.till_id,
        till.store_id,
        1,
        at,
        GENESIS_HASH,
        DocumentBody::CashMovement(sync_protocol::CashMovement {
            direction: sync_protocol::CashMovementDirection::In,
            amount: Money::from_cents(100),
            reason: "x".into(),
            staff_id: None,
        }),
    );
    st.push(&till, &[d], Utc::now()).await.unwrap();
    let hour = |sql: back_office_server::storage::SqlStorage| async move {
        sql.db()
            .read(|tx| {
                Box::pin(async move {
                    tx.scalar::<Option<i64>>("SELECT local_hour FROM documents", p![])
                        .await
                })
            })
            .await
            .unwrap()
    };
    // 06:15 UTC in July is 07:15 in Las Palmas.
    assert_eq!(hour(sql.clone()).await, Some(7));
    // As if stored by a server before migration 0014.
    sql.db()
        .write(|tx| {
            Box::pin(async move {
                tx.execute("UPDATE documents SET local_hour = NULL", p![])
                    .await
            })
        })
        .await
        .unwrap();
    assert_eq!(hour(sql.clone()).await, None);
    let reopened = back_office_server::storage::open_sql(&url).await.unwrap();
    assert_eq!(hour(reopened).await, Some(7));
}
