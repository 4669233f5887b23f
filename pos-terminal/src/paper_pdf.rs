//! What the receipt printer would print, as an A4 PDF: the same lines in the same order, in a
//! monospaced font so the columns line up as on the roll, with QR codes drawn as vectors. The till
//! saves its X reports and Z closes this way, so a day can be closed and its report kept (and
//! printed on any office printer, or sent on) when the receipt printer does not work.
//!
//! Written with krilla, the PDF writer HQ's invoices already use; the font is DejaVu Sans Mono
//! (assets/fonts, Bitstream Vera licence), embedded in the binary.

use crate::receipt::{Align, Element, ReceiptLayout};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::text::{Font, TextDirection};
use std::sync::LazyLock;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const TOP: f32 = 56.0;
const BOTTOM: f32 = PAGE_H - 56.0;
/// Text size of a normal line; a "big" line (double width and height on the printer) is twice it.
const SIZE: f32 = 9.0;
/// DejaVu Sans Mono advances every glyph by 1233/2048 em.
const ADVANCE_EM: f32 = 1233.0 / 2048.0;
const LINE: f32 = SIZE * 1.35;
/// The side of a QR code: 34 mm, as the AEAT's QR is printed (30–40 mm).
const QR_SIDE: f32 = 34.0 * 72.0 / 25.4;

/// Why the PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PaperPdfError {
    #[error("the embedded font could not be loaded")]
    Font,
    #[error("a QR code could not be made: {0}")]
    Qr(String),
    #[error("writing the PDF: {0}")]
    Write(String),
}

struct Fonts {
    regular: Font,
    bold: Font,
}

static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    Some(Fonts {
        regular: Font::new(REGULAR.into(), 0)?,
        bold: Font::new(BOLD.into(), 0)?,
    })
});

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Qr {
        x: f32,
        y: f32,
        width: usize,
        dark: Vec<bool>,
    },
}

/// `elements` (as [`ReceiptLayout`] lays them out for `layout`'s paper width) on A4 pages, the
/// roll's column centred on the page. `title` is the document's title in its metadata (e.g.
/// "Cierre Z 12"). Drawer pulses and cuts have no place on paper and are left out.
pub fn elements_pdf(
    elements: &[Element],
    layout: ReceiptLayout,
    title: &str,
) -> Result<Vec<u8>, PaperPdfError> {
    let fonts = FONTS.as_ref().ok_or(PaperPdfError::Font)?;
    let column_w = layout.columns as f32 * SIZE * ADVANCE_EM;
    let left = (PAGE_W - column_w) / 2.0;
    let mut pages: Vec<Vec<Op>> = vec![Vec::new()];
    let mut y = TOP;
    let room = |pages: &mut Vec<Vec<Op>>, y: &mut f32, height: f32| {
        if *y + height > BOTTOM && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            *y = TOP;
        }
    };
    for e in elements {
        match e {
            Element::Text { text, style } => {
                let scale = if style.big { 2.0 } else { 1.0 };
                let size = SIZE * scale;
                room(&mut pages, &mut y, LINE * scale);
                y += LINE * scale;
                let width = text.chars().count() as f32 * size * ADVANCE_EM;
                let x = match style.align {
                    Align::Left => left,
                    Align::Center => left + (column_w - width).max(0.0) / 2.0,
                    Align::Right => left + (column_w - width).max(0.0),
                };
                if !text.trim().is_empty() {
                    pages.last_mut().expect("a page").push(Op::Text {
                        x,
                        // Baseline a little above the line's bottom, for the descenders.
                        y: y - LINE * scale * 0.25,
                        size,
                        bold: style.bold,
                        text: text.clone(),
                    });
                }
            }
            Element::Qr(data) | Element::FiscalQr { data, .. } => {
                let ec = match e {
                    Element::FiscalQr { .. } => qrcode::EcLevel::M,
                    _ => qrcode::EcLevel::L,
                };
                let qr = qrcode::QrCode::with_error_correction_level(data.as_bytes(), ec)
                    .map_err(|e| PaperPdfError::Qr(e.to_string()))?;
                room(&mut pages, &mut y, QR_SIDE + LINE);
                y += LINE / 2.0;
                pages.last_mut().expect("a page").push(Op::Qr {
                    x: left + (column_w - QR_SIDE) / 2.0,
                    y,
                    width: qr.width(),
                    dark: qr
                        .to_colors()
                        .into_iter()
                        .map(|c| c == qrcode::Color::Dark)
                        .collect(),
                });
                y += QR_SIDE + LINE / 2.0;
            }
            Element::Feed(n) => y += LINE * f32::from(*n).min(3.0),
            Element::DrawerPulse | Element::Cut => {}
        }
    }
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator("Trastienda".to_string()),
    );
    for ops in &pages {
        draw_page(&mut doc, fonts, ops)?;
    }
    doc.finish()
        .map_err(|e| PaperPdfError::Write(format!("{e:?}")))
}

fn black() -> Fill {
    Fill {
        paint: rgb::Color::new(0, 0, 0).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn draw_page(doc: &mut Document, fonts: &Fonts, ops: &[Op]) -> Result<(), PaperPdfError> {
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| PaperPdfError::Write("page size".into()))?;
    let mut page = doc.start_page_with(settings);
    let mut s = page.surface();
    s.set_stroke(None);
    s.set_fill(Some(black()));
    for op in ops {
        match op {
            Op::Text {
                x,
                y,
                size,
                bold,
                text,
            } => {
                let font = if *bold { &fonts.bold } else { &fonts.regular };
                s.draw_text(
                    Point::from_xy(*x, *y),
                    font.clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            }
            Op::Qr { x, y, width, dark } => {
                // One path of horizontal runs of dark modules: compact and sharp at any zoom.
                let module = QR_SIDE / *width as f32;
                let mut pb = PathBuilder::new();
                for row in 0..*width {
                    let mut col = 0;
                    while col < *width {
                        if !dark[row * width + col] {
                            col += 1;
                            continue;
                        }
                        let start = col;
                        while col < *width && dark[row * width + col] {
                            col += 1;
                        }
                        if let Some(r) = Rect::from_xywh(
                            x + start as f32 * module,
                            y + row as f32 * module,
                            (col - start) as f32 * module,
                            module,
                        ) {
                            pb.push_rect(r);
                        }
                    }
                }
                if let Some(path) = pb.finish() {
                    s.draw_path(&path);
                }
            }
        }
    }
    s.finish();
    page.finish();
    Ok(())
}

/// An X report (`close` None) or a Z close as a PDF: the same content as the printed one.
pub fn shift_report_pdf(
    layout: ReceiptLayout,
    store: &sync_protocol::StoreRecord,
    at: chrono::DateTime<chrono::Utc>,
    report: &crate::ShiftReport,
    close: Option<&sync_protocol::CashClose>,
) -> Result<Vec<u8>, PaperPdfError> {
    let title = match close {
        Some(c) => format!("Cierre Z {}", c.z_number),
        None => "Informe X".to_string(),
    };
    elements_pdf(
        &layout.shift_report(store, at, report, close),
        layout,
        &title,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::Style;

    fn line(text: &str, align: Align, big: bool) -> Element {
        Element::Text {
            text: text.into(),
            style: Style {
                align,
                bold: big,
                big,
            },
        }
    }

    /// The text comes out as written (pdftotext reads it back when poppler-utils is there), QR
    /// codes are drawn, and a long report flows onto more pages.
    #[test]
    fn lines_pages_and_qr() {
        let mut els = vec![
            line("CIERRE Z N.º 7", Align::Center, true),
            Element::FiscalQr {
                data: "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345674".into(),
                module: 4,
            },
            line(
                "Neto                                    1.234,56",
                Align::Left,
                false,
            ),
            Element::DrawerPulse,
            Element::Cut,
        ];
        let one = elements_pdf(&els, ReceiptLayout::MM80, "Cierre Z 7").unwrap();
        assert!(one.starts_with(b"%PDF-"));
        for i in 0..120 {
            els.push(line(&format!("línea {i:03}"), Align::Right, false));
        }
        let many = elements_pdf(&els, ReceiptLayout::MM80, "Cierre Z 7").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.pdf");
        std::fs::write(&path, &many).unwrap();
        let Ok(out) = std::process::Command::new("pdftotext")
            .args(["-layout", path.to_str().unwrap(), "-"])
            .output()
        else {
            eprintln!("skipped: pdftotext (poppler-utils) is not installed");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("CIERRE Z N.º 7"), "{text}");
        assert!(text.contains("1.234,56"), "{text}");
        assert!(
            text.contains("línea 000") && text.contains("línea 119"),
            "{text}"
        );
        let pages = text.matches('\u{c}').count();
        assert!(pages >= 2, "{pages} pages:\n{text}");
    }
}
