//! Document custody and the rest of issue 14, on SQLite and PostgreSQL (when
//! `TRASTIENDA_TEST_POSTGRES_URL` is set): HQ uploads a scan and downloads the same bytes with the
//! same SHA-256; the archive lists the invoices, credit notes and Z reports where they live, each
//! hash that of its download (and a delivery-note receipt); the accountant's zip (API, dashboard, CLI) holds exactly one
//! franchisee's month, opened and hashed here; the database refuses to change or delete an archived
//! document (an upload past its retention date may go); bad uploads are refused with their problem
//! and store nothing; a franchisee user reads its own archive and contract only (another's is 404),
//! a store manager none. Also: the journal CSV defuses a franchisee named as a formula, and a
//! dashboard invoicing run whose worker died is marked interrupted and can be run again.

use back_office_server::auth;
use back_office_server::p;
use back_office_server::services::accounts;
use back_office_server::services::archive::MAX_UPLOAD_BYTES;
use back_office_server::services::invoicing::{self as inv, CreditNoteIn};
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::invoicing::{ContractIn, IssuerIn};
use back_office_server::storage::replenish::NewSupplier;
use back_office_server::storage::{
    self, NewFranchisee, NewProduct, NewStore, NewTaxRate, SqlStorage, TillAuth,
};
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Read;
use std::sync::Arc;
use sync_protocol::{
    CashClose, Document, DocumentBody, DocumentId, FranchiseeId, GENESIS_HASH, Money, Quantity,
    StockLine, StockMovement, StockMovementKind, StoreId, TaxRate, Tender, TenderAmount,
};

#[macro_use]
mod common;
use common::*;

/// Like `on_both_backends!`, also handing the test the database itself (to try what the database
/// must refuse).
macro_rules! with_database {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("hq.db").display());
                let sql = super::storage::open_sql(&url).await.unwrap();
                let s = super::start(super::Arc::new(sql.clone()), Some(dir)).await;
                super::$name(&s, &sql, &url).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
                    println!(
                        "skipped: TRASTIENDA_TEST_POSTGRES_URL not set, PostgreSQL half not run"
                    );
                    return;
                };
                let url = super::storage::postgres::create_scratch_database(&base)
                    .await
                    .unwrap();
                let sql = super::storage::open_sql(&url).await.unwrap();
                let s = super::start(super::Arc::new(sql.clone()), None).await;
                super::$name(&s, &sql, &url).await;
                let _ = super::storage::postgres::drop_scratch_database(&base, &url).await;
            }
        }
    };
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 11, 0, 0).unwrap()
}

fn contract(email: &str) -> ContractIn {
    serde_json::from_value(json!({
        "effective_from": "2026-09",
        "royalty_tiers": [{"from": "0.00", "to": "10000.00", "percent": "6"}, {"from": "10000.00", "to": null, "percent": "4"}],
        "minimum_royalty": "500.00",
        "marketing_fund_percent": "1.5",
        "fee_per_store": "50.00",
        "payment_days": 15,
        "payment": {"method": "transfer"},
        "billing_email": email,
        "language": "es",
        "billing_address": {"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"}
    }))
    .unwrap()
}

struct Api<'a> {
    s: &'a Server,
    token: String,
    http: reqwest::Client,
}

impl Api<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut rq = self
            .http
            .request(method, format!("{}{path}", self.s.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let res = rq.send().await.unwrap();
        let st = res.status();
        let text = res.text().await.unwrap();
        (
            st,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> Value {
        let (st, v) = self.call(Method::GET, path, None).await;
        assert_eq!(st, StatusCode::OK, "{path}: {v}");
        v
    }
    /// The bytes of a download and its `x-content-sha256`.
    async fn bytes(&self, path: &str) -> (Vec<u8>, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.s.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let h = res
            .headers()
            .get("x-content-sha256")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (res.bytes().await.unwrap().to_vec(), h)
    }
    async fn upload(&self, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, "/api/v1/admin/archive", Some(body))
            .await
    }
}

/// A Z close of `day`, pushed by the till as a till pushes it.
async fn push_z(s: &Server, till: &TillAuth, seq: u64, prev: &str, day: DateTime<Utc>) -> String {
    let cash = vec![TenderAmount {
        tender: Tender::Cash,
        amount: Money::from_cents(10_000),
    }];
    let d = Document::seal(
        DocumentId::new(),
        till.till_id,
        till.store_id,
        seq,
        day,
        prev,
        DocumentBody::CashClose(CashClose {
            z_number: seq,
            business_date: day.date_naive(),
            opening_float: Money::from_cents(10_000),
            expected: cash.clone(),
            counted: cash,
            first_seq: seq,
            last_seq: seq,
            ticket_count: 0,
            gross: Money::ZERO,
            staff_id: None,
            approved_by: None,
            note: None,
            denominations: vec![],
            blind: false,
            tolerance: None,
            next_float: None,
        }),
    );
    s.storage
        .push(till, std::slice::from_ref(&d), Utc::now())
        .await
        .unwrap();
    d.hash
}

/// Norte and Sur, a store and a contract each, invoiced for September (issued 1 October) and
/// October (issued 2 November); Norte's October invoice credited on 20 November; a Z report per
/// store on 15 November and one of Norte's on 20 October.
struct World<'a> {
    api: Api<'a>,
    norte: FranchiseeId,
    sur: FranchiseeId,
    norte_store: StoreId,
}

async fn world(s: &Server) -> World<'_> {
    let st = &s.storage;
    let token = auth::new_token();
    st.create_admin("hq", &auth::hash_token(&token))
        .await
        .unwrap();
    inv::set_issuer(
        st.as_ref(),
        &IssuerIn {
            legal_name: "Trastienda Central, S.L.".into(),
            nif: "B96873427".into(),
            address: serde_json::from_value(json!({"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"})).unwrap(),
            iban: "ES9121000418450200051332".into(),
            bic: None,
            creditor_id: None,
        },
        at(2026, 9, 1),
    )
    .await
    .unwrap();
    let mut fr = Vec::new();
    for (name, nif, email) in [
        (
            "Norte Franquicias, S.L.",
            "B12345674",
            "cobros@norte.example.es",
        ),
        (
            "Sur Franchising, S.A.",
            "A58818501",
            "accounts@sur.example.com",
        ),
    ] {
        let f = st
            .create_franchisee(&NewFranchisee {
                legal_name: name.into(),
                nif: nif.into(),
                address: "x".into(),
            })
            .await
            .unwrap();
        let store = st
            .create_store(&NewStore::new(f.id, &format!("Tienda {name}"), "x"))
            .await
            .unwrap();
        inv::create_contract(st.as_ref(), f.id, &contract(email), "test", at(2026, 9, 1))
            .await
            .unwrap();
        fr.push((f.id, store.id));
    }
    for (period, now) in [("2026-09", at(2026, 10, 1)), ("2026-10", at(2026, 11, 2))] {
        inv::run(st.as_ref(), period, now, &|_, _| {})
            .await
            .unwrap();
    }
    let norte_oct = st
        .invoicing()
        .list_invoices(Some(fr[0].0))
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.period.as_deref() == Some("2026-10"))
        .unwrap();
    inv::issue_credit_note(
        st.as_ref(),
        norte_oct.id,
        CreditNoteIn {
            reason: trastienda_einvoice::CorrectionReason::Other,
            description: "Mes no facturable".into(),
            lines: Vec::new(),
        },
        at(2026, 11, 20),
    )
    .await
    .unwrap();
    let norte_till = enrolled(s, fr[0].1, "Caja Norte").await;
    let h = push_z(s, &norte_till, 1, GENESIS_HASH, at(2026, 10, 20)).await;
    let h = push_z(s, &norte_till, 2, &h, at(2026, 11, 15)).await;
    let sur_till = enrolled(s, fr[1].1, "Caja Sur").await;
    push_z(s, &sur_till, 1, GENESIS_HASH, at(2026, 11, 15)).await;
    let api = Api {
        s,
        token,
        http: reqwest::Client::new(),
    };
    // A delivery note HQ sends Norte's store, received at its till on 16 November.
    let rate = st
        .create_tax_rate(&NewTaxRate {
            name: "IVA general".into(),
            rate: TaxRate::percent(21),
        })
        .await
        .unwrap();
    let product = st
        .create_product(&NewProduct {
            sku: "ACE-1L".into(),
            name: "Aceite de oliva 1 L".into(),
            tax_rate_id: rate.id,
            price: Money::from_cents(345),
            barcodes: vec![],
        })
        .await
        .unwrap();
    let (status, note) = api
        .call(
            Method::POST,
            "/api/v1/admin/delivery-notes",
            Some(json!({"store_id": fr[0].1.0, "supplier": "Almacén central", "expected_date": "2026-11-16", "lines": [{"product_id": product.id.0, "quantity": 12}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let number = note["number"].as_str().unwrap();
    let receipt = Document::seal(
        DocumentId::new(),
        norte_till.till_id,
        norte_till.store_id,
        3,
        at(2026, 11, 16),
        &h,
        DocumentBody::StockMovement(StockMovement {
            kind: StockMovementKind::Receipt,
            reason: None,
            reference: Some(number.into()),
            lines: vec![StockLine {
                product_id: product.id,
                quantity: Quantity::units(12),
            }],
            staff_id: None,
            delivery_note: Some(number.into()),
        }),
    );
    st.push(&norte_till, std::slice::from_ref(&receipt), Utc::now())
        .await
        .unwrap();
    World {
        api,
        norte: fr[0].0,
        sur: fr[1].0,
        norte_store: fr[0].1,
    }
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A small valid-looking PDF and PNG (the archive reads the type from the first bytes).
fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R', 1, 2, 3]);
    b
}

async fn upload_count(sql: &SqlStorage) -> i64 {
    sql.db()
        .read(|tx| {
            Box::pin(async move {
                tx.scalar("SELECT COUNT(*) FROM archive_uploads", p![])
                    .await
            })
        })
        .await
        .unwrap()
}

/// The zip's files (name → bytes).
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.push((name, b));
    }
    out
}

/// A multipart form as a browser sends it (fields, then one file).
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----trastiendaArchiveBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts the dashboard's upload form (as multipart) for `who`, the file last.
async fn post_upload(who: &mut Browser<'_>, fields: &[(&str, &str)], file: (&str, &[u8])) -> Page {
    let (ct, body) = multipart(fields, Some(file));
    let rq = who
        .http
        .post(format!("{}/dashboard/archive", who.s.base))
        .header("content-type", ct)
        .body(body);
    who.send(rq).await
}

async fn archive_custody(s: &Server, sql: &SqlStorage, url: &str) {
    let w = world(s).await;
    let api = &w.api;
    let (norte, sur) = (w.norte, w.sur);

    // --- an upload comes back byte for byte with its hash, every time ---------------------------
    let scan = pdf("Contrato de franquicia firmado por Norte");
    let (status, e) = api
        .upload(json!({"franchisee_id": norte.0, "kind": "contract", "number": "CTR-N-1", "document_date": "2026-11-10", "filename": "C:\\scans\\contrato norte.pdf", "content_base64": b64(&scan)}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["sha256"], sha(&scan));
    assert_eq!(e["size"], scan.len());
    assert_eq!(e["filename"], "contrato_norte.pdf");
    assert_eq!(e["retain_until"], "2032-11-10");
    assert_eq!(e["period"], "2026-11");
    let contract_id = e["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let (bytes, header) = api
            .bytes(&format!("/api/v1/admin/archive/{contract_id}"))
            .await;
        assert_eq!(bytes, scan);
        assert_eq!(header, sha(&scan));
    }
    // Norte's October scan, Sur's November scan (an image), a supplier's invoice.
    let (status, oct) = api
        .upload(json!({"franchisee_id": norte.0, "kind": "mandate", "number": "MANDATO-N", "document_date": "2026-10-05", "content_base64": b64(&pdf("Mandato"))}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{oct}");
    let (status, sur_scan) = api
        .upload(json!({"franchisee_id": sur.0, "kind": "other", "number": "SUR-7", "document_date": "2026-11-12", "filename": "foto.png", "content_base64": b64(&png())}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sur_scan}");
    assert_eq!(sur_scan["content_type"], "image/png");
    let supplier = s
        .storage
        .replenish()
        .create_supplier(
            &NewSupplier {
                name: "Bebidas del Norte".into(),
                central: false,
                franchisee_id: None,
                email: String::new(),
                lead_time_days: 2,
                order_days: "1,3,5".into(),
                min_order: Money::ZERO,
                language: Default::default(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let (status, sup) = api
        .upload(json!({"supplier_id": supplier.id, "kind": "supplier_invoice", "number": "BN-2026-88", "document_date": "2026-11-03", "content_base64": b64(&pdf("Factura proveedor"))}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sup}");
    assert_eq!(sup["franchisee_id"], Value::Null);
    assert_eq!(sup["party"], "Bebidas del Norte");

    // --- bad uploads: a clear problem, nothing stored -------------------------------------------
    let before = upload_count(sql).await;
    let big = [b"%PDF-".as_slice(), &vec![b'x'; MAX_UPLOAD_BYTES]].concat();
    for (body, code) in [
        (
            json!({"franchisee_id": norte.0, "kind": "contract", "number": "X", "document_date": "2026-11-10", "content_base64": ""}),
            "archive_empty_file",
        ),
        (
            json!({"franchisee_id": 987_654, "kind": "contract", "number": "X", "document_date": "2026-11-10", "content_base64": b64(&scan)}),
            "archive_unknown_franchisee",
        ),
        (
            json!({"supplier_id": 987_654, "kind": "supplier_invoice", "number": "X", "document_date": "2026-11-10", "content_base64": b64(&scan)}),
            "archive_unknown_supplier",
        ),
        (
            json!({"franchisee_id": norte.0, "kind": "contract", "number": "X", "document_date": "2026-11-10", "content_base64": b64(b"MZ\x90\x00 a program")}),
            "archive_bad_type",
        ),
        (
            json!({"franchisee_id": norte.0, "kind": "contract", "number": "X", "document_date": "2026-11-10", "content_base64": b64(&big)}),
            "archive_too_big",
        ),
        (
            json!({"franchisee_id": norte.0, "kind": "invoice", "number": "X", "document_date": "2026-11-10", "content_base64": b64(&scan)}),
            "archive_bad_kind",
        ),
        (
            json!({"franchisee_id": norte.0, "supplier_id": supplier.id, "kind": "contract", "number": "X", "document_date": "2026-11-10", "content_base64": b64(&scan)}),
            "archive_one_owner",
        ),
        (
            json!({"franchisee_id": norte.0, "kind": "contract", "number": "X", "document_date": "2199-01-01", "content_base64": b64(&scan)}),
            "archive_bad_date",
        ),
        (
            json!({"franchisee_id": norte.0, "kind": "contract", "number": "", "document_date": "2026-11-10", "content_base64": b64(&scan)}),
            "archive_bad_number",
        ),
    ] {
        let (status, v) = api.upload(body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {v}");
        assert_eq!(v["error"], code, "{v}");
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        upload_count(sql).await,
        before,
        "a refused upload was stored"
    );
    let (status, _) = api
        .call(Method::GET, "/api/v1/admin/archive/up-987654", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = api
        .call(
            Method::GET,
            "/api/v1/admin/archive/export?franchisee_id=987654&period=2026-11",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");

    // --- the search: every hash is that of the download -----------------------------------------
    let listed = api
        .get(&format!(
            "/api/v1/admin/archive?franchisee_id={}&period=2026-11",
            norte.0
        ))
        .await;
    let listed = listed.as_array().unwrap();
    let kinds: BTreeSet<&str> = listed.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "contract",
            "credit_note",
            "delivery_note",
            "invoice",
            "z_report"
        ]),
        "{listed:?}"
    );
    assert_eq!(listed.len(), 5, "{listed:?}");
    let received = listed
        .iter()
        .find(|e| e["kind"] == "delivery_note")
        .unwrap();
    assert!(
        received["number"].as_str().unwrap().starts_with("ALB-"),
        "{received}"
    );
    assert_eq!(received["content_type"], "application/json");
    let mut month = BTreeSet::new();
    for e in listed {
        assert_eq!(e["franchisee_id"], norte.0);
        let (bytes, header) = api
            .bytes(&format!(
                "/api/v1/admin/archive/{}",
                e["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(sha(&bytes), e["sha256"].as_str().unwrap(), "{e}");
        assert_eq!(header, sha(&bytes));
        assert_eq!(bytes.len() as u64, e["size"].as_u64().unwrap());
        month.insert(sha(&bytes));
    }
    // The invoice's archived PDF is the one its own download gives.
    let invoice = listed.iter().find(|e| e["kind"] == "invoice").unwrap();
    let inv_id = invoice["id"].as_str().unwrap().trim_start_matches("inv-");
    let (pdf_bytes, _) = api
        .bytes(&format!("/api/v1/admin/invoices/{inv_id}/pdf"))
        .await;
    assert_eq!(sha(&pdf_bytes), invoice["sha256"].as_str().unwrap());
    // Searches by kind and by number.
    let z = api
        .get(&format!(
            "/api/v1/admin/archive?franchisee_id={}&kind=z_report",
            norte.0
        ))
        .await;
    assert_eq!(z.as_array().unwrap().len(), 2, "{z}");
    assert!(z[0]["number"].as_str().unwrap().ends_with("-Z2"), "{z}");
    let by_number = api.get("/api/v1/admin/archive?number=ctr-n").await;
    assert_eq!(by_number.as_array().unwrap().len(), 1, "{by_number}");
    assert_eq!(by_number[0]["id"], contract_id.as_str());
    let of_supplier = api
        .get(&format!(
            "/api/v1/admin/archive?supplier_id={}",
            supplier.id
        ))
        .await;
    assert_eq!(of_supplier.as_array().unwrap().len(), 1, "{of_supplier}");
    let (status, v) = api
        .call(Method::GET, "/api/v1/admin/archive?kind=nonsense", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // --- the accountant's zip holds that month of that franchisee, and nothing else -------------
    let (zip_bytes, zip_sha) = api
        .bytes(&format!(
            "/api/v1/admin/archive/export?franchisee_id={}&period=2026-11",
            norte.0
        ))
        .await;
    assert_eq!(zip_sha, sha(&zip_bytes));
    let files = unzip(&zip_bytes);
    let (sums, docs): (Vec<_>, Vec<_>) = files.iter().partition(|(n, _)| n == "SHA256SUMS");
    let in_zip: BTreeSet<String> = docs.iter().map(|(_, b)| sha(b)).collect();
    assert_eq!(
        in_zip,
        month,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(docs.len(), 5);
    for folder in [
        "invoice/",
        "credit_note/",
        "z_report/",
        "delivery_note/",
        "contract/",
    ] {
        assert!(docs.iter().any(|(n, _)| n.starts_with(folder)), "{folder}");
    }
    // SHA256SUMS lists each file with its hash.
    let sums = String::from_utf8(sums[0].1.clone()).unwrap();
    for (name, bytes) in &docs {
        assert!(
            sums.contains(&format!("{}  {name}\n", sha(bytes))),
            "{sums}"
        );
    }
    // Not Sur's, not Norte's October, not the supplier's.
    for other in [&sur_scan, &oct, &sup] {
        assert!(!in_zip.contains(other["sha256"].as_str().unwrap()));
    }
    let sur_month = api
        .get(&format!(
            "/api/v1/admin/archive?franchisee_id={}&period=2026-11",
            sur.0
        ))
        .await;
    for e in sur_month.as_array().unwrap() {
        assert!(!in_zip.contains(e["sha256"].as_str().unwrap()), "{e}");
    }
    // The command line writes the same zip.
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("norte.zip");
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_back-office-server"))
        .args([
            "archive",
            "export",
            "--database",
            url,
            "--franchisee",
            &norte.0.to_string(),
            "--period",
            "2026-11",
            "--out",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), zip_bytes);
    assert!(String::from_utf8_lossy(&cli.stdout).contains(&sha(&zip_bytes)));

    // --- nothing changes or deletes an archived document ----------------------------------------
    for statement in [
        "UPDATE archive_uploads SET number = 'CAMBIADO'",
        "UPDATE archive_uploads SET content = content",
        "DELETE FROM archive_uploads",
        "DELETE FROM invoice_documents",
        "UPDATE invoice_documents SET sha256 = 'x'",
        "UPDATE documents SET json = '{}' WHERE kind = 'cash_close'",
        "UPDATE documents SET business_day = '2000-01-01'",
        "DELETE FROM documents WHERE kind = 'cash_close'",
    ] {
        let r = sql
            .db()
            .write(move |tx| Box::pin(async move { tx.execute(statement, p![]).await }))
            .await;
        assert!(r.is_err(), "the database let {statement:?} through");
    }
    let (bytes, _) = api
        .bytes(&format!("/api/v1/admin/archive/{contract_id}"))
        .await;
    assert_eq!(bytes, scan);
    // A scan past its retention date (dated 2019: kept until 2025) may be deleted; the rest stay.
    let (status, old) = api
        .upload(json!({"franchisee_id": norte.0, "kind": "other", "number": "VIEJO", "document_date": "2019-03-01", "content_base64": b64(&pdf("viejo"))}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{old}");
    assert_eq!(old["retain_until"], "2025-03-01");
    let n = sql
        .db()
        .write(|tx| {
            Box::pin(async move {
                tx.execute("DELETE FROM archive_uploads WHERE number = 'VIEJO'", p![])
                    .await
            })
        })
        .await
        .unwrap();
    assert_eq!(n, 1);

    // --- the dashboard: who sees what ----------------------------------------------------------
    let st = &s.storage;
    for (user, role) in [
        ("admin", DashboardRole::Admin),
        ("analyst", DashboardRole::Analyst),
    ] {
        accounts::create_user(st.as_ref(), user, user, PASSWORD, role, vec![])
            .await
            .unwrap();
    }
    accounts::create_user(
        st.as_ref(),
        "manager",
        "Manager",
        PASSWORD,
        DashboardRole::Manager,
        vec![w.norte_store],
    )
    .await
    .unwrap();
    accounts::create_franchisee_user(st.as_ref(), "norte", "Norte", PASSWORD, norte)
        .await
        .unwrap();
    let sur_entry = sur_month[0]["id"].as_str().unwrap().to_string();
    let (mut franchisee, _) = Browser::signed_in(s, "norte").await;
    let own = franchisee.get("/dashboard/archive").await;
    own.assert(StatusCode::OK, "CTR-N-1");
    assert!(own.body.contains("id=\"nav-archive\""));
    assert!(!own.body.contains("SUR-7") && !own.body.contains("BN-2026-88"));
    assert!(
        !own.body.contains("archive-upload"),
        "a franchisee uploads nothing"
    );
    franchisee
        .get("/dashboard/archive?period=2026-11")
        .await
        .assert(StatusCode::OK, "/dashboard/archive.zip?franchisee=");
    let r = franchisee
        .http
        .get(format!("{}/dashboard/archive/{contract_id}", s.base))
        .header("cookie", cookie_header(&franchisee));
    let res = r.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), scan);
    for path in [
        format!("/dashboard/archive?franchisee={}", sur.0),
        format!("/dashboard/archive/{sur_entry}"),
        format!(
            "/dashboard/archive/up-{}",
            sup["id"].as_str().unwrap().trim_start_matches("up-")
        ),
        format!("/dashboard/archive.zip?franchisee={}&period=2026-11", sur.0),
    ] {
        assert_eq!(
            franchisee.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let own_zip = franchisee
        .http
        .get(format!("{}/dashboard/archive.zip?period=2026-11", s.base))
        .header("cookie", cookie_header(&franchisee))
        .send()
        .await
        .unwrap();
    assert_eq!(own_zip.status(), StatusCode::OK);
    assert_eq!(own_zip.bytes().await.unwrap().to_vec(), zip_bytes);

    let (mut manager, _) = Browser::signed_in(s, "manager").await;
    for path in [
        "/dashboard/archive".to_string(),
        format!("/dashboard/archive/{contract_id}"),
        format!(
            "/dashboard/archive.zip?franchisee={}&period=2026-11",
            norte.0
        ),
    ] {
        assert_eq!(
            manager.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    let (mut analyst, analyst_csrf) = Browser::signed_in(s, "analyst").await;
    let page = analyst.get("/dashboard/archive").await;
    page.assert(StatusCode::OK, "SUR-7");
    assert!(page.body.contains("BN-2026-88"));
    assert!(
        !page.body.contains("archive-upload-button"),
        "analysts read only"
    );
    let p = post_upload(
        &mut analyst,
        &[
            ("csrf", &analyst_csrf),
            ("owner", &format!("f-{}", norte.0)),
            ("kind", "other"),
            ("number", "A-1"),
            ("document_date", "2026-11-10"),
        ],
        ("a.pdf", &scan),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    // An admin uploads on the dashboard (multipart, the file's own name kept); a bad one is refused
    // in the viewer's language and stores nothing.
    let (mut admin, csrf) = Browser::signed_in(s, "admin").await;
    admin
        .get("/dashboard/archive")
        .await
        .assert(StatusCode::OK, "archive-upload-button");
    let before = upload_count(sql).await;
    let p = post_upload(
        &mut admin,
        &[
            ("csrf", &csrf),
            ("owner", &format!("f-{}", norte.0)),
            ("kind", "contract"),
            ("number", "CTR-N-2"),
            ("document_date", "2026-11-20"),
        ],
        ("", b""),
    )
    .await;
    p.assert(StatusCode::UNPROCESSABLE_ENTITY, "está vacío");
    assert_eq!(upload_count(sql).await, before);
    let scan2 = pdf("Adenda firmada");
    let p = post_upload(
        &mut admin,
        &[
            ("csrf", &csrf),
            ("owner", &format!("f-{}", norte.0)),
            ("kind", "contract"),
            ("number", "CTR-N-2"),
            ("document_date", "2026-11-20"),
        ],
        ("adenda norte.PDF", &scan2),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let back = admin.get(p.location.as_deref().unwrap()).await;
    back.assert(StatusCode::OK, &sha(&scan2));
    assert!(back.body.contains("adenda_norte.pdf"), "{}", back.body);
    assert_eq!(upload_count(sql).await, before + 1);
}
with_database!(archive_custody);

/// The cookie header a `Browser` would send (for reading a download's bytes).
fn cookie_header(b: &Browser<'_>) -> String {
    b.cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A franchisee user reads its own contract versions under Mi franquicia, never another's.
async fn own_contract(s: &Server, _sql: &SqlStorage, _url: &str) {
    let w = world(s).await;
    let st = &s.storage;
    // A second version for Norte from December.
    let mut dec = contract("facturas@norte.example.es");
    dec.effective_from = "2026-12".into();
    dec.minimum_royalty = Money::from_cents(65_000);
    inv::create_contract(st.as_ref(), w.norte, &dec, "test", at(2026, 11, 25))
        .await
        .unwrap();
    accounts::create_franchisee_user(st.as_ref(), "norte", "Norte", PASSWORD, w.norte)
        .await
        .unwrap();
    accounts::create_user(
        st.as_ref(),
        "manager",
        "Manager",
        PASSWORD,
        DashboardRole::Manager,
        vec![w.norte_store],
    )
    .await
    .unwrap();
    let (mut b, _) = Browser::signed_in(s, "norte").await;
    let home = b.get("/dashboard/franchise").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    let p = b.get("/dashboard/franchise/contract").await;
    p.assert(StatusCode::OK, "Norte Franquicias");
    for needle in [
        "data-version=\"1\"",
        "data-version=\"2\"",
        "2026-09",
        "2026-12",
        "500,00",
        "650,00",
        "6 %",
        "4 %",
        "1.5 %",
        "50,00",
        "15",
        "cobros@norte.example.es",
        "facturas@norte.example.es",
        "id=\"own-contract-help\"",
        "aria-current=\"page\"",
    ] {
        assert!(p.body.contains(needle), "{needle}: {}", p.body);
    }
    assert!(!p.body.contains("contract-form"), "read-only");
    assert!(!p.body.contains("href=\"/dashboard/invoicing\""));
    b.get(&format!("/dashboard/invoicing/contracts/{}", w.norte.0))
        .await
        .assert(StatusCode::OK, "data-version=\"2\"");
    assert_eq!(
        b.get(&format!("/dashboard/invoicing/contracts/{}", w.sur.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Writing a version is HQ's.
    let csrf = p.csrf();
    let r = b
        .post(
            &format!("/dashboard/invoicing/contracts/{}", w.norte.0),
            &[("csrf", &csrf), ("effective_from", "2027-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        st.invoicing()
            .contract_versions(Some(w.norte))
            .await
            .unwrap()
            .len(),
        2
    );
    let (mut m, _) = Browser::signed_in(s, "manager").await;
    assert_eq!(
        m.get("/dashboard/franchise/contract").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        m.get(&format!("/dashboard/invoicing/contracts/{}", w.norte.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
with_database!(own_contract);

/// A franchisee whose name is a formula: the journal's text cells open as text.
async fn journal_formula_guard(s: &Server, _sql: &SqlStorage, _url: &str) {
    let w = world(s).await;
    let st = &s.storage;
    let evil = "=HYPERLINK(\"http://evil.example/x\",\"Pagar\")";
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: evil.into(),
            nif: "B76365782".into(),
            address: "x".into(),
        })
        .await
        .unwrap();
    st.create_store(&NewStore::new(f.id, "Tienda", "x"))
        .await
        .unwrap();
    inv::create_contract(
        st.as_ref(),
        f.id,
        &contract("a@b.example.es"),
        "test",
        at(2026, 9, 1),
    )
    .await
    .unwrap();
    inv::run(st.as_ref(), "2026-11", at(2026, 12, 2), &|_, _| {})
        .await
        .unwrap();
    let (csv_bytes, _) = w
        .api
        .bytes("/api/v1/admin/invoicing/journal?month=2026-12")
        .await;
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv_bytes.as_slice());
    let header = r.headers().unwrap().clone();
    let name_col = header.iter().position(|h| h == "Nombre").unwrap();
    let mut evil_rows = 0;
    for row in r.records() {
        let row = row.unwrap();
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
        if row[name_col].contains("HYPERLINK") {
            assert_eq!(&row[name_col], format!("'{evil}"));
            evil_rows += 1;
        }
    }
    assert!(evil_rows > 0, "{}", String::from_utf8_lossy(&csv_bytes));
}
with_database!(journal_formula_guard);

/// A dashboard run whose worker is gone (the server died mid-run: no heartbeat for over a minute)
/// reads as interrupted, not running, and the month can be run again from its page.
async fn run_interrupted(s: &Server, _sql: &SqlStorage, _url: &str) {
    let _w = world(s).await;
    let st = &s.storage;
    accounts::create_user(
        st.as_ref(),
        "admin",
        "Ana",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    // A run recorded five minutes ago whose process died at once (no worker ever beat).
    let dead = st
        .invoicing()
        .start_run("2026-10", "Ana", Utc::now() - chrono::Duration::minutes(5))
        .await
        .unwrap();
    // One that just started (its worker would beat within the lease): left running.
    let fresh = st
        .invoicing()
        .start_run("2026-10", "Ana", Utc::now())
        .await
        .unwrap();
    let (mut admin, _) = Browser::signed_in(s, "admin").await;
    let p = admin
        .get(&format!("/dashboard/invoicing/runs/{dead}"))
        .await;
    p.assert(StatusCode::OK, "id=\"run-interrupted\"");
    assert!(p.body.contains("id=\"run-again\""), "{}", p.body);
    assert!(
        !p.body.contains("http-equiv=\"refresh\""),
        "no longer reloading"
    );
    let r = st.invoicing().get_run(dead).await.unwrap();
    assert!(r.interrupted_at.is_some() && r.finished_at.is_some());
    let f = st.invoicing().get_run(fresh).await.unwrap();
    assert!(f.finished_at.is_none() && f.interrupted_at.is_none());
    admin
        .get(&format!("/dashboard/invoicing/runs/{fresh}"))
        .await
        .assert(StatusCode::OK, "http-equiv=\"refresh\"");
    // Run it again from the page's button: a new run that finishes (nothing new to issue).
    let csrf = p.csrf();
    let again = admin
        .post(
            "/dashboard/invoicing/run",
            &[("csrf", &csrf), ("period", "2026-10")],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let loc = again.location.unwrap();
    let id: i64 = loc.rsplit('/').next().unwrap().parse().unwrap();
    assert!(id != dead);
    let mut done = None;
    for _ in 0..200 {
        let r = st.invoicing().get_run(id).await.unwrap();
        if r.finished_at.is_some() {
            done = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = done.expect("the new run finished");
    assert!(r.interrupted_at.is_none(), "{r:?}");
    assert!(r.heartbeat_at.is_some());
    assert_eq!((r.issued, r.already, r.failed), (0, 2, 0), "{r:?}");
    admin
        .get(&loc)
        .await
        .assert(StatusCode::OK, "id=\"run-summary\"");
}
with_database!(run_interrupted);

/// The archive reads a page at a time and every match is reachable: 1,200 Z reports (inserted in
/// bulk, as a till's years of closes) besides the world's documents; searching a Z number finds
/// the oldest close (past the newest 500), and following `next` (API Link header, dashboard link)
/// walks every match once, newest first. A malformed cursor is refused.
async fn archive_paging(s: &Server, sql: &SqlStorage, _url: &str) {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let w = world(s).await;
    let api = &w.api;
    let till: i64 = sql
        .db()
        .read(|tx| {
            Box::pin(async move {
                tx.scalar(
                    "SELECT CAST(MIN(till_id) AS BIGINT) FROM documents WHERE kind = 'cash_close'",
                    p![],
                )
                .await
            })
        })
        .await
        .unwrap();
    const BULK: i64 = 1200;
    // Z 1001 is the oldest (2023), Z 2200 the newest; two closes share each day and instant,
    // so the order's last tie-break (the id) is what pages on.
    for chunk in (0..BULK).collect::<Vec<_>>().chunks(300) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|n| {
                let z = 1001 + n;
                let day = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
                    + chrono::Duration::days(n / 2);
                let at = 1_672_560_000_000_000 + (n / 2) * 86_400_000_000;
                format!(
                    "('00000000-0000-4000-8000-{n:012}', {till}, (SELECT store_id FROM tills WHERE id = {till}), {}, 'cash_close', {at}, '{day}', 'h{n}', 'p{n}', '{{\"body\":{{\"CashClose\":{{\"z_number\":{z}}}}}}}', {at})",
                    100_000 + n
                )
            })
            .collect();
        let stmt = format!(
            "INSERT INTO documents (id, till_id, store_id, seq, kind, till_time, business_day, hash, prev_hash, json, received_at) VALUES {}",
            rows.join(", ")
        );
        sql.db()
            .write(move |tx| Box::pin(async move { tx.execute(&stmt, p![]).await }))
            .await
            .unwrap();
    }
    // The oldest close, found by its number.
    let found = api
        .get(&format!(
            "/api/v1/admin/archive?kind=z_report&number=Z1001&franchisee_id={}",
            w.norte.0
        ))
        .await;
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0]["number"].as_str().unwrap().ends_with("-Z1001"));
    assert_eq!(found[0]["date"], "2023-01-01");
    // Z 1 matches Z1, Z1001…Z1999: 1,000 closes, two pages of 500 through the cursor.
    let mut seen = BTreeSet::new();
    let mut path = "/api/v1/admin/archive?kind=z_report&number=-Z1".to_string();
    let mut pages = 0;
    loop {
        let res = api
            .http
            .get(format!("{}{path}", s.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string());
        let page: Vec<Value> = res.json().await.unwrap();
        pages += 1;
        for e in &page {
            assert!(e["number"].as_str().unwrap().contains("-Z1"), "{e}");
            assert!(
                seen.insert(e["id"].as_str().unwrap().to_string()),
                "twice: {e}"
            );
        }
        match link {
            Some(l) => {
                assert_eq!(page.len(), 500);
                assert!(l.ends_with("; rel=\"next\""), "{l}");
                path = l
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_string();
            }
            None => break,
        }
    }
    let bulk = |id: &str| id.starts_with("doc-00000000-0000-4000-8000-");
    assert_eq!(
        seen.iter().filter(|id| bulk(id)).count(),
        999,
        "Z1001–Z1999, each once"
    );
    assert!(pages >= 2, "{pages} pages");
    // Every entry, all kinds, page by page with `after`: each once, newest first.
    let mut all = Vec::new();
    let mut after = String::new();
    loop {
        let res = api
            .http
            .get(format!(
                "{}/api/v1/admin/archive?limit=250&after={}",
                s.base,
                back_office_server::web::html::url(&after)
            ))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let next = res
            .headers()
            .get("x-next-cursor")
            .map(|l| l.to_str().unwrap().to_string());
        let text = res.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{text}");
        let page: Vec<Value> = serde_json::from_str(&text).unwrap();
        assert!(page.len() <= 250);
        all.extend(page);
        match next {
            Some(n) => after = n,
            None => break,
        }
    }
    let ids: BTreeSet<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "no entry twice");
    assert!(all.len() as i64 >= BULK + 2, "{}", all.len());
    let dates: Vec<&str> = all.iter().map(|e| e["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|d| d[0] >= d[1]), "newest first");
    let bulk_seen = all
        .iter()
        .filter(|e| bulk(e["id"].as_str().unwrap()))
        .count();
    assert_eq!(bulk_seen as i64, BULK);
    // A malformed cursor is refused.
    let (status, v) = api
        .call(Method::GET, "/api/v1/admin/archive?after=mañana", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "archive_bad_cursor");
    // The dashboard pages the same way.
    accounts::create_user(
        s.storage.as_ref(),
        "admin",
        "Ana",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let (mut admin, _) = Browser::signed_in(s, "admin").await;
    let first = admin
        .get("/dashboard/archive?kind=z_report&number=Z1")
        .await;
    first.assert(StatusCode::OK, "id=\"archive-next\"");
    assert_eq!(first.body.matches("data-kind=\"z_report\"").count(), 500);
    let href = first
        .body
        .split("id=\"archive-next\" rel=\"next\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = admin.get(&href).await;
    second.assert(StatusCode::OK, "id=\"archive-first\"");
    let on_second = second.body.matches("data-kind=\"z_report\"").count();
    assert!((1..=500).contains(&on_second), "{on_second}");
    let first_ids: BTreeSet<&str> = first
        .body
        .split("data-id=\"")
        .skip(1)
        .filter_map(|x| x.split('"').next())
        .collect();
    assert!(
        second
            .body
            .split("data-id=\"")
            .skip(1)
            .filter_map(|x| x.split('"').next())
            .all(|id| !first_ids.contains(id)),
        "the second page goes on after the first"
    );
}
with_database!(archive_paging);

/// HQ sets the retention of documents archived from now on (API and dashboard): never under the
/// legal six years (refused with its reason, nothing changed), documents archived before keep
/// their date, those archived after get the new one; the database refuses less too.
async fn retention_setting(s: &Server, sql: &SqlStorage, _url: &str) {
    let w = world(s).await;
    let api = &w.api;
    let settings = api.get("/api/v1/admin/archive/settings").await;
    assert_eq!(settings["retention_years"], 6, "{settings}");
    let upload = |number: &str| json!({"franchisee_id": w.norte.0, "kind": "contract", "number": number, "document_date": "2026-11-10", "content_base64": b64(&pdf(number))});
    let (status, before) = api.upload(upload("ANTES")).await;
    assert_eq!(status, StatusCode::CREATED, "{before}");
    assert_eq!(before["retain_until"], "2032-11-10");
    for (years, code) in [
        (json!(5), "archive_retention_below_legal"),
        (json!(0), "archive_retention_below_legal"),
        (json!(-6), "archive_retention_bad"),
        (json!("diez"), "archive_retention_bad"),
        (json!(101), "archive_retention_bad"),
    ] {
        let (status, v) = api
            .call(
                Method::PUT,
                "/api/v1/admin/archive/settings",
                Some(json!({ "retention_years": years })),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"], code, "{years}: {v}");
    }
    assert_eq!(
        api.get("/api/v1/admin/archive/settings").await["retention_years"],
        6
    );
    let (status, v) = api
        .call(
            Method::PUT,
            "/api/v1/admin/archive/settings",
            Some(json!({"retention_years": 10})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["retention_years"], 10);
    assert_eq!(v["updated_by"], "API admin #1");
    let (status, after) = api.upload(upload("DESPUES")).await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    assert_eq!(after["retain_until"], "2036-11-10", "the new retention");
    let listed = api.get("/api/v1/admin/archive?number=ANTES").await;
    assert_eq!(listed[0]["retain_until"], "2032-11-10", "kept its date");
    // The database refuses less than the law too.
    let r = sql
        .db()
        .write(|tx| {
            Box::pin(async move {
                tx.execute("UPDATE archive_settings SET retention_years = 5", p![])
                    .await
            })
        })
        .await;
    assert!(r.is_err(), "the database took 5 years");
    // The dashboard: admins set it (less refused, in the reader's language), analysts read it.
    for (user, role) in [
        ("admin", DashboardRole::Admin),
        ("analyst", DashboardRole::Analyst),
    ] {
        accounts::create_user(s.storage.as_ref(), user, user, PASSWORD, role, vec![])
            .await
            .unwrap();
    }
    let (mut admin, csrf) = Browser::signed_in(s, "admin").await;
    let page = admin.get("/dashboard/archive").await;
    page.assert(StatusCode::OK, "id=\"archive-retention\"");
    assert!(page.body.contains("name=\"years\""), "{}", page.body);
    assert!(page.body.contains("value=\"10\""), "{}", page.body);
    let refused = admin
        .post(
            "/dashboard/archive/retention",
            &[("csrf", &csrf), ("years", "4")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Código de Comercio"),
        "{}",
        refused.body
    );
    let saved = admin
        .post(
            "/dashboard/archive/retention",
            &[("csrf", &csrf), ("years", "8")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        api.get("/api/v1/admin/archive/settings").await["retention_years"],
        8
    );
    let (mut analyst, acsrf) = Browser::signed_in(s, "analyst").await;
    let page = analyst.get("/dashboard/archive").await;
    page.assert(StatusCode::OK, "id=\"archive-retention\"");
    assert!(!page.body.contains("name=\"years\""));
    let denied = analyst
        .post(
            "/dashboard/archive/retention",
            &[("csrf", &acsrf), ("years", "9")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        api.get("/api/v1/admin/archive/settings").await["retention_years"],
        8
    );
}
with_database!(retention_setting);
