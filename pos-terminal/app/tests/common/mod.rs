//! What the till's Simulator tests share: catalog changes for a test ledger (staff with argon2
//! PINs, products with a barcode) and the clicking and typing through `iced_test`.
#![allow(dead_code)] // each test binary uses its own subset

pub mod run;
#[allow(unused_imports)] // each test binary uses its own subset
pub use run::{send, settle, with_ledger};

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use iced::Task;
use iced::widget::Id;
use iced_test::simulator;
use pos_terminal::Ledger;
use pos_terminal_app::{Message, Screen, Till};
use sync_protocol::{
    CatalogChange, Change, ChangesPage, EnrollResponse, FranchiseeId, Money, ProductId,
    ProductRecord, StaffId, StaffRecord, StaffRole, StoreId, StoreRecord, TaxRate, TillId,
};

pub fn pin_hash(pin: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .expect("hash")
        .to_string()
}

pub fn staff(id: i64, name: &str, role: StaffRole, pin: &str) -> CatalogChange {
    CatalogChange::Staff(StaffRecord {
        id: StaffId(id),
        name: name.into(),
        role,
        pin_hash: pin_hash(pin),
        active: true,
    })
}

pub fn product(id: i64, name: &str, cents: i64, code: &str) -> [CatalogChange; 2] {
    [
        CatalogChange::Product(ProductRecord {
            id: ProductId(id),
            sku: format!("SKU{id}"),
            name: name.into(),
            tax_rate_id: 1,
            tax_rate: TaxRate::IVA_GENERAL,
            price: Money::from_cents(cents),
            active: true,
        }),
        CatalogChange::Barcode {
            code: code.into(),
            product_id: ProductId(id),
        },
    ]
}

/// Feeds `messages` to the till, running what each starts to the end (printer work held back:
/// see [`run`]).
pub fn feed(till: &mut Till, messages: Vec<Message>) {
    for m in messages {
        let task: Task<Message> = till.update(m);
        settle(till, task);
    }
}

/// Clicks the input with `id`, types `text` and, if asked, presses Enter.
pub fn type_into(till: &mut Till, id: impl Into<Id>, text: &str, enter: bool) {
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(id.into()).expect("input");
        let _ = ui.typewrite(text);
        if enter {
            let _ = ui.tap_key(iced::keyboard::key::Named::Enter);
        }
        ui.into_messages().collect()
    };
    feed(till, messages);
}

pub fn click(till: &mut Till, label: &str) {
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(label)
            .unwrap_or_else(|e| panic!("no button {label:?}: {e:?}"));
        ui.into_messages().collect()
    };
    feed(till, messages);
}

pub fn shows(till: &Till, s: &str) -> bool {
    let mut ui = simulator(till.view());
    ui.find(s).is_ok()
}

/// Whether some text on screen contains `s`.
pub fn shows_containing(till: &Till, s: &str) -> bool {
    let mut ui = simulator(till.view());
    ui.find(|c: iced_test::selector::Candidate<'_>| match c {
        iced_test::selector::Candidate::Text { content, .. } if content.contains(s) => Some(()),
        _ => None,
    })
    .is_ok()
}

/// From the sell screen into the manager menu with Marta's PIN.
pub fn manager_menu(till: &mut Till) {
    click(till, "Gerencia (F10)");
    assert!(shows(till, "Gerencia: PIN de encargado"));
    type_into(till, "manager-pin", "9876", true);
    assert!(shows(till, "Gerencia · Marta"), "manager PIN refused");
}

/// A till on `ledger`, logged in with the cashier's PIN 1234 and on the sell screen.
pub fn logged_in_with(ledger: Ledger) -> Till {
    let (mut till, _) = Till::with_ledger(ledger);
    type_into(&mut till, "login-pin", "1234", true);
    assert!(matches!(till.screen, Screen::Sell(_)), "login failed");
    till
}

/// Store 1 of franchisee 1, whose NIF the till's VERI*FACTU records are issued under.
pub fn store() -> CatalogChange {
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
    })
}

/// A ledger in `dir` enrolled as till 7 of store 1, with `changes` and then the store applied as
/// one page from HQ (the store's franchisee is who the till issues invoices for).
pub fn enrolled_ledger(dir: &tempfile::TempDir, mut changes: Vec<CatalogChange>) -> Ledger {
    changes.push(store());
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

/// Whether the app has told the sync worker to go now (takes the waiting permit, if any).
pub fn nudged(till: &pos_terminal_app::Till) -> bool {
    let nudge = std::sync::Arc::clone(till.sync_nudge());
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(std::time::Duration::from_millis(50), nudge.notified()).await
        })
        .is_ok()
}
