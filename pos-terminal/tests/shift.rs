//! The store manager's cash arithmetic on a real ledger: float, takings, refunds, cash in and out,
//! the Z close with its tolerance and approval, gapless Z numbers across a reopen; stock and clock.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pos_terminal::shift::DEFAULT_CASH_TOLERANCE_CENTS;
use pos_terminal::{
    Approval, CloseCount, Ledger, LedgerError, ShiftError, Staff, StockSession, card_payment,
    cash_payment,
};
use sync_protocol::*;
use uuid::Uuid;

fn manager() -> Staff {
    Staff {
        id: StaffId(11),
        name: "Marta".into(),
        role: StaffRole::Manager,
    }
}

fn cashier() -> Staff {
    Staff {
        id: StaffId(10),
        name: "Lucía".into(),
        role: StaffRole::Cashier,
    }
}

fn den(cents: i64, count: u32) -> DenominationCount {
    DenominationCount {
        denomination: Denomination::from_cents(cents).unwrap(),
        count,
    }
}

/// A count that adds up to exactly `cents`, in 1-cent coins and 5 € notes.
fn count_of(cents: i64) -> Vec<DenominationCount> {
    vec![den(500, (cents / 500) as u32), den(1, (cents % 500) as u32)]
}

fn ready(dir: &tempfile::TempDir) -> Ledger {
    let mut l = open_enrolled(dir, "https://hq.example");
    l.apply_changes(&catalog_page()).unwrap();
    l
}

fn sale_with(l: &mut Ledger, cents: i64, payments: Vec<Payment>) -> Document {
    l.record_sale(
        Some(StaffId(10)),
        vec![line(1, cents, 1)],
        Money::ZERO,
        payments,
    )
    .unwrap()
}

fn refund_cash(l: &mut Ledger, original: &Document, cents: i64) -> Document {
    let lines = vec![line(1, cents, 1).to_sale_line()];
    let totals = compute_totals(&[lines[0].input()], Money::ZERO).unwrap();
    l.record_document(DocumentBody::Refund(Refund {
        refund_number: String::new(),
        original_sale_id: original.id,
        original_ticket_number: "T0007-000001".into(),
        cashier_id: Some(StaffId(10)),
        approved_by: Some(StaffId(11)),
        reason: "Defectuoso".into(),
        lines,
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::now_v7(),
            tender: Tender::Cash,
            amount: Money::from_cents(cents),
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    }))
    .unwrap()
}

fn close(staff: Staff, cash: Vec<DenominationCount>, approval: Option<Approval>) -> CloseCount {
    CloseCount {
        staff,
        cash,
        other: Vec::new(),
        blind: true,
        next_float: Money::ZERO,
        approval,
    }
}

#[test]
fn sales_and_refunds_need_an_open_shift_and_a_z_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    let cash_sale = |l: &mut Ledger| {
        l.record_sale(
            Some(StaffId(10)),
            vec![line(1, 1000, 1)],
            Money::ZERO,
            vec![cash_payment(
                Money::from_cents(1000),
                Money::from_cents(2000),
            )],
        )
    };
    // A fresh till: no shift, so the ledger refuses the sale and takes no number.
    let err = cash_sale(&mut l).unwrap_err();
    assert!(matches!(err, LedgerError::NoOpenShift), "{err:?}");
    assert!(err.to_string().contains("no shift is open"), "{err}");
    assert_eq!(l.last_seq().unwrap(), 0);
    assert_eq!(l.outbox_len().unwrap(), 0);

    l.start_shift(&manager(), count_of(10000)).unwrap();
    let sale = cash_sale(&mut l).unwrap();
    assert_eq!(sale.seq, 2);
    refund_cash(&mut l, &sale, 1000);
    let z = l
        .close_day(CloseCount {
            next_float: Money::from_cents(10000),
            ..close(manager(), count_of(10000), None)
        })
        .unwrap();

    // The Z ended the shift; its next float is recorded but opens nothing by itself: the manager
    // who opens the next shift counts the drawer again.
    assert!(l.open_shift().unwrap().is_none());
    assert_eq!(
        l.last_close().unwrap().unwrap().next_float,
        Some(Money::from_cents(10000))
    );
    assert!(matches!(cash_sale(&mut l), Err(LedgerError::NoOpenShift)));
    let DocumentBody::Sale(s) = &sale.body else {
        panic!("not a sale")
    };
    let refund = DocumentBody::Refund(Refund {
        refund_number: String::new(),
        original_sale_id: sale.id,
        original_ticket_number: s.ticket_number.clone(),
        cashier_id: Some(StaffId(10)),
        approved_by: Some(StaffId(11)),
        reason: "Defectuoso".into(),
        lines: s.lines.clone(),
        ticket_discount: Money::ZERO,
        payments: vec![cash_payment(
            Money::from_cents(1000),
            Money::from_cents(1000),
        )],
        totals: s.totals.clone(),
    });
    assert!(matches!(
        l.record_document(refund.clone()),
        Err(LedgerError::NoOpenShift)
    ));
    assert_eq!(l.last_seq().unwrap(), z.seq, "refusals took no number");

    // Other documents do not need a shift: stock and the time clock go on.
    assert_eq!(l.clock(&cashier()).unwrap().1, ClockDirection::In);

    l.start_shift(&manager(), count_of(10000)).unwrap();
    cash_sale(&mut l).unwrap();
    l.record_document(refund).unwrap();
    assert_eq!(l.verify_chain().unwrap(), l.last_seq().unwrap());
}

#[test]
fn change_given_is_not_counted_as_cash_received() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    l.start_shift(&manager(), vec![den(2000, 5)]).unwrap();
    // 13,45 € paid with a 50 € note: 36,55 € change goes back out of the drawer.
    sale_with(
        &mut l,
        1345,
        vec![cash_payment(
            Money::from_cents(1345),
            Money::from_cents(5000),
        )],
    );
    let x = l.x_report().unwrap();
    assert_eq!(x.opening_float(), Money::from_cents(10000));
    assert_eq!(x.expected_cash(), Money::from_cents(11345));
    assert_eq!(x.ticket_count, 1);
}

#[test]
fn a_split_tender_counts_only_its_cash_part() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    l.start_shift(&manager(), vec![den(1000, 5)]).unwrap();
    // 30 €: 10 € in cash (paid with a 20 € note) and 20 € by card.
    sale_with(
        &mut l,
        3000,
        vec![
            cash_payment(Money::from_cents(1000), Money::from_cents(2000)),
            card_payment(Money::from_cents(2000), Some("AUTH 1".into())),
        ],
    );
    let x = l.x_report().unwrap();
    let expected = x.expected();
    assert_eq!(expected[0].tender, Tender::Cash);
    assert_eq!(expected[0].amount, Money::from_cents(5000 + 1000));
    assert_eq!(expected[1].tender, Tender::Card);
    assert_eq!(expected[1].amount, Money::from_cents(2000));
    assert_eq!(x.gross, Money::from_cents(3000));
}

#[test]
fn expected_cash_is_float_plus_sales_minus_refunds_plus_in_minus_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    assert!(matches!(
        l.cash_movement(
            &cashier(),
            CashMovementDirection::In,
            Money::from_cents(100),
            "x"
        ),
        Err(ShiftError::NoOpenShift)
    ));
    l.start_shift(&manager(), count_of(15000)).unwrap();
    assert!(matches!(
        l.start_shift(&manager(), count_of(100)),
        Err(ShiftError::AlreadyOpen(_))
    ));
    let s1 = sell(&mut l, 2000); // cash 20 €, tendered 21 €
    sell(&mut l, 455);
    refund_cash(&mut l, &s1, 2000);
    l.cash_movement(
        &cashier(),
        CashMovementDirection::In,
        Money::from_cents(5000),
        "Cambio del banco",
    )
    .unwrap();
    l.cash_movement(
        &manager(),
        CashMovementDirection::Out,
        Money::from_cents(1250),
        "Pago al proveedor de hielo",
    )
    .unwrap();
    assert!(l.no_sale(Some(StaffId(10)), &cashier(), "cambio").is_err());
    l.no_sale(Some(StaffId(10)), &manager(), "cambio").unwrap();
    let x = l.x_report().unwrap();
    // 150 + (20 + 4,55) − 20 + 50 − 12,50
    assert_eq!(x.expected_cash(), Money::from_cents(19205));
    assert_eq!(x.refund_count, 1);
    assert_eq!(x.no_sales, 1);
    assert_eq!(x.cash_in, Money::from_cents(5000));
    assert_eq!(x.cash_out, Money::from_cents(1250));
    let net_tax: Money = x.taxes.iter().map(|t| t.gross).sum();
    assert_eq!(net_tax, Money::from_cents(455));
}

#[test]
fn z_numbers_stay_gapless_across_a_reopen_and_a_refused_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    let z1_seq;
    {
        let mut l = ready(&dir);
        assert_eq!(
            l.cash_tolerance().unwrap(),
            Money::from_cents(DEFAULT_CASH_TOLERANCE_CENTS)
        );
        l.start_shift(&manager(), count_of(10000)).unwrap();
        for _ in 0..3 {
            sell(&mut l, 1000);
        }
        // 2 € short: within the 5 € tolerance, no approval needed.
        let z1 = l
            .close_day(CloseCount {
                next_float: Money::from_cents(10000),
                ..close(manager(), count_of(12800), None)
            })
            .unwrap();
        let DocumentBody::CashClose(c) = &z1.body else {
            panic!("not a close")
        };
        assert_eq!((c.z_number, c.first_seq, c.last_seq), (1, 1, 4));
        assert_eq!(c.over_short(Tender::Cash), Money::from_cents(-200));
        assert_eq!(c.ticket_count, 3);
        assert_eq!(c.next_float, Some(Money::from_cents(10000)));
        assert!(c.approved_by.is_none() && c.blind);
        z1_seq = z1.seq;
        assert!(l.open_shift().unwrap().is_none());
        // Between shifts nothing can be sold: the sale waits for the next opening.
        assert!(matches!(
            l.record_sale(
                Some(StaffId(10)),
                vec![line(1, 500, 1)],
                Money::ZERO,
                vec![cash_payment(Money::from_cents(500), Money::from_cents(500))],
            ),
            Err(LedgerError::NoOpenShift)
        ));
        assert_eq!(l.last_seq().unwrap(), z1_seq, "the refusal took no number");
        // Dropped without any shutdown: the next process starts from the file alone.
    }
    let mut l = Ledger::open(&path).unwrap();
    assert_eq!(l.last_close().unwrap().unwrap().z_number, 1);
    // Only a manager opens the drawer for the day; a cashier's attempt records nothing.
    assert!(matches!(
        l.start_shift(&cashier(), count_of(10000)),
        Err(ShiftError::NotManager(_))
    ));
    assert_eq!(l.last_seq().unwrap(), z1_seq);
    l.start_shift(&manager(), count_of(10000)).unwrap();
    sell(&mut l, 500); // the sale refused between shifts, rung again in the new one
    sell(&mut l, 2000);
    let before = l.last_seq().unwrap();
    // 25 € short: beyond the tolerance.
    let short = count_of(10000 + 500 + 2000 - 2500);
    match l.close_day(close(cashier(), short.clone(), None)) {
        Err(ShiftError::NeedsApproval {
            over_short,
            tolerance,
        }) => {
            assert_eq!(over_short, Money::from_cents(-2500));
            assert_eq!(tolerance, Money::from_cents(500));
        }
        other => panic!("expected NeedsApproval, got {other:?}"),
    }
    let by_cashier = Approval {
        manager: cashier(),
        note: "no sé".into(),
    };
    assert!(matches!(
        l.close_day(close(cashier(), short.clone(), Some(by_cashier))),
        Err(ShiftError::NotManager(_))
    ));
    let no_note = Approval {
        manager: manager(),
        note: " ".into(),
    };
    assert!(matches!(
        l.close_day(close(cashier(), short.clone(), Some(no_note))),
        Err(ShiftError::NoteRequired)
    ));
    assert_eq!(l.last_seq().unwrap(), before, "refusals recorded nothing");
    let ok = Approval {
        manager: manager(),
        note: "Pago en efectivo sin anotar".into(),
    };
    let z2 = l.close_day(close(cashier(), short, Some(ok))).unwrap();
    let DocumentBody::CashClose(c) = &z2.body else {
        panic!("not a close")
    };
    assert_eq!(c.z_number, 2);
    assert_eq!(c.first_seq, z1_seq + 1);
    assert_eq!(c.last_seq, z2.seq - 1);
    assert_eq!(c.ticket_count, 2);
    assert_eq!(c.approved_by, Some(StaffId(11)));
    assert_eq!(c.opening_float, Money::from_cents(10000));
    // The override is in the audit trail right after the close.
    let audit = l.document(z2.seq + 1).unwrap().unwrap();
    match audit.body {
        DocumentBody::AuditEvent(a) => {
            assert_eq!(a.action, AuditAction::ToleranceOverride);
            assert_eq!(a.reference.as_deref(), Some("Z 2"));
        }
        other => panic!("expected the audit entry, got {other:?}"),
    }
    assert_eq!(l.verify_chain().unwrap(), l.last_seq().unwrap());
    drop(l);
    let mut l = Ledger::open(&path).unwrap();
    l.set_cash_tolerance(Money::from_cents(10000)).unwrap();
    l.start_shift(&manager(), count_of(500)).unwrap();
    let z3 = l
        .close_day(close(manager(), count_of(0), None))
        .expect("5 € short is within a 100 € tolerance");
    let DocumentBody::CashClose(c) = &z3.body else {
        panic!("not a close")
    };
    assert_eq!(c.z_number, 3);
}

/// The page HQ sends when it changes this store's settings.
fn store_page(cursor: i64, tolerance: Option<Money>, header: &str) -> ChangesPage {
    ChangesPage {
        protocol_version: PROTOCOL_VERSION,
        changes: vec![Change {
            cursor,
            change: CatalogChange::Store(StoreRecord {
                id: StoreId(2),
                name: "Gran Vía 12".into(),
                address: "Gran Vía 12, 28013 Madrid".into(),
                franchisee_id: FranchiseeId(1),
                franchisee_legal_name: "Ultramarinos Centro S.L.".into(),
                franchisee_nif: "B12345674".into(),
                receipt_footer: "Gracias".into(),
                receipt_header: header.into(),
                cash_tolerance: tolerance,
                time_zone: None,
                single_manager: false,
                report_email: None,
            }),
        }],
        next_cursor: cursor,
        has_more: false,
    }
}

#[test]
fn the_tolerance_pulled_from_hq_decides_what_a_z_close_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    // Before HQ sends one, the till's own setting applies (here raised to 10 €).
    l.set_cash_tolerance(Money::from_cents(1000)).unwrap();
    assert_eq!(l.cash_tolerance().unwrap(), Money::from_cents(1000));
    // A Store record from an HQ that knows nothing of tolerances changes nothing.
    l.apply_changes(&store_page(20, None, "")).unwrap();
    assert_eq!(l.cash_tolerance().unwrap(), Money::from_cents(1000));

    // HQ sets 1,00 € for this store: a 3 € short that the local 10 € allowed now needs approval.
    l.apply_changes(&store_page(
        21,
        Some(Money::from_cents(100)),
        "Abierto 9-21 h",
    ))
    .unwrap();
    assert_eq!(l.cash_tolerance().unwrap(), Money::from_cents(100));
    l.set_cash_tolerance(Money::from_cents(5000)).unwrap();
    assert_eq!(
        l.cash_tolerance().unwrap(),
        Money::from_cents(100),
        "HQ's value wins over the till's own setting"
    );
    l.start_shift(&manager(), count_of(10000)).unwrap();
    sell(&mut l, 1000);
    let before = l.last_seq().unwrap();
    match l.close_day(close(manager(), count_of(10700), None)) {
        Err(ShiftError::NeedsApproval {
            over_short,
            tolerance,
        }) => {
            assert_eq!(over_short, Money::from_cents(-300));
            assert_eq!(tolerance, Money::from_cents(100));
        }
        other => panic!("expected NeedsApproval, got {other:?}"),
    }
    assert_eq!(
        l.last_seq().unwrap(),
        before,
        "the refusal recorded nothing"
    );

    // HQ raises it to 4,00 € (the pull survives a restart): the same count closes unapproved.
    l.apply_changes(&store_page(
        22,
        Some(Money::from_cents(400)),
        "Abierto 9-21 h",
    ))
    .unwrap();
    drop(l);
    let mut l = Ledger::open(dir.path().join("till.db")).unwrap();
    assert_eq!(l.cash_tolerance().unwrap(), Money::from_cents(400));
    let z = l
        .close_day(close(manager(), count_of(10700), None))
        .expect("3 € short is within HQ's 4 €");
    let DocumentBody::CashClose(c) = &z.body else {
        panic!("not a close")
    };
    assert!(c.approved_by.is_none());
    assert_eq!(c.over_short(Tender::Cash), Money::from_cents(-300));
    assert_eq!(
        l.store_info().unwrap().unwrap().receipt_header,
        "Abierto 9-21 h"
    );
}

#[test]
fn the_closing_manager_cannot_approve_her_own_over_short_unless_hq_says_single_manager() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    l.apply_changes(&store_page(30, Some(Money::from_cents(100)), ""))
        .unwrap();
    assert!(!l.single_manager().unwrap());
    l.start_shift(&manager(), count_of(10000)).unwrap();
    sell(&mut l, 1000);
    let before = l.last_seq().unwrap();
    let own = || Approval {
        manager: manager(),
        note: "Me equivoqué en el cambio".into(),
    };
    match l.close_day(close(manager(), count_of(10700), Some(own()))) {
        Err(ShiftError::OwnApproval(name)) => assert_eq!(name, manager().name),
        other => panic!("expected OwnApproval, got {other:?}"),
    }
    assert_eq!(
        l.last_seq().unwrap(),
        before,
        "the refusal recorded nothing"
    );
    // A cashier's close approved by the manager is two people: accepted as before (covered
    // above); here HQ marks the store as having a single manager, and her own PIN does.
    let mut page = store_page(31, Some(Money::from_cents(100)), "");
    if let CatalogChange::Store(s) = &mut page.changes[0].change {
        s.single_manager = true;
    }
    l.apply_changes(&page).unwrap();
    drop(l);
    let mut l = Ledger::open(dir.path().join("till.db")).unwrap();
    assert!(l.single_manager().unwrap(), "kept across a restart");
    let z = l
        .close_day(close(manager(), count_of(10700), Some(own())))
        .expect("a single-manager store approves its own");
    let DocumentBody::CashClose(c) = &z.body else {
        panic!("not a close")
    };
    assert_eq!(c.approved_by, Some(manager().id));
}

#[test]
fn stock_receipt_count_and_waste_become_stock_movements() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    let mut s = StockSession::new(StockMovementKind::Receipt);
    s.scan(&l, "8412345678905").unwrap();
    s.scan(&l, "8412345678905").unwrap();
    s.scan(&l, "5901234123457").unwrap();
    assert!(s.scan(&l, "0000000000000").is_err());
    s.set_quantity(1, Quantity::units(24)).unwrap();
    let d = s
        .record(&mut l, Some(StaffId(11)), None, Some("ALB-42"))
        .unwrap();
    let DocumentBody::StockMovement(m) = &d.body else {
        panic!()
    };
    assert_eq!(m.lines.len(), 2);
    assert_eq!(m.lines[0].quantity, Quantity::units(2));
    assert_eq!(m.lines[1].quantity, Quantity::units(24));
    assert_eq!(m.reference.as_deref(), Some("ALB-42"));

    let mut w = StockSession::new(StockMovementKind::Waste);
    w.scan(&l, "4006381333931").unwrap();
    assert!(
        w.record(&mut l, None, None, None).is_err(),
        "waste needs a reason"
    );
    let d = w.record(&mut l, None, Some("Roto"), None).unwrap();
    let DocumentBody::StockMovement(m) = &d.body else {
        panic!()
    };
    assert_eq!(m.lines[0].quantity, Quantity::units(-1));
    assert_eq!(l.outbox_len().unwrap(), 2);
}

#[test]
fn clocking_toggles_in_and_out_per_person() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = ready(&dir);
    assert_eq!(l.clock(&cashier()).unwrap().1, ClockDirection::In);
    assert_eq!(l.clock(&manager()).unwrap().1, ClockDirection::In);
    assert!(l.clocked_in_since(StaffId(10)).unwrap().is_some());
    assert_eq!(l.clock(&cashier()).unwrap().1, ClockDirection::Out);
    assert!(l.clocked_in_since(StaffId(10)).unwrap().is_none());
    assert!(l.clocked_in_since(StaffId(11)).unwrap().is_some());
}
