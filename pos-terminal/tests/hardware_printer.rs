//! Receipts printed to a real TCP listener standing in for a network printer, decoded back; and
//! printers that refuse, stall, close mid-receipt or report paper out, with the reprint queue.
#![allow(clippy::unwrap_used)]

mod common;

use pos_terminal::Ledger;
use pos_terminal::printer::{PrintError, PrintQueue, PrinterConfig, ReceiptPrinter};
use pos_terminal::receipt::{DRAWER_KICK, DRAWER_PULSE, ReceiptLayout};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sync_protocol::*;

/// How the fake printer behaves.
const READY: u8 = 0;
const PAPER_OUT: u8 = 1;
/// Answers the first status query, then stops reading and answering (jammed mid-receipt).
const STALL: u8 = 2;
/// Answers the first status query, reads a few bytes of the receipt, then closes.
const CLOSE_MIDWAY: u8 = 3;

struct FakePrinter {
    port: u16,
    received: Arc<Mutex<Vec<u8>>>,
    mode: Arc<AtomicU8>,
}

fn serve(mut s: TcpStream, received: Arc<Mutex<Vec<u8>>>, mode: Arc<AtomicU8>) {
    let mut buf = [0u8; 4096];
    let mut statuses = 0;
    let mut after_status = 0usize;
    loop {
        let m = mode.load(Ordering::SeqCst);
        if m == STALL && statuses >= 3 {
            std::thread::sleep(Duration::from_secs(5));
            return;
        }
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        received.lock().unwrap().extend_from_slice(chunk);
        if m == CLOSE_MIDWAY && statuses >= 3 {
            after_status += n;
            if after_status > 20 {
                return; // drops the socket mid-receipt
            }
        }
        let mut i = 0;
        while i + 2 < chunk.len() {
            if chunk[i] == 0x10 && chunk[i + 1] == 0x04 {
                let paper_out = m == PAPER_OUT;
                let reply = match chunk[i + 2] {
                    1 => 0x12 | if paper_out { 0x08 } else { 0 },
                    2 => 0x12 | if paper_out { 0x20 } else { 0 },
                    _ => 0x12 | if paper_out { 0x60 } else { 0 },
                };
                if s.write_all(&[reply]).is_err() {
                    return;
                }
                statuses += 1;
                i += 3;
            } else {
                i += 1;
            }
        }
    }
}

impl FakePrinter {
    fn start(listener: TcpListener, mode: u8) -> FakePrinter {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(AtomicU8::new(mode));
        let (r, m) = (received.clone(), mode.clone());
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { return };
                let (r, m) = (r.clone(), m.clone());
                std::thread::spawn(move || serve(s, r, m));
            }
        });
        FakePrinter {
            port,
            received,
            mode,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        self.received.lock().unwrap().clone()
    }
}

fn store() -> StoreRecord {
    StoreRecord {
        id: StoreId(3),
        name: "Tienda Chamberí".into(),
        address: "Calle de Peñalver 5, 28006 Madrid".into(),
        franchisee_id: FranchiseeId(2),
        franchisee_legal_name: "Panadería Muñoz S.L.".into(),
        franchisee_nif: "B12345674".into(),
        receipt_footer: "¡Gracias por su visita!".into(),
        receipt_header: String::new(),
        cash_tolerance: None,
        time_zone: None,
        single_manager: false,
        report_email: None,
    }
}

fn ledger(dir: &tempfile::TempDir) -> Arc<Mutex<Ledger>> {
    let mut l = common::open_enrolled(dir, "http://127.0.0.1:1");
    let mut page = common::catalog_page();
    page.changes.push(Change {
        cursor: 99,
        change: CatalogChange::Store(store()),
    });
    l.apply_changes(&page).unwrap();
    common::open_shift(&mut l);
    Arc::new(Mutex::new(l))
}

fn sale(l: &Arc<Mutex<Ledger>>) -> Document {
    let mut l = l.lock().unwrap();
    let mut line = common::line(1, 150, 2);
    line.name = "Café con leche".into();
    line.discount = Money::from_cents(50);
    let total = Money::from_cents(250);
    l.record_sale(
        Some(StaffId(10)),
        vec![line],
        Money::ZERO,
        vec![pos_terminal::cash_payment(total, Money::from_cents(1000))],
    )
    .unwrap()
}

fn queue(port: u16) -> PrintQueue {
    PrintQueue::new(
        ReceiptPrinter::new(PrinterConfig::Network {
            host: "127.0.0.1".into(),
            port,
            timeout: Duration::from_millis(300),
        }),
        ReceiptLayout::MM80,
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Decodes the PC858 bytes we use back to text (ASCII plus Spanish letters and €).
fn decode_pc858(b: &[u8]) -> String {
    b.iter()
        .map(|&c| match c {
            0xA4 => 'ñ',
            0xA5 => 'Ñ',
            0xA0 => 'á',
            0x82 => 'é',
            0xA1 => 'í',
            0xA2 => 'ó',
            0xA3 => 'ú',
            0xD5 => '€',
            0xAD => '¡',
            0xA8 => '¿',
            0xB5 => 'Á',
            0xE0 => 'Ó',
            0x90 => 'É',
            c if c.is_ascii() => c as char,
            _ => '\u{fffd}',
        })
        .collect()
}

#[test]
fn receipt_reaches_a_network_printer_and_decodes_back() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let doc = sale(&l);
    let printer = FakePrinter::start(TcpListener::bind("127.0.0.1:0").unwrap(), READY);
    let q = queue(printer.port);
    let job = q.print_document(&l, doc.seq, Some("Lucía")).unwrap();
    assert!(
        l.lock().unwrap().pending_prints(10).unwrap().is_empty(),
        "job {job} printed"
    );

    let deadline = Instant::now() + Duration::from_secs(2);
    while find(&printer.bytes(), &[0x1D, 0x56, 0x41, 0x00]).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let bytes = printer.bytes();
    // ESC @, ESC t 19 (PC858), the cut; no drawer pulse of any kind in a receipt (the till
    // opens the drawer with its own command, so a reprint never does).
    assert!(find(&bytes, &[0x1B, 0x40, 0x1B, 0x74, 0x13]).is_some());
    assert!(find(&bytes, &[0x1B, 0x70]).is_none());
    assert!(find(&bytes, &DRAWER_KICK).is_none());
    assert!(
        find(&bytes, &[0x1D, 0x56, 0x41, 0x00]).is_some(),
        "full cut"
    );
    // Code page bytes: ñ → A4, € → D5, é → 82, í → A1.
    assert!(find(&bytes, b"Mu\xA4oz").is_some());
    assert!(find(&bytes, b"Caf\x82 con leche").is_some());
    assert!(find(&bytes, b"2,50 \xD5").is_some());

    let text = decode_pc858(&bytes);
    let ticket = match &doc.body {
        DocumentBody::Sale(s) => s.ticket_number.clone(),
        _ => unreachable!(),
    };
    for want in [
        "Panadería Muñoz S.L.",
        "NIF B12345674",
        "Calle de Peñalver 5, 28006 Madrid",
        "FACTURA",
        "SIMPLIFICADA",
        "Le atendió",
        "Lucía",
        "Café con leche",
        "  2 x 1,50",
        "3,00",
        "  Descuento",
        "-0,50",
        "TOTAL",
        "2,50 €",
        "Base 2,07 IVA 21% 0,43",
        "Efectivo",
        "  Entregado",
        "10,00",
        "  Cambio",
        "7,50",
        "¡Gracias por su visita!",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(text.contains(&ticket));
    // The one QR is the AEAT's, first on the paper, and finds the ticket on the refund screen.
    let qr = fiscal_qr(&bytes);
    let record = doc.verifactu.as_deref().unwrap();
    let sync_protocol::verifactu::RegistroFacturacion::Alta(alta) = record else {
        panic!("an alta")
    };
    assert_eq!(
        qr.payload,
        sync_protocol::verifactu::qr_url(
            sync_protocol::verifactu::Entorno::from_env(),
            &alta.id_factura,
            alta.importe_total
        )
    );
    assert!(qr.payload.contains(&format!("numserie={ticket}&")));
    assert!(qr.payload.contains("&importe=2.50"));
    assert!(
        qr.at < find(&bytes, b"Panader").unwrap(),
        "before the content"
    );
    assert_eq!(
        l.lock()
            .unwrap()
            .sale_by_ticket(&qr.payload)
            .unwrap()
            .unwrap()
            .id,
        doc.id
    );
    // Each line of text after the QR fits 48 columns.
    for line in decode_pc858(&bytes[qr.end..]).split('\n') {
        let printable: String = line.chars().filter(|c| !c.is_control()).collect();
        assert!(printable.chars().count() <= 60, "{printable}");
    }
}

/// The AEAT QR as the printer receives it (GS ( k: module size, error correction, data, print).
struct FiscalQr {
    payload: String,
    /// Where its data command starts in the byte stream.
    at: usize,
    /// Just after its print command.
    end: usize,
}

/// Decodes the receipt's QR commands and checks what the AEAT asks of the QR (Orden art. 20–21):
/// exactly one, error correction M, 30–40 mm at 203 dpi (also when the printer picks one QR
/// version more than the smallest), "QR tributario:" just above and "VERI*FACTU" just below.
fn fiscal_qr(bytes: &[u8]) -> FiscalQr {
    const STORE: [u8; 3] = [0x31, 0x50, 0x30];
    let stores: Vec<usize> = bytes
        .windows(3)
        .enumerate()
        .filter(|(i, w)| *w == STORE && *i >= 5 && bytes[i - 5..i - 2] == [0x1D, 0x28, 0x6B])
        .map(|(i, _)| i)
        .collect();
    assert_eq!(stores.len(), 1, "exactly one QR on the receipt");
    let at = stores[0];
    let len = u16::from_le_bytes([bytes[at - 2], bytes[at - 1]]) as usize - 3;
    let payload = String::from_utf8(bytes[at + 3..at + 3 + len].to_vec()).unwrap();
    let before = &bytes[..at];
    let size_at = before
        .windows(7)
        .rposition(|w| w == [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43])
        .expect("module size command");
    let module = u32::from(bytes[size_at + 7]);
    let ecc_at = before
        .windows(7)
        .rposition(|w| w == [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45])
        .expect("error correction command");
    assert_eq!(bytes[ecc_at + 7], 49, "error correction M");
    let print = [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30];
    assert_eq!(
        &bytes[at + 3 + len..at + 3 + len + 8],
        &print,
        "printed right after its data"
    );
    let modules =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
            .unwrap()
            .width() as u32;
    for m in [modules, modules + 4] {
        let dots = m * module;
        assert!(
            (240..=320).contains(&dots),
            "{m} modules x {module} dots = {dots} dots"
        );
    }
    let model_at = before
        .windows(7)
        .rposition(|w| w == [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41])
        .expect("QR model command");
    assert!(
        model_at < size_at && size_at < ecc_at,
        "one QR symbol's commands"
    );
    let above = decode_pc858(&bytes[..model_at]);
    assert!(
        above.trim_end().ends_with("QR tributario:"),
        "'QR tributario:' right above the QR:\n{above}"
    );
    let below = decode_pc858(&bytes[at + 3 + len + 8..]);
    let first_line = below
        .split('\n')
        .map(|l| l.chars().filter(|c| !c.is_control()).collect::<String>())
        .find(|l| !l.trim().is_empty())
        .unwrap();
    assert!(
        first_line.ends_with("VERI*FACTU"),
        "below the QR: {first_line:?}"
    );
    FiscalQr {
        payload,
        at,
        end: at + 3 + len + 8,
    }
}

fn assert_queued(r: Result<i64, PrintError>, started: Instant) -> i64 {
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    match r {
        Err(PrintError::Queued { job, source }) => {
            eprintln!("queued: {source}");
            job
        }
        other => panic!("expected a queued job, got {other:?}"),
    }
}

#[test]
fn refused_connection_keeps_the_receipt_and_reprints_when_back() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let doc = sale(&l);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let q = queue(port);
    let t = Instant::now();
    let job = assert_queued(q.print_document(&l, doc.seq, None), t);
    // The sale is in the ledger; the till is usable: the next sale records and queues too.
    assert_eq!(l.lock().unwrap().document(doc.seq).unwrap().unwrap(), doc);
    let doc2 = sale(&l);
    let _ = q.print_document(&l, doc2.seq, None);
    let pending = l.lock().unwrap().pending_prints(10).unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].id, job);
    assert!(
        pending[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("cannot reach")
    );
    assert_eq!(pending[0].doc_seq, Some(doc.seq));

    let printer = FakePrinter::start(TcpListener::bind(("127.0.0.1", port)).unwrap(), READY);
    let report = q.retry_pending(&l).unwrap();
    assert_eq!(report.printed.len(), 2, "{report:?}");
    assert!(l.lock().unwrap().pending_prints(10).unwrap().is_empty());
    // The queued cash receipt came out later: it must not pop the drawer.
    assert!(find(&printer.bytes(), &DRAWER_PULSE).is_none());
    assert!(find(&printer.bytes(), &DRAWER_KICK).is_none());
}

/// A till killed between a sale's commit and queueing its receipt: at the next start the receipt
/// is queued and prints, the first sale's as any other; receipts already queued are not queued twice.
#[test]
fn a_receipt_lost_between_commit_and_queue_is_queued_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let printer = FakePrinter::start(TcpListener::bind("127.0.0.1:0").unwrap(), READY);
    let q = queue(printer.port);
    let first = sale(&l);
    q.print_document(&l, first.seq, None).unwrap();
    assert!(
        l.lock()
            .unwrap()
            .receipts_never_queued()
            .unwrap()
            .is_empty()
    );
    // The crash: two sales commit, the till dies before their receipts are queued.
    let lost = [sale(&l).seq, sale(&l).seq];
    assert_eq!(l.lock().unwrap().receipts_never_queued().unwrap(), lost);
    // The next start.
    let jobs = q.queue_lost_receipts(&l).unwrap();
    assert_eq!(jobs.len(), 2);
    assert!(
        l.lock()
            .unwrap()
            .receipts_never_queued()
            .unwrap()
            .is_empty()
    );
    assert!(q.queue_lost_receipts(&l).unwrap().is_empty(), "queued once");
    let pending = l.lock().unwrap().pending_prints(10).unwrap();
    assert_eq!(
        pending.iter().map(|j| j.doc_seq).collect::<Vec<_>>(),
        lost.map(Some)
    );
    assert_eq!(q.retry_pending(&l).unwrap().printed.len(), 2);
    assert!(l.lock().unwrap().pending_prints(10).unwrap().is_empty());
}

#[test]
fn paper_out_is_reported_and_the_reprint_arrives_after_reloading() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let doc = sale(&l);
    let printer = FakePrinter::start(TcpListener::bind("127.0.0.1:0").unwrap(), PAPER_OUT);
    let q = queue(printer.port);
    let t = Instant::now();
    let r = q.print_document(&l, doc.seq, None);
    let msg = r.as_ref().unwrap_err().to_string();
    assert!(msg.contains("out of paper"), "{msg}");
    assert_queued(r, t);
    assert!(q.printer.status().unwrap().paper_out);
    // Nothing of the receipt was sent, only status queries.
    assert!(find(&printer.bytes(), &[0x1D, 0x56, 0x41, 0x00]).is_none());

    // The drawer still opens during paper-out: its real-time kick is not held by the printer.
    assert_eq!(
        q.printer.kick_drawer().unwrap().map(|s| s.paper_out),
        Some(true)
    );
    let deadline = Instant::now() + Duration::from_secs(2);
    while find(&printer.bytes(), &DRAWER_KICK).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(find(&printer.bytes(), &DRAWER_KICK).is_some());

    printer.mode.store(READY, Ordering::SeqCst);
    assert_eq!(q.retry_pending(&l).unwrap().printed.len(), 1);
    assert!(find(&printer.bytes(), &[0x1D, 0x56, 0x41, 0x00]).is_some());
}

#[test]
fn printer_that_stalls_or_closes_mid_receipt_keeps_the_job() {
    for mode in [STALL, CLOSE_MIDWAY] {
        let dir = tempfile::tempdir().unwrap();
        let l = ledger(&dir);
        let doc = sale(&l);
        let printer = FakePrinter::start(TcpListener::bind("127.0.0.1:0").unwrap(), mode);
        let q = queue(printer.port);
        let t = Instant::now();
        assert_queued(q.print_document(&l, doc.seq, None), t);
        assert_eq!(l.lock().unwrap().pending_prints(10).unwrap().len(), 1);

        printer.mode.store(READY, Ordering::SeqCst);
        let report = q.retry_pending(&l).unwrap();
        assert_eq!(report.printed.len(), 1, "mode {mode}: {report:?}");
        assert!(l.lock().unwrap().pending_prints(10).unwrap().is_empty());
    }
}

/// Refunds and full invoices print the AEAT QR at the top too, on 58 mm paper as on 80 mm, and
/// the refund screen finds the ticket from either QR.
#[test]
fn refund_and_full_invoice_print_their_qr_first_on_58_mm() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let doc = sale(&l);
    let printer = FakePrinter::start(TcpListener::bind("127.0.0.1:0").unwrap(), READY);
    let q = PrintQueue::new(
        ReceiptPrinter::new(PrinterConfig::Network {
            host: "127.0.0.1".into(),
            port: printer.port,
            timeout: Duration::from_millis(300),
        }),
        ReceiptLayout::MM58,
    );
    let refund = {
        let mut l = l.lock().unwrap();
        let DocumentBody::Sale(s) = &doc.body else {
            panic!()
        };
        let body = pos_terminal::refund::build_refund(
            &doc,
            &pos_terminal::Refunded::default(),
            &[(s.lines[0].line_id, Quantity::one())],
            Some(StaffId(10)),
            Some(StaffId(11)),
            "no le gusta",
        )
        .unwrap();
        l.record_document(body).unwrap()
    };
    q.print_document(&l, refund.seq, None).unwrap();
    let wait_for_cut = |from: usize| {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let b = printer.bytes();
            if b.len() > from && find(&b[from..], &[0x1D, 0x56, 0x41, 0x00]).is_some() {
                return b[from..].to_vec();
            }
            assert!(Instant::now() < deadline, "no cut");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let bytes = wait_for_cut(0);
    let qr = fiscal_qr(&bytes);
    assert!(qr.payload.contains("numserie=T0007-R000001&"));
    // One of the two coffees: 1,50 less its share (0,25) of the line discount.
    assert!(qr.payload.contains("&importe=-1.25"), "{}", qr.payload);
    assert!(qr.at < find(&bytes, b"DEVOLUCI").unwrap());

    // A full invoice for the ticket: its F3's QR, then FACTURA.
    let invoice = l
        .lock()
        .unwrap()
        .record_full_invoice(
            doc.seq,
            "Cliente S.A.",
            "Calle Mayor 1, Madrid",
            "A58818501",
        )
        .unwrap();
    let (elements, record) = {
        let l = l.lock().unwrap();
        let record = l
            .verifactu_record(invoice.doc_seq.unwrap())
            .unwrap()
            .unwrap();
        let sale_doc = l.document(doc.seq).unwrap().unwrap();
        (
            ReceiptLayout::MM58
                .render_full_invoice(&sale_doc, &store(), &invoice, Some(&record))
                .unwrap(),
            record,
        )
    };
    let from = printer.bytes().len();
    q.printer
        .send(&pos_terminal::receipt::encode(&elements, ReceiptLayout::MM58).unwrap())
        .unwrap();
    let bytes = wait_for_cut(from);
    let qr = fiscal_qr(&bytes);
    assert!(qr.payload.contains("numserie=T0007-F000001&"));
    assert_eq!(
        record.tipo_factura(),
        Some(sync_protocol::verifactu::TipoFactura::F3)
    );
    assert!(qr.at < find(&bytes, b"FACTURA").unwrap());
    // Scanning the invoice's QR on the refund screen finds the ticket it replaced.
    assert_eq!(
        l.lock()
            .unwrap()
            .sale_by_ticket(&qr.payload)
            .unwrap()
            .unwrap()
            .id,
        doc.id
    );
}

#[test]
fn test_page_report_and_manager_drawer() {
    let printer = FakePrinter::start(TcpListener::bind("127.0.0.1:0").unwrap(), READY);
    let p = queue(printer.port).printer;
    p.print_test_page(ReceiptLayout::MM58).unwrap();
    assert!(p.open_drawer().unwrap().unwrap().ready());
    let l58 = ReceiptLayout::MM58;
    // The X report as the till prints it, with 1.234,56 € taken in cash.
    let mut x = pos_terminal::ShiftReport::from_documents(1, &[]);
    x.tenders[0].sales = Money::from_cents(123456);
    let report = l58.shift_report(&store(), chrono::Utc::now(), &x, None);
    let bytes = pos_terminal::receipt::encode(&report, l58).unwrap();
    p.send(&bytes).unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while !decode_pc858(&printer.bytes()).contains("1.234,56") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let text = decode_pc858(&printer.bytes());
    assert!(
        text.contains("PÁGINA DE PRUEBA") || text.contains("P\u{fffd}GINA"),
        "{text}"
    );
    assert!(text.contains("ñ Ñ á é í ó ú"));
    assert!(text.contains("INFORME X"));
    let efectivo = text.lines().find(|l| l.starts_with("Efectivo")).unwrap();
    assert_eq!(efectivo.chars().count(), 32);
    assert!(efectivo.ends_with("1.234,56"));
    // The status was asked first, then the real-time kick went out.
    let deadline = Instant::now() + Duration::from_secs(2);
    while find(&printer.bytes(), &DRAWER_KICK).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let kick = find(&printer.bytes(), &DRAWER_KICK).expect("real-time drawer kick");
    assert!(find(&printer.bytes()[..kick], &[0x10, 0x04, 0x01]).is_some());
}

/// A serial printer: the receipt goes through the serialport driver to one end of a
/// pseudo-terminal; a thread on the other end plays the printer (answers DLE EOT, keeps bytes).
#[cfg(all(feature = "serial", unix))]
#[test]
fn receipt_reaches_a_serial_printer_through_a_pty() {
    use serialport::{SerialPort, TTYPort};
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let doc = sale(&l);
    let (mut master, slave) = TTYPort::pair().expect("pseudo-terminal pair");
    let path = slave.name().expect("pty name");
    // The driver opens the port by path, as it would /dev/ttyS0.
    drop(slave);
    master.set_timeout(Duration::from_millis(50)).unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicU8::new(0));
    let (r, s) = (received.clone(), stop.clone());
    let printer = std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while s.load(Ordering::SeqCst) == 0 {
            let n = match master.read(&mut buf) {
                Ok(n) => n,
                // No data yet, or the port is closed between jobs (EIO on Linux).
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
            };
            let chunk = &buf[..n];
            r.lock().unwrap().extend_from_slice(chunk);
            for w in chunk.windows(3) {
                if w[0] == 0x10 && w[1] == 0x04 {
                    let _ = master.write_all(&[0x12]);
                }
            }
        }
    });
    let q = PrintQueue::new(
        ReceiptPrinter::new(PrinterConfig::Serial {
            path: path.clone(),
            baud: 19_200,
        }),
        ReceiptLayout::MM80,
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    q.print_document(&l, doc.seq, Some("Lucía"))
        .unwrap_or_else(|e| panic!("printing to {path}: {e}"));
    while find(&received.lock().unwrap(), &[0x1D, 0x56, 0x41, 0x00]).is_none()
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(1, Ordering::SeqCst);
    printer.join().unwrap();
    let bytes = received.lock().unwrap().clone();
    assert!(l.lock().unwrap().pending_prints(10).unwrap().is_empty());
    assert!(
        find(&bytes, &[0x1B, 0x40, 0x1B, 0x74, 0x13]).is_some(),
        "init + PC858"
    );
    assert!(
        find(&bytes, &DRAWER_PULSE).is_none(),
        "no pulse in a receipt"
    );
    assert!(find(&bytes, &[0x1D, 0x56, 0x41, 0x00]).is_some(), "cut");
    let text = decode_pc858(&bytes);
    for want in ["Panadería Muñoz S.L.", "Café con leche", "2,50 €", "Lucía"] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}
