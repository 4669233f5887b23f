//! Scan-to-ticket latency of the till app over a catalog of `SCAN_PRODUCTS` products (100,000 by
//! default; `SCAN_PRODUCTS=1000000` for a million): from a code arriving
//! in the scan field to the updated ticket on screen. Three figures per scan:
//! - `update`: the app's update for the submitted code, the barcode lookup on the ledger's thread
//!   and the update for its answer (the cart line added, totals recomputed);
//! - `update+view+layout`: plus building the whole window's widget tree and laying it out at
//!   1024×768 (what iced does before it can draw);
//! - `frame (<renderer>)`: plus drawing the frame and reading it back, with the renderer the till
//!   would pick here: wgpu when an adapter is found (a GPU, or Mesa's software Vulkan/GL), else
//!   tiny-skia. `ICED_TEST_BACKEND=tiny-skia` (or `wgpu`) forces one, as `ICED_BACKEND` does for
//!   the till's window; the bench prints which one drew. One renderer and widget cache serve every
//!   frame, at 1024×768 and scale 1, as in the till's window (iced_test's Simulator makes a new
//!   renderer per tree and draws at scale 2, which is not what a till pays).
//!
//! Tickets are reset every 30 lines, so the figures cover tickets of 1–30 lines.
//!
//! Run: `cargo bench -p pos-terminal-app --bench scan` (prints p50/p99/max per figure); e.g.
//! `SCAN_PRODUCTS=1000000 ICED_TEST_BACKEND=tiny-skia cargo bench -p pos-terminal-app --bench scan`.

use std::collections::VecDeque;
use std::error::Error;
use std::time::Instant;

use hdrhistogram::Histogram;
use iced::{Task, Theme};
use iced_test::core::renderer::{Headless, Style};
use iced_test::core::theme::Base;
use iced_test::core::{Event, Font, Settings, Size, clipboard, mouse, time, window};
use iced_test::runtime::user_interface::{Cache, UserInterface};
use pos_terminal::{Cart, Ledger};
use pos_terminal_app::screen::sell;
use pos_terminal_app::{Message, Screen, Till};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sync_protocol::*;

const SCANS: usize = 2_000;
const DRAWN: usize = 300;
const LINES_PER_TICKET: usize = 30;

/// EAN-13 with Spain's GS1 prefix 84 and a valid mod-10 check digit.
fn ean13(n: i64) -> String {
    sync_protocol::barcode::make_ean13(&format!("84{n:010}")).expect("12 digits")
}

fn catalog(ledger: &mut Ledger, rng: &mut StdRng, products: i64) -> Result<(), Box<dyn Error>> {
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
    for id in 1..=products {
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
        if changes.len() >= 5_000 || id == products {
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
                has_more: id < products,
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

/// The till's window: one renderer and one widget cache kept from frame to frame, as iced keeps
/// them, at 1024×768 and scale 1.
struct Window {
    renderer: iced::Renderer,
    cache: Option<Cache>,
}

const WINDOW: Size = Size::new(1024.0, 768.0);

impl Window {
    fn new(rt: &tokio::runtime::Runtime) -> Result<Self, Box<dyn Error>> {
        let backend = std::env::var("ICED_TEST_BACKEND").ok();
        let settings = Settings::default();
        let renderer = rt
            .block_on(iced::Renderer::new(
                Font::with_name("Fira Sans"),
                settings.default_text_size,
                backend.as_deref(),
            ))
            .ok_or("no renderer could be made")?;
        Ok(Self {
            renderer,
            cache: Some(Cache::default()),
        })
    }

    /// Builds and lays out the window's widget tree for `till` (view + layout).
    fn layout<'a>(&mut self, till: &'a Till) -> UserInterface<'a, Message, Theme, iced::Renderer> {
        UserInterface::build(
            till.view(),
            WINDOW,
            self.cache.take().unwrap_or_default(),
            &mut self.renderer,
        )
    }

    /// Draws the laid-out tree and reads the frame back (what a screenshot costs; a window
    /// presents instead, so for wgpu this includes a read-back a real frame does not do).
    fn draw(&mut self, mut ui: UserInterface<'_, Message, Theme, iced::Renderer>, theme: &Theme) {
        let base = theme.base();
        let mut messages = Vec::new();
        let _ = ui.update(
            &[Event::Window(window::Event::RedrawRequested(
                time::Instant::now(),
            ))],
            mouse::Cursor::Unavailable,
            &mut self.renderer,
            &mut clipboard::Null,
            &mut messages,
        );
        ui.draw(
            &mut self.renderer,
            theme,
            &Style {
                text_color: base.text_color,
            },
            mouse::Cursor::Unavailable,
        );
        self.cache = Some(ui.into_cache());
        let _ = self.renderer.screenshot(
            Size::new(WINDOW.width as u32, WINDOW.height as u32),
            1.0,
            base.background_color,
        );
    }
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
    let products: i64 = match std::env::var("SCAN_PRODUCTS") {
        Ok(n) => n.replace('_', "").parse()?,
        Err(_) => 100_000,
    };
    catalog(&mut ledger, &mut rng, products)?;
    println!(
        "catalog: {products} products with EAN-13 barcodes loaded in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let (mut till, _) = Till::with_ledger(ledger);
    till.screen = Screen::Sell(sell::State::with_notice(None));
    let theme = Theme::Light;
    let mut window = Window::new(&rt)?;
    let renderer = window.renderer.name();
    println!("renderer: {renderer}");

    let mut update = Histogram::<u64>::new(3)?;
    let mut laid_out = Histogram::<u64>::new(3)?;
    let mut frame = Histogram::<u64>::new(3)?;
    // Warm the font cache and the SQLite page cache the way a till does in its first minutes.
    for i in 0..50 {
        let _: Task<Message> = till.update(Message::Sell(sell::Message::Input(ean13(i + 1))));
        let submitted = till.update(Message::Sell(sell::Message::Submit));
        settle(&mut till, &rt, submitted);
        let ui = window.layout(&till);
        window.draw(ui, &theme);
    }
    till.cart = Cart::new();

    for i in 0..SCANS {
        if i % LINES_PER_TICKET == 0 {
            till.cart = Cart::new();
        }
        let code = ean13(rng.gen_range(1..=products));
        // The scan field already holds the code (the scanner typed it); Enter submits it.
        let _: Task<Message> = till.update(Message::Sell(sell::Message::Input(code)));
        let before = format!("{:?}", till.cart.lines());
        let t = Instant::now();
        let submitted = till.update(Message::Sell(sell::Message::Submit));
        settle(&mut till, &rt, submitted);
        let u = t.elapsed();
        let ui = window.layout(&till);
        let v = t.elapsed();
        let drawn = if i < DRAWN {
            window.draw(ui, &theme);
            Some(t.elapsed())
        } else {
            window.cache = Some(ui.into_cache());
            None
        };
        let after = format!("{:?}", till.cart.lines());
        if after == before {
            return Err(format!("scan {i} changed nothing on the ticket").into());
        }
        update.record(u.as_micros() as u64)?;
        laid_out.record(v.as_micros() as u64)?;
        if let Some(d) = drawn {
            frame.record(d.as_micros() as u64)?;
        }
    }

    println!("scan-to-ticket, {products} products, tickets of 1–{LINES_PER_TICKET} lines:");
    report("update (lookup + cart)", &update);
    report("update+view+layout", &laid_out);
    report(&format!("frame ({renderer})"), &frame);
    let p99 = laid_out.value_at_quantile(0.99) as f64 / 1000.0;
    println!(
        "target: p99 update+view+layout under 16 ms: {}",
        if p99 < 16.0 { "met" } else { "NOT met" }
    );
    let p99 = frame.value_at_quantile(0.99) as f64 / 1000.0;
    println!(
        "target: p99 scan to drawn frame under 16 ms ({renderer}): {}",
        if p99 < 16.0 { "met" } else { "NOT met" }
    );
    Ok(())
}
