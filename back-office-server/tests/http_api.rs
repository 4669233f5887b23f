//! The HTTP layer end to end: the real router on 127.0.0.1:0 over a fresh SQLite file (and a fresh
//! PostgreSQL database when `TRASTIENDA_TEST_POSTGRES_URL` is set), spoken to with reqwest.

use back_office_server::storage::{self, Storage};
use back_office_server::{AppState, auth, router};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use sync_protocol::{
    Document, DocumentBody, DocumentId, GENESIS_HASH, MAX_PUSH_BATCH, Money, Payment, ProductId,
    Quantity, Sale, SaleLine, StoreId, TaxRate, Tender, TillId, compute_totals,
};
use uuid::Uuid;

struct Server {
    base: String,
    http: reqwest::Client,
    admin: String,
    _dir: Option<tempfile::TempDir>,
    #[allow(dead_code)]
    storage: Arc<dyn Storage>,
}

async fn start(storage: Arc<dyn Storage>, dir: Option<tempfile::TempDir>) -> Server {
    let admin = auth::new_token();
    storage
        .create_admin("test admin", &auth::hash_token(&admin))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(AppState::new(storage.clone()));
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        admin,
        _dir: dir,
        storage,
    }
}

async fn sqlite() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.db").display());
    let st = storage::open(&url).await.unwrap();
    start(st, Some(dir)).await
}

impl Server {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut rq = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        if let Some(b) = body {
            rq = rq.json(b);
        }
        let res = rq.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: body is not JSON ({e}): {text}"))
        };
        (status, v)
    }
    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(&body)).await
    }
    async fn admin_post(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.post(path, Some(&self.admin.clone()), body).await;
        assert!(s.is_success(), "{path}: {s} {v}");
        v
    }
    async fn admin_get(&self, path: &str) -> Value {
        let (s, v) = self.get(path, &self.admin.clone()).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }
    async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut rq = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        let res = rq.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}")),
        )
    }
}

impl Server {
    /// Sends only the headers of a POST declaring `len` bytes and reads the answer off the socket.
    async fn declared_oversize(&self, path: &str, token: &str, len: usize) -> (StatusCode, Value) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = self.base.trim_start_matches("http://");
        let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
             content-type: application/json\r\ncontent-length: {len}\r\n\r\n"
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        // Read until the whole JSON answer is in (the server may keep the connection open).
        loop {
            let n = tokio::time::timeout(std::time::Duration::from_secs(10), sock.read(&mut buf))
                .await
                .expect("the server answered a declared oversize body")
                .unwrap();
            raw.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&raw);
            if n == 0 || text.trim_end().ends_with('}') {
                break;
            }
        }
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
        let code: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        (
            StatusCode::from_u16(code).unwrap(),
            serde_json::from_str(body.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {body}")),
        )
    }
}

/// An error answer: the status and an ApiError body with a message.
fn assert_api_error(what: &str, got: (StatusCode, Value), status: StatusCode, needle: &str) {
    let (s, v) = got;
    assert_eq!(s, status, "{what}: {v}");
    assert!(v["error"].is_string(), "{what}: no error code in {v}");
    let m = v["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no message in {v}"));
    assert!(
        m.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: message {m:?} does not mention {needle:?}"
    );
}

struct Franchise {
    stores: Vec<i64>,
    tax_rate: i64,
}

async fn franchise(s: &Server) -> Franchise {
    let f = s
        .admin_post(
            "/api/v1/admin/franchisees",
            json!({"legal_name": "Ultramarinos Test, S.L.", "nif": "B12345674", "address": "Calle Mayor 1, Madrid"}),
        )
        .await;
    let mut stores = vec![];
    for name in ["Tienda Norte", "Tienda Sur"] {
        let st = s
            .admin_post(
                "/api/v1/admin/stores",
                json!({"franchisee_id": f["id"], "name": name, "address": "x", "receipt_footer": "Gracias"}),
            )
            .await;
        stores.push(st["id"].as_i64().unwrap());
    }
    let r = s
        .admin_post(
            "/api/v1/admin/tax-rates",
            json!({"name": "IVA reducido", "rate": "10.00"}),
        )
        .await;
    Franchise {
        stores,
        tax_rate: r["id"].as_i64().unwrap(),
    }
}

struct Till {
    id: i64,
    store: i64,
    token: String,
}

async fn enrolled_till(s: &Server, store: i64) -> Till {
    let t = s
        .admin_post(
            "/api/v1/admin/tills",
            json!({"store_id": store, "name": "Caja 1"}),
        )
        .await;
    let code = t["enrolment_code"].as_str().unwrap().to_string();
    let (st, e) = s
        .post(
            "/api/v1/sync/enroll",
            None,
            json!({"protocol_version": 1, "code": code, "device_name": "test device"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    Till {
        id: e["till_id"].as_i64().unwrap(),
        store: e["store_id"].as_i64().unwrap(),
        token: e["token"].as_str().unwrap().to_string(),
    }
}

fn sale_body(cents: i64, qty: i64) -> DocumentBody {
    let line = SaleLine {
        line_id: Uuid::new_v4(),
        product_id: ProductId(1),
        barcode: None,
        name: "Café molido 250 g".into(),
        quantity: Quantity::units(qty),
        unit_price: Money::from_cents(cents),
        tax_rate: TaxRate::percent(10),
        discount: Money::ZERO,
        promotion: None,
    };
    let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
    DocumentBody::Sale(Sale {
        ticket_number: "T0001-000001".into(),
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

/// `n` chained sales of a till starting at `first` after `prev`.
fn chain(t: &Till, first: u64, n: u64, prev: &str) -> Vec<Document> {
    let mut prev = prev.to_string();
    (first..first + n)
        .map(|seq| {
            let d = Document::seal(
                DocumentId::new(),
                TillId(t.id),
                StoreId(t.store),
                seq,
                Utc::now(),
                &prev,
                sale_body(345 + seq as i64, 2),
            );
            prev = d.hash.clone();
            d
        })
        .collect()
}

fn push_body(till: i64, docs: &[Document]) -> Value {
    json!({"protocol_version": 1, "till_id": till, "documents": docs})
}

async fn last_seq(s: &Server, till: i64) -> u64 {
    s.admin_get(&format!("/api/v1/admin/tills/{till}")).await["last_seq"]
        .as_u64()
        .unwrap()
}

// --- scenarios ----------------------------------------------------------------------------------

async fn health_and_openapi(s: &Server, backend: &str) {
    let (st, v) = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v, json!({"status": "ok", "database": backend}));

    let (st, doc) = s.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (p, m) in [
        ("/healthz", "get"),
        ("/api/v1/sync/enroll", "post"),
        ("/api/v1/sync/push", "post"),
        ("/api/v1/sync/changes", "get"),
        ("/api/v1/admin/franchisees", "post"),
        ("/api/v1/admin/stores/{id}", "get"),
        ("/api/v1/admin/tills/{id}/revoke", "post"),
        ("/api/v1/admin/staff/{id}/pin", "put"),
        ("/api/v1/admin/staff/{id}", "delete"),
        ("/api/v1/admin/tax-rates", "post"),
        ("/api/v1/admin/products", "get"),
        ("/api/v1/admin/products/{id}", "patch"),
        ("/api/v1/admin/products/{id}/barcodes", "post"),
        ("/api/v1/admin/barcodes/{code}", "delete"),
        ("/api/v1/admin/stores/{store_id}/prices/{product_id}", "put"),
        (
            "/api/v1/admin/stores/{store_id}/prices/{product_id}",
            "delete",
        ),
        ("/api/v1/admin/alerts", "get"),
        ("/api/v1/admin/barcode-rules", "get"),
        ("/api/v1/admin/barcode-rules", "post"),
        ("/api/v1/admin/barcode-rules/{id}", "put"),
        ("/api/v1/admin/barcode-rules/{id}", "delete"),
        ("/api/v1/reports/sales", "get"),
    ] {
        assert!(
            paths.get(p).and_then(|x| x.get(m)).is_some(),
            "{m} {p} missing"
        );
    }
    // Every operation the document lists is one the router serves: a request to it (no token,
    // sample path values) reaches a handler, never the "no such route" or wrong-method fallbacks.
    // (The other way round, every route in the document, is `openapi::tests`.)
    let mut probed = 0;
    for (p, item) in paths {
        let path = p
            .replace("{day}", "2026-01-01")
            .replace("{format}", "pdf")
            .replace("{code}", "8410000000019")
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for m in ["get", "post", "put", "patch", "delete"] {
            if item.get(m).is_none() {
                continue;
            }
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let res = s
                .http
                .request(method, format!("{}{path}", s.base))
                .send()
                .await
                .unwrap();
            let st = res.status();
            let text = res.text().await.unwrap();
            assert!(
                st != StatusCode::METHOD_NOT_ALLOWED
                    && !(st == StatusCode::NOT_FOUND && text.contains("no such route")),
                "{m} {p} is in the OpenAPI document but not routed: {st} {text}"
            );
            probed += 1;
        }
    }
    assert!(probed >= 127, "{probed} operations probed");
    // Every $ref resolves.
    let text = doc.to_string();
    for part in text.split("#/components/schemas/").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(
            doc["components"]["schemas"].get(&name).is_some(),
            "dangling $ref {name}"
        );
    }
    // Unknown routes and methods answer JSON too.
    assert_api_error(
        "404",
        s.call(Method::GET, "/nope", None, None).await,
        StatusCode::NOT_FOUND,
        "no such route",
    );
    assert_api_error(
        "405",
        s.call(Method::DELETE, "/healthz", None, None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method",
    );
}

async fn admin_flow(s: &Server) {
    let a = Some(s.admin.as_str());
    assert_api_error(
        "bad NIF",
        s.post(
            "/api/v1/admin/franchisees",
            a,
            json!({"legal_name": "X, S.L.", "nif": "B12345675"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ends in 4",
    );
    assert_api_error(
        "bad DNI",
        s.post(
            "/api/v1/admin/franchisees",
            a,
            json!({"legal_name": "Ana", "nif": "12345678A"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "check letter",
    );
    let f = franchise(s).await;
    let (st, store) = s
        .get(&format!("/api/v1/admin/stores/{}", f.stores[0]), &s.admin)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(store["name"], "Tienda Norte");
    assert_api_error(
        "missing store",
        s.get("/api/v1/admin/stores/999999", &s.admin).await,
        StatusCode::NOT_FOUND,
        "",
    );
    assert_api_error(
        "bad path",
        s.get("/api/v1/admin/stores/abc", &s.admin).await,
        StatusCode::BAD_REQUEST,
        "",
    );

    let t = s
        .admin_post(
            "/api/v1/admin/tills",
            json!({"store_id": f.stores[0], "name": "Caja 1"}),
        )
        .await;
    let code = t["enrolment_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 10);
    let enrol =
        json!({"protocol_version": 1, "code": code.to_lowercase(), "device_name": "Caja 1 PC"});
    let (st, e) = s.post("/api/v1/sync/enroll", None, enrol.clone()).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(e["till_id"], t["till"]["id"]);
    assert_eq!(e["store_id"].as_i64(), Some(f.stores[0]));
    assert_eq!(e["token"].as_str().unwrap().len(), 64);
    let (st, _) = s.post("/api/v1/sync/enroll", None, enrol).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "a code is single-use");
    let till = s
        .admin_get(&format!("/api/v1/admin/tills/{}", e["till_id"]))
        .await;
    assert!(till["enrolled_at"].is_string());
    assert_eq!(
        s.admin_get("/api/v1/admin/tills")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Products: barcode check digits and prices.
    assert_api_error(
        "bad EAN",
        s.post("/api/v1/admin/products", a, json!({"sku": "A1", "name": "Agua", "tax_rate_id": f.tax_rate, "price": "0.50", "barcodes": ["8412345678906"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "check digit",
    );
    assert_api_error(
        "negative price",
        s.post(
            "/api/v1/admin/products",
            a,
            json!({"sku": "A1", "name": "Agua", "tax_rate_id": f.tax_rate, "price": "-0.50"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "negative",
    );
    assert_api_error(
        "float price",
        s.post(
            "/api/v1/admin/products",
            a,
            json!({"sku": "A1", "name": "Agua", "tax_rate_id": f.tax_rate, "price": 0.5}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "",
    );
    let p = s
        .admin_post(
            "/api/v1/admin/products",
            json!({"sku": "A1", "name": "Agua mineral 1,5 l", "tax_rate_id": f.tax_rate, "price": "0.45", "barcodes": ["8412345678905"]}),
        )
        .await;
    let (st, _) = s
        .post(
            "/api/v1/admin/products",
            a,
            json!({"sku": "A1", "name": "Otra", "tax_rate_id": f.tax_rate, "price": "1.00"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "duplicate SKU");
    let list = s.admin_get("/api/v1/admin/products?q=agua&limit=10").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (st, v) = s
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/products/{}", p["id"]),
            a,
            Some(&json!({"price": "0.55"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["price"], "0.55");
    let v = s
        .admin_post(
            &format!("/api/v1/admin/products/{}/barcodes", p["id"]),
            json!({"code": "96385074"}),
        )
        .await;
    assert_eq!(v["barcodes"].as_array().unwrap().len(), 2);
    let (st, _) = s
        .call(Method::DELETE, "/api/v1/admin/barcodes/96385074", a, None)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);

    // Staff PINs.
    assert_api_error(
        "short PIN",
        s.post(
            "/api/v1/admin/staff",
            a,
            json!({"name": "Eva", "role": "cashier", "store_id": f.stores[0], "pin": "12"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "4 to 8 digits",
    );
    let eva = s
        .admin_post(
            "/api/v1/admin/staff",
            json!({"name": "Eva", "role": "cashier", "store_id": f.stores[0], "pin": "4321"}),
        )
        .await;
    let (st, _) = s
        .call(
            Method::PUT,
            &format!("/api/v1/admin/staff/{}/pin", eva["id"]),
            a,
            Some(&json!({"pin": "98765"})),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = s
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/staff/{}", eva["id"]),
            a,
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);

    // Reports validate their query.
    assert_api_error(
        "bad date",
        s.get(
            "/api/v1/reports/sales?from=2026-13-01&to=2026-12-31",
            &s.admin,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "",
    );
    assert_api_error(
        "reversed",
        s.get(
            "/api/v1/reports/sales?from=2026-12-31&to=2026-01-01",
            &s.admin,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "after",
    );
}

async fn changes_are_scoped_to_the_store(s: &Server) {
    let f = franchise(s).await;
    let north = enrolled_till(s, f.stores[0]).await;
    let south = enrolled_till(s, f.stores[1]).await;
    let p = s
        .admin_post(
            "/api/v1/admin/products",
            json!({"sku": "C1", "name": "Croissant", "tax_rate_id": f.tax_rate, "price": "1.20", "barcodes": ["8480000000002"]}),
        )
        .await;
    s.admin_post(
        "/api/v1/admin/staff",
        json!({"name": "Norberto", "role": "manager", "store_id": f.stores[0], "pin": "1234"}),
    )
    .await;
    let (st, v) = s
        .call(
            Method::PUT,
            &format!("/api/v1/admin/stores/{}/prices/{}", f.stores[0], p["id"]),
            Some(&s.admin),
            Some(&json!({"price": "0.99"})),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");

    let kinds = |page: &Value| -> Vec<String> {
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"]["type"].as_str().unwrap().to_string())
            .collect()
    };
    let (st, n) = s.get("/api/v1/sync/changes?after=0", &north.token).await;
    assert_eq!(st, StatusCode::OK, "{n}");
    let (_, so) = s.get("/api/v1/sync/changes?after=0", &south.token).await;
    let nk = kinds(&n);
    let sk = kinds(&so);
    for k in ["tax_rate", "product", "barcode", "staff", "store_price"] {
        assert!(nk.contains(&k.to_string()), "north lacks {k}: {nk:?}");
    }
    assert!(sk.contains(&"product".to_string()), "{sk:?}");
    assert!(
        !sk.contains(&"staff".to_string()),
        "south sees north's staff: {sk:?}"
    );
    assert!(
        !sk.contains(&"store_price".to_string()),
        "south sees north's price: {sk:?}"
    );
    let staff = n["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["change"]["type"] == "staff")
        .unwrap();
    assert!(
        staff["change"]["pin_hash"]
            .as_str()
            .unwrap()
            .starts_with("$argon2")
    );

    // Paging: limit 1 walks the same changes.
    let mut after = 0;
    let mut seen = 0;
    loop {
        let (st, page) = s
            .get(
                &format!("/api/v1/sync/changes?after={after}&limit=1"),
                &north.token,
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        seen += page["changes"].as_array().unwrap().len();
        after = page["next_cursor"].as_i64().unwrap();
        if page["has_more"] != true {
            break;
        }
    }
    assert_eq!(seen, nk.len());
    // Nothing new after the last cursor; a clear price shows up.
    let (_, empty) = s
        .get(&format!("/api/v1/sync/changes?after={after}"), &north.token)
        .await;
    assert_eq!(empty["changes"].as_array().unwrap().len(), 0);
    let (st, _) = s
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/stores/{}/prices/{}", f.stores[0], p["id"]),
            Some(&s.admin),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, page) = s
        .get(&format!("/api/v1/sync/changes?after={after}"), &north.token)
        .await;
    assert_eq!(kinds(&page), vec!["store_price_cleared".to_string()]);
    let (_, page) = s
        .get(&format!("/api/v1/sync/changes?after={after}"), &south.token)
        .await;
    assert_eq!(page["changes"].as_array().unwrap().len(), 0);
    assert_api_error(
        "limit",
        s.get("/api/v1/sync/changes?limit=999999", &north.token)
            .await,
        StatusCode::BAD_REQUEST,
        "limit",
    );
    assert_api_error(
        "after",
        s.get("/api/v1/sync/changes?after=abc", &north.token).await,
        StatusCode::BAD_REQUEST,
        "",
    );
}

async fn push_is_idempotent_and_conflicts_are_kept(s: &Server) {
    let f = franchise(s).await;
    let t = enrolled_till(s, f.stores[0]).await;
    let docs = chain(&t, 1, 3, GENESIS_HASH);
    let (st, r) = s
        .post("/api/v1/sync/push", Some(&t.token), push_body(t.id, &docs))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert!(
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "stored"),
        "{r}"
    );
    assert_eq!(r["contiguous_seq"], 3);

    let today = storage::sql::business_day(Utc::now());
    let range = format!(
        "/api/v1/reports/sales?from={}&to={}&group_by=store",
        today - chrono::Duration::days(1),
        today + chrono::Duration::days(1)
    );
    let before = s.admin_get(&range).await;
    assert_eq!(before["totals"]["tickets"], 3, "{before}");

    let (st, r) = s
        .post("/api/v1/sync/push", Some(&t.token), push_body(t.id, &docs))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert!(
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "duplicate"),
        "{r}"
    );
    assert_eq!(
        s.admin_get(&range).await,
        before,
        "a re-sent batch changes nothing"
    );

    // Tampered: seq 2 with other content, re-hashed so it is self-consistent.
    let mut bad = docs[1].clone();
    bad.body = sale_body(999, 3);
    bad.hash = bad.compute_hash();
    let (st, r) = s
        .post("/api/v1/sync/push", Some(&t.token), push_body(t.id, &[bad]))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{r}");
    assert_eq!(r["results"][0]["status"], "conflict");
    let alerts = s.admin_get("/api/v1/admin/alerts").await;
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "conflict" && a["till_id"].as_i64() == Some(t.id)),
        "{alerts}"
    );
    assert_eq!(
        s.admin_get(&range).await,
        before,
        "a conflict is kept aside, not counted"
    );
    let till = s.admin_get(&format!("/api/v1/admin/tills/{}", t.id)).await;
    assert!(till["conflicts"].as_u64().unwrap() >= 1, "{till}");

    // An empty push just reports where HQ is.
    let (st, r) = s
        .post("/api/v1/sync/push", Some(&t.token), push_body(t.id, &[]))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(r["contiguous_seq"], 3);
}

async fn bad_inputs_get_json_4xx_and_store_nothing(s: &Server) {
    let f = franchise(s).await;
    let t = enrolled_till(s, f.stores[0]).await;
    let other = enrolled_till(s, f.stores[1]).await;
    let tok = Some(t.token.as_str());
    let good = chain(&t, 1, 2, GENESIS_HASH);

    assert_api_error(
        "malformed JSON",
        s.raw(
            Method::POST,
            "/api/v1/sync/push",
            tok,
            b"{\"protocol_version\": 1, ".to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "",
    );
    assert_api_error(
        "wrong types",
        s.raw(
            Method::POST,
            "/api/v1/sync/push",
            tok,
            br#"{"protocol_version":"one","till_id":1,"documents":[]}"#.to_vec(),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "protocol_version",
    );
    let mut b = push_body(t.id, &good);
    b["protocol_version"] = json!(7);
    assert_api_error(
        "unknown version",
        s.post("/api/v1/sync/push", tok, b).await,
        StatusCode::BAD_REQUEST,
        "unsupported protocol version 7; this server speaks 1",
    );
    assert_api_error(
        "enrol unknown version",
        s.post(
            "/api/v1/sync/enroll",
            None,
            json!({"protocol_version": 2, "code": "X", "device_name": "d"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "unsupported protocol version 2",
    );
    assert_api_error(
        "no token",
        s.post("/api/v1/sync/push", None, push_body(t.id, &good))
            .await,
        StatusCode::UNAUTHORIZED,
        "bearer",
    );
    assert_api_error(
        "unknown token",
        s.post(
            "/api/v1/sync/push",
            Some(&auth::new_token()),
            push_body(t.id, &good),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unknown",
    );
    assert_api_error(
        "admin token on sync",
        s.post("/api/v1/sync/push", Some(&s.admin), push_body(t.id, &good))
            .await,
        StatusCode::FORBIDDEN,
        "admin",
    );
    assert_api_error(
        "device token on admin API",
        s.get("/api/v1/admin/stores", &t.token).await,
        StatusCode::FORBIDDEN,
        "device token",
    );
    assert_api_error(
        "device token on reports",
        s.get(
            "/api/v1/reports/sales?from=2026-01-01&to=2026-01-02",
            &t.token,
        )
        .await,
        StatusCode::FORBIDDEN,
        "device token",
    );
    assert_api_error(
        "wrong till id",
        s.post("/api/v1/sync/push", tok, push_body(other.id, &good))
            .await,
        StatusCode::FORBIDDEN,
        &format!("this token belongs to till {}", t.id),
    );
    assert_api_error(
        "another till's documents",
        s.post(
            "/api/v1/sync/push",
            tok,
            push_body(t.id, &chain(&other, 1, 1, GENESIS_HASH)),
        )
        .await,
        StatusCode::FORBIDDEN,
        "document seq 1",
    );

    let big = chain(&t, 1, MAX_PUSH_BATCH as u64 + 1, GENESIS_HASH);
    assert_api_error(
        "oversized batch",
        s.post("/api/v1/sync/push", tok, push_body(t.id, &big))
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        &MAX_PUSH_BATCH.to_string(),
    );
    // Declared over the limit: refused from the headers alone, before the body is sent, so the answer
    // cannot be lost to a connection reset (a raw socket, as reqwest would stream the body first).
    assert_api_error(
        "body over the limit",
        s.declared_oversize("/api/v1/sync/push", &t.token, 17 * 1024 * 1024)
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "limit",
    );

    // Negative quantity (re-sealed so only the body is wrong), in the second document: nothing stored.
    let mut neg = good.clone();
    if let DocumentBody::Sale(sale) = &mut neg[1].body {
        sale.lines[0].quantity = Quantity::units(-2);
    }
    neg[1].hash = neg[1].compute_hash();
    assert_api_error(
        "negative quantity",
        s.post("/api/v1/sync/push", tok, push_body(t.id, &neg))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "document seq 2: line 1: quantity",
    );
    let mut mismatch = good.clone();
    if let DocumentBody::Sale(sale) = &mut mismatch[0].body {
        sale.totals.total = Money::from_cents(1);
    }
    mismatch[0].hash = mismatch[0].compute_hash();
    assert_api_error(
        "totals mismatch",
        s.post("/api/v1/sync/push", tok, push_body(t.id, &mismatch))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "document seq 1: totals do not match",
    );
    let mut tampered = good.clone();
    tampered[1].body = sale_body(1, 1);
    assert_api_error(
        "hash mismatch",
        s.post("/api/v1/sync/push", tok, push_body(t.id, &tampered))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "document seq 2: hash does not match its content",
    );
    assert_api_error(
        "future seq",
        s.post(
            "/api/v1/sync/push",
            tok,
            push_body(t.id, &chain(&t, 100_002, 1, GENESIS_HASH)),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "sequence from the future",
    );
    let mut reversed = good.clone();
    reversed.reverse();
    assert_api_error(
        "decreasing seqs",
        s.post("/api/v1/sync/push", tok, push_body(t.id, &reversed))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "strictly increasing",
    );
    let ahead = Document::seal(
        DocumentId::new(),
        TillId(t.id),
        StoreId(t.store),
        1,
        Utc::now() + chrono::Duration::hours(30),
        GENESIS_HASH,
        sale_body(100, 1),
    );
    assert_api_error(
        "clock ahead",
        s.post("/api/v1/sync/push", tok, push_body(t.id, &[ahead]))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ahead of the server",
    );
    assert_eq!(
        last_seq(s, t.id).await,
        0,
        "nothing was stored by any bad push"
    );

    // The good batch still goes in; then the till is revoked.
    let (st, r) = s
        .post("/api/v1/sync/push", tok, push_body(t.id, &good))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (st, v) = s
        .post(
            &format!("/api/v1/admin/tills/{}/revoke", t.id),
            Some(&s.admin),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(v["revoked_at"].is_string());
    assert_api_error(
        "revoked till",
        s.post(
            "/api/v1/sync/push",
            tok,
            push_body(t.id, &chain(&t, 3, 1, &good[1].hash)),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "revoked",
    );
    assert_api_error(
        "revoked pull",
        s.get("/api/v1/sync/changes", &t.token).await,
        StatusCode::UNAUTHORIZED,
        "revoked",
    );
    assert_eq!(last_seq(s, t.id).await, 2);
}

async fn barcode_rules_reach_every_store_and_bad_input_stores_nothing(s: &Server) {
    let f = franchise(s).await;
    let north = enrolled_till(s, f.stores[0]).await;
    let south = enrolled_till(s, f.stores[1]).await;
    let a = Some(s.admin.as_str());
    let path = "/api/v1/admin/barcode-rules";
    let weight = json!({"prefix": "21", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3});
    let (st, w) = s.post(path, a, weight.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{w}");
    assert_eq!(w["prefix"], "21");
    assert_eq!(w["verifier"], false);
    let (st, p) = s
        .post(
            path,
            a,
            json!({"prefix": "23", "kind": "price", "item_digits": 4, "value_digits": 5, "decimals": 2, "verifier": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    let before = s.admin_get(path).await;
    assert_eq!(before.as_array().unwrap().len(), 2, "{before}");

    // Bad input: a JSON 4xx that says why, and nothing stored.
    let bad = [
        (
            json!({"prefix": "19", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "20 to 29",
        ),
        (
            json!({"prefix": "2", "kind": "weight", "item_digits": 6, "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "20 to 29",
        ),
        (
            json!({"prefix": "2a", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "20 to 29",
        ),
        (
            json!({"prefix": "22", "kind": "weight", "item_digits": 6, "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "13 digits",
        ),
        (
            json!({"prefix": "22", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3, "verifier": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "13 digits",
        ),
        (
            json!({"prefix": "22", "kind": "weight", "item_digits": 18446744073709551615u64, "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "13 digits",
        ),
        (
            json!({"prefix": "22", "kind": "weight", "item_digits": 0, "value_digits": 10, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at least 1",
        ),
        (
            json!({"prefix": "22", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 4}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "between 0 and 3",
        ),
        (
            json!({"prefix": "22", "kind": "price", "item_digits": 5, "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "2 decimals",
        ),
        (
            json!({"prefix": "22", "kind": "price", "item_digits": 3, "value_digits": 6, "decimals": 2, "verifier": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "4 or 5 digits",
        ),
        (
            json!({"prefix": "22", "kind": "volume", "item_digits": 5, "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "kind",
        ),
        (
            json!({"prefix": "22", "kind": "weight", "item_digits": -5, "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "item_digits",
        ),
        (
            json!({"prefix": "22", "kind": "weight", "value_digits": 5, "decimals": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "item_digits",
        ),
        (
            json!({"prefix": "22", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3, "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
        (
            weight.clone(),
            StatusCode::CONFLICT,
            "prefix 21 already exists",
        ),
    ];
    for (body, status, needle) in bad {
        assert_api_error(
            &body.to_string(),
            s.post(path, a, body.clone()).await,
            status,
            needle,
        );
    }
    assert_api_error(
        "not JSON",
        s.raw(Method::POST, path, a, b"{prefix".to_vec()).await,
        StatusCode::BAD_REQUEST,
        "",
    );
    assert_eq!(s.admin_get(path).await, before, "a refused rule was stored");

    // Role boundaries: a till token may not touch the admin API, no token is 401.
    assert_api_error(
        "till token",
        s.post(path, Some(&north.token), weight.clone()).await,
        StatusCode::FORBIDDEN,
        "device token",
    );
    assert_api_error(
        "till token list",
        s.get(path, &north.token).await,
        StatusCode::FORBIDDEN,
        "device token",
    );
    assert_api_error(
        "no token",
        s.post(path, None, weight.clone()).await,
        StatusCode::UNAUTHORIZED,
        "authorization",
    );

    // Update: validated the same way; unknown id 404; another rule's prefix 409.
    let wid = w["id"].as_i64().unwrap();
    let pid = p["id"].as_i64().unwrap();
    let put = |id: i64, b: Value| async move {
        s.call(
            Method::PUT,
            &format!("{path}/{id}"),
            Some(&s.admin),
            Some(&b),
        )
        .await
    };
    let (st, u) = put(
        wid,
        json!({"prefix": "21", "kind": "weight", "item_digits": 4, "value_digits": 5, "decimals": 3, "verifier": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{u}");
    assert_eq!(u["item_digits"], 4);
    let after_update = s.admin_get(path).await;
    assert_api_error(
        "bad update",
        put(wid, json!({"prefix": "21", "kind": "weight", "item_digits": 9, "value_digits": 5, "decimals": 3})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "13 digits",
    );
    assert_api_error(
        "prefix of another rule",
        put(pid, json!({"prefix": "21", "kind": "price", "item_digits": 5, "value_digits": 5, "decimals": 2})).await,
        StatusCode::CONFLICT,
        "prefix 21",
    );
    assert_api_error(
        "unknown rule",
        put(999_999, weight.clone()).await,
        StatusCode::NOT_FOUND,
        "barcode rule 999999",
    );
    assert_eq!(s.admin_get(path).await, after_update);

    // Delete, then the same again is 404.
    let (st, _) = s
        .call(Method::DELETE, &format!("{path}/{pid}"), a, None)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_api_error(
        "delete twice",
        s.call(Method::DELETE, &format!("{path}/{pid}"), a, None)
            .await,
        StatusCode::NOT_FOUND,
        "not found",
    );
    assert_api_error(
        "bad id",
        s.call(Method::DELETE, &format!("{path}/x"), a, None).await,
        StatusCode::BAD_REQUEST,
        "",
    );

    // Rules are franchise-wide: both stores' tills get every write, in order.
    for t in [&north, &south] {
        let (st, page) = s.get("/api/v1/sync/changes?after=0", &t.token).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        let rules: Vec<Value> = page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["change"].clone())
            .filter(|c| c["type"].as_str().unwrap().starts_with("barcode_rule"))
            .collect();
        assert_eq!(
            rules,
            vec![
                json!({"type": "barcode_rule", "id": wid, "prefix": "21", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 3, "verifier": false}),
                json!({"type": "barcode_rule", "id": pid, "prefix": "23", "kind": "price", "item_digits": 4, "value_digits": 5, "decimals": 2, "verifier": true}),
                json!({"type": "barcode_rule", "id": wid, "prefix": "21", "kind": "weight", "item_digits": 4, "value_digits": 5, "decimals": 3, "verifier": true}),
                json!({"type": "barcode_rule_deleted", "id": pid}),
            ],
            "till {} of store {}",
            t.id,
            t.store
        );
        // And the page parses as the wire type.
        let _: sync_protocol::ChangesPage = serde_json::from_value(page).unwrap();
    }
}

/// Store changes (`type: store`) a till sees after `after`, and the page's next cursor.
async fn store_changes(s: &Server, till: &Till, after: i64) -> (Vec<Value>, i64) {
    let (st, page) = s
        .get(&format!("/api/v1/sync/changes?after={after}"), &till.token)
        .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let stores = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].clone())
        .filter(|c| c["type"] == "store")
        .collect();
    (stores, page["next_cursor"].as_i64().unwrap())
}

async fn store_and_franchisee_edits_reach_their_tills_and_bad_input_stores_nothing(s: &Server) {
    let f = franchise(s).await;
    let other = s
        .admin_post(
            "/api/v1/admin/franchisees",
            json!({"legal_name": "Otra Tienda, S.L.", "nif": "A58818501"}),
        )
        .await;
    let other_store = s
        .admin_post(
            "/api/v1/admin/stores",
            json!({"franchisee_id": other["id"], "name": "Tienda Este", "receipt_header": "Abierto 24 h", "cash_tolerance": "1.00"}),
        )
        .await;
    assert_eq!(other_store["cash_tolerance"], "1.00");
    assert_eq!(other_store["receipt_header"], "Abierto 24 h");
    let north = enrolled_till(s, f.stores[0]).await;
    let south = enrolled_till(s, f.stores[1]).await;
    let east = enrolled_till(s, other_store["id"].as_i64().unwrap()).await;
    let (mine, n0) = store_changes(s, &north, 0).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["cash_tolerance"], "5.00", "HQ's default tolerance");
    let (_, s0) = store_changes(s, &south, 0).await;
    let (_, e0) = store_changes(s, &east, 0).await;
    let path = format!("/api/v1/admin/stores/{}", f.stores[0]);

    // A store's settings change and only its own till hears of it.
    let (st, v) = s
        .call(
            Method::PATCH,
            &path,
            Some(&s.admin),
            Some(&json!({"cash_tolerance": "2.50", "receipt_header": "Abierto de 9 a 21 h"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["cash_tolerance"], "2.50");
    assert_eq!(v["receipt_footer"], "Gracias", "untouched fields stay");
    let (got, n1) = store_changes(s, &north, n0).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["cash_tolerance"], "2.50");
    assert_eq!(got[0]["receipt_header"], "Abierto de 9 a 21 h");
    assert_eq!(got[0]["name"], "Tienda Norte");
    assert!(store_changes(s, &south, s0).await.0.is_empty());
    assert!(store_changes(s, &east, e0).await.0.is_empty());

    // Bad input: a JSON 4xx, and nothing saved or sent down.
    for (body, status, needle) in [
        (
            json!({"cash_tolerance": "-1.00"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "negative",
        ),
        (
            json!({"cash_tolerance": "5000.00"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "maximum",
        ),
        (
            json!({"name": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({"receipt_header": "x".repeat(501)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "receipt_header",
        ),
    ] {
        assert_api_error(
            &format!("PATCH {body}"),
            s.call(Method::PATCH, &path, Some(&s.admin), Some(&body))
                .await,
            status,
            needle,
        );
    }
    for body in [
        json!({"cash_tolerance": "1.234"}),
        json!({"cash_tolerance": 2.5}),
        json!({"tolerance": "1.00"}),
        json!({"name": 7}),
    ] {
        let (st, v) = s
            .call(Method::PATCH, &path, Some(&s.admin), Some(&body))
            .await;
        assert!(st.is_client_error(), "PATCH {body}: {st} {v}");
        assert!(v["message"].is_string(), "PATCH {body}: {v}");
    }
    let (st, v) = s
        .call(
            Method::PUT,
            &path,
            Some(&s.admin),
            Some(&json!({"name": "Sin margen"})),
        )
        .await;
    assert!(st.is_client_error(), "PUT without every field: {st} {v}");
    assert_api_error(
        "unknown store",
        s.call(
            Method::PATCH,
            "/api/v1/admin/stores/99999",
            Some(&s.admin),
            Some(&json!({"cash_tolerance": "1.00"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "store",
    );
    let (st, _) = s
        .call(
            Method::PATCH,
            &path,
            None,
            Some(&json!({"cash_tolerance": "9.00"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = s
        .call(
            Method::PATCH,
            &path,
            Some(&north.token),
            Some(&json!({"cash_tolerance": "9.00"})),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "a till token is not an admin token"
    );
    assert_eq!(s.admin_get(&path).await["cash_tolerance"], "2.50");
    assert!(
        store_changes(s, &north, n1).await.0.is_empty(),
        "nothing sent down"
    );

    // PUT replaces every setting.
    let (st, v) = s
        .call(
            Method::PUT,
            &path,
            Some(&s.admin),
            Some(&json!({"name": "Tienda Norte", "address": "Calle Nueva 2", "receipt_header": "", "receipt_footer": "Hasta pronto", "cash_tolerance": "0.00"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["cash_tolerance"], "0.00");
    let (got, n2) = store_changes(s, &north, n1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["cash_tolerance"], "0.00");
    assert_eq!(got[0]["receipt_footer"], "Hasta pronto");

    // A franchisee's legal data: validated; a change reaches the tills of each of its stores.
    let fid = mine[0]["franchisee_id"].as_i64().unwrap();
    let fpath = format!("/api/v1/admin/franchisees/{fid}");
    for (body, status, needle) in [
        (
            json!({"nif": "B12345670"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nif",
        ),
        (
            json!({"nif": "A58818501"}),
            StatusCode::CONFLICT,
            "A58818501",
        ),
        (
            json!({"legal_name": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "legal_name",
        ),
    ] {
        assert_api_error(
            &format!("PATCH franchisee {body}"),
            s.call(Method::PATCH, &fpath, Some(&s.admin), Some(&body))
                .await,
            status,
            needle,
        );
    }
    assert_eq!(s.admin_get(&fpath).await["nif"], "B12345674");
    assert!(store_changes(s, &north, n2).await.0.is_empty());
    let (st, v) = s
        .call(
            Method::PATCH,
            &fpath,
            Some(&s.admin),
            Some(&json!({"legal_name": "Ultramarinos Nuevos, S.L.", "nif": "b-8765432-3"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["address"], "Calle Mayor 1, Madrid", "untouched");
    let n_nif = v["nif"].as_str().unwrap().to_string();
    for (till, after) in [(&north, n2), (&south, s0)] {
        let (got, _) = store_changes(s, till, after).await;
        let last = got.last().expect("the store record again");
        assert_eq!(last["franchisee_legal_name"], "Ultramarinos Nuevos, S.L.");
        assert_eq!(last["franchisee_nif"], n_nif.as_str());
    }
    let (got, _) = store_changes(s, &north, n2).await;
    assert_eq!(
        got.last().unwrap()["cash_tolerance"],
        "0.00",
        "store settings kept"
    );
    assert!(
        store_changes(s, &east, e0).await.0.is_empty(),
        "other franchisee's till hears nothing"
    );
    let (st, v) = s
        .call(
            Method::PUT,
            &fpath,
            Some(&s.admin),
            Some(&json!({"legal_name": "Ultramarinos Nuevos, S.L.", "nif": n_nif, "address": "Calle Sol 3"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["address"], "Calle Sol 3");

    // The OpenAPI document describes the new routes.
    let doc = s.admin_get("/api/openapi.json").await;
    for (p, m) in [
        ("/api/v1/admin/stores/{id}", "patch"),
        ("/api/v1/admin/stores/{id}", "put"),
        ("/api/v1/admin/franchisees/{id}", "patch"),
        ("/api/v1/admin/franchisees/{id}", "put"),
    ] {
        assert!(
            doc["paths"][p][m].is_object(),
            "{p} {m} not in the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["Store"]["properties"]["cash_tolerance"].is_object());
}

// --- per backend --------------------------------------------------------------------------------

/// A fresh PostgreSQL database, or `None` (printed as skipped) without `TRASTIENDA_TEST_POSTGRES_URL`.
async fn postgres() -> Option<(Server, String, String)> {
    let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!("skipped: TRASTIENDA_TEST_POSTGRES_URL not set, PostgreSQL half not run");
        return None;
    };
    let url = storage::postgres::create_scratch_database(&base)
        .await
        .unwrap();
    let st = storage::open(&url).await.unwrap();
    Some((start(st, None).await, base, url))
}

macro_rules! on_both_backends {
    ($name:ident $(, $arg:expr)?) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(&super::sqlite().await $(, $arg)?).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some((server, base, url)) = super::postgres().await else { return };
                super::$name(&server $(, on_both_backends!(@pg $arg))?).await;
                let _ = back_office_server::storage::postgres::drop_scratch_database(&base, &url).await;
            }
        }
    };
    (@pg $arg:expr) => { "postgres" };
}

on_both_backends!(health_and_openapi, "sqlite");
on_both_backends!(admin_flow);
on_both_backends!(changes_are_scoped_to_the_store);
on_both_backends!(push_is_idempotent_and_conflicts_are_kept);
on_both_backends!(bad_inputs_get_json_4xx_and_store_nothing);
on_both_backends!(barcode_rules_reach_every_store_and_bad_input_stores_nothing);
on_both_backends!(store_and_franchisee_edits_reach_their_tills_and_bad_input_stores_nothing);
