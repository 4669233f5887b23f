//! Click-and-type tests through the till's screens with the headless iced_test Simulator,
//! over a real ledger in a temporary directory.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use iced::Task;
use iced_test::simulator;
use pos_terminal::Ledger;
use pos_terminal_app::{Message, Screen, Till};
use sync_protocol::{
    CatalogChange, Change, ChangesPage, EnrollResponse, FranchiseeId, Money, ProductId,
    ProductRecord, StaffId, StaffRecord, StaffRole, StoreId, TaxRate, TillId,
};

const EAN: &str = "8412345678905";

fn pin_hash(pin: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .expect("hash")
        .to_string()
}

/// An enrolled ledger with one product (13,45 €, IVA 21 %) and one cashier with PIN 1234.
fn ledger(dir: &tempfile::TempDir) -> Ledger {
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
        CatalogChange::Product(ProductRecord {
            id: ProductId(1),
            sku: "ACE-1L".into(),
            name: "Aceite de oliva 1 L".into(),
            tax_rate_id: 1,
            tax_rate: TaxRate::IVA_GENERAL,
            price: Money::from_cents(1345),
            active: true,
        }),
        CatalogChange::Barcode {
            code: EAN.into(),
            product_id: ProductId(1),
        },
        CatalogChange::Staff(StaffRecord {
            id: StaffId(1),
            name: "Lucía".into(),
            role: StaffRole::Cashier,
            pin_hash: pin_hash("1234"),
            active: true,
        }),
    ];
    let page = ChangesPage {
        protocol_version: sync_protocol::PROTOCOL_VERSION,
        next_cursor: changes.len() as i64,
        changes: changes
            .into_iter()
            .enumerate()
            .map(|(i, change)| Change {
                cursor: i as i64 + 1,
                change,
            })
            .collect(),
        has_more: false,
    };
    l.apply_changes(&page).expect("apply");
    l
}

/// Types `text` into the input with `id`, presses Enter, and feeds the messages to the till.
fn type_and_enter(till: &mut Till, id: &'static str, text: &str) {
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(iced::widget::Id::new(id)).expect("input");
        let _ = ui.typewrite(text);
        let _ = ui.tap_key(iced::keyboard::key::Named::Enter);
        ui.into_messages().collect()
    };
    for m in messages {
        let _: Task<Message> = till.update(m);
    }
}

fn click(till: &mut Till, label: &str) {
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(label).expect("button");
        ui.into_messages().collect()
    };
    for m in messages {
        let _: Task<Message> = till.update(m);
    }
}

fn shows(till: &Till, s: &str) -> bool {
    let mut ui = simulator(till.view());
    ui.find(s).is_ok()
}

fn logged_in(dir: &tempfile::TempDir) -> Till {
    let (mut till, _) = Till::with_ledger(ledger(dir));
    type_and_enter(&mut till, "login-pin", "1234");
    assert!(matches!(till.screen, Screen::Sell(_)), "login failed");
    till
}

#[test]
fn application_builds() {
    let dir = tempfile::tempdir().unwrap();
    let _app = pos_terminal_app::application(dir.path().join("ledger.db"));
}

#[test]
fn unenrolled_ledger_starts_on_enrolment() {
    let dir = tempfile::tempdir().unwrap();
    let l = Ledger::open(dir.path().join("ledger.db")).unwrap();
    let (till, _) = Till::with_ledger(l);
    assert!(matches!(till.screen, Screen::Enrol(_)));
    assert!(shows(&till, "Alta de la caja"));
}

#[test]
fn wrong_pin_is_refused_and_right_pin_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let (mut till, _) = Till::with_ledger(ledger(&dir));
    assert!(shows(&till, "Entrar"));
    type_and_enter(&mut till, "login-pin", "9999");
    assert!(matches!(till.screen, Screen::Login(_)));
    assert!(shows(&till, "PIN incorrecto"));
    type_and_enter(&mut till, "login-pin", "1234");
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert!(shows(&till, "Cajero: Lucía"));
}

#[test]
fn scanning_an_ean_adds_the_line_and_total() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    assert!(shows(&till, "Aceite de oliva 1 L"));
    assert!(shows(&till, "Total: 13,45 €"));
    assert!(shows(&till, "IVA 21 %: base 11,12 € · cuota 2,33 €"));
    type_and_enter(&mut till, "scan", "0000000000000");
    assert!(shows(&till, "Código desconocido: 0000000000000"));
    assert!(shows(&till, "Total: 13,45 €"));
}

#[test]
fn paying_20_cash_for_13_45_gives_6_55_change_and_records_the_sale() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    click(&mut till, "Cobrar (F2)");
    assert!(matches!(till.screen, Screen::Pay(_)));
    assert!(shows(&till, "Total: 13,45 €"));
    click(&mut till, "20,00 €");
    assert!(shows(&till, "Cambio: 6,55 €"));
    click(&mut till, "Confirmar cobro");
    assert!(matches!(till.screen, Screen::Sell(_)));
    assert!(shows(&till, "Ticket T0007-000001 · Cambio: 6,55 €"));
    assert!(shows(&till, "Ticket vacío"));
    assert!(shows(&till, "Documentos pendientes: 1"));
    let ledger = till.ledger().unwrap().lock().unwrap();
    assert_eq!(ledger.document_count().unwrap(), 1);
    assert_eq!(ledger.sales_gross().unwrap(), Money::from_cents(1345));
}

#[test]
fn typed_cash_amount_and_short_payment() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    type_and_enter(&mut till, "scan", EAN);
    let _ = till.update(Message::PayKey);
    assert!(matches!(till.screen, Screen::Pay(_)));
    type_and_enter(&mut till, "tendered", "10");
    assert!(shows(&till, "Faltan 3,45 €."));
    assert_eq!(
        till.ledger()
            .unwrap()
            .lock()
            .unwrap()
            .document_count()
            .unwrap(),
        0
    );
}
