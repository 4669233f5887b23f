//! Sending VERI*FACTU records to the AEAT: the envelopes (checked against the official XSD), the
//! `verifactu export` command, certificates uploaded and sealed, and the sender against a local
//! fake AEAT over mutual TLS answering accepted, accepted with errors, rejected, a raised wait and
//! a dropped connection. Real router, real SQLite file and PostgreSQL.

use back_office_server::auth;
use back_office_server::services::aeat::AeatConfig;
use back_office_server::services::certificates::SecretKey;
use back_office_server::services::verifactu::{self as svc, SenderConfig};
use back_office_server::storage::verifactu::RecordState;
use back_office_server::storage::{NewFranchisee, NewStore, TillAuth};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::verifactu::*;
use sync_protocol::*;
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

#[path = "support/fake_aeat.rs"]
mod fake_aeat;
use fake_aeat::{Pki, Scenario};

/// The server's secret key in these tests (every test of the binary uses the same one).
const SECRET: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

struct World {
    till: TillAuth,
    token: String,
    admin: String,
    franchisee: FranchiseeId,
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

fn line(cents: i64) -> SaleLine {
    SaleLine {
        line_id: Uuid::now_v7(),
        product_id: ProductId(1),
        barcode: None,
        name: "Aceite".into(),
        quantity: Quantity::one(),
        unit_price: Money::from_cents(cents),
        tax_rate: TaxRate::IVA_GENERAL,
        discount: Money::ZERO,
        promotion: None,
    }
}

fn payment(amount: Money) -> Payment {
    Payment {
        payment_id: Uuid::now_v7(),
        tender: Tender::Card,
        amount,
        tendered: None,
        change: Money::ZERO,
        reference: None,
    }
}

/// A till's ledger: documents and records chained as the till chains them.
struct Ledger {
    docs: Vec<Document>,
    last_record: Option<RegistroFacturacion>,
    next_seq: u64,
}

impl Ledger {
    fn new() -> Self {
        Ledger {
            docs: Vec::new(),
            last_record: None,
            next_seq: 1,
        }
    }

    fn seal(
        &mut self,
        w: &World,
        at: DateTime<Utc>,
        body: DocumentBody,
        record: impl FnOnce(Timestamp, Option<RegistroAnterior>) -> RegistroFacturacion,
    ) -> Document {
        let prev_hash = self
            .docs
            .last()
            .map_or(GENESIS_HASH.to_string(), |d| d.hash.clone());
        let mut d = Document::seal(
            DocumentId::new(),
            w.till.till_id,
            w.till.store_id,
            self.next_seq,
            at,
            &prev_hash,
            body,
        );
        let r = record(
            Timestamp::in_zone(at, DEFAULT_TIME_ZONE),
            self.last_record.as_ref().map(RegistroFacturacion::link),
        );
        d.verifactu = Some(Box::new(r.clone()));
        self.last_record = Some(r);
        self.next_seq += 1;
        self.docs.push(d.clone());
        d
    }

    /// A ticket (F2) of `cents` at 21 %, rung at `at`.
    fn sale(&mut self, w: &World, at: DateTime<Utc>, cents: i64) -> Document {
        let n = self.next_seq;
        let l = line(cents);
        let totals = compute_totals(&[l.input()], Money::ZERO).unwrap();
        let number = format!("T0001-{n:06}");
        let body = DocumentBody::Sale(Sale {
            ticket_number: number.clone(),
            cashier_id: None,
            lines: vec![l],
            ticket_discount: Money::ZERO,
            payments: vec![payment(totals.total)],
            totals: totals.clone(),
        });
        let sis = sistema(w);
        self.seal(w, at, body, |ts, prev| {
            RegistroFacturacion::Alta(
                RegistroAlta::generate(
                    AltaData {
                        id_factura: IdFactura::new("B12345674", &number, ts.date()).unwrap(),
                        nombre_razon_emisor: "Ultramarinos Centro S.L.".into(),
                        tipo_factura: TipoFactura::F2,
                        tipo_rectificativa: None,
                        facturas_rectificadas: vec![],
                        facturas_sustituidas: vec![],
                        importe_rectificacion: None,
                        fecha_operacion: None,
                        descripcion_operacion: "Venta al por menor".into(),
                        destinatarios: vec![],
                        desglose: desglose_iva(&totals.taxes, false),
                        cuota_total: totals.tax,
                        importe_total: totals.total,
                    },
                    prev,
                    sis,
                    ts,
                )
                .unwrap(),
            )
        })
    }

    /// A refund (R5 by differences) of the whole of `sale`, at `at`.
    fn refund(&mut self, w: &World, at: DateTime<Utc>, sale: &Document) -> Document {
        let DocumentBody::Sale(s) = &sale.body else {
            panic!("a sale")
        };
        let sale_record = sale.verifactu.as_deref().unwrap().id_factura().clone();
        let number = format!("R0001-{:06}", self.next_seq);
        let body = DocumentBody::Refund(Refund {
            refund_number: number.clone(),
            original_sale_id: sale.id,
            original_ticket_number: s.ticket_number.clone(),
            cashier_id: None,
            approved_by: None,
            reason: "Defectuoso".into(),
            lines: s.lines.clone(),
            ticket_discount: Money::ZERO,
            payments: vec![payment(s.totals.total)],
            totals: s.totals.clone(),
        });
        let sis = sistema(w);
        let totals = s.totals.clone();
        self.seal(w, at, body, |ts, prev| {
            RegistroFacturacion::Alta(
                RegistroAlta::generate(
                    AltaData {
                        id_factura: IdFactura::new("B12345674", &number, ts.date()).unwrap(),
                        nombre_razon_emisor: "Ultramarinos Centro S.L.".into(),
                        tipo_factura: TipoFactura::R5,
                        tipo_rectificativa: Some(TipoRectificativa::I),
                        facturas_rectificadas: vec![sale_record],
                        facturas_sustituidas: vec![],
                        importe_rectificacion: None,
                        fecha_operacion: None,
                        descripcion_operacion: "Devolución".into(),
                        destinatarios: vec![],
                        desglose: desglose_iva(&totals.taxes, true),
                        cuota_total: -totals.tax,
                        importe_total: -totals.total,
                    },
                    prev,
                    sis,
                    ts,
                )
                .unwrap(),
            )
        })
    }
}

async fn push(s: &Server, w: &World, docs: &[Document]) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sync/push", s.base))
        .bearer_auth(&w.token)
        .json(&json!({ "protocol_version": 1, "till_id": w.till.till_id, "documents": docs }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

async fn api(
    s: &Server,
    w: &World,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rq = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(&w.admin);
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    let r = rq.send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

/// The records API for the last ten days, as (number, state or null, incidencia, subsanacion).
async fn states(s: &Server, w: &World) -> Vec<(String, Value, Value, Value)> {
    let today = business_today();
    let (st, v) = api(
        s,
        w,
        reqwest::Method::GET,
        &format!(
            "/api/v1/verifactu/records?franchisee={}&from={}&to={}",
            w.franchisee.0,
            today - Duration::days(10),
            today + Duration::days(1)
        ),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["record"]["id_factura"]["num_serie_factura"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["sending"]["state"].clone(),
                r["sending"]["incidencia"].clone(),
                r["sending"]["subsanacion"].clone(),
            )
        })
        .collect()
}

fn set_key() {
    svc::set_sender_config(SenderConfig {
        aeat: AeatConfig::new("https://127.0.0.1:9/unused"),
        key: Some(SecretKey::from_hex(SECRET).unwrap()),
    });
}

async fn upload(
    s: &Server,
    w: &World,
    owner: Value,
    p12: &[u8],
    password: &str,
) -> (StatusCode, Value) {
    use base64::Engine;
    set_key();
    api(
        s,
        w,
        reqwest::Method::POST,
        "/api/v1/verifactu/certificates",
        Some(json!({
            "owner": owner,
            "hq_name": "Franquicias Centrales S.A.",
            "hq_nif": "A58818501",
            "pkcs12_base64": base64::engine::general_purpose::STANDARD.encode(p12),
            "password": password,
        })),
    )
    .await
}

fn sender(fake: &fake_aeat::FakeAeat, pki: &Pki) -> SenderConfig {
    let mut aeat = AeatConfig::new(&fake.url);
    aeat.extra_roots = vec![pki.ca_der.clone()];
    aeat.timeout = std::time::Duration::from_secs(20);
    SenderConfig {
        aeat,
        key: Some(SecretKey::from_hex(SECRET).unwrap()),
    }
}

fn assert_all_valid(fake: &fake_aeat::FakeAeat) {
    for r in fake.received() {
        if let Some(v) = &r.valid {
            assert!(
                v.is_ok(),
                "an envelope the sender made is not valid: {v:?}\n{}",
                r.xml
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------

async fn export_envelopes_are_valid_and_late_ones_carry_incidencia(s: &Server) {
    let w = world(s).await;
    let mut l = Ledger::new();
    let week_ago = Utc::now() - Duration::days(7);
    for i in 0..3 {
        l.sale(&w, week_ago + Duration::minutes(i), 150 + i);
    }
    let sold = l.docs[0].clone();
    l.refund(&w, week_ago + Duration::minutes(5), &sold);
    for i in 0..2 {
        l.sale(&w, Utc::now(), 300 + i);
    }
    push(s, &w, &l.docs).await;

    let today = business_today();
    let envelopes = svc::export(
        s.storage.as_ref(),
        w.franchisee,
        today - Duration::days(10),
        today + Duration::days(1),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(envelopes.len(), 2, "the late records and the fresh ones");
    let (late, lincid, _) = fake_aeat::read_envelope(&envelopes[0]);
    let (fresh, fincid, _) = fake_aeat::read_envelope(&envelopes[1]);
    assert!(lincid && !fincid);
    assert_eq!(
        late.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        [
            "T0001-000001",
            "T0001-000002",
            "T0001-000003",
            "R0001-000004"
        ]
    );
    assert_eq!(fresh.len(), 2);
    let compact: String = envelopes[0].split_whitespace().collect::<Vec<_>>().join("");
    assert!(compact.contains("<sum1:ObligadoEmision><sum1:NombreRazon>UltramarinosCentroS.L.</sum1:NombreRazon><sum1:NIF>B12345674</sum1:NIF></sum1:ObligadoEmision>"), "{}", envelopes[0]);
    // Exactly the stored records' fields: each huella as the till made it.
    for d in &l.docs {
        assert!(envelopes.iter().any(|e| e.contains(&format!(
            "<sum1:Huella>{}</sum1:Huella>",
            d.verifactu.as_deref().unwrap().huella()
        ))));
    }
    if let Some(dir) = fake_aeat::xsd_dir("export XSD validation") {
        for e in &envelopes {
            fake_aeat::xmllint(e, &dir.join("SuministroLR.xsd")).unwrap();
        }
        // The oracle can fail: a record out of XSD order is refused.
        let broken = envelopes[1].replacen("<sum1:TipoFactura>F2</sum1:TipoFactura>", "", 1);
        assert!(fake_aeat::xmllint(&broken, &dir.join("SuministroLR.xsd")).is_err());
    }
}
on_both_backends!(export_envelopes_are_valid_and_late_ones_carry_incidencia);

/// `back-office-server verifactu export` writes the envelopes to a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_command_writes_the_envelopes() {
    let s = sqlite().await;
    let w = world(&s).await;
    let mut l = Ledger::new();
    for i in 0..3 {
        l.sale(
            &w,
            Utc::now() - Duration::days(3) + Duration::minutes(i),
            100 + i,
        );
    }
    push(&s, &w, &l.docs).await;
    let dir = s._dir.as_ref().unwrap().path();
    let out = dir.join("export.xml");
    let today = business_today();
    // The command line as `main` parses and runs it, in this process: the built binary in the
    // shared target directory may be another worktree's at any moment.
    let db = format!("sqlite://{}", dir.join("hq.db").display());
    let franchisee = w.franchisee.0.to_string();
    let export = |from: String, to: String, out: &std::path::Path| {
        use clap::Parser;
        back_office_server::cli::Cli::try_parse_from([
            "back-office-server",
            "verifactu",
            "export",
            "--database",
            &db,
            "--franchisee",
            &franchisee,
            "--from",
            &from,
            "--to",
            &to,
            "--out",
            &out.display().to_string(),
        ])
        .unwrap()
    };
    back_office_server::cli::run(export(
        (today - Duration::days(10)).to_string(),
        (today + Duration::days(1)).to_string(),
        &out,
    ))
    .await
    .unwrap();
    let xml = std::fs::read_to_string(&out).unwrap();
    let (records, incidencia, _) = fake_aeat::read_envelope(&xml);
    assert_eq!(records.len(), 3);
    assert!(incidencia, "three days late");
    if let Some(d) = fake_aeat::xsd_dir("export command XSD validation") {
        fake_aeat::xmllint(&xml, &d.join("SuministroLR.xsd")).unwrap();
    }
    // An empty period is an error, not an empty file.
    let empty = dir.join("empty.xml");
    let err =
        back_office_server::cli::run(export("2020-01-01".into(), "2020-01-31".into(), &empty))
            .await
            .unwrap_err();
    assert!(err.to_string().contains("no VERI*FACTU records"), "{err}");
    assert!(!dir.join("empty.xml").exists());
    // `--franchisee hq` exports HQ's own records (none here), anything else that is no id is refused.
    let hq = |franchisee: &str| {
        use clap::Parser;
        back_office_server::cli::Cli::try_parse_from([
            "back-office-server",
            "verifactu",
            "export",
            "--database",
            &db,
            "--franchisee",
            franchisee,
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-31",
            "--out",
            &empty.display().to_string(),
        ])
        .unwrap()
    };
    let err = back_office_server::cli::run(hq("HQ")).await.unwrap_err();
    assert!(
        err.to_string().contains("HQ has no VERI*FACTU records"),
        "{err}"
    );
    let err = back_office_server::cli::run(hq("central"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`hq`"), "{err}");
}

// ------------------------------------------------------------------------------------------------

/// Certificates: uploaded as PKCS#12 through the API, sealed at rest, listed with their expiry;
/// a wrong password, an unknown owner or garbage are refused with their codes.
async fn certificates_are_uploaded_sealed_and_listed(s: &Server) {
    let w = world(s).await;
    let pki = Pki::new();
    let (st, v) = upload(s, &w, json!(w.franchisee.0), &pki.client_p12, "wrong").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "certificate_unreadable");
    let (st, v) = upload(s, &w, json!(999), &pki.client_p12, fake_aeat::P12_PASSWORD).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (st, v) = upload(
        s,
        &w,
        json!("nobody"),
        &pki.client_p12,
        fake_aeat::P12_PASSWORD,
    )
    .await;
    assert_eq!(v["error"], "certificate_owner", "{st} {v}");
    let (st, v) = upload(s, &w, json!(w.franchisee.0), b"not a p12", "x").await;
    assert_eq!(v["error"], "certificate_unreadable", "{st} {v}");

    let (st, v) = upload(
        s,
        &w,
        json!(w.franchisee.0),
        &pki.client_p12,
        fake_aeat::P12_PASSWORD,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["holder_nif"], "B12345674");
    assert!(
        v["subject"]
            .as_str()
            .unwrap()
            .contains("ULTRAMARINOS CENTRO SL"),
        "{v}"
    );
    assert_eq!(v["expiring"], false);
    let not_after: DateTime<Utc> = v["not_after"].as_str().unwrap().parse().unwrap();
    assert!(
        (not_after - (Utc::now() + Duration::days(365)))
            .num_hours()
            .abs()
            < 48
    );
    // HQ's own, as representative.
    let (st, v) = upload(s, &w, json!("hq"), &pki.client_p12, fake_aeat::P12_PASSWORD).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["owner_id"], 0);
    assert_eq!(v["holder_nif"], "A58818501");
    let (st, list) = api(
        s,
        &w,
        reqwest::Method::GET,
        "/api/v1/verifactu/certificates",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains("sealed"), "the key never leaves");

    // At rest: no private key in the clear, and only this server's key opens it.
    let stored = s
        .storage
        .verifactu()
        .certificate(w.franchisee.0)
        .await
        .unwrap()
        .unwrap();
    let id = back_office_server::services::certificates::parse_pkcs12(
        &pki.client_p12,
        fake_aeat::P12_PASSWORD,
    )
    .unwrap()
    .identity;
    assert!(!stored.sealed.contains(&hex::encode(&id.key[..32])));
    let key = SecretKey::from_hex(SECRET).unwrap();
    assert_eq!(
        back_office_server::services::certificates::identity(&key, &stored).unwrap(),
        id
    );
    let other = SecretKey::from_hex(&SecretKey::generate_hex()).unwrap();
    assert_eq!(
        back_office_server::services::certificates::identity(&other, &stored)
            .unwrap_err()
            .code,
        "certificate_unsealable"
    );

    // One expiring within 30 days raises the alert on the next run of the sender.
    let soon = Pki::with_client_days(10);
    let (st, _) = upload(
        s,
        &w,
        json!(w.franchisee.0),
        &soon.client_p12,
        fake_aeat::P12_PASSWORD,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    svc::raise_alerts(s.storage.as_ref(), Utc::now())
        .await
        .unwrap();
    let alerts = s.storage.list_alerts().await.unwrap();
    assert!(
        alerts.iter().any(|a| a.kind == "verifactu_certificate" && a.message.contains("Ultramarinos Centro")),
        "{alerts:?}"
    );
}
on_both_backends!(certificates_are_uploaded_sealed_and_listed);

/// The sender against the fake AEAT, scenario by scenario.
async fn the_sender_follows_what_the_aeat_answers(s: &Server) {
    let w = world(s).await;
    let pki = Pki::new();
    let fake = fake_aeat::start(&pki).await;
    let cfg = sender(&fake, &pki);
    let store = s.storage.as_ref();
    let mut l = Ledger::new();
    let t0 = Utc::now();

    // No certificate yet: nothing goes, nothing fails.
    l.sale(&w, t0, 100);
    l.sale(&w, t0, 101);
    push(s, &w, &l.docs).await;
    let r = svc::send_pending(store, &cfg, t0).await.unwrap();
    assert_eq!((r.no_certificate, r.envelopes), (1, 0));
    let (st, _) = upload(
        s,
        &w,
        json!(w.franchisee.0),
        &pki.client_p12,
        fake_aeat::P12_PASSWORD,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);

    // Accepted.
    let r = svc::send_pending(store, &cfg, t0).await.unwrap();
    assert_eq!((r.envelopes, r.sent, r.accepted), (1, 2, 1 + 1), "{r:?}");
    let got = fake.received();
    assert_eq!(got.len(), 1);
    assert!(!got[0].incidencia, "sent at once: no Incidencia");
    assert_eq!(got[0].records.len(), 2);
    let st = states(s, &w).await;
    assert!(
        st.iter()
            .all(|(_, state, inc, _)| state == "accepted" && inc == false),
        "{st:?}"
    );

    // A new record within TiempoEsperaEnvio (60 s) waits; after it, it goes.
    l.sale(&w, t0, 102);
    push(s, &w, &l.docs[2..]).await;
    let r = svc::send_pending(store, &cfg, t0 + Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!((r.waiting, r.envelopes), (1, 0));
    // The AEAT raises the wait to 5 minutes with this answer.
    fake.set(Scenario::Wait(300));
    let r = svc::send_pending(store, &cfg, t0 + Duration::seconds(61))
        .await
        .unwrap();
    assert_eq!(r.accepted, 1, "{r:?}");
    l.sale(&w, t0, 103);
    push(s, &w, &l.docs[3..]).await;
    let t1 = t0 + Duration::seconds(61);
    let r = svc::send_pending(store, &cfg, t1 + Duration::seconds(120))
        .await
        .unwrap();
    assert_eq!(
        (r.waiting, r.envelopes),
        (1, 0),
        "the raised wait is honoured"
    );

    // Accepted with errors: code and text kept.
    fake.set(Scenario::AcceptWithErrors(
        2000,
        "El campo X no es coherente".into(),
    ));
    let r = svc::send_pending(store, &cfg, t1 + Duration::seconds(301))
        .await
        .unwrap();
    assert_eq!(r.accepted_with_errors, 1, "{r:?}");
    let problems = store
        .verifactu()
        .record_problems(w.franchisee, 10)
        .await
        .unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].state, RecordState::AcceptedWithErrors);
    assert_eq!(problems[0].code.as_deref(), Some("2000"));
    assert_eq!(
        problems[0].text.as_deref(),
        Some("El campo X no es coherente")
    );
    let t2 = t1 + Duration::seconds(301);

    // Rejected for a reason outside the record (its content passes the AEAT's rules): queued
    // again as a subsanación, alerted, and the next send carries Subsanacion=S for it alone.
    l.sale(&w, t0, 104);
    l.sale(&w, t0, 105);
    push(s, &w, &l.docs[4..]).await;
    fake.set(Scenario::RejectNumber(
        "T0001-000005".into(),
        1239,
        "Error en el bloque de ObligadoEmision".into(),
    ));
    let r = svc::send_pending(store, &cfg, t2 + Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!((r.accepted, r.subsanaciones), (1, 1), "{r:?}");
    let alerts = store.list_alerts().await.unwrap();
    assert!(
        alerts.iter().any(|a| a.kind == "verifactu_rejected"
            && a.message.contains("T0001-000005")
            && a.message.contains("1239")),
        "{alerts:?}"
    );
    fake.set(Scenario::Accept);
    let r = svc::send_pending(store, &cfg, t2 + Duration::seconds(120))
        .await
        .unwrap();
    assert_eq!((r.sent, r.accepted), (1, 1), "{r:?}");
    let last = fake.received().last().unwrap().clone();
    assert_eq!(last.records.len(), 1);
    assert_eq!(last.records[0].1, "T0001-000005");
    assert_eq!(last.subsanaciones, 1);
    assert!(
        last.xml.split_whitespace().collect::<String>().contains(
            "<sum1:Subsanacion>S</sum1:Subsanacion><sum1:RechazoPrevio>X</sum1:RechazoPrevio>"
        ),
        "{}",
        last.xml
    );
    let st = states(s, &w).await;
    let five = st.iter().find(|x| x.0 == "T0001-000005").unwrap();
    assert_eq!((&five.1, &five.3), (&json!("accepted"), &json!(true)));
    let t3 = t2 + Duration::seconds(120);

    // Rejected twice: the subsanación is tried once, then the record stays rejected.
    l.sale(&w, t0, 106);
    push(s, &w, &l.docs[6..]).await;
    fake.set(Scenario::Reject(1239, "NIF no identificado".into()));
    svc::send_pending(store, &cfg, t3 + Duration::seconds(60))
        .await
        .unwrap();
    let r = svc::send_pending(store, &cfg, t3 + Duration::seconds(120))
        .await
        .unwrap();
    assert_eq!((r.sent, r.rejected), (1, 1), "{r:?}");
    let r = svc::send_pending(store, &cfg, t3 + Duration::seconds(180))
        .await
        .unwrap();
    assert_eq!(r.envelopes, 0, "nothing more goes for it");
    let st = states(s, &w).await;
    assert_eq!(
        st.iter().find(|x| x.0 == "T0001-000007").unwrap().1,
        "rejected"
    );
    let t4 = t3 + Duration::seconds(180);

    // Dropped connection, then a 503: records stay pending, retried 1 then 2 minutes later.
    l.sale(&w, t0, 107);
    push(s, &w, &l.docs[7..]).await;
    fake.set(Scenario::Drop);
    let r = svc::send_pending(store, &cfg, t4 + Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!((r.failures, r.sent), (1, 0), "{r:?}");
    let summary = store.verifactu().sending_summary().await.unwrap();
    assert_eq!(summary[0].pending, 1);
    let secs = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp());
    assert_eq!(
        secs(summary[0].next_send_at),
        secs(Some(t4 + Duration::seconds(120)))
    );
    assert!(summary[0].last_error.is_some());
    fake.set(Scenario::Unavailable);
    let r = svc::send_pending(store, &cfg, t4 + Duration::seconds(90))
        .await
        .unwrap();
    assert_eq!(r.waiting, 1, "not before the retry time");
    let r = svc::send_pending(store, &cfg, t4 + Duration::seconds(120))
        .await
        .unwrap();
    assert_eq!(r.failures, 1);
    let summary = store.verifactu().sending_summary().await.unwrap();
    assert_eq!(
        secs(summary[0].next_send_at),
        secs(Some(t4 + Duration::seconds(240)))
    );
    assert!(
        summary[0].last_error.as_deref().unwrap().contains("503"),
        "{summary:?}"
    );
    fake.set(Scenario::Accept);
    let r = svc::send_pending(store, &cfg, t4 + Duration::seconds(240))
        .await
        .unwrap();
    assert_eq!(r.accepted, 1, "{r:?}");
    let summary = store.verifactu().sending_summary().await.unwrap();
    assert_eq!(
        (summary[0].pending, summary[0].last_error.clone()),
        (0, None)
    );

    // A certificate from a CA the AEAT does not trust: the handshake fails, nothing is lost.
    l.sale(&w, t0, 108);
    push(s, &w, &l.docs[8..]).await;
    let (st, _) = upload(
        s,
        &w,
        json!(w.franchisee.0),
        &pki.stranger_p12,
        fake_aeat::P12_PASSWORD,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let before = fake.received().len();
    let r = svc::send_pending(store, &cfg, t4 + Duration::seconds(400))
        .await
        .unwrap();
    assert_eq!((r.failures, r.sent), (1, 0), "{r:?}");
    assert_eq!(
        fake.received().len(),
        before,
        "the fake AEAT never saw the request"
    );

    assert_all_valid(&fake);
    let (st, v) = api(
        s,
        &w,
        reqwest::Method::GET,
        "/api/v1/verifactu/sending",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v[0]["accepted"], 6, "{v}");
    assert_eq!(v[0]["accepted_with_errors"], 1, "{v}");
    assert_eq!(v[0]["rejected"], 1, "{v}");
    assert_eq!(v[0]["pending"], 1, "{v}");
}
on_both_backends!(the_sender_follows_what_the_aeat_answers);

/// End to end through the job runtime: a till offline for a week rings sales and a refund; on
/// reconnection its push reaches HQ and the sender job sends everything with Incidencia=S, the
/// chain intact; records are sent once even with two instances running the job.
async fn a_week_offline_goes_with_incidencia(s: &Server) {
    let w = world(s).await;
    let pki = Pki::new();
    let fake = fake_aeat::start(&pki).await;
    let (st, _) = upload(s, &w, json!("hq"), &pki.client_p12, fake_aeat::P12_PASSWORD).await;
    assert_eq!(st, StatusCode::CREATED);
    let mut l = Ledger::new();
    let week_ago = Utc::now() - Duration::days(7);
    for i in 0..5 {
        l.sale(&w, week_ago + Duration::hours(i), 200 + i);
    }
    let first = l.docs[0].clone();
    l.refund(&w, week_ago + Duration::hours(6), &first);
    for i in 0..2 {
        l.sale(
            &w,
            week_ago + Duration::days(1) + Duration::hours(i),
            300 + i,
        );
    }
    push(s, &w, &l.docs).await;
    svc::set_sender_config(sender(&fake, &pki));
    let job = back_office_server::jobs::find("verifactu-send").unwrap();
    let now = Utc::now();
    let period = job.period.current(now);
    let (a, b) = tokio::join!(
        back_office_server::jobs::run(
            s.storage.clone(),
            job,
            &period,
            back_office_server::storage::jobs::Trigger::Schedule,
            now
        ),
        back_office_server::jobs::run(
            s.storage.clone(),
            job,
            &period,
            back_office_server::storage::jobs::Trigger::Schedule,
            now
        ),
    );
    let ran: Vec<_> = [a.unwrap(), b.unwrap()]
        .into_iter()
        .filter_map(|r| match r {
            back_office_server::jobs::RunReport::Ran(r) => Some(r),
            back_office_server::jobs::RunReport::AlreadyTaken(_) => None,
        })
        .collect();
    assert_eq!(ran.len(), 1, "claimed once");
    assert!(ran[0].error.is_none(), "{:?}", ran[0]);
    assert!(
        ran[0].summary.contains(&("accepted".to_string(), 8)),
        "{:?}",
        ran[0].summary
    );
    let got = fake.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].incidencia, "a week late: Incidencia=S");
    assert!(
        got[0].xml.contains("<sum1:Representante>"),
        "sent by HQ as representative"
    );
    assert!(
        got[0]
            .xml
            .contains("<sum1:TipoFactura>R5</sum1:TipoFactura>")
    );
    // The chain the AEAT receives is the till's, intact, in order.
    let sent: Vec<String> = got[0].records.iter().map(|r| r.1.clone()).collect();
    let made: Vec<String> = l
        .docs
        .iter()
        .map(|d| {
            d.verifactu
                .as_deref()
                .unwrap()
                .id_factura()
                .num_serie_factura
                .clone()
        })
        .collect();
    assert_eq!(sent, made);
    let mut prev: Option<&RegistroFacturacion> = None;
    for d in &l.docs {
        let r = d.verifactu.as_deref().unwrap();
        r.check_follows(prev).unwrap();
        assert!(
            got[0]
                .xml
                .contains(&format!("<sum1:Huella>{}</sum1:Huella>", r.huella()))
        );
        prev = Some(r);
    }
    assert_all_valid(&fake);
    let st = states(s, &w).await;
    assert!(
        st.iter().all(|x| x.1 == "accepted" && x.2 == true),
        "{st:?}"
    );
}
on_both_backends!(a_week_offline_goes_with_incidencia);

/// Records received more than 24 hours ago and still unsent raise an alert.
async fn unsent_records_raise_an_alert(s: &Server) {
    let w = world(s).await;
    let mut l = Ledger::new();
    l.sale(&w, Utc::now(), 100);
    push(s, &w, &l.docs).await;
    svc::raise_alerts(s.storage.as_ref(), Utc::now() + Duration::hours(23))
        .await
        .unwrap();
    assert!(
        !s.storage
            .list_alerts()
            .await
            .unwrap()
            .iter()
            .any(|a| a.kind == "verifactu_unsent")
    );
    svc::raise_alerts(s.storage.as_ref(), Utc::now() + Duration::hours(25))
        .await
        .unwrap();
    let alerts = s.storage.list_alerts().await.unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a.kind == "verifactu_unsent" && a.message.contains("B12345674")),
        "{alerts:?}"
    );
}
on_both_backends!(unsent_records_raise_an_alert);

/// A multipart body (the dashboard's certificate upload form) with its content type.
fn multipart(fields: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----trastienda-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if *name == "pkcs12" {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"cert.p12\"\r\nContent-Type: application/x-pkcs12\r\n\r\n").as_bytes(),
            );
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_form(b: &mut Browser<'_>, fields: &[(&str, &[u8])]) -> Page {
    let (ct, body) = multipart(fields);
    let rq = b
        .http
        .post(format!("{}/dashboard/verifactu/certificates", b.s.base))
        .header("content-type", ct)
        .body(body);
    b.send(rq).await
}

/// The VERI*FACTU page: per franchisee pending, accepted, with errors, rejected (AEAT code and
/// text), last send, certificate expiry; the upload form for admins; alerts on the overview.
async fn the_verifactu_page(s: &Server) {
    use back_office_server::storage::dashboard::DashboardRole;
    let w = world(s).await;
    for (user, role, stores) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analista", DashboardRole::Analyst, vec![]),
        ("encargado", DashboardRole::Manager, vec![w.till.store_id]),
    ] {
        back_office_server::services::accounts::create_user(
            &*s.storage.clone(),
            user,
            user,
            PASSWORD,
            role,
            stores,
        )
        .await
        .unwrap();
    }
    set_key();
    let pki = Pki::new();
    let fake = fake_aeat::start(&pki).await;
    let mut l = Ledger::new();
    for i in 0..3 {
        l.sale(&w, Utc::now(), 100 + i);
    }
    push(s, &w, &l.docs).await;

    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    assert!(
        hq.get("/dashboard")
            .await
            .body
            .contains("href=\"/dashboard/verifactu\"")
    );
    let page = hq.get("/dashboard/verifactu").await;
    page.assert(StatusCode::OK, "Ultramarinos Centro S.L.")
        .assert(StatusCode::OK, "ninguno: no se puede enviar")
        .assert(StatusCode::OK, "id=\"upload-certificate\"");
    assert!(
        page.body
            .contains("<td class=\"num\" data-col=\"pending\">3</td>"),
        "{}",
        page.body
    );

    // Upload through the form: a wrong token is refused; the right one stores it.
    let fid = w.franchisee.0.to_string();
    let r = upload_form(
        &mut hq,
        &[
            ("csrf", b"nope"),
            ("owner", fid.as_bytes()),
            ("pkcs12", &pki.client_p12),
            ("password", fake_aeat::P12_PASSWORD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = upload_form(
        &mut hq,
        &[
            ("csrf", csrf.as_bytes()),
            ("owner", fid.as_bytes()),
            ("pkcs12", &pki.client_p12),
            ("password", b"mal"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("no es un certificado PKCS#12"),
        "{}",
        r.body
    );
    let r = upload_form(
        &mut hq,
        &[
            ("csrf", csrf.as_bytes()),
            ("owner", fid.as_bytes()),
            ("pkcs12", &pki.client_p12),
            ("password", fake_aeat::P12_PASSWORD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = hq.get(r.location.as_deref().unwrap()).await;
    page.assert(
        StatusCode::OK,
        "Certificado de Ultramarinos Centro S.L. guardado",
    )
    .assert(StatusCode::OK, "caduca el");

    // One record rejected, the others accepted: counts, code and text on the page, alert on the overview.
    fake.set(Scenario::RejectNumber(
        "T0001-000002".into(),
        1100,
        "Valor o tipo incorrecto del campo: NombreRazon".into(),
    ));
    let mut r = svc::send_pending(s.storage.as_ref(), &sender(&fake, &pki), Utc::now())
        .await
        .unwrap();
    assert_eq!(r.accepted, 2);
    // The subsanación is rejected too: the record stays rejected.
    r = svc::send_pending(
        s.storage.as_ref(),
        &sender(&fake, &pki),
        Utc::now() + Duration::seconds(61),
    )
    .await
    .unwrap();
    assert_eq!(r.rejected, 1, "{r:?}");
    let page = hq.get("/dashboard/verifactu").await;
    page.assert(
        StatusCode::OK,
        "Valor o tipo incorrecto del campo: NombreRazon",
    )
    .assert(StatusCode::OK, "<code>1100</code>")
    .assert(StatusCode::OK, "T0001-000002");
    assert!(
        page.body
            .contains("<td class=\"num\" data-col=\"accepted\">2</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td class=\"num\" data-col=\"pending\">0</td>"),
        "{}",
        page.body
    );
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Registro rechazado por la AEAT");

    // The analyst reads without the form; the manager does not see the page.
    let (mut analyst, acsrf) = Browser::signed_in(s, "analista").await;
    let page = analyst.get("/dashboard/verifactu").await;
    page.assert(StatusCode::OK, "T0001-000002");
    assert!(!page.body.contains("id=\"upload-certificate\""));
    let r = upload_form(
        &mut analyst,
        &[
            ("csrf", acsrf.as_bytes()),
            ("owner", fid.as_bytes()),
            ("pkcs12", &pki.client_p12),
            ("password", fake_aeat::P12_PASSWORD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (mut manager, _) = Browser::signed_in(s, "encargado").await;
    assert_eq!(
        manager.get("/dashboard/verifactu").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !manager
            .get("/dashboard")
            .await
            .body
            .contains("/dashboard/verifactu")
    );
}
on_both_backends!(the_verifactu_page);

/// 1,001 records: a full envelope of 1,000 goes and, being full, the last one follows at once;
/// both valid against the XSD.
async fn a_thousand_and_one_records_make_two_envelopes(s: &Server) {
    let w = world(s).await;
    let pki = Pki::new();
    let fake = fake_aeat::start(&pki).await;
    let (st, _) = upload(
        s,
        &w,
        json!(w.franchisee.0),
        &pki.client_p12,
        fake_aeat::P12_PASSWORD,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let mut l = Ledger::new();
    let now = Utc::now();
    for i in 0..1001 {
        l.sale(&w, now, 100 + i);
    }
    for chunk in l.docs.chunks(500) {
        push(s, &w, chunk).await;
    }
    let r = svc::send_pending(s.storage.as_ref(), &sender(&fake, &pki), now)
        .await
        .unwrap();
    assert_eq!((r.envelopes, r.accepted), (2, 1001), "{r:?}");
    let got = fake.received();
    assert_eq!(
        got.iter().map(|g| g.records.len()).collect::<Vec<_>>(),
        [1000, 1]
    );
    assert_all_valid(&fake);
}
on_both_backends!(a_thousand_and_one_records_make_two_envelopes);

/// HQ's own franchise invoice and credit note, issued by an invoicing run, go to the AEAT under
/// HQ's NIF with HQ's own certificate and no `Representante`; the credit note the AEAT rejects is
/// sent once more as a subsanación (`RechazoPrevio=X`), then shows as rejected on the page, in
/// the API and as an alert. Every envelope is kept byte for byte and downloadable.
async fn hqs_own_invoices_go_with_hqs_certificate(s: &Server) {
    use chrono::Datelike;
    use sha2::Digest;
    let w = world(s).await;
    back_office_server::services::accounts::create_user(
        &*s.storage.clone(),
        "hq",
        "hq",
        PASSWORD,
        back_office_server::storage::dashboard::DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let pki = Pki::new();
    let fake = fake_aeat::start(&pki).await;
    let cfg = sender(&fake, &pki);
    let store = s.storage.as_ref();
    let now = Utc::now();
    let last_month = (now.date_naive().with_day(1).unwrap() - Duration::days(1))
        .format("%Y-%m")
        .to_string();
    let address = json!({"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"});
    let (st, v) = api(
        s,
        &w,
        reqwest::Method::PUT,
        "/api/v1/admin/invoicing/issuer",
        Some(json!({"legal_name": "Franquicias Centrales S.A.", "nif": "A58818501", "address": address,
                    "iban": "ES9121000418450200051332"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // A minimum royalty: last month is invoiced although the till sold nothing.
    let (st, v) = api(
        s,
        &w,
        reqwest::Method::POST,
        &format!("/api/v1/admin/franchisees/{}/contracts", w.franchisee.0),
        Some(json!({"effective_from": last_month, "royalty_tiers": [{"from": "0.00", "to": null, "percent": "5"}],
                    "minimum_royalty": "300.00", "payment_days": 30, "payment": {"method": "transfer"},
                    "billing_email": "facturas@centro.example.es", "billing_address": address})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, run) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/invoicing/runs",
        Some(json!({ "period": last_month })),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{run}");
    let invoice = run["issued"][0].clone();
    let invoice_number = invoice["full_number"].as_str().unwrap().to_string();
    let (st, cn) = api(
        s,
        &w,
        reqwest::Method::POST,
        &format!("/api/v1/admin/invoices/{}/credit-notes", invoice["id"]),
        Some(json!({"reason": "other", "description": "Cuota mal aplicada"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{cn}");
    let cn_number = cn["full_number"].as_str().unwrap().to_string();

    // No certificate of HQ's yet: nothing goes. (The franchisee's tills sent no record.)
    let r = svc::send_pending(store, &cfg, now).await.unwrap();
    assert_eq!((r.no_certificate, r.envelopes), (1, 0), "{r:?}");
    let (st, v) = api(
        s,
        &w,
        reqwest::Method::GET,
        "/api/v1/verifactu/sending",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let hq_row = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|x| x["franchisee_id"] == 0)
            .cloned()
            .unwrap_or_else(|| panic!("no HQ row in {v}"))
    };
    assert_eq!(hq_row(&v)["pending"], 2, "{v}");
    // Still unsent a day later: the alert names HQ as the taxpayer.
    svc::raise_alerts(store, now + Duration::hours(25))
        .await
        .unwrap();
    let alerts = store.list_alerts().await.unwrap();
    assert!(
        alerts.iter().any(|a| a.kind == "verifactu_unsent"
            && a.message.contains("Franquicias Centrales S.A. (A58818501)")),
        "{alerts:?}"
    );
    let (st, _) = upload(s, &w, json!("hq"), &pki.hq_p12, fake_aeat::P12_PASSWORD).await;
    assert_eq!(st, StatusCode::CREATED);

    // The invoice is accepted; the credit note rejected for a reason outside its content.
    fake.set(Scenario::RejectNumber(
        cn_number.clone(),
        1239,
        "Error en el bloque de Destinatarios".into(),
    ));
    let r = svc::send_pending(store, &cfg, now).await.unwrap();
    assert_eq!(
        (r.envelopes, r.sent, r.accepted, r.subsanaciones),
        (1, 2, 1, 1),
        "{r:?}"
    );
    let got = fake.received();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]
            .records
            .iter()
            .map(|r| (r.0.as_str(), r.1.as_str()))
            .collect::<Vec<_>>(),
        [
            ("A58818501", invoice_number.as_str()),
            ("A58818501", cn_number.as_str())
        ]
    );
    let compact: String = got[0].xml.split_whitespace().collect::<Vec<_>>().join("");
    assert!(
        compact.contains("<sum1:ObligadoEmision><sum1:NombreRazon>FranquiciasCentralesS.A.</sum1:NombreRazon><sum1:NIF>A58818501</sum1:NIF></sum1:ObligadoEmision>"),
        "{}",
        got[0].xml
    );
    assert!(!got[0].xml.contains("Representante"), "HQ is the taxpayer");
    // Signed with HQ's own client certificate, and only with it.
    let hs = fake.handshakes();
    assert!(
        !hs.is_empty() && hs.iter().all(|c| *c == pki.hq_der),
        "{} handshakes",
        hs.len()
    );

    // The envelope is kept exactly as the fake AEAT received it, with its records and answer.
    let kept = store.verifactu().envelopes(10).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].franchisee_id, FranchiseeId(0));
    assert_eq!(
        kept[0].sha256,
        hex::encode(sha2::Sha256::digest(&got[0].body))
    );
    assert_eq!(
        kept[0].estado_envio.as_deref(),
        Some("ParcialmenteCorrecto")
    );
    let (_, body, carried) = store
        .verifactu()
        .envelope(kept[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body, got[0].body, "the archived bytes are the bytes sent");
    assert_eq!(carried.len(), 2);
    assert!(carried.iter().all(|c| c.source == "hq" && !c.subsanacion));

    // After TiempoEsperaEnvio the credit note goes again as a subsanación; rejected again, it
    // stays rejected.
    let t1 = now + Duration::seconds(61);
    let r = svc::send_pending(store, &cfg, t1).await.unwrap();
    assert_eq!((r.sent, r.rejected), (1, 1), "{r:?}");
    let last = fake.received().last().unwrap().clone();
    assert_eq!(last.records[0].1, cn_number);
    assert_eq!(last.subsanaciones, 1);
    assert!(
        last.xml.split_whitespace().collect::<String>().contains(
            "<sum1:Subsanacion>S</sum1:Subsanacion><sum1:RechazoPrevio>X</sum1:RechazoPrevio>"
        ),
        "{}",
        last.xml
    );
    assert_all_valid(&fake);
    let r = svc::send_pending(store, &cfg, t1 + Duration::seconds(61))
        .await
        .unwrap();
    assert_eq!(r.envelopes, 0, "nothing left: {r:?}");

    let (_, v) = api(
        s,
        &w,
        reqwest::Method::GET,
        "/api/v1/verifactu/sending",
        None,
    )
    .await;
    let hq = hq_row(&v);
    assert_eq!(
        (&hq["pending"], &hq["accepted"], &hq["rejected"]),
        (&json!(0), &json!(1), &json!(1)),
        "{v}"
    );
    let alerts = store.list_alerts().await.unwrap();
    assert!(
        alerts.iter().any(|a| a.kind == "verifactu_rejected"
            && a.message.contains(&cn_number)
            && a.message.contains("Franquicias Centrales S.A. (A58818501)")),
        "{alerts:?}"
    );

    // The page: HQ's row beside the franchisee's, the rejected credit note, the envelopes.
    let (mut b, _) = Browser::signed_in(s, "hq").await;
    let page = b.get("/dashboard/verifactu").await;
    page.assert(StatusCode::OK, "data-franchisee=\"hq\"")
        .assert(StatusCode::OK, "Central: facturas a franquiciados")
        .assert(StatusCode::OK, &cn_number)
        .assert(StatusCode::OK, "Error en el bloque de Destinatarios")
        .assert(StatusCode::OK, "id=\"verifactu-envelopes\"");
    assert!(
        page.body.contains("data-state=\"rejected\""),
        "{}",
        page.body
    );
    let all = store.verifactu().envelopes(10).await.unwrap();
    assert_eq!(all.len(), 2);
    for (e, sent) in all.iter().rev().zip(fake.received()) {
        let link = format!("/dashboard/verifactu/envelopes/{}", e.id);
        assert!(page.body.contains(&link), "{link}");
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/verifactu/envelopes/{}", s.base, e.id))
            .bearer_auth(&w.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()["x-content-sha256"].to_str().unwrap(),
            e.sha256
        );
        assert_eq!(res.bytes().await.unwrap().to_vec(), sent.body);
    }
    let p = b
        .get(&format!("/dashboard/verifactu/envelopes/{}", all[0].id))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.body.as_bytes(), fake.received()[1].body.as_slice());
    let (st, v) = api(
        s,
        &w,
        reqwest::Method::GET,
        "/api/v1/verifactu/envelopes",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v[0]["estado_envio"], "Incorrecto");
    let (st, _) = api(
        s,
        &w,
        reqwest::Method::GET,
        "/api/v1/verifactu/envelopes/999999",
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // For auditors: HQ's own records through the API, every field, the chain and the answers.
    let (from, to) = (
        now.date_naive() - Duration::days(40),
        now.date_naive() + Duration::days(1),
    );
    let q = format!("/api/v1/verifactu/hq-records?from={from}&to={to}");
    let (st, v) = api(s, &w, reqwest::Method::GET, &q, None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let recs = v["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2, "{v}");
    assert_eq!(recs[0]["invoice_id"], invoice["id"]);
    assert_eq!(
        recs[0]["record"]["id_factura"]["num_serie_factura"],
        invoice_number.as_str()
    );
    assert_eq!(
        recs[1]["record"]["id_factura"]["num_serie_factura"],
        cn_number.as_str()
    );
    assert!(recs.iter().all(|r| r["hash_valid"] == true), "{v}");
    assert_eq!(recs[1]["previous_huella"], recs[0]["huella"], "chained");
    assert_eq!(recs[0]["sending"]["state"], "accepted");
    assert_eq!(recs[1]["sending"]["state"], "rejected");
    assert_eq!(recs[1]["sending"]["code"], "1239");
    assert!(v.get("next_after").is_none(), "{v}");
    let (_, p1) = api(s, &w, reqwest::Method::GET, &format!("{q}&limit=1"), None).await;
    assert_eq!(p1["records"].as_array().unwrap().len(), 1);
    let (_, p2) = api(
        s,
        &w,
        reqwest::Method::GET,
        &format!("{q}&limit=1&after={}", p1["next_after"]),
        None,
    )
    .await;
    assert_eq!(p2["records"][0]["id"], recs[1]["id"], "{p2}");
    let (st, v) = api(
        s,
        &w,
        reqwest::Method::GET,
        &format!("/api/v1/verifactu/hq-records?from={to}&to={from}"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // The export (`verifactu export --franchisee hq`) writes them as HQ's envelope: HQ the
    // taxpayer, no Representante, the rejected credit note as the subsanación it went as.
    let xml = svc::export_hq(store, from, to, now).await.unwrap();
    assert_eq!(xml.len(), 1);
    let (records, _, _) = fake_aeat::read_envelope(&xml[0]);
    assert_eq!(records.len(), 2);
    let compact: String = xml[0].split_whitespace().collect();
    assert!(
        compact.contains("<sum1:NombreRazon>FranquiciasCentralesS.A.</sum1:NombreRazon><sum1:NIF>A58818501</sum1:NIF>"),
        "{}",
        xml[0]
    );
    assert!(!xml[0].contains("Representante"));
    assert_eq!(
        xml[0]
            .matches("<sum1:Subsanacion>S</sum1:Subsanacion>")
            .count(),
        1
    );
    if let Some(d) = fake_aeat::xsd_dir("HQ export XSD validation") {
        fake_aeat::xmllint(&xml[0], &d.join("SuministroLR.xsd")).unwrap();
    }
}
on_both_backends!(hqs_own_invoices_go_with_hqs_certificate);

/// Kept envelopes can be neither changed nor deleted, in the database itself.
#[tokio::test]
async fn kept_envelopes_are_immutable() {
    use back_office_server::storage::verifactu::EnvelopeIn;
    let mut stores = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.db").display());
    stores.push((
        back_office_server::storage::open_sql(&url).await.unwrap(),
        None,
    ));
    if let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") {
        let url = back_office_server::storage::postgres::create_scratch_database(&base)
            .await
            .unwrap();
        stores.push((
            back_office_server::storage::open_sql(&url).await.unwrap(),
            Some((base, url)),
        ));
    }
    for (sql, drop) in stores {
        use back_office_server::storage::Storage;
        let id = sql
            .verifactu()
            .archive_envelope(&EnvelopeIn {
                franchisee_id: FranchiseeId(0),
                nif: "A58818501".into(),
                created_at: Utc::now(),
                incidencia: false,
                body: b"<soapenv:Envelope/>".to_vec(),
                records: vec![(1, false)],
            })
            .await
            .unwrap();
        for q in [
            "UPDATE verifactu_envelopes SET body = body WHERE id = ?1",
            "DELETE FROM verifactu_envelopes WHERE id = ?1",
            "UPDATE verifactu_envelope_records SET subsanacion = subsanacion WHERE envelope_id = ?1",
            "DELETE FROM verifactu_envelope_records WHERE envelope_id = ?1",
        ] {
            let r = sql
                .db()
                .write(move |tx| {
                    Box::pin(async move {
                        tx.execute(q, back_office_server::p![id]).await?;
                        Ok(())
                    })
                })
                .await;
            assert!(r.is_err(), "{q} must be refused");
        }
        let (_, body, recs) = sql.verifactu().envelope(id).await.unwrap().unwrap();
        assert_eq!(
            (body.as_slice(), recs.len()),
            (&b"<soapenv:Envelope/>"[..], 1)
        );
        if let Some((base, url)) = drop {
            let _ = back_office_server::storage::postgres::drop_scratch_database(&base, &url).await;
        }
    }
}
