//! kill -9 during sales: a child process rings sales (with refunds and full invoices among them)
//! as fast as it can and is SIGKILLed at a random moment, several times over the same ledger.
//! After each kill every committed sale, refund and invoice has exactly one VERI*FACTU record,
//! no record lacks its document, and both chains (documents and records) verify.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pos_terminal::refund::build_refund;
use pos_terminal::{Ledger, Refunded};
use rand::{Rng, SeedableRng};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use sync_protocol::*;

const CHILD_ENV: &str = "POS_TERMINAL_VERIFACTU_CRASH_CHILD";
const KILLS: usize = 8;

/// Runs in the child: sells until killed; every tenth sale is refunded, every seventh invoiced.
fn child(dir: PathBuf) {
    let mut l = Ledger::open(dir.join("till.db")).unwrap();
    let mut i: i64 = 0;
    loop {
        i += 1;
        let sale = sell(&mut l, 100 + i % 500);
        if i == 1 {
            // Killed from now on, each round has sold at least once.
            std::fs::write(dir.join("selling"), b"1").unwrap();
        }
        if i % 10 == 0 {
            let DocumentBody::Sale(s) = &sale.body else {
                unreachable!()
            };
            let picks: Vec<_> = s.lines.iter().map(|x| (x.line_id, x.quantity)).collect();
            let body = build_refund(
                &sale,
                &Refunded::default(),
                &picks,
                None,
                Some(StaffId(11)),
                "crash test",
            )
            .unwrap();
            l.record_document(body).unwrap();
        }
        if i % 7 == 0 {
            l.record_full_invoice(sale.seq, "Cliente S.A.", "Calle Mayor 1", "A58818501")
                .unwrap();
        }
    }
}

/// (fiscal documents, records, records whose document is missing or of another kind).
fn census(path: &Path) -> (i64, i64, i64) {
    let c = Connection::open(path).unwrap();
    let q = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    (
        q("SELECT COUNT(*) FROM documents WHERE kind IN ('sale', 'refund', 'full_invoice')"),
        q("SELECT COUNT(*) FROM verifactu_records"),
        q(
            "SELECT COUNT(*) FROM verifactu_records v LEFT JOIN documents d ON d.seq = v.doc_seq
           WHERE d.seq IS NULL OR d.kind NOT IN ('sale', 'refund', 'full_invoice')",
        ),
    )
}

#[test]
fn sigkill_during_sales_never_separates_a_sale_from_its_record() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        child(PathBuf::from(dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.db");
    {
        let mut l = open_enrolled(&dir, "https://hq.example");
        l.apply_changes(&catalog_page()).unwrap();
        open_shift(&mut l);
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5161_4b11);
    let mut last_docs = 0;
    for round in 0..KILLS {
        let _ = std::fs::remove_file(dir.path().join("selling"));
        let mut proc = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sigkill_during_sales_never_separates_a_sale_from_its_record",
                "--nocapture",
            ])
            .env(CHILD_ENV, dir.path())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !dir.path().join("selling").exists() {
            assert!(Instant::now() < deadline, "child never started selling");
            if let Some(status) = proc.try_wait().unwrap() {
                panic!("child exited early: {status}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(20..400)));
        // SIGKILL: no destructors, no rollback, no checkpoint, wherever the child was.
        proc.kill().unwrap();
        proc.wait().unwrap();

        let (docs, records, orphans) = census(&path);
        assert_eq!(orphans, 0, "round {round}: a record without its document");
        assert_eq!(
            docs, records,
            "round {round}: every sale, refund and invoice has exactly one record"
        );
        let l = Ledger::open(&path).unwrap();
        assert_eq!(l.verify_verifactu().unwrap() as i64, records);
        l.verify_chain().unwrap();
        assert!(docs > last_docs, "round {round}: the child sold nothing");
        println!("round {round}: {docs} invoices and their records intact");
        last_docs = docs;
    }
}
