//! VERI*FACTU at the till: each sale (F2), full invoice (F3) and refund (R5, or R1 of a full
//! invoice) gets its record in the document's own transaction, chained per taxpayer; records are
//! append-only, travel with their documents, and a till that cannot make a valid record sells nothing.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pos_terminal::refund::build_refund;
use pos_terminal::{Ledger, LedgerError, Refunded};
use rusqlite::Connection;
use std::path::PathBuf;
use std::process::Command;
use sync_protocol::verifactu::*;
use sync_protocol::*;

fn ready(dir: &tempfile::TempDir) -> Ledger {
    let mut l = open_enrolled(dir, "https://hq.example");
    l.apply_changes(&catalog_page()).unwrap();
    open_shift(&mut l);
    l
}

fn alta(r: &RegistroFacturacion) -> &RegistroAlta {
    match r {
        RegistroFacturacion::Alta(a) => a,
        other => panic!("not an alta: {other:?}"),
    }
}

fn record_of(d: &Document) -> &RegistroAlta {
    alta(
        d.verifactu
            .as_deref()
            .expect("the document carries its record"),
    )
}

fn madrid_day(d: &Document) -> chrono::NaiveDate {
    Timestamp::in_zone(d.till_time, DEFAULT_TIME_ZONE).date()
}

fn refund_all(l: &mut Ledger, sale: &Document) -> Document {
    let DocumentBody::Sale(s) = &sale.body else {
        panic!("not a sale")
    };
    let picks: Vec<_> = s.lines.iter().map(|x| (x.line_id, x.quantity)).collect();
    let body = build_refund(
        sale,
        &Refunded::default(),
        &picks,
        Some(StaffId(10)),
        Some(StaffId(11)),
        "defectuoso",
    )
    .unwrap();
    l.record_document(body).unwrap()
}

#[test]
fn a_ticket_is_an_f2_chained_to_the_previous_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    let mut mixed = line(1, 2447, 1);
    mixed.tax_rate = TaxRate::percent(10);
    let d1 = l
        .record_sale(
            Some(StaffId(10)),
            vec![mixed, line(2, 1210, 2)],
            Money::ZERO,
            vec![pos_terminal::cash_payment(
                Money::from_cents(2447 + 2420),
                Money::from_cents(5000),
            )],
        )
        .unwrap();
    let r1 = record_of(&d1);
    let DocumentBody::Sale(s) = &d1.body else {
        panic!()
    };
    assert_eq!(r1.tipo_factura, TipoFactura::F2);
    assert_eq!(r1.id_factura.id_emisor_factura, "B12345674");
    assert_eq!(r1.nombre_razon_emisor, "Panadería Muñoz S.L.");
    assert_eq!(r1.id_factura.num_serie_factura, s.ticket_number);
    assert_eq!(r1.id_factura.fecha_expedicion_factura, madrid_day(&d1));
    assert!(r1.destinatarios.is_empty());
    assert_eq!(r1.importe_total, Money::from_cents(4867));
    assert_eq!(r1.cuota_total, s.totals.tax);
    // The breakdown is the receipt's: 24.47 at 10 % = 22.25 + 2.22; 24.20 at 21 % = 20.00 + 4.20.
    let lines: Vec<_> = r1
        .desglose
        .iter()
        .map(|d| {
            (
                d.tipo_impositivo.unwrap().to_string(),
                d.base_imponible.to_string(),
                d.cuota().to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("10.00".into(), "22.25".into(), "2.22".into()),
            ("21.00".into(), "20.00".into(), "4.20".into())
        ]
    );
    assert_eq!(r1.encadenamiento, Encadenamiento::PrimerRegistro);
    assert_eq!(
        r1.sistema_informatico.numero_instalacion,
        "TIENDA-0003-CAJA-0007"
    );
    assert_eq!(
        r1.fecha_hora_huso_gen_registro,
        Timestamp::in_zone(d1.till_time, DEFAULT_TIME_ZONE)
    );

    let d2 = sell(&mut l, 300);
    let r2 = record_of(&d2);
    let Encadenamiento::RegistroAnterior(prev) = &r2.encadenamiento else {
        panic!("the second record names the first")
    };
    assert_eq!(prev.num_serie_factura, s.ticket_number);
    assert_eq!(prev.huella, r1.huella);
    // Stored, read back with the document, and in the outbox the same.
    assert_eq!(l.document(d1.seq).unwrap().unwrap(), d1);
    assert_eq!(
        l.verifactu_record(d2.seq).unwrap().as_ref(),
        d2.verifactu.as_deref()
    );
    let out = l.pending_outbox(10).unwrap();
    assert!(
        out[0].verifactu.is_none(),
        "the shift opening has no record"
    );
    assert_eq!(out[1], d1);
    assert_eq!(out[2], d2);
    assert_eq!(l.verify_verifactu().unwrap(), 2);
    // The record sits outside the document hash: the chain of documents is unchanged by it.
    assert!(d1.hash_is_valid());
}

#[test]
fn refunds_are_r5_and_full_invoices_f3_then_r1() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    let ticket = sell(&mut l, 1210);
    let ticket_id = record_of(&ticket).id_factura.clone();

    // A refund of a plain ticket: R5 by differences, negative, naming the ticket.
    let refund = refund_all(&mut l, &ticket);
    let r = record_of(&refund);
    assert_eq!(r.tipo_factura, TipoFactura::R5);
    assert_eq!(r.tipo_rectificativa, Some(TipoRectificativa::I));
    assert_eq!(r.facturas_rectificadas, vec![ticket_id.clone()]);
    assert_eq!(r.id_factura.num_serie_factura, "T0007-R000001");
    assert_eq!(r.importe_total, Money::from_cents(-1210));
    assert_eq!(r.cuota_total, Money::from_cents(-210));
    assert!(r.desglose.iter().all(|d| d.base_imponible.is_negative()));
    assert!(r.destinatarios.is_empty());

    // A full invoice for a second ticket: its own document and an F3 replacing the ticket.
    let sale = sell(&mut l, 2420);
    let sale_id = record_of(&sale).id_factura.clone();
    let inv = l
        .record_full_invoice(
            sale.seq,
            "Cliente S.A.",
            "Calle Mayor 1, Madrid",
            "a58818501",
        )
        .unwrap();
    assert_eq!(inv.number, "T0007-F000001");
    let inv_doc = l.document(inv.doc_seq.unwrap()).unwrap().unwrap();
    let DocumentBody::FullInvoice(body) = &inv_doc.body else {
        panic!("a full invoice document")
    };
    assert_eq!(body.sale_id, sale.id);
    assert_eq!(body.customer_nif, "A58818501");
    let f3 = record_of(&inv_doc);
    assert_eq!(f3.tipo_factura, TipoFactura::F3);
    assert_eq!(f3.facturas_sustituidas, vec![sale_id]);
    assert_eq!(f3.id_factura.num_serie_factura, "T0007-F000001");
    assert_eq!(f3.destinatarios[0].nif, "A58818501");
    assert_eq!(f3.destinatarios[0].nombre_razon, "Cliente S.A.");
    assert_eq!(f3.importe_total, Money::from_cents(2420));
    assert_eq!(
        f3.fecha_operacion, None,
        "issued the same day as the ticket"
    );
    // The invoice's QR or number finds the ticket for a refund.
    let url = qr_url(Entorno::Produccion, &f3.id_factura, f3.importe_total);
    assert_eq!(l.sale_by_ticket(&url).unwrap().unwrap().id, sale.id);
    assert_eq!(
        l.sale_by_ticket("t0007-f000001").unwrap().unwrap().id,
        sale.id
    );

    // Refunding that ticket rectifies the full invoice: R1, to the same customer.
    let refund = refund_all(&mut l, &sale);
    let r1 = record_of(&refund);
    assert_eq!(r1.tipo_factura, TipoFactura::R1);
    assert_eq!(r1.facturas_rectificadas, vec![f3.id_factura.clone()]);
    assert_eq!(r1.destinatarios, f3.destinatarios);
    assert_eq!(r1.importe_total, Money::from_cents(-2420));

    // One chain: F2, R5, F2, F3, R1, each naming the one before.
    let records: Vec<_> = l.verifactu_records().unwrap();
    let kinds: Vec<_> = records
        .iter()
        .map(|(_, r)| r.tipo_factura().unwrap())
        .collect();
    use TipoFactura::*;
    assert_eq!(kinds, [F2, R5, F2, F3, R1]);
    assert_eq!(l.verify_verifactu().unwrap(), 5);
    assert_eq!(l.verify_chain().unwrap(), 6);
    // Every record passes what the AEAT checks.
    for (_, r) in &records {
        assert_eq!(preflight(alta(r)), vec![]);
    }
    // A second full invoice for the same ticket is refused, and takes no number.
    let last = l.last_seq().unwrap();
    assert!(
        l.record_full_invoice(sale.seq, "Otro", "Otra calle", "A58818501")
            .is_err()
    );
    assert_eq!(l.last_seq().unwrap(), last);

    // The till's envelope of the whole chain is valid against the AEAT's XSD.
    let envelope = envelope_xml(
        &ObligadoEmision {
            nombre_razon: "Panadería Muñoz S.L.".into(),
            nif: "B12345674".into(),
        },
        true,
        &records.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
    )
    .unwrap();
    validate_xsd(&envelope);
}

/// A full invoice the customer wants by e-mail: the invoice and its e-mail request are one
/// transaction, so a bad address issues nothing (no number taken) and a good one queues the
/// request naming the invoice's own document.
#[test]
fn a_full_invoice_and_its_email_request_are_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    let sale = sell(&mut l, 2420);
    let last = l.last_seq().unwrap();
    let bad = l.record_full_invoice_mailed(
        sale.seq,
        "Cliente S.A.",
        "Calle Mayor 1, Madrid",
        "A58818501",
        Some(("no es un correo", None)),
    );
    assert!(bad.is_err(), "{bad:?}");
    assert_eq!(l.last_seq().unwrap(), last, "no document, no number");
    assert!(l.full_invoice_for(sale.seq).unwrap().is_none());
    assert!(l.pending_hq_queue(10).unwrap().mail_requests.is_empty());

    let inv = l
        .record_full_invoice_mailed(
            sale.seq,
            "Cliente S.A.",
            "Calle Mayor 1, Madrid",
            "A58818501",
            Some((" Compras@Cliente.example.es ", None)),
        )
        .unwrap();
    let doc = l.document(inv.doc_seq.unwrap()).unwrap().unwrap();
    let queued = l.pending_hq_queue(10).unwrap().mail_requests;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].document_id, doc.id, "the invoice's own document");
    assert_eq!(queued[0].to, "compras@cliente.example.es");
    assert_eq!(l.verify_chain().unwrap(), l.last_seq().unwrap());
}

fn validate_xsd(xml: &str) {
    let Some(dir) = std::env::var_os("TRASTIENDA_VERIFACTU_XSD_DIR").map(PathBuf::from) else {
        println!("skipped: XSD validation: set TRASTIENDA_VERIFACTU_XSD_DIR");
        return;
    };
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(dir.join("SuministroLR.xsd"))
        .arg(file.path())
        .output()
        .expect("xmllint");
    assert!(
        out.status.success(),
        "{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn records_are_append_only_and_tampering_stops_the_next_sale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    {
        let mut l = ready(&dir);
        sell(&mut l, 100);
        sell(&mut l, 200);
    }
    let c = Connection::open(&path).unwrap();
    assert!(
        c.execute("UPDATE verifactu_records SET huella = 'X'", [])
            .is_err()
    );
    assert!(c.execute("DELETE FROM verifactu_records", []).is_err());
    // Bypassing the trigger: the amount changes, the huella no longer matches.
    c.execute_batch(
        "DROP TRIGGER verifactu_records_immutable_update;
         UPDATE verifactu_records SET json = replace(json, '\"2.00\"', '\"9.00\"') WHERE doc_seq = 3;",
    )
    .unwrap();
    drop(c);
    let mut l = Ledger::open(&path).unwrap();
    assert!(l.verify_verifactu().is_err());
    // Orden art. 7.i: the last record is checked before the next one; the sale is refused whole.
    let last = l.last_seq().unwrap();
    let r = l.record_sale(
        None,
        vec![line(1, 100, 1)],
        Money::ZERO,
        vec![pos_terminal::cash_payment(
            Money::from_cents(100),
            Money::from_cents(100),
        )],
    );
    assert!(matches!(r, Err(LedgerError::Fiscal(_))), "{r:?}");
    assert_eq!(l.last_seq().unwrap(), last);
}

#[test]
fn no_invoice_without_a_valid_record() {
    let dir = tempfile::tempdir().unwrap();
    // Enrolled but HQ has not sent the store yet: no NIF to issue under, so no sale.
    let mut l = open_enrolled(&dir, "https://hq.example");
    open_shift(&mut l);
    let payment = |c| {
        vec![pos_terminal::cash_payment(
            Money::from_cents(c),
            Money::from_cents(c),
        )]
    };
    let r = l.record_sale(None, vec![line(1, 100, 1)], Money::ZERO, payment(100));
    assert!(matches!(r, Err(LedgerError::NoTaxpayer)), "{r:?}");
    assert_eq!(l.last_seq().unwrap(), 1, "no number taken");

    l.apply_changes(&catalog_page()).unwrap();
    // A ticket over 3,000 € (+10 € tolerance) cannot be a simplified invoice (AEAT 1150).
    let r = l.record_sale(
        None,
        vec![line(1, 301_001, 1)],
        Money::ZERO,
        payment(301_001),
    );
    match r {
        Err(LedgerError::Preflight(m)) => assert!(m.contains("1150"), "{m}"),
        other => panic!("expected a pre-flight refusal, got {other:?}"),
    }
    // At the limit it is fine.
    let d = l
        .record_sale(
            None,
            vec![line(1, 301_000, 1)],
            Money::ZERO,
            payment(301_000),
        )
        .unwrap();
    assert_eq!(d.seq, 2);
    // A rate the AEAT does not accept is refused too (1124).
    let mut odd = line(1, 1000, 1);
    odd.tax_rate = TaxRate::percent(15);
    let r = l.record_sale(None, vec![odd], Money::ZERO, payment(1000));
    assert!(
        matches!(r, Err(LedgerError::Preflight(ref m)) if m.contains("1124")),
        "{r:?}"
    );
    assert_eq!(l.last_seq().unwrap(), 2);
    assert_eq!(l.verify_verifactu().unwrap(), 1);
}

#[test]
fn a_new_franchisee_starts_its_own_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    let a1 = sell(&mut l, 100);
    // HQ moves the store to another franchisee.
    let mut store = store_record();
    store.franchisee_nif = "A58818501".into();
    store.franchisee_legal_name = "Nuevo Dueño S.A.".into();
    l.apply_changes(&ChangesPage {
        protocol_version: PROTOCOL_VERSION,
        changes: vec![Change {
            cursor: 20,
            change: CatalogChange::Store(store),
        }],
        next_cursor: 20,
        has_more: false,
    })
    .unwrap();
    let b1 = sell(&mut l, 200);
    assert_eq!(record_of(&b1).id_factura.id_emisor_factura, "A58818501");
    assert_eq!(
        record_of(&b1).encadenamiento,
        Encadenamiento::PrimerRegistro
    );
    // Refunding the old ticket is issued by the new owner but rectifies the old one's ticket.
    let r = refund_all(&mut l, &a1);
    let Encadenamiento::RegistroAnterior(p) = &record_of(&r).encadenamiento else {
        panic!()
    };
    assert_eq!(p.huella, record_of(&b1).huella);
    assert_eq!(
        record_of(&r).facturas_rectificadas[0].id_emisor_factura,
        "B12345674"
    );
    assert_eq!(l.verify_verifactu().unwrap(), 3);
}
