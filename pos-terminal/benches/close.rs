//! Closing a busy day: X report and Z close over 2,000 tickets (mixed cash, card and split tenders)
//! on a real ledger file. Run: `cargo bench -p pos-terminal --bench close` (target: under a second).

use pos_terminal::{CartLine, CloseCount, Ledger, Staff, card_payment, cash_payment};
use std::error::Error;
use std::time::Instant;
use sync_protocol::*;

const TICKETS: i64 = 2_000;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = match std::env::var_os("LEDGER_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let mut ledger = Ledger::open(dir.path().join("till.db"))?;
    ledger.enrol(
        "https://hq.example",
        &EnrollResponse {
            till_id: TillId(1),
            store_id: StoreId(1),
            franchisee_id: FranchiseeId(1),
            ticket_series: "T0001".into(),
            token: "t".into(),
        },
        "bench",
    )?;
    // The store, whose franchisee's NIF the tickets' VERI*FACTU records are issued under.
    ledger.apply_changes(&ChangesPage {
        protocol_version: PROTOCOL_VERSION,
        changes: vec![Change {
            cursor: 1,
            change: CatalogChange::Store(StoreRecord {
                id: StoreId(1),
                name: "Tienda".into(),
                address: "Calle Mayor 1".into(),
                franchisee_id: FranchiseeId(1),
                franchisee_legal_name: "Ultramarinos Centro S.L.".into(),
                franchisee_nif: "B12345674".into(),
                receipt_footer: String::new(),
                receipt_header: String::new(),
                cash_tolerance: None,
                time_zone: None,
                single_manager: false,
                report_email: None,
            }),
        }],
        next_cursor: 1,
        has_more: false,
    })?;
    let manager = Staff {
        id: StaffId(1),
        name: "Encargada".into(),
        role: StaffRole::Manager,
    };
    let float = vec![DenominationCount {
        denomination: Denomination::from_cents(1000).ok_or("denomination")?,
        count: 10,
    }];
    ledger.start_shift(&manager, float)?;
    let fill = Instant::now();
    for i in 0..TICKETS {
        let lines: Vec<CartLine> = (0..3)
            .map(|j| CartLine {
                product_id: ProductId(i * 3 + j),
                barcode: None,
                name: format!("Producto {j}"),
                quantity: Quantity::units(1 + j),
                unit_price: Money::from_cents(95 + (i * 7 + j * 13) % 900),
                tax_rate: [
                    TaxRate::IVA_GENERAL,
                    TaxRate::IVA_REDUCED,
                    TaxRate::percent(4),
                ][j as usize],
                discount: Money::ZERO,
                weighed: false,
                promotion: None,
                promotion_discount: sync_protocol::Money::ZERO,
            })
            .collect();
        let total = compute_totals(
            &lines.iter().map(CartLine::input).collect::<Vec<_>>(),
            Money::ZERO,
        )?
        .total;
        let payments = match i % 3 {
            0 => vec![cash_payment(total, total + Money::from_cents(500))],
            1 => vec![card_payment(total, None)],
            _ => {
                let cash = Money::from_cents(total.cents() / 2);
                vec![
                    cash_payment(cash, cash + Money::from_cents(100)),
                    card_payment(total - cash, None),
                ]
            }
        };
        ledger.record_sale(Some(StaffId(2)), lines, Money::ZERO, payments)?;
    }
    println!(
        "recorded {TICKETS} tickets in {:.2?} (setup, synchronous=FULL)",
        fill.elapsed()
    );

    let t = Instant::now();
    let x = ledger.x_report()?;
    println!(
        "X report over {} tickets: {:.2?} (gross {}, expected cash {})",
        x.ticket_count,
        t.elapsed(),
        x.gross,
        x.expected_cash()
    );

    let expected = x.expected_cash();
    let cash = vec![
        DenominationCount {
            denomination: Denomination::from_cents(1).ok_or("denomination")?,
            count: (expected.cents() % 500) as u32,
        },
        DenominationCount {
            denomination: Denomination::from_cents(500).ok_or("denomination")?,
            count: (expected.cents() / 500) as u32,
        },
    ];
    let t = Instant::now();
    let z = ledger.close_day(CloseCount {
        staff: manager,
        cash,
        other: Vec::new(),
        blind: true,
        next_float: Money::from_cents(10_000),
        approval: None,
    })?;
    let took = t.elapsed();
    let DocumentBody::CashClose(c) = &z.body else {
        return Err("the close is not a CashClose".into());
    };
    println!(
        "Z close {} over {} tickets (seq {}..={}): {:.2?} (target < 1 s)",
        c.z_number, c.ticket_count, c.first_seq, c.last_seq, took
    );
    Ok(())
}
