//! fault-suite: the long run of the network fault suite. Real tills sync with a real HQ (in this
//! process, over loopback) through a fault proxy, one seeded schedule after another, and
//! exactly-once is checked after each. Prints a JSON summary per backend; exits non-zero with the
//! failing seed when a schedule breaks exactly-once.
//!
//! `cargo run --release -p trastienda-tests --bin fault-suite -- --schedules 10000`

use clap::{Parser, ValueEnum};
use std::process::ExitCode;
use trastienda_tests::Backend;
use trastienda_tests::faults::{FaultSuiteConfig, run};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Parser, Debug)]
#[command(
    about = "Network fault schedules against real tills and HQ, exactly-once checked after each"
)]
struct Args {
    /// Schedules per backend.
    #[arg(long, default_value_t = 1000)]
    schedules: u64,
    /// Seed of the first schedule (schedule i uses seed + i).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// `postgres` needs TRASTIENDA_TEST_POSTGRES_URL (a server where it may create a database).
    #[arg(long, value_enum, default_value = "both")]
    backend: Which,
    /// Tills enrolled at the start (more enrol under faults, up to --max-tills).
    #[arg(long, default_value_t = 2)]
    tills: usize,
    #[arg(long, default_value_t = 6)]
    max_tills: usize,
    /// Longest delay and partition the schedules draw, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    max_delay_ms: u64,
    #[arg(long, default_value_t = 1000)]
    max_partition_ms: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let a = Args::parse();
    let backends = match a.backend {
        Which::Sqlite => vec![Backend::Sqlite],
        Which::Postgres => vec![Backend::Postgres],
        Which::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    for backend in backends {
        let mut cfg = FaultSuiteConfig::quick(backend, a.schedules);
        cfg.first_seed = a.seed;
        cfg.tills = a.tills;
        cfg.max_tills = a.max_tills.max(a.tills);
        cfg.mix.max_delay_ms = a.max_delay_ms;
        cfg.mix.max_partition_ms = a.max_partition_ms;
        cfg.progress_every = 100;
        match run(cfg).await {
            Ok(Some(summary)) => println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            ),
            Ok(None) => {}
            Err(e) => {
                eprintln!("fault-suite: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
