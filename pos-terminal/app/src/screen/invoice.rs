//! Full invoice (factura completa) for a ticket: the customer's name, address and NIF/NIE/CIF,
//! validated with a clear message, stored in the ledger and printed with its own title.

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Element, Length, Task};
use pos_terminal::{FullInvoice, LedgerHandle};
use sync_protocol::DocumentBody;

use crate::i18n::I18n;
use crate::ledger_task::{self, ScreenReply};

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
    /// The ledger's answer to issuing the invoice, and what to do with it.
    Answer(ScreenReply<State, Action>),
}

pub enum Action {
    None,
    Focus(&'static str),
    Back,
    /// Work for the ledger's thread; its answer comes back as [`Message::Answer`].
    Run(Task<Message>),
    Issued(FullInvoice),
}

/// What issuing found on the ledger's thread.
enum Issue {
    NoSuchTicket,
    Exists(String),
    Issued(FullInvoice),
    /// The ledger refused to record it, and why.
    Failed(String),
}

#[derive(Debug, Default)]
pub struct State {
    ticket: String,
    name: String,
    address: String,
    nif: String,
    error: Option<String>,
    /// The invoice is being issued.
    busy: bool,
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

    pub fn update(&mut self, message: Message, ledger: &LedgerHandle, tr: &I18n) -> Action {
        if let Message::Answer(reply) = &message {
            return ledger_task::apply(reply.clone(), self, tr).unwrap_or(Action::None);
        }
        if self.busy {
            return Action::None;
        }
        match message {
            Message::Answer(_) => Action::None,
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

    fn issue(&mut self, ledger: &LedgerHandle, tr: &I18n) -> Action {
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
        let (ticket, name, address, nif) = (
            self.ticket.clone(),
            self.name.clone(),
            self.address.clone(),
            self.nif.clone(),
        );
        self.busy = true;
        Action::Run(ledger_task::then(
            ledger,
            move |l| -> Result<Issue, String> {
                let sale = match l.sale_by_ticket(&ticket).map_err(|e| e.to_string())? {
                    Some(d) if matches!(d.body, DocumentBody::Sale(_)) => d,
                    _ => return Ok(Issue::NoSuchTicket),
                };
                if let Ok(Some(existing)) = l.full_invoice_for(sale.seq) {
                    return Ok(Issue::Exists(existing.number));
                }
                Ok(
                    match l.record_full_invoice(sale.seq, &name, &address, &nif) {
                        Ok(inv) => Issue::Issued(inv),
                        Err(e) => Issue::Failed(e.to_string()),
                    },
                )
            },
            |s: &mut State, issued, tr| {
                s.busy = false;
                match issued {
                    Ok(Issue::Issued(inv)) => Action::Issued(inv),
                    Ok(Issue::NoSuchTicket) => {
                        s.error = Some(
                            tr.args("ticket-not-found", &[("ticket", s.ticket.trim().into())]),
                        );
                        Action::Focus(TICKET_ID)
                    }
                    Ok(Issue::Exists(number)) => {
                        s.error = Some(tr.args("invoice-exists", &[("number", number.into())]));
                        Action::None
                    }
                    Ok(Issue::Failed(e)) => {
                        s.error = Some(tr.args("invoice-failed", &[("error", e.into())]));
                        Action::None
                    }
                    Err(e) => {
                        s.error = Some(tr.args("error", &[("error", e.into())]));
                        Action::None
                    }
                }
            },
            Message::Answer,
        ))
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
