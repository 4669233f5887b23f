//! till-sim: N virtual tills running the real ledger and sync code against an HQ server.
//! Each till is enrolled with the HQ admin token, pulls the catalog, rings random sales and syncs.

use crate::hq::HqClient;
use hdrhistogram::Histogram;
use pos_terminal::cart::{Cart, card_payment, cash_payment};
use pos_terminal::ledger::Ledger;
use pos_terminal::sync::{SyncClient, SyncOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sync_protocol::{Money, Quantity};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub server_url: String,
    pub admin_token: String,
    pub tills: usize,
    pub sales_per_till: usize,
    /// Ring every sale before the first push (a till that was offline), instead of pushing as it goes.
    pub offline: bool,
    /// When online, push after this many sales.
    pub push_every: usize,
    pub seed: u64,
    /// Where the tills' ledgers go (a temporary folder when `None`).
    pub data_dir: Option<PathBuf>,
    pub sync: SyncOptions,
}

impl SimConfig {
    pub fn new(server_url: &str, admin_token: &str) -> Self {
        SimConfig {
            server_url: server_url.to_string(),
            admin_token: admin_token.to_string(),
            tills: 4,
            sales_per_till: 100,
            offline: false,
            push_every: 10,
            seed: 42,
            data_dir: None,
            sync: SyncOptions {
                base_delay: Duration::from_millis(50),
                max_delay: Duration::from_secs(2),
                ..SyncOptions::default()
            },
        }
    }
}

/// The JSON summary printed at the end of a run.
#[derive(Debug, Clone, Serialize)]
pub struct SimSummary {
    pub tills: usize,
    pub sales_rung: u64,
    pub documents_pushed: u64,
    pub documents_acknowledged: u64,
    pub conflicts: u64,
    /// Sum of the tills' sale totals.
    pub till_gross: Money,
    /// Tickets and gross HQ's sales report shows, less what it showed before the run.
    pub server_tickets: u64,
    pub server_gross: Money,
    /// Tickets HQ has beyond what was rung (should be 0).
    pub duplicates: u64,
    /// Tickets rung that HQ does not have (should be 0).
    pub missing: u64,
    pub ring_seconds: f64,
    pub sync_seconds: f64,
    /// Acknowledged documents per second of push wall time, all tills together.
    pub ingest_docs_per_second: f64,
    pub push_latency_ms_p50: f64,
    pub push_latency_ms_p95: f64,
    pub push_latency_ms_p99: f64,
    pub push_latency_ms_max: f64,
}

struct TillOutcome {
    sales: u64,
    pushed: u64,
    acked: u64,
    conflicts: u64,
    gross: Money,
    latencies_us: Vec<u64>,
}

/// Runs the simulation and returns its summary.
pub async fn run(cfg: SimConfig) -> anyhow::Result<SimSummary> {
    let hq = HqClient::new(&cfg.server_url, &cfg.admin_token);
    let stores = hq.get("/api/v1/admin/stores").await;
    let store_ids: Vec<i64> = stores
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["id"].as_i64()).collect())
        .unwrap_or_default();
    anyhow::ensure!(
        !store_ids.is_empty(),
        "HQ has no stores: seed it first (e.g. `back-office-server demo`)"
    );
    let products = hq.get("/api/v1/admin/products?limit=1000").await;
    let barcodes: Vec<String> = products
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    p["barcodes"]
                        .get(0)
                        .and_then(|b| b.as_str())
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    anyhow::ensure!(!barcodes.is_empty(), "HQ has no products with barcodes");
    let (base_tickets, base_gross) = hq.sales_totals().await;

    let tmp = tempfile::tempdir()?;
    let dir = cfg
        .data_dir
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let run_id = uuid::Uuid::now_v7().simple().to_string();

    // Enrol every till and pull the catalog before the clock starts.
    let client = SyncClient::new(cfg.sync.clone())?;
    let mut ledgers = Vec::new();
    for i in 0..cfg.tills {
        let store = store_ids[i % store_ids.len()];
        let (_, code) = hq
            .create_till(store, &format!("sim-{}-{i}", &run_id[..8]))
            .await;
        let ledger = Arc::new(Mutex::new(Ledger::open(
            dir.join(format!("till-{run_id}-{i}.db")),
        )?));
        client
            .enrol_ledger(&ledger, &cfg.server_url, &code, &format!("till-sim {i}"))
            .await?;
        client.pull_changes(&ledger).await?;
        // Sales need an open shift: the store's first manager opens it (empty float) and the
        // opening is pushed now, so the measured run is sales only.
        {
            let mut l = ledger
                .lock()
                .map_err(|_| anyhow::anyhow!("ledger lock poisoned"))?;
            let manager = l.managers()?.into_iter().next().ok_or_else(|| {
                anyhow::anyhow!(
                    "store {store} has no manager at HQ: till-sim opens each till's shift as a manager"
                )
            })?;
            l.start_shift(&manager, Vec::new())?;
        }
        client.push_pending(&ledger).await?;
        ledgers.push(ledger);
    }

    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, ledger) in ledgers.into_iter().enumerate() {
        let cfg = cfg.clone();
        let barcodes = barcodes.clone();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            run_till(i, cfg, ledger, client, barcodes).await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await??);
    }
    let ring_and_sync = started.elapsed().as_secs_f64();

    let (tickets, gross) = hq.sales_totals().await;
    let server_tickets = tickets.saturating_sub(base_tickets);
    let server_gross = gross - base_gross;
    let sales: u64 = outcomes.iter().map(|o| o.sales).sum();
    let mut hist = Histogram::<u64>::new(3)?;
    for o in &outcomes {
        for l in &o.latencies_us {
            hist.record((*l).max(1))?;
        }
    }
    let acked: u64 = outcomes.iter().map(|o| o.acked).sum();
    let push_wall = outcomes
        .iter()
        .map(|o| o.latencies_us.iter().sum::<u64>())
        .max()
        .unwrap_or(0) as f64
        / 1e6;
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    Ok(SimSummary {
        tills: cfg.tills,
        sales_rung: sales,
        documents_pushed: outcomes.iter().map(|o| o.pushed).sum(),
        documents_acknowledged: acked,
        conflicts: outcomes.iter().map(|o| o.conflicts).sum(),
        till_gross: outcomes.iter().map(|o| o.gross).sum(),
        server_tickets,
        server_gross,
        duplicates: server_tickets.saturating_sub(sales),
        missing: sales.saturating_sub(server_tickets),
        ring_seconds: ring_and_sync - push_wall,
        sync_seconds: push_wall,
        ingest_docs_per_second: if push_wall > 0.0 {
            acked as f64 / push_wall
        } else {
            0.0
        },
        push_latency_ms_p50: ms(0.5),
        push_latency_ms_p95: ms(0.95),
        push_latency_ms_p99: ms(0.99),
        push_latency_ms_max: hist.max() as f64 / 1000.0,
    })
}

async fn run_till(
    i: usize,
    cfg: SimConfig,
    ledger: Arc<Mutex<Ledger>>,
    client: SyncClient,
    barcodes: Vec<String>,
) -> anyhow::Result<TillOutcome> {
    let mut rng = StdRng::seed_from_u64(cfg.seed.wrapping_add(i as u64));
    let mut out = TillOutcome {
        sales: 0,
        pushed: 0,
        acked: 0,
        conflicts: 0,
        gross: Money::ZERO,
        latencies_us: Vec::new(),
    };
    let push_every = cfg.push_every.max(1);
    for n in 0..cfg.sales_per_till {
        // Ring one sale: scan 1–5 codes, pay cash or card. The ledger commit is a blocking fsync.
        let picks: Vec<(String, i64)> = (0..rng.gen_range(1..=5))
            .map(|_| {
                (
                    barcodes[rng.gen_range(0..barcodes.len())].clone(),
                    rng.gen_range(1..=3),
                )
            })
            .collect();
        let cash = rng.gen_bool(0.5);
        let l = ledger.clone();
        let total = tokio::task::spawn_blocking(move || -> anyhow::Result<Money> {
            let mut ledger = l
                .lock()
                .map_err(|_| anyhow::anyhow!("ledger lock poisoned"))?;
            let mut cart = Cart::new();
            for (code, qty) in &picks {
                let item = ledger
                    .lookup_barcode(code)?
                    .ok_or_else(|| anyhow::anyhow!("barcode {code} not in the till's catalog"))?;
                cart.add_item(&item, Quantity::units(*qty))?;
            }
            let total = cart.totals()?.total;
            let payment = if cash {
                cash_payment(total, total + Money::from_cents(500))
            } else {
                card_payment(total, Some("SIM".into()))
            };
            let (lines, discount) = cart.take();
            ledger.record_sale(None, lines, discount, vec![payment])?;
            Ok(total)
        })
        .await??;
        out.sales += 1;
        out.gross += total;
        if !cfg.offline && (n + 1) % push_every == 0 {
            push(&client, &ledger, &mut out).await?;
        }
    }
    // Whatever is left (everything, for an offline till).
    while ledger
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .outbox_len()?
        > 0
    {
        let before = out.acked;
        push(&client, &ledger, &mut out).await?;
        anyhow::ensure!(
            out.acked > before || out.conflicts > 0,
            "push made no progress"
        );
        if out.conflicts > 0 {
            break;
        }
    }
    Ok(out)
}

async fn push(
    client: &SyncClient,
    ledger: &Mutex<Ledger>,
    out: &mut TillOutcome,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let r = client.push_pending(ledger).await?;
    out.latencies_us.push(t.elapsed().as_micros() as u64);
    out.pushed += r.pushed as u64;
    out.acked += r.acknowledged as u64;
    out.conflicts += r.conflicts as u64;
    Ok(())
}
