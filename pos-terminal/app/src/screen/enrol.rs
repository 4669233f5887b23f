//! First run: enrol the till with HQ's server URL and one-time code.

use std::sync::{Arc, Mutex};

use iced::widget::{button, column, container, text, text_input};
use iced::{Element, Length, Task};
use pos_terminal::{Ledger, SyncClient};

#[derive(Debug, Clone)]
pub enum Message {
    ServerUrl(String),
    Code(String),
    Submit,
    Done(Result<String, String>),
}

pub enum Action {
    None,
    Run(Task<Message>),
    Enrolled,
}

#[derive(Debug, Default)]
pub struct State {
    server_url: String,
    code: String,
    busy: bool,
    error: Option<String>,
}

impl State {
    pub fn update(
        &mut self,
        message: Message,
        ledger: &Arc<Mutex<Ledger>>,
        client: Option<&SyncClient>,
    ) -> Action {
        match message {
            Message::ServerUrl(s) => self.server_url = s,
            Message::Code(s) => self.code = s,
            Message::Submit => {
                if self.busy {
                    return Action::None;
                }
                if self.server_url.trim().is_empty() || self.code.trim().is_empty() {
                    self.error = Some("Escriba la dirección del servidor y el código.".into());
                    return Action::None;
                }
                let Some(client) = client.cloned() else {
                    self.error = Some("No se pudo preparar la conexión con el servidor.".into());
                    return Action::None;
                };
                self.busy = true;
                self.error = None;
                let ledger = Arc::clone(ledger);
                let url = self.server_url.trim().to_string();
                let code = self.code.trim().to_string();
                let device = device_name();
                return Action::Run(Task::perform(
                    async move {
                        client
                            .enrol_ledger(&ledger, &url, &code, &device)
                            .await
                            .map(|id| id.ticket_series)
                            .map_err(|e| e.to_string())
                    },
                    Message::Done,
                ));
            }
            Message::Done(Ok(_)) => {
                self.busy = false;
                return Action::Enrolled;
            }
            Message::Done(Err(e)) => {
                self.busy = false;
                self.error = Some(e);
            }
        }
        Action::None
    }

    pub fn view(&self) -> Element<'_, Message> {
        let submit = button(text("Dar de alta").size(22))
            .padding(14)
            .on_press_maybe((!self.busy).then_some(Message::Submit));
        let mut col = column![
            text("Alta de la caja").size(32),
            text("Escriba la dirección del servidor y el código de un solo uso de la central."),
            text_input("https://central.ejemplo.es", &self.server_url)
                .id("enrol-url")
                .on_input(Message::ServerUrl)
                .on_submit(Message::Submit)
                .padding(10)
                .size(20),
            text_input("Código de alta", &self.code)
                .id("enrol-code")
                .on_input(Message::Code)
                .on_submit(Message::Submit)
                .padding(10)
                .size(20),
            submit,
        ]
        .spacing(14)
        .max_width(640);
        if self.busy {
            col = col.push(text("Conectando con la central…"));
        }
        if let Some(e) = &self.error {
            col = col.push(text(format!("Error: {e}")).size(18));
        }
        container(col).center_x(Length::Fill).padding(40).into()
    }
}

fn device_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "caja".to_string())
}
