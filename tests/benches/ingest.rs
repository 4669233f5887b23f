//! Ingest benchmark: till-sim against a real server on each backend; prints sales/s and push latency,
//! and beside it a raw baseline: the same rows written straight into empty copies of their tables
//! (plain multi-row INSERTs of 500 rows; on PostgreSQL also COPY), so the figure can be judged.
//! `cargo bench -p trastienda-tests --bench ingest` (PostgreSQL when TRASTIENDA_TEST_POSTGRES_URL is set).
//! Optional: INGEST_TILLS (default 8), INGEST_SALES per till (default 1000), INGEST_RAW=0 to skip the baseline,
//! INGEST_RUNS (default 3; the median is printed),
//! INGEST_BACKEND=sqlite or postgres for one backend only.
//! With `--features bench-baseline` each backend also runs the same pushes without keeping stock
//! (a fresh database, the same seeded sales) and prints the cut that stock keeping makes (issue 13:
//! at most 20 %); INGEST_PAIRS (default 1) runs that many with/without pairs, alternating.

use std::time::Instant;
use trastienda_tests::server::TestDatabase;
use trastienda_tests::sim::{SimConfig, run};
use trastienda_tests::{Backend, HqClient, TestServer};

/// The tables a push writes a row (or several) per sale into.
const RAW_TABLES: &[&str] = &[
    "documents",
    "sales",
    "sale_lines",
    "sale_payments",
    "stock_moves",
    "verifactu_records",
];
/// Rows per multi-row INSERT (the push's batch size).
const RAW_BATCH: usize = 500;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Seconds to write the rows with multi-row INSERTs, seconds with COPY (PostgreSQL only), rows written.
struct Raw {
    insert_s: f64,
    copy_s: Option<f64>,
    rows: usize,
    /// PostgreSQL: each table's COPY (table, rows, seconds), then the commit's seconds: where the
    /// floor goes, and so what a push writing fewer rows or indexes per sale could gain.
    copy_by_table: Vec<(String, usize, f64)>,
}

/// One run of the simulation against a fresh server and database; the database is kept for the
/// raw baseline. `None` when the backend is not configured.
async fn run_once(
    backend: Backend,
    tills: usize,
    sales: usize,
) -> Option<(trastienda_tests::sim::SimSummary, TestDatabase)> {
    let db = TestDatabase::create(backend).await?;
    let server = TestServer::start(&db.url).await;
    let token = HqClient::bootstrap_admin(&db.url).await;
    let hq = HqClient::new(&server.url(), &token);
    hq.seed_franchise(3, 300).await;
    // Offline tills: every sale waits in the outbox, then goes up in full batches — pure ingest.
    let mut cfg = SimConfig::new(&server.url(), &token);
    cfg.tills = tills;
    cfg.sales_per_till = sales;
    cfg.offline = true;
    let s = run(cfg).await.expect("simulation");
    drop(server);
    Some((s, db))
}

/// The load average, printed beside each figure (the machine is shared).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let tills = env_usize("INGEST_TILLS", 8);
    let sales = env_usize("INGEST_SALES", 1000);
    let raw_wanted = env_usize("INGEST_RAW", 1) != 0;
    let runs = env_usize("INGEST_RUNS", 3).max(1);
    let only = std::env::var("INGEST_BACKEND")
        .unwrap_or_default()
        .to_lowercase();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if !only.is_empty() && format!("{backend:?}").to_lowercase() != only {
            continue;
        }
        // The machine is shared and a run is short (about two seconds of pushes): each backend
        // runs INGEST_RUNS times and the median is the figure.
        let mut rates = Vec::new();
        let mut last = None;
        for run in 1..=runs {
            let Some((s, db)) = run_once(backend, tills, sales).await else {
                break;
            };
            println!(
                "ingest {backend:?} run {run}/{runs}: {} tills × {} sales: {:.0} sales/s acknowledged, push p50 {:.1} ms p99 {:.1} ms (batches of up to 500), duplicates {}, missing {}, till gross {} = HQ gross {} (load {})",
                s.tills,
                sales,
                s.ingest_docs_per_second,
                s.push_latency_ms_p50,
                s.push_latency_ms_p99,
                s.duplicates,
                s.missing,
                s.till_gross,
                s.server_gross,
                load()
            );
            rates.push(s.ingest_docs_per_second);
            if let Some((_, old)) = last.replace((s, db)) {
                TestDatabase::cleanup(old).await;
            }
        }
        let Some((s, db)) = last else {
            continue;
        };
        rates.sort_by(f64::total_cmp);
        let median = rates[rates.len() / 2];
        println!(
            "ingest {backend:?}: median of {} run(s) {median:.0} sales/s (runs {})",
            rates.len(),
            rates
                .iter()
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("{}", serde_json::to_string(&s).unwrap_or_default());
        if raw_wanted {
            let n = s.documents_acknowledged as f64;
            let raw = match backend {
                Backend::Sqlite => raw_sqlite(&db.url),
                Backend::Postgres => raw_postgres(&db.url).await,
            };
            match raw {
                Ok(r) => {
                    let per = |secs: f64| {
                        format!(
                            "{:.0} sales/s ({:.0} rows/s)",
                            n / secs,
                            r.rows as f64 / secs
                        )
                    };
                    println!(
                        "raw {backend:?} baseline, the same {} rows of {} tables into empty copies: multi-row INSERT ({RAW_BATCH} rows) {}{} (load {})",
                        r.rows,
                        RAW_TABLES.len(),
                        per(r.insert_s),
                        r.copy_s
                            .map(|c| format!(", COPY {}", per(c)))
                            .unwrap_or_default(),
                        load()
                    );
                    if let Some(total) = r.copy_s.filter(|_| !r.copy_by_table.is_empty()) {
                        println!(
                            "raw {backend:?} COPY by table: {}",
                            r.copy_by_table
                                .iter()
                                .map(|(t, rows, secs)| format!(
                                    "{t} {rows} rows {:.0} ms ({:.0} %)",
                                    secs * 1000.0,
                                    secs / total * 100.0
                                ))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    }
                    // What a push keeps beside the rows (checks, chains, aggregates, stock) is
                    // judged against writing the rows alone, on the same machine.
                    let best = r.copy_s.unwrap_or(r.insert_s);
                    println!(
                        "ingest {backend:?}: the median is {:.0} % of the raw baseline's {} on this machine",
                        median / (n / best) * 100.0,
                        if r.copy_s.is_some() {
                            "COPY"
                        } else {
                            "multi-row INSERT"
                        }
                    );
                }
                Err(e) => println!("raw {backend:?} baseline failed: {e:#}"),
            }
        }
        db.cleanup().await;
        stock_cut(backend, tills, sales).await;
    }
    #[cfg(not(feature = "bench-baseline"))]
    println!("(for the cut that keeping stock makes, run with --features bench-baseline)");
}

/// The same pushes with and without stock keeping, alternating, each on a fresh database; prints
/// both figures and the cut (issue 13: keeping stock may cut ingest by at most 20 %).
#[cfg(feature = "bench-baseline")]
async fn stock_cut(backend: Backend, tills: usize, sales: usize) {
    use back_office_server::storage::stock::bench_skip_stock;
    let pairs = env_usize("INGEST_PAIRS", 1).max(1);
    let mut cuts = Vec::new();
    for pair in 1..=pairs {
        let mut rate = [0.0f64; 2];
        for (k, skip) in [false, true].into_iter().enumerate() {
            bench_skip_stock(skip);
            let Some((s, db)) = run_once(backend, tills, sales).await else {
                bench_skip_stock(false);
                return;
            };
            bench_skip_stock(false);
            assert_eq!(
                (s.duplicates, s.missing),
                (0, 0),
                "the run without stock must store the same sales"
            );
            rate[k] = s.ingest_docs_per_second;
            println!(
                "ingest {backend:?} pair {pair}, {}: {:.0} sales/s, push p50 {:.1} ms p99 {:.1} ms (load {})",
                if skip {
                    "without stock keeping"
                } else {
                    "with stock keeping"
                },
                s.ingest_docs_per_second,
                s.push_latency_ms_p50,
                s.push_latency_ms_p99,
                load()
            );
            db.cleanup().await;
        }
        let cut = (rate[1] - rate[0]) / rate[1] * 100.0;
        cuts.push(cut);
        println!(
            "stock keeping at ingest, {backend:?} pair {pair}: {:.0} sales/s with, {:.0} without: cut {cut:.1} % (issue 13 allows 20 %)",
            rate[0], rate[1]
        );
    }
    cuts.sort_by(f64::total_cmp);
    println!(
        "stock keeping at ingest, {backend:?}: median cut over {pairs} pair(s) {:.1} %",
        cuts[cuts.len() / 2]
    );
}

#[cfg(not(feature = "bench-baseline"))]
async fn stock_cut(_backend: Backend, _tills: usize, _sales: usize) {}

/// SQLite: each table's rows read back, then written into a copy of the table (same columns and
/// indexes) with multi-row INSERTs in one transaction, as the server's connection is set up.
fn raw_sqlite(url: &str) -> anyhow::Result<Raw> {
    use rusqlite::types::Value;
    let path = url.trim_start_matches("sqlite://");
    let mut c = rusqlite::Connection::open(path)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    let mut data: Vec<(String, usize, Vec<Value>)> = Vec::new();
    let mut rows = 0;
    for t in RAW_TABLES {
        let ddl: Vec<(String, String)> = c
            .prepare("SELECT type, sql FROM sqlite_master WHERE tbl_name = ?1 AND type IN ('table', 'index') AND sql IS NOT NULL")?
            .query_map([t], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (kind, sql) in ddl {
            let sql = if kind == "table" {
                sql.replacen(&format!("TABLE {t}"), &format!("TABLE raw_{t}"), 1)
                    .replacen(&format!("TABLE \"{t}\""), &format!("TABLE raw_{t}"), 1)
            } else {
                sql.replacen("INDEX ", "INDEX raw_", 1)
                    .replacen(&format!(" ON {t}"), &format!(" ON raw_{t}"), 1)
                    .replacen(&format!(" ON \"{t}\""), &format!(" ON raw_{t}"), 1)
            };
            c.execute_batch(&sql)?;
        }
        let mut st = c.prepare(&format!("SELECT * FROM {t}"))?;
        let cols = st.column_count();
        let mut values = Vec::new();
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            for i in 0..cols {
                values.push(r.get::<_, Value>(i)?);
            }
            rows += 1;
        }
        data.push((t.to_string(), cols, values));
    }
    let started = Instant::now();
    let tx = c.transaction()?;
    for (t, cols, values) in &data {
        for chunk in values.chunks(cols * RAW_BATCH) {
            let n = chunk.len() / cols;
            let one = format!("({})", vec!["?"; *cols].join(", "));
            let sql = format!("INSERT INTO raw_{t} VALUES {}", vec![one; n].join(", "));
            tx.execute(&sql, rusqlite::params_from_iter(chunk.iter()))?;
        }
    }
    tx.commit()?;
    Ok(Raw {
        insert_s: started.elapsed().as_secs_f64(),
        copy_s: None,
        rows,
        copy_by_table: Vec::new(),
    })
}

/// PostgreSQL: each table's rows copied out as text, then written into a copy of the table (same
/// columns, checks and indexes; no foreign keys or triggers) twice: with multi-row INSERTs of text
/// parameters cast to the columns' types, and with COPY, each in one transaction.
async fn raw_postgres(url: &str) -> anyhow::Result<Raw> {
    use futures::{SinkExt, StreamExt};
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    let mut data: Vec<(String, Vec<String>, Vec<u8>)> = Vec::new();
    let mut rows = 0;
    for t in RAW_TABLES {
        client
            .batch_execute(&format!(
                "CREATE TABLE raw_{t} (LIKE {t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING STORAGE INCLUDING COMPRESSION)"
            ))
            .await?;
        let types: Vec<String> = client
            .query(
                "SELECT data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
                &[t],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let out = client
            .copy_out(format!("COPY {t} TO STDOUT").as_str())
            .await?;
        futures::pin_mut!(out);
        let mut text = Vec::new();
        while let Some(b) = out.next().await {
            text.extend_from_slice(&b?);
        }
        rows += text.iter().filter(|b| **b == b'\n').count();
        data.push((t.to_string(), types, text));
    }
    // Multi-row INSERTs.
    let started = Instant::now();
    client.batch_execute("BEGIN").await?;
    for (t, types, text) in &data {
        let parsed: Vec<Vec<Option<String>>> = std::str::from_utf8(text)?
            .lines()
            .map(|l| l.split('\t').map(copy_field).collect())
            .collect();
        for chunk in parsed.chunks(RAW_BATCH) {
            let mut sql = format!("INSERT INTO raw_{t} VALUES ");
            let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::new();
            for (r, row) in chunk.iter().enumerate() {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for (i, v) in row.iter().enumerate() {
                    params.push(v);
                    let sep = if i == 0 { "" } else { ", " };
                    sql.push_str(&format!("{sep}${}::text::{}", params.len(), types[i]));
                }
                sql.push(')');
            }
            client.execute(&sql, &params).await?;
        }
    }
    client.batch_execute("COMMIT").await?;
    let insert_s = started.elapsed().as_secs_f64();
    // COPY.
    for t in RAW_TABLES {
        client.batch_execute(&format!("TRUNCATE raw_{t}")).await?;
    }
    let started = Instant::now();
    let mut copy_by_table = Vec::new();
    client.batch_execute("BEGIN").await?;
    for (t, _, text) in &data {
        let table_started = Instant::now();
        let sink = client
            .copy_in::<_, std::io::Cursor<Vec<u8>>>(format!("COPY raw_{t} FROM STDIN").as_str())
            .await?;
        futures::pin_mut!(sink);
        sink.send(std::io::Cursor::new(text.clone())).await?;
        let n = sink.finish().await?;
        copy_by_table.push((t.clone(), n as usize, table_started.elapsed().as_secs_f64()));
    }
    let commit_started = Instant::now();
    client.batch_execute("COMMIT").await?;
    copy_by_table.push(("(commit)".into(), 0, commit_started.elapsed().as_secs_f64()));
    let copy_s = started.elapsed().as_secs_f64();
    Ok(Raw {
        insert_s,
        copy_s: Some(copy_s),
        rows,
        copy_by_table,
    })
}

/// One field of COPY's text format: `\N` is NULL; backslash escapes undone.
fn copy_field(f: &str) -> Option<String> {
    if f == "\\N" {
        return None;
    }
    let mut out = String::with_capacity(f.len());
    let mut chars = f.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    Some(out)
}
