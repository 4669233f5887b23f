//! Scan-to-ticket latency of the till app over a 100,000-product catalog: from a code arriving
//! in the scan field to the updated ticket on screen. Three figures per scan:
//! - `update`: the app's update for the submitted code, the barcode lookup on the ledger's thread
//!   and the update for its answer (the cart line added, totals recomputed);
//! - `update+view+layout`: plus building the whole window's widget tree and laying it out at
//!   1024×768 (what iced does before it can draw);
//! - `frame (software draw)`: plus drawing the frame with the tiny-skia software renderer, the
//!   renderer the till uses without a GPU.
//!
//! Tickets are reset every 30 lines, so the figures cover tickets of 1–30 lines.
//!
//! Run: `cargo bench -p pos-terminal-app --bench scan` (prints p50/p99/max per figure).

use std::collections::VecDeque;
use std::error::Error;
use std::time::Instant;

use hdrhistogram::Histogram;
use iced::{Task, Theme};
use iced_test::simulator;
use pos_terminal::{Cart, Ledger};
use pos_terminal_app::screen::sell;
use pos_terminal_app::{Message, Screen, Till};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sync_protocol::*;

const PRODUCTS: i64 = 100_000;
const SCANS: usize = 2_000;
const DRAWN: usize = 300;
const LINES_PER_TICKET: usize = 30;

/// EAN-13 with Spain's GS1 prefix 84 and a valid mod-10 check digit.
fn ean13(n: i64) -> String {
    sync_protocol::barcode::make_ean13(&format!("84{n:010}")).expect("12 digits")
}

fn catalog(ledger: &mut Ledger, rng: &mut StdRng) -> Result<(), Box<dyn Error>> {
    const NOUNS: &[&str] = &[
        "café",
        "jamón",
        "aceite",
        "leche",
        "galletas",
        "agua",
        "zumo",
        "azúcar",
        "arroz",
        "atún",
        "queso",
        "yogur",
        "turrón",
        "cerveza",
        "vino",
        "miel",
        "harina",
        "garbanzos",
        "champú",
    ];
    const ADJS: &[&str] = &[
        "ibérico",
        "natural",
        "ecológico",
        "integral",
        "suave",
        "extra",
        "clásico",
        "añejo",
    ];
    let rates = [
        TaxRate::IVA_GENERAL,
        TaxRate::IVA_REDUCED,
        TaxRate::IVA_SUPER_REDUCED,
    ];
    let mut cursor = 0i64;
    let mut changes = Vec::new();
    for id in 1..=PRODUCTS {
        let r = rng.gen_range(0..3);
        changes.push(CatalogChange::Product(ProductRecord {
            id: ProductId(id),
            sku: format!("SKU{id:06}"),
            name: format!(
                "{} {} {}",
                NOUNS[rng.gen_range(0..NOUNS.len())],
                ADJS[rng.gen_range(0..ADJS.len())],
                id
            ),
            tax_rate_id: r as i64 + 1,
            tax_rate: rates[r],
            price: Money::from_cents(rng.gen_range(20..5_000)),
            active: true,
        }));
        changes.push(CatalogChange::Barcode {
            code: ean13(id),
            product_id: ProductId(id),
        });
        if changes.len() >= 5_000 || id == PRODUCTS {
            let page = ChangesPage {
                protocol_version: PROTOCOL_VERSION,
                changes: changes
                    .drain(..)
                    .map(|change| {
                        cursor += 1;
                        Change { cursor, change }
                    })
                    .collect(),
                next_cursor: cursor,
                has_more: id < PRODUCTS,
            };
            ledger.apply_changes(&page)?;
        }
    }
    ledger.optimize()?;
    Ok(())
}

fn report(name: &str, h: &Histogram<u64>) {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{name:<28} n={:<5} p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        h.len(),
        ms(0.50),
        ms(0.99),
        h.max() as f64 / 1000.0
    );
}

/// Runs `task` and what its messages return, as the iced runtime does (the lookup's answer).
fn settle(till: &mut Till, rt: &tokio::runtime::Runtime, task: Task<Message>) {
    use iced::futures::StreamExt;
    let mut tasks = VecDeque::from([task]);
    while let Some(t) = tasks.pop_front() {
        if let Some(stream) = iced_test::runtime::task::into_stream(t) {
            for a in rt.block_on(stream.collect::<Vec<_>>()) {
                if let iced_test::runtime::Action::Output(m) = a {
                    tasks.push_back(till.update(m));
                }
            }
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let mut rng = StdRng::seed_from_u64(7);
    let dir = match std::env::var_os("LEDGER_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let mut ledger = Ledger::open(dir.path().join("ledger.db"))?;
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
    let t = Instant::now();
    catalog(&mut ledger, &mut rng)?;
    println!(
        "catalog: {PRODUCTS} products with EAN-13 barcodes loaded in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let (mut till, _) = Till::with_ledger(ledger);
    till.screen = Screen::Sell(sell::State::with_notice(None));
    let theme = Theme::Light;

    let mut update = Histogram::<u64>::new(3)?;
    let mut laid_out = Histogram::<u64>::new(3)?;
    let mut frame = Histogram::<u64>::new(3)?;
    // Warm the font cache and the SQLite page cache the way a till does in its first minutes.
    for i in 0..50 {
        let _: Task<Message> = till.update(Message::Sell(sell::Message::Input(ean13(i + 1))));
        let submitted = till.update(Message::Sell(sell::Message::Submit));
        settle(&mut till, &rt, submitted);
        let _ = simulator(till.view()).snapshot(&theme);
    }
    till.cart = Cart::new();

    for i in 0..SCANS {
        if i % LINES_PER_TICKET == 0 {
            till.cart = Cart::new();
        }
        let code = ean13(rng.gen_range(1..=PRODUCTS));
        // The scan field already holds the code (the scanner typed it); Enter submits it.
        let _: Task<Message> = till.update(Message::Sell(sell::Message::Input(code)));
        let before = till.cart.lines().len();
        let t = Instant::now();
        let submitted = till.update(Message::Sell(sell::Message::Submit));
        settle(&mut till, &rt, submitted);
        let u = t.elapsed();
        let mut ui = simulator(till.view());
        let v = t.elapsed();
        let drawn = if i < DRAWN {
            ui.snapshot(&theme).map_err(|e| format!("{e:?}"))?;
            Some(t.elapsed())
        } else {
            None
        };
        let after = till.cart.lines().len();
        if after == before {
            return Err(format!("scan {i} added no line").into());
        }
        update.record(u.as_micros() as u64)?;
        laid_out.record(v.as_micros() as u64)?;
        if let Some(d) = drawn {
            frame.record(d.as_micros() as u64)?;
        }
    }

    println!("scan-to-ticket, {PRODUCTS} products, tickets of 1–{LINES_PER_TICKET} lines:");
    report("update (lookup + cart)", &update);
    report("update+view+layout", &laid_out);
    report("frame (software draw)", &frame);
    let p99 = laid_out.value_at_quantile(0.99) as f64 / 1000.0;
    println!(
        "target: p99 update+view+layout under 16 ms: {}",
        if p99 < 16.0 { "met" } else { "NOT met" }
    );
    Ok(())
}
