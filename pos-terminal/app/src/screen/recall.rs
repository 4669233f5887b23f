//! Recall a parked ticket: the list of tickets put aside on this till, newest last.

use chrono::{DateTime, Utc};
use iced::widget::{button, column, container, row, text};
use iced::{Element, Length};
use pos_terminal::Cart;

use crate::format;

/// A ticket put aside so another customer can be served.
#[derive(Debug, Clone)]
pub struct Parked {
    pub cart: Cart,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Pick(usize),
    Back,
}

pub fn view(parked: &[Parked]) -> Element<'_, Message> {
    let mut col = column![text("Tickets aparcados").size(30)].spacing(12);
    for (i, p) in parked.iter().enumerate() {
        let total = p.cart.totals().map(|t| t.total).unwrap_or_default();
        let first = p
            .cart
            .lines()
            .first()
            .map(|l| l.name.clone())
            .unwrap_or_default();
        col = col.push(
            button(
                row![
                    text(format!(
                        "{} · {} líneas · {}",
                        pos_terminal::receipt::madrid_time(p.at),
                        p.cart.lines().len(),
                        first
                    ))
                    .size(20)
                    .width(Length::Fill),
                    text(format::money(total)).size(22),
                ]
                .spacing(10),
            )
            .width(Length::Fill)
            .padding(14)
            .on_press(Message::Pick(i)),
        );
    }
    col = col.push(
        button(text("Volver (Esc)").size(22))
            .padding(14)
            .on_press(Message::Back),
    );
    container(col.max_width(800))
        .center_x(Length::Fill)
        .padding(24)
        .into()
}
