//! The ledger on its own thread. One std thread owns the [`Ledger`]; everyone else (the till's
//! screens, the sync worker, the printer's flush) sends it closures and gets their results back,
//! so no caller ever holds a lock on the ledger and the UI never waits for the sync worker's page.
//!
//! Work runs one closure at a time, in the order it was sent: a sale and a catalog page never
//! interleave, and two lookups answer in the order they were asked.
//!
//! A closure that panics does not take the ledger down: SQLite rolls back whatever transaction it
//! had open (rusqlite's `Transaction` rolls back on drop, unwinding included), the caller gets
//! [`CallError::Panicked`] with the panic's message, and the thread goes on serving the next
//! closure. The ledger is only [`CallError::Gone`] once every handle is dropped (or the thread
//! could not be started).

use super::Ledger;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

type Job = Box<dyn FnOnce(&mut Ledger) + Send>;

thread_local! {
    /// Set by [`LedgerHandle::panic_next_call`]: the ledger thread's next call panics with it.
    static PANIC_NEXT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Why a closure sent to the ledger's thread gave no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The ledger's thread has stopped: nothing more can be done with this ledger.
    #[error("the ledger is no longer available")]
    Gone,
    /// The closure panicked; its transaction (if any) was rolled back and the ledger still serves.
    #[error("the ledger hit an internal error: {0}")]
    Panicked(String),
}

/// A clonable handle to the ledger's thread. Dropping the last one ends the thread (and closes
/// the ledger, releasing its file lock).
#[derive(Clone)]
pub struct LedgerHandle {
    jobs: mpsc::Sender<Job>,
    path: PathBuf,
}

impl fmt::Debug for LedgerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LedgerHandle")
            .field("path", &self.path)
            .finish()
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

impl LedgerHandle {
    /// Moves `ledger` onto a new thread named `ledger` and answers the handle to it.
    pub fn spawn(ledger: Ledger) -> LedgerHandle {
        let path = ledger.path().to_path_buf();
        let (jobs, inbox) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("ledger".to_string())
            .spawn(move || {
                let mut ledger = ledger;
                // Ends when every handle (every sender) is gone.
                while let Ok(job) = inbox.recv() {
                    job(&mut ledger);
                }
                tracing::debug!(path = %ledger.path().display(), "ledger thread stopped");
            });
        if let Err(e) = spawned {
            // The receiver (and the ledger) went down with the closure: every call answers Gone.
            tracing::error!(error = %e, "could not start the ledger thread");
        }
        LedgerHandle { jobs, path }
    }

    /// Where the ledger lives (known without asking its thread).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Wraps `f` so it runs under `catch_unwind` and sends its outcome through `reply`.
    fn job<T: Send + 'static>(
        f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
        reply: impl FnOnce(Result<T, CallError>) + Send + 'static,
    ) -> Job {
        Box::new(move |ledger: &mut Ledger| {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                if let Some(m) = PANIC_NEXT.with(|p| p.borrow_mut().take()) {
                    panic!("{m}");
                }
                f(&mut *ledger)
            }))
            .map_err(|payload| {
                let message = panic_message(payload.as_ref());
                // A `Transaction` rolls back as it unwinds; a transaction opened by hand would
                // stay open and swallow the next caller's writes, so end it here.
                if !ledger.conn.is_autocommit() {
                    let _ = ledger.conn.execute_batch("ROLLBACK");
                }
                tracing::error!(%message, "a ledger call panicked; its transaction was rolled back");
                CallError::Panicked(message)
            });
            reply(outcome);
        })
    }

    /// Runs `f` on the ledger's thread, after everything sent before it, and answers its result.
    /// Never blocks the caller's thread: the future waits on a oneshot channel.
    pub fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
    ) -> impl Future<Output = Result<T, CallError>> + Send + 'static {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sent = self
            .jobs
            .send(Self::job(f, move |r| {
                let _ = tx.send(r);
            }))
            .is_ok();
        async move {
            if !sent {
                return Err(CallError::Gone);
            }
            rx.await.unwrap_or(Err(CallError::Gone))
        }
    }

    /// Sends `f` to the ledger's thread and does not wait for it (an audit entry): it runs after
    /// everything sent before it. A panic in it is logged.
    pub fn post(&self, f: impl FnOnce(&mut Ledger) + Send + 'static) {
        let _ = self.jobs.send(Self::job(f, |_| {}));
    }

    /// For tests of the till: the next call sent after this one panics on the ledger's thread
    /// with `message`, whatever it is (a bug in a ledger closure, as the caller sees it).
    #[doc(hidden)]
    pub fn panic_next_call(&self, message: &str) {
        let message = message.to_string();
        let _ = self.jobs.send(Box::new(move |_: &mut Ledger| {
            PANIC_NEXT.with(|p| *p.borrow_mut() = Some(message));
        }));
    }

    /// [`LedgerHandle::call`] for code that is not async and may block: the printer's flush
    /// thread, start-up, tools and tests. Never call it from the till's `update`.
    pub fn call_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
    ) -> Result<T, CallError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs
            .send(Self::job(f, move |r| {
                let _ = tx.send(r);
            }))
            .map_err(|_| CallError::Gone)?;
        rx.recv().unwrap_or(Err(CallError::Gone))
    }
}

/// Blocking access to the ledger, for code that runs off the till's UI thread (the printer's
/// flush on a blocking thread, tools, tests): through the ledger's thread or a plain mutex.
pub trait WithLedger {
    fn with_ledger<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
    ) -> Result<T, CallError>;
}

impl WithLedger for LedgerHandle {
    fn with_ledger<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
    ) -> Result<T, CallError> {
        self.call_blocking(f)
    }
}

impl WithLedger for std::sync::Mutex<Ledger> {
    fn with_ledger<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
    ) -> Result<T, CallError> {
        let mut l = self
            .lock()
            .map_err(|_| CallError::Panicked("the ledger lock was poisoned".to_string()))?;
        Ok(f(&mut l))
    }
}

impl WithLedger for std::sync::Arc<std::sync::Mutex<Ledger>> {
    fn with_ledger<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
    ) -> Result<T, CallError> {
        self.as_ref().with_ledger(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    fn handle() -> (tempfile::TempDir, LedgerHandle) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path().join("ledger.db")).unwrap();
        (dir, LedgerHandle::spawn(ledger))
    }

    #[test]
    fn calls_answer_in_the_order_they_were_sent() {
        let (_dir, h) = handle();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let futures: Vec<_> = (0..20)
            .map(|i| {
                let order = Arc::clone(&order);
                h.call(move |l| {
                    order.lock().unwrap().push(i);
                    l.last_seq().unwrap()
                })
            })
            .collect();
        for f in futures {
            assert_eq!(rt.block_on(f), Ok(0));
        }
        assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
        assert_eq!(
            h.call_blocking(|l| l.schema_version().unwrap()),
            Ok(super::super::SCHEMA_VERSION)
        );
    }

    #[test]
    fn a_panicking_call_reports_its_message_and_the_ledger_keeps_serving() {
        let (_dir, h) = handle();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let r: Result<(), CallError> = rt.block_on(h.call(|l| {
            // Half-way through a transaction: it must be rolled back, not left open.
            l.conn
                .execute_batch("BEGIN IMMEDIATE; UPDATE counter SET last_seq = 99 WHERE id = 1;")
                .unwrap();
            panic!("printer table missing");
        }));
        assert_eq!(r, Err(CallError::Panicked("printer table missing".into())));
        let blocking = h.call_blocking(|_| -> () { panic!("{} went wrong", "this") });
        assert_eq!(blocking, Err(CallError::Panicked("this went wrong".into())));
        // Still serving, with no transaction left open and the panicked closure's write undone.
        let seq = h.call_blocking(|l| (l.conn.is_autocommit(), l.last_seq().unwrap()));
        assert_eq!(seq, Ok((true, 0)));
    }

    #[test]
    fn the_caller_is_not_blocked_while_the_ledger_works() {
        let (_dir, h) = handle();
        let gate = Arc::new(Barrier::new(2));
        let busy = {
            let gate = Arc::clone(&gate);
            h.call(move |_| {
                gate.wait();
            })
        };
        // The ledger's thread is held; asking again returns at once with a future.
        let t0 = std::time::Instant::now();
        let pending = h.call(|l| l.document_count().unwrap());
        assert!(t0.elapsed() < Duration::from_millis(100));
        gate.wait();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(busy).unwrap();
        assert_eq!(rt.block_on(pending), Ok(0));
    }

    #[test]
    fn a_dropped_ledger_thread_answers_gone() {
        let (jobs, inbox) = mpsc::channel::<Job>();
        drop(inbox);
        let h = LedgerHandle {
            jobs,
            path: PathBuf::from("x"),
        };
        assert_eq!(h.call_blocking(|_| 1), Err(CallError::Gone));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(rt.block_on(h.call(|_| 1)), Err(CallError::Gone));
    }
}
