//! Full invoice (factura completa) for a ticket: the customer's name, address and NIF/NIE/CIF,
//! validated with a clear message, stored in the ledger and printed with its own title.

use std::sync::Mutex;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Element, Length};
use pos_terminal::{FullInvoice, Ledger};
use sync_protocol::DocumentBody;

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
fn nif_message(nif: &str) -> Option<String> {
    let n = sync_protocol::nif::normalise(nif);
    if n.is_empty() {
        return Some("Escriba el NIF, NIE o CIF del cliente.".into());
    }
    sync_protocol::nif::validate(&n).err().map(|detail| {
        format!("NIF/NIE/CIF no válido: {n}. Compruebe la letra o el dígito de control ({detail}).")
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

    pub fn update(&mut self, message: Message, ledger: &Mutex<Ledger>) -> Action {
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
            Message::Issue => self.issue(ledger),
        }
    }

    fn issue(&mut self, ledger: &Mutex<Ledger>) -> Action {
        if self.name.trim().is_empty() {
            self.error = Some("Escriba el nombre o razón social del cliente.".into());
            return Action::Focus(NAME_ID);
        }
        if self.address.trim().is_empty() {
            self.error = Some("Escriba la dirección del cliente.".into());
            return Action::Focus(ADDRESS_ID);
        }
        if let Some(e) = nif_message(&self.nif) {
            self.error = Some(e);
            return Action::Focus(NIF_ID);
        }
        let Ok(mut l) = ledger.lock() else {
            self.error = Some("El registro local no está disponible.".into());
            return Action::None;
        };
        let sale = match l.sale_by_ticket(&self.ticket) {
            Ok(Some(d)) if matches!(d.body, DocumentBody::Sale(_)) => d,
            Ok(_) => {
                self.error = Some(format!(
                    "No hay ningún ticket {} en esta caja.",
                    self.ticket.trim()
                ));
                return Action::Focus(TICKET_ID);
            }
            Err(e) => {
                self.error = Some(format!("Error: {e}"));
                return Action::None;
            }
        };
        if let Ok(Some(existing)) = l.full_invoice_for(sale.seq) {
            self.error = Some(format!(
                "El ticket ya tiene la factura {}.",
                existing.number
            ));
            return Action::None;
        }
        match l.record_full_invoice(sale.seq, &self.name, &self.address, &self.nif) {
            Ok(inv) => Action::Issued(inv),
            Err(e) => {
                self.error = Some(format!("No se pudo emitir la factura: {e}"));
                Action::None
            }
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let field = |placeholder: &'static str,
                     value: &str,
                     id: &'static str,
                     on: fn(String) -> Message| {
            text_input(placeholder, value)
                .id(id)
                .on_input(on)
                .on_submit(Message::Issue)
                .padding(10)
                .size(22)
        };
        let mut col = column![
            text("Factura completa").size(30),
            text("Ticket"),
            field("Número de ticket", &self.ticket, TICKET_ID, Message::Ticket),
            text("Cliente"),
            field("Nombre o razón social", &self.name, NAME_ID, Message::Name),
            field("Dirección", &self.address, ADDRESS_ID, Message::Address),
            field("NIF / NIE / CIF", &self.nif, NIF_ID, Message::Nif),
        ]
        .spacing(10)
        .max_width(760);
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(20));
        }
        col = col.push(
            row![
                button(text("Volver (Esc)").size(22))
                    .padding(14)
                    .on_press(Message::Back),
                button(text("Emitir factura").size(22))
                    .padding(14)
                    .on_press(Message::Issue),
            ]
            .spacing(20),
        );
        container(col).center_x(Length::Fill).padding(24).into()
    }
}
