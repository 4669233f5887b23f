//! The network fault suite: real tills (the pos-terminal library) sync with a real HQ through the
//! [`FaultProxy`], one seeded fault schedule after another; after each, exactly-once is checked.
//!
//! A schedule: the proxy starts drawing faults from its seed; every till rings a few sales and
//! syncs through it (failures are expected); every few schedules a new till enrols through it too.
//! Then the network heals, every till syncs until its outbox is empty, and HQ must hold exactly
//! what the tills hold: each till's sequence complete with no gap or conflict, each ledger's chain
//! intact, no alert, and HQ's tickets and gross equal to the tills' own.

use crate::hq::HqClient;
use crate::proxy::{FaultCounts, FaultMix, FaultProxy};
use crate::server::{Backend, TestDatabase, TestServer};
use anyhow::{Context, bail, ensure};
use pos_terminal::cart::{Cart, card_payment, cash_payment};
use pos_terminal::ledger::Ledger;
use pos_terminal::sync::{SyncClient, SyncError, SyncOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sync_protocol::{Money, Quantity};

/// What to run.
#[derive(Debug, Clone)]
pub struct FaultSuiteConfig {
    pub backend: Backend,
    pub schedules: u64,
    /// Schedule `i` uses seed `first_seed + i`: a failing schedule is rerun alone with
    /// `--seed <its seed> --schedules 1` (plus the tills it had, see the failure message).
    pub first_seed: u64,
    /// Tills enrolled before the first schedule; more enrol under faults as the run goes.
    pub tills: usize,
    pub max_tills: usize,
    /// Most sales a till rings per schedule.
    pub max_sales: usize,
    pub mix: FaultMix,
    /// Print a progress line every this many schedules (0: never).
    pub progress_every: u64,
}

impl FaultSuiteConfig {
    /// The quick mode the test suite runs: small faults, few schedules.
    pub fn quick(backend: Backend, schedules: u64) -> Self {
        Self {
            backend,
            schedules,
            first_seed: 1,
            tills: 2,
            max_tills: 4,
            max_sales: 3,
            mix: FaultMix {
                max_delay_ms: 600,
                max_partition_ms: 400,
                ..FaultMix::default()
            },
            progress_every: 0,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct FaultSuiteSummary {
    pub backend: String,
    pub schedules_survived: u64,
    pub tills: usize,
    pub sales: u64,
    pub gross: Money,
    /// Syncs that failed under faults (expected) and enrolment attempts that failed.
    pub failed_syncs: u64,
    pub failed_enrolments: u64,
    pub faults: FaultCounts,
    pub seconds: f64,
}

/// A till of the suites: its ledger, and what was rung on it (to compare with HQ).
pub(crate) struct SuiteTill {
    pub(crate) ledger: Arc<Mutex<Ledger>>,
    pub(crate) till_id: i64,
    pub(crate) sales: u64,
    pub(crate) gross: Money,
}

/// Runs the suite; an `Err` names the schedule (seed) that broke exactly-once and how.
pub async fn run(cfg: FaultSuiteConfig) -> anyhow::Result<Option<FaultSuiteSummary>> {
    let Some(db) = TestDatabase::create(cfg.backend).await else {
        return Ok(None);
    };
    let result = run_on(&cfg, &db.url).await;
    db.cleanup().await;
    result.map(Some)
}

async fn run_on(cfg: &FaultSuiteConfig, database_url: &str) -> anyhow::Result<FaultSuiteSummary> {
    let started = Instant::now();
    let server = TestServer::start(database_url).await;
    let admin = HqClient::new(
        &server.url(),
        &HqClient::bootstrap_admin(database_url).await,
    );
    let franchise = admin.seed_franchise(1, 30).await;
    let store = franchise.store_ids[0];
    let barcodes: Vec<String> = franchise.products.iter().map(|p| p.1.clone()).collect();
    let proxy = FaultProxy::start(server.addr).await;
    let dir = tempfile::tempdir()?;
    // Under faults: short timeouts and few attempts, so a schedule stays short and many requests
    // see a fault. Healing: patient.
    let faulty = SyncClient::new(SyncOptions {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        timeout: Duration::from_millis(400),
        ..SyncOptions::default()
    })?;
    let patient = SyncClient::new(SyncOptions {
        max_attempts: 10,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        timeout: Duration::from_secs(20),
        ..SyncOptions::default()
    })?;
    let mut tills: Vec<SuiteTill> = Vec::new();
    let mut failed_syncs = 0;
    let mut failed_enrolments = 0;
    for i in 0..cfg.tills {
        let t = enrol(
            &admin,
            &proxy.url(),
            &patient,
            store,
            &dir,
            i,
            &mut failed_enrolments,
        )
        .await?;
        tills.push(t);
    }
    for s in 0..cfg.schedules {
        let seed = cfg.first_seed + s;
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_f0fa);
        proxy.schedule(seed, cfg.mix.clone());
        // Now and then a new till enrols under faults (a lost enrolment answer must not burn the code).
        if tills.len() < cfg.max_tills && rng.gen_ratio(1, 8) {
            let n = tills.len();
            let t = enrol(
                &admin,
                &proxy.url(),
                &faulty,
                store,
                &dir,
                n,
                &mut failed_enrolments,
            )
            .await
            .with_context(|| format!("schedule seed {seed}: enrolment under faults"))?;
            tills.push(t);
        }
        for t in tills.iter_mut() {
            for _ in 0..rng.gen_range(0..=cfg.max_sales) {
                ring(t, &barcodes, &mut rng)?;
            }
            match faulty.sync_once(&t.ledger).await {
                Ok(_) => {}
                Err(SyncError::Unavailable { .. } | SyncError::Transport(_)) => failed_syncs += 1,
                Err(e) => bail!(
                    "schedule seed {seed}: till {} sync failed for a reason that is not the network: {e}",
                    t.till_id
                ),
            }
        }
        proxy.heal();
        for t in &tills {
            drain(&patient, t)
                .await
                .with_context(|| format!("schedule seed {seed}: healing till {}", t.till_id))?;
        }
        check(&admin, &tills).await.with_context(|| {
            format!("schedule seed {seed} (schedule {s} of this run): exactly-once broken")
        })?;
        if cfg.progress_every > 0 && (s + 1) % cfg.progress_every == 0 {
            eprintln!(
                "{:?}: {} schedules survived, {} tills, {} sales, faults {:?}, {:.0} s",
                cfg.backend,
                s + 1,
                tills.len(),
                tills.iter().map(|t| t.sales).sum::<u64>(),
                proxy.counts(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(FaultSuiteSummary {
        backend: format!("{:?}", cfg.backend).to_lowercase(),
        schedules_survived: cfg.schedules,
        tills: tills.len(),
        sales: tills.iter().map(|t| t.sales).sum(),
        gross: tills.iter().map(|t| t.gross).sum(),
        failed_syncs,
        failed_enrolments,
        faults: proxy.counts(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Enrols a till through the proxy (retrying until it has an identity), pulls the catalog and
/// opens its shift. Only network failures are retried: HQ refusing the code is a failure.
pub(crate) async fn enrol(
    admin: &HqClient,
    server_url: &str,
    client: &SyncClient,
    store: i64,
    dir: &tempfile::TempDir,
    n: usize,
    failed: &mut u64,
) -> anyhow::Result<SuiteTill> {
    let (till_id, code) = admin.create_till(store, &format!("fault-{n}")).await;
    let ledger = Arc::new(Mutex::new(Ledger::open(
        dir.path().join(format!("till-{n}.db")),
    )?));
    let mut attempts = 0;
    loop {
        attempts += 1;
        match client
            .enrol_ledger(&ledger, server_url, &code, &format!("caja {n}"))
            .await
        {
            Ok(_) => break,
            Err(SyncError::Unavailable { .. } | SyncError::Transport(_)) if attempts < 50 => {
                *failed += 1
            }
            Err(e) => bail!("till {till_id} could not enrol (attempt {attempts}): {e}"),
        }
    }
    // The catalog and the shift opening go through whatever the proxy is doing: retry until done.
    let mut tries = 0;
    while let Err(e) = client.pull_changes(&ledger).await {
        tries += 1;
        ensure!(
            tries < 50,
            "till {till_id}: catalog pull keeps failing: {e}"
        );
    }
    {
        let mut l = ledger.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        let manager = l
            .managers()?
            .into_iter()
            .next()
            .context("the store has no manager")?;
        l.start_shift(&manager, Vec::new())?;
    }
    Ok(SuiteTill {
        ledger,
        till_id,
        sales: 0,
        gross: Money::ZERO,
    })
}

pub(crate) fn ring(t: &mut SuiteTill, barcodes: &[String], rng: &mut StdRng) -> anyhow::Result<()> {
    let mut l = t.ledger.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let mut cart = Cart::new();
    for _ in 0..rng.gen_range(1..=4) {
        let code = &barcodes[rng.gen_range(0..barcodes.len())];
        let item = l.lookup_barcode(code)?.context("barcode not in the till")?;
        cart.add_item(&item, Quantity::units(rng.gen_range(1..=3)))?;
    }
    let total = cart.totals()?.total;
    let payment = if rng.gen_bool(0.5) {
        cash_payment(total, total + Money::from_cents(rng.gen_range(0..2_000)))
    } else {
        card_payment(total, Some("FAULT".into()))
    };
    let (lines, discount) = cart.take();
    l.record_sale(None, lines, discount, vec![payment])?;
    t.sales += 1;
    t.gross += total;
    Ok(())
}

/// Syncs until the outbox is empty over a healed network.
pub(crate) async fn drain(client: &SyncClient, t: &SuiteTill) -> anyhow::Result<()> {
    for _ in 0..20 {
        client.sync_once(&t.ledger).await?;
        let l = t.ledger.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        ensure!(
            l.conflicts()?.is_empty(),
            "HQ reported conflicts: {:?}",
            l.conflicts()?
        );
        if l.outbox_len()? == 0 {
            return Ok(());
        }
    }
    bail!("the outbox does not empty over a healed network")
}

/// Exactly-once: HQ holds each till's documents complete, once, with intact chains, and its
/// tickets and gross equal the tills' own.
pub(crate) async fn check(admin: &HqClient, tills: &[SuiteTill]) -> anyhow::Result<()> {
    let alerts = admin.alerts().await;
    ensure!(alerts.is_empty(), "HQ raised alerts: {alerts:?}");
    let (mut sales, mut gross) = (0u64, Money::ZERO);
    for t in tills {
        let (last_seq, ledger_gross) = {
            let l = t.ledger.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
            let n = l.verify_chain()?;
            ensure!(
                n == l.last_seq()?,
                "till {}: chain covers {n} of {}",
                t.till_id,
                l.last_seq()?
            );
            (l.last_seq()?, l.sales_gross()?)
        };
        ensure!(
            ledger_gross == t.gross,
            "till {}: the ledger holds {ledger_gross} of sales, {} were rung",
            t.till_id,
            t.gross
        );
        let hq = admin
            .get(&format!("/api/v1/admin/tills/{}", t.till_id))
            .await;
        for (field, want) in [
            ("last_seq", last_seq),
            ("contiguous_seq", last_seq),
            ("open_gaps", 0),
            ("conflicts", 0),
        ] {
            ensure!(
                hq[field].as_u64() == Some(want),
                "till {}: HQ says {field} = {}, expected {want}",
                t.till_id,
                hq[field]
            );
        }
        sales += t.sales;
        gross += t.gross;
    }
    let (hq_tickets, hq_gross) = admin.sales_totals().await;
    ensure!(
        hq_tickets == sales,
        "HQ has {hq_tickets} tickets, the tills rang {sales} ({} duplicated or lost)",
        hq_tickets as i64 - sales as i64
    );
    ensure!(
        hq_gross == gross,
        "HQ gross {hq_gross} != tills' gross {gross}"
    );
    Ok(())
}
