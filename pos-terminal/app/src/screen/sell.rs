//! The sell screen: a scan field that keeps focus, the ticket lines and the running total.

use std::sync::Mutex;

use iced::widget::{button, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Element, Length};
use pos_terminal::{Cart, Ledger};
use sync_protocol::Quantity;

use crate::format;

pub const SCAN_ID: &str = "scan";

#[derive(Debug, Clone)]
pub enum Message {
    Input(String),
    Submit,
    RemoveLine(usize),
    Pay,
    Logout,
    Manager,
}

pub enum Action {
    None,
    Pay,
    Logout,
    Manager,
}

#[derive(Debug, Default)]
pub struct State {
    input: String,
    /// A message for the cashier: unknown code, or the change of the last sale.
    pub notice: Option<String>,
}

impl State {
    pub fn with_notice(notice: Option<String>) -> Self {
        Self {
            input: String::new(),
            notice,
        }
    }

    pub fn update(&mut self, message: Message, cart: &mut Cart, ledger: &Mutex<Ledger>) -> Action {
        match message {
            Message::Input(s) => self.input = s,
            Message::Submit => {
                let code = std::mem::take(&mut self.input);
                let code = code.trim();
                if code.is_empty() {
                    return Action::None;
                }
                let found = match ledger.lock() {
                    Ok(l) => l.lookup_barcode(code).map_err(|e| e.to_string()),
                    Err(_) => Err("el registro local no está disponible".to_string()),
                };
                self.notice = match found {
                    Ok(Some(item)) => match cart.add_item(&item, Quantity::one()) {
                        Ok(_) => None,
                        Err(e) => Some(format!("No se pudo añadir {}: {e}", item.name)),
                    },
                    Ok(None) => Some(format!("Código desconocido: {code}")),
                    Err(e) => Some(format!("Error: {e}")),
                };
            }
            Message::RemoveLine(i) => {
                let _ = cart.remove_line(i);
            }
            Message::Pay => {
                if cart.is_empty() {
                    self.notice = Some("El ticket está vacío.".into());
                } else {
                    return Action::Pay;
                }
            }
            Message::Logout => return Action::Logout,
            Message::Manager => return Action::Manager,
        }
        Action::None
    }

    pub fn view<'a>(&'a self, cart: &'a Cart, cashier: &str) -> Element<'a, Message> {
        let scan = text_input("Escanee o escriba un código", &self.input)
            .id(SCAN_ID)
            .on_input(Message::Input)
            .on_submit(Message::Submit)
            .padding(12)
            .size(24);

        let mut lines = column![].spacing(6);
        let totals = cart.totals().ok();
        for (i, line) in cart.lines().iter().enumerate() {
            let amount = totals
                .as_ref()
                .and_then(|t| t.lines.get(i))
                .map(|t| t.gross)
                .unwrap_or_else(|| line.unit_price.times(line.quantity));
            lines = lines.push(
                row![
                    text(line.name.clone()).size(20).width(Length::Fill),
                    text(format!(
                        "{} x {}",
                        format::quantity(line.quantity),
                        format::money(line.unit_price)
                    ))
                    .size(18)
                    .width(Length::Fixed(200.0)),
                    text(format::money(amount))
                        .size(20)
                        .width(Length::Fixed(140.0)),
                    button(text("Quitar")).on_press(Message::RemoveLine(i)),
                ]
                .spacing(10)
                .align_y(Alignment::Center),
            );
        }
        if cart.is_empty() {
            lines = lines.push(text("Ticket vacío").size(18));
        }

        let mut summary = column![].spacing(4).align_x(Alignment::End);
        match &totals {
            Some(t) => {
                for tax in &t.taxes {
                    summary = summary.push(text(format!(
                        "IVA {}: base {} · cuota {}",
                        format::tax_rate(tax.rate),
                        format::money(tax.base),
                        format::money(tax.tax)
                    )));
                }
                summary = summary.push(text(format!("Total: {}", format::money(t.total))).size(36));
            }
            None => {
                summary = summary
                    .push(text(format!("Total: {}", format::money(Default::default()))).size(36))
            }
        }

        let mut col = column![
            row![
                text(format!("Cajero: {cashier}"))
                    .size(18)
                    .width(Length::Fill),
                button(text("Gerencia (F9)")).on_press(Message::Manager),
                button(text("Salir")).on_press(Message::Logout),
            ]
            .spacing(10)
            .align_y(Alignment::Center),
            scan,
        ]
        .spacing(12);
        if let Some(n) = &self.notice {
            col = col.push(text(n.clone()).size(22));
        }
        col = col
            .push(scrollable(lines).height(Length::Fill))
            .push(summary)
            .push(row![
                container(text("")).width(Length::Fill),
                button(text("Cobrar (F2)").size(26))
                    .padding(16)
                    .on_press(Message::Pay),
            ]);
        container(col).padding(20).height(Length::Fill).into()
    }
}
