//! The status bar: online/offline, documents waiting, last successful sync, and the printer's
//! state when receipts are waiting, so a fault is visible without blocking the next sale.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Madrid;
use iced::Element;
use iced::widget::{container, row, text};
use pos_terminal::Ledger;

use crate::printing::Outcome;
use crate::worker::Event;

#[derive(Debug, Clone, Default)]
pub struct Status {
    /// `None` until the first sync attempt.
    pub online: Option<bool>,
    pub waiting: u64,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// A printer problem for the cashier, cleared when a flush succeeds.
    pub printer: Option<String>,
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
            Outcome::Failed { error, waiting } => {
                Some(format!("Impresora: {error} · {waiting} recibo(s) en cola"))
            }
            Outcome::NoPrinter { waiting } => Some(format!(
                "Sin impresora configurada · {waiting} recibo(s) en cola"
            )),
        };
    }

    pub fn view<'a, M: 'a>(&'a self) -> Element<'a, M> {
        let online = match self.online {
            None => "Sin sincronizar".to_string(),
            Some(true) => "En línea".to_string(),
            Some(false) => "Sin conexión".to_string(),
        };
        let last = match self.last_sync {
            Some(t) => format!(
                "Última sincronización: {}",
                t.with_timezone(&Madrid).format("%d/%m/%Y %H:%M:%S")
            ),
            None => "Última sincronización: nunca".to_string(),
        };
        let mut r = row![
            text(online),
            text(format!("Documentos pendientes: {}", self.waiting)),
            text(last),
        ]
        .spacing(30);
        if let Some(p) = &self.printer {
            r = r.push(text(p.clone()));
        }
        container(r).padding(8).into()
    }
}
