//! Quick keys at the till, through the headless iced_test Simulator: HQ's layout pulled into the
//! ledger shows beside the ticket as coloured keys in pages; a tap rings the product up (merging
//! into its line), `3×` typed first gives three; the keypad is one tab away; a store's own layout
//! replaces the franchise's and its removal brings the franchise's back; keys fit a 1024×768
//! screen and are finger-sized.

mod common;
use common::*;
use iced::widget::Id;
use iced_test::simulator;
use pos_terminal_app::Message;
use pos_terminal_app::screen::sell;
use sync_protocol::{
    CatalogChange, ChangesPage, KeyColour, ProductId, Quantity, QuickKey, QuickKeyLayout, StaffId,
    StaffRole, StoreId,
};

fn key(page: &str, product: i64, label: &str, colour: KeyColour) -> QuickKey {
    QuickKey {
        page: page.into(),
        product_id: ProductId(product),
        label: label.into(),
        colour,
    }
}

fn franchise_layout() -> CatalogChange {
    CatalogChange::QuickKeys(QuickKeyLayout {
        store_id: None,
        keys: vec![
            key("Despensa", 1, "Aceite", KeyColour::Yellow),
            key("Despensa", 3, "", KeyColour::Green),
            key("Bebidas", 2, "Agua", KeyColour::Blue),
        ],
    })
}

fn apply(till: &pos_terminal_app::Till, changes: Vec<CatalogChange>, from: i64) {
    let page = ChangesPage {
        protocol_version: sync_protocol::PROTOCOL_VERSION,
        next_cursor: from + changes.len() as i64,
        changes: changes
            .into_iter()
            .enumerate()
            .map(|(i, change)| sync_protocol::Change {
                cursor: from + i as i64 + 1,
                change,
            })
            .collect(),
        has_more: false,
    };
    with_ledger(till, move |l| {
        l.apply_changes(&page)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .expect("apply");
}

fn selling(dir: &tempfile::TempDir, more: Vec<CatalogChange>) -> pos_terminal_app::Till {
    let mut changes: Vec<CatalogChange> = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, "8412345678905"));
    changes.extend(product(2, "Agua mineral 1,5 L", 60, "5901234123457"));
    changes.extend(product(3, "Aceitunas rellenas", 210, "8410000000017"));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    changes.extend(more);
    let mut l = enrolled_ledger(dir, changes);
    l.start_shift(
        &pos_terminal::Staff {
            id: StaffId(2),
            name: "Marta".into(),
            role: StaffRole::Manager,
        },
        Vec::new(),
    )
    .expect("open shift");
    logged_in_with(l)
}

fn sell_state(till: &pos_terminal_app::Till) -> &sell::State {
    match &till.screen {
        pos_terminal_app::Screen::Sell(s) => s,
        _ => panic!("not on the sell screen"),
    }
}

fn tap(till: &mut pos_terminal_app::Till, id: impl Into<Id>) {
    let id = id.into();
    let messages: Vec<Message> = {
        let mut ui = simulator(till.view());
        ui.click(id.clone())
            .unwrap_or_else(|e| panic!("nothing to tap at {id:?}: {e:?}"));
        ui.into_messages().collect()
    };
    feed(till, messages);
}

fn lines(till: &pos_terminal_app::Till) -> Vec<(String, Quantity)> {
    till.cart
        .lines()
        .iter()
        .map(|l| (l.name.clone(), l.quantity))
        .collect()
}

#[test]
fn quick_keys_ring_up_by_touch_in_pages_beside_the_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = selling(&dir, vec![franchise_layout()]);
    let s = sell_state(&till);
    assert_eq!(s.quick_pages(), vec!["Despensa", "Bebidas"]);
    assert_eq!(s.quick_page(), Some("Despensa"));
    // The first page's keys, HQ's label or the product's name, with the price.
    assert!(shows(&till, "Aceite"));
    assert!(shows(&till, &sell::key_label("Aceitunas rellenas")));
    assert!(shows(&till, "2,10 €"));
    assert!(!shows(&till, "Agua"), "another page's key is not drawn");

    // Finger-sized and on a 1024×768 screen.
    for i in 0..2 {
        let mut ui = simulator(till.view());
        let target = ui.find(Id::from(sell::quick_key_id(i))).expect("key");
        let b = iced_test::selector::Bounded::bounds(&target);
        assert!(b.width >= 44.0 && b.height >= 44.0, "key {i}: {b:?}");
        assert!(
            b.x + b.width <= 1024.0 && b.y + b.height <= 768.0,
            "key {i}: {b:?}"
        );
    }

    // A tap rings one up; the same key again adds to its line.
    tap(&mut till, sell::quick_key_id(0));
    tap(&mut till, sell::quick_key_id(0));
    assert_eq!(
        lines(&till),
        vec![("Aceite de oliva 1 L".to_string(), Quantity::units(2))]
    );
    assert!(shows(&till, "Total: 26,90 €"));

    // `3×` on the keypad tab, then a key on the other page: three of it.
    click(&mut till, "123 Teclado");
    assert_eq!(sell_state(&till).quick_page(), None);
    for k in [
        pos_terminal_app::keypad::Key::Digit(3),
        pos_terminal_app::keypad::Key::Times,
    ] {
        tap(&mut till, pos_terminal_app::keypad::id(k));
    }
    assert_eq!(sell_state(&till).input(), "3×");
    click(&mut till, "Bebidas");
    assert_eq!(sell_state(&till).quick_page(), Some("Bebidas"));
    tap(&mut till, sell::quick_key_id(2));
    assert_eq!(
        lines(&till),
        vec![
            ("Aceite de oliva 1 L".to_string(), Quantity::units(2)),
            ("Agua mineral 1,5 L".to_string(), Quantity::units(3)),
        ]
    );
    assert_eq!(sell_state(&till).input(), "", "the quantity was used up");
    assert!(shows(&till, "Total: 28,70 €"));
}

#[test]
fn a_stores_own_layout_replaces_the_franchises_until_hq_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = selling(&dir, vec![franchise_layout()]);
    assert_eq!(sell_state(&till).quick_keys().len(), 3);
    // HQ gives this store its own layout: only water, on a page of its own.
    apply(
        &till,
        vec![CatalogChange::QuickKeys(QuickKeyLayout {
            store_id: Some(StoreId(1)),
            keys: vec![key("Tienda", 2, "", KeyColour::Red)],
        })],
        2000,
    );
    send(
        &mut till,
        Message::Sync(pos_terminal_app::worker::Event::Connected {
            changes: 1,
            waiting: 0,
        }),
    );
    assert_eq!(sell_state(&till).quick_pages(), vec!["Tienda"]);
    assert!(shows(&till, &sell::key_label("Agua mineral 1,5 L")));
    assert!(!shows(&till, "Despensa"));
    // A product HQ deactivates is not drawn.
    apply(
        &till,
        vec![CatalogChange::Product(sync_protocol::ProductRecord {
            id: ProductId(2),
            sku: "P2".into(),
            name: "Agua mineral 1,5 L".into(),
            tax_rate_id: 1,
            tax_rate: sync_protocol::TaxRate::IVA_GENERAL,
            price: sync_protocol::Money::from_cents(60),
            active: false,
        })],
        2001,
    );
    send(
        &mut till,
        Message::Sync(pos_terminal_app::worker::Event::Connected {
            changes: 1,
            waiting: 0,
        }),
    );
    assert!(sell_state(&till).quick_keys().is_empty());
    // The store's own removed: the franchise's again, even after a restart of the screen.
    apply(
        &till,
        vec![CatalogChange::QuickKeysCleared {
            store_id: StoreId(1),
        }],
        2002,
    );
    send(
        &mut till,
        Message::Sync(pos_terminal_app::worker::Event::Connected {
            changes: 1,
            waiting: 0,
        }),
    );
    assert_eq!(sell_state(&till).quick_pages(), vec!["Despensa"]);
    let layout = with_ledger(&till, |l| l.quick_key_layout().unwrap().unwrap());
    assert_eq!(layout.store_id, None);
}

#[test]
fn without_quick_keys_the_keypad_stays_beside_the_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let till = selling(&dir, Vec::new());
    assert!(sell_state(&till).quick_pages().is_empty());
    let mut ui = simulator(till.view());
    assert!(
        ui.find(Id::from(pos_terminal_app::keypad::id(
            pos_terminal_app::keypad::Key::Digit(7)
        )))
        .is_ok()
    );
    assert!(ui.find(Id::new(sell::QUICK_KEYS_ID)).is_err());
}

#[test]
fn a_sale_tells_the_sync_worker_to_go_now() {
    use pos_terminal_app::keypad::Key;
    let dir = tempfile::tempdir().unwrap();
    let mut till = selling(&dir, vec![franchise_layout()]);
    tap(&mut till, sell::quick_key_id(0));
    assert!(!nudged(&till), "nothing to send yet");
    click(&mut till, "Cobrar (F2)");
    for k in [Key::Digit(2), Key::Digit(0), Key::Enter] {
        tap(&mut till, pos_terminal_app::keypad::id(k));
    }
    assert!(
        matches!(till.screen, pos_terminal_app::Screen::Sell(_)),
        "paid"
    );
    assert!(nudged(&till), "the worker is told after the sale");
    assert!(!nudged(&till), "one nudge per sale");
}

/// The bounds of the first text on screen that `pick` accepts.
fn text_bounds(
    till: &pos_terminal_app::Till,
    pick: impl Fn(&str) -> bool + Send + Sync,
) -> Option<(String, iced::Rectangle)> {
    let mut ui = simulator(till.view());
    ui.find(|c: iced_test::selector::Candidate<'_>| match c {
        iced_test::selector::Candidate::Text {
            content, bounds, ..
        } if pick(content) => Some((content.to_string(), bounds)),
        _ => None,
    })
    .ok()
}

#[test]
fn a_long_name_takes_two_lines_at_most_and_the_price_stays_on_the_key() {
    // Long names of every shape: many short words, long words, digits and units, wide capitals.
    for long in [
        "Aceite de oliva virgen extra Hojiblanca 1 L",
        "Agua mineral 100 % fruta El Molino 500 ml",
        "Desengrasante multiusos profesional",
        "MAGDALENAS CHOCOLATE MMMM",
        "Mantequilla sin sal 250 g x 2 uds",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let till = selling(
            &dir,
            vec![CatalogChange::QuickKeys(QuickKeyLayout {
                store_id: None,
                keys: vec![key("Despensa", 1, long, KeyColour::Yellow)],
            })],
        );
        let key_bounds = {
            let mut ui = simulator(till.view());
            let target = ui.find(Id::from(sell::quick_key_id(0))).expect("key");
            iced_test::selector::Bounded::bounds(&target)
        };
        let head: String = long.chars().take(6).collect();
        let (shown, name) = text_bounds(&till, |c| c.starts_with(head.as_str())).expect("the name");
        assert_eq!(shown, sell::key_label(long));
        // Two lines of 15 px text (iced's line height is 1.3 × the size), not three.
        assert!(name.height <= 2.0 * 15.0 * 1.3 + 0.5, "{shown:?}: {name:?}");
        // The price on a whole line of its own (14 px), inside the key.
        let (_, price) = text_bounds(&till, |c| c == "13,45 €").expect("the price");
        assert!(
            price.height >= 14.0 * 1.3 - 0.5,
            "{shown:?}: price {price:?}"
        );
        let inside = |r: iced::Rectangle| {
            r.x >= key_bounds.x
                && r.y >= key_bounds.y
                && r.x + r.width <= key_bounds.x + key_bounds.width
                && r.y + r.height <= key_bounds.y + key_bounds.height
        };
        assert!(
            inside(name),
            "{shown:?}: name {name:?} off its key {key_bounds:?}"
        );
        assert!(
            inside(price),
            "{shown:?}: price {price:?} off its key {key_bounds:?}"
        );
    }
}
