//! Login with a PIN from the staff HQ pushed down.

use crate::key;
use iced::widget::{button, column, container, row, text, text_input};
use iced::{Element, Length, Task};
use pos_terminal::{CallError, LedgerHandle, Staff};

use crate::i18n::I18n;
use crate::{keypad, ledger_task};

pub const PIN_ID: &str = "login-pin";

#[derive(Debug, Clone)]
pub enum Message {
    Pin(String),
    Submit,
    /// The on-screen keypad (a PIN by touch).
    Keypad(keypad::Key),
    /// The ledger's answer to the PIN check (argon2 on the ledger's thread, never in `update`).
    Checked(Result<Result<Option<Staff>, String>, CallError>),
}

pub enum Action {
    None,
    /// Work for the ledger's thread; its answer comes back as a message.
    Run(Task<Message>),
    LoggedIn(Staff),
}

#[derive(Debug, Default)]
pub struct State {
    pin: String,
    error: Option<String>,
    /// A PIN is being checked: the screen says so and a second Enter does nothing.
    checking: bool,
}

impl State {
    /// Whether a PIN check is running.
    pub fn checking(&self) -> bool {
        self.checking
    }

    pub fn update(&mut self, message: Message, ledger: &LedgerHandle, tr: &I18n) -> Action {
        match message {
            Message::Pin(p) => {
                self.pin = p.chars().filter(char::is_ascii_digit).take(12).collect();
                Action::None
            }
            Message::Keypad(k) => {
                let mut pin = std::mem::take(&mut self.pin);
                let enter = keypad::apply(k, &mut pin);
                self.pin = pin.chars().filter(char::is_ascii_digit).take(12).collect();
                if enter {
                    return self.update(Message::Submit, ledger, tr);
                }
                Action::None
            }
            Message::Submit => {
                if self.checking {
                    return Action::None;
                }
                let pin = std::mem::take(&mut self.pin);
                if pin.is_empty() {
                    self.error = Some(tr.t(key!("login-pin-missing")));
                    return Action::None;
                }
                self.checking = true;
                self.error = None;
                Action::Run(ledger_task::ask(
                    ledger,
                    move |l| l.find_staff_by_pin(&pin).map_err(|e| e.to_string()),
                    Message::Checked,
                ))
            }
            Message::Checked(found) => {
                self.checking = false;
                match found {
                    Ok(Ok(Some(staff))) => {
                        self.error = None;
                        Action::LoggedIn(staff)
                    }
                    Ok(Ok(None)) => {
                        self.error = Some(tr.t(key!("wrong-pin")));
                        Action::None
                    }
                    Ok(Err(e)) => {
                        self.error = Some(tr.args("error", &[("error", e.into())]));
                        Action::None
                    }
                    Err(e) => {
                        self.error = Some(ledger_task::call_error(&e, tr));
                        Action::None
                    }
                }
            }
        }
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let mut col = column![
            text(tr.t(key!("login-title"))).size(32),
            text_input(&tr.t("pin"), &self.pin)
                .id(PIN_ID)
                .secure(true)
                .on_input(Message::Pin)
                .on_submit(Message::Submit)
                .padding(12)
                .size(28),
            button(text(tr.t(key!("login-submit"))).size(22))
                .padding(14)
                .on_press(Message::Submit),
        ]
        .spacing(14)
        .max_width(420);
        if self.checking {
            col = col.push(text(tr.t(key!("pin-checking"))).size(20));
        }
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(20));
        }
        let pad = keypad::view(keypad::Kind::Pin, Message::Keypad, tr);
        container(row![col, pad].spacing(40))
            .center_x(Length::Fill)
            .padding(40)
            .into()
    }
}
