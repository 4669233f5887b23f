//! A store whose printer does not work e-mails its X report and its Z close through HQ: the
//! manager types an address under the report, the till draws the PDF and queues it in the ledger,
//! where it waits for the push (headless iced_test Simulator).

mod common;
use common::*;
use iced::widget::Id;
use pos_terminal_app::Till;
use pos_terminal_app::screen::manager::REPORT_MAIL_ID;
use sync_protocol::{CatalogChange, ReportKind, StaffRole};

const EAN: &str = "8412345678905";

fn den(cents: i64) -> Id {
    Id::from(pos_terminal_app::screen::manager::denomination_id(
        sync_protocol::Denomination::from_cents(cents).expect("euro"),
    ))
}

/// Logged in, a shift open with 100 € and one sale of 13,45 € in cash.
fn shift_with_a_sale(dir: &tempfile::TempDir) -> Till {
    let mut changes: Vec<CatalogChange> = Vec::new();
    changes.extend(product(1, "Aceite de oliva 1 L", 1345, EAN));
    changes.push(staff(1, "Lucía", StaffRole::Cashier, "1234"));
    changes.push(staff(2, "Marta", StaffRole::Manager, "9876"));
    let mut till = logged_in_with(enrolled_ledger(dir, changes));
    manager_menu(&mut till);
    click(&mut till, "Abrir caja");
    type_into(&mut till, den(2000), "5", false);
    click(&mut till, "Abrir turno");
    click(&mut till, "Volver a vender");
    type_into(&mut till, "scan", EAN, true);
    click(&mut till, "Cobrar (F2)");
    click(&mut till, "20,00 €");
    click(&mut till, "Confirmar cobro");
    till
}

/// The text of PDF bytes through pdftotext, or None (said) when it is not installed.
fn pdf_text(dir: &tempfile::TempDir, pdf: &[u8]) -> Option<String> {
    let path = dir.path().join("mailed.pdf");
    std::fs::write(&path, pdf).unwrap();
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
fn a_manager_emails_the_x_report_and_the_z_through_hq() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = shift_with_a_sale(&dir);

    manager_menu(&mut till);
    click(&mut till, "Informe X");
    assert!(shows(&till, "Enviar el informe X por correo"));
    // No address, then a wrong one: said, nothing queued.
    click(&mut till, "Enviar por correo");
    assert!(shows(
        &till,
        "Escriba el correo electrónico al que enviar el informe."
    ));
    type_into(&mut till, REPORT_MAIL_ID, "tienda.centro@", false);
    click(&mut till, "Enviar por correo");
    assert!(shows(
        &till,
        "«tienda.centro@» no es un correo electrónico válido."
    ));
    assert!(with_ledger(&till, |l| l.pending_hq_queue(10).unwrap()).is_empty());

    // Completed and sent (Enter in the field sends too): queued until HQ is reachable.
    type_into(&mut till, REPORT_MAIL_ID, "Example.es", true);
    assert!(shows(
        &till,
        "Informe en cola para tienda.centro@example.es: se enviará por la central en cuanto esté disponible."
    ));
    let queue = with_ledger(&till, |l| l.pending_hq_queue(10).unwrap());
    assert!(queue.customers.is_empty() && queue.mail_requests.is_empty());
    assert_eq!(queue.report_mails.len(), 1, "{queue:?}");
    let x = &queue.report_mails[0];
    assert_eq!(x.kind, ReportKind::X);
    assert_eq!(x.to, "tienda.centro@example.es");
    assert!(x.pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(
        x.file_name.starts_with("X-") && x.file_name.ends_with(".pdf"),
        "{}",
        x.file_name
    );
    assert!(x.subject.starts_with("Informe X · "), "{}", x.subject);
    if let Some(t) = pdf_text(&dir, &x.pdf) {
        assert!(t.contains("INFORME X"), "{t}");
        assert!(t.contains("113,45"), "cash expected: 100 + 13,45\n{t}");
    }
    // It waits for HQ with everything else the push carries.
    assert_eq!(with_ledger(&till, |l| l.hq_queue_len().unwrap()), 1);
    click(&mut till, "Volver");

    // The Z just closed is offered on the menu, the address kept.
    click(&mut till, "Cierre Z");
    type_into(&mut till, den(2000), "5", false);
    type_into(&mut till, den(1000), "1", false);
    type_into(&mut till, den(100), "3", false);
    type_into(&mut till, den(20), "2", false);
    type_into(&mut till, den(5), "1", false);
    click(&mut till, "Cerrar el día");
    assert!(shows(&till, "Enviar el cierre Z por correo"));
    click(&mut till, "Enviar por correo");
    assert!(shows(
        &till,
        "Informe en cola para tienda.centro@example.es: se enviará por la central en cuanto esté disponible."
    ));
    let queue = with_ledger(&till, |l| l.pending_hq_queue(10).unwrap());
    assert_eq!(queue.report_mails.len(), 2, "{queue:?}");
    let z = &queue.report_mails[1];
    assert_eq!(z.kind, ReportKind::Z);
    assert!(z.pdf.starts_with(b"%PDF-"));
    assert!(z.file_name.starts_with("Z-0001-"), "{}", z.file_name);
    assert!(z.subject.starts_with("Cierre Z 1 · "), "{}", z.subject);
    if let Some(t) = pdf_text(&dir, &z.pdf) {
        assert!(t.contains("CIERRE Z N.º 1"), "{t}");
    }
    assert_ne!(x.id, z.id);
}

#[test]
fn the_stores_email_from_hq_is_offered_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = shift_with_a_sale(&dir);
    // HQ sets the store's e-mail on its Tiendas page; the next pull brings it.
    let CatalogChange::Store(mut rec) = store() else {
        unreachable!("store() is a Store change")
    };
    rec.report_email = Some("centro@ultramarinos.example".into());
    let page = sync_protocol::ChangesPage {
        protocol_version: sync_protocol::PROTOCOL_VERSION,
        next_cursor: 1000,
        changes: vec![sync_protocol::Change {
            cursor: 1000,
            change: CatalogChange::Store(rec),
        }],
        has_more: false,
    };
    with_ledger(&till, move |l| {
        l.apply_changes(&page)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .expect("apply");

    // The field starts with it: one press sends the X there.
    manager_menu(&mut till);
    click(&mut till, "Informe X");
    click(&mut till, "Enviar por correo");
    assert!(shows(
        &till,
        "Informe en cola para centro@ultramarinos.example: se enviará por la central en cuanto esté disponible."
    ));
    let queue = with_ledger(&till, |l| l.pending_hq_queue(10).unwrap());
    assert_eq!(queue.report_mails.len(), 1, "{queue:?}");
    assert_eq!(queue.report_mails[0].to, "centro@ultramarinos.example");

    // Another address typed over it is used instead.
    feed(
        &mut till,
        vec![pos_terminal_app::Message::Manager(
            pos_terminal_app::screen::manager::Message::MailTo(String::new()),
        )],
    );
    type_into(&mut till, REPORT_MAIL_ID, "encargada@example.es", true);
    let queue = with_ledger(&till, |l| l.pending_hq_queue(10).unwrap());
    assert_eq!(queue.report_mails[1].to, "encargada@example.es");
}
