//! A small typed client of HQ's admin and report APIs, as HQ staff or a script would use them.

use back_office_server::{auth, barcode};
use serde_json::{Value, json};
use sync_protocol::Money;

pub struct HqClient {
    pub base: String,
    pub token: String,
    http: reqwest::Client,
}

/// A franchise set up through the admin API: one franchisee, `stores` stores, IVA rates, products, staff.
pub struct Franchise {
    pub franchisee_id: i64,
    pub store_ids: Vec<i64>,
    /// (product id, barcode, HQ price) of every product created.
    pub products: Vec<(i64, String, Money)>,
    pub manager_pin: String,
}

impl HqClient {
    pub fn new(base: &str, token: &str) -> Self {
        HqClient {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http: reqwest::Client::new(),
        }
    }

    /// Creates the first HQ admin straight in the database (as `back-office-server admin create` does) and returns its token.
    pub async fn bootstrap_admin(database_url: &str) -> String {
        let storage = back_office_server::storage::open(database_url)
            .await
            .expect("open storage");
        let token = auth::new_token();
        storage
            .create_admin("test admin", &auth::hash_token(&token))
            .await
            .expect("create admin");
        token
    }

    /// Raw request; returns status and JSON body (Null when the body is empty or not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.try_call(method, path, body).await.expect("request")
    }

    /// Like `call`, but a network failure is an error instead of a panic (till-sim's set-up).
    pub async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// A request that must succeed, retried with exponential backoff (100 ms doubling to 5 s)
    /// while HQ is unreachable or answers 5xx, for up to `patience`. A 4xx is not retried.
    pub async fn retrying(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        patience: std::time::Duration,
    ) -> anyhow::Result<Value> {
        let deadline = std::time::Instant::now() + patience;
        let mut delay = std::time::Duration::from_millis(100);
        loop {
            let last = match self.try_call(method.clone(), path, body.clone()).await {
                Ok((s, v)) if (200..300).contains(&s) => return Ok(v),
                Ok((s, v)) if s < 500 && s != 429 => {
                    anyhow::bail!("{method} {path}: HQ answered {s}: {v}")
                }
                Ok((s, v)) => format!("HTTP {s}: {v}"),
                Err(e) => format!("{e:#}"),
            };
            if std::time::Instant::now() + delay > deadline {
                anyhow::bail!("{method} {path}: HQ not reachable within {patience:?}: {last}");
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(std::time::Duration::from_secs(5));
        }
    }

    async fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let (status, v) = self.call(method.clone(), path, body).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path} → {status}: {v}"
        );
        v
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.ok(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn get(&self, path: &str) -> Value {
        self.ok(reqwest::Method::GET, path, None).await
    }

    /// A till slot in a store; returns (till id, one-time enrolment code).
    pub async fn create_till(&self, store_id: i64, name: &str) -> (i64, String) {
        let v = self
            .post(
                "/api/v1/admin/tills",
                json!({"store_id": store_id, "name": name}),
            )
            .await;
        (
            v["till"]["id"].as_i64().expect("till id"),
            v["enrolment_code"].as_str().expect("code").to_string(),
        )
    }

    pub async fn set_store_price(&self, store_id: i64, product_id: i64, price: Money) {
        self.ok(
            reqwest::Method::PUT,
            &format!("/api/v1/admin/stores/{store_id}/prices/{product_id}"),
            Some(json!({"price": price})),
        )
        .await;
    }

    pub async fn update_price(&self, product_id: i64, price: Money) {
        self.ok(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/products/{product_id}"),
            Some(json!({"price": price})),
        )
        .await;
    }

    pub async fn revoke_till(&self, till_id: i64) {
        self.post(&format!("/api/v1/admin/tills/{till_id}/revoke"), json!({}))
            .await;
    }

    /// `GET /api/v1/reports/sales` over a wide window; returns (tickets, gross).
    pub async fn sales_totals(&self) -> (u64, Money) {
        let today = chrono::Utc::now().date_naive();
        let from = today - chrono::Days::new(30);
        let to = today + chrono::Days::new(2);
        let v = self
            .get(&format!(
                "/api/v1/reports/sales?from={from}&to={to}&group_by=store"
            ))
            .await;
        let tickets = v["totals"]["tickets"].as_u64().expect("tickets");
        let gross: Money = v["totals"]["gross"]
            .as_str()
            .expect("gross")
            .parse()
            .expect("money");
        (tickets, gross)
    }

    pub async fn alerts(&self) -> Vec<Value> {
        let v = self.get("/api/v1/admin/alerts").await;
        v.as_array()
            .cloned()
            .or_else(|| v["alerts"].as_array().cloned())
            .unwrap_or_default()
    }

    /// Sets up a small franchise: IVA 21/10/4/0, one franchisee, `stores` stores, `products` products
    /// with valid EAN-13 codes across the rates, a manager and a cashier per store.
    pub async fn seed_franchise(&self, stores: usize, products: usize) -> Franchise {
        let mut rates = Vec::new();
        for (name, rate) in [
            ("IVA general", "21.00"),
            ("IVA reducido", "10.00"),
            ("IVA superreducido", "4.00"),
            ("Exento", "0.00"),
        ] {
            let v = self
                .post(
                    "/api/v1/admin/tax-rates",
                    json!({"name": name, "rate": rate}),
                )
                .await;
            rates.push(v["id"].as_i64().expect("rate id"));
        }
        let f = self
            .post("/api/v1/admin/franchisees", json!({"legal_name": "Ultramarinos Prueba S.L.", "nif": "B12345674", "address": "Calle Mayor 1, 28013 Madrid"}))
            .await;
        let franchisee_id = f["id"].as_i64().expect("franchisee id");
        let mut store_ids = Vec::new();
        for i in 0..stores {
            let s = self
                .post("/api/v1/admin/stores", json!({"franchisee_id": franchisee_id, "name": format!("Tienda {}", i + 1), "address": format!("Calle {} 1, Madrid", i + 1), "receipt_footer": "Gracias por su visita"}))
                .await;
            let sid = s["id"].as_i64().expect("store id");
            self.post("/api/v1/admin/staff", json!({"name": format!("Gerente {}", i + 1), "role": "manager", "store_id": sid, "pin": "9876"})).await;
            self.post("/api/v1/admin/staff", json!({"name": format!("Cajera {}", i + 1), "role": "cashier", "store_id": sid, "pin": "1234"})).await;
            store_ids.push(sid);
        }
        let mut list = Vec::new();
        let mut batch = Vec::new();
        for i in 0..products {
            let code = barcode::make_ean13(&format!("8480000{:05}", i)).expect("ean");
            let price = Money::from_cents(50 + ((i as i64 * 37) % 2_000));
            batch.push((i, code, price));
        }
        for (i, code, price) in batch {
            let v = self
                .post(
                    "/api/v1/admin/products",
                    json!({"sku": format!("SKU-{i:05}"), "name": format!("Producto de prueba {i}"), "tax_rate_id": rates[i % rates.len()], "price": price, "barcodes": [code]}),
                )
                .await;
            list.push((v["id"].as_i64().expect("product id"), code, price));
        }
        Franchise {
            franchisee_id,
            store_ids,
            products: list,
            manager_pin: "9876".into(),
        }
    }
}
