//! till-sim: N virtual tills running the real ledger and sync code against an HQ server.
//! Each till is enrolled with the HQ admin token, pulls the catalog, rings random sales and syncs.
//!
//! Two modes: a count of sales per till (pushing every few sales, or offline then all at once),
//! or paced (`Pace`): every till rings and syncs once per interval for a duration, like a fleet.
//! Set-up waits for HQ with backoff; tills enrol concurrently; a failed push is counted and retried
//! at the next round, never stops the run; the ledgers in `data_dir` are resumed after a kill
//! (enrolled tills go on with their ledger, a till killed mid-enrolment retries it safely).

use crate::hq::HqClient;
use hdrhistogram::Histogram;
use pos_terminal::cart::{Cart, card_payment, cash_payment};
use pos_terminal::ledger::Ledger;
use pos_terminal::sync::{SyncClient, SyncError, SyncOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sync_protocol::{DocumentBody, Money, Quantity};

/// Paced mode: every till rings `sales_per_round` sales and syncs (push, then the changes poll)
/// once per `interval`, starting at a random point of the first interval, until `duration` ends.
#[derive(Debug, Clone)]
pub struct Pace {
    pub interval: Duration,
    pub duration: Duration,
    pub sales_per_round: usize,
}

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
    /// Where the tills' ledgers go (a temporary folder when `None`). Ledgers found there are resumed.
    pub data_dir: Option<PathBuf>,
    pub sync: SyncOptions,
    /// Paced mode instead of `sales_per_till`.
    pub pace: Option<Pace>,
    /// Tills enrolled (and set up) at the same time.
    pub enrol_concurrency: usize,
    /// How long set-up waits for an unreachable HQ before giving up.
    pub setup_patience: Duration,
    /// The HQ server's process id: its CPU and memory are sampled every second during the run.
    pub server_pid: Option<u32>,
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
            pace: None,
            enrol_concurrency: 16,
            setup_patience: Duration::from_secs(120),
            server_pid: None,
        }
    }
}

/// The JSON summary printed at the end of a run.
#[derive(Debug, Clone, Serialize)]
pub struct SimSummary {
    pub tills: usize,
    /// Tills whose ledger was found in `data_dir` already enrolled, and went on with it.
    pub resumed_tills: usize,
    pub sales_rung: u64,
    pub documents_pushed: u64,
    pub documents_acknowledged: u64,
    pub conflicts: u64,
    /// Pushes (one `push_pending` each) and those that failed after the client's own retries.
    pub pushes: u64,
    pub push_errors: u64,
    /// Changes polls and those that failed.
    pub polls: u64,
    pub poll_errors: u64,
    /// The first few error messages, to say what went wrong.
    pub first_errors: Vec<String>,
    /// Sum of the tills' sale totals rung in this run.
    pub till_gross: Money,
    /// Tickets and gross HQ's sales report shows, less what it showed before the run.
    pub server_tickets: u64,
    pub server_gross: Money,
    /// Tickets HQ has beyond what was rung (should be 0; only measured on a fresh run).
    pub duplicates: u64,
    /// Tickets rung that HQ does not have (should be 0): on a resumed run, documents of these
    /// tills HQ does not hold contiguously.
    pub missing: u64,
    pub enrol_seconds: f64,
    pub ring_seconds: f64,
    pub sync_seconds: f64,
    pub run_seconds: f64,
    /// Acknowledged documents per second of push wall time, all tills together.
    pub ingest_docs_per_second: f64,
    pub push_latency_ms_p50: f64,
    pub push_latency_ms_p95: f64,
    pub push_latency_ms_p99: f64,
    pub push_latency_ms_max: f64,
    /// The same pushes without the tills' own ledger work (reading the outbox, committing the
    /// acknowledgement with an fsync): only the wait on HQ. With thousands of tills sharing one
    /// disk the difference is the simulator's, not HQ's.
    pub push_hq_wait_ms_p50: f64,
    pub push_hq_wait_ms_p99: f64,
    pub push_hq_wait_ms_max: f64,
    /// The server process during the run (when `server_pid` was given): CPU in percent of one
    /// core (200 = both cores of a 2-core machine), resident memory.
    pub server_cpu_percent_avg: Option<f64>,
    pub server_cpu_percent_max: Option<f64>,
    pub server_rss_mb_start: Option<f64>,
    pub server_rss_mb_peak: Option<f64>,
}

#[derive(Default)]
struct TillOutcome {
    sales: u64,
    pushed: u64,
    acked: u64,
    conflicts: u64,
    pushes: u64,
    push_errors: u64,
    polls: u64,
    poll_errors: u64,
    errors: Vec<String>,
    gross: Money,
    latencies_us: Vec<u64>,
    /// The part of each push spent waiting on HQ (no ledger work).
    hq_wait_us: Vec<u64>,
}

impl TillOutcome {
    fn error(&mut self, e: impl std::fmt::Display) {
        if self.errors.len() < 3 {
            self.errors.push(e.to_string());
        }
    }
}

/// A till ready to sell.
struct SimTill {
    index: usize,
    ledger: Arc<Mutex<Ledger>>,
    till_id: i64,
    resumed: bool,
}

fn poisoned<T>(_: T) -> anyhow::Error {
    anyhow::anyhow!("ledger lock poisoned")
}

/// Runs the simulation and returns its summary.
pub async fn run(cfg: SimConfig) -> anyhow::Result<SimSummary> {
    let hq = Arc::new(HqClient::new(&cfg.server_url, &cfg.admin_token));
    let patience = cfg.setup_patience;
    let get = reqwest::Method::GET;
    let stores = hq
        .retrying(get.clone(), "/api/v1/admin/stores", None, patience)
        .await?;
    let store_ids: Vec<i64> = stores
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["id"].as_i64()).collect())
        .unwrap_or_default();
    anyhow::ensure!(
        !store_ids.is_empty(),
        "HQ has no stores: seed it first (e.g. `back-office-server demo`)"
    );
    let products = hq
        .retrying(
            get.clone(),
            "/api/v1/admin/products?limit=1000",
            None,
            patience,
        )
        .await?;
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
    let (base_tickets, base_gross) = sales_totals(&hq, patience).await?;

    let tmp = tempfile::tempdir()?;
    let dir = cfg
        .data_dir
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;

    // Enrol (or resume) every till and pull the catalog before the clock starts, several at a time.
    let client = SyncClient::new(cfg.sync.clone())?;
    let enrol_started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(cfg.enrol_concurrency.max(1)));
    let mut setups = Vec::new();
    for i in 0..cfg.tills {
        let (gate, hq, client, dir) = (gate.clone(), hq.clone(), client.clone(), dir.clone());
        let store = store_ids[i % store_ids.len()];
        let (url, patience) = (cfg.server_url.clone(), patience);
        setups.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            set_up_till(i, store, &hq, &client, &url, &dir, patience).await
        }));
    }
    let mut tills = Vec::new();
    for s in setups {
        tills.push(s.await??);
    }
    let enrol_seconds = enrol_started.elapsed().as_secs_f64();
    let resumed_tills = tills.iter().filter(|t| t.resumed).count();

    let sampler = cfg.server_pid.map(ProcessSampler::start);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in &tills {
        let cfg = cfg.clone();
        let barcodes = barcodes.clone();
        let client = client.clone();
        let (i, ledger) = (t.index, t.ledger.clone());
        tasks.push(tokio::spawn(async move {
            match &cfg.pace {
                Some(p) => run_paced_till(i, &cfg, p, ledger, client, barcodes).await,
                None => run_till(i, cfg, ledger, client, barcodes).await,
            }
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await??);
    }
    let ring_and_sync = started.elapsed().as_secs_f64();
    let process = match sampler {
        Some(s) => Some(s.stop().await),
        None => None,
    };

    let (tickets, gross) = sales_totals(&hq, patience).await?;
    let server_tickets = tickets.saturating_sub(base_tickets);
    let server_gross = gross - base_gross;
    let sales: u64 = outcomes.iter().map(|o| o.sales).sum();
    // HQ's view of each till: what it holds with no gap, against the ledger.
    let hq_tills = hq
        .retrying(get, "/api/v1/admin/tills", None, patience)
        .await?;
    let contiguous: HashMap<i64, u64> = hq_tills
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| Some((t["id"].as_i64()?, t["contiguous_seq"].as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    let mut behind = 0;
    for t in &tills {
        let last = t.ledger.lock().map_err(poisoned)?.last_seq()?;
        behind += last.saturating_sub(contiguous.get(&t.till_id).copied().unwrap_or(0));
    }
    let (duplicates, missing) = if resumed_tills == 0 {
        (
            server_tickets.saturating_sub(sales),
            sales.saturating_sub(server_tickets).max(behind),
        )
    } else {
        (0, behind)
    };
    let mut hist = Histogram::<u64>::new(3)?;
    let mut wait = Histogram::<u64>::new(3)?;
    for o in &outcomes {
        for l in &o.latencies_us {
            hist.record((*l).max(1))?;
        }
        for l in &o.hq_wait_us {
            wait.record((*l).max(1))?;
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
        resumed_tills,
        sales_rung: sales,
        documents_pushed: outcomes.iter().map(|o| o.pushed).sum(),
        documents_acknowledged: acked,
        conflicts: outcomes.iter().map(|o| o.conflicts).sum(),
        pushes: outcomes.iter().map(|o| o.pushes).sum(),
        push_errors: outcomes.iter().map(|o| o.push_errors).sum(),
        polls: outcomes.iter().map(|o| o.polls).sum(),
        poll_errors: outcomes.iter().map(|o| o.poll_errors).sum(),
        first_errors: outcomes
            .iter()
            .flat_map(|o| o.errors.iter().cloned())
            .take(5)
            .collect(),
        till_gross: outcomes.iter().map(|o| o.gross).sum(),
        server_tickets,
        server_gross,
        duplicates,
        missing,
        enrol_seconds,
        ring_seconds: ring_and_sync - push_wall,
        sync_seconds: push_wall,
        run_seconds: ring_and_sync,
        ingest_docs_per_second: if push_wall > 0.0 {
            acked as f64 / push_wall
        } else {
            0.0
        },
        push_latency_ms_p50: ms(0.5),
        push_latency_ms_p95: ms(0.95),
        push_latency_ms_p99: ms(0.99),
        push_latency_ms_max: hist.max() as f64 / 1000.0,
        push_hq_wait_ms_p50: wait.value_at_quantile(0.5) as f64 / 1000.0,
        push_hq_wait_ms_p99: wait.value_at_quantile(0.99) as f64 / 1000.0,
        push_hq_wait_ms_max: wait.max() as f64 / 1000.0,
        server_cpu_percent_avg: process.as_ref().map(|p| p.cpu_avg),
        server_cpu_percent_max: process.as_ref().map(|p| p.cpu_max),
        server_rss_mb_start: process.as_ref().map(|p| p.rss_start_mb),
        server_rss_mb_peak: process.as_ref().map(|p| p.rss_peak_mb),
    })
}

async fn sales_totals(hq: &HqClient, patience: Duration) -> anyhow::Result<(u64, Money)> {
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Days::new(30);
    let to = today + chrono::Days::new(2);
    let v = hq
        .retrying(
            reqwest::Method::GET,
            &format!("/api/v1/reports/sales?from={from}&to={to}&group_by=store"),
            None,
            patience,
        )
        .await?;
    let tickets = v["totals"]["tickets"].as_u64().unwrap_or(0);
    let gross: Money = v["totals"]["gross"]
        .as_str()
        .unwrap_or("0.00")
        .parse()
        .map_err(|e| anyhow::anyhow!("HQ's gross is not money: {e}"))?;
    Ok((tickets, gross))
}

/// Opens till `i`'s ledger in `dir`; enrols it unless it already is (a resumed run), pulls the
/// catalog, opens its shift and pushes what was left. The enrolment code is kept in a file beside
/// the ledger until the enrolment is stored, so a till killed mid-enrolment retries the same one
/// (the ledger keeps the enrolment id; HQ gives the same till back).
async fn set_up_till(
    i: usize,
    store: i64,
    hq: &HqClient,
    client: &SyncClient,
    server_url: &str,
    dir: &Path,
    patience: Duration,
) -> anyhow::Result<SimTill> {
    let path = dir.join(format!("till-{i}.db"));
    let code_file = dir.join(format!("till-{i}.code"));
    let ledger = Arc::new(Mutex::new(Ledger::open(&path)?));
    let resumed = ledger.lock().map_err(poisoned)?.identity()?.is_some();
    if !resumed {
        let code = match std::fs::read_to_string(&code_file) {
            Ok(c) => c.trim().to_string(),
            Err(_) => {
                let v = hq
                    .retrying(
                        reqwest::Method::POST,
                        "/api/v1/admin/tills",
                        Some(json!({"store_id": store, "name": format!("sim-{i}")})),
                        patience,
                    )
                    .await?;
                let code = v["enrolment_code"]
                    .as_str()
                    .ok_or_else(|| anyhow::anyhow!("HQ gave no enrolment code: {v}"))?
                    .to_string();
                std::fs::write(&code_file, &code)?;
                code
            }
        };
        let device = format!("till-sim {i}");
        retry_network(patience, || {
            client.enrol_ledger(&ledger, server_url, &code, &device)
        })
        .await?;
        let _ = std::fs::remove_file(&code_file);
    }
    retry_network(patience, || client.pull_changes(&ledger)).await?;
    // Sales need an open shift: the store's first manager opens it (empty float) and the opening
    // is pushed now, so the measured run is sales only.
    {
        let mut l = ledger.lock().map_err(poisoned)?;
        if l.open_shift()?.is_none() {
            let manager = l.managers()?.into_iter().next().ok_or_else(|| {
                anyhow::anyhow!(
                    "store {store} has no manager at HQ: till-sim opens each till's shift as a manager"
                )
            })?;
            l.start_shift(&manager, Vec::new())?;
        }
    }
    retry_network(patience, || client.push_pending(&ledger)).await?;
    let till_id = ledger
        .lock()
        .map_err(poisoned)?
        .identity()?
        .map(|t| t.till_id.0)
        .ok_or_else(|| anyhow::anyhow!("till {i} has no identity after enrolment"))?;
    Ok(SimTill {
        index: i,
        ledger,
        till_id,
        resumed,
    })
}

/// Retries a sync step while the failure is the network (or HQ's 5xx), for up to `patience`.
async fn retry_network<T, F, Fut>(patience: Duration, mut step: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SyncError>>,
{
    let deadline = Instant::now() + patience;
    let mut delay = Duration::from_millis(100);
    loop {
        match step().await {
            Ok(v) => return Ok(v),
            Err(e @ (SyncError::Unavailable { .. } | SyncError::Transport(_)))
                if Instant::now() + delay < deadline =>
            {
                let _ = e;
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Rings one sale of 1–5 random codes, paid cash or card. The ledger commit is a blocking fsync.
async fn ring_one(
    ledger: &Arc<Mutex<Ledger>>,
    barcodes: &[String],
    rng: &mut StdRng,
) -> anyhow::Result<Money> {
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
    tokio::task::spawn_blocking(move || -> anyhow::Result<Money> {
        let mut ledger = l.lock().map_err(poisoned)?;
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
    .await?
}

async fn run_till(
    i: usize,
    cfg: SimConfig,
    ledger: Arc<Mutex<Ledger>>,
    client: SyncClient,
    barcodes: Vec<String>,
) -> anyhow::Result<TillOutcome> {
    let mut rng = StdRng::seed_from_u64(cfg.seed.wrapping_add(i as u64));
    let mut out = TillOutcome::default();
    let push_every = cfg.push_every.max(1);
    for n in 0..cfg.sales_per_till {
        out.gross += ring_one(&ledger, &barcodes, &mut rng).await?;
        out.sales += 1;
        if !cfg.offline && (n + 1) % push_every == 0 {
            push(&client, &ledger, &mut out).await?;
        }
    }
    drain(&client, &ledger, &mut out).await?;
    Ok(out)
}

async fn run_paced_till(
    i: usize,
    cfg: &SimConfig,
    pace: &Pace,
    ledger: Arc<Mutex<Ledger>>,
    client: SyncClient,
    barcodes: Vec<String>,
) -> anyhow::Result<TillOutcome> {
    let mut rng = StdRng::seed_from_u64(cfg.seed.wrapping_add(i as u64));
    let mut out = TillOutcome::default();
    let start = tokio::time::Instant::now();
    let end = start + pace.duration;
    // Spread the fleet over the first interval, as real tills are.
    let offset = Duration::from_millis(rng.gen_range(0..pace.interval.as_millis().max(1) as u64));
    let mut next = start + offset;
    while next < end {
        tokio::time::sleep_until(next).await;
        for _ in 0..pace.sales_per_round {
            out.gross += ring_one(&ledger, &barcodes, &mut rng).await?;
            out.sales += 1;
        }
        push(&client, &ledger, &mut out).await?;
        out.polls += 1;
        if let Err(e) = client.pull_changes(&ledger).await {
            out.poll_errors += 1;
            out.error(format!("poll: {e}"));
        }
        next += pace.interval;
    }
    drain(&client, &ledger, &mut out).await?;
    Ok(out)
}

/// Pushes until the outbox is empty; errors are counted and retried, up to 10 rounds without
/// progress (then the run ends with what it has; the summary shows what is missing).
async fn drain(
    client: &SyncClient,
    ledger: &Arc<Mutex<Ledger>>,
    out: &mut TillOutcome,
) -> anyhow::Result<()> {
    let mut stuck = 0;
    while ledger.lock().map_err(poisoned)?.outbox_len()? > 0 && stuck < 10 {
        let before = out.acked;
        push(client, ledger, out).await?;
        if out.conflicts > 0 {
            break;
        }
        if out.acked == before {
            stuck += 1;
            tokio::time::sleep(Duration::from_millis(200 * stuck)).await;
        } else {
            stuck = 0;
        }
    }
    Ok(())
}

/// One push; a failure is counted (the documents stay queued for the next one), not returned.
async fn push(
    client: &SyncClient,
    ledger: &Mutex<Ledger>,
    out: &mut TillOutcome,
) -> anyhow::Result<()> {
    let t = Instant::now();
    out.pushes += 1;
    match client.push_pending(ledger).await {
        Ok(r) => {
            out.latencies_us.push(t.elapsed().as_micros() as u64);
            out.hq_wait_us.push(r.push_wait.as_micros() as u64);
            out.pushed += r.pushed as u64;
            out.acked += r.acknowledged as u64;
            out.conflicts += r.conflicts as u64;
        }
        Err(SyncError::Ledger(e)) => return Err(e.into()),
        Err(e) => {
            out.push_errors += 1;
            out.error(format!("push: {e}"));
        }
    }
    Ok(())
}

/// Counts the sales in a ledger (for checks after a resumed run).
pub fn ledger_sales(ledger: &Ledger) -> anyhow::Result<(u64, Money)> {
    let (mut n, mut gross) = (0, Money::ZERO);
    for seq in 1..=ledger.last_seq()? {
        if let Some(d) = ledger.document(seq)?
            && let DocumentBody::Sale(s) = &d.body
        {
            n += 1;
            gross += s.totals.total;
        }
    }
    Ok((n, gross))
}

// --- the server process's CPU and memory ---------------------------------------------------------

struct ProcessFigures {
    cpu_avg: f64,
    cpu_max: f64,
    rss_start_mb: f64,
    rss_peak_mb: f64,
}

struct ProcessSampler {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<ProcessFigures>,
}

/// Clock ticks (utime + stime) and resident set of `pid` from /proc (Linux).
fn sample(pid: u32) -> Option<(u64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some((ticks, rss_kb / 1024.0))
}

/// Linux's USER_HZ, the unit of /proc/<pid>/stat times: 100 on every common architecture.
const TICKS_PER_SECOND: f64 = 100.0;

impl ProcessSampler {
    fn start(pid: u32) -> Self {
        let (stop, mut rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let first = sample(pid);
            let (mut last_ticks, rss0) = first.unwrap_or((0, 0.0));
            let t0 = Instant::now();
            let mut last_t = t0;
            let (mut cpu_max, mut rss_peak) = (0.0f64, rss0);
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                if let Some((ticks, rss)) = sample(pid) {
                    let now = Instant::now();
                    let dt = now.duration_since(last_t).as_secs_f64();
                    if dt > 0.0 {
                        let pct = (ticks - last_ticks) as f64 / TICKS_PER_SECOND / dt * 100.0;
                        cpu_max = cpu_max.max(pct);
                    }
                    last_ticks = ticks;
                    last_t = now;
                    rss_peak = rss_peak.max(rss);
                }
            }
            let total = first
                .zip(sample(pid))
                .map(|((a, _), (b, _))| (b - a) as f64 / TICKS_PER_SECOND)
                .unwrap_or(0.0);
            ProcessFigures {
                cpu_avg: total / t0.elapsed().as_secs_f64().max(1e-9) * 100.0,
                cpu_max,
                rss_start_mb: rss0,
                rss_peak_mb: rss_peak,
            }
        });
        Self { stop, task }
    }

    async fn stop(self) -> ProcessFigures {
        let _ = self.stop.send(());
        self.task.await.unwrap_or(ProcessFigures {
            cpu_avg: 0.0,
            cpu_max: 0.0,
            rss_start_mb: 0.0,
            rss_peak_mb: 0.0,
        })
    }
}
