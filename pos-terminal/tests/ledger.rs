//! Ledger tests on real SQLite files: migrations, locking, corruption, sequencing, catalog.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pos_terminal::{Ledger, LedgerError, OpenNote, cash_payment};
use rusqlite::Connection;
use sync_protocol::*;

#[test]
fn migrates_from_scratch_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    {
        let l = Ledger::open(&path).unwrap();
        assert_eq!(
            l.schema_version().unwrap(),
            pos_terminal::ledger::SCHEMA_VERSION
        );
        assert_eq!(l.document_count().unwrap(), 0);
        assert_eq!(l.cursor().unwrap(), 0);
        assert!(l.identity().unwrap().is_none());
    }
    let l = Ledger::open(&path).unwrap();
    assert_eq!(
        l.schema_version().unwrap(),
        pos_terminal::ledger::SCHEMA_VERSION
    );
    let c = Connection::open_in_memory().unwrap();
    drop(c);
}

#[test]
fn pragmas_are_durable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    drop(Ledger::open(&path).unwrap());
    // Journal mode is persistent in the file.
    let c = Connection::open(&path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    drop(Ledger::open(&path).unwrap());
    {
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = Ledger::open(&path).unwrap_err();
    match &err {
        LedgerError::TooNew {
            found, supported, ..
        } => {
            assert_eq!(*found, 99);
            assert_eq!(*supported, pos_terminal::ledger::SCHEMA_VERSION);
        }
        e => panic!("unexpected {e}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("99") && msg.contains("newer"), "{msg}");
    // Untouched, still there.
    assert!(path.exists());
}

#[test]
fn corrupt_file_is_set_aside_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    let garbage = b"this is not a sqlite database, it is a shopping list: pan, leche".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let err = Ledger::open(&path).unwrap_err();
    let aside = match &err {
        LedgerError::CorruptSetAside { path: aside, .. } => aside.clone(),
        e => panic!("unexpected {e}"),
    };
    assert!(err.to_string().contains(&aside.display().to_string()));
    assert!(
        aside
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("till.db.corrupt-")
    );
    assert_eq!(std::fs::read(&aside).unwrap(), garbage);
    assert!(!path.exists());

    // open_or_recover starts fresh and says where the old one went.
    std::fs::write(&path, &garbage).unwrap();
    let (l, note) = Ledger::open_or_recover(&path).unwrap();
    match note {
        OpenNote::Recovered { set_aside, .. } => {
            assert_eq!(std::fs::read(&set_aside).unwrap(), garbage)
        }
        n => panic!("unexpected {n:?}"),
    }
    assert_eq!(l.document_count().unwrap(), 0);
    let (_l2, note) = {
        drop(l);
        Ledger::open_or_recover(&path).unwrap()
    };
    assert_eq!(note, OpenNote::Opened);
}

#[test]
fn a_second_process_cannot_open_the_same_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    let l = Ledger::open(&path).unwrap();
    // Another connection (SQLite locks apply between connections, as between processes).
    match Ledger::open(&path) {
        Err(LedgerError::Locked { .. }) => {}
        other => panic!("expected Locked, got {other:?}"),
    }
    let raw = Connection::open(&path).unwrap();
    raw.busy_timeout(std::time::Duration::ZERO).unwrap();
    assert!(
        raw.query_row("SELECT COUNT(*) FROM documents", [], |r| r.get::<_, i64>(0))
            .is_err(),
        "a raw reader must not get in either"
    );
    drop(raw);
    drop(l);
    Ledger::open(&path).unwrap();
}

#[test]
fn sales_need_enrolment() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(dir.path().join("till.db")).unwrap();
    let r = l.record_sale(
        None,
        vec![line(1, 100, 1)],
        Money::ZERO,
        vec![cash_payment(Money::from_cents(100), Money::from_cents(100))],
    );
    assert!(matches!(r, Err(LedgerError::NotEnrolled)));
    assert_eq!(l.last_seq().unwrap(), 0);
    l.enrol("https://hq.example", &enroll_response(), "caja")
        .unwrap();
    assert!(matches!(
        l.enrol("https://hq.example", &enroll_response(), "caja"),
        Err(LedgerError::AlreadyEnrolled(TillId(7)))
    ));
    let id = l.identity().unwrap().unwrap();
    assert!(!format!("{id:?}").contains("secret-token"));
}

#[test]
fn sales_are_gapless_chained_and_queued() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_selling(&dir, "https://hq.example");
    // Seq 1 is the shift opening; sales follow it, ticket numbers still start at 1.
    assert_eq!(open_shift(&mut l).seq, 1);
    let mut total = 0;
    for i in 1..=20 {
        let d = sell(&mut l, 100 + i);
        total += 100 + i;
        assert_eq!(d.seq, i as u64 + 1);
        match &d.body {
            DocumentBody::Sale(s) => assert_eq!(s.ticket_number, format!("T0007-{i:06}")),
            b => panic!("unexpected {b:?}"),
        }
        d.body.validate().unwrap();
    }
    assert_eq!(l.document_count().unwrap(), 21);
    assert_eq!(l.outbox_len().unwrap(), 21);
    assert_eq!(l.verify_chain().unwrap(), 21);
    assert_eq!(l.sales_gross().unwrap(), Money::from_cents(total));

    // A non-sale document takes the next seq but not a ticket number.
    let d = l
        .record_document(DocumentBody::CashMovement(CashMovement {
            direction: CashMovementDirection::Out,
            amount: Money::from_cents(2000),
            reason: "pago proveedor".into(),
            staff_id: Some(StaffId(11)),
        }))
        .unwrap();
    assert_eq!(d.seq, 22);
    let s = sell(&mut l, 500);
    assert_eq!(s.seq, 23);
    match &s.body {
        DocumentBody::Sale(s) => assert_eq!(s.ticket_number, "T0007-000021"),
        b => panic!("unexpected {b:?}"),
    }
    assert_eq!(l.document(22).unwrap().unwrap(), d);
    assert_eq!(l.verify_chain().unwrap(), 23);
}

#[test]
fn invalid_documents_consume_no_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_selling(&dir, "https://hq.example");
    open_shift(&mut l);
    sell(&mut l, 100);
    // Payments short of the total: refused after the counter was bumped, inside the transaction.
    let r = l.record_sale(
        None,
        vec![line(1, 100, 1)],
        Money::ZERO,
        vec![cash_payment(Money::from_cents(50), Money::from_cents(50))],
    );
    assert!(matches!(r, Err(LedgerError::Invalid(_))), "{r:?}");
    // Bad totals input: refused before the transaction.
    let r = l.record_sale(None, vec![], Money::ZERO, vec![]);
    assert!(matches!(r, Err(LedgerError::Totals(_))));
    let r = l.record_document(DocumentBody::CashMovement(CashMovement {
        direction: CashMovementDirection::In,
        amount: Money::ZERO,
        reason: "x".into(),
        staff_id: None,
    }));
    assert!(matches!(r, Err(LedgerError::Invalid(_))));
    assert_eq!(sell(&mut l, 100).seq, 3);
    assert_eq!(l.verify_chain().unwrap(), 3);
}

#[test]
fn crash_and_reopen_keeps_the_sequence_gapless() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    {
        let mut l = open_selling(&dir, "https://hq.example");
        open_shift(&mut l);
        for _ in 0..5 {
            sell(&mut l, 100);
        }
        // A failure mid-transaction, then the process "dies" (ledger dropped without cleanup).
        let _ = l.record_sale(
            None,
            vec![line(1, 100, 1)],
            Money::ZERO,
            vec![cash_payment(Money::from_cents(1), Money::from_cents(1))],
        );
        std::mem::forget(l); // no orderly close: WAL left as a crash would leave it
    }
    // The forgotten connection still holds the lock in this process; a real crash releases it.
    // Copy the files as a crash would leave them on disk and reopen the copy.
    let crash = dir.path().join("crash.db");
    std::fs::copy(&path, &crash).unwrap();
    let wal = dir.path().join("till.db-wal");
    if wal.exists() {
        std::fs::copy(&wal, dir.path().join("crash.db-wal")).unwrap();
    }
    let mut l = Ledger::open(&crash).unwrap();
    assert_eq!(l.last_seq().unwrap(), 6);
    assert_eq!(l.verify_chain().unwrap(), 6);
    assert_eq!(sell(&mut l, 100).seq, 7);
    assert_eq!(l.outbox_len().unwrap(), 7);
    assert_eq!(l.verify_chain().unwrap(), 7);
}

#[test]
fn documents_cannot_be_edited_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    {
        let mut l = open_selling(&dir, "https://hq.example");
        open_shift(&mut l);
        sell(&mut l, 100);
        sell(&mut l, 200);
    }
    let c = Connection::open(&path).unwrap();
    assert!(
        c.execute("UPDATE documents SET json = '{}' WHERE seq = 1", [])
            .is_err()
    );
    assert!(
        c.execute("DELETE FROM documents WHERE seq = 1", [])
            .is_err()
    );
    // Tampering that bypasses the trigger is caught by verify_chain.
    c.execute_batch(
        "DROP TRIGGER documents_immutable_update;
         UPDATE documents SET json = replace(json, '\"1.00\"', '\"9.00\"') WHERE seq = 2;",
    )
    .unwrap();
    drop(c);
    let l = Ledger::open(&path).unwrap();
    assert!(l.verify_chain().is_err());
}

#[test]
fn outbox_pending_ack_and_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_selling(&dir, "https://hq.example");
    open_shift(&mut l); // seq 1; the ten sales are 2..=11
    for _ in 0..10 {
        sell(&mut l, 100);
    }
    let first_time = l.document(1).unwrap().unwrap().till_time;
    assert_eq!(l.oldest_unacknowledged().unwrap(), Some(first_time));
    let p = l.pending_outbox(4).unwrap();
    assert_eq!(
        p.iter().map(|d| d.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(l.ack(&[1, 2, 4]).unwrap(), 3);
    assert_eq!(l.ack(&[1]).unwrap(), 0, "acking twice is harmless");
    l.mark_conflict(3, "different hash at seq 3").unwrap();
    let p = l.pending_outbox(100).unwrap();
    assert_eq!(p.first().unwrap().seq, 5);
    assert_eq!(p.len(), 7);
    assert_eq!(l.outbox_len().unwrap(), 8);
    let third = l.document(3).unwrap().unwrap().till_time;
    assert_eq!(l.oldest_unacknowledged().unwrap(), Some(third));
    assert_eq!(
        l.conflicts().unwrap(),
        vec![(3, "different hash at seq 3".into())]
    );
    // Documents stay in the ledger whatever happens to the outbox.
    assert_eq!(l.document_count().unwrap(), 11);
}

#[test]
fn barcode_lookup_search_and_store_price() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_enrolled(&dir, "https://hq.example");
    assert_eq!(l.apply_changes(&catalog_page()).unwrap(), 12);
    assert_eq!(l.cursor().unwrap(), 12);

    let cafe = l.lookup_barcode("8412345678905").unwrap().unwrap();
    assert_eq!(cafe.name, "Café con leche");
    assert_eq!(cafe.price, Money::from_cents(150));
    assert!(!cafe.store_override);
    assert_eq!(cafe.barcode.as_deref(), Some("8412345678905"));

    let jamon = l.lookup_barcode("4006381333931").unwrap().unwrap();
    assert_eq!(jamon.price, Money::from_cents(3999), "store price wins");
    assert_eq!(jamon.hq_price, Money::from_cents(4500));
    assert!(jamon.store_override);
    assert!(l.lookup_barcode("0000000000000").unwrap().is_none());

    let names = |q: &str| {
        let mut v: Vec<String> = l
            .search_products(q, 20)
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("cafe"), vec!["Cafetera italiana", "Café con leche"]);
    assert_eq!(names("CAFÉ"), vec!["Cafetera italiana", "Café con leche"]);
    assert_eq!(names("caf le"), vec!["Café con leche"]);
    assert_eq!(names("jamon ib"), vec!["Jamón ibérico"]);
    assert_eq!(names("ja"), vec!["Jamón ibérico"]);
    assert!(
        names("\"*) OR NEAR(").is_empty(),
        "syntax is neutralised, not an error"
    );
    assert!(names("x").is_empty());
    let j = l.search_products("jam", 5).unwrap();
    assert_eq!(j[0].price, Money::from_cents(3999));
    assert_eq!(j[0].barcode.as_deref(), Some("4006381333931"));
}

#[test]
fn apply_changes_is_idempotent_and_keeps_search_in_sync() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_enrolled(&dir, "https://hq.example");
    let page = catalog_page();
    assert_eq!(l.apply_changes(&page).unwrap(), 12);
    assert_eq!(
        l.apply_changes(&page).unwrap(),
        0,
        "same page again applies nothing"
    );
    assert_eq!(l.cursor().unwrap(), 12);
    assert_eq!(l.search_products("cafe", 10).unwrap().len(), 2);

    let next = ChangesPage {
        protocol_version: PROTOCOL_VERSION,
        changes: vec![
            Change {
                cursor: 13,
                change: product(2, "Tetera de cerámica", 1800),
            },
            Change {
                cursor: 14,
                change: CatalogChange::StorePriceCleared {
                    product_id: ProductId(3),
                },
            },
            Change {
                cursor: 15,
                change: CatalogChange::BarcodeDeleted {
                    code: "5901234123457".into(),
                },
            },
            Change {
                cursor: 16,
                change: CatalogChange::ProductDeleted { id: ProductId(1) },
            },
        ],
        next_cursor: 16,
        has_more: false,
    };
    assert_eq!(l.apply_changes(&next).unwrap(), 4);
    assert_eq!(l.apply_changes(&next).unwrap(), 0);
    // An old page replayed late must not roll anything back.
    assert_eq!(l.apply_changes(&page).unwrap(), 0);
    assert_eq!(l.cursor().unwrap(), 16);
    assert!(l.search_products("cafe", 10).unwrap().is_empty());
    assert_eq!(l.search_products("ceram", 10).unwrap().len(), 1);
    assert!(l.lookup_barcode("8412345678905").unwrap().is_none());
    assert!(l.lookup_barcode("5901234123457").unwrap().is_none());
    assert_eq!(
        l.lookup_barcode("4006381333931").unwrap().unwrap().price,
        Money::from_cents(4500)
    );
}

#[test]
fn pins_verify_against_hq_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_enrolled(&dir, "https://hq.example");
    l.apply_changes(&catalog_page()).unwrap();
    let s = l.verify_pin(StaffId(10), "1234").unwrap().unwrap();
    assert_eq!(s.name, "Lucía");
    assert_eq!(s.role, StaffRole::Cashier);
    assert!(l.verify_pin(StaffId(10), "9876").unwrap().is_none());
    assert!(l.verify_pin(StaffId(99), "1234").unwrap().is_none());
    let m = l.find_staff_by_pin("9876").unwrap().unwrap();
    assert_eq!(m.role, StaffRole::Manager);
    assert!(l.find_staff_by_pin("0000").unwrap().is_none());
}

#[test]
fn refunds_are_numbered_from_the_till_series() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open_selling(&dir, "https://hq.example");
    open_shift(&mut l);
    let sale = sell(&mut l, 300);
    let DocumentBody::Sale(s) = &sale.body else {
        panic!("not a sale")
    };
    let refund = |number: &str| {
        DocumentBody::Refund(Refund {
            refund_number: number.into(),
            original_sale_id: sale.id,
            original_ticket_number: s.ticket_number.clone(),
            cashier_id: Some(StaffId(10)),
            approved_by: Some(StaffId(11)),
            reason: "producto defectuoso".into(),
            lines: s.lines.clone(),
            ticket_discount: Money::ZERO,
            payments: vec![cash_payment(Money::from_cents(300), Money::from_cents(300))],
            totals: s.totals.clone(),
        })
    };
    let r1 = l.record_document(refund("")).unwrap();
    let r2 = l.record_document(refund("")).unwrap();
    let numbers: Vec<String> = [r1, r2]
        .iter()
        .map(|d| match &d.body {
            DocumentBody::Refund(r) => r.refund_number.clone(),
            b => panic!("unexpected {b:?}"),
        })
        .collect();
    assert_eq!(numbers, vec!["T0007-R000001", "T0007-R000002"]);
    assert!(matches!(
        l.record_document(sale.body.clone()),
        Err(LedgerError::Invalid(_))
    ));
    assert_eq!(l.verify_chain().unwrap(), 4);
}

#[test]
fn damaged_pages_are_caught_by_quick_check_and_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    {
        let mut l = open_enrolled(&dir, "https://hq.example");
        l.apply_changes(&catalog_page()).unwrap();
        open_shift(&mut l);
        for _ in 0..50 {
            sell(&mut l, 100);
        }
    }
    // Checkpoint the WAL into the main file, then scribble over pages after the header page.
    {
        let c = Connection::open(&path).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > page * 4);
    let end = bytes.len() - page;
    for b in &mut bytes[page..end] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    match Ledger::open(&path) {
        Err(LedgerError::CorruptSetAside { path: aside, .. }) => {
            assert_eq!(std::fs::read(&aside).unwrap(), bytes)
        }
        other => panic!("expected CorruptSetAside, got {other:?}"),
    }
}
