//! Barcode scanners without UI types: keyboard-wedge scans told apart from typing by key timing
//! (onScan.js rules), serial scanners as line streams, and scanned codes checked and decoded.

use std::io::{BufReader, Read};
use std::time::{Duration, Instant};
use sync_protocol::barcode::{
    self, BarcodeError, VariableMeasure, VariableMeasureRule, decode_variable_measure,
};

/// One key the UI saw, to be stamped with `Instant::now()` when handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Tab,
}

/// What the detector decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeEvent {
    /// A fast burst ending in Enter/Tab: route it to the ticket whatever has focus.
    Scan(String),
    /// Characters a person typed; hand them to the focused widget.
    Typing(String),
    /// Enter or Tab pressed by a person.
    Key(Key),
}

/// Thresholds (defaults as onScan.js 1.5.2: 30 ms average per character, at least 6 characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WedgeConfig {
    pub min_length: usize,
    pub avg_time_per_char: Duration,
    /// A pause longer than this ends a burst: what came before is typing (delivered then).
    pub max_gap: Duration,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        Self {
            min_length: 6,
            avg_time_per_char: Duration::from_millis(30),
            max_gap: Duration::from_millis(100),
        }
    }
}

/// Keyboard-wedge detector. Feed every key with its time; act on the events returned.
#[derive(Debug, Clone, Default)]
pub struct WedgeDetector {
    pub config: WedgeConfig,
    buf: String,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl WedgeDetector {
    pub fn new(config: WedgeConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    fn flush_typing(&mut self, out: &mut Vec<WedgeEvent>) {
        if !self.buf.is_empty() {
            out.push(WedgeEvent::Typing(std::mem::take(&mut self.buf)));
        }
        self.first = None;
        self.last = None;
    }

    /// Whether keys are held back as a possible scan (the app polls only then).
    pub fn pending(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Call from a timer (every ~50 ms): typing held back as a possible scan is released once the
    /// keyboard has been quiet for `max_gap`.
    pub fn poll(&mut self, now: Instant) -> Vec<WedgeEvent> {
        let mut out = Vec::new();
        if let Some(last) = self.last
            && now.duration_since(last) > self.config.max_gap
        {
            self.flush_typing(&mut out);
        }
        out
    }

    /// Feeds one key pressed at `at`.
    pub fn feed(&mut self, key: Key, at: Instant) -> Vec<WedgeEvent> {
        let mut out = self.poll(at);
        match key {
            Key::Char(c) => {
                if self.first.is_none() {
                    self.first = Some(at);
                }
                self.last = Some(at);
                self.buf.push(c);
            }
            Key::Enter | Key::Tab => {
                let n = self.buf.chars().count();
                let fast = match (self.first, self.last) {
                    (Some(f), Some(l)) => {
                        let per = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
                        l.duration_since(f) <= self.config.avg_time_per_char * per
                    }
                    _ => false,
                };
                if n >= self.config.min_length && fast {
                    out.push(WedgeEvent::Scan(std::mem::take(&mut self.buf)));
                    self.first = None;
                    self.last = None;
                } else {
                    self.flush_typing(&mut out);
                    out.push(WedgeEvent::Key(key));
                }
            }
        }
        out
    }
}

/// A scanned code, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// An EAN-13, EAN-8 or UPC-A with a correct check digit: look it up in the catalog.
    Gtin(String),
    /// A weighed or priced item (GS1 prefixes 20–29 matching a rule).
    VariableMeasure(VariableMeasure),
    /// Anything else (a ticket number QR for the refund screen, an internal code).
    Other(String),
}

/// Checks a scanned code: GTIN lengths must have a right check digit ("invalid barcode: check
/// digit should be X"), variable-measure codes are decoded by the franchise's rules.
pub fn classify(code: &str, rules: &[VariableMeasureRule]) -> Result<Scanned, BarcodeError> {
    let code = code.trim();
    let numeric = !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit());
    if !numeric || !matches!(code.len(), 8 | 12 | 13) {
        return Ok(Scanned::Other(code.to_string()));
    }
    if let Some(v) = decode_variable_measure(code, rules)? {
        return Ok(Scanned::VariableMeasure(v));
    }
    barcode::check(code)?;
    Ok(Scanned::Gtin(code.to_string()))
}

/// Opens a serial scanner (RS-232, or a USB scanner in CDC-ACM mode such as `/dev/ttyACM0`).
/// Reads block until a code arrives; a read timeout only comes after an hour of silence.
#[cfg(feature = "serial")]
pub fn open_serial(
    path: &str,
    baud: u32,
) -> Result<SerialScanner<Box<dyn serialport::SerialPort>>, serialport::Error> {
    let port = serialport::new(path, baud)
        .timeout(Duration::from_secs(3600))
        .open()?;
    Ok(SerialScanner::new(port))
}

/// A serial (or any byte-stream) scanner: one code per line, CR, LF or CRLF terminated.
pub struct SerialScanner<R: Read> {
    reader: BufReader<R>,
}

impl<R: Read> SerialScanner<R> {
    pub fn new(stream: R) -> Self {
        Self {
            reader: BufReader::new(stream),
        }
    }
}

impl<R: Read> Iterator for SerialScanner<R> {
    type Item = std::io::Result<WedgeEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        // CR, LF or CRLF ends a code; empty lines are skipped.
        let mut code = Vec::new();
        for b in (&mut self.reader).bytes() {
            match b {
                Err(e) => return Some(Err(e)),
                Ok(b'\r' | b'\n') => {
                    if !code.is_empty() {
                        break;
                    }
                }
                Ok(b) => code.push(b),
            }
        }
        if code.is_empty() {
            return None;
        }
        let text = String::from_utf8_lossy(&code).trim().to_string();
        Some(Ok(WedgeEvent::Scan(text)))
    }
}
