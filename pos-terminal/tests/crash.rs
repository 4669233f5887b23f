//! A real second process: it holds the ledger (so we can check the cross-process lock), then is
//! SIGKILLed mid-run. Every committed sale must be there afterwards, gapless and chained.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pos_terminal::{Ledger, LedgerError};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "POS_TERMINAL_CRASH_CHILD";
const SALES: u64 = 25;
/// The shift opening, then the sales.
const DOCS: u64 = SALES + 1;

/// Runs in the child: record sales, say so, then keep the ledger open until killed.
fn child(dir: PathBuf) {
    let mut l = Ledger::open(dir.join("till.db")).unwrap();
    l.enrol("https://hq.example", &enroll_response(), "caja")
        .unwrap();
    l.apply_changes(&store_page(1)).unwrap();
    open_shift(&mut l);
    for i in 0..SALES {
        sell(&mut l, 100 + i as i64);
    }
    std::fs::write(dir.join("ready"), b"1").unwrap();
    std::thread::sleep(Duration::from_secs(60));
    std::process::abort();
}

#[test]
fn killed_till_process_keeps_every_committed_sale_and_its_lock_was_exclusive() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        child(PathBuf::from(dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut proc = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "killed_till_process_keeps_every_committed_sale_and_its_lock_was_exclusive",
            "--nocapture",
        ])
        .env(CHILD_ENV, dir.path())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.path().join("ready").exists() {
        assert!(Instant::now() < deadline, "child never got ready");
        if let Some(status) = proc.try_wait().unwrap() {
            panic!("child exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let path = dir.path().join("till.db");
    // While the other process runs, this one cannot take the till's counter.
    match Ledger::open(&path) {
        Err(LedgerError::Locked { .. }) => {}
        other => panic!("expected Locked, got {other:?}"),
    }
    // Power-cut stand-in: SIGKILL, no destructors, no checkpoint.
    proc.kill().unwrap();
    proc.wait().unwrap();

    let mut l = Ledger::open(&path).unwrap();
    assert_eq!(l.last_seq().unwrap(), DOCS);
    assert_eq!(l.verify_chain().unwrap(), DOCS);
    assert_eq!(l.outbox_len().unwrap(), DOCS);
    assert_eq!(
        l.sales_gross().unwrap().cents(),
        (0..SALES as i64).map(|i| 100 + i).sum::<i64>()
    );
    assert_eq!(sell(&mut l, 100).seq, DOCS + 1);
    assert_eq!(l.verify_chain().unwrap(), DOCS + 1);
}
