//! The store manager at the till, clicked and typed through with the headless iced_test Simulator:
//! open shift → sales → cash out → X → blind Z short beyond tolerance → next opening; stock.

mod common;
use common::*;
use iced::widget::Id;
use pos_terminal::Ledger;
use pos_terminal_app::{Message, Screen, Till};
use sync_protocol::{
    CatalogChange, DocumentBody, Money, Quantity, StaffId, StaffRole, StockMovementKind, Tender,
};

const EAN: &str = "8412345678905";
const OTHER_EAN: &str = "5901234123457";

/// Enrolled, with two products, a cashier (PIN 1234) and a manager (PIN 9876).
fn logged_in(dir: &tempfile::TempDir) -> Till {
    common::logged_in_with(ledger(dir))
}

fn ledger(dir: &tempfile::TempDir) -> Ledger {
    let mut changes: Vec<CatalogChange> = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, EAN));
    changes.extend(product(2, "Agua mineral 1,5 L", 60, OTHER_EAN));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    changes.push(staff(3, "Pilar", StaffRole::Manager, "5555"));
    enrolled_ledger(dir, changes)
}

fn den(cents: i64) -> Id {
    Id::from(pos_terminal_app::screen::manager::denomination_id(
        sync_protocol::Denomination::from_cents(cents).expect("euro"),
    ))
}

fn sell_one_for_20_cash(till: &mut Till) {
    type_into(till, "scan", EAN, true);
    click(till, "Cobrar (F2)");
    click(till, "20,00 €");
    click(till, "Confirmar cobro");
    assert!(matches!(till.screen, Screen::Sell(_)));
}

#[test]
fn a_cashier_pin_does_not_open_the_manager_menu() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    send(&mut till, Message::ManagerKey);
    assert!(matches!(till.screen, Screen::Manager(_)));
    type_into(&mut till, "manager-pin", "1234", true);
    assert!(shows(&till, "Lucía no es encargado."));
    assert!(!shows(&till, "Abrir caja"));
    click(&mut till, "Volver");
    assert!(matches!(till.screen, Screen::Sell(_)));
}

#[test]
fn open_sell_cash_out_x_blind_z_short_needs_approval_then_next_opening() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);

    // Open the shift with 100 € in five 20 € notes.
    manager_menu(&mut till);
    click(&mut till, "Abrir caja");
    type_into(&mut till, den(2000), "5", false);
    assert!(shows(&till, "Total contado: 100,00 €"));
    click(&mut till, "Abrir turno");
    assert!(shows(&till, "Turno abierto con un fondo de 100,00 €"));
    click(&mut till, "Volver a vender");

    // Two sales of 13,45 € paid with 20 € notes: the change is not takings.
    sell_one_for_20_cash(&mut till);
    sell_one_for_20_cash(&mut till);

    // 10 € out to a supplier.
    manager_menu(&mut till);
    click(&mut till, "Salida de efectivo");
    type_into(&mut till, "cash-amount", "10", false);
    type_into(
        &mut till,
        "cash-reason",
        "Pago al proveedor de hielo",
        false,
    );
    click(&mut till, "Registrar movimiento");
    assert!(shows(&till, "Salida de efectivo de 10,00 € registrada"));

    // X: 100 + 26,90 − 10.
    click(&mut till, "Informe X");
    assert!(shows(&till, "Tickets: 2 · Ventas: 26,90 €"));
    assert!(shows(&till, "Efectivo esperado: 116,90 €"));
    click(&mut till, "Volver");

    // Blind Z: the expected figure is hidden while counting.
    click(&mut till, "Cierre Z");
    assert!(shows(&till, "Recuento ciego: sí"));
    assert!(!shows(&till, "Esperado"));
    // Counted 100 € (five 20 € notes): 16,90 € short, beyond the 5 € tolerance.
    type_into(&mut till, den(2000), "5", false);
    type_into(&mut till, "close-next-float", "100", false);
    click(&mut till, "Cerrar el día");
    assert!(
        shows(&till, "Esperado"),
        "the comparison is shown after the count"
    );
    assert!(shows(&till, "−16,90 €"));
    assert!(shows(
        &till,
        "Cierre rechazado: descuadre de −16,90 € por encima de la tolerancia de 5,00 €. \
         Hace falta el PIN de otro encargado (no el de quien cierra) y una nota."
    ));
    assert!(
        with_ledger(&till, |l| l.last_close().unwrap().is_none()),
        "refused without approval"
    );
    // Approval with another manager's PIN (Pilar: Marta is closing) and a note.
    type_into(&mut till, "close-approver-pin", "5555", false);
    type_into(&mut till, "close-note", "Billete falso retirado", false);
    click(&mut till, "Cerrar el día");
    assert!(shows(
        &till,
        "Cierre Z 1 registrado · descuadre en efectivo −16,90 €"
    ));
    with_ledger(&till, move |l| {
        let z = l.last_close().unwrap().expect("Z stored");
        assert_eq!(z.z_number, 1);
        assert!(z.blind);
        assert_eq!(z.approved_by, Some(StaffId(3)));
        assert_eq!(z.ticket_count, 2);
        assert_eq!(z.over_short(Tender::Cash), Money::from_cents(-1690));
        assert_eq!(z.next_float, Some(Money::from_cents(10000)));
        assert!(l.open_shift().unwrap().is_none());
    });

    // The next shift opens with the float the Z left.
    click(&mut till, "Abrir caja");
    assert!(shows(&till, "Fondo dejado en el cierre Z 1: 100,00 €"));
    type_into(&mut till, den(5000), "2", false);
    click(&mut till, "Abrir turno");
    assert!(shows(&till, "Turno abierto con un fondo de 100,00 €"));
    with_ledger(&till, move |l| {
        assert_eq!(
            l.open_shift().unwrap().unwrap().float,
            Money::from_cents(10000)
        );
    });
}

#[test]
fn stock_receipt_and_count_by_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    manager_menu(&mut till);

    click(&mut till, "Recepción de mercancía");
    type_into(&mut till, "stock-scan", EAN, true);
    type_into(&mut till, "stock-scan", EAN, true);
    type_into(&mut till, "stock-scan", OTHER_EAN, true);
    type_into(&mut till, "stock-scan", "0000000000000", true);
    assert!(shows(&till, "código desconocido: 0000000000000"));
    assert!(shows(&till, "Aceite de oliva 1 L"));
    // Typing 2 after the scanned 1 makes 12: a whole case of water without twelve scans.
    type_into(&mut till, "stock-qty-1", "2", false);
    type_into(&mut till, "stock-ref", "ALB-2026-7", false);
    click(&mut till, "Registrar recepción");
    assert!(shows(
        &till,
        "Recepción de mercancía: 2 productos registrados (documento 1)"
    ));

    click(&mut till, "Recuento de stock");
    type_into(&mut till, "stock-scan", OTHER_EAN, true);
    click(&mut till, "Recuento parcial");
    assert!(shows(&till, "Recuento completo"));
    click(&mut till, "Registrar recuento");
    assert!(shows(
        &till,
        "Recuento de stock: 1 productos registrados (documento 2)"
    ));

    with_ledger(&till, move |l| {
        let DocumentBody::StockMovement(r) = l.document(1).unwrap().unwrap().body else {
            panic!("not a stock movement")
        };
        assert_eq!(r.kind, StockMovementKind::Receipt);
        assert_eq!(r.reference.as_deref(), Some("ALB-2026-7"));
        assert_eq!(r.lines[0].quantity, Quantity::units(2));
        assert_eq!(r.lines[1].quantity, Quantity::units(12));
        let DocumentBody::StockMovement(c) = l.document(2).unwrap().unwrap().body else {
            panic!("not a stock movement")
        };
        assert_eq!(c.kind, StockMovementKind::Count);
        assert_eq!(c.reason.as_deref(), Some("Recuento completo"));
        assert_eq!(l.outbox_len().unwrap(), 2);
    });
}

#[test]
fn clocking_in_and_out_at_the_till() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in(&dir);
    manager_menu(&mut till);
    click(&mut till, "Fichar entrada/salida");
    type_into(&mut till, "clock-pin", "1234", true);
    assert!(shows(&till, "Lucía: entrada registrada"));
    click(&mut till, "Fichar entrada/salida");
    type_into(&mut till, "clock-pin", "1234", true);
    assert!(shows(&till, "Lucía: salida registrada"));
    click(&mut till, "Fichar entrada/salida");
    type_into(&mut till, "clock-pin", "0000", true);
    assert!(shows(&till, "PIN incorrecto"));
}

#[test]
fn x_report_and_z_close_print_on_the_receipt_printer() {
    use pos_terminal_app::printing;
    use pos_terminal_app::settings::{Printer, Settings};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lp0");
    Settings {
        printer: Printer::File { path: out.clone() },
        ..Settings::default()
    }
    .save(&dir.path().join("settings.json"))
    .unwrap();
    let mut till = logged_in(&dir);
    manager_menu(&mut till);
    click(&mut till, "Abrir caja");
    type_into(&mut till, den(2000), "5", false);
    click(&mut till, "Abrir turno");
    click(&mut till, "Volver a vender");
    sell_one_for_20_cash(&mut till);

    let ledger = till.ledger().unwrap().clone();
    let flush = |till: &Till| printing::flush(till.print_queue().as_ref(), &ledger);
    flush(&till);
    let receipt_len = std::fs::read(&out).unwrap().len();

    manager_menu(&mut till);
    click(&mut till, "Informe X");
    click(&mut till, "Imprimir informe X");
    assert!(shows(&till, "Imprimiendo el informe X…"));
    assert_eq!(flush(&till), printing::Outcome::Printed(1));
    let x = std::fs::read(&out).unwrap()[receipt_len..].to_vec();
    let has = |hay: &[u8], s: &[u8]| hay.windows(s.len()).any(|w| w == s);
    assert!(has(&x, b"INFORME X"));
    assert!(has(&x, b"Ventas (1 tickets)"));
    assert!(has(&x, b"113,45"), "cash expected: 100 + 13,45");
    assert!(has(&x, b"IVA 21%: base 11,12 cuota 2,33"));
    // The same X as a PDF, kept beside the ledger, its place said on screen.
    click(&mut till, "Guardar en PDF");
    let reports = dir.path().join("reports");
    let saved = |prefix: &str| -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(&reports)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        v.retain(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix));
        v.sort();
        v
    };
    let xs = saved("X-");
    assert_eq!(xs.len(), 1, "{xs:?}");
    assert!(shows(
        &till,
        &format!("Informe guardado en PDF: {}", xs[0].display())
    ));
    let x_pdf = pdf_text(&xs[0]);
    if let Some(t) = &x_pdf {
        assert!(t.contains("INFORME X"), "{t}");
        assert!(
            t.contains("Ventas (1 tickets)") && t.contains("113,45"),
            "{t}"
        );
    }
    // Saved again: a second file, the first kept as it was.
    click(&mut till, "Guardar en PDF");
    assert_eq!(saved("X-").len(), 2);
    click(&mut till, "Volver");

    // Z: counted exactly what is expected (five 20 € notes, a 10 €, two 1 €, 45 cents).
    let x_len = std::fs::read(&out).unwrap().len();
    click(&mut till, "Cierre Z");
    type_into(&mut till, den(2000), "5", false);
    type_into(&mut till, den(1000), "1", false);
    type_into(&mut till, den(100), "3", false);
    type_into(&mut till, den(20), "2", false);
    type_into(&mut till, den(5), "1", false);
    click(&mut till, "Cerrar el día");
    assert!(shows(
        &till,
        "Cierre Z 1 registrado · descuadre en efectivo 0,00 €"
    ));
    assert_eq!(flush(&till), printing::Outcome::Printed(1));
    let z = std::fs::read(&out).unwrap()[x_len..].to_vec();
    assert!(has(&z, b"CIERRE Z N"));
    assert!(has(&z, b"Recuento a ciegas"));
    assert!(has(&z, b"Efectivo contado"));
    assert!(has(&z, b"Descuadre"));
    assert!(!has(&z, b"(falta)") && !has(&z, b"(sobra)"));
    assert!(has(&z, &[0x1D, 0x56, 0x41, 0x00]), "cut");
    // The Z is kept as a PDF too, whatever the printer did, named by its number and day.
    let zs = saved("Z-0001-");
    assert_eq!(zs.len(), 1, "{zs:?}");
    assert!(shows(
        &till,
        &format!("Informe guardado en PDF: {}", zs[0].display())
    ));
    if let Some(t) = pdf_text(&zs[0]) {
        assert!(t.contains("CIERRE Z N.º 1"), "{t}");
        assert!(
            t.contains("Recuento a ciegas") && t.contains("Efectivo contado"),
            "{t}"
        );
    }
}

/// The text of a PDF through pdftotext (poppler-utils), or None (said) when it is not installed.
fn pdf_text(path: &std::path::Path) -> Option<String> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "{}", path.display());
    match std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
    {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => {
            eprintln!("skipped: reading the PDF back needs pdftotext (poppler-utils)");
            None
        }
    }
}

#[test]
fn a_manager_with_no_shift_open_counts_the_float_at_login_and_a_z_stops_selling() {
    let dir = tempfile::tempdir().unwrap();
    let (mut till, _) = Till::with_ledger(ledger(&dir));
    // Marta logs in at a till with no shift: straight to counting the float, no second PIN.
    type_into(&mut till, "login-pin", "9876", true);
    assert!(matches!(till.screen, Screen::Manager(_)));
    assert!(shows(&till, "Abrir turno: cuente el fondo de caja"));
    assert!(shows(
        &till,
        "Aún no hay turno abierto: cuente el fondo de caja para abrirlo antes de vender."
    ));
    assert!(!shows(&till, "Gerencia: PIN de encargado"));
    type_into(&mut till, den(2000), "5", false);
    click(&mut till, "Abrir turno");
    // Opened: on to selling, with the float said on the sell screen.
    assert!(matches!(&till.screen, Screen::Sell(s) if s.shift_open));
    assert!(shows(&till, "Turno abierto con un fondo de 100,00 €"));
    sell_one_for_20_cash(&mut till);

    // Z: 110 € counted against 113,45 € expected, within the 5 € tolerance.
    manager_menu(&mut till);
    click(&mut till, "Cierre Z");
    type_into(&mut till, den(2000), "5", false);
    type_into(&mut till, den(1000), "1", false);
    type_into(&mut till, "close-next-float", "100", false);
    click(&mut till, "Cerrar el día");
    assert!(shows(
        &till,
        "Cierre Z 1 registrado · descuadre en efectivo −3,45 €"
    ));
    // The Z ended the shift: the sell screen says so before anything is scanned.
    click(&mut till, "Volver a vender");
    assert!(matches!(&till.screen, Screen::Sell(s) if !s.shift_open));
    assert!(shows(
        &till,
        "No hay turno abierto: un encargado debe abrirlo"
    ));
    assert!(!shows(&till, "Cobrar (F2)"));
    with_ledger(&till, move |l| {
        assert!(l.open_shift().unwrap().is_none(), "no automatic opening");
        assert_eq!(l.document_count().unwrap(), 3, "opening, sale, Z");
    });

    // Next morning: Marta logs in and counts the float the Z left, shown beside the count.
    click(&mut till, "Salir");
    type_into(&mut till, "login-pin", "9876", true);
    assert!(shows(&till, "Fondo dejado en el cierre Z 1: 100,00 €"));
    // Keyboard only: the count, then Enter in the grid opens the shift.
    type_into(&mut till, den(5000), "2", true);
    assert!(matches!(&till.screen, Screen::Sell(s) if s.shift_open));
    sell_one_for_20_cash(&mut till);
    with_ledger(&till, move |l| {
        assert_eq!(l.x_report().unwrap().ticket_count, 1);
        assert_eq!(
            l.x_report().unwrap().expected_cash(),
            Money::from_cents(11345)
        );
    });
}
