//! Sender throughput: VERI*FACTU records built into envelopes, checked against the official XSD
//! by the fake AEAT (when `TRASTIENDA_VERIFACTU_XSD_DIR` is set) and sent over mutual TLS to it,
//! end to end from the database through `services::verifactu::send_pending`. Prints figures.
//!
//! `VF_BENCH_RECORDS` (default 5000) records of one taxpayer; SQLite, then PostgreSQL when
//! `TRASTIENDA_TEST_POSTGRES_URL` is set.

#[path = "../tests/support/fake_aeat.rs"]
mod fake_aeat;

use back_office_server::auth;
use back_office_server::services::aeat::AeatConfig;
use back_office_server::services::certificates::{self, Owner, SecretKey};
use back_office_server::services::verifactu::{self as svc, SenderConfig};
use back_office_server::storage::{self, NewFranchisee, NewStore, Storage, TillAuth};
use chrono::{Duration, Utc};
use std::sync::Arc;
use std::time::Instant;
use sync_protocol::verifactu::*;
use sync_protocol::*;
use uuid::Uuid;

const SECRET: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn sistema(till: &TillAuth) -> SistemaInformatico {
    SistemaInformatico {
        nombre_razon: "Trastienda".into(),
        nif: "00000000T".into(),
        nombre_sistema_informatico: "Trastienda".into(),
        id_sistema_informatico: "TS".into(),
        version: "0.1.0".into(),
        numero_instalacion: format!("TIENDA-{}-CAJA-{}", till.store_id.0, till.till_id.0),
        tipo_uso_posible_solo_verifactu: true,
        tipo_uso_posible_multi_ot: true,
        indicador_multiples_ot: false,
    }
}

/// `n` chained sales with their records.
fn ledger(till: &TillAuth, n: u64) -> Vec<Document> {
    let mut docs: Vec<Document> = Vec::new();
    let mut last: Option<RegistroFacturacion> = None;
    let now = Utc::now();
    for seq in 1..=n {
        let line = SaleLine {
            line_id: Uuid::now_v7(),
            product_id: ProductId(1),
            barcode: None,
            name: "Aceite".into(),
            quantity: Quantity::one(),
            unit_price: Money::from_cents(100 + (seq % 900) as i64),
            tax_rate: TaxRate::IVA_GENERAL,
            discount: Money::ZERO,
            promotion: None,
        };
        let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
        let number = format!("T0001-{seq:07}");
        let prev = docs
            .last()
            .map_or(GENESIS_HASH.to_string(), |d| d.hash.clone());
        let mut d = Document::seal(
            DocumentId::new(),
            till.till_id,
            till.store_id,
            seq,
            now,
            &prev,
            DocumentBody::Sale(Sale {
                ticket_number: number.clone(),
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
                totals: totals.clone(),
            }),
        );
        let ts = Timestamp::in_zone(now, DEFAULT_TIME_ZONE);
        let r = RegistroFacturacion::Alta(
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
                    descripcion_operacion: "Venta".into(),
                    destinatarios: vec![],
                    desglose: desglose_iva(&totals.taxes, false),
                    cuota_total: totals.tax,
                    importe_total: totals.total,
                },
                last.as_ref().map(RegistroFacturacion::link),
                sistema(till),
                ts,
            )
            .unwrap(),
        );
        d.verifactu = Some(Box::new(r.clone()));
        last = Some(r);
        docs.push(d);
    }
    docs
}

async fn run(label: &str, st: Arc<dyn Storage>, n: u64) {
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Centro S.L.".into(),
            nif: "B12345674".into(),
            address: "x".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&NewStore::new(f.id, "Norte", "x"))
        .await
        .unwrap();
    let code = auth::new_enrolment_code();
    st.create_till(
        store.id,
        "Caja",
        &auth::hash_token(&code),
        Utc::now() + Duration::days(1),
    )
    .await
    .unwrap();
    let e = st
        .enroll_till(
            &auth::hash_token(&code),
            None,
            "bench",
            &auth::hash_token(&auth::new_token()),
            Utc::now(),
        )
        .await
        .unwrap();
    let till = TillAuth {
        till_id: e.till_id,
        store_id: e.store_id,
        franchisee_id: e.franchisee_id,
        revoked: false,
    };
    let docs = ledger(&till, n);
    for chunk in docs.chunks(500) {
        st.push(&till, chunk, Utc::now()).await.unwrap();
    }
    let pki = fake_aeat::Pki::new();
    let key = SecretKey::from_hex(SECRET).unwrap();
    certificates::upload(
        st.as_ref(),
        &key,
        Owner::Franchisee(f.id),
        &pki.client_p12,
        fake_aeat::P12_PASSWORD,
        Utc::now(),
    )
    .await
    .unwrap();
    let fake = fake_aeat::start(&pki).await;
    let mut aeat = AeatConfig::new(&fake.url);
    aeat.extra_roots = vec![pki.ca_der.clone()];
    let cfg = SenderConfig {
        aeat,
        key: Some(key),
    };

    let started = Instant::now();
    let mut now = Utc::now();
    let mut sent = 0;
    while sent < n {
        let r = svc::send_pending(st.as_ref(), &cfg, now).await.unwrap();
        if r.failures > 0 {
            let why = st.verifactu().sending_summary().await.unwrap();
            panic!("a send failed: {r:?} {:?}", why[0].last_error);
        }
        sent += r.accepted;
        now += Duration::seconds(61);
    }
    let secs = started.elapsed().as_secs_f64();
    let received = fake.received();
    let validated = received.iter().filter(|r| r.valid.is_some()).count();
    assert!(
        received
            .iter()
            .all(|r| r.valid.as_ref().is_none_or(|v| v.is_ok()))
    );
    println!(
        "{label}: {n} records in {} envelopes, {} validated against SuministroLR.xsd: {secs:.2} s, {:.0} records/s (read, built, sent over mTLS, answered, stored)",
        received.len(),
        validated,
        n as f64 / secs
    );

    // Building alone: 1,000-record envelopes from stored records.
    let records: Vec<RegistroFacturacion> = docs
        .iter()
        .take(1000)
        .map(|d| *d.verifactu.clone().unwrap())
        .collect();
    let ob = ObligadoEmision {
        nombre_razon: "Ultramarinos Centro S.L.".into(),
        nif: "B12345674".into(),
    };
    let t = Instant::now();
    let rounds = 20;
    let mut bytes = 0;
    for _ in 0..rounds {
        bytes += envelope_xml(&ob, false, &records).unwrap().len();
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{label}: envelope building alone: {:.0} records/s ({:.1} ms per 1,000-record envelope, {} kB)",
        (rounds * records.len()) as f64 / s,
        s * 1000.0 / rounds as f64,
        bytes / rounds / 1024
    );
    if let Some(dir) = std::env::var_os("TRASTIENDA_VERIFACTU_XSD_DIR") {
        let xml = envelope_xml(&ob, false, &records).unwrap();
        let t = Instant::now();
        fake_aeat::xmllint(&xml, &std::path::Path::new(&dir).join("SuministroLR.xsd")).unwrap();
        println!(
            "{label}: xmllint validation of one 1,000-record envelope: {:.0} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: u64 = std::env::var("VF_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    run("SQLite", storage::open(&url).await.unwrap(), n).await;
    if let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") {
        let url = storage::postgres::create_scratch_database(&base)
            .await
            .unwrap();
        run("PostgreSQL", storage::open(&url).await.unwrap(), n).await;
        let _ = storage::postgres::drop_scratch_database(&base, &url).await;
    } else {
        println!("PostgreSQL skipped: TRASTIENDA_TEST_POSTGRES_URL not set");
    }
}
