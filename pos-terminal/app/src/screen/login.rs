//! Login with a PIN from the staff HQ pushed down.

use std::sync::Mutex;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Element, Length};
use pos_terminal::{Ledger, Staff};

use crate::i18n::I18n;
use crate::keypad;

pub const PIN_ID: &str = "login-pin";

#[derive(Debug, Clone)]
pub enum Message {
    Pin(String),
    Submit,
    /// The on-screen keypad (a PIN by touch).
    Keypad(keypad::Key),
}

pub enum Action {
    None,
    LoggedIn(Staff),
}

#[derive(Debug, Default)]
pub struct State {
    pin: String,
    error: Option<String>,
}

impl State {
    pub fn update(&mut self, message: Message, ledger: &Mutex<Ledger>, tr: &I18n) -> Action {
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
                let pin = std::mem::take(&mut self.pin);
                if pin.is_empty() {
                    self.error = Some(tr.t("login-pin-missing"));
                    return Action::None;
                }
                let found = match ledger.lock() {
                    Ok(l) => l.find_staff_by_pin(&pin).map_err(|e| e.to_string()),
                    Err(_) => Err(tr.t("registry-unavailable")),
                };
                match found {
                    Ok(Some(staff)) => {
                        self.error = None;
                        Action::LoggedIn(staff)
                    }
                    Ok(None) => {
                        self.error = Some(tr.t("wrong-pin"));
                        Action::None
                    }
                    Err(e) => {
                        self.error = Some(tr.args("error", &[("error", e.into())]));
                        Action::None
                    }
                }
            }
        }
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let mut col = column![
            text(tr.t("login-title")).size(32),
            text_input(&tr.t("pin"), &self.pin)
                .id(PIN_ID)
                .secure(true)
                .on_input(Message::Pin)
                .on_submit(Message::Submit)
                .padding(12)
                .size(28),
            button(text(tr.t("login-submit")).size(22))
                .padding(14)
                .on_press(Message::Submit),
        ]
        .spacing(14)
        .max_width(420);
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
