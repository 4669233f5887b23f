//! till-loop: one till as a process, for the crash suite. It opens (or resumes) the ledger at
//! `--ledger`, enrols with `--code` if it is new, opens a shift, then rings sales, prints each
//! receipt through the ledger's print queue to `--printer` (a file) and syncs every few sales, and
//! says which phase it is in on stdout so the harness can SIGKILL it inside commit, print or sync.
//! `--drain` instead reprints what is pending and syncs until the outbox is empty, then exits.
//!
//! Lines on stdout: `phase commit|print|sync`, `committed <seq> <total cents>`, `printed <seq>`,
//! `synced`, `ready <last seq>`, `drained <last seq>`.

use anyhow::{Context, bail};
use clap::Parser;
use pos_terminal::cart::{Cart, card_payment, cash_payment};
use pos_terminal::ledger::{Ledger, LedgerError};
use pos_terminal::printer::{PrintQueue, PrinterConfig, ReceiptPrinter};
use pos_terminal::receipt::ReceiptLayout;
use pos_terminal::sync::{SyncClient, SyncError, SyncOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sync_protocol::{Money, Quantity};

#[derive(Parser, Debug)]
#[command(about = "One till as a process: ring, print, sync; for the crash suite")]
struct Args {
    #[arg(long)]
    ledger: PathBuf,
    /// Where receipts are "printed" (appended).
    #[arg(long)]
    printer: PathBuf,
    #[arg(long)]
    server: String,
    /// One-time enrolment code (only used while the ledger is not enrolled).
    #[arg(long)]
    code: Option<String>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Stop after this many sales (0: until killed).
    #[arg(long, default_value_t = 0)]
    sales: u64,
    /// Sync after this many sales.
    #[arg(long, default_value_t = 3)]
    sync_every: u64,
    /// Reprint pending receipts and sync until nothing is left, then exit.
    #[arg(long)]
    drain: bool,
}

fn say(line: impl std::fmt::Display) {
    // stdout is line-buffered: each line reaches the harness as it is printed.
    println!("{line}");
}

fn open(path: &PathBuf) -> anyhow::Result<Ledger> {
    // The killed predecessor's lock goes with its process; allow a moment for the OS to drop it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Ledger::open(path) {
            Err(LedgerError::Locked { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            other => return other.context("opening the ledger"),
        }
    }
}

async fn run(a: Args) -> anyhow::Result<()> {
    let ledger = Arc::new(Mutex::new(open(&a.ledger)?));
    let lock = || {
        ledger
            .lock()
            .map_err(|_| anyhow::anyhow!("ledger lock poisoned"))
    };
    let client = SyncClient::new(SyncOptions {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        ..SyncOptions::default()
    })?;
    if lock()?.identity()?.is_none() {
        let code = a
            .code
            .as_deref()
            .context("the ledger is not enrolled: give --code")?;
        client
            .enrol_ledger(&ledger, &a.server, code, "till-loop")
            .await
            .context("enrolling")?;
    }
    let queue = PrintQueue::new(
        ReceiptPrinter::new(PrinterConfig::File {
            path: a.printer.clone(),
        }),
        ReceiptLayout::MM80,
    );
    // Catalog (and store info for receipts) before the first sale.
    let needs_catalog = {
        let l = lock()?;
        l.store_info()?.is_none() || l.cursor()? == 0
    };
    if needs_catalog {
        client
            .pull_changes(&ledger)
            .await
            .context("first catalog pull")?;
    }
    // Receipts of sales a killed predecessor committed but did not queue.
    queue.queue_lost_receipts(&ledger)?;
    if a.drain {
        queue.retry_pending(&ledger)?;
        for _ in 0..50 {
            match client.sync_once(&ledger).await {
                Ok(_) | Err(SyncError::Unavailable { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            if lock()?.outbox_len()? == 0 {
                say(format!("drained {}", lock()?.last_seq()?));
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the outbox did not empty");
    }
    if lock()?.open_shift()?.is_none() {
        let mut l = lock()?;
        let manager = l
            .managers()?
            .into_iter()
            .next()
            .context("no manager in the store")?;
        l.start_shift(&manager, Vec::new())?;
    }
    // Receipts a killed predecessor queued but did not print.
    queue.retry_pending(&ledger)?;
    let barcodes: Vec<String> = lock()?
        .search_products("Producto", 200)?
        .into_iter()
        .filter_map(|p| p.barcode)
        .collect();
    if barcodes.is_empty() {
        bail!("the till's catalog has no products with barcodes");
    }
    let mut rng = StdRng::seed_from_u64(a.seed ^ lock()?.last_seq()?);
    say(format!("ready {}", lock()?.last_seq()?));
    let mut n = 0;
    while a.sales == 0 || n < a.sales {
        say("phase commit");
        let (seq, total) = {
            let mut l = lock()?;
            let mut cart = Cart::new();
            for _ in 0..rng.gen_range(1..=3) {
                let code = &barcodes[rng.gen_range(0..barcodes.len())];
                let item = l.lookup_barcode(code)?.context("barcode vanished")?;
                cart.add_item(&item, Quantity::units(rng.gen_range(1..=2)))?;
            }
            let total = cart.totals()?.total;
            let pay = if rng.gen_bool(0.5) {
                cash_payment(total, total + Money::from_cents(500))
            } else {
                card_payment(total, None)
            };
            let (lines, discount) = cart.take();
            let doc = l.record_sale(None, lines, discount, vec![pay])?;
            (doc.seq, total)
        };
        say(format!("committed {seq} {}", total.cents()));
        say("phase print");
        queue.print_document(&ledger, seq, None)?;
        say(format!("printed {seq}"));
        n += 1;
        if n % a.sync_every.max(1) == 0 {
            say("phase sync");
            match client.sync_once(&ledger).await {
                Ok(_) => say("synced"),
                Err(SyncError::Unavailable { .. }) => say("sync-failed"),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("till-loop: {e:#}");
            ExitCode::FAILURE
        }
    }
}
