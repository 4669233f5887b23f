//! "No `update` holds the ledger" (issue #17), as a lint over the app's sources.
//!
//! The rule is enforced by type first: `Till` holds a `LedgerHandle` (the ledger's own thread)
//! and never a `Ledger`, so no screen's `update` can reach one; ledger work is a closure sent to
//! that thread and its answer comes back as a message. This test keeps the ways around that out:
//! a `Mutex<Ledger>` (or the sync crate's `SharedLedger`), a `.lock()` on anything but the two
//! small non-ledger mutexes listed below, and the blocking calls into the ledger's thread
//! (`call_blocking`, `block_on`, and `with_ledger` outside the printer's flush, which runs on a
//! blocking thread).

use std::path::{Path, PathBuf};

/// The `.lock()` calls the app may make: neither is on the ledger.
const ALLOWED_LOCKS: &[(&str, &str)] = &[
    // One print-queue flush at a time (on the blocking thread of the flush task).
    (
        "printing.rs",
        "let _one_at_a_time = FLUSHING.lock().unwrap_or_else(|p| p.into_inner());",
    ),
    // A ledger answer's continuation, taken once by the screen's `update`.
    ("ledger_task.rs", "self.0.lock().ok()?.take()"),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// What in `text` (a file called `name`) breaks the rule, one line each.
fn offences(name: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.trim();
        if code.starts_with("//") {
            continue;
        }
        let at = format!("{name}:{}: {code}", n + 1);
        let ledger_mutex = [
            "Mutex<Ledger>",
            "Mutex<pos_terminal::Ledger>",
            "SharedLedger",
        ];
        if ledger_mutex.iter().any(|m| code.contains(m)) {
            found.push(format!("{at}  (a mutex around the ledger)"));
        }
        if code.contains(".lock()") && !ALLOWED_LOCKS.iter().any(|(f, l)| *f == name && code == *l)
        {
            found.push(format!("{at}  (a lock the UI could wait on)"));
        }
        if code.contains("call_blocking") || code.contains("block_on(") {
            found.push(format!("{at}  (blocks on the ledger's thread)"));
        }
        if code.contains(".with_ledger(") && name != "printing.rs" {
            found.push(format!(
                "{at}  (blocking ledger access outside the print flush)"
            ));
        }
    }
    found
}

#[test]
fn no_update_holds_the_ledger() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 20, "found only {files:?}");
    let mut found = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        found.extend(offences(&name, &std::fs::read_to_string(f).unwrap()));
    }
    assert!(
        found.is_empty(),
        "ledger work must go through the LedgerHandle as a Task (see src/ledger_task.rs):\n{}",
        found.join("\n")
    );
}

/// The lint itself catches what it is for (so the test above cannot pass by reading nothing).
#[test]
fn the_lint_catches_a_locked_ledger() {
    let old = "fn find(ledger: &Mutex<Ledger>) {\n    let l = ledger.lock().unwrap();\n}\n";
    assert_eq!(
        offences("login.rs", old).len(),
        2,
        "{:?}",
        offences("login.rs", old)
    );
    let blocking = "let staff = handle.call_blocking(move |l| l.find_staff_by_pin(&pin));";
    assert_eq!(offences("sell.rs", blocking).len(), 1);
    let allowed = "    let _one_at_a_time = FLUSHING.lock().unwrap_or_else(|p| p.into_inner());";
    assert!(offences("printing.rs", allowed).is_empty());
    assert_eq!(
        offences("sell.rs", allowed).len(),
        1,
        "allowed in printing.rs only"
    );
}
