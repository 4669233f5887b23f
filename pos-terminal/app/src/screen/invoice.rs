//! Full invoice (factura completa) for a ticket: the customer's name, address and NIF/NIE/CIF,
//! validated with a clear message, stored in the ledger and printed with its own title.

use std::sync::Mutex;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Element, Length};
use pos_terminal::{FullInvoice, Ledger};
use sync_protocol::DocumentBody;

use crate::i18n::I18n;

pub const TICKET_ID: &str = "invoice-ticket";
pub const NAME_ID: &str = "invoice-name";
pub const ADDRESS_ID: &str = "invoice-address";
pub const NIF_ID: &str = "invoice-nif";

#[derive(Debug, Clone)]
pub enum Message {
    Ticket(String),
    Name(String),
    Address(String),
    Nif(String),
    Issue,
    Back,
}

pub enum Action {
    None,
    Focus(&'static str),
    Back,
    Issued(FullInvoice),
}

#[derive(Debug, Default)]
pub struct State {
    ticket: String,
    name: String,
    address: String,
    nif: String,
    error: Option<String>,
}

/// The message for a refused NIF/NIE/CIF, in the cashier's words.
fn nif_message(nif: &str, tr: &I18n) -> Option<String> {
    let n = sync_protocol::nif::normalise(nif);
    if n.is_empty() {
        return Some(tr.t("invoice-nif-missing"));
    }
    sync_protocol::nif::validate(&n).err().map(|detail| {
        tr.args(
            "invoice-nif-invalid",
            &[
                ("nif", n.clone().into()),
                ("detail", detail.to_string().into()),
            ],
        )
    })
}

impl State {
    /// Starts with the last sale's ticket number filled in (the usual request).
    pub fn new(last_ticket: Option<String>) -> Self {
        Self {
            ticket: last_ticket.unwrap_or_default(),
            ..Self::default()
        }
    }

    pub fn update(&mut self, message: Message, ledger: &Mutex<Ledger>, tr: &I18n) -> Action {
        match message {
            Message::Ticket(s) => {
                self.ticket = s;
                Action::Focus(TICKET_ID)
            }
            Message::Name(s) => {
                self.name = s;
                Action::Focus(NAME_ID)
            }
            Message::Address(s) => {
                self.address = s;
                Action::Focus(ADDRESS_ID)
            }
            Message::Nif(s) => {
                self.nif = s;
                Action::Focus(NIF_ID)
            }
            Message::Back => Action::Back,
            Message::Issue => self.issue(ledger, tr),
        }
    }

    fn issue(&mut self, ledger: &Mutex<Ledger>, tr: &I18n) -> Action {
        if self.name.trim().is_empty() {
            self.error = Some(tr.t("invoice-name-missing"));
            return Action::Focus(NAME_ID);
        }
        if self.address.trim().is_empty() {
            self.error = Some(tr.t("invoice-address-missing"));
            return Action::Focus(ADDRESS_ID);
        }
        if let Some(e) = nif_message(&self.nif, tr) {
            self.error = Some(e);
            return Action::Focus(NIF_ID);
        }
        let Ok(mut l) = ledger.lock() else {
            self.error = Some(tr.t("registry-unavailable"));
            return Action::None;
        };
        let sale = match l.sale_by_ticket(&self.ticket) {
            Ok(Some(d)) if matches!(d.body, DocumentBody::Sale(_)) => d,
            Ok(_) => {
                self.error =
                    Some(tr.args("ticket-not-found", &[("ticket", self.ticket.trim().into())]));
                return Action::Focus(TICKET_ID);
            }
            Err(e) => {
                self.error = Some(tr.args("error", &[("error", e.to_string().into())]));
                return Action::None;
            }
        };
        if let Ok(Some(existing)) = l.full_invoice_for(sale.seq) {
            self.error = Some(tr.args("invoice-exists", &[("number", existing.number.into())]));
            return Action::None;
        }
        match l.record_full_invoice(sale.seq, &self.name, &self.address, &self.nif) {
            Ok(inv) => Action::Issued(inv),
            Err(e) => {
                self.error = Some(tr.args("invoice-failed", &[("error", e.to_string().into())]));
                Action::None
            }
        }
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let field =
            |placeholder: &str, value: &'a str, id: &'static str, on: fn(String) -> Message| {
                text_input(placeholder, value)
                    .id(id)
                    .on_input(on)
                    .on_submit(Message::Issue)
                    .padding(10)
                    .size(22)
            };
        let mut col = column![
            text(tr.t("invoice-title")).size(30),
            text(tr.t("invoice-ticket")),
            field(
                &tr.t("invoice-ticket-number"),
                &self.ticket,
                TICKET_ID,
                Message::Ticket
            ),
            text(tr.t("invoice-customer")),
            field(&tr.t("invoice-name"), &self.name, NAME_ID, Message::Name),
            field(
                &tr.t("invoice-address"),
                &self.address,
                ADDRESS_ID,
                Message::Address
            ),
            field(&tr.t("invoice-nif"), &self.nif, NIF_ID, Message::Nif),
        ]
        .spacing(10)
        .max_width(760);
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(20));
        }
        col = col.push(
            row![
                button(text(tr.t("back-esc")).size(22))
                    .padding(14)
                    .on_press(Message::Back),
                button(text(tr.t("invoice-issue")).size(22))
                    .padding(14)
                    .on_press(Message::Issue),
            ]
            .spacing(20),
        );
        container(col).center_x(Length::Fill).padding(24).into()
    }
}
