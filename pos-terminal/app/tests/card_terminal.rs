//! The pay screen with a card terminal, through the headless iced_test Simulator, against the fake
//! OPI terminal over TCP (pos-terminal/tests/support/fake_terminal.rs): approved, declined,
//! cancelled at the terminal, the till's own Cancel while waiting, the settings that configure
//! it, and a crash's approved payment recorded at the next start. The Tasks the till returns are
//! run as the iced runtime would.

mod common;
#[path = "../../tests/support/fake_terminal.rs"]
mod fake_terminal;

use common::*;
use fake_terminal::{FakeTerminal, Script};
use iced::Task;
use iced::futures::StreamExt;
use iced::widget::Id;
use iced_test::simulator;
use pos_terminal::Ledger;
use pos_terminal::card_terminal::{CardSale, PaymentRequest, PaymentTerminal};
use pos_terminal_app::screen::pay;
use pos_terminal_app::settings::{CardTerminal, Settings, TerminalProtocol};
use pos_terminal_app::{Key, Message, Screen, Till};
use std::collections::VecDeque;
use std::time::Duration;
use sync_protocol::{DocumentBody, Money, StaffId, StaffRole, Tender};

const EAN: &str = "8412345678905";

fn marta() -> pos_terminal::Staff {
    pos_terminal::Staff {
        id: StaffId(2),
        name: "Marta".into(),
        role: StaffRole::Manager,
    }
}

/// Oil at 13,45 €, Lucía (cashier, 1234) and Marta (manager, 9876), the shift open; the till set
/// to the card terminal at `address` when given.
fn ledger(dir: &tempfile::TempDir, address: Option<&str>) -> Ledger {
    let mut changes = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, EAN));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    let mut l = enrolled_ledger(dir, changes);
    l.start_shift(&marta(), Vec::new()).expect("open shift");
    let settings = Settings {
        card_terminal: address.map(|a| CardTerminal {
            protocol: TerminalProtocol::Opi,
            address: a.to_string(),
            answer_timeout_secs: 5,
        }),
        ..Settings::default()
    };
    settings
        .save(&Settings::path_for(l.path()))
        .expect("settings");
    l
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// Runs `task` and every Task its messages return, feeding the messages back in, as the iced
/// runtime would (widget operations such as focus are skipped).
fn run_task(till: &mut Till, task: Task<Message>) {
    let rt = rt();
    let mut queue: VecDeque<Message> = VecDeque::new();
    let mut tasks = VecDeque::from([task]);
    let mut steps = 0;
    loop {
        while let Some(t) = tasks.pop_front() {
            if let Some(stream) = iced_test::runtime::task::into_stream(t) {
                for a in rt.block_on(stream.collect::<Vec<_>>()) {
                    if let iced_test::runtime::Action::Output(m) = a {
                        queue.push_back(m);
                    }
                }
            }
        }
        let Some(m) = queue.pop_front() else { break };
        steps += 1;
        assert!(steps < 100, "the till keeps sending itself messages");
        tasks.push_back(till.update(m));
    }
}

fn messages_of_click_id(till: &Till, id: &'static str) -> Vec<Message> {
    let mut ui = simulator(till.view());
    ui.click(Id::from(id))
        .unwrap_or_else(|e| panic!("no {id}: {e:?}"));
    ui.into_messages().collect()
}

/// Clicks "Cobrar con datáfono" and returns the Task that talks to the terminal, not run yet.
fn press_charge(till: &mut Till) -> Task<Message> {
    let tasks: Vec<_> = messages_of_click_id(till, pay::TERMINAL_ID)
        .into_iter()
        .map(|m| till.update(m))
        .collect();
    Task::batch(tasks)
}

fn to_pay(till: &mut Till) {
    type_into(till, "scan", EAN, true);
    click(till, "Cobrar (F2)");
    assert!(matches!(till.screen, Screen::Pay(_)));
}

fn sales(till: &Till) -> Vec<sync_protocol::Sale> {
    with_ledger(till, |l| {
        (1..=l.last_seq().unwrap())
            .filter_map(|seq| match l.document(seq).unwrap().unwrap().body {
                DocumentBody::Sale(s) => Some(s),
                _ => None,
            })
            .collect()
    })
}

fn assert_touch_sized(till: &Till, id: &'static str) {
    let mut ui = simulator(till.view());
    let target = ui.find(Id::from(id)).expect("on screen");
    let b = iced_test::selector::Bounded::bounds(&target);
    assert!(b.width >= 44.0 && b.height >= 44.0, "{id}: {b:?}");
    assert!(
        b.y + b.height <= 768.0 && b.x + b.width <= 1024.0,
        "{id}: {b:?}"
    );
}

#[test]
fn without_a_terminal_the_pay_screen_has_no_terminal_button() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in_with(ledger(&dir, None));
    to_pay(&mut till);
    assert!(!shows(&till, "Cobrar con datáfono: 13,45 €"));
    // The hand-typed reference stays.
    type_into(&mut till, "card-reference", "AUT-1", true);
    assert!(matches!(till.screen, Screen::Sell(_)));
}

#[test]
fn approved_on_the_terminal_records_the_sale_with_its_reference() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::Approve("A1B2C3")]);
    let mut till = logged_in_with(ledger(&dir, Some(&fake.address)));
    to_pay(&mut till);
    assert!(shows(&till, "Cobrar con datáfono: 13,45 €"));
    assert_touch_sized(&till, pay::TERMINAL_ID);
    let task = press_charge(&mut till);
    // Waiting: what is charged, and a large Cancel; Esc does not leave.
    assert!(shows(
        &till,
        "Esperando al datáfono: 13,45 €. El cliente paga con su tarjeta en el datáfono."
    ));
    assert_touch_sized(&till, pay::CANCEL_TERMINAL_ID);
    send(&mut till, Message::Key(Key::Escape));
    assert!(matches!(&till.screen, Screen::Pay(s) if s.waiting()));
    // A second press while waiting sends nothing.
    send(&mut till, Message::Pay(pay::Message::ChargeTerminal));
    run_task(&mut till, task);
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert!(shows(&till, "Ticket T0007-000001 · Cambio: 0,00 €"));
    let sold = sales(&till);
    assert_eq!(sold.len(), 1);
    assert_eq!(sold[0].payments.len(), 1);
    assert_eq!(sold[0].payments[0].tender, Tender::Card);
    assert_eq!(sold[0].payments[0].amount, Money::from_cents(1345));
    assert_eq!(
        sold[0].payments[0].reference.as_deref(),
        Some("A1B2C3 STAN 000001")
    );
    assert_eq!(fake.payment_requests().len(), 1);
    assert_eq!(fake.charges().len(), 1);
    assert!(till.cart.is_empty());
}

#[test]
fn cash_first_then_the_terminal_for_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::Approve("778812")]);
    let mut till = logged_in_with(ledger(&dir, Some(&fake.address)));
    to_pay(&mut till);
    type_into(&mut till, "tendered", "5", true);
    assert!(shows(&till, "Cobrar con datáfono: 8,45 €"));
    let task = press_charge(&mut till);
    run_task(&mut till, task);
    assert!(matches!(till.screen, Screen::Sell(_)));
    let sold = sales(&till);
    let tenders: Vec<_> = sold[0]
        .payments
        .iter()
        .map(|p| (p.tender, p.amount))
        .collect();
    assert_eq!(
        tenders,
        vec![
            (Tender::Cash, Money::from_cents(500)),
            (Tender::Card, Money::from_cents(845))
        ]
    );
    assert_eq!(fake.charges()[0].1, Money::from_cents(845));
}

#[test]
fn declined_says_so_keeps_the_ticket_and_cash_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::Decline("116")]);
    let mut till = logged_in_with(ledger(&dir, Some(&fake.address)));
    to_pay(&mut till);
    let task = press_charge(&mut till);
    run_task(&mut till, task);
    assert!(matches!(&till.screen, Screen::Pay(s) if !s.waiting()));
    assert!(shows(
        &till,
        "Tarjeta denegada (Failure (116)). No se ha cobrado nada: pruebe con otra tarjeta o en efectivo."
    ));
    assert!(sales(&till).is_empty());
    assert!(fake.charges().is_empty());
    // The customer pays cash instead.
    click(&mut till, "20,00 €");
    click(&mut till, "Confirmar cobro");
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert_eq!(sales(&till).len(), 1);
}

#[test]
fn cancelled_at_the_terminal_says_nothing_was_charged() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::CancelAtTerminal]);
    let mut till = logged_in_with(ledger(&dir, Some(&fake.address)));
    to_pay(&mut till);
    let task = press_charge(&mut till);
    run_task(&mut till, task);
    assert!(matches!(till.screen, Screen::Pay(_)));
    assert!(shows(
        &till,
        "Cobro cancelado en el datáfono. No se ha cobrado nada."
    ));
    assert!(sales(&till).is_empty());
}

#[test]
fn no_answer_in_time_is_aborted_and_said_so_in_english_too() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::NoAnswer]);
    let l = ledger(&dir, Some(&fake.address));
    // The customer has one second; the till speaks English.
    let path = Settings::path_for(l.path());
    let mut settings = Settings::load(&path);
    settings.language = pos_terminal_app::settings::Language::En;
    if let Some(t) = settings.card_terminal.as_mut() {
        t.answer_timeout_secs = 1;
    }
    settings.save(&path).unwrap();
    let mut till = logged_in_with(l);
    type_into(&mut till, "scan", EAN, true);
    click(&mut till, "Pay (F2)");
    assert!(shows(&till, "Charge on card terminal: €13.45"));
    let task = press_charge(&mut till);
    assert!(shows(&till, "Cancel on card terminal"));
    run_task(&mut till, task);
    assert!(matches!(&till.screen, Screen::Pay(s) if !s.waiting()));
    assert!(shows(
        &till,
        "The card terminal did not answer in time; the payment was aborted and the terminal confirms nothing was charged."
    ));
    assert_eq!(fake.aborts(), 1);
    assert!(fake.charges().is_empty());
    assert!(sales(&till).is_empty());
}

#[test]
fn the_cashiers_cancel_aborts_the_payment_at_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::NoAnswer]);
    let mut till = logged_in_with(ledger(&dir, Some(&fake.address)));
    to_pay(&mut till);
    let waiting = press_charge(&mut till);
    let rt = rt();
    // The charge waits at the terminal on its own thread, as in the app.
    let stream = iced_test::runtime::task::into_stream(waiting).expect("a task");
    let handle = rt.spawn(stream.collect::<Vec<_>>());
    while fake.payment_requests().is_empty() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let cancel: Vec<_> = messages_of_click_id(&till, pay::CANCEL_TERMINAL_ID)
        .into_iter()
        .map(|m| till.update(m))
        .collect();
    assert!(shows(&till, "Cancelando en el datáfono…"));
    for t in cancel {
        run_task(&mut till, t);
    }
    for a in rt.block_on(handle).unwrap() {
        if let iced_test::runtime::Action::Output(m) = a {
            let t = till.update(m);
            run_task(&mut till, t);
        }
    }
    assert_eq!(fake.aborts(), 1);
    assert!(shows(
        &till,
        "Cobro cancelado en el datáfono. No se ha cobrado nada."
    ));
    assert!(sales(&till).is_empty());
    assert!(fake.charges().is_empty());
}

#[test]
fn the_terminal_is_set_in_settings_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in_with(ledger(&dir, None));
    send(&mut till, Message::Key(Key::Settings));
    assert!(matches!(till.screen, Screen::Settings(_)));
    click(&mut till, "OPI (IFSF)");
    // No address: refused, nothing kept.
    click(&mut till, "Guardar");
    assert!(shows(
        &till,
        "Escriba la dirección del datáfono como equipo:puerto (p. ej. 192.168.1.50:20002)."
    ));
    assert_eq!(till.settings.card_terminal, None);
    type_into(
        &mut till,
        "settings-card-terminal",
        "192.168.1.50:20002",
        false,
    );
    click(&mut till, "Guardar");
    let expected = Some(CardTerminal {
        protocol: TerminalProtocol::Opi,
        address: "192.168.1.50:20002".into(),
        answer_timeout_secs: 180,
    });
    assert_eq!(till.settings.card_terminal, expected);
    let path = with_ledger(&till, |l| Settings::path_for(l.path()));
    assert_eq!(Settings::load(&path).card_terminal, expected);
}

/// The till died after the terminal approved: at the next start it asks the terminal, records the
/// sale once, and tells the cashier.
#[test]
fn a_payment_approved_before_a_crash_is_recorded_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::ApproveThenTillDies("R3C0V3")]);
    {
        let mut l = ledger(&dir, Some(&fake.address));
        let line = {
            let item = l.lookup_barcode(EAN).unwrap().unwrap();
            pos_terminal::CartLine::from_item(&item, sync_protocol::Quantity::one())
        };
        let sale = CardSale {
            cashier: Some(StaffId(1)),
            lines: vec![line],
            ticket_discount: Money::ZERO,
            other_payments: Vec::new(),
        };
        let attempt = l
            .begin_card_attempt(&sale, Money::from_cents(1345))
            .unwrap();
        let _ = fake.client(Duration::from_secs(5)).pay(&PaymentRequest {
            request_id: attempt.request_id,
            amount: Money::from_cents(1345),
            currency: "EUR".into(),
        });
        // The till dies.
    }
    let ledger = Ledger::open(dir.path().join("ledger.db")).unwrap();
    let (mut till, start) = Till::with_ledger(ledger);
    run_task(&mut till, start);
    assert_eq!(sales(&till).len(), 1);
    type_into(&mut till, "login-pin", "1234", true);
    assert!(shows(
        &till,
        "Cobro con tarjeta recuperado tras un cierre inesperado: registrado como ticket T0007-000001."
    ));
    // Restarting again records nothing more.
    drop(till);
    let ledger = Ledger::open(dir.path().join("ledger.db")).unwrap();
    let (mut till, start) = Till::with_ledger(ledger);
    run_task(&mut till, start);
    assert_eq!(sales(&till).len(), 1);
    assert_eq!(fake.charges().len(), 1);
    assert_eq!(fake.payment_requests().len(), 1);
}

#[test]
fn a_manager_closes_by_hand_a_payment_left_pending_by_a_dead_terminal() {
    let dir = tempfile::tempdir().unwrap();
    // A terminal that took the request and then died for good: its attempt stays open, and while
    // it does no other card payment can start.
    let mut l = ledger(&dir, None);
    let line = {
        let item = l.lookup_barcode(EAN).unwrap().unwrap();
        pos_terminal::CartLine::from_item(&item, sync_protocol::Quantity::one())
    };
    let sale = CardSale {
        cashier: Some(StaffId(1)),
        lines: vec![line],
        ticket_discount: Money::ZERO,
        other_payments: Vec::new(),
    };
    let stuck = l
        .begin_card_attempt(&sale, Money::from_cents(1345))
        .unwrap();
    assert!(
        l.begin_card_attempt(&sale, Money::from_cents(1345))
            .is_err()
    );
    let mut till = logged_in_with(l);
    manager_menu(&mut till);
    click(&mut till, "Cobro pendiente en el datáfono");
    assert!(shows_containing(
        &till,
        "Cobro de 13,45 € enviado al datáfono sin respuesta"
    ));
    assert!(shows_containing(&till, &stuck.request_id));
    // A reason is asked for; nothing changes without one.
    let _ = messages_of_click_id(&till, pos_terminal_app::screen::manager::CARD_ABANDON_ID)
        .into_iter()
        .map(|m| send(&mut till, m))
        .count();
    assert!(shows(&till, "Escriba por qué se da el cobro por no hecho."));
    assert_eq!(
        with_ledger(&till, |l| l
            .unresolved_card_attempt()
            .unwrap()
            .map(|a| a.request_id)),
        Some(stuck.request_id.clone())
    );
    type_into(
        &mut till,
        pos_terminal_app::screen::manager::CARD_REASON_ID,
        "datáfono averiado, comprobado en el extracto",
        true,
    );
    assert!(shows(
        &till,
        "Cobro de 13,45 € cerrado a mano como no cobrado; el datáfono vuelve a estar disponible."
    ));
    let (closed, failed) = with_ledger(&till, move |l| {
        (
            l.card_attempt(&stuck.request_id).unwrap().unwrap(),
            l.card_attempts_in(pos_terminal::ledger::CardAttemptState::Failed)
                .unwrap(),
        )
    });
    assert_eq!(failed, 1);
    assert_eq!(closed.state, pos_terminal::ledger::CardAttemptState::Failed);
    let detail = closed.detail.unwrap_or_default();
    assert!(
        detail.contains("Marta") && detail.contains("comprobado en el extracto"),
        "{detail}"
    );
    assert!(sales(&till).is_empty(), "nothing was sold");
    // The terminal is free again, and nothing is pending any more.
    assert!(with_ledger(&till, move |l| l
        .begin_card_attempt(&sale, Money::from_cents(1345))
        .is_ok()));
    with_ledger(&till, |l| {
        let a = l.unresolved_card_attempt().unwrap().unwrap();
        l.close_card_attempt(
            &a.request_id,
            pos_terminal::ledger::AttemptEnd::Cancelled,
            "test",
        )
        .unwrap();
    });
    click(&mut till, "Cobro pendiente en el datáfono");
    assert!(shows(&till, "No hay ningún cobro con datáfono pendiente."));
}

#[test]
fn an_approved_payment_cannot_be_closed_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ledger(&dir, None);
    let sale = CardSale {
        cashier: Some(StaffId(1)),
        lines: Vec::new(),
        ticket_discount: Money::ZERO,
        other_payments: Vec::new(),
    };
    let a = l.begin_card_attempt(&sale, Money::from_cents(500)).unwrap();
    l.note_card_approved(&a.request_id, "AUTH1").unwrap();
    assert!(
        l.abandon_card_attempt(&a.request_id, &marta(), "no")
            .is_err()
    );
    let mut till = logged_in_with(l);
    manager_menu(&mut till);
    click(&mut till, "Cobro pendiente en el datáfono");
    assert!(shows_containing(&till, "El datáfono aprobó este cobro"));
    assert!(!shows(&till, "Dar por no cobrado"));
}
