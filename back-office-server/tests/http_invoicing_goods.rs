//! Franchise invoicing, second part, on SQLite and PostgreSQL: goods from HQ's warehouse (a
//! delivery note with HQ's prices, received by the franchisee's till) on the monthly invoice with
//! their VAT rates and the recargo de equivalencia of a franchisee under that regime (royalties
//! carry none), invoiced once ever; the documents read back by their oracles (UBL XSD + EN 16931
//! schematron, Facturae XSD, the VERI*FACTU record against the AEAT XSD); partial credit notes
//! over the API and the dashboard (R1, by differences, gapless RQ series, never more than is left,
//! the open item going down and a paid invoice's excess becoming credit); the accounting journal;
//! the dashboard run's progress page. Every figure is computed by hand in the comments.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{NewFranchisee, NewProduct, NewStore, NewTaxRate, TillAuth};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use sync_protocol::verifactu::RegistroFacturacion;
use sync_protocol::{
    Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment, ProductId, Quantity, Sale,
    SaleLine, StockLine, StockMovement, StockMovementKind, StoreId, TaxRate, Tender,
    compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

struct Till {
    auth: TillAuth,
    seq: u64,
    prev: String,
    n: u64,
}

impl Till {
    async fn new(s: &Server, store: StoreId) -> Self {
        Self {
            auth: enrolled(s, store, "Caja 1").await,
            seq: 0,
            prev: GENESIS_HASH.into(),
            n: 0,
        }
    }

    /// Pushes `body` sealed at `at`, as if it reached HQ at `at` too.
    async fn push(&mut self, s: &Server, at: DateTime<Utc>, body: DocumentBody) {
        self.seq += 1;
        let d = Document::seal(
            DocumentId::new(),
            self.auth.till_id,
            self.auth.store_id,
            self.seq,
            at,
            &self.prev,
            body,
        );
        self.prev = d.hash.clone();
        s.storage
            .push(&self.auth, std::slice::from_ref(&d), at)
            .await
            .unwrap();
    }

    /// A sale of `units` menus at 121.00 with 21 % VAT: 100.00 net each.
    async fn sell(&mut self, s: &Server, product: ProductId, at: DateTime<Utc>, units: i64) {
        self.n += 1;
        let lines = vec![SaleLine {
            line_id: Uuid::new_v4(),
            product_id: product,
            barcode: None,
            name: "Menú".into(),
            quantity: Quantity::units(units),
            unit_price: Money::from_cents(12_100),
            tax_rate: TaxRate::percent(21),
            discount: Money::ZERO,
            promotion: None,
        }];
        let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
        let totals = compute_totals(&inputs, Money::ZERO).unwrap();
        let body = DocumentBody::Sale(Sale {
            ticket_number: format!("T{:04}-{:06}", self.auth.till_id.0, self.n),
            cashier_id: None,
            lines,
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
        });
        self.push(s, at, body).await;
    }

    /// The store receives delivery note `note` as it was sent.
    async fn receive(
        &mut self,
        s: &Server,
        at: DateTime<Utc>,
        note: &str,
        lines: &[(ProductId, i64)],
    ) {
        let body = DocumentBody::StockMovement(StockMovement {
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
            staff_id: None,
            delivery_note: Some(note.into()),
        });
        self.push(s, at, body).await;
    }
}

/// Noon in Madrid on a day of 2026.
fn day(month: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, d, 11, 0, 0).unwrap()
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
    async fn bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let res = self
            .http
            .get(format!("{}{path}", self.s.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (res.status(), res.bytes().await.unwrap().to_vec())
    }
}

fn address() -> Value {
    json!({"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"})
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, pdf).unwrap();
    match Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!(
            "pdftotext refused the PDF: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            println!("skipped: pdftotext is not installed");
            None
        }
    }
}

fn python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("TRASTIENDA_PYTHON") {
        return Some(p.into());
    }
    let venv = PathBuf::from("/work/venv/bin/python");
    venv.exists().then_some(venv)
}

/// UBL XSD + EN 16931 schematron (the einvoice crate's oracle): no XSD error, no fatal rule.
fn assert_ubl_clean(xml: &[u8]) {
    let Some(py) = python() else {
        println!("skipped: no Python for the UBL oracle");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ubl.xml");
    std::fs::write(&path, xml).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("einvoice/tests/check_ubl.py");
    let out = Command::new(py).arg(script).arg(&path).output().unwrap();
    if out.status.code() == Some(3) {
        println!("skipped: the UBL oracle lacks its packages");
        return;
    }
    let v: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(v["xsd_errors"], json!([]), "{v}");
    let fatal: Vec<&Value> = v["failed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["flag"] != "warning")
        .collect();
    assert!(fatal.is_empty(), "{v}\n{}", String::from_utf8_lossy(xml));
}

fn xmllint(xml: &[u8], xsd: &std::path::Path) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f.xml");
    std::fs::write(&path, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(xml)
    );
}

fn assert_facturae_valid(xml: &[u8]) {
    let dir = std::env::var("TRASTIENDA_FACTURAE_XSD_DIR")
        .unwrap_or_else(|_| "/work/venv/share/facturae-xsd".into());
    let xsd = PathBuf::from(dir).join("Facturaev3_2_2.xsd");
    if !xsd.exists() || Command::new("xmllint").arg("--version").output().is_err() {
        println!("skipped: no Facturae XSD or xmllint");
        return;
    }
    xmllint(xml, &xsd);
}

/// HQ's VERI*FACTU record of an invoice: pre-flight clean, its XML (valid against the AEAT XSD
/// when `TRASTIENDA_VERIFACTU_XSD_DIR` is set) returned.
async fn record_xml(s: &Server, id: i64) -> String {
    let json = s.storage.invoicing().invoice_record(id).await.unwrap();
    let rec: RegistroFacturacion = serde_json::from_str(&json).unwrap();
    if let RegistroFacturacion::Alta(a) = &rec {
        assert_eq!(sync_protocol::verifactu::preflight(a), vec![], "{json}");
    }
    let xml = sync_protocol::verifactu::record_xml(&rec).unwrap();
    if let Ok(dir) = std::env::var("TRASTIENDA_VERIFACTU_XSD_DIR") {
        xmllint(
            xml.as_bytes(),
            &PathBuf::from(dir).join("SuministroInformacion.xsd"),
        );
    } else {
        println!("skipped: no VERI*FACTU XSD");
    }
    xml
}

fn draft_lines(inv: &Value) -> Vec<Value> {
    let draft: Value = serde_json::from_str(inv["draft"].as_str().unwrap()).unwrap();
    draft["lines"].as_array().unwrap().clone()
}

async fn goods_surcharge_and_partial_credits(s: &Server) {
    let st = &s.storage;
    let token = auth::new_token();
    st.create_admin("hq", &auth::hash_token(&token))
        .await
        .unwrap();
    let api = Api {
        s,
        token,
        http: reqwest::Client::new(),
    };
    let (status, v) = api
        .call(
            Method::PUT,
            "/api/v1/admin/invoicing/issuer",
            Some(json!({"legal_name": "Trastienda Central, S.L.", "nif": "B96873427", "address": address(),
                        "iban": "ES9121000418450200051332", "creditor_id": "ES48000B96873427"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // A retailer who is an individual: under recargo de equivalencia.
    let mercedes = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Mercedes Ruiz Gómez".into(),
            nif: "12345678Z".into(),
            address: "x".into(),
        })
        .await
        .unwrap()
        .id;
    let store = st
        .create_store(&NewStore::new(mercedes, "Ultramarinos Ruiz", "x"))
        .await
        .unwrap()
        .id;
    let mut rates = vec![];
    for (name, pct) in [("IVA 21", 21), ("IVA 10", 10), ("IVA 4", 4)] {
        rates.push(
            st.create_tax_rate(&NewTaxRate {
                name: name.into(),
                rate: TaxRate::percent(pct),
            })
            .await
            .unwrap()
            .id,
        );
    }
    let mut products = vec![];
    for (sku, name, rate) in [
        ("MENU", "Menú", rates[0]),
        ("ACE-1L", "Aceite 1 l", rates[0]),
        ("ARROZ-1K", "Arroz 1 kg", rates[1]),
        ("LECHE-1L", "Leche 1 l", rates[2]),
    ] {
        products.push(
            st.create_product(&NewProduct {
                sku: sku.into(),
                name: name.into(),
                tax_rate_id: rate,
                price: Money::from_cents(100),
                barcodes: vec![],
            })
            .await
            .unwrap()
            .id,
        );
    }
    let (menu, oil, rice, milk) = (products[0], products[1], products[2], products[3]);
    let mut till = Till::new(s, store).await;

    // Flat 5 % royalty, nothing else; under recargo de equivalencia.
    let (status, v) = api
        .call(
            Method::POST,
            &format!("/api/v1/admin/franchisees/{}/contracts", mercedes.0),
            Some(json!({
                "effective_from": "2026-10",
                "royalty_tiers": [{"from": "0.00", "to": null, "percent": "5"}],
                "payment_days": 30,
                "payment": {"method": "transfer"},
                "billing_email": "mercedes@ruiz.example.es",
                "language": "es",
                "billing_address": address(),
                "equivalence_surcharge": true
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["terms"]["equivalence_surcharge"], true);

    // HQ's warehouse sends goods at its prices; the till receives them on 10 October.
    let (status, note) = api
        .call(
            Method::POST,
            "/api/v1/admin/delivery-notes",
            Some(json!({"store_id": store.0, "supplier": "Almacén central", "expected_date": "2026-10-09",
                        "lines": [{"code": "ACE-1L", "quantity": "10", "unit_cost": "3"},
                                  {"code": "ARROZ-1K", "quantity": "20", "unit_cost": "1.25"},
                                  {"code": "LECHE-1L", "quantity": "30", "unit_cost": "0.80"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let number = note["number"].as_str().unwrap().to_string();
    // A note from HQ without prices is not invoiced (nothing to charge it at).
    let (status, free) = api
        .call(
            Method::POST,
            "/api/v1/admin/delivery-notes",
            Some(json!({"store_id": store.0, "supplier": "Almacén central", "expected_date": "2026-10-09",
                        "lines": [{"code": "ACE-1L", "quantity": "2"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{free}");
    till.receive(
        s,
        day(10, 10),
        &number,
        &[(oil, 10), (rice, 20), (milk, 30)],
    )
    .await;
    till.receive(
        s,
        day(10, 11),
        free["number"].as_str().unwrap(),
        &[(oil, 2)],
    )
    .await;
    // October: 10 menus, 1,000.00 net. November: 5 menus, 500.00 net.
    till.sell(s, menu, day(10, 15), 10).await;
    till.sell(s, menu, day(11, 15), 5).await;

    let run = |period: &str| {
        let body = json!({"period": period});
        let api = &api;
        async move {
            let (status, v) = api
                .call(Method::POST, "/api/v1/admin/invoicing/runs", Some(body))
                .await;
            assert_eq!(status, StatusCode::OK, "{v}");
            assert_eq!(v["failed"], json!([]), "{v}");
            v["issued"][0].clone()
        }
    };
    let oct = run("2026-10").await;
    // Royalty 5 % of 1,000.00 = 50.00 at 21 % (no recargo on services); goods: oil 10 × 3.00 =
    // 30.00 at 21 % + 5.2 %, rice 20 × 1.25 = 25.00 at 10 % + 1.4 %, milk 30 × 0.80 = 24.00 at
    // 4 % + 0.5 %. Net 129.00; VAT 10.50 + 6.30 + 2.50 + 0.96 = 20.26; recargo 1.56 + 0.35 +
    // 0.12 = 2.03; total 151.29.
    assert_eq!(oct["net"], "129.00", "{oct}");
    assert_eq!(oct["tax"], "22.29", "{oct}");
    assert_eq!(oct["total"], "151.29", "{oct}");
    let lines = draft_lines(&oct);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0]["surcharge_rate"], Value::Null, "{:?}", lines[0]);
    // A line per product of the note with its quantity and HQ's unit price before tax (RD
    // 1619/2012 art. 6.1.f), naming the note.
    for (l, rate, re, product, quantity, price) in [
        (1, "21.00", "5.20", "Aceite 1 l (ACE-1L)", "10", "3.00"),
        (2, "10.00", "1.40", "Arroz 1 kg (ARROZ-1K)", "20", "1.25"),
        (3, "4.00", "0.50", "Leche 1 l (LECHE-1L)", "30", "0.80"),
    ] {
        assert!(
            lines[l]["description"].as_str().unwrap().ends_with(product),
            "{:?}",
            lines[l]
        );
        assert_eq!(
            lines[l]["quantity"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap(),
            quantity.parse::<rust_decimal::Decimal>().unwrap(),
            "{:?}",
            lines[l]
        );
        assert_eq!(lines[l]["unit_price"], price, "{:?}", lines[l]);
        assert_eq!(lines[l]["vat_rate"], rate, "{:?}", lines[l]);
        assert_eq!(lines[l]["surcharge_rate"], re, "{:?}", lines[l]);
        assert!(
            lines[l]["description"].as_str().unwrap().contains(&number),
            "{:?}",
            lines[l]
        );
    }
    let oct_id = oct["id"].as_i64().unwrap();
    let (status, full) = api
        .call(
            Method::GET,
            &format!("/api/v1/admin/invoices/{oct_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(full["deliveries"].as_array().unwrap().len(), 1, "{full}");
    assert_eq!(full["deliveries"][0]["number"], number.as_str());
    assert_eq!(full["deliveries"][0]["net"], "79.00");

    // The record: ClaveRegimen 18 with the recargo on the goods rows, 01 on the royalty's;
    // CuotaTotal = VAT + recargo.
    let xml = record_xml(s, oct_id).await;
    for needle in [
        "<sum1:TipoFactura>F1</sum1:TipoFactura>",
        "<sum1:ClaveRegimen>18</sum1:ClaveRegimen>",
        "<sum1:ClaveRegimen>01</sum1:ClaveRegimen>",
        "<sum1:TipoRecargoEquivalencia>5.20</sum1:TipoRecargoEquivalencia>",
        "<sum1:CuotaRecargoEquivalencia>1.56</sum1:CuotaRecargoEquivalencia>",
        "<sum1:TipoRecargoEquivalencia>1.40</sum1:TipoRecargoEquivalencia>",
        "<sum1:CuotaRecargoEquivalencia>0.35</sum1:CuotaRecargoEquivalencia>",
        "<sum1:TipoRecargoEquivalencia>0.50</sum1:TipoRecargoEquivalencia>",
        "<sum1:CuotaRecargoEquivalencia>0.12</sum1:CuotaRecargoEquivalencia>",
        "<sum1:CuotaTotal>22.29</sum1:CuotaTotal>",
        "<sum1:ImporteTotal>151.29</sum1:ImporteTotal>",
    ] {
        assert!(xml.contains(needle), "{needle} in\n{xml}");
    }
    assert_eq!(xml.matches("<sum1:TipoRecargoEquivalencia>").count(), 3);
    let (_, ubl) = api
        .bytes(&format!("/api/v1/admin/invoices/{oct_id}/ubl"))
        .await;
    assert_ubl_clean(&ubl);
    let (_, fx) = api
        .bytes(&format!("/api/v1/admin/invoices/{oct_id}/facturae"))
        .await;
    assert_facturae_valid(&fx);
    let fx = String::from_utf8_lossy(&fx);
    assert!(
        fx.contains("<EquivalenceSurcharge>5.20</EquivalenceSurcharge>")
            || fx.contains("<EquivalenceSurcharge>5.2</EquivalenceSurcharge>"),
        "{fx}"
    );
    // Each product with its quantity and unit price before tax, in the e-invoices and the PDF.
    for (product, price) in [
        ("Aceite 1 l (ACE-1L)", "3.00"),
        ("Arroz 1 kg (ARROZ-1K)", "1.25"),
    ] {
        assert!(fx.contains(product), "{product} in {fx}");
        assert!(
            fx.contains(&format!("<UnitPriceWithoutTax>{price}"))
                || fx.contains(&format!(
                    "<UnitPriceWithoutTax>{}",
                    price.trim_end_matches('0')
                )),
            "{price} in {fx}"
        );
        let u = String::from_utf8_lossy(&ubl);
        assert!(u.contains(product), "{product} in {u}");
        assert!(
            u.contains(&format!(">{price}</cbc:PriceAmount>")),
            "{price} in {u}"
        );
    }
    let (_, pdf) = api
        .bytes(&format!("/api/v1/admin/invoices/{oct_id}/pdf"))
        .await;
    if let Some(text) = pdftotext(&pdf) {
        for needle in [
            "Aceite 1 l",
            "Arroz 1 kg",
            "Leche 1 l",
            "1,25",
            "0,80",
            "3,00",
            &number,
        ] {
            assert!(text.contains(needle), "{needle} not in\n{text}");
        }
    }

    // November: the royalty only (25.00 + 5.25 VAT); the October note is never invoiced again.
    let nov = run("2026-11").await;
    assert_eq!(nov["total"], "30.25", "{nov}");
    assert_eq!(draft_lines(&nov).len(), 1);
    let nov_id = nov["id"].as_i64().unwrap();
    let (_, again) = api
        .call(
            Method::POST,
            "/api/v1/admin/invoicing/runs",
            Some(json!({"period": "2026-11"})),
        )
        .await;
    assert_eq!(again["issued"], json!([]), "{again}");

    // --- partial credit notes ------------------------------------------------------------------
    let credit = |id: i64, body: Value| {
        let api = &api;
        async move {
            api.call(
                Method::POST,
                &format!("/api/v1/admin/invoices/{id}/credit-notes"),
                Some(body),
            )
            .await
        }
    };
    let open_of = |id: i64| {
        let api = &api;
        async move {
            let (_, v) = api
                .call(
                    Method::GET,
                    &format!(
                        "/api/v1/admin/collections/receivables?franchisee_id={}",
                        mercedes.0
                    ),
                    None,
                )
                .await;
            v.as_array()
                .unwrap()
                .iter()
                .find(|r| r["invoice_id"] == id)
                .cloned()
                .unwrap()
        }
    };
    assert_eq!(open_of(oct_id).await["open"], "151.29");
    // 10.00 off the rice: 10.00 + 1.00 VAT + 0.14 recargo = 11.14.
    let (status, cn1) = credit(
        oct_id,
        json!({"reason": "discounts_and_returns", "description": "Arroz en mal estado",
               "lines": [{"line": 3, "net": "10.00"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{cn1}");
    assert_eq!(cn1["full_number"], "RQ-2026-000001");
    assert_eq!(cn1["kind"], "credit_note");
    assert_eq!(cn1["corrects_invoice_id"], oct_id);
    assert_eq!(cn1["total"], "11.14", "{cn1}");
    let xml = record_xml(s, cn1["id"].as_i64().unwrap()).await;
    for needle in [
        "<sum1:TipoFactura>R1</sum1:TipoFactura>",
        "<sum1:TipoRectificativa>I</sum1:TipoRectificativa>",
        "<sum1:NumSerieFactura>FQ-2026-000001</sum1:NumSerieFactura>",
        "<sum1:BaseImponibleOimporteNoSujeto>-10.00</sum1:BaseImponibleOimporteNoSujeto>",
        "<sum1:CuotaRepercutida>-1.00</sum1:CuotaRepercutida>",
        "<sum1:TipoRecargoEquivalencia>1.40</sum1:TipoRecargoEquivalencia>",
        "<sum1:CuotaRecargoEquivalencia>-0.14</sum1:CuotaRecargoEquivalencia>",
        "<sum1:ImporteTotal>-11.14</sum1:ImporteTotal>",
    ] {
        assert!(xml.contains(needle), "{needle} in\n{xml}");
    }
    let (_, ubl) = api
        .bytes(&format!("/api/v1/admin/invoices/{}/ubl", cn1["id"]))
        .await;
    assert_ubl_clean(&ubl);
    let (_, fx) = api
        .bytes(&format!("/api/v1/admin/invoices/{}/facturae", cn1["id"]))
        .await;
    assert_facturae_valid(&fx);
    // The open item went down by the credit.
    assert_eq!(open_of(oct_id).await["open"], "140.15");
    assert_eq!(open_of(oct_id).await["cancelled"], false);

    // More than is left of a line, a line that does not exist, a zero amount: refused, nothing
    // stored, no number used.
    for (body, code) in [
        (json!([{"line": 3, "net": "15.01"}]), "credit_note_exceeds"),
        (json!([{"line": 9}]), "credit_note_bad_line"),
        (json!([{"line": 2, "net": "0"}]), "credit_note_bad_amount"),
        (json!([{"line": 2}, {"line": 2}]), "credit_note_bad_line"),
    ] {
        let (status, v) = credit(
            oct_id,
            json!({"reason": "other", "description": "x", "lines": body}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"], code, "{v}");
    }
    let (_, full) = api
        .call(
            Method::GET,
            &format!("/api/v1/admin/invoices/{oct_id}"),
            None,
        )
        .await;
    assert_eq!(full["credit_notes"].as_array().unwrap().len(), 1);
    assert_eq!(
        full["left_to_credit"],
        json!(["50.00", "30.00", "15.00", "24.00"])
    );

    // The dashboard: the RE rows on the invoice, the credit form per line; 5.00 off the royalty
    // there (5.00 + 1.05 = 6.05) as RQ-2026-000002.
    back_office_server::services::accounts::create_user(
        st.as_ref(),
        "ana",
        "Ana",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let (mut hq, csrf) = Browser::signed_in(s, "ana").await;
    let page = hq.get(&format!("/dashboard/invoices/{oct_id}")).await;
    page.assert(StatusCode::OK, "Recargo de equivalencia 5.20 %");
    page.assert(StatusCode::OK, "name=\"credit_3\"");
    page.assert(StatusCode::OK, "RQ-2026-000001");
    page.assert(StatusCode::OK, &number);
    let res = hq
        .post(
            &format!("/dashboard/invoices/{oct_id}/credit-note"),
            &[
                ("csrf", csrf.as_str()),
                ("reason", "discounts_and_returns"),
                ("description", "Rappel acordado"),
                ("credit_1", "5,00"),
                ("credit_2", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, full) = api
        .call(
            Method::GET,
            &format!("/api/v1/admin/invoices/{oct_id}"),
            None,
        )
        .await;
    let notes = full["credit_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{full}");
    let cn2 = notes
        .iter()
        .find(|n| n["full_number"] == "RQ-2026-000002")
        .unwrap();
    assert_eq!(cn2["total"], "6.05");
    assert_eq!(open_of(oct_id).await["open"], "134.10");
    // Too much through the form: refused with the reason, nothing stored.
    let res = hq
        .post(
            &format!("/dashboard/invoices/{oct_id}/credit-note"),
            &[
                ("csrf", csrf.as_str()),
                ("reason", "other"),
                ("description", "x"),
                ("credit_1", "45.01"),
            ],
        )
        .await;
    assert!(
        res.body.contains("45.01") || res.body.contains("45,01"),
        "{}",
        res.body
    );
    assert_ne!(res.status, StatusCode::SEE_OTHER);

    // Everything left (lines empty): 45.00 + 30.00 + 15.00 + 24.00 = 114.00 net; VAT 21 % on
    // 75.00 = 15.75, 10 % on 15.00 = 1.50, 4 % on 24.00 = 0.96; recargo 1.56 + 0.21 + 0.12.
    // Total 134.10: exactly what was open, and the invoice is now cancelled.
    let (status, cn3) = credit(
        oct_id,
        json!({"reason": "other", "description": "Factura anulada"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{cn3}");
    assert_eq!(cn3["full_number"], "RQ-2026-000003");
    assert_eq!(cn3["total"], "134.10", "{cn3}");
    let r = open_of(oct_id).await;
    assert_eq!(
        (r["open"].as_str(), r["cancelled"].as_bool()),
        (Some("0.00"), Some(true)),
        "{r}"
    );
    let (status, v) = credit(
        oct_id,
        json!({"reason": "other", "description": "otra vez"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "credit_note_nothing_left");

    // A paid invoice credited in part: November (30.25) paid in full, then 10.00 off (12.10):
    // nothing open on it, and 12.10 of the payment is the franchisee's credit again.
    let (status, v) = api
        .call(
            Method::POST,
            "/api/v1/admin/collections/payments",
            Some(json!({"franchisee_id": mercedes.0, "method": "transfer", "received_on": "2026-12-02",
                        "amount": "30.25", "allocations": [{"invoice_id": nov_id, "amount": "30.25"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, cn4) = credit(
        nov_id,
        json!({"reason": "taxable_base_error", "description": "Ventas mal contadas",
               "lines": [{"line": 1, "net": "10.00"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{cn4}");
    assert_eq!(cn4["total"], "12.10");
    let r = open_of(nov_id).await;
    assert_eq!(
        (r["open"].as_str(), r["cancelled"].as_bool()),
        (Some("0.00"), Some(false)),
        "{r}"
    );
    let (_, soa) = api
        .call(
            Method::GET,
            &format!(
                "/api/v1/admin/collections/franchisees/{}/statement",
                mercedes.0
            ),
            None,
        )
        .await;
    assert_eq!(soa["balance"]["credit"], "12.10", "{soa}");

    // --- the accounting journal ------------------------------------------------------------------
    let today = back_office_server::storage::sql::business_day(Utc::now());
    let month = today.format("%Y-%m").to_string();
    let (status, csv) = api
        .bytes(&format!("/api/v1/admin/invoicing/journal?month={month}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(';').collect()).collect();
    assert_eq!(
        rows[0],
        vec![
            "Asiento",
            "Línea",
            "Fecha",
            "Cuenta",
            "Concepto",
            "Documento",
            "Debe",
            "Haber",
            "NIF",
            "Nombre"
        ]
    );
    let customer = format!("430{:05}", mercedes.0);
    let oct_rows: Vec<&Vec<&str>> = rows.iter().filter(|r| r[5] == "FQ-2026-000001").collect();
    let accounts: Vec<(&str, &str, &str)> = oct_rows.iter().map(|r| (r[3], r[6], r[7])).collect();
    assert_eq!(
        accounts,
        vec![
            (customer.as_str(), "151,29", "0,00"),
            ("70500000", "0,00", "50,00"),
            ("70000000", "0,00", "79,00"),
            ("47702100", "0,00", "16,80"),
            ("47701000", "0,00", "2,50"),
            ("47700400", "0,00", "0,96"),
            ("47750520", "0,00", "1,56"),
            ("47750140", "0,00", "0,35"),
            ("47750050", "0,00", "0,12"),
        ],
        "{csv}"
    );
    assert!(oct_rows.iter().all(|r| r[8] == "12345678Z"));
    // Every entry balances; credit notes are booked with negative amounts.
    let cents = |t: &str| t.replace(',', "").parse::<i64>().unwrap();
    let mut entries: std::collections::BTreeMap<&str, i64> = Default::default();
    for r in &rows[1..] {
        *entries.entry(r[0]).or_default() += cents(r[6]) - cents(r[7]);
    }
    assert_eq!(entries.len(), 6, "2 invoices and 4 credit notes:\n{csv}");
    assert!(entries.values().all(|b| *b == 0), "{entries:?}\n{csv}");
    assert!(
        rows.iter()
            .any(|r| r[5] == "RQ-2026-000001" && r[3] == customer && r[6] == "-11,14"),
        "{csv}"
    );
    let (status, v) = api
        .call(
            Method::GET,
            "/api/v1/admin/invoicing/journal?month=2026-13",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // The same file from the dashboard.
    let page = hq
        .get(&format!("/dashboard/invoicing/journal?month={month}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, csv);

    // --- the dashboard run shows its progress and what it did ----------------------------------
    let res = hq
        .post(
            "/dashboard/invoicing/run",
            &[("csrf", csrf.as_str()), ("period", "2026-11")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let location = res.location.clone().unwrap();
    assert!(
        location.starts_with("/dashboard/invoicing/runs/"),
        "{location}"
    );
    let mut finished = None;
    for _ in 0..100 {
        let p = hq.get(&location).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("id=\"run-bar\""), "{}", p.body);
        if p.body.contains("id=\"run-summary\"") {
            finished = Some(p);
            break;
        }
        assert!(p.body.contains("http-equiv=\"refresh\""));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let p = finished.expect("the run finishes");
    p.assert(
        StatusCode::OK,
        "2026-11: 0 facturas emitidas, 1 ya facturadas, 0 con error.",
    );
    p.assert(StatusCode::OK, "1 de 1 franquiciados");
    assert!(!p.body.contains("http-equiv=\"refresh\""));
    // A month not closed yet starts nothing.
    let res = hq
        .post(
            "/dashboard/invoicing/run",
            &[("csrf", csrf.as_str()), ("period", "2099-01")],
        )
        .await;
    assert_ne!(res.status, StatusCode::SEE_OTHER);
}

on_both_backends!(goods_surcharge_and_partial_credits);
