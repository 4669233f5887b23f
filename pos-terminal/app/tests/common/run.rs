//! Running the Tasks the till returns, as the iced runtime would: the ledger's answers (PIN
//! checks, lookups, commits) come back as messages and are fed to `update` until nothing is left.
//! Widget operations (focus) are skipped, as before.
//!
//! `Message::Hardware` (flush the print queue, kick the drawer, a test page) is held back and
//! returned: these tests have no printer attached and drive it themselves (`printing::flush`),
//! so they can look at the queue between the commit and the print. Tests with a fake printer
//! (`counter.rs`, `card_terminal.rs`) feed everything.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::time::Duration;

use iced::Task;
use iced::futures::StreamExt;
use pos_terminal_app::{Message, Till};

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
}

/// The messages `task` outputs, once it has finished (at most 30 s: a till that never answers
/// fails the test rather than hanging it).
pub fn outputs(task: Task<Message>) -> Vec<Message> {
    let Some(stream) = iced_test::runtime::task::into_stream(task) else {
        return Vec::new();
    };
    let actions = RUNTIME.with(|rt| {
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(30), stream.collect::<Vec<_>>())
                .await
                .expect("a task the till returned did not finish in 30 s")
        })
    });
    actions
        .into_iter()
        .filter_map(|a| match a {
            iced_test::runtime::Action::Output(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// Runs `task` and everything its messages return; answers the hardware messages held back.
pub fn settle(till: &mut Till, task: Task<Message>) -> Vec<Message> {
    let mut held = Vec::new();
    let mut queue: VecDeque<Message> = outputs(task).into();
    let mut steps = 0;
    while let Some(m) = queue.pop_front() {
        if matches!(m, Message::Hardware(_)) {
            held.push(m);
            continue;
        }
        steps += 1;
        assert!(steps < 1000, "the till keeps sending itself messages");
        queue.extend(outputs(till.update(m)));
    }
    held
}

/// Sends `message` and runs what it starts to the end (see [`settle`]).
pub fn send(till: &mut Till, message: Message) -> Vec<Message> {
    let task = till.update(message);
    settle(till, task)
}

/// Runs `f` on the till's ledger (on the ledger's thread) and answers its result.
pub fn with_ledger<T: Send + 'static>(
    till: &Till,
    f: impl FnOnce(&mut pos_terminal::Ledger) -> T + Send + 'static,
) -> T {
    till.ledger()
        .expect("ledger")
        .call_blocking(f)
        .expect("ledger call")
}
