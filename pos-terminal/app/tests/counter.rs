//! The till at the counter, through the headless iced_test Simulator: the same item merges into
//! its line, `3*` before a scan, search results in an overlay driven by the arrows, Enter at the
//! Z, "Abrir caja" only without a shift, a second manager for a Z over/short, and the drawer
//! against a TCP fake printer (the Tasks the till returns are run, as the iced runtime would).

mod common;
use common::*;
use iced::widget::Id;
use iced_test::simulator;
use pos_terminal::Ledger;
use pos_terminal::receipt::{DRAWER_KICK, DRAWER_PULSE};
use pos_terminal_app::settings::{Printer, Settings};
use pos_terminal_app::{Key, Message, Screen, Till};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::{CatalogChange, Money, Quantity, StaffId, StaffRole, Tender};

const EAN: &str = "8412345678905";
const WATER_EAN: &str = "5901234123457";

fn marta() -> pos_terminal::Staff {
    pos_terminal::Staff {
        id: StaffId(2),
        name: "Marta".into(),
        role: StaffRole::Manager,
    }
}

/// Oil (13,45 €), water (0,60 €) and olives (2,10 €); Lucía (cashier, 1234), Marta (manager,
/// 9876) and Pilar (manager, 5555); `more` on top (a store record replaces the default one).
fn ledger_with(dir: &tempfile::TempDir, more: Vec<CatalogChange>) -> Ledger {
    let mut changes: Vec<CatalogChange> = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, EAN));
    changes.extend(product(2, "Agua mineral 1,5 L", 60, WATER_EAN));
    changes.extend(product(3, "Aceitunas rellenas", 210, "8410000000017"));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    changes.push(staff(3, "Pilar", StaffRole::Manager, "5555"));
    let mut l = enrolled_ledger(dir, changes);
    if !more.is_empty() {
        let page = sync_protocol::ChangesPage {
            protocol_version: sync_protocol::PROTOCOL_VERSION,
            next_cursor: 1000 + more.len() as i64,
            changes: more
                .into_iter()
                .enumerate()
                .map(|(i, change)| sync_protocol::Change {
                    cursor: 1000 + i as i64 + 1,
                    change,
                })
                .collect(),
            has_more: false,
        };
        l.apply_changes(&page).expect("apply");
    }
    l
}

/// A cashier at the sell screen with Marta's shift open (empty float).
fn selling(dir: &tempfile::TempDir) -> Till {
    let mut l = ledger_with(dir, Vec::new());
    l.start_shift(&marta(), Vec::new()).expect("open shift");
    logged_in_with(l)
}

fn sell_state(till: &Till) -> &pos_terminal_app::screen::sell::State {
    match &till.screen {
        Screen::Sell(s) => s,
        _ => panic!("not on the sell screen"),
    }
}

fn lines(till: &Till) -> Vec<(String, Quantity)> {
    till.cart
        .lines()
        .iter()
        .map(|l| (l.name.clone(), l.quantity))
        .collect()
}

// ----- merge and quantity before a scan -------------------------------------------------------

#[test]
fn scanning_an_item_again_later_adds_to_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = selling(&dir);
    type_into(&mut till, "scan", EAN, true);
    type_into(&mut till, "scan", WATER_EAN, true);
    type_into(&mut till, "scan", EAN, true);
    assert_eq!(
        lines(&till),
        vec![
            ("Aceite de oliva 1 L".into(), Quantity::units(2)),
            ("Agua mineral 1,5 L".into(), Quantity::one()),
        ]
    );
    assert!(shows(&till, "2 x 13,45 €"));
    assert!(shows(&till, "Total: 27,50 €"));
    // The merged line is the one selected: + and − act on it.
    assert_eq!(sell_state(&till).selected_line(), Some(0));
}

#[test]
fn three_star_or_times_before_a_scan_an_sku_or_a_search_sets_the_quantity() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = selling(&dir);
    type_into(&mut till, "scan", &format!("3*{EAN}"), true);
    assert!(shows(&till, "3 x 13,45 €"));
    assert!(shows(&till, "Total: 40,35 €"));
    // `2×` and the SKU typed by hand.
    type_into(&mut till, "scan", "2×SKU2", true);
    assert!(shows(&till, "2 x 0,60 €"));
    // `4*` then a search: Enter adds four of the highlighted result.
    type_into(&mut till, "scan", "4*aceitu", false);
    assert_eq!(
        sell_state(&till).highlighted().map(|i| i.name.as_str()),
        Some("Aceitunas rellenas")
    );
    type_into(&mut till, "scan", "", true);
    assert!(shows(&till, "4 x 2,10 €"));
    // `2*` typed, Enter before the code: it waits for the scan, which then comes from a
    // scanner whose keys no field took (serial or wedge with nothing focused).
    type_into(&mut till, "scan", "2*", true);
    assert!(shows(&till, "Cantidad 2: escanee o escriba el producto."));
    send(
        &mut till,
        Message::SerialScanner(pos_terminal_app::serial_scanner::Event::Code(
            WATER_EAN.into(),
        )),
    );
    assert!(
        shows(&till, "4 x 0,60 €"),
        "2 more water merged into its line"
    );
    assert_eq!(sell_state(&till).input(), "");
    assert_eq!(till.cart.lines().len(), 3);
    assert!(shows(&till, "Total: 51,15 €"));
}

#[test]
fn weighed_labels_keep_a_line_each_unless_the_till_is_set_to_merge_them() {
    use sync_protocol::barcode::{VariableMeasureRule, make_ean13};
    use sync_protocol::{BarcodeRuleRecord, ProductId, ProductRecord, TaxRate};
    let dir = tempfile::tempdir().unwrap();
    let oranges = vec![
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
    let mut l = ledger_with(&dir, oranges);
    l.start_shift(&marta(), Vec::new()).expect("open shift");
    let mut till = logged_in_with(l);
    let label = |grams: &str| make_ean13(&format!("2100001{grams}")).unwrap();
    let scan = |till: &mut Till, code: String| {
        send(
            till,
            Message::SerialScanner(pos_terminal_app::serial_scanner::Event::Code(code)),
        );
    };
    scan(&mut till, label("01525"));
    scan(&mut till, label("00500"));
    assert_eq!(till.cart.lines().len(), 2, "one line per label by default");
    // A `3*` before a label does not multiply it, and says so.
    type_into(&mut till, "scan", "3*", true);
    scan(&mut till, label("00250"));
    assert_eq!(till.cart.lines().len(), 3);
    assert_eq!(till.cart.lines()[2].quantity, Quantity::from_milli(250));
    assert!(shows(
        &till,
        "Las etiquetas de báscula llevan su propio peso o precio: la cantidad no se aplica."
    ));
    // Settings (F9): add weighed labels to the same product.
    send(&mut till, Message::Key(Key::Settings));
    click(&mut till, "Sumar pesos");
    click(&mut till, "Guardar");
    assert!(Settings::load(&dir.path().join("settings.json")).merge_weighed);
    send(&mut till, Message::Key(Key::Escape));
    scan(&mut till, label("01000"));
    assert_eq!(
        till.cart.lines().len(),
        3,
        "merged into the first oranges line"
    );
    assert_eq!(till.cart.lines()[0].quantity, Quantity::from_milli(2525));
}

// ----- search overlay ------------------------------------------------------------------------

/// The bounds of the text `s` on screen at `size`.
fn bounds_at(till: &Till, size: (f32, f32), s: &str) -> iced::Rectangle {
    let mut ui = iced_test::Simulator::with_size(iced::Settings::default(), size, till.view());
    let target = ui
        .find(s)
        .unwrap_or_else(|e| panic!("{s:?} not on screen: {e:?}"));
    iced_test::selector::Bounded::bounds(&target)
}

#[test]
fn search_results_float_over_the_ticket_and_arrows_enter_and_esc_drive_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = selling(&dir);
    type_into(&mut till, "scan", WATER_EAN, true);
    type_into(&mut till, "scan", "ace", false);
    let results: Vec<String> = sell_state(&till)
        .results()
        .iter()
        .map(|i| i.name.clone())
        .collect();
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(shows(&till, "↑ ↓ para elegir · Intro añade · Esc cierra"));
    // The ticket, its total and every function key stay on screen at 1024×768 and 1920×1080.
    for size in [(1024.0, 768.0), (1920.0, 1080.0)] {
        for label in [
            "▸ Agua mineral 1,5 L",
            "Total: 0,60 €",
            "Cobrar (F2)",
            "Aparcar (F5)",
            "Recuperar (F6)",
            "Reimprimir (F7)",
            "Devolución (F8)",
            "Ajustes (F9)",
            "Anular línea (F4)",
        ] {
            let b = bounds_at(&till, size, label);
            assert!(
                b.x >= 0.0 && b.y >= 0.0 && b.x + b.width <= size.0 && b.y + b.height <= size.1,
                "{label:?} off a {size:?} screen: {b:?}"
            );
        }
        // The overlay sits over the right of the ticket area: the line names stay in view.
        let mut ui = iced_test::Simulator::with_size(iced::Settings::default(), size, till.view());
        let overlay = ui
            .find(Id::new(pos_terminal_app::screen::sell::RESULTS_ID))
            .expect("overlay");
        let overlay = iced_test::selector::Bounded::bounds(&overlay);
        let line = bounds_at(&till, size, "▸ Agua mineral 1,5 L");
        let pay = bounds_at(&till, size, "Cobrar (F2)");
        assert!(overlay.x >= size.0 * 0.4, "{overlay:?}");
        assert!(
            overlay.y >= line.y - 20.0 && overlay.y + overlay.height < pay.y,
            "{overlay:?} {line:?} {pay:?}"
        );
    }
    // ↓ moves the highlight (and stops at the last), ↑ goes back; Enter takes the highlighted.
    send(&mut till, Message::Key(Key::Down));
    send(&mut till, Message::Key(Key::Down));
    send(&mut till, Message::Key(Key::Down));
    assert_eq!(
        sell_state(&till).highlighted().map(|i| i.name.clone()),
        Some(results[1].clone())
    );
    send(&mut till, Message::Key(Key::Up));
    send(&mut till, Message::Key(Key::Down));
    type_into(&mut till, "scan", "", true);
    assert_eq!(till.cart.lines()[1].name, results[1]);
    assert!(!shows(&till, "↑ ↓ para elegir · Intro añade · Esc cierra"));
    // Esc closes the overlay without adding anything.
    type_into(&mut till, "scan", "agua", false);
    assert!(shows(&till, "↑ ↓ para elegir · Intro añade · Esc cierra"));
    send(&mut till, Message::Key(Key::Escape));
    assert!(!shows(&till, "↑ ↓ para elegir · Intro añade · Esc cierra"));
    assert_eq!(till.cart.lines().len(), 2);
    // With no results open, the arrows walk the ticket lines.
    send(&mut till, Message::Key(Key::Up));
    assert_eq!(sell_state(&till).selected_line(), Some(0));
}

// ----- the manager menu and the Z ------------------------------------------------------------

fn den(cents: i64) -> Id {
    Id::from(pos_terminal_app::screen::manager::denomination_id(
        sync_protocol::Denomination::from_cents(cents).expect("euro"),
    ))
}

#[test]
fn abrir_caja_only_without_a_shift_and_enter_submits_the_z_count() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger_with(&dir, Vec::new());
    let mut till = logged_in_with(l);
    manager_menu(&mut till);
    assert!(shows(&till, "Abrir caja"), "no shift: it can be opened");
    click(&mut till, "Abrir caja");
    type_into(&mut till, den(2000), "5", true);
    assert!(shows(&till, "Turno abierto con un fondo de 100,00 €"));
    assert!(!shows(&till, "Abrir caja"), "a shift is open");
    let _ = nudged(&till);
    // The Z: counted exactly the float, Enter in the count closes the day.
    click(&mut till, "Cierre Z");
    type_into(&mut till, den(2000), "5", true);
    assert!(shows(
        &till,
        "Cierre Z 1 registrado · descuadre en efectivo 0,00 €"
    ));
    assert!(shows(&till, "Abrir caja"), "the Z closed the shift");
    assert!(nudged(&till), "the sync worker is told after the Z");
}

fn close_short_by_marta(till: &mut Till) {
    // Marta opens with 100 € and counts 80 € at the Z: 20 € short, beyond the 5 € tolerance.
    manager_menu(till);
    click(till, "Abrir caja");
    type_into(till, den(2000), "5", true);
    click(till, "Cierre Z");
    type_into(till, den(2000), "4", true);
}

#[test]
fn a_z_short_beyond_tolerance_needs_another_managers_pin_not_her_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in_with(ledger_with(&dir, Vec::new()));
    close_short_by_marta(&mut till);
    assert!(shows(
        &till,
        "Cierre rechazado: descuadre de −20,00 € por encima de la tolerancia de 5,00 €. \
         Hace falta el PIN de otro encargado (no el de quien cierra) y una nota."
    ));
    assert!(shows(&till, "Aprobación de otro encargado"));
    type_into(&mut till, "close-note", "Falta un billete", false);
    type_into(&mut till, "close-approver-pin", "9876", true);
    assert!(shows(
        &till,
        "Marta cierra la caja y no puede aprobar su propio descuadre: escriba el PIN de otro encargado."
    ));
    let last_close = |till: &Till| with_ledger(till, |l| l.last_close().unwrap());
    assert!(last_close(&till).is_none(), "nothing recorded");
    // Pilar's PIN, Enter: closed, approved by Pilar.
    type_into(&mut till, "close-approver-pin", "5555", true);
    assert!(shows(
        &till,
        "Cierre Z 1 registrado · descuadre en efectivo −20,00 €"
    ));
    let z = last_close(&till).expect("Z stored");
    assert_eq!(z.approved_by, Some(StaffId(3)));
    assert_eq!(z.over_short(Tender::Cash), Money::from_cents(-2000));
}

#[test]
fn a_single_manager_store_approves_its_own_z_short() {
    let dir = tempfile::tempdir().unwrap();
    let mut single = match store() {
        CatalogChange::Store(s) => s,
        _ => unreachable!(),
    };
    single.single_manager = true;
    let mut till = logged_in_with(ledger_with(&dir, vec![CatalogChange::Store(single)]));
    close_short_by_marta(&mut till);
    assert!(shows(&till, "Aprobación del encargado"));
    type_into(&mut till, "close-note", "Falta un billete", false);
    type_into(&mut till, "close-approver-pin", "9876", true);
    let z = with_ledger(&till, |l| l.last_close().unwrap()).expect("closed with her own approval");
    assert_eq!(z.approved_by, Some(StaffId(2)));
}

// ----- the drawer against a TCP fake printer -------------------------------------------------

const READY: u8 = 0;
const PAPER_OUT: u8 = 1;
/// Cutter jam or overheating: offline with an error; real-time pulses are ignored too.
const ERROR: u8 = 2;

/// A network receipt printer as the till sees one on port 9100: answers DLE EOT, acts on the
/// real-time drawer kick (DLE DC4 1) whatever its state, prints data when ready and keeps it in
/// its buffer while out of paper, printing it (and acting on any `ESC p` in it) once paper is
/// reloaded — which is how a queued receipt with a pulse used to pop the drawer by surprise.
struct FakePrinter {
    port: u16,
    mode: Arc<AtomicU8>,
    printed: Arc<Mutex<Vec<u8>>>,
    held: Arc<Mutex<Vec<u8>>>,
    drawer_opened: Arc<Mutex<u32>>,
}

fn count_pulses(bytes: &[u8]) -> u32 {
    bytes.windows(2).filter(|w| *w == [0x1B, 0x70]).count() as u32
}

impl FakePrinter {
    fn start(mode: u8) -> FakePrinter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = FakePrinter {
            port: listener.local_addr().unwrap().port(),
            mode: Arc::new(AtomicU8::new(mode)),
            printed: Arc::default(),
            held: Arc::default(),
            drawer_opened: Arc::default(),
        };
        let (mode, printed, held, drawer) = (
            p.mode.clone(),
            p.printed.clone(),
            p.held.clone(),
            p.drawer_opened.clone(),
        );
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { return };
                serve(s, &mode, &printed, &held, &drawer);
            }
        });
        p
    }

    fn reload_paper(&self) {
        let held = std::mem::take(&mut *self.held.lock().unwrap());
        *self.drawer_opened.lock().unwrap() += count_pulses(&held);
        self.printed.lock().unwrap().extend(held);
        self.mode.store(READY, Ordering::SeqCst);
    }

    /// How many times the drawer opened, waiting up to 2 s for `expected` (the kick is sent
    /// without waiting for a reply, so the printer may still be reading it).
    fn drawer_opened(&self, expected: u32) -> u32 {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            let n = *self.drawer_opened.lock().unwrap();
            if n == expected || std::time::Instant::now() > deadline {
                return n;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn printed(&self) -> Vec<u8> {
        self.printed.lock().unwrap().clone()
    }

    fn settings(&self, dir: &tempfile::TempDir) {
        Settings {
            printer: Printer::Network {
                host: "127.0.0.1".into(),
                port: self.port,
            },
            ..Settings::default()
        }
        .save(&dir.path().join("settings.json"))
        .unwrap();
    }
}

fn serve(
    mut s: TcpStream,
    mode: &AtomicU8,
    printed: &Mutex<Vec<u8>>,
    held: &Mutex<Vec<u8>>,
    drawer: &Mutex<u32>,
) {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        let mut i = 0;
        let mut data = Vec::new();
        while i < pending.len() {
            let m = mode.load(Ordering::SeqCst);
            match &pending[i..] {
                [0x10, 0x04, n, ..] => {
                    let (paper, error) = (m == PAPER_OUT, m == ERROR);
                    let reply = match n {
                        1 => 0x12 | if paper || error { 0x08 } else { 0 },
                        2 => 0x12 | if paper { 0x20 } else { 0 } | if error { 0x40 } else { 0 },
                        _ => 0x12 | if paper { 0x60 } else { 0 },
                    };
                    if s.write_all(&[reply]).is_err() {
                        return;
                    }
                    i += 3;
                }
                [0x10, 0x14, 0x01, _, _, ..] => {
                    if m != ERROR {
                        *drawer.lock().unwrap() += 1;
                    }
                    i += 5;
                }
                // A real-time command not complete yet: wait for its bytes.
                [0x10] | [0x10, 0x04] | [0x10, 0x14, ..] => break,
                [b, ..] => {
                    data.push(*b);
                    i += 1;
                }
                [] => break,
            }
        }
        pending.drain(..i);
        if !data.is_empty() {
            if mode.load(Ordering::SeqCst) == READY {
                *drawer.lock().unwrap() += count_pulses(&data);
                printed.lock().unwrap().extend(data);
            } else {
                held.lock().unwrap().extend(data);
            }
        }
    }
}

/// Sends `message` to the till and runs every Task it returns, feeding their messages back in,
/// as the iced runtime would (widget operations such as focus are skipped).
fn run(till: &mut Till, message: Message) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut queue = VecDeque::from([message]);
    let mut steps = 0;
    while let Some(m) = queue.pop_front() {
        steps += 1;
        assert!(steps < 100, "the till keeps sending itself messages");
        let task = till.update(m);
        if let Some(stream) = iced_test::runtime::task::into_stream(task) {
            use iced::futures::StreamExt;
            let actions: Vec<_> = rt.block_on(stream.collect());
            for a in actions {
                if let iced_test::runtime::Action::Output(m) = a {
                    queue.push_back(m);
                }
            }
        }
    }
}

/// Clicks `label` and runs what follows (see [`run`]).
fn click_run(till: &mut Till, label: &str) {
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(label)
            .unwrap_or_else(|e| panic!("no button {label:?}: {e:?}"));
        ui.into_messages().collect()
    };
    for m in messages {
        run(till, m);
    }
}

fn pay_cash_20(till: &mut Till) {
    type_into(till, "scan", EAN, true);
    click(till, "Cobrar (F2)");
    click(till, "20,00 €");
    click_run(till, "Confirmar cobro");
    assert!(matches!(till.screen, Screen::Sell(_)));
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_cash_sale_opens_the_drawer_at_once_even_out_of_paper_and_no_reprint_ever_does() {
    let dir = tempfile::tempdir().unwrap();
    let printer = FakePrinter::start(PAPER_OUT);
    printer.settings(&dir);
    let mut till = selling(&dir);

    pay_cash_20(&mut till);
    assert_eq!(printer.drawer_opened(1), 1, "the cashier can give change");
    assert!(shows(&till, "Ticket T0007-000001 · Cambio: 6,55 €"));
    let waiting = with_ledger(&till, |l| l.pending_prints(10).unwrap().len());
    assert_eq!(waiting, 1, "the receipt waits for paper");
    assert!(till.retries_prints());

    // Paper reloaded: the queued receipt prints on the next retry, the drawer stays shut.
    printer.reload_paper();
    run(&mut till, Message::PrintRetry);
    assert!(find(&printer.printed(), b"T0007-000001"));
    assert_eq!(printer.drawer_opened(1), 1);
    assert!(!till.retries_prints());

    // F7 reprints it: no drawer. A card sale: no drawer.
    run(&mut till, Message::Key(Key::Reprint));
    type_into(&mut till, "scan", EAN, true);
    click(&mut till, "Cobrar (F2)");
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(Id::new("card-reference")).expect("card field");
        let _ = ui.typewrite("AUT-1");
        let _ = ui.tap_key(iced::keyboard::key::Named::Enter);
        ui.into_messages().collect()
    };
    for m in messages {
        run(&mut till, m);
    }
    let printed = printer.printed();
    assert!(find(&printed, b"T0007-000002"), "the card receipt printed");
    assert_eq!(printer.drawer_opened(1), 1);
    assert!(!find(&printed, &DRAWER_PULSE) && !find(&printed, &DRAWER_KICK));

    // The next cash sale opens it again, at once.
    pay_cash_20(&mut till);
    assert_eq!(printer.drawer_opened(2), 2);
}

#[test]
fn the_managers_open_drawer_asks_the_printer_and_says_when_it_could_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let printer = FakePrinter::start(ERROR);
    printer.settings(&dir);
    let mut till = selling(&dir);
    let open_drawer = |till: &mut Till| {
        let messages: Vec<Message> = {
            let mut ui = simulator(till.view());
            ui.click(Id::new("settings-pin")).expect("pin");
            let _ = ui.typewrite("9876");
            let _ = ui.tap_key(iced::keyboard::key::Named::Enter);
            ui.into_messages().collect()
        };
        for m in messages {
            run(till, m);
        }
    };
    send(&mut till, Message::Key(Key::Settings));
    open_drawer(&mut till);
    assert!(
        shows_containing(&till, "No se pudo abrir el cajón: the printer is not ready"),
        "a printer in error ignores the kick: the manager is told"
    );
    assert!(shows_containing(&till, "El cajón no se abrió"));
    assert_eq!(printer.drawer_opened(0), 0);

    printer.mode.store(PAPER_OUT, Ordering::SeqCst);
    open_drawer(&mut till);
    assert!(shows(
        &till,
        "Cajón abierto (la impresora dice: out of paper)."
    ));
    assert_eq!(printer.drawer_opened(1), 1);
    assert!(!shows_containing(&till, "El cajón no se abrió"));

    printer.mode.store(READY, Ordering::SeqCst);
    open_drawer(&mut till);
    assert!(shows(&till, "Cajón abierto."));
    assert_eq!(printer.drawer_opened(2), 2);

    // Nobody listening: said so, not "opened".
    let gone = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = gone.local_addr().unwrap().port();
    drop(gone);
    till.settings.printer = Printer::Network {
        host: "127.0.0.1".into(),
        port,
    };
    open_drawer(&mut till);
    assert!(shows_containing(
        &till,
        "No se pudo abrir el cajón: cannot reach the printer"
    ));
}

fn shows_containing(till: &Till, s: &str) -> bool {
    let mut ui = simulator(till.view());
    ui.find(|c: iced_test::selector::Candidate<'_>| match c {
        iced_test::selector::Candidate::Text { content, .. } if content.contains(s) => Some(()),
        _ => None,
    })
    .is_ok()
}

// ----- keypad and theme ----------------------------------------------------------------------

fn press_key(till: &mut Till, key: pos_terminal_app::keypad::Key) {
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(Id::from(pos_terminal_app::keypad::id(key)))
            .unwrap_or_else(|e| panic!("no key {key:?}: {e:?}"));
        ui.into_messages().collect()
    };
    feed(till, messages);
}

/// Every key of the keypad on screen is at least 44 × 44 px.
fn assert_touch_sized(till: &Till) {
    use pos_terminal_app::keypad::{Key, id};
    let keys = (0..=9)
        .map(Key::Digit)
        .chain([Key::Back, Key::Clear, Key::Enter, Key::Comma]);
    for k in keys {
        let mut ui = simulator(till.view());
        let target = ui.find(Id::from(id(k))).expect("key on screen");
        let b = iced_test::selector::Bounded::bounds(&target);
        assert!(b.width >= 44.0 && b.height >= 44.0, "{k:?}: {b:?}");
        assert!(
            b.y + b.height <= 768.0 && b.x + b.width <= 1024.0,
            "{k:?}: {b:?}"
        );
    }
}

#[test]
fn the_keypad_types_the_pin_the_quantity_and_the_cash_by_touch() {
    use pos_terminal_app::keypad::Key;
    let dir = tempfile::tempdir().unwrap();
    let mut l = ledger_with(&dir, Vec::new());
    l.start_shift(&marta(), Vec::new()).expect("open shift");
    let (mut till, _) = Till::with_ledger(l);
    // Login: Lucía's PIN by touch, a slip corrected with ⌫.
    assert_touch_sized(&till);
    for k in [1, 2, 3, 9] {
        press_key(&mut till, Key::Digit(k));
    }
    press_key(&mut till, Key::Back);
    press_key(&mut till, Key::Digit(4));
    press_key(&mut till, Key::Enter);
    assert!(matches!(till.screen, Screen::Sell(_)), "logged in by touch");
    // Sell: 3 × then a scan.
    assert_touch_sized(&till);
    press_key(&mut till, Key::Digit(3));
    press_key(&mut till, Key::Times);
    assert_eq!(sell_state(&till).input(), "3×");
    send(
        &mut till,
        Message::SerialScanner(pos_terminal_app::serial_scanner::Event::Code(EAN.into())),
    );
    assert!(shows(&till, "3 x 13,45 €"));
    // Pay: 50 € by touch, Enter takes it in cash.
    click(&mut till, "Cobrar (F2)");
    assert_touch_sized(&till);
    press_key(&mut till, Key::Digit(5));
    press_key(&mut till, Key::Digit(0));
    assert!(shows(&till, "Cambio: 9,65 €"));
    press_key(&mut till, Key::Enter);
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert!(shows(&till, "Ticket T0007-000001 · Cambio: 9,65 €"));
}

#[test]
fn the_till_has_its_own_theme_and_scales_with_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = selling(&dir);
    let theme = pos_terminal_app::theme::till();
    assert_ne!(theme.palette(), iced::Theme::Light.palette());
    assert_ne!(theme.palette(), iced::Theme::Dark.palette());
    assert_eq!(till.scale, 1.0);
    send(&mut till, Message::Resized(iced::Size::new(1920.0, 1080.0)));
    assert!((till.scale - 1080.0 / 768.0).abs() < 1e-6);
    send(&mut till, Message::Resized(iced::Size::new(1024.0, 768.0)));
    assert_eq!(till.scale, 1.0);
}
