//! Payment in cash: amount handed over, quick amounts, the change shown large.

use std::sync::Mutex;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Alignment, Element, Length};
use pos_terminal::{Cart, Ledger, cash_payment};
use sync_protocol::{Money, StaffId};

use crate::format;

pub const TENDERED_ID: &str = "tendered";

#[derive(Debug, Clone)]
pub enum Message {
    Tendered(String),
    Quick(Money),
    Confirm,
    Back,
}

pub enum Action {
    None,
    Back,
    /// The sale is committed to the ledger; this is the change to give.
    Paid {
        change: Money,
        ticket: String,
    },
}

#[derive(Debug)]
pub struct State {
    total: Money,
    tendered: String,
    error: Option<String>,
}

/// Notes and round amounts offered as one-tap buttons, above the total.
fn quick_amounts(total: Money) -> Vec<Money> {
    let mut out = vec![total];
    for euros in [5, 10, 20, 50, 100] {
        let m = Money::from_cents(euros * 100);
        if m > total && out.len() < 5 {
            out.push(m);
        }
    }
    out
}

impl State {
    pub fn new(total: Money) -> Self {
        Self {
            total,
            tendered: String::new(),
            error: None,
        }
    }

    fn tendered(&self) -> Option<Money> {
        format::parse_money(&self.tendered)
    }

    pub fn update(
        &mut self,
        message: Message,
        cart: &mut Cart,
        ledger: &Mutex<Ledger>,
        cashier: Option<StaffId>,
    ) -> Action {
        match message {
            Message::Tendered(s) => {
                self.tendered = s;
                self.error = None;
            }
            Message::Quick(m) => {
                self.tendered = format::money(m).trim_end_matches(" €").to_string();
                self.error = None;
            }
            Message::Back => return Action::Back,
            Message::Confirm => {
                let tendered = if self.tendered.trim().is_empty() {
                    Some(self.total)
                } else {
                    self.tendered()
                };
                let Some(tendered) = tendered else {
                    self.error = Some("Importe no válido.".into());
                    return Action::None;
                };
                if tendered < self.total {
                    self.error = Some(format!("Faltan {}.", format::money(self.total - tendered)));
                    return Action::None;
                }
                let payment = cash_payment(self.total, tendered);
                let change = payment.change;
                let (lines, discount) = (cart.lines().to_vec(), cart.ticket_discount());
                let recorded = match ledger.lock() {
                    Ok(mut l) => l
                        .record_sale(cashier, lines, discount, vec![payment])
                        .map_err(|e| e.to_string()),
                    Err(_) => Err("el registro local no está disponible".to_string()),
                };
                match recorded {
                    Ok(doc) => {
                        cart.clear();
                        let ticket = match &doc.body {
                            sync_protocol::DocumentBody::Sale(s) => s.ticket_number.clone(),
                            _ => String::new(),
                        };
                        return Action::Paid { change, ticket };
                    }
                    // The cart is kept so the sale can be retried; nothing was recorded.
                    Err(e) => self.error = Some(format!("No se pudo registrar la venta: {e}")),
                }
            }
        }
        Action::None
    }

    pub fn view(&self) -> Element<'_, Message> {
        let change = self
            .tendered()
            .filter(|t| *t >= self.total)
            .map(|t| t - self.total);
        let mut quick = row![].spacing(10);
        for m in quick_amounts(self.total) {
            quick = quick.push(
                button(text(format::money(m)).size(22))
                    .padding(14)
                    .on_press(Message::Quick(m)),
            );
        }
        let mut col = column![
            text("Cobro en efectivo").size(28),
            text(format!("Total: {}", format::money(self.total))).size(36),
            text_input("Entregado", &self.tendered)
                .id(TENDERED_ID)
                .on_input(Message::Tendered)
                .on_submit(Message::Confirm)
                .padding(12)
                .size(28),
            quick,
        ]
        .spacing(16)
        .max_width(720);
        col = col.push(match change {
            Some(c) => text(format!("Cambio: {}", format::money(c))).size(56),
            None => text("Cambio: —").size(56),
        });
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(20));
        }
        col = col.push(
            row![
                button(text("Volver").size(22))
                    .padding(14)
                    .on_press(Message::Back),
                button(text("Confirmar cobro").size(22))
                    .padding(14)
                    .on_press(Message::Confirm),
            ]
            .spacing(20)
            .align_y(Alignment::Center),
        );
        container(col).center_x(Length::Fill).padding(30).into()
    }
}
