//! The invoice or credit note as an A4 PDF carrying every field RD 1619/2012 art. 6 requires, with the
//! VERI*FACTU QR at the start of the document, in Spanish or English.
//!
//! Written with krilla (the PDF writer behind Typst): it embeds and subsets TrueType fonts, shapes text
//! with rustybuzz and writes vector paths, so the QR is drawn as crisp modules and the file stays small.
//! The layout is laid out first into pages of drawing operations (so "page n of N" is known), then drawn.
//! The font is DejaVu Sans (assets/fonts, Bitstream Vera licence), embedded in the binary.

use crate::i18n::{self, Labels};
use crate::model::{Invoice, Language, Party, PaymentMeans, VatCategory};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::text::{Font, TextDirection};
use std::sync::LazyLock;
use sync_protocol::{Money, Quantity};

static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 42.0;
const RIGHT: f32 = PAGE_W - 42.0;
/// Lowest baseline for content; the footer lives below it.
const BOTTOM: f32 = PAGE_H - 60.0;
/// The QR side: 34 mm, inside the 30–40 mm Orden HAC/1177/2024 asks for.
const QR_SIDE: f32 = 34.0 * 72.0 / 25.4;
/// Body text size; the QR's legends use the same size (they may not be smaller than the rest).
const BODY: f32 = 8.5;

const INK: (u8, u8, u8) = (0x22, 0x22, 0x22);
const MUTED: (u8, u8, u8) = (0x5f, 0x66, 0x6d);
const ACCENT: (u8, u8, u8) = (0x1d, 0x4e, 0x63);
const RULE: (u8, u8, u8) = (0xc8, 0xcf, 0xd6);
const BAND: (u8, u8, u8) = (0xea, 0xef, 0xf3);

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be loaded")]
    Font,
    #[error("the VERI*FACTU QR code could not be made: {0}")]
    Qr(String),
    #[error("writing the PDF: {0}")]
    Write(String),
}

struct Fonts {
    regular: Font,
    bold: Font,
    regular_face: rustybuzz::Face<'static>,
    bold_face: rustybuzz::Face<'static>,
}

static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    Some(Fonts {
        regular: Font::new(REGULAR.into(), 0)?,
        bold: Font::new(BOLD.into(), 0)?,
        regular_face: rustybuzz::Face::from_slice(REGULAR, 0)?,
        bold_face: rustybuzz::Face::from_slice(BOLD, 0)?,
    })
});

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: (u8, u8, u8),
        text: String,
    },
    Fill {
        rect: (f32, f32, f32, f32),
        color: (u8, u8, u8),
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: (u8, u8, u8),
    },
    Qr {
        x: f32,
        y: f32,
        side: f32,
        width: usize,
        dark: Vec<bool>,
    },
}

/// Pages of drawing operations with a cursor; knows text widths to align and wrap.
struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Drawn again at the top of each new page (the document's number, the table header).
    continuation: String,
}

impl<'f> Layout<'f> {
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold {
            &self.fonts.bold_face
        } else {
            &self.fonts.regular_face
        };
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / face.units_per_em() as f32
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    #[allow(clippy::too_many_arguments)]
    fn text_at(
        &mut self,
        x: f32,
        y: f32,
        text: &str,
        size: f32,
        bold: bool,
        color: (u8, u8, u8),
        align: Align,
    ) {
        let x = match align {
            Align::Left => x,
            Align::Right => x - self.width(text, size, bold),
        };
        self.page().push(Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text: text.to_string(),
        });
    }

    fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, color: (u8, u8, u8)) {
        self.page().push(Op::Fill {
            rect: (x, y, w, h),
            color,
        });
    }

    fn rule(&mut self, y: f32, x1: f32, x2: f32, width: f32, color: (u8, u8, u8)) {
        self.page().push(Op::Line {
            from: (x1, y),
            to: (x2, y),
            width,
            color,
        });
    }

    /// A table header label, on one or two lines (`\n`) centred on the band at `y`.
    fn head(&mut self, x: f32, y: f32, label: &str, color: (u8, u8, u8), align: Align) {
        let parts: Vec<&str> = label.split('\n').collect();
        let start = y - (parts.len() as f32 - 1.0) * 4.0;
        for (i, p) in parts.iter().enumerate() {
            self.text_at(x, start + i as f32 * 8.5, p, 7.0, true, color, align);
        }
    }

    /// Splits text into lines no wider than `max` (long words are cut where they overflow).
    fn wrap(&self, text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size, bold) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.width(&piece, size, bold) > max {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }

    /// Starts a new page when `height` more points do not fit; returns whether it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y + height <= BOTTOM {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = 50.0;
        let c = self.continuation.clone();
        self.text_at(LEFT, self.y, &c, BODY, true, MUTED, Align::Left);
        self.y += 20.0;
        true
    }

    /// A paragraph at the cursor, wrapped to `max`, moving the cursor down.
    fn paragraph(
        &mut self,
        x: f32,
        text: &str,
        size: f32,
        bold: bool,
        color: (u8, u8, u8),
        max: f32,
    ) {
        for line in self.wrap(text, size, bold, max) {
            self.ensure(size * 1.35);
            self.text_at(x, self.y, &line, size, bold, color, Align::Left);
            self.y += size * 1.35;
        }
    }
}

/// A party's name (at `first_size`, bold) and details, wrapped to `max` points.
fn party_block(
    lay: &Layout,
    p: &Party,
    l: &Labels,
    first_size: f32,
    max: f32,
) -> Vec<(String, f32, bool)> {
    let mut out: Vec<(String, f32, bool)> = lay
        .wrap(&p.legal_name, first_size, true, max)
        .into_iter()
        .map(|t| (t, first_size, true))
        .collect();
    let mut details = vec![
        format!("{}: {}", l.nif, p.tax_id),
        p.address.street.clone(),
        format!(
            "{} {} ({})",
            p.address.postal_code, p.address.city, p.address.province
        ),
    ];
    if p.address.country != "ES" {
        details.push(p.address.country.clone());
    }
    for d in details {
        out.extend(
            lay.wrap(&d, BODY, false, max)
                .into_iter()
                .map(|t| (t, BODY, false)),
        );
    }
    out
}

/// `ES79 2100 0813 6101 2345 6789`: how people read an IBAN.
fn spaced_iban(iban: &str) -> String {
    let compact = crate::model::validate_iban(iban).unwrap_or_else(|_| iban.to_string());
    compact
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders the invoice (or credit note) as an A4 PDF in `lang`.
pub fn render(inv: &Invoice, lang: Language) -> Result<Vec<u8>, PdfError> {
    let fonts = FONTS.as_ref().ok_or(PdfError::Font)?;
    let l = i18n::labels(lang);
    let d = inv.draft();
    let credit = inv.correction();
    // A rectificativa by differences prints what it takes off as negative amounts.
    let sign = |m: Money| if credit.is_some() { -m } else { m };
    let signq = |q: Quantity| if credit.is_some() { -q } else { q };
    let title = if credit.is_some() {
        l.credit_note
    } else {
        l.invoice
    };
    let mut lay = Layout {
        fonts,
        pages: vec![Vec::new()],
        y: 0.0,
        continuation: format!("{title} {}", inv.full_number()),
    };

    // 1. VERI*FACTU QR first, before any other content (Orden HAC/1177/2024 art. 21).
    let qr = qrcode::QrCode::with_error_correction_level(
        d.verifactu_qr_url.as_bytes(),
        qrcode::EcLevel::M,
    )
    .map_err(|e| PdfError::Qr(e.to_string()))?;
    let top = 46.0;
    lay.text_at(LEFT, top, "QR tributario:", BODY, true, INK, Align::Left);
    let dark = qr
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    let qr_top = top + 12.0;
    lay.page().push(Op::Qr {
        x: LEFT,
        y: qr_top,
        side: QR_SIDE,
        width: qr.width(),
        dark,
    });
    lay.text_at(
        LEFT,
        qr_top + QR_SIDE + 16.0,
        "VERI*FACTU",
        BODY,
        true,
        INK,
        Align::Left,
    );

    // 2. Issuer next to the QR; the document's title, number and dates on the right.
    let issuer_x = LEFT + QR_SIDE + 22.0;
    let facts_x = RIGHT - 118.0;
    let mut y = top;
    lay.text_at(issuer_x, y, l.issuer, 7.0, false, MUTED, Align::Left);
    y += 13.0;
    for (text, size, bold) in party_block(&lay, &d.issuer, l, 11.0, facts_x - 80.0 - issuer_x) {
        lay.text_at(issuer_x, y, &text, size, bold, INK, Align::Left);
        y += size + 3.0;
    }
    let issuer_end = y;

    let title_size = if credit.is_some() { 12.0 } else { 18.0 };
    lay.text_at(
        RIGHT,
        top + 8.0,
        title,
        title_size,
        true,
        ACCENT,
        Align::Right,
    );
    let mut facts: Vec<(&str, String)> = vec![
        (l.number, inv.full_number()),
        (l.issue_date, i18n::date(d.issue_date)),
    ];
    if let Some(p) = &d.period {
        facts.push((l.period, i18n::period(p, lang)));
    }
    facts.push((l.due_date, i18n::date(d.payment.due_date)));
    if let Some(r) = &d.buyer_reference {
        facts.push((l.customer_code, r.clone()));
    }
    let mut fy = top + 28.0;
    for (k, v) in &facts {
        lay.text_at(facts_x, fy, k, 7.5, false, MUTED, Align::Right);
        lay.text_at(RIGHT, fy, v, BODY, true, INK, Align::Right);
        fy += 12.5;
    }

    // 3. Customer box, and for a credit note the invoice it corrects, side by side and equally tall.
    let box_top = (qr_top + QR_SIDE + 30.0)
        .max(issuer_end + 10.0)
        .max(fy + 4.0);
    let half = (RIGHT - LEFT - 14.0) / 2.0;
    let inner = half - 20.0;
    let cust = party_block(&lay, &d.customer, l, 9.5, inner);
    let cust_h: f32 = cust.iter().map(|(_, size, _)| size + 3.0).sum();
    let correction: Vec<(String, bool)> = match credit {
        Some(c) => {
            let head = format!(
                "{} {} {} {}",
                l.corrects,
                c.corrected_number,
                l.corrected_date,
                i18n::date(c.corrected_issue_date)
            );
            let reason = format!(
                "{}: {} ({})",
                l.reason,
                c.description,
                c.reason.verifactu_type()
            );
            let mut v: Vec<(String, bool)> = lay
                .wrap(&head, BODY, true, inner)
                .into_iter()
                .map(|t| (t, true))
                .collect();
            v.extend(
                lay.wrap(&reason, BODY, false, inner)
                    .into_iter()
                    .map(|t| (t, false)),
            );
            v
        }
        None => Vec::new(),
    };
    let box_h = 30.0 + cust_h.max(correction.len() as f32 * (BODY + 3.0));
    lay.fill(LEFT, box_top, half, box_h, BAND);
    lay.text_at(
        LEFT + 10.0,
        box_top + 14.0,
        l.customer,
        7.0,
        false,
        MUTED,
        Align::Left,
    );
    let mut cy = box_top + 27.0;
    for (text, size, bold) in &cust {
        lay.text_at(LEFT + 10.0, cy, text, *size, *bold, INK, Align::Left);
        cy += size + 3.0;
    }
    if credit.is_some() {
        let x = LEFT + half + 14.0;
        lay.fill(x, box_top, half, box_h, BAND);
        lay.text_at(
            x + 10.0,
            box_top + 14.0,
            l.correction_kind,
            7.0,
            false,
            MUTED,
            Align::Left,
        );
        let mut ky = box_top + 27.0;
        for (text, bold) in &correction {
            lay.text_at(x + 10.0, ky, text, BODY, *bold, INK, Align::Left);
            ky += BODY + 3.0;
        }
    }
    let after_boxes = box_top + box_h;

    // 4. Lines.
    // Columns: description | quantity | unit price before tax | discount | VAT % | amount.
    let col_qty = 352.0;
    let col_price = 420.0;
    let col_disc = 462.0;
    let col_vat = 500.0;
    let desc_max = col_qty - 34.0 - LEFT - 6.0;
    lay.y = after_boxes + 28.0;
    let header = |lay: &mut Layout| {
        let y = lay.y;
        lay.fill(LEFT, y - 13.0, RIGHT - LEFT, 22.0, ACCENT);
        let white = (0xff, 0xff, 0xff);
        lay.head(LEFT + 6.0, y, l.description, white, Align::Left);
        lay.head(col_qty, y, l.quantity, white, Align::Right);
        lay.head(col_price, y, l.unit_price, white, Align::Right);
        lay.head(col_disc, y, l.discount, white, Align::Right);
        lay.head(col_vat, y, l.vat_rate, white, Align::Right);
        lay.head(RIGHT - 6.0, y, l.amount, white, Align::Right);
        lay.y += 23.0;
    };
    header(&mut lay);
    for line in inv.lines() {
        let ld = &line.draft;
        let desc = lay.wrap(&ld.description, BODY, false, desc_max);
        let mut sub: Vec<String> = Vec::new();
        if let Some(disc) = &ld.discount {
            sub.push(format!("{}: {}", l.discount, disc.reason));
        }
        if let Some(re) = ld.surcharge_rate.filter(|r| !r.is_zero()) {
            sub.push(format!("{} {} %", l.surcharge, i18n::rate(re, lang)));
        }
        if let Some(reason) = &ld.exemption_reason {
            sub.push(reason.clone());
        }
        let sub: Vec<String> = sub
            .iter()
            .flat_map(|s| lay.wrap(s, 7.0, false, desc_max))
            .collect();
        let height = desc.len() as f32 * 11.0 + sub.len() as f32 * 9.5 + 5.0;
        if lay.ensure(height) {
            header(&mut lay);
        }
        let y0 = lay.y;
        lay.text_at(
            col_qty,
            y0,
            &i18n::quantity(signq(ld.quantity), lang),
            BODY,
            false,
            INK,
            Align::Right,
        );
        lay.text_at(
            col_price,
            y0,
            &i18n::amount(ld.unit_price, lang),
            BODY,
            false,
            INK,
            Align::Right,
        );
        let disc = ld
            .discount
            .as_ref()
            .map_or(String::new(), |x| i18n::amount(sign(x.amount), lang));
        lay.text_at(col_disc, y0, &disc, BODY, false, INK, Align::Right);
        let vat = match ld.vat_category {
            VatCategory::Standard => i18n::rate(ld.vat_rate, lang),
            c => i18n::category(c, lang).to_string(),
        };
        lay.text_at(col_vat, y0, &vat, BODY, false, INK, Align::Right);
        lay.text_at(
            RIGHT - 6.0,
            y0,
            &i18n::amount(sign(line.net), lang),
            BODY,
            false,
            INK,
            Align::Right,
        );
        for t in &desc {
            lay.text_at(LEFT + 6.0, lay.y, t, BODY, false, INK, Align::Left);
            lay.y += 11.0;
        }
        for t in &sub {
            lay.text_at(LEFT + 14.0, lay.y - 1.5, t, 7.0, false, MUTED, Align::Left);
            lay.y += 9.5;
        }
        lay.rule(lay.y - 6.0, LEFT, RIGHT, 0.4, RULE);
        lay.y += 5.0;
    }

    // 5. VAT breakdown (base, rate, VAT per rate; recargo where it applies) and totals.
    let with_re = inv.breakdown().iter().any(|b| b.surcharge_rate.is_some());
    let rows = inv.breakdown().len() as f32;
    let totals_count = if with_re { 4.0 } else { 3.0 };
    let block_h = 30.0 + (rows.max(totals_count)) * 13.0 + 20.0;
    lay.y += 8.0;
    lay.ensure(block_h);
    let ty = lay.y;
    let bx = [
        LEFT + 62.0,
        LEFT + 102.0,
        LEFT + 160.0,
        LEFT + 212.0,
        LEFT + 272.0,
    ];
    let table_w = if with_re { 280.0 } else { 170.0 };
    lay.fill(LEFT, ty - 13.0, table_w, 22.0, BAND);
    lay.head(bx[0], ty, l.tax_base, INK, Align::Right);
    lay.head(bx[1], ty, l.vat_rate, INK, Align::Right);
    lay.head(bx[2], ty, l.vat_amount, INK, Align::Right);
    if with_re {
        lay.head(bx[3], ty, l.surcharge, INK, Align::Right);
        lay.head(bx[4], ty, l.surcharge_amount, INK, Align::Right);
    }
    let mut ry = ty + 22.0;
    for b in inv.breakdown() {
        lay.text_at(
            bx[0],
            ry,
            &i18n::amount(sign(b.base), lang),
            BODY,
            false,
            INK,
            Align::Right,
        );
        let rate = match b.category {
            VatCategory::Standard => format!("{} %", i18n::rate(b.rate, lang)),
            c => i18n::category(c, lang).to_string(),
        };
        lay.text_at(bx[1], ry, &rate, BODY, false, INK, Align::Right);
        lay.text_at(
            bx[2],
            ry,
            &i18n::amount(sign(b.vat), lang),
            BODY,
            false,
            INK,
            Align::Right,
        );
        if let Some(r) = b.surcharge_rate {
            lay.text_at(
                bx[3],
                ry,
                &format!("{} %", i18n::rate(r, lang)),
                BODY,
                false,
                INK,
                Align::Right,
            );
            lay.text_at(
                bx[4],
                ry,
                &i18n::amount(sign(b.surcharge), lang),
                BODY,
                false,
                INK,
                Align::Right,
            );
        }
        ry += 13.0;
    }
    let t = inv.totals();
    let mut totals: Vec<(&str, Money)> = vec![(l.total_base, t.lines_net), (l.total_vat, t.vat)];
    if with_re {
        totals.push((l.total_surcharge, t.surcharge));
    }
    let mut sy = ty;
    for (k, v) in &totals {
        lay.text_at(RIGHT - 78.0, sy, k, 7.5, false, MUTED, Align::Right);
        lay.text_at(
            RIGHT - 6.0,
            sy,
            &i18n::money(sign(*v), lang),
            BODY,
            false,
            INK,
            Align::Right,
        );
        sy += 13.0;
    }
    sy += 4.0;
    lay.fill(RIGHT - 200.0, sy - 13.0, 200.0, 20.0, ACCENT);
    let white = (0xff, 0xff, 0xff);
    let total_label = if credit.is_some() {
        l.total_credited
    } else {
        l.total
    };
    lay.text_at(
        RIGHT - 192.0,
        sy + 1.0,
        total_label,
        8.5,
        true,
        white,
        Align::Left,
    );
    lay.text_at(
        RIGHT - 6.0,
        sy + 1.0,
        &i18n::money(sign(t.total), lang),
        11.0,
        true,
        white,
        Align::Right,
    );
    lay.y = ry.max(sy + 10.0) + 14.0;

    // 6. Payment terms, legal mentions, notes.
    let payment = match &d.payment.means {
        PaymentMeans::DirectDebit {
            mandate_reference,
            debtor_iban,
            creditor_identifier,
        } => {
            let mut s = format!(
                "{}. {}: {}. {}: {}.",
                l.direct_debit,
                l.mandate,
                mandate_reference,
                l.debtor_account,
                spaced_iban(debtor_iban)
            );
            if let Some(ci) = creditor_identifier {
                s.push_str(&format!(" {}: {ci}.", l.creditor_id));
            }
            s
        }
        PaymentMeans::Transfer { payee_iban, bic } => {
            let mut s = format!(
                "{}. {}: {}",
                l.transfer,
                l.payee_account,
                spaced_iban(payee_iban)
            );
            if let Some(b) = bic {
                s.push_str(&format!(" (BIC {b})"));
            }
            s.push('.');
            s
        }
    };
    let payment = format!(
        "{payment} {}: {}.",
        l.due_date,
        i18n::date(d.payment.due_date)
    );
    lay.ensure(30.0);
    lay.text_at(LEFT, lay.y, l.payment, 7.5, true, ACCENT, Align::Left);
    lay.y += 12.0;
    lay.paragraph(LEFT, &payment, BODY, false, INK, RIGHT - LEFT);

    let mut mentions: Vec<String> = inv
        .breakdown()
        .iter()
        .filter_map(|b| b.exemption_reason.clone())
        .collect();
    mentions.dedup();
    if with_re {
        mentions.push(l.surcharge_mention.to_string());
    }
    if !mentions.is_empty() || !d.notes.is_empty() {
        lay.y += 6.0;
        lay.ensure(24.0);
        lay.text_at(LEFT, lay.y, l.notes, 7.5, true, ACCENT, Align::Left);
        lay.y += 12.0;
        for m in mentions.iter().chain(d.notes.iter()) {
            lay.paragraph(LEFT, m, BODY, false, INK, RIGHT - LEFT);
        }
    }

    // 7. Draw: footer with the issuer and page n of N on every page.
    let pages = std::mem::take(&mut lay.pages);
    let total_pages = pages.len();
    let mut doc = Document::new();
    let date = d.issue_date;
    use chrono::Datelike;
    doc.set_metadata(
        Metadata::new()
            .title(format!("{title} {}", inv.full_number()))
            .language(lang.code().to_string())
            .creator("Trastienda".to_string())
            .authors(vec![d.issuer.legal_name.clone()])
            .creation_date(
                DateTime::new(date.year().clamp(0, 9999) as u16)
                    .month(date.month() as u8)
                    .day(date.day() as u8),
            ),
    );
    for (n, mut ops) in pages.into_iter().enumerate() {
        let footer = format!(
            "{} · {} {} · {} {} {} {}",
            d.issuer.legal_name,
            l.nif,
            d.issuer.tax_id,
            l.page,
            n + 1,
            l.of,
            total_pages
        );
        ops.push(Op::Line {
            from: (LEFT, PAGE_H - 40.0),
            to: (RIGHT, PAGE_H - 40.0),
            width: 0.5,
            color: RULE,
        });
        let fw = lay.width(&footer, 7.0, false);
        ops.push(Op::Text {
            x: (PAGE_W - fw) / 2.0,
            y: PAGE_H - 28.0,
            size: 7.0,
            bold: false,
            color: MUTED,
            text: footer,
        });
        draw_page(&mut doc, fonts, &ops)?;
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn fill_of(c: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn draw_page(doc: &mut Document, fonts: &Fonts, ops: &[Op]) -> Result<(), PdfError> {
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError::Write("page size".into()))?;
    let mut page = doc.start_page_with(settings);
    let mut s = page.surface();
    for op in ops {
        match op {
            Op::Text {
                x,
                y,
                size,
                bold,
                color,
                text,
            } => {
                s.set_fill(Some(fill_of(*color)));
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
            Op::Fill { rect, color } => {
                let mut pb = PathBuilder::new();
                if let Some(r) = Rect::from_xywh(rect.0, rect.1, rect.2, rect.3) {
                    pb.push_rect(r);
                }
                if let Some(path) = pb.finish() {
                    s.set_stroke(None);
                    s.set_fill(Some(fill_of(*color)));
                    s.draw_path(&path);
                }
            }
            Op::Line {
                from,
                to,
                width,
                color,
            } => {
                let mut pb = PathBuilder::new();
                pb.move_to(from.0, from.1);
                pb.line_to(to.0, to.1);
                if let Some(path) = pb.finish() {
                    s.set_fill(None);
                    s.set_stroke(Some(Stroke {
                        paint: rgb::Color::new(color.0, color.1, color.2).into(),
                        width: *width,
                        ..Default::default()
                    }));
                    s.draw_path(&path);
                    s.set_stroke(None);
                }
            }
            Op::Qr {
                x,
                y,
                side,
                width,
                dark,
            } => {
                // One path of horizontal runs of dark modules: compact and sharp at any zoom.
                let module = side / *width as f32;
                let mut pb = PathBuilder::new();
                for row in 0..*width {
                    let mut col = 0;
                    while col < *width {
                        if dark[row * width + col] {
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
                        } else {
                            col += 1;
                        }
                    }
                }
                if let Some(path) = pb.finish() {
                    s.set_stroke(None);
                    s.set_fill(Some(fill_of((0, 0, 0))));
                    s.draw_path(&path);
                }
            }
        }
    }
    s.finish();
    page.finish();
    Ok(())
}

/// A simple tabular document (HQ's statement of account to a franchisee): a title, lines of
/// heading text, a table with a header band (right-aligned columns for amounts) and closing lines,
/// with the same fonts, page size and footer as the invoices. `widths` are fractions of the width.
pub struct TableDocument<'a> {
    pub title: &'a str,
    pub heading: &'a [String],
    pub columns: &'a [(&'a str, f32, bool)],
    pub rows: &'a [Vec<String>],
    pub closing: &'a [String],
    pub footer: &'a str,
    pub language: &'a str,
}

/// Renders a [`TableDocument`] as PDF.
pub fn render_table(t: &TableDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let fonts = FONTS.as_ref().ok_or(PdfError::Font)?;
    let mut lay = Layout {
        fonts,
        pages: vec![Vec::new()],
        y: 60.0,
        continuation: t.title.to_string(),
    };
    lay.text_at(LEFT, lay.y, t.title, 16.0, true, ACCENT, Align::Left);
    lay.y += 24.0;
    for h in t.heading {
        lay.paragraph(LEFT, h, BODY + 1.0, false, INK, RIGHT - LEFT);
    }
    lay.y += 10.0;
    let width = RIGHT - LEFT;
    let mut xs = Vec::new();
    let mut x = LEFT;
    for (_, w, right) in t.columns {
        let cw = w * width;
        xs.push(if *right { x + cw - 4.0 } else { x + 4.0 });
        x += cw;
    }
    let header = |lay: &mut Layout<'_>| {
        lay.fill(LEFT, lay.y - 10.0, width, 16.0, BAND);
        for ((label, _, right), x) in t.columns.iter().zip(&xs) {
            let align = if *right { Align::Right } else { Align::Left };
            lay.head(*x, lay.y, label, ACCENT, align);
        }
        lay.y += 16.0;
    };
    header(&mut lay);
    for row in t.rows {
        if lay.ensure(BODY * 1.6) {
            header(&mut lay);
        }
        for ((cell, (_, _, right)), x) in row.iter().zip(t.columns).zip(&xs) {
            let align = if *right { Align::Right } else { Align::Left };
            lay.text_at(*x, lay.y, cell, BODY, false, INK, align);
        }
        lay.y += BODY * 1.6;
    }
    lay.rule(lay.y - 6.0, LEFT, RIGHT, 0.5, RULE);
    lay.y += 8.0;
    for c in t.closing {
        lay.ensure(BODY * 1.6);
        lay.text_at(RIGHT, lay.y, c, BODY + 1.0, true, INK, Align::Right);
        lay.y += (BODY + 1.0) * 1.6;
    }
    let pages = std::mem::take(&mut lay.pages);
    let total_pages = pages.len();
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(t.title.to_string())
            .language(t.language.to_string())
            .creator("Trastienda".to_string()),
    );
    for (n, mut ops) in pages.into_iter().enumerate() {
        let footer = format!("{} · {}/{}", t.footer, n + 1, total_pages);
        ops.push(Op::Line {
            from: (LEFT, PAGE_H - 40.0),
            to: (RIGHT, PAGE_H - 40.0),
            width: 0.5,
            color: RULE,
        });
        let fw = lay.width(&footer, 7.0, false);
        ops.push(Op::Text {
            x: (PAGE_W - fw) / 2.0,
            y: PAGE_H - 28.0,
            size: 7.0,
            bold: false,
            color: MUTED,
            text: footer,
        });
        draw_page(&mut doc, fonts, &ops)?;
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}
