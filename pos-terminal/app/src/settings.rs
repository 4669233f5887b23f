//! The till's local settings (language, printer, paper, scanner thresholds), kept as JSON next
//! to the ledger so they survive restarts and never travel to HQ.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pos_terminal::card_terminal::PaymentTerminal;
use pos_terminal::card_terminal::opi::{DEFAULT_ANSWER_TIMEOUT, OpiTerminal};

use pos_terminal::printer::{DEFAULT_PORT, DEFAULT_TIMEOUT, PrinterConfig, ReceiptPrinter};
use pos_terminal::receipt::ReceiptLayout;
use pos_terminal::scanner::WedgeConfig;
use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = "settings.json";

/// The till's language (shared with the dashboard): `"es"` or `"en"` in settings.json.
pub use trastienda_l10n::Language;

/// Where receipts go. `None` until someone sets a printer up: sales still work and receipts
/// wait in the reprint queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Printer {
    #[default]
    None,
    Network {
        host: String,
        port: u16,
    },
    File {
        path: PathBuf,
    },
    /// RS-232 (or USB-serial) printer, e.g. `/dev/ttyS0` at 38 400 baud.
    Serial {
        path: String,
        baud: u32,
    },
    /// USB printer by vendor and product id (escpos's pure-Rust driver; no libusb needed).
    Usb {
        vendor_id: u16,
        product_id: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Paper {
    #[serde(rename = "80mm")]
    Mm80,
    #[serde(rename = "58mm")]
    Mm58,
}

/// Keyboard-wedge thresholds (see `pos_terminal::scanner::WedgeConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scanner {
    pub min_length: usize,
    pub avg_ms_per_char: u64,
    pub max_gap_ms: u64,
    /// A serial scanner's port (e.g. `/dev/ttyACM0`), read besides the keyboard wedge.
    #[serde(default)]
    pub serial: Option<SerialPort>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SerialPort {
    pub path: String,
    pub baud: u32,
}

/// The protocol a card terminal speaks (one for now; see `pos_terminal::card_terminal::opi`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalProtocol {
    /// IFSF Open Payment Initiative: XML over TCP.
    Opi,
}

fn default_answer_secs() -> u64 {
    DEFAULT_ANSWER_TIMEOUT.as_secs()
}

/// The card terminal ("datáfono") on the shop's network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTerminal {
    pub protocol: TerminalProtocol,
    /// `host:port` of the terminal (OPI channel 0), e.g. `192.168.1.50:20002`.
    pub address: String,
    /// How long the customer has at the terminal before the till stops waiting, asks the
    /// terminal to abort, and checks that nothing was charged.
    #[serde(default = "default_answer_secs")]
    pub answer_timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub language: Language,
    pub printer: Printer,
    pub paper: Paper,
    pub scanner: Scanner,
    /// A weighed label of a product already weighed on the ticket adds its weight to that line
    /// instead of making its own. Off by default: each label is one weighing, as printed.
    pub merge_weighed: bool,
    /// The card terminal, if one is set up: the pay screen then offers "Cobrar con datáfono".
    pub card_terminal: Option<CardTerminal>,
}

impl Default for Settings {
    fn default() -> Self {
        let w = WedgeConfig::default();
        Self {
            language: Language::Es,
            printer: Printer::None,
            paper: Paper::Mm80,
            scanner: Scanner {
                min_length: w.min_length,
                avg_ms_per_char: w.avg_time_per_char.as_millis() as u64,
                max_gap_ms: w.max_gap.as_millis() as u64,
                serial: None,
            },
            merge_weighed: false,
            card_terminal: None,
        }
    }
}

impl Settings {
    /// The settings file beside the ledger at `ledger_path`.
    pub fn path_for(ledger_path: &Path) -> PathBuf {
        ledger_path
            .parent()
            .map(|d| d.join(FILE_NAME))
            .unwrap_or_else(|| PathBuf::from(FILE_NAME))
    }

    /// Reads the settings; a missing or unreadable file gives the defaults (logged), so a
    /// damaged settings file never stops a till from selling.
    pub fn load(path: &Path) -> Self {
        match std::fs::read_to_string(path) {
            Ok(s) => serde_json::from_str(&s).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "bad settings file; using defaults");
                Self::default()
            }),
            Err(_) => Self::default(),
        }
    }

    /// Writes atomically (temp file then rename).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(tmp, path)
    }

    pub fn layout(&self) -> ReceiptLayout {
        match self.paper {
            Paper::Mm80 => ReceiptLayout::MM80,
            Paper::Mm58 => ReceiptLayout::MM58,
        }
    }

    /// The configured printer, if there is one.
    pub fn receipt_printer(&self) -> Option<ReceiptPrinter> {
        let config = match &self.printer {
            Printer::None => return None,
            Printer::Network { host, port } => PrinterConfig::Network {
                host: host.clone(),
                port: if *port == 0 { DEFAULT_PORT } else { *port },
                timeout: DEFAULT_TIMEOUT,
            },
            Printer::File { path } => PrinterConfig::File { path: path.clone() },
            Printer::Serial { path, baud } => PrinterConfig::Serial {
                path: path.clone(),
                baud: *baud,
            },
            Printer::Usb {
                vendor_id,
                product_id,
            } => PrinterConfig::Usb {
                vendor_id: *vendor_id,
                product_id: *product_id,
            },
        };
        Some(ReceiptPrinter::new(config))
    }

    pub fn wedge(&self) -> WedgeConfig {
        WedgeConfig {
            min_length: self.scanner.min_length,
            avg_time_per_char: Duration::from_millis(self.scanner.avg_ms_per_char),
            max_gap: Duration::from_millis(self.scanner.max_gap_ms),
        }
    }

    /// The configured card terminal, speaking as `workstation` (the till's ticket series).
    pub fn payment_terminal(&self, workstation: &str) -> Option<Arc<dyn PaymentTerminal>> {
        let t = self.card_terminal.as_ref()?;
        match t.protocol {
            TerminalProtocol::Opi => {
                let mut opi = OpiTerminal::new(t.address.clone(), workstation);
                opi.answer_timeout = Duration::from_secs(t.answer_timeout_secs.max(1));
                Some(Arc::new(opi))
            }
        }
    }
}
