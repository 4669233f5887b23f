//! First run: enrol the till with HQ's server URL and one-time code.

use crate::key;
use iced::widget::{button, column, container, text, text_input};
use iced::{Element, Length, Task};
use pos_terminal::{LedgerHandle, SyncClient};

use crate::i18n::I18n;

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
    /// Enrolled, with the till's ticket series.
    Enrolled(String),
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
        ledger: &LedgerHandle,
        client: Option<&SyncClient>,
        tr: &I18n,
    ) -> Action {
        match message {
            Message::ServerUrl(s) => self.server_url = s,
            Message::Code(s) => self.code = s,
            Message::Submit => {
                if self.busy {
                    return Action::None;
                }
                // An enrolment link from the dashboard carries the code (and HQ's certificate).
                let link_has_code =
                    pos_terminal::pin::parse_link(&self.server_url).is_ok_and(|l| l.code.is_some());
                if self.server_url.trim().is_empty()
                    || (self.code.trim().is_empty() && !link_has_code)
                {
                    self.error = Some(tr.t(key!("enrol-missing")));
                    return Action::None;
                }
                let Some(client) = client.cloned() else {
                    self.error = Some(tr.t(key!("enrol-no-client")));
                    return Action::None;
                };
                self.busy = true;
                self.error = None;
                let ledger = ledger.clone();
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
            Message::Done(Ok(series)) => {
                self.busy = false;
                return Action::Enrolled(series);
            }
            Message::Done(Err(e)) => {
                self.busy = false;
                self.error = Some(e);
            }
        }
        Action::None
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let submit = button(text(tr.t(key!("enrol-submit"))).size(22))
            .padding(14)
            .on_press_maybe((!self.busy).then_some(Message::Submit));
        let mut col = column![
            text(tr.t(key!("enrol-title"))).size(32),
            text(tr.t(key!("enrol-help"))),
            text_input(&tr.t(key!("enrol-url-placeholder")), &self.server_url)
                .id("enrol-url")
                .on_input(Message::ServerUrl)
                .on_submit(Message::Submit)
                .padding(10)
                .size(20),
            text_input(&tr.t(key!("enrol-code")), &self.code)
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
            col = col.push(text(tr.t(key!("enrol-connecting"))));
        }
        if let Some(e) = &self.error {
            col = col.push(text(tr.args("error", &[("error", e.clone().into())])).size(18));
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
