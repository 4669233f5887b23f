//! Recall a parked ticket: the list of tickets put aside on this till, newest last.

use crate::key;
use chrono::{DateTime, Utc};
use iced::widget::{button, column, container, row, text};
use iced::{Element, Length};
use pos_terminal::Cart;

use crate::i18n::I18n;

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

pub fn view<'a>(parked: &'a [Parked], tr: &I18n) -> Element<'a, Message> {
    let mut col = column![text(tr.t(key!("recall-title"))).size(30)].spacing(12);
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
                    text(tr.args(
                        "recall-ticket",
                        &[
                            ("time", pos_terminal::receipt::madrid_time(p.at).into()),
                            ("lines", p.cart.lines().len().into()),
                            ("first", first.into()),
                        ],
                    ))
                    .size(20)
                    .width(Length::Fill),
                    text(tr.money(total)).size(22),
                ]
                .spacing(10),
            )
            .width(Length::Fill)
            .padding(14)
            .on_press(Message::Pick(i)),
        );
    }
    col = col.push(
        button(text(tr.t(key!("back-esc"))).size(22))
            .padding(14)
            .on_press(Message::Back),
    );
    container(col.max_width(800))
        .center_x(Length::Fill)
        .padding(24)
        .into()
}
