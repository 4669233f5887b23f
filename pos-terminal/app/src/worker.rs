//! The sync worker: one long-lived `Subscription::run_with` stream that pushes the outbox and
//! pulls catalog changes, reporting Connected / Pushed / Offline to the app as it goes. Between
//! rounds it waits [`ONLINE_EVERY`] (or [`OFFLINE_EVERY`]), or less when the app nudges it after a
//! sale, a refund or a Z (HQ sees them in seconds, not at the next round).

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use iced::Subscription;
use iced::futures::SinkExt;
use pos_terminal::{LedgerAccess, LedgerHandle, SyncClient};
use tokio::sync::Notify;

/// Pause between rounds while online, and while offline (the client already retries with
/// backoff inside a round).
pub const ONLINE_EVERY: Duration = Duration::from_secs(15);
pub const OFFLINE_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// HQ answered; nothing was waiting to push. `changes` catalog changes were applied.
    Connected { changes: usize, waiting: u64 },
    /// Documents went up (`acknowledged` left the outbox).
    Pushed {
        acknowledged: usize,
        changes: usize,
        waiting: u64,
    },
    /// HQ could not be reached or refused; documents stay in the outbox.
    Offline { error: String, waiting: u64 },
}

/// What the subscription runs over. Identified by the ledger path, so the worker lives as long
/// as the app shows the same enrolled ledger, and is not restarted on every view.
#[derive(Clone)]
pub struct Worker {
    /// The ledger's own thread: each page of changes is applied there in turn with the till's
    /// sales, never while a screen waits on it.
    pub ledger: LedgerHandle,
    pub client: SyncClient,
    pub path: PathBuf,
    /// The app's "sync now": ends the pause between rounds early.
    pub nudge: Arc<Notify>,
}

impl Hash for Worker {
    fn hash<H: Hasher>(&self, state: &mut H) {
        "sync-worker".hash(state);
        self.path.hash(state);
    }
}

async fn waiting(ledger: &impl LedgerAccess) -> u64 {
    ledger.with(|l| Ok(l.outbox_len()?)).await.unwrap_or(0)
}

/// One round: push, then pull. The unit of work the stream repeats; tests call it directly.
pub async fn step(client: &SyncClient, ledger: &impl LedgerAccess) -> Event {
    match client.sync_once(ledger).await {
        Ok(r) if r.pushed > 0 => Event::Pushed {
            acknowledged: r.acknowledged,
            changes: r.changes_applied,
            waiting: waiting(ledger).await,
        },
        Ok(r) => Event::Connected {
            changes: r.changes_applied,
            waiting: waiting(ledger).await,
        },
        Err(e) => Event::Offline {
            error: e.to_string(),
            waiting: waiting(ledger).await,
        },
    }
}

fn run(worker: &Worker) -> impl iced::futures::Stream<Item = Event> + use<> {
    let worker = worker.clone();
    iced::stream::channel(4, async move |mut out| {
        loop {
            let event = step(&worker.client, &worker.ledger).await;
            let pause = if matches!(event, Event::Offline { .. }) {
                OFFLINE_EVERY
            } else {
                ONLINE_EVERY
            };
            if out.send(event).await.is_err() {
                return;
            }
            pause_or_nudge(pause, &worker.nudge).await;
        }
    })
}

/// Waits `pause`, or until `nudge` is notified. A nudge given while a round was running (the
/// sale committed during a push) is kept as a permit, so the next round starts at once.
pub async fn pause_or_nudge(pause: Duration, nudge: &Notify) {
    tokio::select! {
        () = tokio::time::sleep(pause) => {}
        () = nudge.notified() => {}
    }
}

pub fn subscription(worker: Worker) -> Subscription<Event> {
    Subscription::run_with(worker, run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Generous bounds (a pause is 15 or 30 s): what is checked is that the wait ends early.
    #[tokio::test]
    async fn a_nudge_ends_the_pause_and_one_given_before_is_kept() {
        // Given during a round: the next pause is over at once.
        let nudge = Notify::new();
        nudge.notify_one();
        let t0 = Instant::now();
        pause_or_nudge(OFFLINE_EVERY, &nudge).await;
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        // Without one, the whole pause.
        let t0 = Instant::now();
        pause_or_nudge(Duration::from_millis(200), &nudge).await;
        assert!(t0.elapsed() >= Duration::from_millis(200));
        // Given while waiting: the wait ends then.
        let n = Arc::new(Notify::new());
        let waiter = tokio::spawn({
            let n = Arc::clone(&n);
            async move {
                let t = Instant::now();
                pause_or_nudge(OFFLINE_EVERY, &n).await;
                t.elapsed()
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        n.notify_one();
        let waited = waiter.await.unwrap();
        assert!(
            waited >= Duration::from_millis(100) && waited < Duration::from_secs(10),
            "{waited:?}"
        );
    }
}
