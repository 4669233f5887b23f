//! The till is never blocked by the ledger (issue #17): the ledger lives on its own thread, the
//! screens send it work and get the answer as a message. These tests hold the ledger's thread
//! busy on purpose and check that `update` still returns at once, the frame still draws (with a
//! busy line where the cashier would otherwise see nothing), quick scans land in order, and a
//! ledger call that panics leaves a message on screen, not a frozen till.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use iced::Task;
use iced_test::simulator;
use pos_terminal::{Ledger, Staff};
use pos_terminal_app::screen::sell;
use pos_terminal_app::{Message, Screen, Till, serial_scanner};
use sync_protocol::{CatalogChange, Quantity, StaffId, StaffRole};

const OIL: &str = "8410000000016";
const WATER: &str = "8410000000023";

fn ledger(dir: &tempfile::TempDir, open_shift: bool) -> Ledger {
    let mut changes: Vec<CatalogChange> = vec![
        staff(1, "Lucía", StaffRole::Cashier, "1234"),
        staff(2, "Marta", StaffRole::Manager, "9876"),
    ];
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, OIL));
    changes.extend(product(2, "Agua 1,5 L", 60, WATER));
    let mut l = enrolled_ledger(dir, changes);
    if open_shift {
        let marta = Staff {
            id: StaffId(2),
            name: "Marta".into(),
            role: StaffRole::Manager,
        };
        l.start_shift(&marta, Vec::new()).expect("open shift");
    }
    l
}

/// Holds the ledger's thread until the returned sender is dropped or sent to: every call made
/// meanwhile waits behind it, as behind a long page of changes from HQ.
fn hold_ledger(till: &Till) -> mpsc::Sender<()> {
    let (release, held) = mpsc::channel::<()>();
    let (started, running) = mpsc::channel::<()>();
    till.ledger().unwrap().post(move |_| {
        let _ = started.send(());
        let _ = held.recv();
    });
    running.recv().expect("the ledger's thread took the hold");
    release
}

/// The messages typing `text` into the field `id` (and Enter) sends, not yet given to the till.
fn typing(till: &Till, id: &'static str, text: &str) -> Vec<Message> {
    let mut ui = simulator(till.view());
    ui.click(iced::widget::Id::new(id)).expect("input");
    let _ = ui.typewrite(text);
    let _ = ui.tap_key(iced::keyboard::key::Named::Enter);
    ui.into_messages().collect()
}

/// Gives `messages` to the till without running what they start; answers the tasks.
fn update_only(till: &mut Till, messages: Vec<Message>) -> Vec<Task<Message>> {
    messages.into_iter().map(|m| till.update(m)).collect()
}

/// Draws a whole frame with the software renderer the till uses without a GPU.
fn draws(till: &Till) {
    simulator(till.view())
        .snapshot(&iced::Theme::Light)
        .expect("the frame draws");
}

fn cart_names(till: &Till) -> Vec<String> {
    till.cart.lines().iter().map(|l| l.name.clone()).collect()
}

#[test]
fn the_pin_check_runs_off_the_ui_thread_and_the_screen_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (mut till, _) = Till::with_ledger(ledger(&dir, true));
    let release = hold_ledger(&till);

    // The ledger's thread is busy: Enter with the PIN still returns at once...
    let messages = typing(&till, "login-pin", "1234");
    let t0 = Instant::now();
    let pending = update_only(&mut till, messages);
    assert!(
        t0.elapsed() < Duration::from_millis(500),
        "update waited for the ledger: {:?}",
        t0.elapsed()
    );
    // ...and the screen keeps drawing, saying the PIN is being checked.
    assert!(matches!(&till.screen, Screen::Login(s) if s.checking()));
    assert!(shows(&till, "Comprobando el PIN…"));
    draws(&till);
    // A second Enter while it is checked sends nothing more to the ledger.
    let enter_again = typing(&till, "login-pin", "1234");
    let again = update_only(&mut till, enter_again);
    assert!(matches!(&till.screen, Screen::Login(s) if s.checking()));

    // The ledger is free again: the answer arrives and the cashier is in.
    release.send(()).unwrap();
    for t in pending.into_iter().chain(again) {
        settle(&mut till, t);
    }
    assert!(matches!(till.screen, Screen::Sell(_)), "not logged in");
    assert_eq!(till.cashier.as_ref().map(|c| c.id), Some(StaffId(1)));
    assert!(!shows(&till, "Comprobando el PIN…"));
}

#[test]
fn a_wrong_pin_is_told_once_the_check_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut till, _) = Till::with_ledger(ledger(&dir, true));
    type_into(&mut till, "login-pin", "1111", true);
    assert!(matches!(&till.screen, Screen::Login(s) if !s.checking()));
    assert!(shows(&till, "PIN incorrecto"));
}

#[test]
fn two_quick_scans_land_on_the_ticket_in_the_order_they_were_made() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in_with(ledger(&dir, true));
    let release = hold_ledger(&till);

    // Two scans from the scanner, one right after the other, while the ledger is busy.
    let scan = |code: &str| Message::SerialScanner(serial_scanner::Event::Code(code.into()));
    let mut pending = update_only(&mut till, vec![scan(WATER), scan(OIL)]);
    let Screen::Sell(s) = &till.screen else {
        panic!("not selling")
    };
    assert_eq!(s.scans_waiting(), 2, "both scans wait their turn");
    assert!(till.cart.is_empty());
    // F2 now would leave them off the ticket: the cashier is asked to wait.
    pending.extend(update_only(
        &mut till,
        vec![Message::Sell(sell::Message::Pay)],
    ));
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert!(shows(
        &till,
        "Un momento: aún se está leyendo un código escaneado."
    ));
    draws(&till);

    release.send(()).unwrap();
    for t in pending {
        settle(&mut till, t);
    }
    assert_eq!(cart_names(&till), ["Agua 1,5 L", "Aceite de oliva 1 L"]);
    assert!(shows(&till, "Total: 14,05 €"));

    // The same again through the scan field (typed codes and Enter), three in a row.
    let release = hold_ledger(&till);
    let mut pending = Vec::new();
    for code in [OIL, WATER, OIL] {
        let messages = typing(&till, sell::SCAN_ID, code);
        pending.extend(update_only(&mut till, messages));
    }
    release.send(()).unwrap();
    for t in pending {
        settle(&mut till, t);
    }
    assert_eq!(
        till.cart
            .lines()
            .iter()
            .map(|l| (l.name.clone(), l.quantity))
            .collect::<Vec<_>>(),
        [
            ("Agua 1,5 L".to_string(), Quantity::units(2)),
            ("Aceite de oliva 1 L".to_string(), Quantity::units(3)),
        ],
        "same products add to their lines"
    );
}

#[test]
fn a_ledger_call_that_panics_shows_an_error_and_the_till_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (mut till, _) = Till::with_ledger(ledger(&dir, true));

    // The PIN check's call panics on the ledger's thread.
    till.ledger().unwrap().panic_next_call("disco lleno");
    type_into(&mut till, "login-pin", "1234", true);
    assert!(matches!(&till.screen, Screen::Login(s) if !s.checking()));
    assert!(shows(
        &till,
        "Error interno del registro local (disco lleno). No se ha guardado nada de esta \
         operación; puede volver a intentarlo."
    ));
    draws(&till);

    // Not frozen: the same PIN again logs in.
    type_into(&mut till, "login-pin", "1234", true);
    assert!(
        matches!(till.screen, Screen::Sell(_)),
        "login after the panic"
    );

    // A scan whose lookup panics says so; the next scan rings up.
    till.ledger().unwrap().panic_next_call("índice roto");
    let _ = send(
        &mut till,
        Message::SerialScanner(serial_scanner::Event::Code(OIL.into())),
    );
    assert!(till.cart.is_empty());
    assert!(shows(
        &till,
        "Error interno del registro local (índice roto). No se ha guardado nada de esta \
         operación; puede volver a intentarlo."
    ));
    let _ = send(
        &mut till,
        Message::SerialScanner(serial_scanner::Event::Code(OIL.into())),
    );
    assert_eq!(cart_names(&till), ["Aceite de oliva 1 L"]);

    // A sale whose commit panics is not recorded, keeps its cart, and can be paid again.
    click(&mut till, "Cobrar (F2)");
    till.ledger().unwrap().panic_next_call("sin espacio");
    type_into(
        &mut till,
        pos_terminal_app::screen::pay::TENDERED_ID,
        "20",
        true,
    );
    assert!(matches!(till.screen, Screen::Pay(_)), "still paying");
    assert!(shows_containing(&till, "sin espacio"));
    assert_eq!(with_ledger(&till, |l| l.document_count().unwrap()), 1);
    assert_eq!(cart_names(&till), ["Aceite de oliva 1 L"]);
    type_into(
        &mut till,
        pos_terminal_app::screen::pay::TENDERED_ID,
        "20",
        true,
    );
    assert!(
        matches!(till.screen, Screen::Sell(_)),
        "paid on the second try"
    );
    assert_eq!(with_ledger(&till, |l| l.document_count().unwrap()), 2);
}

#[test]
fn the_receipt_is_queued_only_after_the_sale_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in_with(ledger(&dir, true));
    type_into(&mut till, sell::SCAN_ID, OIL, true);
    click(&mut till, "Cobrar (F2)");
    let release = hold_ledger(&till);
    let messages = typing(&till, pos_terminal_app::screen::pay::TENDERED_ID, "20");
    let pending = update_only(&mut till, messages);
    // Nothing is paid (and nothing printed) until the ledger says the sale is committed.
    assert!(matches!(&till.screen, Screen::Pay(p) if p.committing()));
    assert!(shows_containing(&till, "Guardando la venta…"));
    assert!(!till.cart.is_empty());
    release.send(()).unwrap();
    let mut held = Vec::new();
    for t in pending {
        held.extend(settle(&mut till, t));
    }
    assert!(matches!(till.screen, Screen::Sell(_)));
    // Committed, then its receipt queued, then (held back here) the printer's flush.
    assert_eq!(
        with_ledger(&till, |l| (
            l.document_count().unwrap(),
            l.pending_prints(10)
                .unwrap()
                .iter()
                .map(|j| j.doc_seq)
                .collect::<Vec<_>>()
        )),
        (2, vec![Some(2)])
    );
    assert!(
        held.iter().any(|m| matches!(
            m,
            Message::Hardware(pos_terminal_app::Hardware::Flush { .. })
        )),
        "{held:?}"
    );
}
