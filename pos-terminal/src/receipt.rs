//! Receipts as data, then as ESC/POS bytes: a sale or refund becomes an ordered list of elements for
//! 80 mm or 58 mm paper, encoded with the `escpos` crate in code page PC858 so ñ, á, é and € print right.

use crate::shift::ShiftReport;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Madrid;
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::printer_options::PrinterOptions;
use escpos::utils::{
    JustifyMode, PageCode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption,
};
use std::cell::RefCell;
use std::rc::Rc;
use sync_protocol::verifactu::{Entorno, RegistroFacturacion, qr_url};
use sync_protocol::{
    CashClose, Document, DocumentBody, Money, Payment, Quantity, SaleLine, StoreRecord, TaxRate,
    Tender, TicketTotals,
};

/// Thermal receipt printers print at 203 dpi: 8 dots per millimetre.
pub const DOTS_PER_MM: u32 = 8;
/// The AEAT's QR is 30×30 to 40×40 mm (Orden HAC/1177/2024 art. 21; QR specification v0.5.0).
pub const FISCAL_QR_MM: std::ops::RangeInclusive<u32> = 30..=40;
/// Printed above the fiscal QR (Orden art. 20).
pub const FISCAL_QR_ABOVE: &str = "QR tributario:";
/// Printed below the fiscal QR by a VERI*FACTU system (Orden art. 20).
pub const FISCAL_QR_BELOW: &str = "VERI*FACTU";

/// Module size in printer dots that puts the QR of `data` (ECC M) inside 30–40 mm. The printer's
/// firmware picks the QR version itself and may choose one size up from ours (4 modules more),
/// so the size is chosen to fit 40 mm even then; `None` if no module size can.
pub fn fiscal_qr_module(data: &str) -> Option<u8> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M).ok()?;
    let modules = u32::try_from(code.width()).ok()?;
    let (min, max) = (
        FISCAL_QR_MM.start() * DOTS_PER_MM,
        FISCAL_QR_MM.end() * DOTS_PER_MM,
    );
    let module = (max / (modules + 4)).min(15);
    (module >= 1 && modules * module >= min)
        .then(|| u8::try_from(module).ok())
        .flatten()
}

/// The drawer kick: `ESC p m t1 t2` with m = 0 (pin 2), t1 = 0x19 (25 × 2 ms = 50 ms on),
/// t2 = 0xFA (250 × 2 ms = 500 ms off). escpos 0.20's `cash_drawer()` sends only `1B 70 00`;
/// a conformant printer then takes the next two bytes of the receipt as t1 and t2, eating two
/// characters and opening the drawer for a random time (the "opens two times in ten" failure).
pub const DRAWER_PULSE: [u8; 5] = [0x1B, 0x70, 0x00, 0x19, 0xFA];

/// The drawer kick the till sends on its own: `DLE DC4 1 m t`, the real-time pulse (m = 0, pin
/// 2; t = 5, 500 ms on and off). A real-time command is acted on when it arrives, ahead of the
/// receive buffer and while the printer waits for paper, and is never kept to run later; `ESC p`
/// ([`DRAWER_PULSE`]) sits in the buffer behind whatever the printer cannot print yet.
pub const DRAWER_KICK: [u8; 5] = [0x10, 0x14, 0x01, 0x00, 0x05];

/// Why a receipt could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("a {0} document has no receipt; only sales and refunds print")]
    NotPrintable(&'static str),
    #[error("ESC/POS encoding failed: {0}")]
    Encode(String),
}

impl From<escpos::errors::PrinterError> for ReceiptError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        ReceiptError::Encode(e.to_string())
    }
}

/// Horizontal alignment of a text line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// How a text line looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub align: Align,
    pub bold: bool,
    /// Double width and height (half the columns).
    pub big: bool,
}

/// One thing on the paper, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// One printed line (already fitted to the paper width).
    Text { text: String, style: Style },
    /// A QR code (the printer firmware draws it).
    Qr(String),
    /// The AEAT's QR: error correction M, `module` dots per module (see [`fiscal_qr_module`]).
    FiscalQr { data: String, module: u8 },
    /// Blank lines.
    Feed(u8),
    /// The five-byte drawer pulse ([`DRAWER_PULSE`]).
    DrawerPulse,
    /// Full cut.
    Cut,
}

/// Paper width in characters at font A. 80 mm paper takes 48 columns on Epson TM-T20/T88-class
/// printers (576 dots / 12); 58 mm takes 32 (384 / 12). escpos-rs defaults to 42, which leaves a
/// wide right margin on 80 mm, so we pass our width explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptLayout {
    pub columns: usize,
}

impl ReceiptLayout {
    /// 80 mm paper, 48 columns.
    pub const MM80: ReceiptLayout = ReceiptLayout { columns: 48 };
    /// 58 mm paper, 32 columns.
    pub const MM58: ReceiptLayout = ReceiptLayout { columns: 32 };

    fn line(&self, text: impl Into<String>) -> Element {
        Element::Text {
            text: fit(&text.into(), self.columns),
            style: Style::default(),
        }
    }

    fn styled(&self, text: &str, style: Style) -> Vec<Element> {
        let width = if style.big {
            self.columns / 2
        } else {
            self.columns
        };
        wrap(text, width)
            .into_iter()
            .map(|text| Element::Text { text, style })
            .collect()
    }

    fn centered(&self, text: &str) -> Vec<Element> {
        self.styled(
            text,
            Style {
                align: Align::Center,
                ..Style::default()
            },
        )
    }

    fn pair(&self, left: &str, right: &str) -> Element {
        self.line(pair(left, right, self.columns))
    }

    /// `TOTAL` and the amount in double size, the amount flush with the right edge. Built as one
    /// line, never through [`wrap`], which would collapse the padding between the two.
    fn total_line(&self, total: Money) -> Element {
        let width = self.columns / 2;
        Element::Text {
            text: fit(&pair("TOTAL", &euros(total), width), width),
            style: Style {
                align: Align::Left,
                bold: true,
                big: true,
            },
        }
    }

    fn rule(&self) -> Element {
        self.line("-".repeat(self.columns))
    }

    fn header(&self, store: &StoreRecord) -> Vec<Element> {
        let mut out = self.styled(
            &store.franchisee_legal_name,
            Style {
                align: Align::Center,
                bold: true,
                big: false,
            },
        );
        out.extend(self.centered(&format!("NIF {}", store.franchisee_nif)));
        out.extend(self.centered(&store.address));
        out.extend(self.centered(&store.name));
        // HQ's header lines for the store (opening hours, phone, …), under the legal data.
        for l in store.receipt_header.lines() {
            let l = l.trim();
            if !l.is_empty() {
                out.extend(self.centered(l));
            }
        }
        out.push(self.rule());
        out
    }

    /// The VERI*FACTU block printed first on an invoice, before its content (Orden art. 21):
    /// "QR tributario:", the `ValidarQR` URL as a QR of 30–40 mm, "VERI*FACTU".
    pub fn fiscal_qr(&self, record: &RegistroFacturacion) -> Result<Vec<Element>, ReceiptError> {
        let RegistroFacturacion::Alta(alta) = record else {
            return Err(ReceiptError::NotPrintable("anulacion"));
        };
        let url = qr_url(Entorno::from_env(), &alta.id_factura, alta.importe_total);
        let module = fiscal_qr_module(&url).ok_or_else(|| {
            ReceiptError::Encode(format!("the QR of {url} does not fit 30-40 mm"))
        })?;
        let mut out = self.centered(FISCAL_QR_ABOVE);
        out.push(Element::FiscalQr { data: url, module });
        out.extend(self.centered(FISCAL_QR_BELOW));
        out.push(Element::Feed(1));
        Ok(out)
    }

    /// A sale or refund receipt. It never carries a drawer pulse: the till opens the drawer with
    /// its own command when the cash is taken ([`crate::printer::ReceiptPrinter::kick_drawer`]),
    /// so a receipt printed later from the queue, or reprinted, never pops it. A document with a VERI*FACTU record starts with its QR; one from before records existed
    /// ends with its number as a QR, as it did when it was first printed.
    pub fn render_document(
        &self,
        doc: &Document,
        store: &StoreRecord,
        cashier: Option<&str>,
    ) -> Result<Vec<Element>, ReceiptError> {
        let (title, number, reference, lines, payments, totals) = match &doc.body {
            DocumentBody::Sale(s) => (
                "FACTURA SIMPLIFICADA",
                &s.ticket_number,
                None,
                &s.lines,
                &s.payments,
                &s.totals,
            ),
            DocumentBody::Refund(r) => (
                "DEVOLUCIÓN",
                &r.refund_number,
                Some((r.original_ticket_number.as_str(), r.reason.as_str())),
                &r.lines,
                &r.payments,
                &r.totals,
            ),
            other => return Err(ReceiptError::NotPrintable(other.kind().as_str())),
        };
        let mut out = Vec::new();
        if let Some(r) = &doc.verifactu {
            out.extend(self.fiscal_qr(r)?);
        }
        out.extend(self.header(store));
        out.extend(self.styled(
            title,
            Style {
                align: Align::Center,
                bold: true,
                big: true,
            },
        ));
        out.push(self.pair("Número", number));
        if let Some((original, reason)) = reference {
            out.push(self.pair("Ticket original", original));
            if !reason.trim().is_empty() {
                out.extend(self.styled(&format!("Motivo: {reason}"), Style::default()));
            }
        }
        out.push(self.pair("Fecha", &madrid_time(doc.till_time)));
        if let Some(c) = cashier {
            out.push(self.pair("Le atendió", c));
        }
        out.push(self.rule());
        self.push_lines(&mut out, lines);
        self.push_totals(&mut out, totals);
        self.push_payments(&mut out, payments);
        out.push(self.rule());
        for l in store.receipt_footer.lines() {
            out.extend(self.centered(l));
        }
        if doc.verifactu.is_none() {
            out.push(Element::Feed(1));
            out.push(Element::Qr(number.clone()));
            out.extend(self.centered(number));
        }
        out.push(Element::Feed(3));
        out.push(Element::Cut);
        Ok(out)
    }

    /// A full invoice (factura completa) for a sale: its VERI*FACTU QR first (`record`, the F3
    /// of the invoice's own document), its own title and number, the simplified ticket it
    /// replaces, the customer's name, NIF and address, and the tax breakdown.
    pub fn render_full_invoice(
        &self,
        doc: &Document,
        store: &StoreRecord,
        invoice: &crate::ledger::FullInvoice,
        record: Option<&RegistroFacturacion>,
    ) -> Result<Vec<Element>, ReceiptError> {
        let DocumentBody::Sale(sale) = &doc.body else {
            return Err(ReceiptError::NotPrintable(doc.body.kind().as_str()));
        };
        let mut out = match record {
            Some(r) => self.fiscal_qr(r)?,
            None => Vec::new(),
        };
        out.extend(self.header(store));
        out.extend(self.styled(
            "FACTURA",
            Style {
                align: Align::Center,
                bold: true,
                big: true,
            },
        ));
        out.push(self.pair("Número", &invoice.number));
        out.push(self.pair("Fecha", &madrid_time(invoice.created)));
        out.push(self.pair("Ticket", &sale.ticket_number));
        out.push(self.pair("Fecha operación", &madrid_time(doc.till_time)));
        out.push(self.rule());
        out.extend(self.styled("Cliente:", Style::default()));
        for l in wrap(&invoice.customer_name, self.columns) {
            out.push(self.line(l));
        }
        out.push(self.pair("NIF", &invoice.customer_nif));
        for l in wrap(&invoice.customer_address, self.columns) {
            out.push(self.line(l));
        }
        out.push(self.rule());
        self.push_lines(&mut out, &sale.lines);
        self.push_totals(&mut out, &sale.totals);
        self.push_payments(&mut out, &sale.payments);
        out.push(self.rule());
        if record.is_none() {
            out.push(Element::Feed(1));
            out.push(Element::Qr(invoice.number.clone()));
            out.extend(self.centered(&invoice.number));
        }
        out.push(Element::Feed(3));
        out.push(Element::Cut);
        Ok(out)
    }

    fn push_lines(&self, out: &mut Vec<Element>, lines: &[SaleLine]) {
        let mut saved = Money::ZERO;
        for l in lines {
            out.push(self.line(l.name.clone()));
            let gross = l.unit_price.times(l.quantity);
            out.push(self.pair(
                &format!("  {} x {}", qty(l.quantity), money(l.unit_price)),
                &money(gross),
            ));
            if l.discount.is_zero() {
                continue;
            }
            match &l.promotion {
                // The promotion's name, cut to what fits beside the amount.
                Some(p) => {
                    saved += l.discount;
                    let room = self
                        .columns
                        .saturating_sub(money(-l.discount).chars().count() + 3);
                    let name: String = p.name.chars().take(room).collect();
                    out.push(self.pair(&format!("  {name}"), &money(-l.discount)));
                }
                None => out.push(self.pair("  Descuento", &money(-l.discount))),
            }
        }
        if !saved.is_zero() {
            out.push(self.pair("Ahorro en promociones", &money(saved)));
        }
        out.push(self.rule());
    }

    fn push_totals(&self, out: &mut Vec<Element>, t: &TicketTotals) {
        if !t.ticket_discount.is_zero() {
            out.push(self.pair("Subtotal", &money(t.subtotal)));
            out.push(self.pair("Descuento ticket", &money(-t.ticket_discount)));
        }
        out.push(self.total_line(t.total));
        for tax in &t.taxes {
            out.push(self.line(format!(
                "Base {} IVA {} {}",
                money(tax.base),
                rate(tax.rate),
                money(tax.tax)
            )));
        }
    }

    fn push_payments(&self, out: &mut Vec<Element>, payments: &[Payment]) {
        for p in payments {
            out.push(self.pair(tender_name(p.tender), &money(p.amount)));
            if let Some(t) = p.tendered {
                out.push(self.pair("  Entregado", &money(t)));
                out.push(self.pair("  Cambio", &money(p.change)));
            }
            if let Some(r) = &p.reference {
                out.push(self.pair("  Ref.", r));
            }
        }
    }

    /// A page to check paper width, code page and cutter from the settings screen.
    pub fn test_page(&self, printer_name: &str) -> Vec<Element> {
        let mut out = self.styled(
            "PÁGINA DE PRUEBA",
            Style {
                align: Align::Center,
                bold: true,
                big: true,
            },
        );
        out.extend(self.centered(&format!("Trastienda — {printer_name}")));
        out.push(self.rule());
        out.push(self.line("Código PC858: ñ Ñ á é í ó ú ü ç € ¿ ¡"));
        out.push(self.pair("Izquierda", "Derecha"));
        out.push(self.line("1234567890".repeat(self.columns.div_ceil(10))));
        out.push(Element::Qr("TRASTIENDA-TEST".into()));
        out.push(Element::Feed(3));
        out.push(Element::Cut);
        out
    }
}

fn tender_name(t: Tender) -> &'static str {
    match t {
        Tender::Cash => "Efectivo",
        Tender::Card => "Tarjeta",
        Tender::Other => "Otro",
    }
}

impl ReceiptLayout {
    /// The X report (`close` = None) or the Z close of a shift, for the drawer's paper roll:
    /// the store header, the document range, tickets and refunds, tenders, VAT per rate, cash
    /// movements and the cash expected; a Z adds expected against counted per tender, the
    /// over/short, the approval, the note and the next float.
    pub fn shift_report(
        &self,
        store: &StoreRecord,
        at: DateTime<Utc>,
        report: &ShiftReport,
        close: Option<&CashClose>,
    ) -> Vec<Element> {
        let mut out = self.header(store);
        let title = match close {
            Some(c) => format!("CIERRE Z N.º {}", c.z_number),
            None => "INFORME X".to_string(),
        };
        out.extend(self.styled(
            &title,
            Style {
                align: Align::Center,
                bold: true,
                big: true,
            },
        ));
        out.push(self.pair("Fecha", &madrid_time(at)));
        if let Some(c) = close {
            out.push(self.pair("Día", &c.business_date.format("%d/%m/%Y").to_string()));
        }
        out.push(self.pair(
            "Documentos",
            &format!("{}-{}", report.first_seq, report.last_seq),
        ));
        out.push(self.rule());
        out.push(self.pair(
            &format!("Ventas ({} tickets)", report.ticket_count),
            &money(report.gross),
        ));
        out.push(self.pair(
            &format!("Devoluciones ({})", report.refund_count),
            &money(-report.refunds),
        ));
        out.push(self.pair("Neto", &money(report.gross - report.refunds)));
        out.push(self.rule());
        for t in &report.tenders {
            out.push(self.pair(tender_name(t.tender), &money(t.net())));
        }
        out.push(self.rule());
        for tax in &report.taxes {
            out.push(self.line(format!(
                "IVA {}: base {} cuota {}",
                rate(tax.rate),
                money(tax.base),
                money(tax.tax)
            )));
        }
        out.push(self.rule());
        out.push(self.pair("Fondo inicial", &money(report.opening_float())));
        out.push(self.pair("Entradas de caja", &money(report.cash_in)));
        out.push(self.pair("Salidas de caja", &money(-report.cash_out)));
        out.push(self.pair("Aperturas sin venta", &report.no_sales.to_string()));
        out.push(self.pair("Efectivo esperado", &money(report.expected_cash())));
        if let Some(c) = close {
            out.push(self.rule());
            out.push(self.line(if c.blind {
                "Recuento a ciegas"
            } else {
                "Recuento"
            }));
            for e in &c.expected {
                let counted = c
                    .counted
                    .iter()
                    .filter(|t| t.tender == e.tender)
                    .map(|t| t.amount)
                    .sum::<Money>();
                out.push(self.pair(
                    &format!("{} esperado", tender_name(e.tender)),
                    &money(e.amount),
                ));
                out.push(self.pair(
                    &format!("{} contado", tender_name(e.tender)),
                    &money(counted),
                ));
            }
            let diff = c.over_short(Tender::Cash);
            let label = if diff.is_negative() {
                "Descuadre (falta)"
            } else if diff.is_zero() {
                "Descuadre"
            } else {
                "Descuadre (sobra)"
            };
            out.push(self.pair(label, &money(diff)));
            if let Some(t) = c.tolerance {
                out.push(self.pair("Tolerancia", &money(t)));
            }
            if c.approved_by.is_some() {
                out.push(self.line("Descuadre aprobado por el encargado"));
            }
            if let Some(n) = c.note.as_deref().filter(|n| !n.is_empty()) {
                for l in wrap(&format!("Nota: {n}"), self.columns) {
                    out.push(self.line(l));
                }
            }
            if let Some(f) = c.next_float {
                out.push(self.pair("Fondo para el siguiente turno", &money(f)));
            }
        }
        out.push(Element::Feed(3));
        out.push(Element::Cut);
        out
    }
}

/// Encodes an X report (`close` None) or a Z close for printing.
pub fn shift_report_bytes(
    layout: ReceiptLayout,
    store: &StoreRecord,
    at: DateTime<Utc>,
    report: &ShiftReport,
    close: Option<&CashClose>,
) -> Result<Vec<u8>, ReceiptError> {
    encode(&layout.shift_report(store, at, report, close), layout)
}

/// `2026-11-22 08:42 UTC` → `22/11/2026 09:42` (Europe/Madrid, summer time included).
pub fn madrid_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Madrid)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// Spanish money: `1.234,56`, `-0,50`.
pub fn money(m: Money) -> String {
    let cents = m.cents();
    let neg = cents < 0;
    let abs = cents.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{}{},{:02}", if neg { "-" } else { "" }, grouped, abs % 100)
}

/// Spanish money with the euro sign: `1.234,56 €`.
pub fn euros(m: Money) -> String {
    format!("{} €", money(m))
}

/// `2`, or `0,505` for weighed goods.
pub fn qty(q: Quantity) -> String {
    let milli = q.milli();
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else {
        format!(
            "{}{},{:03}",
            if milli < 0 { "-" } else { "" },
            milli.unsigned_abs() / 1000,
            milli.unsigned_abs() % 1000
        )
    }
}

/// `21%`, `5,5%`.
pub fn rate(r: TaxRate) -> String {
    let h = r.hundredths();
    if h % 100 == 0 {
        format!("{}%", h / 100)
    } else {
        format!(
            "{},{}%",
            h / 100,
            format!("{:02}", h % 100).trim_end_matches('0')
        )
    }
}

/// `left` and `right` on one line of `width`, the left side cut if they do not fit.
pub fn pair(left: &str, right: &str, width: usize) -> String {
    let rlen = right.chars().count();
    let room = width.saturating_sub(rlen + 1);
    let left: String = left.chars().take(room).collect();
    let pad = width.saturating_sub(left.chars().count() + rlen);
    format!("{left}{}{right}", " ".repeat(pad.max(1)))
}

fn fit(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

/// Word-wraps `text` to `width` columns (long words are cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let word = fit(word, width);
        let need = cur.chars().count() + usize::from(!cur.is_empty()) + word.chars().count();
        if need > width && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// A driver that keeps the bytes in memory; the real transport is chosen later (and may be
/// retried from the reprint queue), so encoding never touches the printer.
#[derive(Clone, Default)]
struct MemoryDriver(Rc<RefCell<Vec<u8>>>);

impl Driver for MemoryDriver {
    fn name(&self) -> String {
        "memory".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.try_borrow_mut()?.extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

fn new_printer(columns: usize) -> (Printer<MemoryDriver>, MemoryDriver) {
    let driver = MemoryDriver::default();
    let options = PrinterOptions::new(
        Some(PageCode::PC858),
        None,
        u8::try_from(columns).unwrap_or(u8::MAX),
    );
    (
        Printer::new(driver.clone(), Protocol::default(), Some(options)),
        driver,
    )
}

/// One non-ASCII character in PC858 through escpos's table, if it has exactly one byte there.
fn pc858_char(c: char) -> Option<u8> {
    let (mut p, d) = new_printer(48);
    p.write(&c.to_string()).and_then(|p| p.print()).ok()?;
    let bytes = d.0.borrow();
    match bytes.as_slice() {
        [b] if *b >= 0x80 => Some(*b),
        _ => None,
    }
}

/// Text to PC858 bytes. ASCII goes out as itself: escpos 0.20.1's PC858 table puts U+002D
/// HYPHEN-MINUS at 0xF0 (where PC858 has the soft hyphen U+00AD), so "-0,50" would print with a
/// wrong glyph. Other characters use escpos's table; anything PC858 lacks becomes `?`, so an
/// odd character in a product name never sends multi-byte UTF-8 garbage to the printer.
pub fn pc858(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c as u8
            } else {
                pc858_char(c).unwrap_or(b'?')
            }
        })
        .collect()
}

/// Encodes elements to ESC/POS bytes: `ESC @`, `ESC t 19` (PC858), then each element.
pub fn encode(elements: &[Element], layout: ReceiptLayout) -> Result<Vec<u8>, ReceiptError> {
    let (mut p, driver) = new_printer(layout.columns);
    p.init()?;
    let mut cur = Style::default();
    for e in elements {
        match e {
            Element::Text { text, style } => {
                if style.align != cur.align {
                    p.justify(match style.align {
                        Align::Left => JustifyMode::LEFT,
                        Align::Center => JustifyMode::CENTER,
                        Align::Right => JustifyMode::RIGHT,
                    })?;
                }
                if style.bold != cur.bold {
                    p.bold(style.bold)?;
                }
                if style.big != cur.big {
                    if style.big {
                        p.size(2, 2)?;
                    } else {
                        p.reset_size()?;
                    }
                }
                cur = *style;
                // LF (0x0A), as python-escpos sends it, rather than escpos-rs' `ESC d 1`.
                let mut bytes = pc858(text);
                bytes.push(b'\n');
                p.custom(&bytes)?;
            }
            Element::Qr(data) => {
                if cur.align != Align::Center {
                    p.justify(JustifyMode::CENTER)?;
                    cur.align = Align::Center;
                }
                p.qrcode_option(
                    data,
                    QRCodeOption::new(QRCodeModel::Model2, 6, QRCodeCorrectionLevel::M),
                )?;
            }
            Element::FiscalQr { data, module } => {
                if cur.align != Align::Center {
                    p.justify(JustifyMode::CENTER)?;
                    cur.align = Align::Center;
                }
                p.qrcode_option(
                    data,
                    QRCodeOption::new(QRCodeModel::Model2, *module, QRCodeCorrectionLevel::M),
                )?;
            }
            Element::Feed(n) => {
                p.feeds(*n)?;
            }
            Element::DrawerPulse => {
                p.custom(&DRAWER_PULSE)?;
            }
            Element::Cut => {
                p.cut()?;
            }
        }
    }
    p.print()?;
    let bytes = driver.0.borrow().clone();
    Ok(bytes)
}

/// Renders and encodes a sale or refund in one call.
pub fn receipt_bytes(
    layout: ReceiptLayout,
    doc: &Document,
    store: &StoreRecord,
    cashier: Option<&str>,
) -> Result<Vec<u8>, ReceiptError> {
    encode(&layout.render_document(doc, store, cashier)?, layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fiscal_qr_is_30_to_40_mm_for_any_invoice_number() {
        // From a short ticket number to the 60 characters the AEAT allows, amounts up to 12 digits.
        for (number, amount) in [
            ("T0007-000001", "2.50"),
            ("T0007-R000123", "-1234.56"),
            ("TIENDA-MUY-LARGA-0001-CAJA-0001-F000001", "999999999999.99"),
            (&"9".repeat(60)[..], "-999999999999.99"),
        ] {
            let url = format!(
                "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345674&numserie={number}&fecha=31-12-2026&importe={amount}"
            );
            let module = u32::from(fiscal_qr_module(&url).unwrap());
            let modules =
                qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
                    .unwrap()
                    .width() as u32;
            for m in [modules, modules + 4] {
                let mm = m * module / DOTS_PER_MM;
                assert!(
                    FISCAL_QR_MM.contains(&(m * module / DOTS_PER_MM)),
                    "{url}: {m} modules x {module} dots = {mm} mm"
                );
            }
            // It fits 58 mm paper (384 printable dots) as well as 80 mm.
            assert!((modules + 4) * module <= 384);
        }
    }

    #[test]
    fn spanish_formats() {
        assert_eq!(money(Money::from_cents(123456)), "1.234,56");
        assert_eq!(money(Money::from_cents(-50)), "-0,50");
        assert_eq!(money(Money::from_cents(100000000)), "1.000.000,00");
        assert_eq!(euros(Money::from_cents(5)), "0,05 €");
        assert_eq!(qty(Quantity::from_milli(505)), "0,505");
        assert_eq!(qty(Quantity::units(2)), "2");
        assert_eq!(rate(TaxRate::IVA_GENERAL), "21%");
        assert_eq!(rate(TaxRate::from_hundredths(550)), "5,5%");
        assert_eq!(pair("Total", "3,00", 12), "Total   3,00");
        assert_eq!(
            wrap("Calle Mayor 1, 28013 Madrid", 12),
            vec!["Calle Mayor", "1, 28013", "Madrid"]
        );
    }

    #[test]
    fn header_prints_hq_lines_under_the_legal_data() {
        let store = StoreRecord {
            id: sync_protocol::StoreId(2),
            name: "Gran Vía 12".into(),
            address: "Gran Vía 12, 28013 Madrid".into(),
            franchisee_id: sync_protocol::FranchiseeId(1),
            franchisee_legal_name: "Ultramarinos Centro S.L.".into(),
            franchisee_nif: "B12345674".into(),
            receipt_footer: "Gracias".into(),
            receipt_header: "Abierto de 9 a 21 h\n\n  Tel. 910 000 000 ".into(),
            cash_tolerance: None,
            time_zone: None,
            single_manager: false,
            report_email: None,
        };
        let text = |els: Vec<Element>| -> Vec<String> {
            els.into_iter()
                .filter_map(|e| match e {
                    Element::Text { text, .. } => Some(text.trim().to_string()),
                    _ => None,
                })
                .collect()
        };
        let lines = text(ReceiptLayout::MM80.header(&store));
        assert_eq!(
            lines,
            vec![
                "Ultramarinos Centro S.L.",
                "NIF B12345674",
                "Gran Vía 12, 28013 Madrid",
                "Gran Vía 12",
                "Abierto de 9 a 21 h",
                "Tel. 910 000 000",
                "-".repeat(48).as_str(),
            ]
        );
        // No header text: nothing extra.
        let plain = StoreRecord {
            receipt_header: String::new(),
            ..store
        };
        assert_eq!(text(ReceiptLayout::MM80.header(&plain)).len(), 5);
    }

    #[test]
    fn the_total_line_keeps_the_amount_flush_right_in_the_printed_bytes() {
        for (layout, spaces) in [(ReceiptLayout::MM80, 12), (ReceiptLayout::MM58, 4)] {
            let bytes = encode(&[layout.total_line(Money::from_cents(2549))], layout).unwrap();
            // ESC @, ESC t 19, bold on, double size, then the line: "TOTAL", padding, amount.
            let line = [b"TOTAL".as_slice(), &vec![b' '; spaces], b"25,49 \xD5\n"].concat();
            assert!(
                bytes.windows(line.len()).any(|w| w == line.as_slice()),
                "{} columns: {:?}",
                layout.columns,
                String::from_utf8_lossy(&bytes)
            );
            // Half the columns in double size: the amount ends in the last one.
            assert_eq!(line.len() - 1, layout.columns / 2);
        }
    }

    #[test]
    fn a_promotion_prints_under_its_line_with_the_total_saved() {
        let line =
            |name: &str, cents: i64, units: i64, discount: i64, promo: Option<&str>| SaleLine {
                line_id: uuid::Uuid::nil(),
                product_id: sync_protocol::ProductId(1),
                barcode: None,
                name: name.into(),
                quantity: Quantity::units(units),
                unit_price: Money::from_cents(cents),
                tax_rate: TaxRate::IVA_REDUCED,
                discount: Money::from_cents(discount),
                promotion: promo.map(|n| sync_protocol::PromotionRef {
                    id: 4,
                    name: n.into(),
                }),
            };
        let mut out = Vec::new();
        ReceiptLayout::MM80.push_lines(
            &mut out,
            &[
                line("Yogur natural", 120, 3, 120, Some("3x2 yogures")),
                line("Pan", 90, 1, 10, None),
                line("Leche", 100, 2, 50, Some("2ª unidad al 50 %")),
            ],
        );
        let text: Vec<String> = out
            .into_iter()
            .filter_map(|e| match e {
                Element::Text { text, .. } => Some(text),
                _ => None,
            })
            .collect();
        let at = |needle: &str| {
            text.iter()
                .position(|t| t.contains(needle))
                .unwrap_or_else(|| panic!("{needle} not in {text:#?}"))
        };
        assert_eq!(at("3x2 yogures"), at("Yogur natural") + 2, "{text:#?}");
        assert!(text[at("3x2 yogures")].trim_end().ends_with("-1,20"));
        assert!(text[at("Descuento")].trim_end().ends_with("-0,10"));
        assert!(text[at("2ª unidad al 50 %")].trim_end().ends_with("-0,50"));
        // The cashier's discount is not a promotion's saving.
        let saved = &text[at("Ahorro en promociones")];
        assert!(saved.trim_end().ends_with("1,70"), "{saved}");
        assert_eq!(saved.trim_end().chars().count(), 48);
    }

    #[test]
    fn madrid_time_handles_summer_time() {
        let winter: DateTime<Utc> = "2026-01-15T08:00:00Z".parse().unwrap();
        let summer: DateTime<Utc> = "2026-07-15T08:00:00Z".parse().unwrap();
        assert_eq!(madrid_time(winter), "15/01/2026 09:00");
        assert_eq!(madrid_time(summer), "15/07/2026 10:00");
    }

    #[test]
    fn pc858_bytes_and_drawer() {
        let l = ReceiptLayout::MM80;
        let bytes = encode(
            &[l.line("Niño 5€ á é"), Element::DrawerPulse, Element::Cut],
            l,
        )
        .unwrap();
        assert_eq!(
            bytes,
            [
                &[0x1B, 0x40, 0x1B, 0x74, 0x13][..],
                b"Ni\xA4o 5\xD5 \xA0 \x82\n",
                &DRAWER_PULSE,
                &[0x1D, 0x56, 0x41, 0x00],
            ]
            .concat()
        );
        assert_eq!(pc858("a😀ñ-€"), b"a?\xA4-\xD5");
    }
}
