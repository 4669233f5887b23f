//! HQ delivery notes (albaranes) end to end over HTTP, on SQLite and (with
//! `TRASTIENDA_TEST_POSTGRES_URL`) PostgreSQL: the admin API (create, list, get; every bad input a
//! clear 4xx with nothing stored), the change log scoped to the note's store, a till's receipt
//! marking the note received (with differences and an alert, or an alert for a note that is not its
//! store's), and the Albaranes dashboard page with its roles, CSRF and line-by-line form errors.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{NewFranchisee, NewProduct, NewStore, NewTaxRate, TillAuth};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::{
    CatalogChange, DeliveryNoteStatus, Document, DocumentBody, DocumentId, GENESIS_HASH, Money,
    ProductId, PushStatus, Quantity, StaffId, StockLine, StockMovement, StockMovementKind, StoreId,
    TaxRate,
};

#[macro_use]
mod common;
use common::*;

struct World {
    store_a: StoreId,
    store_b: StoreId,
    oil: ProductId,
    water: ProductId,
    salt: ProductId,
    till_a: TillAuth,
    till_b: TillAuth,
    token: String,
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
    let rate = st
        .create_tax_rate(&NewTaxRate {
            name: "IVA general".into(),
            rate: TaxRate::percent(21),
        })
        .await
        .unwrap();
    let mut products = vec![];
    for (sku, name, code) in [
        ("ACE-1L", "Aceite de oliva 1 L", "8412345678905"),
        ("AGU-15", "Agua mineral 1,5 L", "5901234123457"),
        ("SAL-1K", "Sal fina 1 kg", "4006381333931"),
    ] {
        products.push(
            st.create_product(&NewProduct {
                sku: sku.into(),
                name: name.into(),
                tax_rate_id: rate.id,
                price: Money::from_cents(345),
                barcodes: vec![code.into()],
            })
            .await
            .unwrap()
            .id,
        );
    }
    let token = auth::new_token();
    st.create_admin("test admin", &auth::hash_token(&token))
        .await
        .unwrap();
    for (user, role, of) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analista", DashboardRole::Analyst, vec![]),
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
        store_a: stores[0],
        store_b: stores[1],
        oil: products[0],
        water: products[1],
        salt: products[2],
        till_a: enrolled(s, stores[0], "Caja Norte").await,
        till_b: enrolled(s, stores[1], "Caja Sur").await,
        token,
    }
}

async fn api(
    s: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/admin{path}", s.base);
    let mut rq = match method {
        "POST" => http.post(url),
        _ => http.get(url),
    };
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    if let Some(b) = body {
        rq = rq
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let res = rq.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn list_numbers(s: &Server, token: &str, q: String) -> Vec<String> {
    let (st, v) = api(s, "GET", &format!("/delivery-notes{q}"), Some(token), None).await;
    assert_eq!(st, StatusCode::OK, "{q}: {v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap().to_string())
        .collect()
}

async fn post_form(s: &Server, b: &mut Browser<'_>, path: &str, f: Vec<(String, String)>) -> Page {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let rq = b
        .http
        .post(format!("{}{path}", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&pairs));
    b.send(rq).await
}

async fn note_count(s: &Server) -> usize {
    s.storage
        .deliveries()
        .list_delivery_notes(&Default::default())
        .await
        .unwrap()
        .len()
}

/// The `DeliveryNote` changes a till of `store` pulls.
async fn pulled(s: &Server, store: StoreId) -> Vec<sync_protocol::DeliveryNoteRecord> {
    s.storage
        .changes_after(store, 0, 5_000)
        .await
        .unwrap()
        .changes
        .into_iter()
        .filter_map(|c| match c.change {
            CatalogChange::DeliveryNote(n) => Some(n),
            _ => None,
        })
        .collect()
}

fn receipt(
    till: &TillAuth,
    seq: u64,
    prev: &str,
    note: &str,
    lines: &[(ProductId, i64)],
) -> Document {
    Document::seal(
        DocumentId::new(),
        till.till_id,
        till.store_id,
        seq,
        Utc::now(),
        prev,
        DocumentBody::StockMovement(StockMovement {
            kind: StockMovementKind::Receipt,
            reason: None,
            reference: Some(note.into()),
            lines: lines
                .iter()
                .map(|(p, units)| StockLine {
                    product_id: *p,
                    quantity: Quantity::units(*units),
                })
                .collect(),
            staff_id: Some(StaffId(1)),
            delivery_note: Some(note.into()),
        }),
    )
}

async fn create_note(s: &Server, w: &World, store: StoreId, lines: Value) -> Value {
    let body = json!({"store_id": store.0, "supplier": "Almacén central", "expected_date": "2026-12-01", "lines": lines});
    let (status, v) = api(
        s,
        "POST",
        "/delivery-notes",
        Some(&w.token),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

// --- scenarios ----------------------------------------------------------------------------------

async fn api_create_list_get_and_bad_input(s: &Server) {
    let w = world(s).await;
    // By SKU, by id (a whole number), by barcode; the water twice is one line of 7.5.
    let note = create_note(
        s,
        &w,
        w.store_a,
        json!([
            {"code": "ACE-1L", "quantity": "12"},
            {"product_id": w.water.0, "quantity": 6},
            {"code": "5901234123457", "quantity": "1,5"},
        ]),
    )
    .await;
    let number = note["number"].as_str().unwrap().to_string();
    let year = chrono::Datelike::year(&Utc::now().with_timezone(&chrono_tz::Europe::Madrid));
    assert_eq!(
        number,
        format!("ALB-{year}-{:06}", note["id"].as_i64().unwrap())
    );
    assert_eq!(note["status"], "pending");
    assert_eq!(note["store_id"], w.store_a.0);
    assert_eq!(note["expected_date"], "2026-12-01");
    assert!(
        note["created_by"]
            .as_str()
            .unwrap()
            .starts_with("API admin #")
    );
    assert_eq!(note["lines"].as_array().unwrap().len(), 2, "{note}");
    assert_eq!(note["lines"][0]["sku"], "ACE-1L");
    assert_eq!(note["lines"][0]["expected"], "12.000");
    assert_eq!(note["lines"][1]["expected"], "7.500");
    assert_eq!(note["lines"][1]["received"], Value::Null);

    let id = note["id"].as_i64().unwrap();
    let (st, got) = api(
        s,
        "GET",
        &format!("/delivery-notes/{id}"),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(got, note);
    let other = create_note(
        s,
        &w,
        w.store_b,
        json!([{"code": "SAL-1K", "quantity": "3"}]),
    )
    .await;

    let b_number = other["number"].as_str().unwrap().to_string();
    let list = |q: String| list_numbers(s, &w.token, q);
    assert_eq!(
        list(String::new()).await,
        vec![b_number.clone(), number.clone()],
        "newest first"
    );
    assert_eq!(
        list(format!("?store_id={}", w.store_a)).await,
        vec![number.clone()]
    );
    assert_eq!(list("?status=pending".into()).await.len(), 2);
    assert!(list("?status=received".into()).await.is_empty());

    // Each store's tills pull only their own note.
    let a = pulled(s, w.store_a).await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].number, number);
    assert_eq!(a[0].status, DeliveryNoteStatus::Pending);
    assert_eq!(a[0].lines[1].quantity, Quantity::from_milli(7_500));
    let b = pulled(s, w.store_b).await;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].number, b_number);

    // Bad input: a clear 4xx, and nothing stored.
    let (st, v) = api(
        s,
        "GET",
        "/delivery-notes?status=lost",
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("lost"), "{v}");
    let (st, _) = api(s, "GET", "/delivery-notes/999999", Some(&w.token), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = api(s, "GET", "/delivery-notes/abc", Some(&w.token), None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let good_line = json!([{"code": "ACE-1L", "quantity": "1"}]);
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"store_id": 999_999, "supplier": "X", "expected_date": "2026-12-01", "lines": good_line}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "store 999999 does not exist",
        ),
        (
            json!({"store_id": w.store_a.0, "supplier": "  ", "expected_date": "2026-12-01", "lines": good_line}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "supplier must not be empty",
        ),
        (
            json!({"store_id": w.store_a.0, "supplier": "X", "expected_date": "2026-13-01", "lines": good_line}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "expected_date",
        ),
        (
            json!({"store_id": w.store_a.0, "supplier": "X", "expected_date": "2026-12-01", "lines": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at least one line",
        ),
        (
            json!({"store_id": w.store_a.0, "supplier": "X", "expected_date": "2026-12-01", "lines": [{"code": "ACE-1L", "quantity": 1.5}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "line 1: quantity 1.5",
        ),
        (
            json!({"store_id": w.store_a.0, "supplier": "X", "expected_date": "2026-12-01", "lines": [{"quantity": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "line 1: needs a product_id or a code",
        ),
        (
            json!({"store_id": w.store_a.0, "supplier": "X", "expected_date": "2026-12-01", "lines": [{"code": "ACE-1L", "quantity": "2"}, {"code": "NOPE", "quantity": "0"}, {"product_id": 999_999, "quantity": "1.2345"}, {"code": "SAL-1K", "quantity": "-1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "line 2: no product has the SKU or barcode \"NOPE\"; line 2: quantity 0 must be greater than zero; line 3: product 999999 does not exist; line 3: quantity \"1.2345\"",
        ),
        (
            json!({"store_id": w.store_a.0, "supplier": "X", "expected_date": "2026-12-01", "lines": good_line, "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
        (
            json!({"store_id": w.store_a.0, "expected_date": "2026-12-01", "lines": good_line}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "supplier",
        ),
    ];
    for (body, status, needle) in cases {
        let (st, v) = api(
            s,
            "POST",
            "/delivery-notes",
            Some(&w.token),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(st, status, "{body}: {v}");
        let m = v["message"].as_str().unwrap_or_default();
        assert!(m.contains(needle), "{body}: {m}");
        assert!(v["error"].is_string());
    }
    let (st, v) = api(
        s,
        "POST",
        "/delivery-notes",
        Some(&w.token),
        Some("{not json"),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let (st, _) = api(
        s,
        "POST",
        "/delivery-notes",
        None,
        Some(&good_line.to_string()),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = api(s, "GET", "/delivery-notes", Some("not-a-token"), None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(note_count(s).await, 2, "nothing stored by a bad request");
    assert_eq!(
        pulled(s, w.store_a).await.len(),
        1,
        "no change written either"
    );

    // The OpenAPI document describes the routes.
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", s.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/admin/delivery-notes"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/admin/delivery-notes/{id}"]["get"].is_object());
    assert!(doc["components"]["schemas"]["DeliveryNote"].is_object());
}

async fn a_receipt_marks_the_note_received_and_alerts_differences(s: &Server) {
    let w = world(s).await;
    let lines = json!([{"code": "ACE-1L", "quantity": "12"}, {"code": "AGU-15", "quantity": "6"}]);
    let short = create_note(s, &w, w.store_a, lines.clone()).await;
    let exact = create_note(s, &w, w.store_a, lines.clone()).await;
    let foreign = create_note(s, &w, w.store_a, lines).await;
    let num = |v: &Value| v["number"].as_str().unwrap().to_string();
    let alerts = || async { s.storage.list_alerts().await.unwrap() };
    let before = alerts().await.len();

    // One oil short and two salts that were not on the note.
    let d1 = receipt(
        &w.till_a,
        1,
        GENESIS_HASH,
        &num(&short),
        &[(w.oil, 11), (w.water, 6), (w.salt, 2)],
    );
    let d2 = receipt(
        &w.till_a,
        2,
        &d1.hash,
        &num(&exact),
        &[(w.water, 6), (w.oil, 12)],
    );
    let r = s
        .storage
        .push(&w.till_a, &[d1.clone(), d2.clone()], Utc::now())
        .await
        .unwrap();
    assert!(r.results.iter().all(|x| x.status == PushStatus::Stored));
    let n = s
        .storage
        .deliveries()
        .get_delivery_note(short["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(n.status, DeliveryNoteStatus::ReceivedWithDifferences);
    assert_eq!(
        n.received_document_id.as_deref(),
        Some(d1.id.to_string().as_str())
    );
    assert_eq!(n.received_till_id, Some(w.till_a.till_id));
    assert!(n.received_at.is_some());
    let got: Vec<(ProductId, Quantity, Option<Quantity>)> = n
        .lines
        .iter()
        .map(|l| (l.product_id, l.expected, l.received))
        .collect();
    assert_eq!(
        got,
        vec![
            (w.oil, Quantity::units(12), Some(Quantity::units(11))),
            (w.water, Quantity::units(6), Some(Quantity::units(6))),
            (w.salt, Quantity::ZERO, Some(Quantity::units(2))),
        ]
    );
    let e = s
        .storage
        .deliveries()
        .get_delivery_note(exact["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(e.status, DeliveryNoteStatus::Received);
    let new: Vec<_> = alerts().await.into_iter().skip(before).collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].kind, "delivery_difference");
    assert_eq!(new[0].till_id, Some(w.till_a.till_id));
    assert!(new[0].message.contains(&num(&short)), "{}", new[0].message);
    assert!(
        new[0]
            .message
            .contains("ACE-1L: expected 12.000, received 11.000")
    );
    assert!(new[0].message.contains("not on the note, received 2.000"));
    // The store's tills pull the new status (other tills drop it from their pending list).
    let pulled_a = pulled(s, w.store_a).await;
    let last_short = pulled_a
        .iter()
        .rev()
        .find(|x| x.number == num(&short))
        .unwrap();
    assert_eq!(
        last_short.status,
        DeliveryNoteStatus::ReceivedWithDifferences
    );
    assert_eq!(
        last_short.lines.len(),
        2,
        "the tills get the expected lines only"
    );
    assert!(pulled(s, w.store_b).await.is_empty());
    // Sent again (a lost answer): a duplicate, nothing applied twice.
    let r = s
        .storage
        .push(&w.till_a, std::slice::from_ref(&d1), Utc::now())
        .await
        .unwrap();
    assert_eq!(r.results[0].status, PushStatus::Duplicate);
    assert_eq!(alerts().await.len(), before + 1);

    // A till of another store names store A's note; then a note HQ never made. Both stored, alerted.
    let b1 = receipt(&w.till_b, 1, GENESIS_HASH, &num(&foreign), &[(w.oil, 12)]);
    let b2 = receipt(&w.till_b, 2, &b1.hash, "ALB-1999-999999", &[(w.oil, 1)]);
    let r = s
        .storage
        .push(&w.till_b, &[b1, b2], Utc::now())
        .await
        .unwrap();
    assert!(
        r.results.iter().all(|x| x.status == PushStatus::Stored),
        "{r:?}"
    );
    assert_eq!(r.contiguous_seq, 2);
    let f = s
        .storage
        .deliveries()
        .get_delivery_note(foreign["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(
        f.status,
        DeliveryNoteStatus::Pending,
        "another store's receipt changes nothing"
    );
    assert!(f.lines.iter().all(|l| l.received.is_none()));
    let new: Vec<_> = alerts().await.into_iter().skip(before + 1).collect();
    assert_eq!(new.len(), 2, "{new:?}");
    assert!(
        new.iter()
            .all(|a| a.kind == "delivery_unknown" && a.till_id == Some(w.till_b.till_id))
    );
    assert!(
        new[0].message.contains("belongs to store"),
        "{}",
        new[0].message
    );
    assert!(
        new[1].message.contains("ALB-1999-999999"),
        "{}",
        new[1].message
    );

    // A second receipt of a note already received: stored, alerted, the first receipt kept.
    let d3 = receipt(&w.till_a, 3, &d2.hash, &num(&exact), &[(w.oil, 1)]);
    s.storage.push(&w.till_a, &[d3], Utc::now()).await.unwrap();
    let e2 = s
        .storage
        .deliveries()
        .get_delivery_note(exact["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(e2, e);
    let last = alerts().await.pop().unwrap();
    assert!(
        last.message.contains("already received"),
        "{}",
        last.message
    );

    // The dashboard's detail page shows expected against received, and the overview the alert.
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let p = hq.get(&format!("/dashboard/deliveries/{}", n.id)).await;
    p.assert(StatusCode::OK, "recibido con diferencias");
    assert!(p.body.contains("class=\"missing\""), "{}", p.body);
    assert!(p.body.contains("falta"));
    assert!(p.body.contains("fuera de albarán"));
    assert!(p.body.contains("−1"), "{}", p.body);
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Albarán con diferencias");
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    norte
        .get("/dashboard")
        .await
        .assert(StatusCode::OK, "Albarán con diferencias");
}

async fn dashboard_page_roles_csrf_and_bad_lines(s: &Server) {
    let w = world(s).await;
    let path = "/dashboard/deliveries";
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let p = hq.get(path).await;
    p.assert(StatusCode::OK, "id=\"note-lines\"");
    assert!(
        p.body.contains("href=\"/dashboard/deliveries\""),
        "nav link"
    );
    let store_a = w.store_a.0.to_string();
    let form = |csrf: &str, lines: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), csrf.into()),
            ("store_id".into(), store_a.clone()),
            ("supplier".into(), "Almacén central".into()),
            ("expected_date".into(), "2026-12-02".into()),
            ("lines".into(), lines.into()),
        ]
    };
    // No CSRF token: refused, nothing saved.
    let r = post_form(s, &mut hq, path, form("", "ACE-1L ; 12")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(note_count(s).await, 0);
    // Bad lines: every wrong one named by its line number, the form kept, nothing saved.
    let typed = "ACE-1L ; 12\nNOPE ; 3\nAGU-15 ; cero\n\nsin separador\n8412345678905 ; 0";
    let r = post_form(s, &mut hq, path, form(&csrf, typed)).await;
    r.assert(StatusCode::UNPROCESSABLE_ENTITY, "No se ha guardado nada");
    for needle in [
        "Línea 2: ningún producto tiene el SKU o código «NOPE»",
        "Línea 3: la cantidad «cero» no es un número válido",
        "Línea 5: «sin separador» no tiene la forma",
        "Línea 6: la cantidad 0 debe ser mayor que cero",
        "Almacén central",
    ] {
        assert!(
            r.body.contains(&html_escape(needle)),
            "{needle}: {}",
            r.body
        );
    }
    assert!(!r.body.contains("Línea 1:"), "line 1 is fine");
    let mut bad_store = form(&csrf, "ACE-1L ; 12");
    bad_store[1].1 = "999999".into();
    bad_store[3].1 = "mañana".into();
    let r = post_form(s, &mut hq, path, bad_store).await;
    r.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Elige una tienda que exista.",
    );
    assert!(r.body.contains(&html_escape("La fecha prevista «mañana»")));
    assert_eq!(note_count(s).await, 0);
    assert!(pulled(s, w.store_a).await.is_empty());

    // Good lines: saved, to the detail page, and the store's tills get it.
    let r = post_form(
        s,
        &mut hq,
        path,
        form(&csrf, "ACE-1L ; 12\n5901234123457 ; 2,5"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.location.unwrap();
    assert!(to.starts_with("/dashboard/deliveries/"), "{to}");
    let d = hq.get(&to).await;
    d.assert(StatusCode::OK, "pendiente");
    assert!(d.body.contains("Aceite de oliva 1 L"));
    assert!(d.body.contains("2,500"));
    assert!(d.body.contains("Usuario hq"));
    let a_note = pulled(s, w.store_a).await;
    assert_eq!(a_note.len(), 1);
    let a_path = format!("/dashboard/deliveries/{}", a_note[0].id);
    let b_note = create_note(
        s,
        &w,
        w.store_b,
        json!([{"code": "SAL-1K", "quantity": "1"}]),
    )
    .await;
    let b_path = format!("/dashboard/deliveries/{}", b_note["id"]);
    let list = hq.get(path).await;
    list.assert(StatusCode::OK, &a_note[0].number);
    assert!(list.body.contains(b_note["number"].as_str().unwrap()));
    let filtered = hq
        .get(&format!("{path}?store={}&status=pending", w.store_b))
        .await;
    filtered.assert(StatusCode::OK, b_note["number"].as_str().unwrap());
    assert!(!filtered.body.contains(&a_note[0].number));
    hq.get(&format!("{path}?status=received"))
        .await
        .assert(StatusCode::OK, "No hay albaranes");
    assert_eq!(
        hq.get(&format!("{path}?status=lost")).await.status,
        StatusCode::BAD_REQUEST
    );

    // The analyst reads everything, has no form, and cannot create.
    let (mut an, an_csrf) = Browser::signed_in(s, "analista").await;
    let l = an.get(path).await;
    l.assert(StatusCode::OK, &a_note[0].number);
    assert!(l.body.contains(b_note["number"].as_str().unwrap()));
    assert!(!l.body.contains("note-lines"));
    an.get(&b_path).await.assert(StatusCode::OK, "pendiente");
    let r = post_form(s, &mut an, path, form(&an_csrf, "ACE-1L ; 1")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The manager of Norte sees Norte's note only; Sur's is "not found".
    let (mut no, no_csrf) = Browser::signed_in(s, "norte").await;
    let l = no.get(path).await;
    l.assert(StatusCode::OK, &a_note[0].number);
    assert!(!l.body.contains(b_note["number"].as_str().unwrap()));
    assert!(
        !l.body.contains("Tienda Sur"),
        "Sur is not even in the filter"
    );
    assert!(!l.body.contains("note-lines"));
    no.get(&a_path)
        .await
        .assert(StatusCode::OK, &a_note[0].number);
    assert_eq!(no.get(&b_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        no.get(&format!("{path}?store={}", w.store_b)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        no.get("/dashboard/deliveries/999999").await.status,
        StatusCode::NOT_FOUND
    );
    let r = post_form(s, &mut no, path, form(&no_csrf, "ACE-1L ; 1")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Signed out: to the sign-in page, nothing shown.
    let mut anon = Browser::new(s);
    let r = anon.get(&a_path).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(note_count(s).await, 2);
}

/// Text as the pages write it (maud's escaping).
fn html_escape(s: &str) -> String {
    maud::html! { (s) }.into_string()
}

on_both_backends!(api_create_list_get_and_bad_input);
on_both_backends!(a_receipt_marks_the_note_received_and_alerts_differences);
on_both_backends!(dashboard_page_roles_csrf_and_bad_lines);
