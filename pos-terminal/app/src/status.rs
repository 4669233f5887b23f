//! The status bar: online/offline, documents waiting, last successful sync, and the printer's
//! state when receipts are waiting, so a fault is visible without blocking the next sale.

use crate::key;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Madrid;
use iced::Element;
use iced::widget::{container, row, text};
use pos_terminal::Ledger;

use crate::i18n::I18n;
use crate::printing::Outcome;
use crate::worker::Event;

/// Why receipts are not coming out, kept as facts so it reads in the current language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterProblem {
    Failed { error: String, waiting: usize },
    NoPrinter { waiting: usize },
    ReceiptNotPrepared(String),
    InvoiceNotPrepared(String),
}

#[derive(Debug, Clone, Default)]
pub struct Status {
    /// `None` until the first sync attempt.
    pub online: Option<bool>,
    pub waiting: u64,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// A printer problem for the cashier, cleared when a flush succeeds.
    pub printer: Option<PrinterProblem>,
    /// Why the last drawer kick did not open the drawer, cleared by the next that does.
    pub drawer_failed: Option<String>,
}

impl Status {
    /// Refreshes the outbox count from the ledger.
    pub fn refresh(&mut self, ledger: &Ledger) {
        if let Ok(n) = ledger.outbox_len() {
            self.waiting = n;
        }
    }

    /// Takes in a sync worker report; returns how many catalog changes arrived.
    pub fn apply(&mut self, event: &Event) -> usize {
        match event {
            Event::Connected { changes, waiting }
            | Event::Pushed {
                changes, waiting, ..
            } => {
                self.online = Some(true);
                self.waiting = *waiting;
                self.last_sync = Some(Utc::now());
                self.last_error = None;
                *changes
            }
            Event::Offline { error, waiting } => {
                tracing::warn!(%error, "sync failed");
                self.online = Some(false);
                self.waiting = *waiting;
                self.last_error = Some(error.clone());
                0
            }
        }
    }

    pub fn printed(&mut self, outcome: &Outcome) {
        self.printer = match outcome {
            Outcome::Printed(_) => None,
            Outcome::Failed { error, waiting } => Some(PrinterProblem::Failed {
                error: error.clone(),
                waiting: *waiting,
            }),
            Outcome::NoPrinter { waiting } => Some(PrinterProblem::NoPrinter { waiting: *waiting }),
        };
    }

    pub fn drawer(&mut self, d: &crate::printing::Drawer) {
        use crate::printing::Drawer;
        self.drawer_failed = match d {
            Drawer::Opened { .. } => None,
            Drawer::Failed(e) => Some(e.clone()),
            Drawer::NoPrinter => self.drawer_failed.take(),
        };
    }

    pub fn view<'a, M: 'a>(&'a self, tr: &I18n) -> Element<'a, M> {
        let online = match self.online {
            None => tr.t(key!("status-not-synced")),
            Some(true) => tr.t(key!("status-online")),
            Some(false) => tr.t(key!("status-offline")),
        };
        let last = match self.last_sync {
            Some(t) => tr.args(
                "status-last-sync",
                &[(
                    "when",
                    t.with_timezone(&Madrid)
                        .format("%d/%m/%Y %H:%M:%S")
                        .to_string()
                        .into(),
                )],
            ),
            None => tr.t(key!("status-never-synced")),
        };
        let mut r = row![
            text(online),
            text(tr.args("status-waiting", &[("count", self.waiting.into())])),
            text(last),
        ]
        .spacing(30);
        if let Some(p) = &self.printer {
            let message = match p {
                PrinterProblem::Failed { error, waiting } => tr.args(
                    "status-printer-failed",
                    &[
                        ("error", error.clone().into()),
                        ("waiting", (*waiting).into()),
                    ],
                ),
                PrinterProblem::NoPrinter { waiting } => {
                    tr.args("status-no-printer", &[("waiting", (*waiting).into())])
                }
                PrinterProblem::ReceiptNotPrepared(e) => tr.args(
                    "status-receipt-not-prepared",
                    &[("error", e.clone().into())],
                ),
                PrinterProblem::InvoiceNotPrepared(e) => tr.args(
                    "status-invoice-not-prepared",
                    &[("error", e.clone().into())],
                ),
            };
            r = r.push(text(message));
        }
        if let Some(e) = &self.drawer_failed {
            r = r.push(text(
                tr.args("status-drawer-failed", &[("error", e.clone().into())]),
            ));
        }
        container(r)
            .padding(8)
            .width(iced::Length::Fill)
            .style(crate::theme::status_bar)
            .into()
    }
}
