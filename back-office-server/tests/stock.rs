//! Inventory at HQ end to end, on SQLite and (with `TRASTIENDA_TEST_POSTGRES_URL`) PostgreSQL:
//! stock kept by the push transaction from sales, refunds, receipts (against a delivery note at a
//! cost, with differences), counts and waste equals the hand calculation; a re-pushed document
//! moves nothing twice; the stock card; costs over the API (bad input refused, nothing stored);
//! the start-up backfill of documents stored before inventory existed.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{
    self, NewFranchisee, NewProduct, NewStaff, NewStore, NewTaxRate, TillAuth,
};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::{
    Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment, ProductId, PushStatus,
    Quantity, Refund, Sale, SaleLine, StaffId, StaffRole, StockLine, StockMovement,
    StockMovementKind, StoreId, TaxRate, Tender, compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

#[path = "support/smtp.rs"]
mod smtp;

pub struct World {
    pub store_a: StoreId,
    pub store_b: StoreId,
    pub oil: ProductId,
    pub cheese: ProductId,
    pub salt: ProductId,
    pub till_a: TillAuth,
    pub till_b: TillAuth,
    pub cashier: StaffId,
    pub token: String,
}

pub async fn world(s: &Server) -> World {
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
            name: "IVA reducido".into(),
            rate: TaxRate::percent(10),
        })
        .await
        .unwrap();
    let mut products = vec![];
    for (sku, name, code, family) in [
        ("ACE-1L", "Aceite de oliva 1 L", "8412345678905", "Aceites"),
        ("QUE-KG", "Queso curado (kg)", "5901234123457", "Quesos"),
        ("SAL-1K", "Sal fina 1 kg", "4006381333931", "Básicos"),
    ] {
        let p = st
            .create_product(&NewProduct {
                sku: sku.into(),
                name: name.into(),
                tax_rate_id: rate.id,
                price: Money::from_cents(500),
                barcodes: vec![code.into()],
            })
            .await
            .unwrap()
            .id;
        st.dashboard()
            .set_product_category(p, family)
            .await
            .unwrap();
        products.push(p);
    }
    let cashier = st
        .create_staff(&NewStaff {
            name: "Marta Cajera".into(),
            role: StaffRole::Cashier,
            store_id: stores[0],
            pin_hash: "x".into(),
        })
        .await
        .unwrap()
        .id;
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
        cheese: products[1],
        salt: products[2],
        till_a: enrolled(s, stores[0], "Caja Norte").await,
        till_b: enrolled(s, stores[1], "Caja Sur").await,
        cashier,
        token,
    }
}

pub async fn api(
    s: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/admin{path}", s.base);
    let mut rq = match method {
        "POST" => http.post(url),
        "PUT" => http.put(url),
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

pub fn line(product: ProductId, milli: i64, cents: i64) -> SaleLine {
    SaleLine {
        line_id: Uuid::now_v7(),
        product_id: product,
        barcode: None,
        name: "x".into(),
        quantity: Quantity::from_milli(milli),
        unit_price: Money::from_cents(cents),
        tax_rate: TaxRate::percent(10),
        discount: Money::ZERO,
        promotion: None,
    }
}

pub fn sale(lines: Vec<SaleLine>, cashier: Option<StaffId>) -> DocumentBody {
    let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::ZERO).unwrap();
    DocumentBody::Sale(Sale {
        ticket_number: format!("T0001-{}", Uuid::now_v7().simple()),
        cashier_id: cashier,
        lines,
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

pub fn refund(lines: Vec<SaleLine>, cashier: Option<StaffId>) -> DocumentBody {
    let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::ZERO).unwrap();
    DocumentBody::Refund(Refund {
        refund_number: "R0001-000001".into(),
        original_sale_id: DocumentId::new(),
        original_ticket_number: "T0001-000001".into(),
        cashier_id: cashier,
        approved_by: None,
        reason: "roto".into(),
        lines,
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::now_v7(),
            tender: Tender::Cash,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    })
}

pub fn stock(
    kind: StockMovementKind,
    lines: &[(ProductId, i64)],
    staff: Option<StaffId>,
    note: Option<&str>,
) -> DocumentBody {
    DocumentBody::StockMovement(StockMovement {
        kind,
        reason: (kind == StockMovementKind::Waste).then(|| "caducado".into()),
        reference: note.map(str::to_string),
        lines: lines
            .iter()
            .map(|(p, milli)| StockLine {
                product_id: *p,
                quantity: Quantity::from_milli(*milli),
            })
            .collect(),
        staff_id: staff,
        delivery_note: note.map(str::to_string),
    })
}

/// A till's documents, sealed in a chain from `prev` (its last hash) and `seq`.
pub struct Ledger {
    pub till: TillAuth,
    pub seq: u64,
    pub prev: String,
}

impl Ledger {
    pub fn new(till: &TillAuth) -> Self {
        Self {
            till: till.clone(),
            seq: 0,
            prev: GENESIS_HASH.to_string(),
        }
    }
    pub fn seal_at(&mut self, at: DateTime<Utc>, body: DocumentBody) -> Document {
        self.seq += 1;
        let d = Document::seal(
            DocumentId::new(),
            self.till.till_id,
            self.till.store_id,
            self.seq,
            at,
            &self.prev,
            body,
        );
        self.prev = d.hash.clone();
        d
    }
    pub fn seal(&mut self, body: DocumentBody) -> Document {
        self.seal_at(Utc::now(), body)
    }
}

pub async fn push(s: &Server, till: &TillAuth, docs: &[Document]) -> Vec<PushStatus> {
    s.storage
        .push(till, docs, Utc::now())
        .await
        .unwrap()
        .results
        .into_iter()
        .map(|r| r.status)
        .collect()
}

fn row(rows: &Value, store: StoreId, product: ProductId) -> &Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["store_id"] == store.0 && r["product_id"] == product.0)
        .unwrap_or_else(|| panic!("no stock row for store {store} product {product}: {rows}"))
}

async fn stock_rows(s: &Server, w: &World) -> Value {
    let (st, v) = api(s, "GET", "/stock", Some(&w.token), None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

/// The day of the issue's quality bar, by hand:
/// oil  — free receipt 4 (no cost: HQ's 2.00 applies), receipt on the note 11 (expected 12) at
///        2.50 → average (4 × 2.00 + 11 × 2.50) / 15 = 2.36667 → 2.3667; sold 2, refunded 1 → 14;
///        counted 12 → variance −2. Value 12 × 2.3667 = 28.40.
/// cheese — 5 kg on the note at 10.00 → average 10.00; sold 1.235 kg; wasted 0.5 kg → 3.265 kg,
///        value 32.65.
/// salt — 2 received off the note, no cost anywhere → value 0, counted as "without cost".
async fn a_day_by_hand(s: &Server) {
    let w = world(s).await;
    // HQ's costs: bad input (unknown product, negative, too many decimals) stores nothing.
    let (st, v) = api(
        s,
        "POST",
        "/product-costs",
        Some(&w.token),
        Some(json!([
            {"code": "ACE-1L", "cost": "2"},
            {"product_id": 999_999, "cost": "1"},
            {"code": "QUE-KG", "cost": "-1"},
            {"code": "NOPE", "cost": "1,12345"},
        ])),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let m = v["message"].as_str().unwrap();
    for needle in [
        "line 2: product 999999 does not exist",
        "line 3: cost -1 must not be negative",
        "line 4: no product has the SKU or barcode",
        "line 4: cost 1,12345 has more than four decimals",
    ] {
        assert!(m.contains(needle), "{needle:?} not in {m}");
    }
    let (_, costs) = api(s, "GET", "/product-costs", Some(&w.token), None).await;
    assert!(
        costs
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["cost"].is_null()),
        "{costs}"
    );
    let (st, v) = api(
        s,
        "POST",
        "/product-costs",
        Some(&w.token),
        Some(json!([{"code": "ACE-1L", "cost": "2"}])),
    )
    .await;
    assert_eq!(
        (st, v["updated"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
    let (st, v) = api(
        s,
        "PUT",
        &format!("/products/{}/cost", w.cheese.0),
        Some(&w.token),
        Some(json!({"cost": "9,5"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["cost"], "9.5000");
    assert_eq!(v["family"], "Quesos");
    let (st, _) = api(
        s,
        "PUT",
        "/products/424242/cost",
        Some(&w.token),
        Some(json!({"cost": "1"})),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A delivery note at a cost (a bad cost refuses the note).
    let body = |cost: &str| {
        json!({"store_id": w.store_a.0, "supplier": "Almacén central", "expected_date": "2026-12-01",
               "lines": [{"code": "ACE-1L", "quantity": "12", "unit_cost": cost},
                         {"code": "QUE-KG", "quantity": "5", "unit_cost": "10"}]})
    };
    let (st, v) = api(
        s,
        "POST",
        "/delivery-notes",
        Some(&w.token),
        Some(body("-2")),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("line 1"), "{v}");
    let (st, note) = api(
        s,
        "POST",
        "/delivery-notes",
        Some(&w.token),
        Some(body("2.5")),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{note}");
    assert_eq!(note["lines"][0]["unit_cost"], "2.5000");
    let number = note["number"].as_str().unwrap().to_string();

    let mut a = Ledger::new(&w.till_a);
    let me = Some(w.cashier);
    let docs = vec![
        a.seal(stock(
            StockMovementKind::Receipt,
            &[(w.oil, 4_000)],
            me,
            None,
        )),
        a.seal(stock(
            StockMovementKind::Receipt,
            &[(w.oil, 11_000), (w.cheese, 5_000), (w.salt, 2_000)],
            me,
            Some(&number),
        )),
        a.seal(sale(
            vec![line(w.oil, 2_000, 500), line(w.cheese, 1_235, 1_800)],
            me,
        )),
        a.seal(refund(vec![line(w.oil, 1_000, 500)], me)),
        a.seal(stock(
            StockMovementKind::Count,
            &[(w.oil, 12_000)],
            me,
            None,
        )),
        a.seal(stock(
            StockMovementKind::Waste,
            &[(w.cheese, -500)],
            me,
            None,
        )),
    ];
    // In two pushes, the second one sent twice (a lost answer): nothing moves twice.
    assert!(
        push(s, &w.till_a, &docs[..3])
            .await
            .iter()
            .all(|r| *r == PushStatus::Stored)
    );
    assert!(
        push(s, &w.till_a, &docs[3..])
            .await
            .iter()
            .all(|r| *r == PushStatus::Stored)
    );
    let before = stock_rows(s, &w).await;
    assert!(
        push(s, &w.till_a, &docs)
            .await
            .iter()
            .all(|r| *r == PushStatus::Duplicate)
    );
    let rows = stock_rows(s, &w).await;
    assert_eq!(rows, before, "a re-pushed document moved stock");

    let oil = row(&rows, w.store_a, w.oil);
    assert_eq!(oil["on_hand"], "12.000");
    assert_eq!(oil["cost"], "2.3667");
    assert_eq!(oil["value"], "28.40");
    assert_eq!(oil["family"], "Aceites");
    assert_eq!(oil["sold"], "1.000", "2 sold, 1 refunded");
    let cheese = row(&rows, w.store_a, w.cheese);
    assert_eq!(cheese["on_hand"], "3.265");
    assert_eq!(cheese["cost"], "10.0000");
    assert_eq!(cheese["value"], "32.65");
    let salt = row(&rows, w.store_a, w.salt);
    assert_eq!(salt["on_hand"], "2.000");
    assert!(salt["cost"].is_null());
    assert_eq!(salt["value"], "0.00");

    // Another store sells what it never received: negative, allowed.
    let mut b = Ledger::new(&w.till_b);
    push(
        s,
        &w.till_b,
        &[b.seal(sale(vec![line(w.oil, 3_000, 500)], None))],
    )
    .await;
    let rows = stock_rows(s, &w).await;
    assert_eq!(row(&rows, w.store_b, w.oil)["on_hand"], "-3.000");
    assert_eq!(
        row(&rows, w.store_b, w.oil)["value"],
        "-6.00",
        "at HQ's cost"
    );
    assert_eq!(row(&rows, w.store_a, w.oil)["on_hand"], "12.000");

    // Filters.
    let (_, v) = api(
        s,
        "GET",
        &format!("/stock?store_id={}&family=Quesos", w.store_a.0),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    let (_, v) = api(s, "GET", "/stock?q=aceite", Some(&w.token), None).await;
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");

    // Valuation: 28.40 + 32.65 (exact sum 61.0504) for the north, −6.00 for the south.
    let (_, v) = api(s, "GET", "/stock-valuation", Some(&w.token), None).await;
    assert_eq!(
        v,
        json!([
            {"store_id": w.store_a.0, "products": 3, "negative": 0, "without_cost": 1, "value": "61.05"},
            {"store_id": w.store_b.0, "products": 1, "negative": 1, "without_cost": 0, "value": "-6.00"},
        ])
    );

    // The oil's stock card: every movement, its document, the balance after it and who did it.
    let (st, card) = api(
        s,
        "GET",
        &format!("/stock/{}/{}", w.store_a.0, w.oil.0),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{card}");
    let moves = card["moves"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = moves
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap(),
                m["delta"].as_str().unwrap(),
                m["balance"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("receipt", "4.000", "4.000"),
            ("receipt", "11.000", "15.000"),
            ("sale", "-2.000", "13.000"),
            ("refund", "1.000", "14.000"),
            ("count", "-2.000", "12.000"),
        ]
    );
    assert_eq!(moves[1]["unit_cost"], "2.5000");
    assert_eq!(moves[1]["reason"], number.as_str());
    assert_eq!(moves[4]["counted"], "12.000");
    assert!(moves.iter().all(|m| m["staff_name"] == "Marta Cajera"));
    assert_eq!(moves[2]["document_id"], docs[2].id.to_string());
    assert_eq!(moves[2]["seq"], 3);
    assert!(moves[2]["number"].as_str().unwrap().starts_with("T0001-"));
    assert_eq!(card["stock"]["on_hand"], "12.000");
    let (st, _) = api(s, "GET", "/stock/999/1", Some(&w.token), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = api(s, "GET", "/stock", None, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // Shrinkage: the oil count (−2, by the cashier), the cheese waste (−0.5).
    let today = back_office_server::storage::sql::business_day(Utc::now());
    let shrink = s
        .storage
        .stock()
        .shrinkage(today - Duration::days(1), today + Duration::days(1))
        .await
        .unwrap();
    let got: Vec<(ProductId, &str, Quantity, Money, Option<StaffId>)> = shrink
        .iter()
        .map(|r| {
            (
                r.product_id,
                r.kind.as_str(),
                r.quantity,
                r.value,
                r.staff_id,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                w.oil,
                "count",
                Quantity::units(-2),
                Money::from_cents(-473),
                me
            ),
            (
                w.cheese,
                "waste",
                Quantity::from_milli(-500),
                Money::from_cents(-500),
                me
            ),
        ]
    );
}

on_both_backends!(a_day_by_hand);

/// Documents stored before migration 0018 are applied once at start-up: wiping the stock and
/// queueing every document again (what the migration does) gives back the same stock and cards.
async fn backfill_on(url: &str) {
    let st = storage::open(url).await.unwrap();
    let s = start(st, None).await;
    let w = world(&s).await;
    let mut a = Ledger::new(&w.till_a);
    let docs = vec![
        a.seal(stock(
            StockMovementKind::Receipt,
            &[(w.oil, 10_000), (w.cheese, 2_500)],
            None,
            None,
        )),
        a.seal(sale(vec![line(w.oil, 3_000, 500)], Some(w.cashier))),
        a.seal(stock(
            StockMovementKind::Count,
            &[(w.oil, 6_000)],
            None,
            None,
        )),
        a.seal(refund(vec![line(w.cheese, 500, 900)], None)),
    ];
    push(&s, &w.till_a, &docs).await;
    let before = stock_rows(&s, &w).await;
    let path = format!("/stock/{}/{}", w.store_a.0, w.oil.0);
    let card_before = api(&s, "GET", &path, Some(&w.token), None).await.1;
    let raw = storage::open_sql(url).await.unwrap();
    raw.db()
        .write(|tx| {
            Box::pin(async move {
                tx.execute("DELETE FROM stock_moves", &[]).await?;
                tx.execute("DELETE FROM stock_levels", &[]).await?;
                tx.execute(
                    "INSERT INTO stock_backfill (document_id)
                     SELECT id FROM documents WHERE kind IN ('sale', 'refund', 'stock_movement')",
                    &[],
                )
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    assert_eq!(stock_rows(&s, &w).await, json!([]));
    // Start-up: the backfill runs, and a second start finds nothing left to do.
    storage::open(url).await.unwrap();
    storage::open(url).await.unwrap();
    assert_eq!(stock_rows(&s, &w).await, before);
    let mut after = api(&s, "GET", &path, Some(&w.token), None).await.1;
    let mut card_before = card_before;
    // Move ids are new; everything else is the same.
    for c in [&mut after, &mut card_before] {
        for m in c["moves"].as_array_mut().unwrap() {
            m["id"] = json!(0);
        }
    }
    assert_eq!(after, card_before);
    assert_eq!(
        row(&before, w.store_a, w.oil)["on_hand"],
        "6.000",
        "{before}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    backfill_on(&format!("sqlite://{}", dir.path().join("hq.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_postgres() {
    let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!("skipped: TRASTIENDA_TEST_POSTGRES_URL not set");
        return;
    };
    let url = storage::postgres::create_scratch_database(&base)
        .await
        .unwrap();
    backfill_on(&url).await;
    let _ = storage::postgres::drop_scratch_database(&base, &url).await;
}

/// The Existencias pages as HQ, an analyst and a store manager see them.
async fn existencias_pages(s: &Server) {
    let w = world(s).await;
    let (st, _) = api(
        s,
        "POST",
        "/product-costs",
        Some(&w.token),
        Some(json!([{"code": "ACE-1L", "cost": "2"}, {"code": "QUE-KG", "cost": "10"}])),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let me = Some(w.cashier);
    let mut a = Ledger::new(&w.till_a);
    push(
        s,
        &w.till_a,
        &[
            a.seal(stock(
                StockMovementKind::Receipt,
                &[(w.oil, 10_000), (w.cheese, 4_000), (w.salt, 5_000)],
                me,
                None,
            )),
            a.seal(sale(
                vec![line(w.oil, 3_000, 500), line(w.cheese, 1_500, 1_800)],
                me,
            )),
            a.seal(stock(
                StockMovementKind::Count,
                &[(w.cheese, 2_000)],
                me,
                None,
            )),
        ],
    )
    .await;
    let mut b = Ledger::new(&w.till_b);
    push(
        s,
        &w.till_b,
        &[b.seal(sale(vec![line(w.oil, 2_000, 500)], None))],
    )
    .await;

    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let p = hq.get("/dashboard/stock").await;
    p.assert(StatusCode::OK, "Existencias");
    // 4 rows: three products in the north, the oil in the south (negative).
    assert_eq!(p.body.matches("data-product=").count(), 4, "{}", p.body);
    assert!(p.body.contains(&format!(
        "class=\"negative\" data-store=\"{}\" data-product=\"{}\"",
        w.store_b, w.oil
    )));
    // Salt on hand and never sold: dead stock; the oil sold today is not.
    assert!(p.body.contains(&format!(
        "class=\"dead\" data-store=\"{}\" data-product=\"{}\"",
        w.store_a, w.salt
    )));
    assert!(!p.body.contains(&format!(
        "class=\"dead\" data-store=\"{}\" data-product=\"{}\"",
        w.store_a, w.oil
    )));
    // Value: 7 × 2 + 2 × 10 + 0 (salt has no cost) − 2 × 2 = 30.
    assert!(p.body.contains("id=\"kpi-value\">30,00 €"), "{}", p.body);
    assert!(p.body.contains(&format!(
        "href=\"/dashboard/stock/{}/{}\"",
        w.store_a, w.oil
    )));
    // Days of cover of the oil: 7 on hand / (3 sold / 28 days) = 65.3.
    assert!(p.body.contains(">65,3<"), "{}", p.body);
    let p = hq.get("/dashboard/stock?q=queso&family=Quesos").await;
    assert_eq!(p.body.matches("data-product=").count(), 1);
    let p = hq.get("/dashboard/stock?show=negative").await;
    assert_eq!(p.body.matches("data-product=").count(), 1);
    hq.get("/dashboard/stock?dead=0")
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "3650");
    hq.get("/dashboard/stock?show=todo")
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "todo");
    let csv = hq.get("/dashboard/stock.csv?show=dead").await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "store_id,store,sku,name,family,on_hand,cost,value,sold_28d,days_of_cover,last_sale,negative,dead"
    );
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(
        lines[1].contains("SAL-1K") && lines[1].ends_with(",false,true"),
        "{}",
        lines[1]
    );

    // The stock card, with the count's variance and who counted.
    let p = hq
        .get(&format!("/dashboard/stock/{}/{}", w.store_a, w.cheese))
        .await;
    p.assert(StatusCode::OK, "Marta Cajera");
    assert_eq!(p.body.matches("data-kind=").count(), 3);
    assert!(p.body.contains("data-kind=\"count\""));
    assert!(p.body.contains("id=\"card-on-hand\">2<"), "{}", p.body);

    // A manager sees only their store, and nothing of the other one.
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    let p = norte.get("/dashboard/stock").await;
    assert_eq!(p.body.matches("data-product=").count(), 3, "{}", p.body);
    assert!(!p.body.contains("Tienda Sur"));
    assert_eq!(
        norte
            .get(&format!("/dashboard/stock?store={}", w.store_b))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        norte
            .get(&format!("/dashboard/stock/{}/{}", w.store_b, w.oil))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let csv = norte.get("/dashboard/stock.csv").await;
    assert_eq!(csv.body.lines().count(), 4, "{}", csv.body);
    let p = norte.get("/dashboard/stock/reports").await;
    p.assert(StatusCode::OK, "Tienda Norte");
    assert!(!p.body.contains("Tienda Sur"));

    // Reports: valuation per store, shrinkage (the cheese count: 2 counted of 2.5 → −0.5 at 10),
    // by person, rotation.
    let p = hq.get("/dashboard/stock/reports").await;
    p.assert(StatusCode::OK, "id=\"valuation\"");
    assert!(p.body.contains(">−5,00 €<"), "{}", p.body);
    assert!(p.body.contains("id=\"shrinkage-people\""));
    assert!(p.body.contains("id=\"rotation-fast\""));
    hq.get("/dashboard/stock/reports?from=2026-12-10&to=2026-12-01")
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "");

    // Costs: a bad file saves nothing and says which lines; a good one saves; others may not.
    let p = hq.get("/dashboard/stock/costs").await;
    let csrf = p.csrf();
    let p = hq
        .post(
            "/dashboard/stock/costs",
            &[
                ("csrf", &csrf),
                ("csv", "sku;cost\nSAL-1K;0,40\nNADA;1\nACE-1L;-2\n"),
            ],
        )
        .await;
    p.assert(StatusCode::OK, "id=\"errors\"");
    assert!(
        p.body.contains("Línea 3") && p.body.contains("Línea 4"),
        "{}",
        p.body
    );
    let costs = s.storage.stock().product_stock().await.unwrap();
    assert!(
        costs
            .iter()
            .find(|c| c.product_id == w.salt)
            .unwrap()
            .cost
            .is_none()
    );
    let p = hq
        .post(
            "/dashboard/stock/costs",
            &[
                ("csrf", &csrf),
                ("csv", "sku;name;cost\nSAL-1K;Sal;0,40\nACE-1L;Aceite;\n"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let costs = s.storage.stock().product_stock().await.unwrap();
    let cost_of = |p: ProductId| costs.iter().find(|c| c.product_id == p).unwrap().cost;
    assert_eq!(cost_of(w.salt), Some("0.4".parse().unwrap()));
    assert_eq!(
        cost_of(w.oil),
        Some("2".parse().unwrap()),
        "an empty cost changes nothing"
    );
    let csv = hq.get("/dashboard/stock/costs.csv").await;
    assert!(
        csv.body.contains("SAL-1K,Sal fina 1 kg,Básicos,0.4000"),
        "{}",
        csv.body
    );
    let (mut analyst, csrf) = Browser::signed_in(s, "analista").await;
    let p = analyst
        .post(
            "/dashboard/stock/costs",
            &[("csrf", &csrf), ("csv", "sku;cost\nSAL-1K;9\n")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(
        !analyst
            .get("/dashboard/stock/costs")
            .await
            .body
            .contains("name=\"csv\"")
    );
}

on_both_backends!(existencias_pages);

/// Replenishment end to end: suppliers, family and store rules (bad input refused, nothing
/// stored), the suggested order from a known daily pattern, stock and on order, turned into a
/// delivery note that reaches only its store; the daily job's alerts written once per day.
async fn replenishment_end_to_end(s: &Server) {
    let w = world(s).await;
    let (st, _) = api(
        s,
        "POST",
        "/product-costs",
        Some(&w.token),
        Some(json!([{"code": "ACE-1L", "cost": "2"}, {"code": "QUE-KG", "cost": "10"}])),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let other = s
        .storage
        .create_franchisee(&NewFranchisee {
            legal_name: "Otra Franquicia, S.L.".into(),
            nif: "B96873427".into(),
            address: "Lejos".into(),
        })
        .await;
    let other = other.unwrap();
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let p = hq.get("/dashboard/replenishment/settings").await;
    let csrf = p.csrf();
    // A bad supplier: every problem said, nothing stored.
    let p = hq
        .post(
            "/dashboard/replenishment/suppliers",
            &[
                ("csrf", &csrf),
                ("name", " "),
                ("lead_time_days", "-1"),
                ("order_days", "9"),
                ("min_order", "mucho"),
            ],
        )
        .await;
    p.assert(StatusCode::OK, "id=\"errors\"");
    for needle in ["1 a 200", "-1", "«9»", "«mucho»"] {
        assert!(p.body.contains(needle), "{needle}: {}", p.body);
    }
    assert!(
        s.storage
            .replenish()
            .list_suppliers()
            .await
            .unwrap()
            .is_empty()
    );
    for (name, central, fr) in [
        ("Almacén central", "true", String::new()),
        ("Quesos de otro", "false", other.id.to_string()),
    ] {
        let p = hq
            .post(
                "/dashboard/replenishment/suppliers",
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("central", central),
                    ("franchisee", &fr),
                    ("lead_time_days", "2"),
                    ("order_days", "1,2,3,4,5,6,7"),
                    ("min_order", "0"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
    let suppliers = s.storage.replenish().list_suppliers().await.unwrap();
    let (central, foreign) = (suppliers[0].id, suppliers[1].id);
    // Family rule: bad pack and negative par refused; then the oil family, packs of 6.
    let p = hq
        .post(
            "/dashboard/replenishment/families",
            &[
                ("csrf", &csrf),
                ("family", "Aceites"),
                ("supplier", &central.to_string()),
                ("pack", "0"),
                ("par_level", "-3"),
            ],
        )
        .await;
    p.assert(StatusCode::OK, "id=\"errors\"");
    assert!(
        s.storage
            .replenish()
            .list_family_rules()
            .await
            .unwrap()
            .is_empty()
    );
    let p = hq
        .post(
            "/dashboard/replenishment/families",
            &[
                ("csrf", &csrf),
                ("family", "Aceites"),
                ("supplier", &central.to_string()),
                ("pack", "6"),
                ("safety_days", "1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // Store rules: a file with bad lines saves nothing (unknown product, negative par, pack 0,
    // a supplier of another franchise).
    let bad = format!(
        "store_id;sku;supplier;reorder_point;par_level;pack;safety_days\n\
         {a};NADA;;;;;\n{a};QUE-KG;;;-1;;\n{a};QUE-KG;;;;0;\n{a};QUE-KG;Quesos de otro;;;;\n",
        a = w.store_a
    );
    let p = hq
        .post(
            "/dashboard/replenishment/rules",
            &[("csrf", &csrf), ("csv", &bad)],
        )
        .await;
    p.assert(StatusCode::OK, "id=\"errors\"");
    assert!(
        p.body.contains("Línea 2") && p.body.contains("Línea 3") && p.body.contains("Línea 4"),
        "{}",
        p.body
    );
    let p = hq
        .post(
            "/dashboard/replenishment/rules",
            &[
                ("csrf", &csrf),
                (
                    "csv",
                    &format!("store_id;sku;supplier\n{};QUE-KG;{foreign}\n", w.store_a),
                ),
            ],
        )
        .await;
    p.assert(StatusCode::OK, "otro franquiciado");
    assert!(
        s.storage
            .replenish()
            .list_store_rules(None)
            .await
            .unwrap()
            .is_empty()
    );
    let good = format!(
        "store_id;sku;supplier;reorder_point;par_level;pack;safety_days\n{};QUE-KG;Almacén central;;;0,5;2\n",
        w.store_a
    );
    let p = hq
        .post(
            "/dashboard/replenishment/rules",
            &[("csrf", &csrf), ("csv", &good)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let csv = hq.get("/dashboard/replenishment/rules.csv").await;
    assert_eq!(
        csv.body,
        format!(
            "store_id,sku,supplier,reorder_point,par_level,pack,safety_days\n{},QUE-KG,Almacén central,,,0.500,2\n",
            w.store_a
        )
    );

    // Four weeks of history: 2 oil and 0.5 kg of cheese every day, at noon of each past day.
    let mut a = Ledger::new(&w.till_a);
    let now = Utc::now();
    let mut docs = vec![a.seal_at(
        now - Duration::days(40),
        stock(
            StockMovementKind::Receipt,
            &[(w.oil, 60_000), (w.cheese, 15_000)],
            None,
            None,
        ),
    )];
    for back in (1..=28).rev() {
        docs.push(a.seal_at(
            now - Duration::days(back),
            sale(
                vec![line(w.oil, 2_000, 500), line(w.cheese, 500, 1_800)],
                None,
            ),
        ));
    }
    push(s, &w.till_a, &docs).await;
    // A pending note brings 1 kg of cheese: on order.
    let (st, _) = api(
        s,
        "POST",
        "/delivery-notes",
        Some(&w.token),
        Some(json!({"store_id": w.store_a.0, "supplier": "Almacén central", "expected_date": "2026-12-31",
                    "lines": [{"code": "QUE-KG", "quantity": "1"}]})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    // The south sells oil it never had: negative.
    let mut b = Ledger::new(&w.till_b);
    push(
        s,
        &w.till_b,
        &[b.seal(sale(vec![line(w.oil, 1_000, 500)], None))],
    )
    .await;

    // Oil: 60 − 56 = 4 on hand; horizon 2 (lead) + 1 (next order tomorrow) + 1 (safety) = 4 days
    // × 2 = 8 → 4 to order → one pack of 6.
    // Cheese: 15 − 14 = 1 on hand, 1 on order; horizon 2 + 1 + 2 = 5 days × 0.5 = 2.5 → 0.5.
    let p = hq
        .get(&format!("/dashboard/replenishment?store={}", w.store_a))
        .await;
    p.assert(StatusCode::OK, &format!("data-supplier=\"{central}\""));
    let row = |body: &str, product: ProductId| -> String {
        let i = body
            .find(&format!("data-product=\"{product}\""))
            .unwrap_or_else(|| panic!("no line for {product}: {body}"));
        body[i..i + body[i..].find("</tr>").unwrap()].to_string()
    };
    let oil = row(&p.body, w.oil);
    assert!(oil.contains("<b>6</b>") && oil.contains(">8<"), "{oil}");
    let cheese = row(&p.body, w.cheese);
    assert!(
        cheese.contains("<b>0,5</b>") && cheese.contains(">2,5<"),
        "{cheese}"
    );
    // A manager sees their store's suggestions, not the other store's, and cannot order.
    let (mut norte, ncsrf) = Browser::signed_in(s, "norte").await;
    norte
        .get("/dashboard/replenishment")
        .await
        .assert(StatusCode::OK, &format!("data-product=\"{}\"", w.oil));
    assert_eq!(
        norte
            .get(&format!("/dashboard/replenishment?store={}", w.store_b))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let form = [
        ("csrf", ncsrf.as_str()),
        ("store", &w.store_a.to_string()),
        ("supplier", &central.to_string()),
    ];
    assert_eq!(
        norte
            .post("/dashboard/replenishment/note", &form)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // HQ: one click, a delivery note for the north's tills only, at HQ's costs.
    let notes_before = s
        .storage
        .deliveries()
        .list_delivery_notes(&Default::default())
        .await
        .unwrap()
        .len();
    let p = hq
        .post(
            "/dashboard/replenishment/note",
            &[
                ("csrf", &csrf),
                ("store", &w.store_a.to_string()),
                ("supplier", &central.to_string()),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(
        p.location
            .as_deref()
            .unwrap()
            .starts_with("/dashboard/deliveries/")
    );
    let notes = s
        .storage
        .deliveries()
        .list_delivery_notes(&Default::default())
        .await
        .unwrap();
    assert_eq!(notes.len(), notes_before + 1);
    let note = &notes[0];
    assert_eq!(note.store_id, w.store_a);
    let lines: Vec<(ProductId, Quantity, Option<String>)> = note
        .lines
        .iter()
        .map(|l| (l.product_id, l.expected, l.unit_cost.map(|c| c.to_string())))
        .collect();
    assert_eq!(
        lines,
        vec![
            (w.oil, Quantity::units(6), Some("2.0000".into())),
            (w.cheese, Quantity::from_milli(500), Some("10.0000".into())),
        ]
    );
    let pulled = |store: StoreId| {
        let st = s.storage.clone();
        async move {
            st.changes_after(store, 0, 5_000)
                .await
                .unwrap()
                .changes
                .into_iter()
                .filter(|c| matches!(&c.change, sync_protocol::CatalogChange::DeliveryNote(n) if n.number == note.number))
                .count()
        }
    };
    assert_eq!(pulled(w.store_a).await, 1);
    assert_eq!(pulled(w.store_b).await, 0);
    // On order now: nothing left to suggest; another click is refused, nothing created.
    let p = hq
        .get(&format!("/dashboard/replenishment?store={}", w.store_a))
        .await;
    assert!(!p.body.contains("data-product="), "{}", p.body);
    let p = hq
        .post(
            "/dashboard/replenishment/note",
            &[
                ("csrf", &csrf),
                ("store", &w.store_a.to_string()),
                ("supplier", &central.to_string()),
            ],
        )
        .await;
    p.assert(StatusCode::OK, "Hoy no hay nada que pedir");

    // The daily job, twice for the same day: one set of alerts (the south's negative oil).
    let today = back_office_server::jobs::PeriodKind::Day.current(Utc::now());
    let job = back_office_server::jobs::find("replenishment").unwrap();
    for _ in 0..2 {
        back_office_server::jobs::run(
            s.storage.clone(),
            job,
            &today,
            back_office_server::storage::jobs::Trigger::Manual,
            Utc::now(),
        )
        .await
        .unwrap();
    }
    let alerts: Vec<_> = s
        .storage
        .list_alerts()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind.starts_with("stock_"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, "stock_negative");
    assert_eq!(alerts[0].store_id, Some(w.store_b));
    assert!(alerts[0].message.contains("Tienda Sur") && alerts[0].message.contains("ACE-1L"));
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Stock negativo");
    let p = norte.get("/dashboard").await;
    assert!(!p.body.contains("Stock negativo"), "{}", p.body);
}

on_both_backends!(replenishment_end_to_end);

/// Regression: two tills of one store pushing at once on PostgreSQL deadlocked on the store row
/// (the documents' foreign key share lock against the stock's `FOR UPDATE`) and answered 500.
async fn two_tills_of_one_store_push_at_once(s: &Server) {
    let w = world(s).await;
    let second = enrolled(s, w.store_a, "Caja Norte 2").await;
    let mut tasks = Vec::new();
    for till in [w.till_a.clone(), second] {
        let storage = s.storage.clone();
        let oil = w.oil;
        tasks.push(tokio::spawn(async move {
            let mut l = Ledger::new(&till);
            for _ in 0..20 {
                let docs: Vec<Document> = (0..5)
                    .map(|_| l.seal(sale(vec![line(oil, 1_000, 500)], None)))
                    .collect();
                let r = storage.push(&till, &docs, Utc::now()).await.unwrap();
                assert!(r.results.iter().all(|r| r.status == PushStatus::Stored));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rows = stock_rows(s, &w).await;
    assert_eq!(row(&rows, w.store_a, w.oil)["on_hand"], "-200.000");
    let card = s
        .storage
        .stock()
        .stock_card(w.store_a, w.oil, 5_000)
        .await
        .unwrap();
    let balances: Vec<i64> = card.iter().map(|m| m.balance.milli()).collect();
    let expected: Vec<i64> = (1..=200).map(|i| -1_000 * i).collect();
    assert_eq!(balances, expected, "each balance follows the one before it");
}

on_both_backends!(two_tills_of_one_store_push_at_once);

// --- purchase orders, transfers, dead stock (issue 13, second part) -------------------------------

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("po.pdf");
    std::fs::write(&path, pdf).unwrap();
    let o = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by the CI's apt line");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// An e-mail as stored: to, subject, attachments (name, bytes).
type Mail = (String, String, Vec<(String, Vec<u8>)>);

/// The e-mails aiosmtpd stored.
fn read_mail(py: &std::path::Path, dir: &std::path::Path) -> Vec<Mail> {
    let script = r#"
import json, mailbox, sys
from email.header import decode_header, make_header
out = []
for _, m in sorted(mailbox.Maildir(sys.argv[1], create=False).items()):
    atts = [{"name": p.get_filename(), "hex": p.get_payload(decode=True).hex()} for p in m.walk() if p.get_filename()]
    out.append({"to": m["To"], "subject": str(make_header(decode_header(m["Subject"]))), "atts": atts})
print(json.dumps(out))
"#;
    let out = std::process::Command::new(py)
        .args(["-c", script])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let atts = m["atts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    let hex = a["hex"].as_str().unwrap();
                    let bytes = (0..hex.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                        .collect();
                    (a["name"].as_str().unwrap().to_string(), bytes)
                })
                .collect();
            (
                m["to"].as_str().unwrap().to_string(),
                m["subject"].as_str().unwrap().to_string(),
                atts,
            )
        })
        .collect()
}

/// HQ's SMTP settings are one per process: the tests that set them take turns.
static MAIL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn external_supplier(s: &Server, email: &str) -> i64 {
    use back_office_server::storage::replenish::{FamilyRule, NewSupplier};
    let r = s.storage.replenish();
    let sup = r
        .create_supplier(
            &NewSupplier {
                name: "Aceites del Sur".into(),
                central: false,
                franchisee_id: None,
                email: email.into(),
                lead_time_days: 3,
                order_days: "1,2,3,4,5,6,7".into(),
                min_order: Money::ZERO,
                language: Default::default(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    // No sales history: below the reorder point (nothing on hand) the order brings it to par.
    r.set_family_rule(&FamilyRule {
        family: "Aceites".into(),
        supplier_id: sup.id,
        reorder_point: Some(Quantity::units(6)),
        par_level: Some(Quantity::units(24)),
        pack: Quantity::units(6),
        safety_days: 1,
    })
    .await
    .unwrap();
    sup.id
}

fn order_id(p: &Page) -> i64 {
    let loc = p
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no redirect: {}", p.body));
    loc.trim_start_matches("/dashboard/purchase-orders/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{loc}"))
}

/// A store manager drafts today's suggested order to an external supplier for their store, edits
/// it and approves it: numbered, its PDF e-mailed to the supplier (read back from a real SMTP
/// server and through pdftotext), a delivery note only the store's tills get; a short receipt at
/// the till leaves the order partly open, a note for the rest closes it. Another store's order is
/// a 404 to the manager; numbers stay gapless; bad lines store nothing.
async fn purchase_order_to_an_external_supplier(s: &Server) {
    use back_office_server::storage::purchasing::{OrderFilter, OrderStatus};
    let Some(py) = smtp::python() else { return };
    let _mail = MAIL.lock().await;
    let w = world(s).await;
    let (st, v) = api(
        s,
        "POST",
        "/product-costs",
        Some(&w.token),
        Some(json!([{"code": "ACE-1L", "cost": "2.5"}])),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let supplier = external_supplier(s, "pedidos@aceites.example").await;
    let port = smtp::free_port();
    let mail_root = tempfile::tempdir().unwrap();
    let maildir = mail_root.path().join("mail");
    let _smtp = smtp::smtp_server(&py, port, &maildir).await;
    back_office_server::services::mail::configure(back_office_server::services::mail::MailConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Compras <compras@central.example>".into(),
    })
    .unwrap();

    let (mut norte, csrf) = Browser::signed_in(s, "norte").await;
    norte
        .get(&format!("/dashboard/replenishment?store={}", w.store_a))
        .await
        .assert(StatusCode::OK, "Crear pedido (borrador)");
    // Not for another store.
    let p = norte
        .post(
            "/dashboard/purchase-orders/from-suggestion",
            &[
                ("csrf", &csrf),
                ("store", &w.store_b.to_string()),
                ("supplier", &supplier.to_string()),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = norte
        .post(
            "/dashboard/purchase-orders/from-suggestion",
            &[
                ("csrf", &csrf),
                ("store", &w.store_a.to_string()),
                ("supplier", &supplier.to_string()),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let id = order_id(&p);
    let o = s.storage.purchasing().get_purchase_order(id).await.unwrap();
    assert_eq!(o.store_id, w.store_a);
    assert_eq!(o.number, None);
    // 24 (par) − 0 on hand = 24 = four packs of 6, at HQ's cost.
    assert_eq!(
        o.lines
            .iter()
            .map(|l| (l.product_id, l.quantity, l.unit_cost.map(|c| c.to_string())))
            .collect::<Vec<_>>(),
        vec![(w.oil, Quantity::units(24), Some("2.5000".into()))]
    );
    // A bad line stores nothing; good lines replace the draft's.
    let path = format!("/dashboard/purchase-orders/{id}");
    norte
        .post(
            &format!("{path}/lines"),
            &[
                ("csrf", &csrf),
                ("lines", "ACE-1L ; 18\nNOPE ; 1\nSAL-1K ; 0"),
            ],
        )
        .await
        .assert(StatusCode::OK, "NOPE");
    assert_eq!(
        s.storage
            .purchasing()
            .get_purchase_order(id)
            .await
            .unwrap()
            .lines
            .len(),
        1
    );
    let p = norte
        .post(
            &format!("{path}/lines"),
            &[("csrf", &csrf), ("lines", "ACE-1L ; 18\nQUE-KG ; 2,5")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // «Crear pedido» again for the same supplier: no second draft, the edited one as it was.
    let again = norte
        .post(
            "/dashboard/purchase-orders/from-suggestion",
            &[
                ("csrf", &csrf),
                ("store", &w.store_a.to_string()),
                ("supplier", &supplier.to_string()),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(order_id(&again), id, "the open draft, not a second one");
    norte
        .get(again.location.as_deref().unwrap())
        .await
        .assert(StatusCode::OK, "ya tiene un borrador abierto");
    let kept = s.storage.purchasing().get_purchase_order(id).await.unwrap();
    assert_eq!(kept.lines.len(), 2, "the person's lines are kept: {kept:?}");
    assert_eq!(
        s.storage
            .purchasing()
            .list_purchase_orders(&OrderFilter {
                store_id: Some(w.store_a),
                ..Default::default()
            })
            .await
            .unwrap()
            .iter()
            .filter(|o| o.supplier_id == supplier && o.status == OrderStatus::Draft)
            .count(),
        1
    );
    // An analyst reads but cannot approve.
    let (mut analyst, acsrf) = Browser::signed_in(s, "analista").await;
    analyst.get(&path).await.assert(StatusCode::OK, "Borrador");
    assert_eq!(
        analyst
            .post(&format!("{path}/approve"), &[("csrf", &acsrf)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another store's draft (made over the API) is a 404 to the manager, to see or approve.
    let (st, other) = api(
        s,
        "POST",
        "/purchase-orders",
        Some(&w.token),
        Some(json!({"store_id": w.store_b.0, "supplier_id": supplier, "lines": [{"product_id": w.salt.0, "quantity": "3"}]})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{other}");
    let other_id = other["id"].as_i64().unwrap();
    assert_eq!(
        norte
            .get(&format!("/dashboard/purchase-orders/{other_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        norte
            .post(
                &format!("/dashboard/purchase-orders/{other_id}/approve"),
                &[("csrf", &csrf)]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let list = norte.get("/dashboard/purchase-orders").await;
    assert!(
        list.body.contains(&format!("data-order=\"{id}\""))
            && !list.body.contains(&format!("data-order=\"{other_id}\""))
    );

    // Approve: number, note, PDF, e-mail.
    let p = norte
        .post(&format!("{path}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let o = s.storage.purchasing().get_purchase_order(id).await.unwrap();
    let year = back_office_server::storage::sql::business_day(Utc::now())
        .format("%Y")
        .to_string();
    let number = format!("PED-{year}-000001");
    assert_eq!(o.number.as_deref(), Some(number.as_str()));
    assert_eq!(
        o.emailed_to.as_deref(),
        Some("pedidos@aceites.example"),
        "{:?}",
        o.email_error
    );
    assert_eq!(o.notes.len(), 1);
    let page = norte.get(&path).await;
    page.assert(StatusCode::OK, "Aprobado, pendiente de recibir");
    assert!(page.body.contains("pedidos@aceites.example"));
    // Approving twice is refused, nothing changes.
    norte
        .post(&format!("{path}/approve"), &[("csrf", &csrf)])
        .await
        .assert(StatusCode::OK, "ya no es un borrador");
    let mails = read_mail(&py, &maildir);
    assert_eq!(mails.len(), 1, "one e-mail");
    let (to, subject, atts) = &mails[0];
    assert!(to.contains("pedidos@aceites.example"), "{to}");
    assert!(
        subject.contains(&number) && subject.contains("Tienda Norte"),
        "{subject}"
    );
    assert_eq!(atts.len(), 1);
    assert_eq!(atts[0].0, format!("{number}.pdf"));
    let stored = s.storage.purchasing().order_pdf(id).await.unwrap().unwrap();
    assert_eq!(atts[0].1, stored, "the PDF e-mailed is the one kept");
    let text = pdf_text(&atts[0].1);
    for needle in [
        number.as_str(),
        "Aceites del Sur",
        "Tienda Norte",
        "Aceite de oliva 1 L",
        "Queso curado (kg)",
        "18",
        "2,5",
        "45,00",
    ] {
        assert!(text.contains(needle), "{needle:?} not in the PDF:\n{text}");
    }
    let dl = norte.get(&format!("{path}/pdf")).await;
    assert_eq!(dl.status, StatusCode::OK);
    // The other store's order over the API: the next number, no gap.
    let (st, v) = api(
        s,
        "POST",
        &format!("/purchase-orders/{other_id}/approve"),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["order"]["number"], format!("PED-{year}-000002"));
    assert_eq!(v["email"], "sent");
    let (st, _) = api(
        s,
        "POST",
        &format!("/purchase-orders/{other_id}/approve"),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // The note reaches only the north's tills.
    let note = s
        .storage
        .deliveries()
        .get_delivery_note(o.notes[0].id)
        .await
        .unwrap();
    assert_eq!(note.store_id, w.store_a);
    let pulled = |store: StoreId| {
        let st = s.storage.clone();
        let number = note.number.clone();
        async move {
            st.changes_after(store, 0, 5_000)
                .await
                .unwrap()
                .changes
                .into_iter()
                .filter(|c| matches!(&c.change, sync_protocol::CatalogChange::DeliveryNote(n) if n.number == number))
                .count()
        }
    };
    assert_eq!(pulled(w.store_a).await, 1);
    assert_eq!(pulled(w.store_b).await, 0);
    // On order counts: nothing more is suggested for oil today.
    let (st, sugg) = api(
        s,
        "GET",
        &format!("/replenishment/suggestions?store_id={}", w.store_a),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{sugg}");
    assert_eq!(sugg, json!([]), "18 on order covers par");

    // The till receives 12 of 18 oil and the cheese: partly received, stock moved at the receipt.
    let mut a = Ledger::new(&w.till_a);
    push(
        s,
        &w.till_a,
        &[a.seal(stock(
            StockMovementKind::Receipt,
            &[(w.oil, 12_000), (w.cheese, 2_500)],
            None,
            Some(&note.number),
        ))],
    )
    .await;
    let o = s.storage.purchasing().get_purchase_order(id).await.unwrap();
    assert_eq!(
        o.receiving(),
        back_office_server::storage::purchasing::Receiving::Partly
    );
    assert_eq!(o.lines[0].outstanding(), Quantity::units(6));
    let page = norte.get(&path).await;
    page.assert(StatusCode::OK, "Recibido en parte");
    assert!(
        page.body.contains("data-outstanding=\"6.000\""),
        "{}",
        page.body
    );
    let rows = stock_rows(s, &w).await;
    assert_eq!(row(&rows, w.store_a, w.oil)["on_hand"], "12.000");
    // The rest on a new note; received in full, the order is received.
    let p = norte
        .post(&format!("{path}/remainder"), &[("csrf", &csrf)])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let o = s.storage.purchasing().get_purchase_order(id).await.unwrap();
    assert_eq!(o.notes.len(), 2);
    let rest = s
        .storage
        .deliveries()
        .get_delivery_note(o.notes[1].id)
        .await
        .unwrap();
    assert_eq!(
        rest.lines
            .iter()
            .map(|l| (l.product_id, l.expected))
            .collect::<Vec<_>>(),
        vec![(w.oil, Quantity::units(6))]
    );
    // A second remainder while one waits is refused.
    norte
        .post(&format!("{path}/remainder"), &[("csrf", &csrf)])
        .await
        .assert(StatusCode::OK, "No queda nada pendiente");
    push(
        s,
        &w.till_a,
        &[a.seal(stock(
            StockMovementKind::Receipt,
            &[(w.oil, 6_000)],
            None,
            Some(&rest.number),
        ))],
    )
    .await;
    norte.get(&path).await.assert(StatusCode::OK, "Recibido");
    let o = s.storage.purchasing().get_purchase_order(id).await.unwrap();
    assert_eq!(
        o.receiving(),
        back_office_server::storage::purchasing::Receiving::Received
    );
    let rows = stock_rows(s, &w).await;
    assert_eq!(row(&rows, w.store_a, w.oil)["on_hand"], "18.000");

    // Bad input over the API stores nothing.
    let before = s
        .storage
        .purchasing()
        .list_purchase_orders(&Default::default())
        .await
        .unwrap()
        .len();
    for (body, status) in [
        (
            json!({"store_id": w.store_a.0, "supplier_id": supplier, "lines": [{"product_id": w.oil.0, "quantity": "0"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"store_id": w.store_a.0, "supplier_id": supplier, "lines": [{"product_id": 999_999, "quantity": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"store_id": w.store_a.0, "supplier_id": 999_999, "lines": [{"product_id": w.oil.0, "quantity": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"store_id": w.store_a.0, "supplier_id": supplier, "lines": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"store_id": 999_999, "supplier_id": supplier, "lines": [{"product_id": w.oil.0, "quantity": "1"}]}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"store_id": w.store_a.0, "supplier_id": supplier, "from_suggestion": true, "lines": [{"product_id": w.oil.0, "quantity": "1"}]}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (st, v) = api(
            s,
            "POST",
            "/purchase-orders",
            Some(&w.token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(st, status, "{body} → {v}");
    }
    // A supplier of another franchisee.
    let other_f = s
        .storage
        .create_franchisee(&NewFranchisee {
            legal_name: "Otro, S.L.".into(),
            nif: "B96873427".into(),
            address: "x".into(),
        })
        .await;
    if let Ok(f) = other_f {
        let theirs = s
            .storage
            .replenish()
            .create_supplier(
                &back_office_server::storage::replenish::NewSupplier {
                    name: "Proveedor de otros".into(),
                    central: false,
                    franchisee_id: Some(f.id),
                    email: String::new(),
                    lead_time_days: 1,
                    order_days: "1".into(),
                    min_order: Money::ZERO,
                    language: Default::default(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        let (st, v) = api(s, "POST", "/purchase-orders", Some(&w.token),
            Some(json!({"store_id": w.store_a.0, "supplier_id": theirs.id, "lines": [{"product_id": w.oil.0, "quantity": "1"}]}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
    assert_eq!(
        s.storage
            .purchasing()
            .list_purchase_orders(&Default::default())
            .await
            .unwrap()
            .len(),
        before
    );
}

on_both_backends!(purchase_order_to_an_external_supplier);

/// A manager of the sending store transfers goods to another store of the same franchisee: they
/// leave the sender's stock at dispatch (on its stock card), the transfer shows in transit, only
/// the receiving store's tills get the note, and the goods enter its stock when its till receives.
async fn transfer_between_stores(s: &Server) {
    let w = world(s).await;
    let mut a = Ledger::new(&w.till_a);
    push(
        s,
        &w.till_a,
        &[a.seal(stock(
            StockMovementKind::Receipt,
            &[(w.oil, 10_000)],
            None,
            None,
        ))],
    )
    .await;
    let (mut norte, csrf) = Browser::signed_in(s, "norte").await;
    // Bad lines store nothing.
    norte
        .post(
            "/dashboard/transfers",
            &[
                ("csrf", &csrf),
                ("from", &w.store_a.to_string()),
                ("to", &w.store_b.to_string()),
                ("lines", "ACE-1L ; -4"),
            ],
        )
        .await
        .assert(StatusCode::OK, "mayor que cero");
    // The manager of the north cannot send from the south.
    assert_eq!(
        norte
            .post(
                "/dashboard/transfers",
                &[
                    ("csrf", &csrf),
                    ("from", &w.store_b.to_string()),
                    ("to", &w.store_a.to_string()),
                    ("lines", "ACE-1L ; 4")
                ]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let p = norte
        .post(
            "/dashboard/transfers",
            &[
                ("csrf", &csrf),
                ("from", &w.store_a.to_string()),
                ("to", &w.store_b.to_string()),
                ("lines", "ACE-1L ; 4"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let loc = p.location.unwrap();
    let id: i64 = loc
        .trim_start_matches("/dashboard/transfers/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        s.storage
            .purchasing()
            .list_transfers(None)
            .await
            .unwrap()
            .len(),
        1
    );
    // Nothing moved before dispatch.
    assert_eq!(
        row(&stock_rows(s, &w).await, w.store_a, w.oil)["on_hand"],
        "10.000"
    );
    let p = norte
        .post(
            &format!("/dashboard/transfers/{id}/dispatch"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let rows = stock_rows(s, &w).await;
    assert_eq!(row(&rows, w.store_a, w.oil)["on_hand"], "6.000");
    let card = s
        .storage
        .stock()
        .stock_card(w.store_a, w.oil, 10)
        .await
        .unwrap();
    let last = card.last().unwrap();
    assert_eq!(
        (last.delta, last.balance),
        (Quantity::units(-4), Quantity::units(6))
    );
    assert!(
        last.document_id.starts_with("transfer:TR-"),
        "{}",
        last.document_id
    );
    norte
        .get("/dashboard/transfers")
        .await
        .assert(StatusCode::OK, "En tránsito");
    // Dispatching twice is refused (and moves nothing).
    let (st, _) = api(
        s,
        "POST",
        &format!("/transfers/{id}/dispatch"),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(
        row(&stock_rows(s, &w).await, w.store_a, w.oil)["on_hand"],
        "6.000"
    );
    let x = s.storage.purchasing().get_transfer(id).await.unwrap();
    let note = s
        .storage
        .deliveries()
        .get_delivery_note(x.note.as_ref().unwrap().id)
        .await
        .unwrap();
    assert_eq!(note.store_id, w.store_b);
    let got = |store: StoreId| {
        let st = s.storage.clone();
        let number = note.number.clone();
        async move {
            st.changes_after(store, 0, 5_000).await.unwrap().changes.into_iter()
                .filter(|c| matches!(&c.change, sync_protocol::CatalogChange::DeliveryNote(n) if n.number == number))
                .count()
        }
    };
    assert_eq!(got(w.store_b).await, 1);
    assert_eq!(got(w.store_a).await, 0);
    // The south's till receives: in its stock, the transfer received.
    let mut b = Ledger::new(&w.till_b);
    push(
        s,
        &w.till_b,
        &[b.seal(stock(
            StockMovementKind::Receipt,
            &[(w.oil, 4_000)],
            None,
            Some(&note.number),
        ))],
    )
    .await;
    assert_eq!(
        row(&stock_rows(s, &w).await, w.store_b, w.oil)["on_hand"],
        "4.000"
    );
    let (st, v) = api(s, "GET", "/transfers", Some(&w.token), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v[0]["state"], "received", "{v}");
    norte
        .get(&format!("/dashboard/transfers/{id}"))
        .await
        .assert(StatusCode::OK, "Recibido");
    // Over the API: to a store of another franchisee, or to itself, is refused; nothing stored.
    let f = s
        .storage
        .create_franchisee(&NewFranchisee {
            legal_name: "Otro, S.L.".into(),
            nif: "B96873427".into(),
            address: "x".into(),
        })
        .await
        .unwrap();
    let far = s
        .storage
        .create_store(&NewStore::new(f.id, "Tienda Lejana", "x"))
        .await
        .unwrap()
        .id;
    for to in [far, w.store_a] {
        let (st, v) = api(s, "POST", "/transfers", Some(&w.token),
            Some(json!({"from_store_id": w.store_a.0, "to_store_id": to.0, "lines": [{"product_id": w.oil.0, "quantity": "1"}]}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
    assert_eq!(
        s.storage
            .purchasing()
            .list_transfers(None)
            .await
            .unwrap()
            .len(),
        1
    );
}

on_both_backends!(transfer_between_stores);

/// The replenishment job runs hourly; each store once per local day from its own hour. Stock with
/// no sale in the store's dead-stock days raises one `stock_dead` alert per store and day, shown
/// in both languages.
async fn dead_stock_once_per_store_and_day_at_its_hour(s: &Server) {
    use back_office_server::jobs::{self, RunReport};
    use back_office_server::storage::jobs::Trigger;
    let w = world(s).await;
    // Salt received 40 days ago and never sold in the north: dead after 30 days (the default).
    let mut a = Ledger::new(&w.till_a);
    push(
        s,
        &w.till_a,
        &[a.seal_at(
            Utc::now() - Duration::days(40),
            stock(StockMovementKind::Receipt, &[(w.salt, 5_000)], None, None),
        )],
    )
    .await;
    // Oil received 40 days ago but sold yesterday: not dead.
    push(
        s,
        &w.till_a,
        &[
            a.seal_at(
                Utc::now() - Duration::days(40),
                stock(StockMovementKind::Receipt, &[(w.oil, 5_000)], None, None),
            ),
            a.seal_at(
                Utc::now() - Duration::days(1),
                sale(vec![line(w.oil, 1_000, 500)], None),
            ),
        ],
    )
    .await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    // Bad hour: nothing saved.
    hq.post(
        "/dashboard/replenishment/schedule",
        &[
            ("csrf", &csrf),
            ("store", &w.store_a.to_string()),
            ("job_hour", "24"),
            ("dead_stock_days", "30"),
        ],
    )
    .await
    .assert(StatusCode::OK, "no es una hora de 0 a 23");
    assert!(
        s.storage
            .replenish()
            .store_schedules()
            .await
            .unwrap()
            .is_empty()
    );
    // The north runs at 02:00 local.
    let p = hq
        .post(
            "/dashboard/replenishment/schedule",
            &[
                ("csrf", &csrf),
                ("store", &w.store_a.to_string()),
                ("job_hour", "2"),
                ("dead_stock_days", "30"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let job = jobs::find("replenishment").unwrap();
    let at = |hour_utc: u32, day: i64| {
        let d = back_office_server::storage::sql::business_day(Utc::now()) + Duration::days(day);
        d.and_hms_opt(hour_utc, 30, 0).unwrap().and_utc()
    };
    let run = |now: DateTime<Utc>| {
        let st = s.storage.clone();
        async move {
            let period = jobs::PeriodKind::Hour.current(now);
            match jobs::run(st, job, &period, Trigger::Schedule, now)
                .await
                .unwrap()
            {
                RunReport::Ran(r) => r.summary,
                RunReport::AlreadyTaken(_) => panic!("{period} already taken"),
            }
        }
    };
    let count = |summary: &[(String, u64)], k: &str| {
        summary.iter().find(|(n, _)| n == k).map_or(0, |(_, v)| *v)
    };
    let dead = || {
        let st = s.storage.clone();
        async move {
            st.list_alerts()
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.kind == "stock_dead")
                .collect::<Vec<_>>()
        }
    };
    // 02:30 UTC = 03:30 Madrid (winter): the north's hour has come, the south's (06:00) not.
    let r = run(at(2, 0)).await;
    assert_eq!(
        (count(&r, "stores"), count(&r, "stores_before_their_hour")),
        (1, 1),
        "{r:?}"
    );
    let d = dead().await;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].store_id, Some(w.store_a));
    assert!(
        d[0].message.contains("SAL-1K") && !d[0].message.contains("ACE-1L"),
        "{}",
        d[0].message
    );
    // Later the same day: the south runs, the north does not again.
    let r = run(at(6, 0)).await;
    assert_eq!(
        (count(&r, "stores"), count(&r, "stores_before_their_hour")),
        (1, 0),
        "{r:?}"
    );
    let r = run(at(7, 0)).await;
    assert_eq!(count(&r, "stores"), 0, "{r:?}");
    assert_eq!(dead().await.len(), 1);
    // The next day: one more.
    run(at(3, 1)).await;
    assert_eq!(dead().await.len(), 2);
    // Shown in Spanish and English with its figures.
    hq.get("/dashboard/alerts")
        .await
        .assert(StatusCode::OK, "sin ventas en 30 días: SAL-1K");
    hq.get("/dashboard/lang?to=en&back=/dashboard/alerts").await;
    hq.get("/dashboard/alerts")
        .await
        .assert(StatusCode::OK, "no sale in 30 days: SAL-1K");
}

on_both_backends!(dead_stock_once_per_store_and_day_at_its_hour);

/// `back-office-server replenishment suggestions|order`: a store's suggestions as CSV, and today's
/// suggestion to a supplier as a draft purchase order; an unknown store fails and stores nothing.
#[tokio::test]
async fn replenishment_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.db").display());
    let s = start(storage::open(&url).await.unwrap(), None).await;
    let w = world(&s).await;
    let supplier = external_supplier(&s, "pedidos@aceites.example").await;
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_back-office-server"))
            .args(args)
            .arg("--database")
            .arg(&url)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let store = w.store_a.to_string();
    let (ok, out, err) = cli(&["replenishment", "suggestions", "--store", &store]);
    assert!(ok, "{err}");
    assert!(
        out.lines().any(|l| l
            .starts_with(&format!("{supplier},Aceites del Sur,ACE-1L,0.000,0.000,"))
            && l.contains(",24.000,")),
        "{out}"
    );
    let (ok, out, err) = cli(&[
        "replenishment",
        "order",
        "--store",
        &store,
        "--supplier",
        &supplier.to_string(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("draft purchase order"), "{out}");
    let orders = s
        .storage
        .purchasing()
        .list_purchase_orders(&Default::default())
        .await
        .unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].source, "suggestion");
    assert_eq!(orders[0].lines[0].quantity, Quantity::units(24));
    let (ok, _, _) = cli(&[
        "replenishment",
        "order",
        "--store",
        "999999",
        "--supplier",
        &supplier.to_string(),
    ]);
    assert!(!ok);
    assert_eq!(
        s.storage
            .purchasing()
            .list_purchase_orders(&Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

// --- issue 13, third part: e-mail retries, the supplier's language, discarding and costing
// transfers, counts that arrive late ------------------------------------------------------------

/// A supplier that reads English (set on the dashboard; a language other than es/en stores
/// nothing): its order's PDF and e-mail are in English. The SMTP server is down at approval: the
/// failure is recorded with the next attempt shown on the order's page, the job leaves it alone
/// until that time, then delivers it once the server is up.
async fn purchase_order_email_retried_in_the_suppliers_language(s: &Server) {
    use back_office_server::jobs::{self, RunReport};
    use back_office_server::storage::jobs::Trigger;
    use back_office_server::storage::replenish::FamilyRule;
    let Some(py) = smtp::python() else { return };
    let _mail = MAIL.lock().await;
    let w = world(s).await;
    let (st, v) = api(
        s,
        "POST",
        "/product-costs",
        Some(&w.token),
        Some(json!([{"code": "ACE-1L", "cost": "2.5"}])),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let form = |language: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("name", "Olive Oil Ltd".to_string()),
            ("central", "false".to_string()),
            ("franchisee", String::new()),
            ("email", "orders@olive.example".to_string()),
            ("lead_time_days", "3".to_string()),
            ("order_days", "1,2,3,4,5,6,7".to_string()),
            ("min_order", "0".to_string()),
            ("language", language.to_string()),
        ]
    };
    let bad = form("fr");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    hq.post("/dashboard/replenishment/suppliers", &bad)
        .await
        .assert(StatusCode::OK, "«fr»");
    assert!(
        s.storage
            .replenish()
            .list_suppliers()
            .await
            .unwrap()
            .is_empty()
    );
    let good = form("en");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = hq.post("/dashboard/replenishment/suppliers", &good).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let supplier = s.storage.replenish().list_suppliers().await.unwrap()[0].clone();
    assert_eq!(supplier.language, back_office_server::i18n::Lang::En);
    s.storage
        .replenish()
        .set_family_rule(&FamilyRule {
            family: "Aceites".into(),
            supplier_id: supplier.id,
            reorder_point: None,
            par_level: None,
            pack: Quantity::one(),
            safety_days: 1,
        })
        .await
        .unwrap();

    // Nothing listens on the port yet.
    let port = smtp::free_port();
    back_office_server::services::mail::configure(back_office_server::services::mail::MailConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Compras <compras@central.example>".into(),
    })
    .unwrap();
    let (st, o) = api(
        s,
        "POST",
        "/purchase-orders",
        Some(&w.token),
        Some(json!({"store_id": w.store_a.0, "supplier_id": supplier.id, "lines": [{"product_id": w.oil.0, "quantity": "18", "unit_cost": "2.5"}]})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    let id = o["id"].as_i64().unwrap();
    let approved_at = Utc::now();
    let (st, v) = api(
        s,
        "POST",
        &format!("/purchase-orders/{id}/approve"),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["email"], "failed", "{v}");
    let o = s.storage.purchasing().get_purchase_order(id).await.unwrap();
    assert_eq!(o.emailed_to, None);
    assert!(o.email_error.is_some());
    assert_eq!(o.email_attempts, 1);
    let next = o.email_next_at.expect("a retry is planned");
    assert!(
        next >= approved_at + Duration::minutes(10) && next <= Utc::now() + Duration::minutes(10),
        "{next}"
    );
    let path = format!("/dashboard/purchase-orders/{id}");
    let page = hq.get(&path).await;
    page.assert(StatusCode::OK, "id=\"email-retry\"");
    assert!(page.body.contains("Intento 1 de 8"), "{}", page.body);

    let run = |at: DateTime<Utc>| {
        let st = s.storage.clone();
        async move {
            let job = jobs::find("send-purchase-orders").unwrap();
            let period = job.period.current(at);
            match jobs::run(st, job, &period, Trigger::Manual, at)
                .await
                .unwrap()
            {
                RunReport::Ran(r) => {
                    assert_eq!(r.error, None, "{r:?}");
                    r.summary
                }
                RunReport::AlreadyTaken(r) => panic!("{r:?}"),
            }
        }
    };
    // Before its time the job leaves it alone (the server is still down anyway).
    let summary = run(Utc::now()).await;
    assert!(summary.contains(&("sent".to_string(), 0)), "{summary:?}");
    assert_eq!(
        s.storage
            .purchasing()
            .get_purchase_order(id)
            .await
            .unwrap()
            .email_attempts,
        1
    );
    // The server comes up; at its time the retry delivers it.
    let mail_root = tempfile::tempdir().unwrap();
    let maildir = mail_root.path().join("mail");
    let _smtp = smtp::smtp_server(&py, port, &maildir).await;
    let summary = run(next + Duration::minutes(1)).await;
    assert!(summary.contains(&("sent".to_string(), 1)), "{summary:?}");
    let o = s.storage.purchasing().get_purchase_order(id).await.unwrap();
    assert_eq!(o.emailed_to.as_deref(), Some("orders@olive.example"));
    assert_eq!((o.email_attempts, o.email_next_at), (2, None));
    hq.get(&path).await.assert(StatusCode::OK, "id=\"emailed\"");
    // Nothing is due any more.
    let summary = run(next + Duration::hours(2)).await;
    assert!(summary.contains(&("sent".to_string(), 0)), "{summary:?}");

    let mails = read_mail(&py, &maildir);
    assert_eq!(mails.len(), 1, "one e-mail");
    let (to, subject, atts) = &mails[0];
    let number = o.number.clone().unwrap();
    assert!(to.contains("orders@olive.example"), "{to}");
    assert_eq!(subject, &format!("Purchase order {number} · Tienda Norte"));
    let stored = s.storage.purchasing().order_pdf(id).await.unwrap().unwrap();
    assert_eq!(atts[0].1, stored, "the PDF e-mailed is the one kept");
    let text = pdf_text(&atts[0].1);
    for needle in [
        "Purchase order",
        number.as_str(),
        "Supplier: Olive Oil Ltd",
        "Deliver to: Tienda Norte",
        "Aceite de oliva 1 L",
        "€45.00",
    ] {
        assert!(text.contains(needle), "{needle:?} not in the PDF:\n{text}");
    }
    assert!(!text.contains("Proveedor"), "Spanish in the PDF:\n{text}");

    // The language can be changed on the settings page; a bad one changes nothing.
    let p = hq
        .post(
            &format!(
                "/dashboard/replenishment/suppliers/{}/language",
                supplier.id
            ),
            &[("csrf", &csrf), ("language", "xx")],
        )
        .await;
    p.assert(StatusCode::OK, "«xx»");
    let p = hq
        .post(
            &format!(
                "/dashboard/replenishment/suppliers/{}/language",
                supplier.id
            ),
            &[("csrf", &csrf), ("language", "es")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(
        s.storage
            .replenish()
            .get_supplier(supplier.id)
            .await
            .unwrap()
            .language,
        back_office_server::i18n::Lang::Es
    );
}

on_both_backends!(purchase_order_email_retried_in_the_suppliers_language);

/// A transfer not dispatched yet can be discarded (API and page; nothing moves, and it can be
/// neither dispatched nor discarded again). Dispatch carries the sender's weighted average cost,
/// which the receiver's receipt averages in like a delivery note at that cost:
/// north: 10 @ 2.00 + 10 @ 2.60 → 20 @ 2.3000; south: 5 @ 3.00; 4 sent north → south:
/// (5 × 3.00 + 4 × 2.30) / 9 = 24.20 / 9 = 2.68888… → 2.6889, 9 on hand worth 24.20;
/// the north keeps 16 @ 2.3000 = 36.80.
async fn transfer_discarded_or_dispatched_at_the_senders_cost(s: &Server) {
    let w = world(s).await;
    let note = |store: StoreId, qty: &str, cost: &str| {
        json!({"store_id": store.0, "supplier": "Almacén central", "expected_date": "2026-12-01",
               "lines": [{"code": "ACE-1L", "quantity": qty, "unit_cost": cost}]})
    };
    let mut a = Ledger::new(&w.till_a);
    let mut b = Ledger::new(&w.till_b);
    for (store, qty, cost) in [
        (w.store_a, "10", "2"),
        (w.store_a, "10", "2.6"),
        (w.store_b, "5", "3"),
    ] {
        let (st, n) = api(
            s,
            "POST",
            "/delivery-notes",
            Some(&w.token),
            Some(note(store, qty, cost)),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{n}");
        let number = n["number"].as_str().unwrap();
        let milli = qty.parse::<i64>().unwrap() * 1_000;
        let (till, ledger) = if store == w.store_a {
            (&w.till_a, &mut a)
        } else {
            (&w.till_b, &mut b)
        };
        let doc = ledger.seal(stock(
            StockMovementKind::Receipt,
            &[(w.oil, milli)],
            None,
            Some(number),
        ));
        push(s, till, &[doc]).await;
    }
    let rows = stock_rows(s, &w).await;
    assert_eq!(row(&rows, w.store_a, w.oil)["cost"], "2.3000");
    assert_eq!(row(&rows, w.store_b, w.oil)["cost"], "3.0000");

    // Discarded over the API: nothing moved; neither dispatched nor discarded again.
    let lines = json!([{"product_id": w.oil.0, "quantity": "3"}]);
    let (st, x) = api(
        s,
        "POST",
        "/transfers",
        Some(&w.token),
        Some(json!({"from_store_id": w.store_a.0, "to_store_id": w.store_b.0, "lines": lines})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{x}");
    let xid = x["id"].as_i64().unwrap();
    let (st, x) = api(
        s,
        "POST",
        &format!("/transfers/{xid}/discard"),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{x}");
    assert_eq!(x["state"], "discarded");
    assert!(
        x["discarded_by"]
            .as_str()
            .is_some_and(|b| b.starts_with("API admin #")),
        "{x}"
    );
    for action in ["discard", "dispatch"] {
        let (st, v) = api(
            s,
            "POST",
            &format!("/transfers/{xid}/{action}"),
            Some(&w.token),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{action}: {v}");
    }
    let (st, _) = api(s, "POST", "/transfers/999999/discard", Some(&w.token), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Discarded on the page by the north's manager; the south's own manager would see a 404.
    let (mut norte, csrf) = Browser::signed_in(s, "norte").await;
    let p = norte
        .post(
            "/dashboard/transfers",
            &[
                ("csrf", &csrf),
                ("from", &w.store_a.to_string()),
                ("to", &w.store_b.to_string()),
                ("lines", "ACE-1L ; 2"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let loc = p.location.unwrap();
    let yid: i64 = loc
        .trim_start_matches("/dashboard/transfers/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    norte
        .get(&format!("/dashboard/transfers/{yid}"))
        .await
        .assert(StatusCode::OK, "id=\"discard\"");
    let p = norte
        .post(
            &format!("/dashboard/transfers/{yid}/discard"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = norte.get(&format!("/dashboard/transfers/{yid}")).await;
    page.assert(StatusCode::OK, "Descartado");
    assert!(page.body.contains("id=\"discarded\"") && !page.body.contains("id=\"discard\""));
    norte
        .post(
            &format!("/dashboard/transfers/{yid}/discard"),
            &[("csrf", &csrf)],
        )
        .await
        .assert(StatusCode::OK, "se descartó");
    assert_eq!(
        row(&stock_rows(s, &w).await, w.store_a, w.oil)["on_hand"],
        "20.000"
    );

    // Dispatched: the note carries the north's average cost.
    let (st, x) = api(s, "POST", "/transfers", Some(&w.token),
        Some(json!({"from_store_id": w.store_a.0, "to_store_id": w.store_b.0, "lines": [{"product_id": w.oil.0, "quantity": "4"}]}))).await;
    assert_eq!(st, StatusCode::CREATED, "{x}");
    let zid = x["id"].as_i64().unwrap();
    let (st, x) = api(
        s,
        "POST",
        &format!("/transfers/{zid}/dispatch"),
        Some(&w.token),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{x}");
    let note = s
        .storage
        .deliveries()
        .get_delivery_note(x["note"]["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(
        note.lines
            .iter()
            .map(|l| (l.product_id, l.unit_cost.map(|c| c.to_string())))
            .collect::<Vec<_>>(),
        vec![(w.oil, Some("2.3000".to_string()))]
    );
    let doc = b.seal(stock(
        StockMovementKind::Receipt,
        &[(w.oil, 4_000)],
        None,
        Some(&note.number),
    ));
    push(s, &w.till_b, &[doc]).await;
    let rows = stock_rows(s, &w).await;
    let south = row(&rows, w.store_b, w.oil);
    assert_eq!(
        (&south["on_hand"], &south["cost"], &south["value"]),
        (&json!("9.000"), &json!("2.6889"), &json!("24.20"))
    );
    let north = row(&rows, w.store_a, w.oil);
    assert_eq!(
        (&north["on_hand"], &north["cost"], &north["value"]),
        (&json!("16.000"), &json!("2.3000"), &json!("36.80"))
    );
    let (st, v) = api(s, "GET", "/transfers", Some(&w.token), None).await;
    assert_eq!(st, StatusCode::OK);
    let states: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["received", "discarded", "discarded"], "{v}");
}

on_both_backends!(transfer_discarded_or_dispatched_at_the_senders_cost);

/// A count made at a till at 10:00 that reaches HQ after a sale made at 11:00 at another till
/// of the store sets the quantity as of 10:00 and keeps the sale: 10 received at 09:00, 2 sold
/// at 11:00 (pushed first), 7 counted at 10:00 (pushed last) → variance 7 − 10 = −3, on hand
/// 7 − 2 = 5 (applied in arrival order it would be 7). A product counted again later keeps that
/// count: salt 6 received, counted 4 at 12:00 (pushed first: −2), counted 5 at 10:00 (pushed
/// last) → no change, 4 on hand.
async fn a_count_that_arrives_late_counts_as_of_its_time(s: &Server) {
    let w = world(s).await;
    let second = enrolled(s, w.store_a, "Caja Norte 2").await;
    let day = Utc::now() - Duration::days(1);
    let at = |h: u32| day.date_naive().and_hms_opt(h, 0, 0).unwrap().and_utc();
    let mut a = Ledger::new(&w.till_a);
    let mut c = Ledger::new(&second);
    push(
        s,
        &w.till_a,
        &[a.seal_at(
            at(9),
            stock(
                StockMovementKind::Receipt,
                &[(w.oil, 10_000), (w.salt, 6_000)],
                None,
                None,
            ),
        )],
    )
    .await;
    push(
        s,
        &w.till_a,
        &[
            a.seal_at(at(11), sale(vec![line(w.oil, 2_000, 500)], Some(w.cashier))),
            a.seal_at(
                at(12),
                stock(StockMovementKind::Count, &[(w.salt, 4_000)], None, None),
            ),
        ],
    )
    .await;
    let rows = stock_rows(s, &w).await;
    assert_eq!(row(&rows, w.store_a, w.oil)["on_hand"], "8.000");
    assert_eq!(row(&rows, w.store_a, w.salt)["on_hand"], "4.000");
    // The second till was offline: its 10:00 count arrives now.
    push(
        s,
        &second,
        &[c.seal_at(
            at(10),
            stock(
                StockMovementKind::Count,
                &[(w.oil, 7_000), (w.salt, 5_000)],
                None,
                None,
            ),
        )],
    )
    .await;
    let rows = stock_rows(s, &w).await;
    assert_eq!(row(&rows, w.store_a, w.oil)["on_hand"], "5.000");
    assert_eq!(row(&rows, w.store_a, w.salt)["on_hand"], "4.000");
    let card = s
        .storage
        .stock()
        .stock_card(w.store_a, w.oil, 10)
        .await
        .unwrap();
    let last = card.last().unwrap();
    assert_eq!(
        (last.delta, last.balance, last.counted),
        (
            Quantity::units(-3),
            Quantity::units(5),
            Some(Quantity::units(7))
        )
    );
    let sum: Quantity = card.iter().map(|m| m.delta).sum();
    assert_eq!(
        sum,
        Quantity::units(5),
        "the card adds up to what is on hand"
    );
    let card = s
        .storage
        .stock()
        .stock_card(w.store_a, w.salt, 10)
        .await
        .unwrap();
    let last = card.last().unwrap();
    assert_eq!(
        (last.delta, last.balance, last.counted),
        (Quantity::ZERO, Quantity::units(4), Some(Quantity::units(5)))
    );
}

on_both_backends!(a_count_that_arrives_late_counts_as_of_its_time);

/// The replenishment job writes one draft purchase order per supplier and store with the
/// suggested lines (the hand calculation), made by the job and shown as automatic; a second run
/// of the day writes nothing; on a later day its own untouched draft gets the new suggestion, a
/// draft a person edited is left alone, and an approved order is not touched.
async fn replenishment_job_writes_draft_orders(s: &Server) {
    use back_office_server::storage::purchasing::{OrderFilter, OrderStatus, PurchaseOrder};
    let w = world(s).await;
    let (st, _) = api(
        s,
        "POST",
        "/product-costs",
        Some(&w.token),
        Some(json!([{"code": "ACE-1L", "cost": "2"}, {"code": "QUE-KG", "cost": "10"}])),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let csrf = hq.get("/dashboard/replenishment/settings").await.csrf();
    for (name, central) in [("Almacén central", "true"), ("Quesos Ramírez", "false")] {
        let p = hq
            .post(
                "/dashboard/replenishment/suppliers",
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("central", central),
                    ("franchisee", ""),
                    ("lead_time_days", "2"),
                    ("order_days", "1,2,3,4,5,6,7"),
                    ("min_order", "0"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
    let suppliers = s.storage.replenish().list_suppliers().await.unwrap();
    let (central, cheeses) = (suppliers[0].id, suppliers[1].id);
    let p = hq
        .post(
            "/dashboard/replenishment/families",
            &[
                ("csrf", &csrf),
                ("family", "Aceites"),
                ("supplier", &central.to_string()),
                ("pack", "6"),
                ("safety_days", "1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let rules = format!(
        "store_id;sku;supplier;reorder_point;par_level;pack;safety_days\n{};QUE-KG;Quesos Ramírez;;;0,5;2\n",
        w.store_a
    );
    let p = hq
        .post(
            "/dashboard/replenishment/rules",
            &[("csrf", &csrf), ("csv", &rules)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // Four weeks of 2 oil and 0.5 kg of cheese a day in the north.
    let mut a = Ledger::new(&w.till_a);
    let now = Utc::now();
    let mut docs = vec![a.seal_at(
        now - Duration::days(40),
        stock(
            StockMovementKind::Receipt,
            &[(w.oil, 60_000), (w.cheese, 15_000)],
            None,
            None,
        ),
    )];
    for back in (1..=28).rev() {
        docs.push(a.seal_at(
            now - Duration::days(back),
            sale(
                vec![line(w.oil, 2_000, 500), line(w.cheese, 500, 1_800)],
                None,
            ),
        ));
    }
    push(s, &w.till_a, &docs).await;

    let job = back_office_server::jobs::find("replenishment").unwrap();
    let today = chrono::NaiveDate::parse_from_str(
        &back_office_server::jobs::PeriodKind::Day.current(now),
        "%Y-%m-%d",
    )
    .unwrap();
    let run = |day: chrono::NaiveDate| {
        let st = s.storage.clone();
        async move {
            back_office_server::jobs::run(
                st,
                job,
                &day.to_string(),
                back_office_server::storage::jobs::Trigger::Manual,
                Utc::now(),
            )
            .await
            .unwrap()
        }
    };
    let orders = || {
        let st = s.storage.clone();
        async move {
            st.purchasing()
                .list_purchase_orders(&OrderFilter::default())
                .await
                .unwrap()
        }
    };
    let lines = |o: &PurchaseOrder| -> Vec<(ProductId, Quantity, Option<String>)> {
        o.lines
            .iter()
            .map(|l| (l.product_id, l.quantity, l.unit_cost.map(|c| c.to_string())))
            .collect()
    };
    let of = |all: &[PurchaseOrder], supplier: i64| -> Vec<PurchaseOrder> {
        all.iter()
            .filter(|o| o.store_id == w.store_a && o.supplier_id == supplier)
            .cloned()
            .collect()
    };

    // Day one: oil 60 − 56 = 4 on hand, 4 days × 2 = 8 → 4 → one pack of 6 from the warehouse;
    // cheese 15 − 14 = 1 on hand, 5 days × 0.5 = 2.5 → 1.5 from the cheese supplier.
    run(today).await;
    let all = orders().await;
    let (oil, cheese) = (of(&all, central), of(&all, cheeses));
    assert_eq!((oil.len(), cheese.len()), (1, 1), "{all:?}");
    let (oil, cheese) = (oil[0].clone(), cheese[0].clone());
    assert_eq!(
        lines(&oil),
        vec![(w.oil, Quantity::units(6), Some("2.0000".into()))]
    );
    assert_eq!(
        lines(&cheese),
        vec![(
            w.cheese,
            Quantity::from_milli(1_500),
            Some("10.0000".into())
        )]
    );
    for o in [&oil, &cheese] {
        assert_eq!(o.status, OrderStatus::Draft);
        assert_eq!(o.source, "suggestion");
        assert_eq!(o.made_by_job.as_deref(), Some("replenishment"));
        assert_eq!(o.edited_by, None);
    }
    // Reposición's «Crear pedido» for the cheese supplier while the job's draft is open: that
    // draft (with today's lines), not a second one.
    let csrf = hq.get("/dashboard/replenishment").await.csrf();
    let p = hq
        .post(
            "/dashboard/purchase-orders/from-suggestion",
            &[
                ("csrf", &csrf),
                ("store", &w.store_a.to_string()),
                ("supplier", &cheeses.to_string()),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(order_id(&p), cheese.id);
    hq.get(p.location.as_deref().unwrap())
        .await
        .assert(StatusCode::OK, "Ya había un borrador automático");
    assert_eq!(orders().await, all, "nothing new, nothing changed");
    // Pedidos shows them as automatic drafts.
    hq.get("/dashboard/purchase-orders")
        .await
        .assert(StatusCode::OK, "borrador automático");
    hq.get(&format!("/dashboard/purchase-orders/{}", oil.id))
        .await
        .assert(StatusCode::OK, "creado por borrador automático");

    // The same day again: nothing new, nothing changed.
    run(today).await;
    assert_eq!(orders().await, all);

    // A person edits the oil draft; the cheese draft stays the job's. The north sells 1 kg of
    // cheese today: tomorrow 0 on hand, 2.5 to order.
    let path = format!("/dashboard/purchase-orders/{}", oil.id);
    let csrf = hq.get(&path).await.csrf();
    let p = hq
        .post(
            &format!("{path}/lines"),
            &[("csrf", &csrf), ("lines", "ACE-1L ; 12")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let edited = s
        .storage
        .purchasing()
        .get_purchase_order(oil.id)
        .await
        .unwrap();
    assert_eq!(edited.edited_by.as_deref(), Some("Usuario hq"));
    hq.get(&path)
        .await
        .assert(StatusCode::OK, "editado por Usuario hq");
    push(
        s,
        &w.till_a,
        &[a.seal(sale(vec![line(w.cheese, 1_000, 1_800)], None))],
    )
    .await;
    run(today + Duration::days(1)).await;
    let all = orders().await;
    let (oil2, cheese2) = (of(&all, central), of(&all, cheeses));
    assert_eq!(oil2, vec![edited.clone()], "the edited draft is left alone");
    assert_eq!(cheese2.len(), 1, "{all:?}");
    assert_eq!(cheese2[0].id, cheese.id, "the job's own draft is reused");
    assert_eq!(
        lines(&cheese2[0]),
        vec![(
            w.cheese,
            Quantity::from_milli(2_500),
            Some("10.0000".into())
        )]
    );

    // Approved, the cheese order is not touched by a later run, and no draft replaces it.
    let approved = back_office_server::services::purchasing::approve(
        s.storage.as_ref(),
        None,
        cheese.id,
        "Usuario hq",
        Utc::now(),
    )
    .await
    .unwrap()
    .order;
    run(today + Duration::days(2)).await;
    let all = orders().await;
    assert_eq!(of(&all, central), vec![edited]);
    let cheese3 = of(&all, cheeses);
    assert!(cheese3.contains(&approved), "{all:?}");
    assert!(
        cheese3
            .iter()
            .all(|o| o.id == approved.id || o.status == OrderStatus::Draft),
        "{all:?}"
    );

    // Eight instances writing the same store's draft at once: one draft, the others reuse it.
    use back_office_server::storage::purchasing::{JobDraft, NewPurchaseOrder, OrderLineIn};
    let new = NewPurchaseOrder {
        store_id: w.store_b,
        supplier_id: central,
        source: "suggestion".into(),
        lines: vec![OrderLineIn {
            product_id: w.oil,
            quantity: Quantity::units(6),
            unit_cost: None,
        }],
        created_by: "replenishment".into(),
    };
    let south = || async {
        orders()
            .await
            .into_iter()
            .filter(|o| o.store_id == w.store_b && o.supplier_id == central)
            .count()
    };
    assert_eq!(south().await, 0);
    let got: Vec<JobDraft> = futures::future::join_all((0..8).map(|_| {
        s.storage
            .purchasing()
            .write_suggested_draft(&new, Some("replenishment"), Utc::now())
    }))
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    assert_eq!(
        got.iter()
            .filter(|d| matches!(d, JobDraft::Created(_)))
            .count(),
        1,
        "{got:?}"
    );
    assert!(
        got.iter()
            .all(|d| matches!(d, JobDraft::Created(_) | JobDraft::Replaced(_))),
        "{got:?}"
    );
    assert_eq!(south().await, 1);

    // The south sells no oil: its next run has nothing to order from the warehouse, so the job's
    // untouched draft is discarded; the north's edited draft stays.
    run(today + Duration::days(3)).await;
    let south_orders: Vec<PurchaseOrder> = orders()
        .await
        .into_iter()
        .filter(|o| o.store_id == w.store_b && o.supplier_id == central)
        .collect();
    assert_eq!(south_orders.len(), 1, "{south_orders:?}");
    assert_eq!(south_orders[0].status, OrderStatus::Discarded);
    assert_eq!(south_orders[0].decided_by.as_deref(), Some("replenishment"));
    let north = s
        .storage
        .purchasing()
        .get_purchase_order(oil.id)
        .await
        .unwrap();
    assert_eq!(
        north.status,
        OrderStatus::Draft,
        "an edited draft is never discarded"
    );
}

on_both_backends!(replenishment_job_writes_draft_orders);
