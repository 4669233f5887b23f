//! VERI*FACTU at the till's screens, through the headless iced_test Simulator: the About screen
//! (SistemaInformatico and the declaración responsable, in both languages) and the refund screen
//! finding a ticket from the AEAT QR printed on its receipt.

mod common;
use common::*;
use pos_terminal::{CartLine, Ledger, Staff, cash_payment};
use pos_terminal_app::screen::refund;
use pos_terminal_app::{Key, Message, Screen, Till};
use sync_protocol::verifactu::{Entorno, RegistroFacturacion, qr_url};
use sync_protocol::{CatalogChange, Money, ProductId, Quantity, StaffId, StaffRole, TaxRate};

const EAN: &str = "8412345678905";

/// Enrolled (store 1, till 7), one product, a cashier (1234) and a manager (9876), shift open.
fn ledger(dir: &tempfile::TempDir) -> Ledger {
    let mut changes: Vec<CatalogChange> = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, EAN));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    let mut l = enrolled_ledger(dir, changes);
    let marta = Staff {
        id: StaffId(2),
        name: "Marta".into(),
        role: StaffRole::Manager,
    };
    l.start_shift(&marta, Vec::new()).expect("shift");
    l
}

fn assert_shows(till: &Till, s: &str) {
    assert!(shows(till, s), "the screen does not show {s:?}");
}

#[test]
fn about_shows_the_system_identity_and_the_declaration_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = logged_in_with(ledger(&dir));
    send(&mut till, Message::Key(Key::Settings));
    click(&mut till, "Acerca de · VERI*FACTU");
    assert!(matches!(till.screen, Screen::About(_)));
    let version = pos_terminal::fiscal::SYSTEM_VERSION;
    for line in [
        "Acerca de Trastienda",
        "Nombre del sistema: Trastienda",
        "Identificador del sistema: TS",
        &format!("Versión: {version}"),
        "Número de instalación: TIENDA-0001-CAJA-0007",
        "Funciona solo como VERI*FACTU: Sí",
        "Emite facturas para: Ultramarinos Centro S.L. (B12345674)",
        "a) Nombre del sistema informático: Trastienda.",
        "b) Código identificador del sistema informático: TS.",
        &format!("c) Versión: {version}."),
        "e) El sistema se ha producido para funcionar exclusivamente como VERI*FACTU: sí.",
    ] {
        assert_shows(&till, line);
    }
    for letter in ["d)", "f)", "g)", "h)", "i)", "j)", "k)", "l)"] {
        assert!(
            shows_starting(&till, letter),
            "declaration letter {letter} missing"
        );
    }
    // This build names no producer, and the screen says so rather than pretending.
    if !pos_terminal::fiscal::producer_declared() {
        assert!(shows_starting(
            &till,
            "Esta compilación no tiene productor declarado"
        ));
        assert_shows(
            &till,
            "i) NIF de la persona o entidad productora: 00000000T.",
        );
    }
    // Esc goes back to the settings, where the language is switched; About follows it.
    send(&mut till, Message::Key(Key::Escape));
    assert!(matches!(till.screen, Screen::Settings(_)));
    click(&mut till, "English");
    click(&mut till, "About · VERI*FACTU");
    for line in [
        "About Trastienda",
        "Installation number: TIENDA-0001-CAJA-0007",
        "Runs only as VERI*FACTU: Yes",
        "Issues invoices for: Ultramarinos Centro S.L. (B12345674)",
        "a) Name of the invoicing system: Trastienda.",
    ] {
        assert_shows(&till, line);
    }
    assert!(!shows(&till, "Acerca de Trastienda"));
    click(&mut till, "Back (Esc)");
    assert!(matches!(till.screen, Screen::Settings(_)));
}

/// Whether some text on screen starts with `s`.
fn shows_starting(till: &Till, s: &str) -> bool {
    let mut ui = iced_test::simulator(till.view());
    ui.find(|c: iced_test::selector::Candidate<'_>| match c {
        iced_test::selector::Candidate::Text { content, .. } if content.starts_with(s) => Some(()),
        _ => None,
    })
    .is_ok()
}

#[test]
fn the_receipts_aeat_qr_finds_the_ticket_on_the_refund_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ledger(&dir);
    let sale = l
        .record_sale(
            Some(StaffId(1)),
            vec![CartLine {
                product_id: ProductId(1),
                barcode: Some(EAN.into()),
                name: "Aceite de oliva 1 L".into(),
                quantity: Quantity::one(),
                unit_price: Money::from_cents(1345),
                tax_rate: TaxRate::IVA_GENERAL,
                discount: Money::ZERO,
                weighed: false,
                promotion: None,
                promotion_discount: sync_protocol::Money::ZERO,
            }],
            Money::ZERO,
            vec![cash_payment(
                Money::from_cents(1345),
                Money::from_cents(2000),
            )],
        )
        .expect("sale");
    let Some(RegistroFacturacion::Alta(record)) = sale.verifactu.as_deref() else {
        panic!("the sale has its record")
    };
    // What the receipt's QR holds, as a scanner types it.
    let url = qr_url(
        Entorno::Produccion,
        &record.id_factura,
        record.importe_total,
    );
    assert!(url.starts_with("https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345674&numserie=T0007-000001&"));
    let mut till = logged_in_with(l);
    send(&mut till, Message::Key(Key::Refund));
    assert!(matches!(till.screen, Screen::Refund(_)));
    // The wedge routes a scan on the refund screen as the ticket plus Find.
    send(&mut till, Message::Refund(refund::Message::Ticket(url)));
    send(&mut till, Message::Refund(refund::Message::Find));
    assert!(
        shows_starting(&till, "Aceite de oliva 1 L"),
        "the ticket's line is offered for refund"
    );
    assert!(!shows_starting(&till, "No hay ningún ticket"));
}
