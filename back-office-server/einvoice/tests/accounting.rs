//! The accounting export: one balanced entry per invoice on 430/705/700/477/4775 sub-accounts, computed
//! by hand, and the CSV read back with the csv crate as an importer would.

mod common;

use common::*;
use trastienda_einvoice::accounting::*;
use trastienda_einvoice::*;

fn invoices() -> Vec<Invoice> {
    vec![
        Invoice::new(royalty_draft()).unwrap(),
        Invoice::new(goods_draft()).unwrap(),
        Invoice::new(credit_note_draft()).unwrap(),
    ]
}

fn bookings(inv: &[Invoice]) -> Vec<Booking<'_>> {
    vec![
        Booking {
            invoice: &inv[0],
            customer_account: 7,
        },
        Booking {
            invoice: &inv[1],
            customer_account: 12,
        },
        Booking {
            invoice: &inv[2],
            customer_account: 12,
        },
    ]
}

#[test]
fn entries_by_hand() {
    let inv = invoices();
    let j = journal(&bookings(&inv), &ChartOfAccounts::default(), 101).unwrap();
    let rows: Vec<(u64, String, String, String)> = j
        .iter()
        .map(|l| {
            (
                l.entry,
                l.account.clone(),
                l.debit.to_string(),
                l.credit.to_string(),
            )
        })
        .collect();
    let r = |e: u64, a: &str, d: &str, c: &str| (e, a.to_string(), d.to_string(), c.to_string());
    assert_eq!(
        rows,
        vec![
            r(101, "43000007", "1278.66", "0.00"),
            r(101, "70500000", "0.00", "1056.74"),
            r(101, "47702100", "0.00", "221.92"),
            r(102, "43000012", "466.47", "0.00"),
            r(102, "70500000", "0.00", "200.00"),
            r(102, "70000000", "0.00", "197.51"),
            r(102, "47702100", "0.00", "50.39"),
            r(102, "47701000", "0.00", "13.62"),
            r(102, "47700400", "0.00", "0.85"),
            r(102, "47750520", "0.00", "2.08"),
            r(102, "47750140", "0.00", "1.91"),
            r(102, "47750050", "0.00", "0.11"),
            r(103, "43000012", "-30.25", "0.00"),
            r(103, "70000000", "0.00", "-23.97"),
            r(103, "47702100", "0.00", "-5.03"),
            r(103, "47750520", "0.00", "-1.25"),
        ]
    );
    for entry in 101..=103 {
        let (d, c) = j.iter().filter(|l| l.entry == entry).fold(
            (sync_protocol::Money::ZERO, sync_protocol::Money::ZERO),
            |(d, c), l| (d + l.debit, c + l.credit),
        );
        assert_eq!(d, c, "entry {entry} does not balance");
    }
    assert_eq!(
        j[12].concept,
        "Rectificativa RQ-2026-000007 María López García"
    );
}

#[test]
fn csv_reads_back_with_spanish_number_format() {
    let inv = invoices();
    let bytes = journal_csv(&bookings(&inv), &ChartOfAccounts::default(), 1).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(bytes.as_slice());
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "Asiento",
            "Línea",
            "Fecha",
            "Cuenta",
            "Concepto",
            "Documento",
            "Debe",
            "Haber",
            "NIF",
            "Nombre"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 16);
    assert_eq!(
        rows[0].iter().collect::<Vec<_>>(),
        [
            "1",
            "1",
            "01/12/2026",
            "43000007",
            "Factura FQ-2026-000042 Franquiciado Uno SA",
            "FQ-2026-000042",
            "1278,66",
            "0,00",
            "A58818501",
            "Franquiciado Uno SA"
        ]
    );
    assert_eq!(&rows[15][7], "-1,25");
}

#[test]
fn chart_and_account_numbers_are_checked() {
    let inv = invoices();
    let b = bookings(&inv);
    let chart = ChartOfAccounts {
        digits: 4,
        ..Default::default()
    };
    assert!(matches!(
        journal(&b, &chart, 1),
        Err(AccountingError::BadLength(4))
    ));
    let chart = ChartOfAccounts {
        customers: "43A".into(),
        ..Default::default()
    };
    assert!(matches!(
        journal(&b, &chart, 1),
        Err(AccountingError::BadPrefix(_))
    ));
    let big = [Booking {
        invoice: &inv[0],
        customer_account: 123_456,
    }];
    assert!(matches!(
        journal(&big, &ChartOfAccounts::default(), 1),
        Err(AccountingError::DoesNotFit { code: 123_456, .. })
    ));
    let wide = ChartOfAccounts {
        digits: 10,
        ..Default::default()
    };
    assert_eq!(journal(&big, &wide, 1).unwrap()[0].account, "4300123456");
}
