//! Renders PDF + UBL + Facturae for 500 monthly invoices (one per franchisee, eight lines each, some
//! under recargo de equivalencia) and the period's accounting CSV, and prints the time of each part.
//! `cargo bench -p trastienda-einvoice --bench documents [-- COUNT]`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};
use trastienda_einvoice::accounting::{Booking, ChartOfAccounts, journal_csv};
use trastienda_einvoice::*;

fn invoice(n: u64) -> Invoice {
    let mut d = if n.is_multiple_of(5) {
        common::goods_draft()
    } else {
        common::royalty_draft()
    };
    d.number = n;
    d.customer.legal_name = format!("{} {n}", d.customer.legal_name);
    d.buyer_reference = Some(format!("FRANQ-{n:04}"));
    let extra = d.lines[0].clone();
    while d.lines.len() < 8 {
        let mut l = extra.clone();
        l.description = format!("{} (tienda {})", l.description, d.lines.len());
        d.lines.push(l);
    }
    Invoice::new(d).expect("valid fixture")
}

fn per_doc(t: Duration, n: usize) -> String {
    format!(
        "{:>8.1} ms total  {:>7.2} ms/invoice",
        t.as_secs_f64() * 1e3,
        t.as_secs_f64() * 1e3 / n as f64
    )
}

fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(500);
    let t0 = Instant::now();
    let invoices: Vec<Invoice> = (1..=count as u64).map(invoice).collect();
    let build = t0.elapsed();

    let (mut pdf_t, mut ubl_t, mut fac_t) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut pdf_b, mut ubl_b, mut fac_b) = (0usize, 0usize, 0usize);
    for inv in &invoices {
        let t = Instant::now();
        pdf_b += pdf::render(inv, inv.draft().language).expect("pdf").len();
        pdf_t += t.elapsed();
        let t = Instant::now();
        ubl_b += ubl::to_xml(inv).expect("ubl").len();
        ubl_t += t.elapsed();
        let t = Instant::now();
        fac_b += facturae::to_xml(inv).expect("facturae").len();
        fac_t += t.elapsed();
    }
    let t = Instant::now();
    let bookings: Vec<Booking> = invoices
        .iter()
        .enumerate()
        .map(|(i, inv)| Booking {
            invoice: inv,
            customer_account: i as u64 + 1,
        })
        .collect();
    let csv = journal_csv(&bookings, &ChartOfAccounts::default(), 1).expect("csv");
    let csv_t = t.elapsed();

    // The same documents on every core, as a server would render an invoicing run.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    let chunk = invoices.len().div_ceil(threads);
    std::thread::scope(|s| {
        for part in invoices.chunks(chunk.max(1)) {
            s.spawn(move || {
                for inv in part {
                    pdf::render(inv, inv.draft().language).expect("pdf");
                    ubl::to_xml(inv).expect("ubl");
                    facturae::to_xml(inv).expect("facturae");
                }
            });
        }
    });
    let parallel = t.elapsed();

    println!("{count} invoices (8 lines each; every 5th with goods under recargo de equivalencia)");
    println!("model + validation   {}", per_doc(build, count));
    println!(
        "PDF                  {}   {:>6} KiB avg",
        per_doc(pdf_t, count),
        pdf_b / count / 1024
    );
    println!(
        "UBL 2.1              {}   {:>6} KiB avg",
        per_doc(ubl_t, count),
        ubl_b / count / 1024
    );
    println!(
        "Facturae 3.2.2       {}   {:>6} KiB avg",
        per_doc(fac_t, count),
        fac_b / count / 1024
    );
    println!(
        "accounting CSV       {}   {:>6} KiB",
        per_doc(csv_t, count),
        csv.len() / 1024
    );
    println!(
        "all, one thread      {}",
        per_doc(build + pdf_t + ubl_t + fac_t + csv_t, count)
    );
    println!(
        "PDF+UBL+Facturae on {threads} threads {}",
        per_doc(parallel, count)
    );
}
