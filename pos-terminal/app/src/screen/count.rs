//! The denomination grid: coins on the left, notes on the right, a count per piece and the total.
//! Used to count the opening float and the drawer at the Z close.

use crate::key;
use iced::widget::{column, row, text, text_input};
use iced::{Alignment, Element, Length};
use sync_protocol::{Denomination, DenominationCount, Money, count_total};

use crate::i18n::I18n;

/// The input id of a denomination's count, e.g. `den-2000` for 20 € notes.
pub fn input_id(d: Denomination) -> String {
    format!("den-{}", d.cents())
}

#[derive(Debug, Clone)]
pub struct Edit(pub Denomination, pub String);

/// Counts typed so far, one text per denomination (smallest first).
#[derive(Debug, Clone, Default)]
pub struct Grid {
    counts: Vec<(Denomination, String)>,
}

impl Grid {
    pub fn new() -> Self {
        Self {
            counts: Denomination::all().map(|d| (d, String::new())).collect(),
        }
    }

    pub fn edit(&mut self, Edit(d, s): Edit) {
        let digits: String = s.chars().filter(char::is_ascii_digit).take(5).collect();
        if let Some(slot) = self.counts.iter_mut().find(|(x, _)| *x == d) {
            slot.1 = digits;
        }
    }

    /// The pieces counted (empty inputs are zero).
    pub fn counts(&self) -> Vec<DenominationCount> {
        self.counts
            .iter()
            .filter_map(|(d, s)| {
                let count: u32 = s.parse().ok()?;
                (count > 0).then_some(DenominationCount {
                    denomination: *d,
                    count,
                })
            })
            .collect()
    }

    pub fn total(&self) -> Money {
        count_total(&self.counts())
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Edit> {
        self.view_with(tr, |e| e, None)
    }

    /// The grid with its edits mapped by `on_edit`; with `on_submit`, Enter in any count sends
    /// it (the opening float is confirmed from the keyboard).
    pub fn view_with<'a, M: Clone + 'a>(
        &'a self,
        tr: &I18n,
        on_edit: fn(Edit) -> M,
        on_submit: Option<M>,
    ) -> Element<'a, M> {
        let cell = |(d, s): &(Denomination, String)| -> Element<'_, M> {
            let d = *d;
            let subtotal = s
                .parse::<u32>()
                .map(|c| Money::from_cents(d.cents() * i64::from(c)))
                .unwrap_or(Money::ZERO);
            row![
                text(tr.money(d.value()))
                    .size(16)
                    .width(Length::Fixed(90.0)),
                text_input("0", s)
                    .id(input_id(d))
                    .on_input(move |v| on_edit(Edit(d, v)))
                    .on_submit_maybe(on_submit.clone())
                    .padding(4)
                    .size(16)
                    .width(Length::Fixed(70.0)),
                text(tr.money(subtotal))
                    .size(16)
                    .width(Length::Fixed(110.0)),
            ]
            .spacing(8)
            .align_y(Alignment::Center)
            .into()
        };
        let coins = column(self.counts.iter().filter(|(d, _)| !d.is_note()).map(cell)).spacing(4);
        let notes = column(self.counts.iter().filter(|(d, _)| d.is_note()).map(cell)).spacing(4);
        column![
            row![
                column![text(tr.t(key!("count-coins"))).size(18), coins].spacing(6),
                column![text(tr.t(key!("count-notes"))).size(18), notes].spacing(6),
            ]
            .spacing(40),
            text(tr.args("count-total", &[("amount", tr.money(self.total()).into())])).size(22),
        ]
        .spacing(10)
        .into()
    }
}
