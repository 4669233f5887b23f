//! How screens use the ledger without ever blocking `update`: the work is sent to the ledger's
//! own thread ([`LedgerHandle`]) and its result comes back as a message.
//!
//! Two shapes:
//! - [`ask`]: a typed message for the result (`Task::perform(handle.call(f), to_message)`); the
//!   login PIN check, scans and the sale's commit use it.
//! - [`then`]: for the manager pages, whose many ledger steps each continue where the code was:
//!   the result arrives as a [`Reply`] carrying what to do with it, applied by the screen's
//!   `update` when the message comes in.
//!
//! A ledger call that panicked or found the ledger gone answers an error text, shown on screen
//! like any other error: the till never freezes on it.

use crate::key;
use std::fmt;
use std::sync::{Arc, Mutex};

use iced::Task;
use pos_terminal::{CallError, Ledger, LedgerHandle};

use crate::i18n::I18n;

/// The words for a ledger call that gave no answer (a panic, or the ledger's thread gone).
pub fn call_error(e: &CallError, tr: &I18n) -> String {
    match e {
        CallError::Gone => tr.t(key!("registry-unavailable")),
        CallError::Panicked(m) => tr.args("ledger-call-panicked", &[("error", m.clone().into())]),
    }
}

/// Runs `f` on the ledger's thread; its result (or why there is none) becomes a message.
pub fn ask<T, M>(
    ledger: &LedgerHandle,
    f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
    to_message: impl FnOnce(Result<T, CallError>) -> M + Send + 'static,
) -> Task<M>
where
    T: Send + 'static,
    M: Send + 'static,
{
    Task::perform(ledger.call(f), to_message)
}

/// A continuation carried by a message: cloning shares it, and it runs once (a cloned message
/// finds it taken). `F` is the closure's type, e.g. [`ScreenReply`].
pub struct Reply<F: ?Sized>(Arc<Mutex<Option<Box<F>>>>);

impl<F: ?Sized> Reply<F> {
    pub fn new(f: Box<F>) -> Self {
        Self(Arc::new(Mutex::new(Some(f))))
    }

    /// The continuation, unless it already ran.
    pub fn take(&self) -> Option<Box<F>> {
        self.0.lock().ok()?.take()
    }
}

impl<F: ?Sized> Clone for Reply<F> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<F: ?Sized> fmt::Debug for Reply<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reply")
    }
}

/// What to do with a ledger result on a screen's state `S`, answering the screen's action `A`.
pub type ScreenReply<S, A> = Reply<dyn FnOnce(&mut S, &I18n) -> A + Send>;

/// Applies `reply` to `state`; `None` if it already ran.
pub fn apply<S, A>(reply: ScreenReply<S, A>, state: &mut S, tr: &I18n) -> Option<A> {
    reply.take().map(|k| k(state, tr))
}

/// Runs `f` on the ledger's thread, then `k` with its result on the screen's state, as the
/// message `wrap` makes of the [`ScreenReply`]. A call that gave no answer reaches `k` as the
/// error text.
pub fn then<T, E, S, A, M>(
    ledger: &LedgerHandle,
    f: impl FnOnce(&mut Ledger) -> Result<T, E> + Send + 'static,
    k: impl FnOnce(&mut S, Result<T, String>, &I18n) -> A + Send + 'static,
    wrap: fn(ScreenReply<S, A>) -> M,
) -> Task<M>
where
    T: Send + 'static,
    E: fmt::Display + Send + 'static,
    S: 'static,
    A: 'static,
    M: Send + 'static,
{
    Task::perform(ledger.call(f), move |r| {
        wrap(Reply::new(Box::new(move |s: &mut S, tr: &I18n| {
            let r = match r {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(call_error(&e, tr)),
            };
            k(s, r, tr)
        })))
    })
}
