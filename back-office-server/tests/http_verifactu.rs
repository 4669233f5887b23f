//! VERI*FACTU records arriving at HQ beside their documents: stored in the push transaction, listed
//! by `GET /api/v1/verifactu/records`, and checked on arrival: a tampered record, a broken link or
//! a record that does not match its document raises an alert and is kept as it came. Real router
//! over SQLite and PostgreSQL.

use back_office_server::auth;
use back_office_server::storage::{NewFranchisee, NewStore, TillAuth};
use chrono::{NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::verifactu::*;
use sync_protocol::*;
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

struct World {
    till: TillAuth,
    token: String,
    admin: String,
    franchisee: FranchiseeId,
    other_franchisee: FranchiseeId,
}

async fn world(s: &Server) -> World {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Centro S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let other = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Otra S.A.".into(),
            nif: "A58818501".into(),
            address: "Calle Menor 2".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&NewStore::new(f.id, "Gran Vía 12", "Gran Vía 12"))
        .await
        .unwrap();
    let (till, token) = enrolled_with_token(s, store.id, "Caja 1").await;
    let admin = auth::new_token();
    st.create_admin("HQ", &auth::hash_token(&admin))
        .await
        .unwrap();
    World {
        till,
        token,
        admin,
        franchisee: f.id,
        other_franchisee: other.id,
    }
}

fn sistema(w: &World) -> SistemaInformatico {
    SistemaInformatico {
        nombre_razon: "Trastienda (build without a declared producer)".into(),
        nif: "00000000T".into(),
        nombre_sistema_informatico: "Trastienda".into(),
        id_sistema_informatico: "TS".into(),
        version: "0.1.0".into(),
        numero_instalacion: format!(
            "TIENDA-{:04}-CAJA-{:04}",
            w.till.store_id.0, w.till.till_id.0
        ),
        tipo_uso_posible_solo_verifactu: true,
        tipo_uso_posible_multi_ot: true,
        indicador_multiples_ot: false,
    }
}

/// A one-line ticket of `cents` at 21 %, numbered `n`.
fn sale_body(n: u64, cents: i64) -> DocumentBody {
    let line = SaleLine {
        line_id: Uuid::now_v7(),
        product_id: ProductId(1),
        barcode: None,
        name: "Aceite".into(),
        quantity: Quantity::one(),
        unit_price: Money::from_cents(cents),
        tax_rate: TaxRate::IVA_GENERAL,
        discount: Money::ZERO,
        promotion: None,
    };
    let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
    DocumentBody::Sale(Sale {
        ticket_number: format!("T0001-{n:06}"),
        cashier_id: None,
        lines: vec![line],
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::now_v7(),
            tender: Tender::Card,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    })
}

/// The F2 record a till makes for `doc`, chained after `previous`.
fn f2(w: &World, doc: &Document, previous: Option<&RegistroFacturacion>) -> RegistroFacturacion {
    let DocumentBody::Sale(s) = &doc.body else {
        panic!("a sale")
    };
    let at = Timestamp::in_zone(doc.till_time, DEFAULT_TIME_ZONE);
    RegistroFacturacion::Alta(
        RegistroAlta::generate(
            AltaData {
                id_factura: IdFactura::new("B12345674", &s.ticket_number, at.date()).unwrap(),
                nombre_razon_emisor: "Ultramarinos Centro S.L.".into(),
                tipo_factura: TipoFactura::F2,
                tipo_rectificativa: None,
                facturas_rectificadas: vec![],
                facturas_sustituidas: vec![],
                importe_rectificacion: None,
                fecha_operacion: None,
                descripcion_operacion: "Venta al por menor".into(),
                destinatarios: vec![],
                desglose: desglose_iva(&s.totals.taxes, false),
                cuota_total: s.totals.tax,
                importe_total: s.totals.total,
            },
            previous.map(RegistroFacturacion::link),
            sistema(w),
            at,
        )
        .unwrap(),
    )
}

/// `count` sales from `seq` on, chained documents and records (after `prev_doc` / `prev_record`).
fn sales(
    w: &World,
    seq: u64,
    count: u64,
    prev_doc: Option<&Document>,
    prev_record: Option<&RegistroFacturacion>,
) -> Vec<Document> {
    let mut docs: Vec<Document> = Vec::new();
    let mut last_record = prev_record.cloned();
    for i in 0..count {
        let prev_hash = docs
            .last()
            .or(prev_doc)
            .map_or(GENESIS_HASH.to_string(), |d| d.hash.clone());
        let mut d = Document::seal(
            DocumentId::new(),
            w.till.till_id,
            w.till.store_id,
            seq + i,
            Utc::now(),
            &prev_hash,
            sale_body(seq + i, 100 + i as i64),
        );
        let r = f2(w, &d, last_record.as_ref());
        d.verifactu = Some(Box::new(r.clone()));
        last_record = Some(r);
        docs.push(d);
    }
    docs
}

async fn push(s: &Server, w: &World, docs: &[Document]) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sync/push", s.base))
        .bearer_auth(&w.token)
        .json(&json!({ "protocol_version": 1, "till_id": w.till.till_id, "documents": docs }))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn get(s: &Server, token: Option<&str>, path: &str) -> (StatusCode, Value) {
    let mut rq = reqwest::Client::new().get(format!("{}{path}", s.base));
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    let r = rq.send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

fn today() -> NaiveDate {
    Timestamp::in_zone(Utc::now(), DEFAULT_TIME_ZONE).date()
}

async fn records(s: &Server, w: &World, extra: &str) -> Value {
    let (st, v) = get(
        s,
        Some(&w.admin),
        &format!(
            "/api/v1/verifactu/records?franchisee={}&from={}&to={}{extra}",
            w.franchisee.0,
            today().pred_opt().unwrap(),
            today().succ_opt().unwrap()
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

/// Alerts of the VERI*FACTU kinds, as (kind, message).
async fn verifactu_alerts(s: &Server, w: &World) -> Vec<(String, String)> {
    let (st, v) = get(s, Some(&w.admin), "/api/v1/admin/alerts").await;
    assert_eq!(st, StatusCode::OK);
    v.as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"].as_str().unwrap().starts_with("verifactu"))
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_string(),
                a["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn records_arrive_are_checked_and_listed(s: &Server) {
    let w = world(s).await;
    // Three sales with their records, pushed as a till pushes them.
    let first = sales(&w, 1, 3, None, None);
    let (st, v) = push(s, &w, &first).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let page = records(s, &w, "").await;
    let list = page["records"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(verifactu_alerts(s, &w).await.is_empty());
    for (i, (r, d)) in list.iter().zip(&first).enumerate() {
        let sent = d.verifactu.as_deref().unwrap();
        assert_eq!(r["doc_seq"], i as u64 + 1);
        assert_eq!(r["document_id"], d.id.to_string());
        assert_eq!(r["till_id"], w.till.till_id.0);
        assert_eq!(r["franchisee_id"], w.franchisee.0);
        assert_eq!(r["hash_valid"], true);
        assert_eq!(r["huella"], sent.huella());
        assert_eq!(r["importe_total"], format!("1.{:02}", i));
        // Every field of the record, exactly as the till made it.
        let back: RegistroFacturacion = serde_json::from_value(r["record"].clone()).unwrap();
        assert_eq!(&back, sent);
        assert_eq!(r["record"]["tipo_factura"], "F2");
        assert_eq!(r["record"]["id_factura"]["id_emisor_factura"], "B12345674");
        let previous = if i == 0 {
            Value::Null
        } else {
            Value::from(list[i - 1]["huella"].as_str().unwrap())
        };
        assert_eq!(r["previous_huella"], previous);
    }
    assert!(page.get("next_after").is_none());

    // The same push again (the till did not hear the answer): nothing doubles.
    let (st, _) = push(s, &w, &first).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        records(s, &w, "").await["records"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A record altered after its huella was taken: kept, flagged, alerted.
    let mut tampered = sales(
        &w,
        4,
        1,
        first.last(),
        first.last().unwrap().verifactu.as_deref(),
    );
    if let Some(RegistroFacturacion::Alta(a)) = tampered[0].verifactu.as_deref_mut() {
        a.importe_total = Money::from_cents(1);
    }
    let (st, v) = push(s, &w, &tampered).await;
    assert_eq!(
        st,
        StatusCode::OK,
        "a bad record never refuses its document: {v}"
    );
    let alerts = verifactu_alerts(s, &w).await;
    assert!(
        alerts
            .iter()
            .any(|(k, m)| k == "verifactu_bad_hash" && m.contains("T0001-000004")),
        "{alerts:?}"
    );
    let list = records(s, &w, "").await["records"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(list.len(), 4);
    assert_eq!(list[3]["hash_valid"], false);
    assert_eq!(
        list[3]["record"]["importe_total"], "0.01",
        "kept as it came"
    );

    // A record chained to the wrong predecessor (its own huella is right): a chain break.
    let wrong = sales(&w, 5, 1, tampered.last(), first[1].verifactu.as_deref());
    let (st, _) = push(s, &w, &wrong).await;
    assert_eq!(st, StatusCode::OK);
    let alerts = verifactu_alerts(s, &w).await;
    let breaks: Vec<_> = alerts
        .iter()
        .filter(|(k, _)| k == "verifactu_chain_break")
        .collect();
    assert_eq!(breaks.len(), 1, "{alerts:?}");
    assert!(breaks[0].1.contains("T0001-000005"), "{breaks:?}");
    assert!(breaks[0].1.contains("T0001-000002"), "{breaks:?}");

    // Arriving out of order is not a break: 7 (naming 6) first, then 6 (naming 5).
    let later = sales(
        &w,
        6,
        2,
        wrong.last(),
        wrong.last().unwrap().verifactu.as_deref(),
    );
    let (st, _) = push(s, &w, &later[1..]).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = push(s, &w, &later[..1]).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(verifactu_alerts(s, &w).await.len(), alerts.len());
    // But a hole filled with a record the next one does not name is.
    let mut gap = sales(
        &w,
        8,
        2,
        later.last(),
        later.last().unwrap().verifactu.as_deref(),
    );
    let stranger = sales(&w, 8, 1, later.last(), None);
    gap[0].verifactu = stranger[0].verifactu.clone();
    let (st, _) = push(s, &w, &gap[1..]).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = push(s, &w, &gap[..1]).await;
    assert_eq!(st, StatusCode::OK);
    let alerts = verifactu_alerts(s, &w).await;
    let breaks: Vec<_> = alerts
        .iter()
        .filter(|(k, _)| k == "verifactu_chain_break")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(breaks.len(), 3, "{alerts:?}");
    assert!(
        breaks
            .iter()
            .any(|m| m.contains("T0001-000008") && m.contains("new chain")),
        "the stranger starts a chain after 7: {breaks:?}"
    );
    assert!(
        breaks
            .iter()
            .any(|m| m.contains("T0001-000009 (document seq 9) is chained to T0001-000008")),
        "9 does not name the record now before it: {breaks:?}"
    );

    // A record whose number or amount is not its document's.
    let mut odd = sales(
        &w,
        10,
        1,
        gap.last(),
        gap.last().unwrap().verifactu.as_deref(),
    );
    let other = sales(&w, 10, 1, None, gap.last().unwrap().verifactu.as_deref());
    if let DocumentBody::Sale(sl) = &other[0].body {
        let mut body = sl.clone();
        body.ticket_number = "T0001-999999".into();
        odd[0] = Document::seal(
            odd[0].id,
            odd[0].till_id,
            odd[0].store_id,
            10,
            odd[0].till_time,
            &gap.last().unwrap().hash,
            DocumentBody::Sale(body),
        );
        odd[0].verifactu = other[0].verifactu.clone();
    }
    let (st, _) = push(s, &w, &odd).await;
    assert_eq!(st, StatusCode::OK);
    let alerts = verifactu_alerts(s, &w).await;
    assert!(
        alerts
            .iter()
            .any(|(k, m)| k == "verifactu_mismatch" && m.contains("T0001-999999")),
        "{alerts:?}"
    );

    // Every record is there, in arrival order, and pages by `after`.
    let all = records(s, &w, "").await["records"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 10);
    let p1 = records(s, &w, "&limit=4").await;
    assert_eq!(p1["records"].as_array().unwrap().len(), 4);
    let after = p1["next_after"].as_i64().unwrap();
    assert_eq!(after, all[3]["id"].as_i64().unwrap());
    let p2 = records(s, &w, &format!("&after={after}&limit=100")).await;
    assert_eq!(p2["records"].as_array().unwrap().len(), 6);
    assert!(p2.get("next_after").is_none());

    // Another franchisee has none; a period without records is empty.
    let (st, v) = get(
        s,
        Some(&w.admin),
        &format!(
            "/api/v1/verifactu/records?franchisee={}&from={}&to={}",
            w.other_franchisee.0,
            today(),
            today()
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["records"].as_array().unwrap().is_empty());
    let v = get(
        s,
        Some(&w.admin),
        &format!(
            "/api/v1/verifactu/records?franchisee={}&from=2020-01-01&to=2020-12-31",
            w.franchisee.0
        ),
    )
    .await
    .1;
    assert!(v["records"].as_array().unwrap().is_empty());
}

on_both_backends!(records_arrive_are_checked_and_listed);

async fn the_records_api_refuses_bad_requests(s: &Server) {
    let w = world(s).await;
    let path = |q: &str| format!("/api/v1/verifactu/records?{q}");
    let f = w.franchisee.0;
    for (q, status, needle) in [
        (
            format!("franchisee={f}&from=2026-02-01&to=2026-01-01"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "after",
        ),
        (
            format!("franchisee={f}&from=2025-01-01&to=2026-01-02"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "366 days",
        ),
        (
            format!("franchisee={f}&from=2026-01-01&to=2026-01-31&limit=0"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit",
        ),
        (
            format!("franchisee={f}&from=2026-01-01&to=2026-01-31&after=-1"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "after",
        ),
        (
            "franchisee=99999&from=2026-01-01&to=2026-01-31".to_string(),
            StatusCode::NOT_FOUND,
            "99999",
        ),
        (
            format!("franchisee={f}&from=2026-13-01&to=2026-01-31"),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (format!("franchisee={f}"), StatusCode::BAD_REQUEST, ""),
    ] {
        let (st, v) = get(s, Some(&w.admin), &path(&q)).await;
        assert_eq!(st, status, "{q}: {v}");
        assert!(
            v["message"].as_str().unwrap_or("").contains(needle),
            "{q}: {v}"
        );
    }
    // Admins only: no token is unauthorised, a till's token forbidden.
    let ok = path(&format!("franchisee={f}&from=2026-01-01&to=2026-01-31"));
    assert_eq!(get(s, None, &ok).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get(s, Some(&w.token), &ok).await.0, StatusCode::FORBIDDEN);
    assert_eq!(get(s, Some(&w.admin), &ok).await.0, StatusCode::OK);
    // And the OpenAPI document lists the route.
    let (_, doc) = get(s, None, "/api/openapi.json").await;
    assert!(doc["paths"]["/api/v1/verifactu/records"]["get"].is_object());
}

on_both_backends!(the_records_api_refuses_bad_requests);
