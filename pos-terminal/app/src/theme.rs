//! The till's look: a light, high-contrast palette for a shop counter (not iced's default), the
//! scale that keeps it legible from 1024×768 to 1920×1080, and the styles screens share.

use iced::theme::Palette;
use iced::widget::{button, container};
use iced::{Background, Border, Color, Shadow, Theme, Vector, color};

/// Warm paper background, dark slate text, a deep teal for actions, green for paying.
pub const PALETTE: Palette = Palette {
    background: color!(0xF3F0E8),
    text: color!(0x1C2830),
    primary: color!(0x0B6471),
    success: color!(0x23743A),
    warning: color!(0xA85F00),
    danger: color!(0xB3261E),
};

pub fn till() -> Theme {
    Theme::custom("Trastienda", PALETTE)
}

/// The UI scale for a window of `width` × `height` logical pixels: 1 at 1024×768 (the layout's
/// design size), growing with the smaller ratio up to 1,4 at 1920×1080, never below 1.
pub fn scale_for(width: f32, height: f32) -> f32 {
    (width / 1024.0).min(height / 768.0).clamp(1.0, 2.0)
}

fn rounded(radius: f32, color: Color, width: f32) -> Border {
    Border {
        color,
        width,
        radius: radius.into(),
    }
}

fn shade(c: Color, by: f32) -> Color {
    Color {
        r: (c.r * by).min(1.0),
        g: (c.g * by).min(1.0),
        b: (c.b * by).min(1.0),
        a: c.a,
    }
}

/// A filled button of `bg`, darker when pressed, lighter when hovered, faded when disabled.
fn filled(bg: Color, fg: Color, status: button::Status) -> button::Style {
    let bg = match status {
        button::Status::Active => bg,
        button::Status::Hovered => shade(bg, 1.08),
        button::Status::Pressed => shade(bg, 0.85),
        button::Status::Disabled => Color { a: 0.35, ..bg },
    };
    button::Style {
        background: Some(Background::Color(bg)),
        text_color: if status == button::Status::Disabled {
            Color { a: 0.5, ..fg }
        } else {
            fg
        },
        border: rounded(8.0, shade(bg, 0.8), 1.0),
        shadow: Shadow {
            color: Color::from_rgba(0.0, 0.0, 0.0, 0.18),
            offset: Vector::new(0.0, 1.0),
            blur_radius: 2.0,
        },
        snap: true,
    }
}

/// Keypad digits and light keys: white on the paper background, with a clear edge.
pub fn key(_: &Theme, status: button::Status) -> button::Style {
    let mut s = filled(Color::WHITE, PALETTE.text, status);
    s.border = rounded(8.0, color!(0xB9B3A6), 1.0);
    s
}

/// Backspace and clear.
pub fn key_edit(_: &Theme, status: button::Status) -> button::Style {
    filled(color!(0xE7E1D3), PALETTE.text, status)
}

/// Enter on the keypad.
pub fn key_enter(_: &Theme, status: button::Status) -> button::Style {
    filled(PALETTE.primary, Color::WHITE, status)
}

/// A quick key in HQ's colour (`0xRRGGBB`, a light tint) with dark text.
pub fn quick_key(_: &Theme, status: button::Status, rgb: u32) -> button::Style {
    let bg = Color::from_rgb8((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8);
    let mut s = filled(bg, PALETTE.text, status);
    s.border = rounded(8.0, shade(bg, 0.7), 1.0);
    s
}

/// The pay button: the largest, green.
pub fn pay(_: &Theme, status: button::Status) -> button::Style {
    filled(PALETTE.success, Color::WHITE, status)
}

/// Ordinary actions (function and edit keys).
pub fn action(_: &Theme, status: button::Status) -> button::Style {
    filled(PALETTE.primary, Color::WHITE, status)
}

/// A white card with a soft edge: the ticket, dialogs, the search results.
pub fn panel(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(Color::WHITE)),
        border: rounded(10.0, color!(0xD8D2C4), 1.0),
        shadow: Shadow {
            color: Color::from_rgba(0.0, 0.0, 0.0, 0.12),
            offset: Vector::new(0.0, 2.0),
            blur_radius: 6.0,
        },
        ..container::Style::default()
    }
}

/// The status bar along the bottom.
pub fn status_bar(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(color!(0x1C2830))),
        text_color: Some(color!(0xF3F0E8)),
        ..container::Style::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_scales_from_its_1024_by_768_design_size() {
        assert_eq!(scale_for(1024.0, 768.0), 1.0);
        assert_eq!(
            scale_for(800.0, 600.0),
            1.0,
            "never shrinks below the design size"
        );
        let full_hd = scale_for(1920.0, 1080.0);
        assert!((full_hd - 1080.0 / 768.0).abs() < 1e-6, "{full_hd}");
    }
}
