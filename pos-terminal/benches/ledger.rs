//! Ledger benchmark: sale commit latency at `synchronous=FULL` (each sale with its VERI*FACTU
//! record, made in the same transaction), barcode lookup and FTS5 prefix
//! search over a 100,000-product catalog. Run: `cargo bench -p pos-terminal --bench ledger`
//! (set `LEDGER_BENCH_DIR` to measure on a particular disk). With `--features bench-baseline` it
//! also commits the same sales without their record on a second ledger, interleaved, and prints
//! what the record adds.

use hdrhistogram::Histogram;
use pos_terminal::{CartLine, Ledger, Staff, cash_payment};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::error::Error;
use std::time::Instant;
use sync_protocol::*;

const PRODUCTS: i64 = 100_000;
const SALES: usize = 2_000;
const LOOKUPS: usize = 10_000;
const SEARCHES: usize = 1_000;

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
    "pan",
    "chorizo",
    "lomo",
    "turrón",
    "cerveza",
    "vino",
    "sidra",
    "té",
    "cacao",
    "miel",
    "harina",
    "judías",
    "garbanzos",
    "lentejas",
    "espárragos",
    "pimientos",
    "aceitunas",
    "champú",
    "jabón",
    "detergente",
    "servilletas",
    "pañuelos",
    "chocolate",
    "magdalenas",
    "croquetas",
    "salmón",
    "merluza",
    "bacalao",
];
const ADJS: &[&str] = &[
    "ibérico",
    "natural",
    "ecológico",
    "integral",
    "desnatada",
    "entera",
    "suave",
    "intenso",
    "extra",
    "clásico",
    "tostado",
    "picante",
    "dulce",
    "salado",
    "fresco",
    "añejo",
    "curado",
    "light",
    "sin lactosa",
    "artesano",
    "gallego",
    "manchego",
    "andaluz",
    "riojano",
    "navarro",
];
const SIZES: &[&str] = &[
    "250 g", "500 g", "1 kg", "1 l", "1,5 l", "6x33 cl", "pack 4", "75 cl",
];

/// EAN-13 with Spain's GS1 prefix 84 and a valid mod-10 check digit.
fn ean13(n: i64) -> String {
    sync_protocol::barcode::make_ean13(&format!("84{n:010}")).expect("12 digits")
}

fn name(rng: &mut StdRng) -> String {
    format!(
        "{} {} {}",
        NOUNS[rng.gen_range(0..NOUNS.len())],
        ADJS[rng.gen_range(0..ADJS.len())],
        SIZES[rng.gen_range(0..SIZES.len())]
    )
}

fn pct(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

/// The bench's catalog as pages of changes: the store, then products with barcodes and some
/// store prices, 5,000 changes a page.
fn catalog_pages(rng: &mut StdRng) -> Vec<ChangesPage> {
    let rates = [
        TaxRate::IVA_GENERAL,
        TaxRate::IVA_REDUCED,
        TaxRate::IVA_SUPER_REDUCED,
    ];
    let mut pages = Vec::new();
    let mut cursor = 0i64;
    // The store first: its franchisee's NIF is what every sale's VERI*FACTU record is issued under.
    let mut changes = vec![CatalogChange::Store(StoreRecord {
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
    })];
    for id in 1..=PRODUCTS {
        let r = rng.gen_range(0..3);
        changes.push(CatalogChange::Product(ProductRecord {
            id: ProductId(id),
            sku: format!("SKU{id:06}"),
            name: name(rng),
            tax_rate_id: r as i64 + 1,
            tax_rate: rates[r],
            price: Money::from_cents(rng.gen_range(20..5_000)),
            active: true,
        }));
        changes.push(CatalogChange::Barcode {
            code: ean13(id),
            product_id: ProductId(id),
        });
        if id % 10 == 0 {
            changes.push(CatalogChange::StorePrice {
                product_id: ProductId(id),
                price: Money::from_cents(rng.gen_range(20..5_000)),
            });
        }
        if changes.len() >= 5_000 || id == PRODUCTS {
            pages.push(ChangesPage {
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
            });
        }
    }
    pages
}

/// A ledger at `path`, enrolled, with the catalog applied and a shift open (sales need one);
/// also the seconds the catalog took.
fn open_ledger(
    path: &std::path::Path,
    pages: &[ChangesPage],
) -> Result<(Ledger, f64), Box<dyn Error>> {
    let mut ledger = Ledger::open(path)?;
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
    for page in pages {
        ledger.apply_changes(page)?;
    }
    ledger.optimize()?;
    let secs = t.elapsed().as_secs_f64();
    let manager = Staff {
        id: StaffId(1),
        name: "Encargada".into(),
        role: StaffRole::Manager,
    };
    ledger.start_shift(&manager, Vec::new())?;
    Ok((ledger, secs))
}

fn main() -> Result<(), Box<dyn Error>> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(42);
    // LEDGER_BENCH_DIR puts the file on a chosen disk (/tmp may be tmpfs, where fsync is free).
    let dir = match std::env::var_os("LEDGER_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    println!("ledger file in {}", dir.path().display());

    // The catalog as the sync path delivers it: pages of products + barcodes + some store prices.
    let pages = catalog_pages(&mut rng);
    let (mut ledger, catalog_secs) = open_ledger(&dir.path().join("bench.db"), &pages)?;
    println!(
        "catalog: {PRODUCTS} products, {} changes applied in {catalog_secs:.2} s",
        pages.last().map_or(0, |p| p.next_cursor)
    );
    // With the `bench-baseline` feature, a second ledger on the same disk commits the same sales
    // without their VERI*FACTU record, interleaved sale by sale so both see the same disk and load.
    #[cfg(feature = "bench-baseline")]
    let mut baseline = {
        let (mut l, _) = open_ledger(&dir.path().join("baseline.db"), &pages)?;
        l.bench_skip_verifactu_records();
        l
    };

    // Sale commits at synchronous=FULL (each one a durable BEGIN IMMEDIATE … COMMIT).
    let mut commit = Histogram::<u64>::new(3)?;
    #[cfg(feature = "bench-baseline")]
    let mut without = Histogram::<u64>::new(3)?;
    for _ in 0..SALES {
        let n = rng.gen_range(1..=5);
        let mut lines = Vec::with_capacity(n);
        for _ in 0..n {
            let code = ean13(rng.gen_range(1..=PRODUCTS));
            if let Some(item) = ledger.lookup_barcode(&code)? {
                lines.push(CartLine::from_item(
                    &item,
                    Quantity::units(rng.gen_range(1..=3)),
                ));
            }
        }
        let inputs: Vec<LineInput> = lines.iter().map(CartLine::input).collect();
        let total = compute_totals(&inputs, Money::ZERO)?.total;
        #[cfg(feature = "bench-baseline")]
        {
            let t = Instant::now();
            baseline.record_sale(
                Some(StaffId(1)),
                lines.clone(),
                Money::ZERO,
                vec![cash_payment(total, total)],
            )?;
            without.record(t.elapsed().as_micros() as u64)?;
        }
        let t = Instant::now();
        ledger.record_sale(
            Some(StaffId(1)),
            lines,
            Money::ZERO,
            vec![cash_payment(total, total)],
        )?;
        commit.record(t.elapsed().as_micros() as u64)?;
    }
    let verified = ledger.verify_chain()?;
    let records = ledger.verify_verifactu()?;
    println!(
        "sale commit (FULL) with its VERI*FACTU record: n={SALES} p50={:.3} ms p99={:.3} ms max={:.3} ms \
         (chain verified over {verified} documents, {records} records)",
        pct(&commit, 0.5),
        pct(&commit, 0.99),
        commit.max() as f64 / 1000.0
    );
    #[cfg(feature = "bench-baseline")]
    {
        let last = baseline.document(baseline.document_count()?)?;
        assert!(
            last.is_some_and(|d| d.verifactu.is_none()),
            "the baseline's sales carry no record"
        );
        println!(
            "sale commit (FULL) without the record (same sales, interleaved): p50={:.3} ms p99={:.3} ms max={:.3} ms",
            pct(&without, 0.5),
            pct(&without, 0.99),
            without.max() as f64 / 1000.0
        );
        println!(
            "the record adds: p50 {:+.3} ms, p99 {:+.3} ms (goal: at most +1 ms at p99)",
            pct(&commit, 0.5) - pct(&without, 0.5),
            pct(&commit, 0.99) - pct(&without, 0.99)
        );
    }
    #[cfg(not(feature = "bench-baseline"))]
    println!("(for the same sales without their record, run with --features bench-baseline)");

    // Exact barcode lookups (effective price join included).
    let mut lookup = Histogram::<u64>::new(3)?;
    let mut found = 0;
    for _ in 0..LOOKUPS {
        let code = ean13(rng.gen_range(1..=PRODUCTS));
        let t = Instant::now();
        let hit = ledger.lookup_barcode(&code)?;
        lookup.record(t.elapsed().as_nanos() as u64)?;
        found += usize::from(hit.is_some());
    }
    println!(
        "barcode lookup: n={LOOKUPS} p50={:.1} µs p99={:.1} µs max={:.1} µs ({found} found)",
        pct(&lookup, 0.5),
        pct(&lookup, 0.99),
        lookup.max() as f64 / 1000.0
    );

    // Type-ahead: 2–4 character prefixes of real words, LIMIT 20, unranked.
    let mut search = Histogram::<u64>::new(3)?;
    let mut by_len = [
        Histogram::<u64>::new(3)?,
        Histogram::<u64>::new(3)?,
        Histogram::<u64>::new(3)?,
    ];
    let mut hits = 0;
    for _ in 0..SEARCHES {
        let word = if rng.gen_bool(0.6) {
            NOUNS[rng.gen_range(0..NOUNS.len())]
        } else {
            ADJS[rng.gen_range(0..ADJS.len())]
        };
        let len = rng.gen_range(2..=4).min(word.chars().count());
        let prefix: String = word.chars().take(len).collect();
        let t = Instant::now();
        let r = ledger.search_products(&prefix, 20)?;
        let ns = t.elapsed().as_nanos() as u64;
        search.record(ns)?;
        by_len[len.clamp(2, 4) - 2].record(ns)?;
        hits += r.len();
    }
    for (i, h) in by_len.iter().enumerate() {
        println!(
            "  {}-char prefixes: n={} p50={:.1} µs p99={:.1} µs",
            i + 2,
            h.len(),
            pct(h, 0.5),
            pct(h, 0.99)
        );
    }
    println!(
        "fts prefix search: n={SEARCHES} p50={:.1} µs p99={:.1} µs max={:.1} µs (avg {:.1} results)",
        pct(&search, 0.5),
        pct(&search, 0.99),
        search.max() as f64 / 1000.0,
        hits as f64 / SEARCHES as f64
    );
    let total_secs = started.elapsed().as_secs_f64();
    println!("total runtime {total_secs:.1} s");
    println!(
        "{}",
        serde_json::json!({
            "bench": "pos-terminal-ledger",
            "products": PRODUCTS,
            "catalog_load_s": catalog_secs,
            "commit_ms": {"n": SALES, "p50": pct(&commit, 0.5), "p90": pct(&commit, 0.9), "p95": pct(&commit, 0.95), "p99": pct(&commit, 0.99), "max": commit.max() as f64 / 1000.0},
            "lookup_us": {"n": LOOKUPS, "p50": pct(&lookup, 0.5), "p99": pct(&lookup, 0.99), "max": lookup.max() as f64 / 1000.0},
            "search_us": {"n": SEARCHES, "p50": pct(&search, 0.5), "p99": pct(&search, 0.99), "max": search.max() as f64 / 1000.0},
            "total_s": total_secs,
        })
    );
    Ok(())
}
