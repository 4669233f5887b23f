//! The on-screen numeric keypad for touch screens: quantities and amounts on the sell and
//! payment screens, PINs at login. Each key is 64 × 56 px, above the 44 px touch minimum.

use crate::key;
use iced::widget::{button, column, container, row, text};
use iced::{Element, Length};

use crate::i18n::I18n;
use crate::theme;

/// Width and height of a key, in logical pixels (both at least 44, the touch-target minimum).
pub const KEY_WIDTH: f32 = 64.0;
pub const KEY_HEIGHT: f32 = 56.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Digit(u8),
    /// The decimal comma of an amount or a weight.
    Comma,
    /// `×`: the quantity typed so far applies to the next scan (`3×`).
    Times,
    Back,
    Clear,
    Enter,
}

/// What the keypad types: its keys differ (a PIN has no comma, only quantities take `×`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pin,
    Amount,
    Quantity,
}

/// The widget id of a key's container, e.g. `keypad-7`, `keypad-enter` (for tests).
pub fn id(key: Key) -> String {
    match key {
        Key::Digit(d) => format!("keypad-{d}"),
        Key::Comma => "keypad-comma".into(),
        Key::Times => "keypad-times".into(),
        Key::Back => "keypad-back".into(),
        Key::Clear => "keypad-clear".into(),
        Key::Enter => "keypad-enter".into(),
    }
}

/// Applies `key` to the text of `field`; returns true for Enter (the caller submits).
pub fn apply(key: Key, field: &mut String) -> bool {
    match key {
        Key::Digit(d) => field.push(char::from(b'0' + d.min(9))),
        Key::Comma => {
            // One comma per number: after a `×` a new number starts.
            let number = field.rsplit(['×', '*']).next().unwrap_or("");
            if !number.contains(',') {
                field.push(',');
            }
        }
        Key::Times => {
            if !field.is_empty() && !field.contains(['×', '*']) {
                field.push('×');
            }
        }
        Key::Back => {
            field.pop();
        }
        Key::Clear => field.clear(),
        Key::Enter => return true,
    }
    false
}

/// The keypad; `on_key` maps a key press to the screen's message.
pub fn view<'a, M: Clone + 'a>(kind: Kind, on_key: fn(Key) -> M, tr: &I18n) -> Element<'a, M> {
    let key = |k: Key| -> Element<'a, M> {
        let label = match k {
            Key::Digit(d) => d.to_string(),
            Key::Comma => ",".into(),
            Key::Times => "×".into(),
            Key::Back => "⌫".into(),
            Key::Clear => "C".into(),
            Key::Enter => tr.t(key!("keypad-enter")),
        };
        let shown = !matches!(
            (kind, k),
            (Kind::Pin, Key::Comma | Key::Times) | (Kind::Amount, Key::Times)
        );
        let style = match k {
            Key::Enter => theme::key_enter,
            Key::Back | Key::Clear => theme::key_edit,
            _ => theme::key,
        };
        let b = button(text(label).size(24).center().width(Length::Fill))
            .width(Length::Fixed(KEY_WIDTH))
            .height(Length::Fixed(KEY_HEIGHT))
            .style(style)
            .on_press_maybe(shown.then(|| on_key(k)));
        container(b).id(id(k)).into()
    };
    let digits = |a: u8, b: u8, c: u8| [Key::Digit(a), Key::Digit(b), Key::Digit(c)];
    let mut rows = column![].spacing(6);
    for (three, extra) in [
        (digits(7, 8, 9), Key::Back),
        (digits(4, 5, 6), Key::Clear),
        (digits(1, 2, 3), Key::Times),
    ] {
        rows = rows.push(row(three.into_iter().chain([extra]).map(&key)).spacing(6));
    }
    let enter = button(
        text(tr.t(key!("keypad-enter")))
            .size(22)
            .center()
            .width(Length::Fill),
    )
    .width(Length::Fixed(KEY_WIDTH * 2.0 + 6.0))
    .height(Length::Fixed(KEY_HEIGHT))
    .style(theme::key_enter)
    .on_press(on_key(Key::Enter));
    rows.push(
        row![
            key(Key::Comma),
            key(Key::Digit(0)),
            container(enter).id(id(Key::Enter))
        ]
        .spacing(6),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_type_numbers_a_comma_once_and_times_once() {
        let mut f = String::new();
        for k in [
            Key::Comma,
            Key::Digit(3),
            Key::Comma,
            Key::Comma,
            Key::Digit(5),
        ] {
            assert!(!apply(k, &mut f));
        }
        assert_eq!(f, ",35");
        f.clear();
        for k in [
            Key::Times,
            Key::Digit(3),
            Key::Times,
            Key::Times,
            Key::Digit(1),
        ] {
            apply(k, &mut f);
        }
        assert_eq!(f, "3×1");
        apply(Key::Comma, &mut f);
        apply(Key::Digit(5), &mut f);
        assert_eq!(f, "3×1,5");
        apply(Key::Back, &mut f);
        assert_eq!(f, "3×1,");
        apply(Key::Clear, &mut f);
        assert_eq!(f, "");
        assert!(apply(Key::Enter, &mut f));
    }
}
