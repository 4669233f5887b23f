//! The sync worker: one long-lived `Subscription::run_with` stream that pushes the outbox and
//! pulls catalog changes, reporting Connected / Pushed / Offline to the app as it goes.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iced::Subscription;
use iced::futures::SinkExt;
use pos_terminal::{Ledger, SyncClient};

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
    pub ledger: Arc<Mutex<Ledger>>,
    pub client: SyncClient,
    pub path: PathBuf,
}

impl Hash for Worker {
    fn hash<H: Hasher>(&self, state: &mut H) {
        "sync-worker".hash(state);
        self.path.hash(state);
    }
}

fn waiting(ledger: &Mutex<Ledger>) -> u64 {
    ledger
        .lock()
        .ok()
        .and_then(|l| l.outbox_len().ok())
        .unwrap_or(0)
}

/// One round: push, then pull. The unit of work the stream repeats; tests call it directly.
pub async fn step(client: &SyncClient, ledger: &Mutex<Ledger>) -> Event {
    match client.sync_once(ledger).await {
        Ok(r) if r.pushed > 0 => Event::Pushed {
            acknowledged: r.acknowledged,
            changes: r.changes_applied,
            waiting: waiting(ledger),
        },
        Ok(r) => Event::Connected {
            changes: r.changes_applied,
            waiting: waiting(ledger),
        },
        Err(e) => Event::Offline {
            error: e.to_string(),
            waiting: waiting(ledger),
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
            tokio::time::sleep(pause).await;
        }
    })
}

pub fn subscription(worker: Worker) -> Subscription<Event> {
    Subscription::run_with(worker, run)
}
