//! Click-and-type tests through the till's screens with the headless iced_test Simulator,
//! over a real ledger in a temporary directory.

#[path = "common/run.rs"]
mod run;
use run::{send, settle, with_ledger};

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use iced::Task;
use iced_test::simulator;
use pos_terminal::Ledger;
use pos_terminal::receipt::{DRAWER_KICK, DRAWER_PULSE};
use pos_terminal::scanner::Key as WedgeKey;
use pos_terminal_app::settings::{Language, Printer, Settings};
use pos_terminal_app::{Key, Message, Screen, Till, printing, worker};
use std::time::{Duration, Instant};
use sync_protocol::{
    CatalogChange, Change, ChangesPage, DocumentBody, EnrollResponse, FranchiseeId, Money,
    ProductId, ProductRecord, Quantity, StaffId, StaffRecord, StaffRole, StoreId, StoreRecord,
    TaxRate, Tender, TillId,
};

const EAN: &str = "8412345678905";
const CASHIER_PIN: &str = "1234";
const MANAGER_PIN: &str = "9876";

fn pin_hash(pin: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .expect("hash")
        .to_string()
}

fn page(changes: Vec<CatalogChange>, from: i64) -> ChangesPage {
    ChangesPage {
        protocol_version: sync_protocol::PROTOCOL_VERSION,
        next_cursor: from + changes.len() as i64,
        changes: changes
            .into_iter()
            .enumerate()
            .map(|(i, change)| Change {
                cursor: from + i as i64 + 1,
                change,
            })
            .collect(),
        has_more: false,
    }
}

fn oil(cents: i64) -> CatalogChange {
    CatalogChange::Product(ProductRecord {
        id: ProductId(1),
        sku: "ACE-1L".into(),
        name: "Aceite de oliva 1 L".into(),
        tax_rate_id: 1,
        tax_rate: TaxRate::IVA_GENERAL,
        price: Money::from_cents(cents),
        active: true,
    })
}

/// An enrolled ledger with one product (13,45 €, IVA 21 %), a cashier (PIN 1234), a
/// manager (PIN 9876) and its store, no shift open yet.
fn ledger_without_shift(dir: &tempfile::TempDir) -> Ledger {
    let mut l = Ledger::open(dir.path().join("ledger.db")).expect("open");
    l.enrol(
        "https://central.example",
        &EnrollResponse {
            till_id: TillId(7),
            store_id: StoreId(1),
            franchisee_id: FranchiseeId(1),
            ticket_series: "T0007".into(),
            token: "secret".into(),
        },
        "test",
    )
    .expect("enrol");
    let changes = vec![
        oil(1345),
        CatalogChange::Barcode {
            code: EAN.into(),
            product_id: ProductId(1),
        },
        CatalogChange::Staff(StaffRecord {
            id: StaffId(1),
            name: "Lucía".into(),
            role: StaffRole::Cashier,
            pin_hash: pin_hash(CASHIER_PIN),
            active: true,
        }),
        CatalogChange::Staff(StaffRecord {
            id: StaffId(2),
            name: "Marta".into(),
            role: StaffRole::Manager,
            pin_hash: pin_hash(MANAGER_PIN),
            active: true,
        }),
        CatalogChange::Store(StoreRecord {
            id: StoreId(1),
            name: "Gran Vía 12".into(),
            address: "Gran Vía 12, 28013 Madrid".into(),
            franchisee_id: FranchiseeId(1),
            franchisee_legal_name: "Ultramarinos Centro S.L.".into(),
            franchisee_nif: "B12345674".into(),
            receipt_footer: "Gracias por su visita".into(),
            receipt_header: String::new(),
            cash_tolerance: None,
            time_zone: None,
            single_manager: false,
            report_email: None,
        }),
    ];
    l.apply_changes(&page(changes, 0)).expect("apply");
    l
}

/// The shift opening is document 1 of every test ledger below.
const OPENING: u64 = 1;

/// [`ledger_without_shift`] with the morning's shift opened by Marta (empty float) and already
/// synced, as a cashier finds the till: sales need an open shift.
fn ledger(dir: &tempfile::TempDir) -> Ledger {
    let mut l = ledger_without_shift(dir);
    let marta = pos_terminal::Staff {
        id: StaffId(2),
        name: "Marta".into(),
        role: StaffRole::Manager,
    };
    let opening = l.start_shift(&marta, Vec::new()).expect("open shift");
    assert_eq!(opening.seq, OPENING);
    l.ack(&[OPENING]).expect("ack");
    l
}

/// Feeds `messages`, running what each starts to the end (printer work held back: see `run`).
fn feed(till: &mut Till, messages: Vec<Message>) {
    for m in messages {
        let task: Task<Message> = till.update(m);
        settle(till, task);
    }
}

/// Types `text` into the input with `id` (no Enter).
fn type_into(till: &mut Till, id: &'static str, text: &str) {
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(iced::widget::Id::new(id)).expect("input");
        let _ = ui.typewrite(text);
        ui.into_messages().collect()
    };
    feed(till, messages);
}

/// Types `text` into the input with `id`, presses Enter, and feeds the messages to the till.
fn type_and_enter(till: &mut Till, id: &'static str, text: &str) {
    type_into(till, id, text);
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(iced::widget::Id::new(id)).expect("input");
        let _ = ui.tap_key(iced::keyboard::key::Named::Enter);
        ui.into_messages().collect()
    };
    feed(till, messages);
}

fn click(till: &mut Till, label: &str) {
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(label)
            .unwrap_or_else(|e| panic!("button {label}: {e:?}"));
        ui.into_messages().collect()
    };
    feed(till, messages);
}

fn shows(till: &Till, s: &str) -> bool {
    let mut ui = simulator(till.view());
    ui.find(s).is_ok()
}

/// Whether some text on screen contains `s` (for messages that carry an OS error text).
fn shows_containing(till: &Till, s: &str) -> bool {
    let mut ui = simulator(till.view());
    ui.find(|c: iced_test::selector::Candidate<'_>| match c {
        iced_test::selector::Candidate::Text { content, .. } if content.contains(s) => Some(()),
        _ => None,
    })
    .is_ok()
}

#[track_caller]
fn assert_shows(till: &Till, s: &str) {
    assert!(shows(till, s), "the screen does not show {s:?}");
}

fn logged_in(dir: &tempfile::TempDir) -> Till {
    let (mut till, _) = Till::with_ledger(ledger(dir));
    type_and_enter(&mut till, "login-pin", CASHIER_PIN);
    assert!(matches!(till.screen, Screen::Sell(_)), "login failed");
    till
}

/// Whether the app has told the sync worker to go now (takes the waiting permit, if any).
fn nudged(till: &Till) -> bool {
    let nudge = std::sync::Arc::clone(till.sync_nudge());
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(async { tokio::time::timeout(Duration::from_millis(50), nudge.notified()).await })
        .is_ok()
}

/// Writes a settings file that prints to `path` (a file standing in for a device node).
fn print_to_file(dir: &tempfile::TempDir, path: &std::path::Path) {
    let s = Settings {
        printer: Printer::File {
            path: path.to_path_buf(),
        },
        ..Settings::default()
    };
    s.save(&dir.path().join("settings.json")).unwrap();
}

fn sell_one_for_cash(till: &mut Till) {
    type_and_enter(till, "scan", EAN);
    click(till, "Cobrar (F2)");
    click(till, "20,00 €");
    click(till, "Confirmar cobro");
    assert!(matches!(till.screen, Screen::Sell(_)));
}

#[test]
fn application_builds() {
    let dir = tempfile::tempdir().unwrap();
    let _app = pos_terminal_app::application(dir.path().join("ledger.db"));
}

/// `pos-terminal --kiosk` (the packaged kiosk session): full screen, no title bar, and the window
/// manager cannot close it.
#[test]
fn the_kiosk_window_is_full_screen_and_stays_open() {
    let w = pos_terminal_app::kiosk_window();
    assert!(w.fullscreen && !w.decorations && !w.exit_on_close_request);
    let dir = tempfile::tempdir().unwrap();
    let _app = pos_terminal_app::application(dir.path().join("ledger.db")).window(w);
}

#[test]
fn unenrolled_ledger_starts_on_enrolment() {
    let dir = tempfile::tempdir().unwrap();
    let l = Ledger::open(dir.path().join("ledger.db")).unwrap();
    let (till, _) = Till::with_ledger(l);
    assert!(matches!(till.screen, Screen::Enrol(_)));
    assert_shows(&till, "Alta de la caja");
}

#[test]
fn wrong_pin_is_refused_and_right_pin_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let (mut till, _) = Till::with_ledger(ledger(&dir));
    assert_shows(&till, "Entrar");
    type_and_enter(&mut till, "login-pin", "9999");
    assert!(matches!(till.screen, Screen::Login(_)));
    assert_shows(&till, "PIN incorrecto");
    type_and_enter(&mut till, "login-pin", CASHIER_PIN);
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert_shows(&till, "Cajero: Lucía");
}

#[test]
fn scanning_an_ean_adds_the_line_and_total() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    assert_shows(&till, "▸ Aceite de oliva 1 L");
    assert_shows(&till, "Total: 13,45 €");
    assert_shows(&till, "IVA 21 %: base 11,12 € · cuota 2,33 €");
    type_and_enter(&mut till, "scan", "0000000000000");
    assert_shows(&till, "Código desconocido: 0000000000000");
    type_and_enter(&mut till, "scan", "8412345678901");
    assert!(shows_containing(&till, "Código no válido: 8412345678901"));
    assert_shows(&till, "Total: 13,45 €");
}

#[test]
fn search_by_name_shows_results_as_you_type() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_into(&mut till, "scan", "acei");
    assert_shows(&till, "Aceite de oliva 1 L");
    assert_shows(&till, "ACE-1L");
    assert_shows(&till, "Ticket vacío");
    click(&mut till, "ACE-1L");
    assert_shows(&till, "Total: 13,45 €");
    type_into(&mut till, "scan", "zumo");
    assert_shows(&till, "Sin resultados");
    // Esc clears what was typed; Enter on a search adds the first result.
    send(&mut till, Message::Key(Key::Escape));
    assert!(!shows(&till, "Sin resultados"));
    type_and_enter(&mut till, "scan", "oliva");
    assert_shows(&till, "2 x 13,45 €");
    assert_shows(&till, "Total: 26,90 €");
}

#[test]
fn quantity_line_and_ticket_discounts_and_void() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    type_into(&mut till, "scan", "3");
    click(&mut till, "Cantidad");
    assert_shows(&till, "3 x 13,45 €");
    assert_shows(&till, "Total: 40,35 €");
    click(&mut till, "+");
    assert_shows(&till, "Total: 53,80 €");
    click(&mut till, "−");
    type_into(&mut till, "scan", "1,35");
    click(&mut till, "Dto. línea");
    assert_shows(&till, "3 x 13,45 € − 1,35 €");
    assert_shows(&till, "Total: 39,00 €");
    type_into(&mut till, "scan", "4");
    click(&mut till, "Dto. ticket");
    assert_shows(&till, "Descuento ticket: 4,00 €");
    assert_shows(&till, "Total: 35,00 €");
    // A discount above the ticket is refused and explained; the total stays.
    type_into(&mut till, "scan", "500");
    click(&mut till, "Dto. ticket");
    assert!(shows(&till, "Total: 35,00 €"));
    send(&mut till, Message::Key(Key::Void));
    assert_shows(&till, "Línea anulada: Aceite de oliva 1 L");
    assert_shows(&till, "Ticket vacío");
    assert_shows(&till, "Total: 0,00 €");
    // The void is in the audit trail with who did it and what the line was worth.
    let doc = with_ledger(&till, |l| l.document(OPENING + 1).unwrap().unwrap());
    let DocumentBody::AuditEvent(a) = doc.body else {
        panic!("the void left no audit entry")
    };
    assert_eq!(a.action, sync_protocol::AuditAction::Void);
    assert_eq!(a.staff_id, Some(StaffId(1)));
    assert_eq!(a.reference.as_deref(), Some(EAN));
    assert!(a.amount.is_some());
}

#[test]
fn price_override_needs_a_manager_pin() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    type_into(&mut till, "scan", "10");
    click(&mut till, "Precio (encargado)");
    assert_shows(&till, "Cambiar precio a 10,00 €: PIN del encargado");
    type_and_enter(&mut till, "override-pin", CASHIER_PIN);
    assert_shows(&till, "Ese PIN no es de un encargado.");
    type_and_enter(&mut till, "override-pin", "0000");
    assert_shows(&till, "PIN de encargado incorrecto.");
    assert_shows(&till, "Total: 13,45 €");
    type_and_enter(&mut till, "override-pin", MANAGER_PIN);
    assert_shows(&till, "Precio cambiado a 10,00 € (autoriza Marta)");
    assert_shows(&till, "Total: 10,00 €");
    click(&mut till, "Cobrar (F2)");
    click(&mut till, "Confirmar cobro");
    // The override is in the audit trail (document 1), the sale follows at the new price.
    let audit = with_ledger(&till, |l| l.document(OPENING + 1).unwrap().unwrap());
    let DocumentBody::AuditEvent(a) = audit.body else {
        panic!("not an audit entry")
    };
    assert_eq!(a.action, sync_protocol::AuditAction::PriceOverride);
    assert_eq!(a.staff_id, Some(StaffId(1)));
    assert_eq!(a.approved_by, Some(StaffId(2)));
    assert_eq!(a.amount, Some(Money::from_cents(1000)));
    assert_eq!(a.reference.as_deref(), Some(EAN));
    let doc = with_ledger(&till, |l| l.document(OPENING + 2).unwrap().unwrap());
    let DocumentBody::Sale(s) = doc.body else {
        panic!("not a sale")
    };
    assert_eq!(s.lines[0].unit_price, Money::from_cents(1000));
}

#[test]
fn paying_20_cash_for_13_45_gives_6_55_change_and_records_the_sale() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    click(&mut till, "Cobrar (F2)");
    assert!(matches!(till.screen, Screen::Pay(_)));
    assert_shows(&till, "Total: 13,45 €");
    click(&mut till, "20,00 €");
    assert_shows(&till, "Cambio: 6,55 €");
    click(&mut till, "Confirmar cobro");
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert_shows(&till, "Ticket T0007-000001 · Cambio: 6,55 €");
    assert_shows(&till, "Ticket vacío");
    assert_shows(&till, "Documentos pendientes: 1");
    with_ledger(&till, |ledger| {
        assert_eq!(ledger.document_count().unwrap(), OPENING + 1);
        assert_eq!(ledger.sales_gross().unwrap(), Money::from_cents(1345));
    });
}

#[test]
fn short_cash_then_card_with_reference_splits_the_payment() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    send(&mut till, Message::Key(Key::Pay));
    assert!(matches!(till.screen, Screen::Pay(_)));
    type_and_enter(&mut till, "tendered", "5");
    assert_shows(&till, "Efectivo: 5,00 €");
    assert_shows(&till, "Pendiente: 8,45 €");
    assert_eq!(with_ledger(&till, |l| l.document_count().unwrap()), OPENING);
    // Card needs the terminal's reference.
    click(&mut till, "Tarjeta");
    assert_shows(&till, "Escriba la referencia que da el datáfono.");
    // Esc is refused while tenders are noted (the card may have been charged).
    send(&mut till, Message::Key(Key::Escape));
    assert!(matches!(till.screen, Screen::Pay(_)));
    type_and_enter(&mut till, "card-reference", "AUT-778812");
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert_shows(&till, "Ticket T0007-000001 · Cambio: 0,00 €");
    let doc = with_ledger(&till, |l| l.document(OPENING + 1).unwrap().unwrap());
    let DocumentBody::Sale(s) = doc.body else {
        panic!("not a sale")
    };
    assert_eq!(s.payments.len(), 2);
    assert_eq!(s.payments[0].tender, Tender::Cash);
    assert_eq!(s.payments[0].amount, Money::from_cents(500));
    assert_eq!(s.payments[1].tender, Tender::Card);
    assert_eq!(s.payments[1].amount, Money::from_cents(845));
    assert_eq!(s.payments[1].reference.as_deref(), Some("AUT-778812"));
}

#[test]
fn cash_receipt_prints_after_commit_without_a_drawer_pulse_and_reprints() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("printer.bin");
    print_to_file(&dir, &out);
    let mut till = logged_in(&dir);
    sell_one_for_cash(&mut till);
    // Committed before anything printed: the receipt waits in the queue.
    assert_eq!(
        with_ledger(&till, |l| l.document_count().unwrap()),
        OPENING + 1
    );
    assert_eq!(
        with_ledger(&till, |l| l.pending_prints(10).unwrap().len()),
        1
    );
    let outcome = printing::flush(till.print_queue().as_ref(), till.ledger().unwrap());
    assert_eq!(outcome, printing::Outcome::Printed(1));
    let bytes = std::fs::read(&out).unwrap();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    // The drawer has its own command (tests/counter.rs): a receipt, queued or reprinted,
    // never opens it.
    assert!(!has(&DRAWER_PULSE) && !has(&DRAWER_KICK));
    assert!(has(b"T0007-000001"));
    assert!(has(b"Aceite de oliva 1 L"));
    // Reprint the last receipt (F7): queued again and printed again.
    send(&mut till, Message::Key(Key::Reprint));
    assert_shows(&till, "Reimprimiendo el último recibo.");
    printing::flush(till.print_queue().as_ref(), till.ledger().unwrap());
    let again = std::fs::read(&out).unwrap();
    assert_eq!(again.len(), bytes.len() * 2);
}

#[test]
fn card_receipt_does_not_kick_the_drawer() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("printer.bin");
    print_to_file(&dir, &out);
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    click(&mut till, "Cobrar (F2)");
    type_and_enter(&mut till, "card-reference", "AUT-1");
    printing::flush(till.print_queue().as_ref(), till.ledger().unwrap());
    let bytes = std::fs::read(&out).unwrap();
    assert!(!bytes.windows(5).any(|w| w == DRAWER_PULSE));
    assert!(bytes.windows(12).any(|w| w == b"T0007-000001"));
}

#[test]
fn a_dead_printer_keeps_the_sale_and_the_receipt_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on: the printer refuses the connection.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = Settings {
        printer: Printer::Network {
            host: "127.0.0.1".into(),
            port,
        },
        ..Settings::default()
    };
    s.save(&dir.path().join("settings.json")).unwrap();
    let mut till = logged_in(&dir);
    sell_one_for_cash(&mut till);
    let outcome = printing::flush(till.print_queue().as_ref(), till.ledger().unwrap());
    assert!(matches!(
        outcome,
        printing::Outcome::Failed { waiting: 1, .. }
    ));
    send(&mut till, Message::Printed(outcome));
    assert!(shows(&till, "Ticket T0007-000001 · Cambio: 6,55 €"));
    assert!(shows_containing(
        &till,
        "cannot reach the printer 127.0.0.1"
    ));
    assert!(shows_containing(&till, "1 recibo(s) en cola"));
    assert_eq!(
        with_ledger(&till, |l| l.document_count().unwrap()),
        OPENING + 1
    );
    assert_eq!(
        with_ledger(&till, |l| l.pending_prints(10).unwrap().len()),
        1
    );
    // While it fails, the queue is retried on a timer.
    assert!(till.retries_prints());
    // The till stays usable for the next sale.
    type_and_enter(&mut till, "scan", EAN);
    assert_shows(&till, "Total: 13,45 €");
    // The printer is back (here: on another port): the retry prints the waiting receipt and
    // the timer stops.
    let back = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    till.settings.printer = Printer::Network {
        host: "127.0.0.1".into(),
        port: back.local_addr().unwrap().port(),
    };
    // A printer that answers "ready" to each status query (DLE EOT n) and keeps what it gets.
    let reader = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut got = Vec::new();
        let (mut c, _) = back.accept().unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_millis(500)))
            .unwrap();
        let mut buf = [0u8; 4096];
        while let Ok(n) = c.read(&mut buf) {
            if n == 0 {
                break;
            }
            for w in buf[..n].windows(2) {
                if w == [0x10, 0x04] {
                    let _ = c.write_all(&[0x12]);
                }
            }
            got.extend_from_slice(&buf[..n]);
        }
        got
    });
    let outcome = printing::flush(till.print_queue().as_ref(), till.ledger().unwrap());
    assert_eq!(outcome, printing::Outcome::Printed(1));
    send(&mut till, Message::Printed(outcome));
    assert!(!till.retries_prints());
    assert!(
        reader
            .join()
            .unwrap()
            .windows(12)
            .any(|w| w == b"T0007-000001")
    );
}

#[test]
fn f_keys_esc_and_tab_work_whatever_has_focus() {
    use iced::keyboard::{self, Location, Modifiers, key};
    let press = |named: key::Named, modifiers: Modifiers| keyboard::Event::KeyPressed {
        key: keyboard::Key::Named(named),
        modified_key: keyboard::Key::Named(named),
        physical_key: key::Physical::Unidentified(key::NativeCode::Unidentified),
        location: Location::Standard,
        modifiers,
        text: None,
        repeat: false,
    };
    let m = |e| format!("{:?}", pos_terminal_app::key_message(&e));
    assert_eq!(
        m(press(key::Named::Tab, Modifiers::empty())),
        "Some(FocusNext(true))"
    );
    assert_eq!(
        m(press(key::Named::Tab, Modifiers::SHIFT)),
        "Some(FocusNext(false))"
    );
    assert_eq!(
        m(press(key::Named::F2, Modifiers::empty())),
        "Some(Key(Pay))"
    );
    assert_eq!(
        m(press(key::Named::F8, Modifiers::empty())),
        "Some(Key(Refund))"
    );
    assert_eq!(
        m(press(key::Named::F10, Modifiers::empty())),
        "Some(ManagerKey)"
    );
    assert_eq!(
        m(press(key::Named::Escape, Modifiers::empty())),
        "Some(Key(Escape))"
    );
    assert_eq!(
        m(press(key::Named::ArrowUp, Modifiers::empty())),
        "Some(Key(Up))"
    );
    assert_eq!(
        m(press(key::Named::ArrowDown, Modifiers::empty())),
        "Some(Key(Down))"
    );
    assert_eq!(m(press(key::Named::ArrowLeft, Modifiers::empty())), "None");
}

#[test]
fn park_and_recall_a_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    type_and_enter(&mut till, "scan", EAN);
    click(&mut till, "Aparcar (F5)");
    assert_shows(&till, "Ticket aparcado (1 en espera).");
    assert_shows(&till, "Ticket vacío");
    assert_shows(&till, "Recuperar (F6) · 1");
    // Serve the next customer, then recall is refused while a ticket is open.
    type_and_enter(&mut till, "scan", EAN);
    send(&mut till, Message::Key(Key::Recall));
    assert_shows(
        &till,
        "Aparque o cobre el ticket actual antes de recuperar otro.",
    );
    send(&mut till, Message::Key(Key::Park));
    assert_shows(&till, "Recuperar (F6) · 2");
    click(&mut till, "Recuperar (F6) · 2");
    assert!(matches!(till.screen, Screen::Recall));
    assert_shows(&till, "26,90 €");
    click(&mut till, "26,90 €");
    assert_shows(&till, "Ticket recuperado.");
    assert_shows(&till, "2 x 13,45 €");
    assert_shows(&till, "Total: 26,90 €");
    assert_shows(&till, "Recuperar (F6) · 1");
    assert_eq!(with_ledger(&till, |l| l.document_count().unwrap()), OPENING);
}

#[test]
fn refund_with_manager_pin_back_to_cash_and_never_more_than_sold() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    type_and_enter(&mut till, "scan", EAN);
    click(&mut till, "Cobrar (F2)");
    click(&mut till, "Confirmar cobro");
    assert!(nudged(&till), "the sync worker is told after the sale");
    click(&mut till, "Devolución (F8)");
    assert!(matches!(till.screen, Screen::Refund(_)));
    type_and_enter(&mut till, "refund-ticket", "T0007-000099");
    assert_shows(&till, "No hay ningún ticket T0007-000099 en esta caja.");
    // What the receipt's QR code carries is the ticket number.
    type_and_enter(&mut till, "refund-ticket", "t0007-000001");
    assert_shows(&till, "Devolver: 0");
    assert_shows(&till, "Se devuelve a: efectivo");
    click(&mut till, "+");
    assert_shows(&till, "Devolver: 1");
    type_and_enter(&mut till, "refund-pin", CASHIER_PIN);
    assert_shows(&till, "Ese PIN no es de un encargado.");
    type_and_enter(&mut till, "refund-pin", "1111");
    assert_shows(&till, "PIN de encargado incorrecto.");
    assert_eq!(
        with_ledger(&till, |l| l.document_count().unwrap()),
        OPENING + 1
    );
    type_and_enter(&mut till, "refund-pin", MANAGER_PIN);
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert_shows(&till, "Devolución T0007-R000001 · 13,45 €");
    assert!(nudged(&till), "the sync worker is told after the refund");
    let doc = with_ledger(&till, |l| l.document(OPENING + 2).unwrap().unwrap());
    let DocumentBody::Refund(r) = doc.body else {
        panic!("not a refund")
    };
    assert_eq!(r.original_ticket_number, "T0007-000001");
    assert_eq!(r.approved_by, Some(StaffId(2)));
    assert_eq!(r.lines[0].quantity, Quantity::one());
    assert_eq!(r.payments[0].tender, Tender::Cash);
    assert_eq!(r.payments[0].amount, Money::from_cents(1345));
    // Second refund of the same ticket: only one unit is left, "+" stops there.
    send(&mut till, Message::Key(Key::Refund));
    type_and_enter(&mut till, "refund-ticket", "T0007-000001");
    assert_shows(&till, "2 x 13,45 € · ya devuelto 1");
    click(&mut till, "+");
    click(&mut till, "+");
    assert_shows(&till, "Devolver: 1");
    click(&mut till, "Todo");
    type_and_enter(&mut till, "refund-pin", MANAGER_PIN);
    assert_shows(&till, "Devolución T0007-R000002 · 13,45 €");
    // Nothing is left to refund.
    send(&mut till, Message::Key(Key::Refund));
    type_and_enter(&mut till, "refund-ticket", "T0007-000001");
    click(&mut till, "Todo");
    type_and_enter(&mut till, "refund-pin", MANAGER_PIN);
    assert_shows(&till, "Elija al menos una unidad que devolver.");
    // One sale, two refunds, and each refund in the audit trail with its approving manager.
    assert_eq!(
        with_ledger(&till, |l| l.document_count().unwrap()),
        OPENING + 5
    );
    let audits: Vec<_> = (OPENING + 1..=OPENING + 5)
        .filter_map(|seq| {
            match with_ledger(&till, move |l| l.document(seq).unwrap().unwrap()).body {
                DocumentBody::AuditEvent(a) => Some(a),
                _ => None,
            }
        })
        .collect();
    assert_eq!(audits.len(), 2);
    assert!(
        audits
            .iter()
            .all(|a| a.action == sync_protocol::AuditAction::Refund
                && a.approved_by == Some(StaffId(2))
                && a.amount == Some(Money::from_cents(1345)))
    );
    assert_eq!(audits[1].reference.as_deref(), Some("T0007-R000002"));
}

#[test]
fn refund_of_a_card_sale_goes_back_to_the_card_reference() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    click(&mut till, "Cobrar (F2)");
    type_and_enter(&mut till, "card-reference", "AUT-42");
    send(&mut till, Message::Key(Key::Refund));
    type_and_enter(&mut till, "refund-ticket", "T0007-000001");
    assert_shows(&till, "Se devuelve a: tarjeta (ref. AUT-42)");
    click(&mut till, "Todo");
    type_and_enter(&mut till, "refund-pin", MANAGER_PIN);
    let doc = with_ledger(&till, |l| l.document(OPENING + 2).unwrap().unwrap());
    let DocumentBody::Refund(r) = doc.body else {
        panic!("not a refund")
    };
    assert_eq!(r.payments[0].tender, Tender::Card);
    assert_eq!(r.payments[0].reference.as_deref(), Some("AUT-42"));
}

#[test]
fn sync_worker_reports_offline_and_the_status_bar_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut l = ledger(&dir);
    l.enrol(
        &format!("http://127.0.0.1:{port}"),
        &EnrollResponse {
            till_id: TillId(7),
            store_id: StoreId(1),
            franchisee_id: FranchiseeId(1),
            ticket_series: "T0007".into(),
            token: "secret".into(),
        },
        "test",
    )
    .ok();
    let client = pos_terminal::SyncClient::new(pos_terminal::SyncOptions {
        max_attempts: 1,
        timeout: std::time::Duration::from_secs(2),
        ..Default::default()
    })
    .unwrap();
    let (mut till, _) = Till::with_ledger_and_client(l, Some(client.clone()));
    type_and_enter(&mut till, "login-pin", CASHIER_PIN);
    sell_one_for_cash(&mut till);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let event = rt.block_on(worker::step(&client, till.ledger().unwrap()));
    assert!(
        matches!(event, worker::Event::Offline { waiting: 1, .. }),
        "{event:?}"
    );
    send(&mut till, Message::Sync(event));
    assert_shows(&till, "Sin conexión");
    assert_shows(&till, "Documentos pendientes: 1");
    assert_shows(&till, "Última sincronización: nunca");
    send(
        &mut till,
        Message::Sync(worker::Event::Pushed {
            acknowledged: 1,
            changes: 0,
            waiting: 0,
        }),
    );
    assert_shows(&till, "En línea");
    assert_shows(&till, "Documentos pendientes: 0");
    assert!(!shows(&till, "Última sincronización: nunca"));
}

#[test]
fn a_price_change_from_hq_shows_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_into(&mut till, "scan", "aceite");
    assert_shows(&till, "13,45 €");
    // The worker applied a page from HQ to the ledger, then reported it.
    let changes = page(vec![oil(1299)], 5);
    with_ledger(&till, move |l| {
        l.apply_changes(&changes)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .unwrap();
    send(
        &mut till,
        Message::Sync(worker::Event::Connected {
            changes: 1,
            waiting: 0,
        }),
    );
    assert_shows(&till, "12,99 €");
    assert!(!shows(&till, "13,45 €"));
    send(&mut till, Message::Key(Key::Escape));
    type_and_enter(&mut till, "scan", EAN);
    assert_shows(&till, "Total: 12,99 €");
}

#[test]
fn full_invoice_refuses_a_wrong_nif_then_is_stored_and_printed_with_its_title() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("printer.bin");
    print_to_file(&dir, &out);
    let mut till = logged_in(&dir);
    sell_one_for_cash(&mut till);
    printing::flush(till.print_queue().as_ref(), till.ledger().unwrap());
    let receipt_len = std::fs::read(&out).unwrap().len();
    click(&mut till, "Factura (F3)");
    assert!(matches!(till.screen, Screen::Invoice(_)));
    // The last ticket is filled in.
    assert_shows(&till, "T0007-000001");
    type_into(&mut till, "invoice-name", "Ferretería Núñez, S.L.");
    type_into(&mut till, "invoice-address", "Calle Mayor 1, 28013 Madrid");
    type_and_enter(&mut till, "invoice-nif", "B12345675");
    assert!(shows_containing(
        &till,
        "NIF/NIE/CIF no válido: B12345675. Compruebe la letra o el dígito de control"
    ));
    assert_eq!(
        with_ledger(&till, |l| l.full_invoice_for(OPENING + 1).unwrap()),
        None
    );
    // The cashier clears the field and types it again, with the usual punctuation.
    feed(
        &mut till,
        vec![Message::Invoice(
            pos_terminal_app::screen::invoice::Message::Nif(String::new()),
        )],
    );
    type_and_enter(&mut till, "invoice-nif", "b-1234.5674");
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert_shows(&till, "Factura T0007-F000001 emitida para B12345674");
    let inv = with_ledger(&till, |l| l.full_invoice_for(OPENING + 1).unwrap()).expect("stored");
    assert_eq!(inv.customer_name, "Ferretería Núñez, S.L.");
    assert_eq!(inv.customer_address, "Calle Mayor 1, 28013 Madrid");
    assert_eq!(inv.customer_nif, "B12345674");
    printing::flush(till.print_queue().as_ref(), till.ledger().unwrap());
    let bytes = std::fs::read(&out).unwrap();
    let invoice = &bytes[receipt_len..];
    let has = |needle: &[u8]| invoice.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"FACTURA"));
    assert!(!has(b"SIMPLIFICADA"));
    assert!(has(b"T0007-F000001"));
    assert!(has(b"B12345674"));
    assert!(
        has(b"Ferreter\xA1a N\xA3\xA4ez, S.L."),
        "PC858 customer name"
    );
    assert!(
        !has(&DRAWER_PULSE),
        "an invoice reprint does not open the drawer"
    );
    // One full invoice per ticket.
    send(&mut till, Message::Key(Key::Invoice));
    type_into(&mut till, "invoice-name", "Otro");
    type_into(&mut till, "invoice-address", "Otra calle");
    type_and_enter(&mut till, "invoice-nif", "12345678Z");
    assert_shows(&till, "El ticket ya tiene la factura T0007-F000001.");
}

#[test]
fn settings_choose_a_file_printer_and_58mm_then_test_page_and_manager_drawer() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lp0");
    let mut till = logged_in(&dir);
    send(&mut till, Message::Key(Key::Settings));
    assert!(matches!(till.screen, Screen::Settings(_)));
    assert_shows(&till, "Ajustes");
    click(&mut till, "Archivo o dispositivo");
    type_into(&mut till, "settings-path", out.to_str().unwrap());
    click(&mut till, "58 mm");
    // A bad scanner threshold is refused with a message, nothing saved.
    type_into(&mut till, "settings-scan-min", "x");
    click(&mut till, "Guardar");
    assert_shows(&till, "Longitud mínima del código: un número entre 3 y 64.");
    assert!(!dir.path().join("settings.json").exists());
    feed(
        &mut till,
        vec![Message::Settings(
            pos_terminal_app::screen::settings::Message::MinLen("8".into()),
        )],
    );
    click(&mut till, "Guardar");
    assert_shows(&till, "Ajustes guardados.");
    let saved = Settings::load(&dir.path().join("settings.json"));
    assert_eq!(saved.printer, Printer::File { path: out.clone() });
    assert_eq!(saved.scanner.min_length, 8);
    assert_eq!(till.print_queue().unwrap().layout.columns, 32);
    click(&mut till, "Imprimir página de prueba");
    assert_shows(&till, "Imprimiendo la página de prueba…");
    let q = till.print_queue().unwrap();
    assert_eq!(printing::test_page(&q), printing::Outcome::Printed(1));
    let page = std::fs::read(&out).unwrap();
    assert!(page.windows(15).any(|w| w == b"TRASTIENDA-TEST"));
    // Open drawer: a manager's PIN only.
    type_and_enter(&mut till, "settings-pin", CASHIER_PIN);
    assert_shows(&till, "Ese PIN no es de un encargado.");
    type_and_enter(&mut till, "settings-pin", MANAGER_PIN);
    assert_shows(&till, "Abriendo el cajón (autoriza Marta).");
    // A file or device printer has no status to ask: the real-time kick goes out as is.
    assert_eq!(
        printing::kick_drawer(Some(&q)),
        printing::Drawer::Opened { printer: None }
    );
    let all = std::fs::read(&out).unwrap();
    assert_eq!(&all[page.len()..], &DRAWER_KICK);
    send(&mut till, Message::Key(Key::Escape));
    assert!(matches!(till.screen, Screen::Sell(_)));
}

// Keyboard-wedge scanners: key presses reach the app stamped with their time and with whether a
// focused field captured them (what iced reports); these tests feed them with chosen timings.

/// Feeds `text` then Enter to the wedge detector, `ms` apart from `t0`, flagged `captured` as iced
/// would when a focused text field took the keys. Returns the time of the Enter.
fn wedge_keys(till: &mut Till, text: &str, ms: u64, captured: bool, t0: Instant) -> Instant {
    let mut at = t0;
    for c in text.chars() {
        feed(till, vec![Message::Wedge(WedgeKey::Char(c), captured, at)]);
        at += Duration::from_millis(ms);
    }
    feed(till, vec![Message::Wedge(WedgeKey::Enter, captured, at)]);
    at
}

fn units_on_ticket(till: &Till) -> Quantity {
    till.cart.lines().iter().map(|l| l.quantity).sum()
}

fn scan_field(till: &Till) -> String {
    match &till.screen {
        Screen::Sell(s) => s.input().to_string(),
        _ => panic!("not on the sell screen"),
    }
}

#[test]
fn a_scan_with_no_field_focused_rings_up_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    // 13 digits 8 ms apart and Enter: scanner speed. Nothing had focus (the cashier had clicked
    // on the ticket), so no widget captured the keys.
    wedge_keys(&mut till, EAN, 8, false, Instant::now());
    assert_shows(&till, "▸ Aceite de oliva 1 L");
    assert_shows(&till, "Total: 13,45 €");
    assert_eq!(units_on_ticket(&till), Quantity::one());
    assert_eq!(scan_field(&till), "");
}

#[test]
fn a_scan_the_scan_field_already_took_is_not_rung_up_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    // The scan field had focus: it received the keys and its Enter rang the line up …
    type_and_enter(&mut till, "scan", EAN);
    // … and the detector saw the same burst, captured.
    wedge_keys(&mut till, EAN, 8, true, Instant::now());
    assert_eq!(units_on_ticket(&till), Quantity::one());
    assert_shows(&till, "Total: 13,45 €");
}

#[test]
fn slow_typing_is_not_a_scan_and_lands_in_the_scan_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    let t0 = Instant::now();
    // A person types the same 13 digits, 180 ms apart, with nothing focused: not a scan.
    let mut at = t0;
    for c in EAN.chars() {
        feed(
            &mut till,
            vec![Message::Wedge(WedgeKey::Char(c), false, at)],
        );
        at += Duration::from_millis(180);
    }
    feed(
        &mut till,
        vec![Message::WedgeTick(at + Duration::from_secs(1))],
    );
    assert!(till.cart.is_empty(), "slow typing was taken as a scan");
    assert_eq!(scan_field(&till), EAN);
    // Letters typed slowly become a search in the scan field, not a scan.
    let dir2 = tempfile::tempdir().unwrap();
    let mut till2 = logged_in(&dir2);
    let mut at = Instant::now();
    for c in "aceite".chars() {
        feed(
            &mut till2,
            vec![Message::Wedge(WedgeKey::Char(c), false, at)],
        );
        at += Duration::from_millis(150);
    }
    feed(&mut till2, vec![Message::Wedge(WedgeKey::Enter, false, at)]);
    // Enter on the typed search adds the first result, as in the scan field.
    assert_eq!(units_on_ticket(&till2), Quantity::one());
    assert_shows(&till2, "▸ Aceite de oliva 1 L");
}

#[test]
fn a_scan_with_a_bad_check_digit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    wedge_keys(&mut till, "8412345678901", 8, false, Instant::now());
    assert!(till.cart.is_empty());
    assert!(shows_containing(&till, "Código no válido: 8412345678901"));
}

#[test]
fn a_scan_into_the_manager_pin_goes_to_the_ticket_not_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    type_into(&mut till, "scan", "10");
    click(&mut till, "Precio (encargado)");
    // The manager's PIN field has focus when an item is scanned: the digits land in it …
    type_into(&mut till, "override-pin", EAN);
    wedge_keys(&mut till, EAN, 8, true, Instant::now());
    // … the field is cleared with a word to the manager, and the item goes on the ticket.
    assert_eq!(units_on_ticket(&till), Quantity::units(2));
    assert_shows(&till, "Se escaneó un código: vuelva a escribir el PIN.");
    type_and_enter(&mut till, "override-pin", MANAGER_PIN);
    assert!(shows_containing(&till, "Precio cambiado a 10,00 €"));
}

#[test]
fn a_scan_on_the_payment_screen_never_becomes_the_cash_tendered() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    click(&mut till, "Cobrar (F2)");
    // The amount field had focus: the scanner typed the code into it and pressed Enter.
    type_and_enter(&mut till, "tendered", EAN);
    wedge_keys(&mut till, EAN, 8, true, Instant::now());
    assert!(matches!(till.screen, Screen::Pay(_)));
    assert!(shows_containing(&till, "escaneado durante el cobro"));
    assert_eq!(with_ledger(&till, |l| l.document_count().unwrap()), OPENING);
    // An amount typed by hand that would give 500 € or more of change is refused too.
    type_and_enter(&mut till, "tendered", "600");
    assert!(shows_containing(&till, "Importe entregado no válido"));
    assert_eq!(with_ledger(&till, |l| l.document_count().unwrap()), OPENING);
    click(&mut till, "20,00 €");
    click(&mut till, "Confirmar cobro");
    assert_eq!(
        with_ledger(&till, |l| l.document_count().unwrap()),
        OPENING + 1
    );
}

#[test]
fn a_receipt_scanned_on_the_refund_screen_finds_its_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    sell_one_for_cash(&mut till);
    click(&mut till, "Devolución (F8)");
    // The receipt's QR code carries the ticket number; the scanner reads it with nothing focused.
    wedge_keys(&mut till, "T0007-000001", 8, false, Instant::now());
    assert_shows(&till, "Devolver: 0");
    assert_shows(&till, "Se devuelve a: efectivo");
}

#[test]
fn english_chosen_in_settings_applies_at_once_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    send(&mut till, Message::Key(Key::Settings));
    assert_shows(&till, "Idioma");
    click(&mut till, "English");
    // The settings screen itself switches at once, with nothing else to press.
    assert_shows(&till, "Language changed and saved.");
    assert_shows(&till, "Receipt printer");
    assert!(!shows(&till, "Ajustes"));
    assert_eq!(
        Settings::load(&dir.path().join("settings.json")).language,
        Language::En
    );
    // Saving the other settings afterwards keeps the language.
    click(&mut till, "Save");
    assert_shows(&till, "Settings saved.");
    assert_eq!(
        Settings::load(&dir.path().join("settings.json")).language,
        Language::En
    );
    click(&mut till, "Back (Esc)");
    assert!(matches!(till.screen, Screen::Sell(_)));
    // The ticket scanned in Spanish now reads in English, money included.
    assert_shows(&till, "Pay (F2)");
    assert_shows(&till, "Settings (F9)");
    assert_shows(&till, "Cashier: Lucía");
    assert_shows(&till, "1 x €13.45");
    assert_shows(&till, "Total: €13.45");
    assert_shows(&till, "VAT 21%: base €11.12 · tax €2.33");
    assert_shows(&till, "Documents waiting: 0");
    assert!(!shows(&till, "Cobrar (F2)"));
    // An amount typed the English way is understood, and change shows in English.
    click(&mut till, "Pay (F2)");
    type_into(&mut till, "tendered", "20.00");
    assert_shows(&till, "Change: €6.55");
    click(&mut till, "Confirm payment");
    assert_shows(&till, "Ticket T0007-000001 · Change: €6.55");
    assert_eq!(
        with_ledger(&till, |l| l.sales_gross().unwrap()),
        Money::from_cents(1345)
    );
    drop(till);

    // A restart on the same ledger directory comes back in English, from the login on.
    let reopened = Ledger::open(dir.path().join("ledger.db")).unwrap();
    let (mut till, _) = Till::with_ledger(reopened);
    assert_shows(&till, "Log in");
    type_and_enter(&mut till, "login-pin", CASHIER_PIN);
    assert!(matches!(till.screen, Screen::Sell(_)));
    type_and_enter(&mut till, "scan", EAN);
    assert_shows(&till, "Total: €13.45");
    assert_shows(&till, "Refund (F8)");
    // And back to Spanish the same way.
    send(&mut till, Message::Key(Key::Settings));
    click(&mut till, "Español");
    assert_shows(&till, "Idioma cambiado y guardado.");
    send(&mut till, Message::Key(Key::Escape));
    assert_shows(&till, "Total: 13,45 €");
    assert_eq!(
        Settings::load(&dir.path().join("settings.json")).language,
        Language::Es
    );
}

/// A pseudo-terminal playing a serial receipt printer: answers DLE EOT status queries with
/// "ready" and keeps what it receives until `stop` is set.
fn pty_printer(
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> (String, std::thread::JoinHandle<Vec<u8>>) {
    use serialport::{SerialPort, TTYPort};
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let (mut master, slave) = TTYPort::pair().expect("pseudo-terminal pair");
    let path = slave.name().expect("pty name");
    drop(slave);
    master.set_timeout(Duration::from_millis(50)).unwrap();
    let handle = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !stop.load(Ordering::SeqCst) {
            let Ok(n) = master.read(&mut buf) else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            got.extend_from_slice(&buf[..n]);
            for w in buf[..n].windows(2) {
                if w == [0x10, 0x04] {
                    let _ = master.write_all(&[0x12]);
                }
            }
        }
        got
    });
    (path, handle)
}

#[test]
fn settings_choose_a_serial_printer_a_usb_printer_and_a_serial_scanner() {
    use pos_terminal_app::screen::settings::Message as S;
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    send(&mut till, Message::Key(Key::Settings));
    // USB: ids are hexadecimal; a wrong one is refused and nothing is saved.
    click(&mut till, "USB");
    type_into(&mut till, "settings-usb-vendor", "xyz");
    type_into(&mut till, "settings-usb-product", "0202");
    click(&mut till, "Guardar");
    assert!(shows_containing(
        &till,
        "Los identificadores USB son 4 cifras"
    ));
    assert!(!dir.path().join("settings.json").exists());
    feed(&mut till, vec![Message::Settings(S::Vendor("04b8".into()))]);
    click(&mut till, "Guardar");
    assert_shows(&till, "Ajustes guardados.");
    let saved = Settings::load(&dir.path().join("settings.json"));
    assert_eq!(
        saved.printer,
        Printer::Usb {
            vendor_id: 0x04b8,
            product_id: 0x0202
        }
    );

    // Serial: a printer on a real (pseudo-)serial port, a bad speed refused first.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (port, printer) = pty_printer(stop.clone());
    click(&mut till, "Serie");
    type_into(&mut till, "settings-path", &port);
    feed(&mut till, vec![Message::Settings(S::Baud("12".into()))]);
    click(&mut till, "Guardar");
    assert!(shows_containing(
        &till,
        "Baudios: un número entre 1200 y 921600."
    ));
    feed(&mut till, vec![Message::Settings(S::Baud("19200".into()))]);
    type_into(&mut till, "settings-scanner-port", "/dev/ttyACM0");
    click(&mut till, "Guardar");
    assert_shows(&till, "Ajustes guardados.");
    let saved = Settings::load(&dir.path().join("settings.json"));
    assert_eq!(
        saved.printer,
        Printer::Serial {
            path: port.clone(),
            baud: 19_200
        }
    );
    assert_eq!(
        saved.scanner.serial,
        Some(pos_terminal_app::settings::SerialPort {
            path: "/dev/ttyACM0".into(),
            baud: 9600
        })
    );
    let q = till.print_queue().unwrap();
    assert_eq!(printing::test_page(&q), printing::Outcome::Printed(1));
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let got = printer.join().unwrap();
    assert!(got.windows(15).any(|w| w == b"TRASTIENDA-TEST"));
    // Reopened, the form shows what was saved.
    send(&mut till, Message::Key(Key::Escape));
    send(&mut till, Message::Key(Key::Settings));
    let mut ui = simulator(till.view());
    assert!(ui.find(port.as_str()).is_ok());
    assert!(ui.find("19200").is_ok());
}

#[test]
fn a_scale_label_scanned_rings_up_the_weight_at_the_price_per_kg() {
    use sync_protocol::BarcodeRuleRecord;
    use sync_protocol::barcode::{VariableMeasureRule, make_ean13};
    let dir = tempfile::tempdir().unwrap();
    {
        let mut l = ledger(&dir);
        let changes = vec![
            CatalogChange::BarcodeRule(BarcodeRuleRecord::new(
                1,
                &VariableMeasureRule::odoo_weight(),
            )),
            CatalogChange::Product(ProductRecord {
                id: ProductId(20),
                sku: "NAR-KG".into(),
                name: "Naranjas (kg)".into(),
                tax_rate_id: 3,
                tax_rate: TaxRate::IVA_SUPER_REDUCED,
                price: Money::from_cents(189),
                active: true,
            }),
            CatalogChange::Barcode {
                code: make_ean13("210000100000").unwrap(),
                product_id: ProductId(20),
            },
        ];
        l.apply_changes(&page(changes, 10)).unwrap();
    }
    let (mut till, _) =
        Till::with_ledger(Ledger::open(dir.path().join("ledger.db")).expect("reopen"));
    type_and_enter(&mut till, "login-pin", CASHIER_PIN);
    // 1,525 kg of oranges at 1,89 €/kg, as printed by the scale; read by the scanner.
    let label = make_ean13("210000101525").unwrap();
    wedge_keys(&mut till, &label, 8, false, Instant::now());
    assert_eq!(till.cart.lines().len(), 1);
    assert_eq!(till.cart.lines()[0].quantity, Quantity::from_milli(1525));
    assert_shows(&till, "Total: 2,88 €");
    // A label with a wrong check digit is refused.
    let mut bad = label.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '9' {
        '0'
    } else {
        (last as u8 + 1) as char
    });
    wedge_keys(&mut till, &bad, 8, false, Instant::now());
    assert_eq!(till.cart.lines().len(), 1);
    assert!(shows_containing(&till, "Código no válido"));
}

#[test]
fn a_cashier_with_no_shift_open_is_told_before_scanning_and_nothing_is_sold() {
    let dir = tempfile::tempdir().unwrap();
    let (mut till, _) = Till::with_ledger(ledger_without_shift(&dir));
    type_and_enter(&mut till, "login-pin", CASHIER_PIN);
    assert!(
        matches!(till.screen, Screen::Sell(_)),
        "a cashier still gets the sell screen"
    );
    assert_shows(&till, "No hay turno abierto: un encargado debe abrirlo");
    assert!(
        !shows(&till, "Cobrar (F2)"),
        "no ticket that would fail at pay"
    );
    // A scanner keeps scanning anyway: nothing is rung up, and the screen says why.
    send(
        &mut till,
        Message::SerialScanner(pos_terminal_app::serial_scanner::Event::Code(EAN.into())),
    );
    assert!(till.cart.is_empty());
    send(&mut till, Message::Key(Key::Pay));
    send(&mut till, Message::Key(Key::Refund));
    assert!(
        matches!(till.screen, Screen::Sell(_)),
        "no refund screen either"
    );
    assert_shows(&till, "No hay turno abierto: un encargado debe abrirlo");
    assert_eq!(with_ledger(&till, |l| l.document_count().unwrap()), 0);

    // A manager opens the shift from here with her PIN; then the cashier sells.
    click(&mut till, "Abrir turno (encargado)");
    assert!(matches!(till.screen, Screen::Manager(_)));
    type_and_enter(&mut till, "manager-pin", MANAGER_PIN);
    click(&mut till, "Abrir caja");
    click(&mut till, "Abrir turno");
    assert_shows(&till, "Turno abierto con un fondo de 0,00 €");
    click(&mut till, "Volver a vender");
    assert!(!shows(
        &till,
        "No hay turno abierto: un encargado debe abrirlo"
    ));
    sell_one_for_cash(&mut till);
    assert_shows(&till, "Ticket T0007-000001 · Cambio: 6,55 €");
    assert_eq!(with_ledger(&till, |l| l.document_count().unwrap()), 2);
}

#[test]
fn a_sale_refused_by_the_ledger_for_want_of_a_shift_keeps_the_ticket_and_says_why() {
    // The shift was closed behind the sell screen's back (another path to the ledger): the
    // ledger still refuses, the ticket and its tenders stay, and the message is the till's own.
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    click(&mut till, "Cobrar (F2)");
    click(&mut till, "20,00 €");
    with_ledger(&till, move |l| {
        let marta = pos_terminal::Staff {
            id: StaffId(2),
            name: "Marta".into(),
            role: StaffRole::Manager,
        };
        l.close_day(pos_terminal::CloseCount {
            staff: marta,
            cash: Vec::new(),
            other: Vec::new(),
            blind: true,
            next_float: Money::ZERO,
            approval: None,
        })
        .unwrap();
    });
    click(&mut till, "Confirmar cobro");
    assert!(matches!(till.screen, Screen::Pay(_)));
    assert!(shows_containing(
        &till,
        "No hay turno abierto: un encargado debe abrirlo"
    ));
    assert!(!till.cart.is_empty());
    assert_eq!(
        with_ledger(&till, |l| l.sales_gross().unwrap()),
        Money::ZERO
    );
}

/// Two customers of the franchisee's directory as HQ sends them: one agreed to e-mail, one not.
fn directory(till: &Till) -> (uuid::Uuid, uuid::Uuid) {
    let (nunez, nuria) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let customer = |id, name: &str, nif: &str, address: &str, email: &str, consent| {
        CatalogChange::Customer(sync_protocol::CustomerRecord {
            id,
            name: name.into(),
            nif: nif.into(),
            address: address.into(),
            email: email.into(),
            email_consent: consent,
        })
    };
    let changes = page(
        vec![
            customer(
                nunez,
                "Ferretería Núñez, S.L.",
                "B12345674",
                "Calle Sol 3, 28013 Madrid",
                "compras@nunez.example",
                true,
            ),
            customer(
                nuria,
                "Nuria López",
                "12345678Z",
                "Calle Luna 7, Madrid",
                "nuria@example.es",
                false,
            ),
        ],
        1000,
    );
    with_ledger(till, move |l| l.apply_changes(&changes).unwrap());
    (nunez, nuria)
}

#[test]
fn a_customer_picked_from_the_directory_fills_the_full_invoice_and_it_is_queued_to_be_emailed() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    sell_one_for_cash(&mut till);
    let _ = nudged(&till); // the sale's
    let (nunez, _) = directory(&till);
    click(&mut till, "Factura (F3)");
    assert!(matches!(till.screen, Screen::Invoice(_)));
    // Found by part of the name, accents and case as typed, offline.
    type_into(&mut till, "invoice-customer-search", "NÚÑEZ");
    assert_shows(&till, "Ferretería Núñez, S.L. · B12345674");
    assert!(!shows(&till, "Nuria López · 12345678Z"));
    click(&mut till, "Ferretería Núñez, S.L. · B12345674");
    click(&mut till, "Emitir factura");
    assert!(matches!(till.screen, Screen::Sell(_)), "invoice not issued");
    assert!(shows_containing(
        &till,
        "se enviará a compras@nunez.example"
    ));
    let inv = with_ledger(&till, |l| l.full_invoice_for(OPENING + 1).unwrap()).expect("stored");
    assert_eq!(inv.customer_name, "Ferretería Núñez, S.L.");
    assert_eq!(inv.customer_address, "Calle Sol 3, 28013 Madrid");
    assert_eq!(inv.customer_nif, "B12345674");
    // The invoice's own document is what HQ is asked to e-mail, to the consented address.
    let invoice_seq = inv.doc_seq.unwrap();
    let (queue, invoice_doc) = with_ledger(&till, move |l| {
        (
            l.pending_hq_queue(10).unwrap(),
            l.document(invoice_seq).unwrap().unwrap(),
        )
    });
    assert!(queue.customers.is_empty());
    assert_eq!(queue.mail_requests.len(), 1, "{queue:?}");
    let m = &queue.mail_requests[0];
    assert_eq!(m.document_id, invoice_doc.id);
    assert_eq!(m.to, "compras@nunez.example");
    assert_eq!(m.customer_id, Some(nunez));
    assert!(nudged(&till), "the sync worker is told to go now");
    // The customer's data is not in any hash-chained document besides the invoice itself.
    let sale = with_ledger(&till, |l| l.document(OPENING + 1).unwrap().unwrap());
    assert!(
        !serde_json::to_string(&sale)
            .unwrap()
            .contains("nunez.example")
    );
}

#[test]
fn the_receipt_is_emailed_only_to_an_address_the_customer_agreed_to_or_the_cashier_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    sell_one_for_cash(&mut till);
    let (_, nuria) = directory(&till);
    click(&mut till, "Factura (F3)");
    type_into(&mut till, "invoice-customer-search", "12345678-z");
    click(&mut till, "Nuria López · 12345678Z");
    // She did not agree to e-mail: her address is not filled in, so nothing is sent yet.
    click(&mut till, "Enviar ticket por correo");
    assert!(matches!(till.screen, Screen::Invoice(_)));
    assert_shows(
        &till,
        "Escriba el correo electrónico al que enviar el ticket.",
    );
    type_into(&mut till, "invoice-email", "nuria@");
    click(&mut till, "Enviar ticket por correo");
    assert_shows(&till, "«nuria@» no es un correo electrónico válido.");
    // She asks for it now: the cashier types it.
    type_into(&mut till, "invoice-email", "example.es");
    click(&mut till, "Enviar ticket por correo");
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert_shows(
        &till,
        "El ticket T0007-000001 se enviará a nuria@example.es (a través de la central)",
    );
    let (queue, sale) = with_ledger(&till, |l| {
        (
            l.pending_hq_queue(10).unwrap(),
            l.document(OPENING + 1).unwrap().unwrap(),
        )
    });
    assert_eq!(queue.mail_requests.len(), 1, "{queue:?}");
    assert_eq!(queue.mail_requests[0].document_id, sale.id);
    assert_eq!(queue.mail_requests[0].to, "nuria@example.es");
    assert_eq!(queue.mail_requests[0].customer_id, Some(nuria));
    assert_eq!(
        with_ledger(&till, |l| l.full_invoice_for(OPENING + 1).unwrap()),
        None,
        "an e-mailed receipt is not an invoice"
    );
}

#[test]
fn a_customer_made_at_the_till_is_checked_kept_and_queued_for_hq() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    click(&mut till, "Factura (F3)");
    type_into(&mut till, "invoice-name", "Lucía Gómez");
    type_into(&mut till, "invoice-nif", "12345678A");
    click(&mut till, "Guardar cliente");
    assert!(shows_containing(&till, "NIF/NIE/CIF no válido: 12345678A"));
    feed(
        &mut till,
        vec![
            Message::Invoice(pos_terminal_app::screen::invoice::Message::Nif(
                "12345678-z".into(),
            )),
            Message::Invoice(pos_terminal_app::screen::invoice::Message::Consent(true)),
        ],
    );
    click(&mut till, "Guardar cliente");
    assert_shows(
        &till,
        "Para aceptar el envío por correo hace falta un correo electrónico.",
    );
    type_into(&mut till, "invoice-email", "Lucia@Example.es");
    click(&mut till, "Guardar cliente");
    assert_shows(
        &till,
        "Cliente «Lucía Gómez» guardado; llega a la central en la próxima sincronización.",
    );
    let (found, queue) = with_ledger(&till, |l| {
        (
            l.find_customers("lucía", 5).unwrap(),
            l.pending_hq_queue(10).unwrap(),
        )
    });
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].nif, "12345678Z");
    assert_eq!(found[0].email, "lucia@example.es");
    assert!(found[0].email_consent);
    assert_eq!(queue.customers, found);
    // The new customer is in the picker at once.
    type_into(&mut till, "invoice-customer-search", "gómez");
    assert_shows(&till, "Lucía Gómez · 12345678Z");
}
