//! The status bar: online/offline, documents waiting, last successful sync.

use chrono::{DateTime, Local, Utc};
use iced::Element;
use iced::widget::{container, row, text};
use pos_terminal::Ledger;

#[derive(Debug, Clone, Default)]
pub struct Status {
    /// `None` until the first sync attempt.
    pub online: Option<bool>,
    pub waiting: u64,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl Status {
    /// Refreshes the outbox count from the ledger.
    pub fn refresh(&mut self, ledger: &Ledger) {
        if let Ok(n) = ledger.outbox_len() {
            self.waiting = n;
        }
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
                t.with_timezone(&Local).format("%d/%m/%Y %H:%M:%S")
            ),
            None => "Última sincronización: nunca".to_string(),
        };
        container(
            row![
                text(online),
                text(format!("Documentos pendientes: {}", self.waiting)),
                text(last),
            ]
            .spacing(30),
        )
        .padding(8)
        .into()
    }
}
