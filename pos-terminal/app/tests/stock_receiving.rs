//! Receiving a delivery against an HQ delivery note at the till, clicked and typed through with the
//! headless iced_test Simulator: pick the pending note, scan (one item short, one not on the note,
//! an unknown code refused), confirm; the note leaves the pending list and the receipt names it.

mod common;
use chrono::NaiveDate;
use common::*;
use pos_terminal::Ledger;
use pos_terminal_app::{Message, Till};
use sync_protocol::{
    CatalogChange, DeliveryNoteLine, DeliveryNoteRecord, DeliveryNoteStatus, DocumentBody,
    ProductId, Quantity, StaffId, StaffRole, StockMovementKind, StoreId,
};

const EAN: &str = "8412345678905";
const OTHER_EAN: &str = "5901234123457";
const THIRD_EAN: &str = "4006381333931";
const NOTE: &str = "ALB-2026-000001";

fn note(id: i64, number: &str, store: i64) -> CatalogChange {
    let line = |p: i64, name: &str, units: i64| DeliveryNoteLine {
        product_id: ProductId(p),
        sku: format!("SKU{p}"),
        name: name.into(),
        quantity: Quantity::units(units),
    };
    CatalogChange::DeliveryNote(DeliveryNoteRecord {
        id,
        number: number.into(),
        store_id: StoreId(store),
        supplier: "Almacén central".into(),
        expected_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        status: DeliveryNoteStatus::Pending,
        lines: vec![
            line(1, "Aceite de oliva 1 L", 2),
            line(2, "Agua mineral 1,5 L", 3),
        ],
    })
}

/// Enrolled, with three products, a pending delivery note of this store, a cashier (PIN 1234) and a manager (PIN 9876).
fn logged_in(dir: &tempfile::TempDir) -> Till {
    common::logged_in_with(ledger(dir))
}

fn ledger(dir: &tempfile::TempDir) -> Ledger {
    let mut changes: Vec<CatalogChange> = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, EAN));
    changes.extend(product(2, "Agua mineral 1,5 L", 60, OTHER_EAN));
    changes.extend(product(3, "Sal fina 1 kg", 45, THIRD_EAN));
    // One note for this store, one for another store (never shown here).
    changes.push(note(1, NOTE, 1));
    changes.push(note(2, "ALB-2026-000002", 2));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    enrolled_ledger(dir, changes)
}

const CHOICE: &str = "ALB-2026-000001 · Almacén central · previsto 30/11/2026 · 2 líneas";

#[test]
fn receive_against_a_note_one_short_one_extra_unknown_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    manager_menu(&mut till);

    click(&mut till, "Recepción de mercancía");
    assert!(shows(
        &till,
        "Elija el albarán que llega, o reciba sin albarán"
    ));
    assert!(shows(&till, CHOICE));
    assert!(
        !shows(
            &till,
            "ALB-2026-000002 · Almacén central · previsto 30/11/2026 · 2 líneas"
        ),
        "another store's note is not offered"
    );
    click(&mut till, CHOICE);
    assert!(shows(&till, "Albarán ALB-2026-000001 · Almacén central"));
    // Nothing scanned yet: both lines missing in full.
    assert!(shows(&till, "Esperado: 2"));
    assert!(shows(&till, "Falta 2"));
    assert!(shows(&till, "Falta 3"));

    type_into(&mut till, "stock-scan", EAN, true);
    assert!(shows(&till, "Falta 1"));
    type_into(&mut till, "stock-scan", EAN, true);
    assert!(shows(&till, "Completo"));
    type_into(&mut till, "stock-scan", OTHER_EAN, true);
    type_into(&mut till, "stock-scan", OTHER_EAN, true);
    assert!(shows(&till, "Falta 1"), "water: 2 of 3");
    type_into(&mut till, "stock-scan", THIRD_EAN, true);
    assert!(shows(&till, "Fuera de albarán"));
    assert!(shows(&till, "Sal fina 1 kg"));
    type_into(&mut till, "stock-scan", "0000000000000", true);
    assert!(shows(&till, "código desconocido: 0000000000000"));

    click(&mut till, "Registrar recepción");
    assert!(shows(
        &till,
        "Albarán ALB-2026-000001 recibido con diferencias: 3 productos (documento 1)"
    ));
    with_ledger(&till, move |l| {
        let DocumentBody::StockMovement(m) = l.document(1).unwrap().unwrap().body else {
            panic!("not a stock movement")
        };
        assert_eq!(m.kind, StockMovementKind::Receipt);
        assert_eq!(m.delivery_note.as_deref(), Some(NOTE));
        assert_eq!(m.reference.as_deref(), Some(NOTE));
        let q = |p: i64| {
            m.lines
                .iter()
                .find(|x| x.product_id == ProductId(p))
                .map(|x| x.quantity)
        };
        assert_eq!(q(1), Some(Quantity::units(2)));
        assert_eq!(q(2), Some(Quantity::units(2)));
        assert_eq!(q(3), Some(Quantity::units(1)));
        assert_eq!(m.lines.len(), 3, "the unknown code added nothing");
        assert_eq!(m.staff_id, Some(StaffId(2)));
        assert!(l.pending_delivery_notes().unwrap().is_empty());
        assert_eq!(
            l.delivery_note(NOTE).unwrap().unwrap().received_seq,
            Some(1)
        );
        assert_eq!(l.outbox_len().unwrap(), 1, "waits in the outbox, offline");
    });

    // The note has left the pending list: receiving goes straight to free scanning.
    click(&mut till, "Recepción de mercancía");
    assert!(!shows(&till, CHOICE));
    assert!(shows(&till, "Nada escaneado todavía"));
    assert!(shows(&till, "Albarán (opcional)"));
}

#[test]
fn free_receiving_leaves_the_note_pending_and_a_quantity_can_be_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    manager_menu(&mut till);
    click(&mut till, "Recepción de mercancía");
    click(&mut till, "Recepción sin albarán");
    assert!(shows(&till, "Albarán (opcional)"));
    type_into(&mut till, "stock-scan", EAN, true);
    click(&mut till, "Registrar recepción");
    assert!(shows(
        &till,
        "Recepción de mercancía: 1 productos registrados (documento 1)"
    ));
    with_ledger(&till, move |l| {
        let DocumentBody::StockMovement(m) = l.document(1).unwrap().unwrap().body else {
            panic!("not a stock movement")
        };
        assert_eq!(m.delivery_note, None);
        assert_eq!(l.pending_delivery_notes().unwrap().len(), 1);
    });

    // Against the note, a whole case typed instead of scanned: 1 scanned, then "3" typed.
    click(&mut till, "Recepción de mercancía");
    click(&mut till, CHOICE);
    type_into(&mut till, "stock-scan", EAN, true);
    type_into(&mut till, "stock-scan", EAN, true);
    type_into(&mut till, "stock-scan", OTHER_EAN, true);
    // The water line is the second scanned line (index 1): the quantity field's edit, as the
    // text input sends it when the manager overwrites the scanned 1 with 3.
    send(
        &mut till,
        Message::Manager(pos_terminal_app::screen::manager::Message::Stock(
            pos_terminal_app::screen::stock::Message::Quantity(1, "3".into()),
        )),
    );
    assert!(shows(&till, "Completo"));
    assert!(!shows(&till, "Falta 1"));
    click(&mut till, "Registrar recepción");
    assert!(shows(
        &till,
        "Albarán ALB-2026-000001 recibido: 2 productos (documento 2)"
    ));
    with_ledger(&till, move |l| {
        assert!(l.pending_delivery_notes().unwrap().is_empty());
    });
}
