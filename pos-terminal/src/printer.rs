//! Getting receipt bytes to a real printer without ever losing or blocking a sale: drivers from the
//! till's settings, DLE EOT status, and a reprint queue in the ledger that is filled before sending.

use crate::ledger::{Ledger, LedgerError, WithLedger};
use crate::receipt::{self, DRAWER_KICK, ReceiptError, ReceiptLayout};
use escpos::driver::{Driver, FileDriver, NetworkDriver};
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The default raw-printing port (HP JetDirect / Epson "port 9100").
pub const DEFAULT_PORT: u16 = 9100;
/// Default connect, write and status timeout: short, so a dead printer never holds up the till.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1500);

/// Where the printer is, as chosen in the till's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterConfig {
    Network {
        host: String,
        port: u16,
        timeout: Duration,
    },
    /// Needs the `serial` cargo feature (the serialport crate wants libudev on Linux).
    Serial { path: String, baud: u32 },
    /// A device node such as `/dev/usb/lp0`, or a plain file.
    File { path: PathBuf },
    /// Needs the `usb` cargo feature (escpos `native_usb`, pure-Rust nusb; escpos's own `usb`
    /// feature links the system libusb, which tills do not ship).
    Usb { vendor_id: u16, product_id: u16 },
}

impl PrinterConfig {
    /// A network printer on port 9100 with the default timeout.
    pub fn network(host: impl Into<String>) -> Self {
        Self::Network {
            host: host.into(),
            port: DEFAULT_PORT,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Whether the transport can read replies, so DLE EOT status can be asked.
    pub fn can_read_status(&self) -> bool {
        matches!(self, Self::Network { .. } | Self::Serial { .. })
    }

    fn timeout(&self) -> Duration {
        match self {
            Self::Network { timeout, .. } => *timeout,
            _ => DEFAULT_TIMEOUT,
        }
    }
}

/// Why printing did not happen. Messages are meant for the cashier.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("cannot reach the printer {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("the printer {target} stopped answering: {reason}")]
    Io { target: String, reason: String },
    #[error("the printer is not ready: {0}")]
    NotReady(PrinterStatus),
    #[error("this till was built without {0} printer support")]
    Unsupported(&'static str),
    #[error("receipt kept in the reprint queue (job {job}): {source}")]
    Queued {
        job: i64,
        #[source]
        source: Box<PrintError>,
    },
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("document {0} is not in the ledger")]
    NoDocument(u64),
    #[error("the store header has not arrived from HQ yet")]
    NoStoreInfo,
    #[error("the ledger lock is poisoned")]
    Poisoned,
    #[error(transparent)]
    Call(#[from] crate::ledger::CallError),
}

/// Decoded DLE EOT replies (n = 1 printer, 2 offline cause, 4 roll paper sensor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    pub offline: bool,
    pub cover_open: bool,
    pub paper_out: bool,
    pub paper_near_end: bool,
    pub error: bool,
}

impl PrinterStatus {
    /// From the three status bytes in the order 1, 2, 4.
    pub fn decode(printer: u8, offline_cause: u8, paper: u8) -> Self {
        Self {
            offline: printer & 0x08 != 0,
            cover_open: offline_cause & 0x04 != 0,
            paper_out: offline_cause & 0x20 != 0 || paper & 0x60 != 0,
            paper_near_end: paper & 0x0C != 0,
            error: offline_cause & 0x40 != 0,
        }
    }

    /// Whether a receipt can be sent now (near-end paper still prints).
    pub fn ready(&self) -> bool {
        !(self.offline || self.cover_open || self.paper_out || self.error)
    }
}

impl std::fmt::Display for PrinterStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if self.paper_out {
            parts.push("out of paper");
        }
        if self.cover_open {
            parts.push("cover open");
        }
        if self.error {
            parts.push("printer error (cutter or overheat)");
        }
        if self.offline && parts.is_empty() {
            parts.push("offline");
        }
        if self.paper_near_end {
            parts.push("paper nearly out");
        }
        if parts.is_empty() {
            parts.push("ready");
        }
        f.write_str(&parts.join(", "))
    }
}

/// The three DLE EOT queries sent before and after each job.
pub const STATUS_QUERY: [u8; 9] = [0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04];

/// Talks to one printer. Opens a fresh connection per job, so a printer that was switched off
/// and on again is picked up without restarting the till.
#[derive(Debug, Clone)]
pub struct ReceiptPrinter {
    pub config: PrinterConfig,
    /// Ask DLE EOT before and after each job (network and serial only). A printer that does not
    /// answer is then reported as not answering, which is what catches a job stuck mid-receipt.
    pub check_status: bool,
}

impl ReceiptPrinter {
    pub fn new(config: PrinterConfig) -> Self {
        let check_status = config.can_read_status();
        Self {
            config,
            check_status,
        }
    }

    fn target(&self) -> String {
        match &self.config {
            PrinterConfig::Network { host, port, .. } => format!("{host}:{port}"),
            PrinterConfig::Serial { path, .. } => path.clone(),
            PrinterConfig::File { path } => path.display().to_string(),
            PrinterConfig::Usb {
                vendor_id,
                product_id,
            } => format!("USB {vendor_id:04x}:{product_id:04x}"),
        }
    }

    fn unreachable(&self, e: impl std::fmt::Display) -> PrintError {
        PrintError::Unreachable {
            target: self.target(),
            reason: e.to_string(),
        }
    }

    fn io(&self, e: impl std::fmt::Display) -> PrintError {
        PrintError::Io {
            target: self.target(),
            reason: e.to_string(),
        }
    }

    /// Opens the configured transport as an escpos [`Driver`].
    pub fn open(&self) -> Result<Box<dyn Driver>, PrintError> {
        match &self.config {
            PrinterConfig::Network {
                host,
                port,
                timeout,
            } => {
                // escpos's NetworkDriver only applies a connect timeout to an IP literal, so
                // resolve names here first.
                let addr = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(|e| self.unreachable(e))?
                    .next()
                    .ok_or_else(|| self.unreachable("the name does not resolve"))?;
                let d = NetworkDriver::open(&addr.ip().to_string(), *port, Some(*timeout))
                    .map_err(|e| self.unreachable(e))?;
                Ok(Box::new(d))
            }
            PrinterConfig::File { path } => {
                let mut o = std::fs::OpenOptions::new();
                o.append(true).create(true);
                let d = FileDriver::open_with_options(path, &o).map_err(|e| self.unreachable(e))?;
                Ok(Box::new(d))
            }
            #[cfg(feature = "serial")]
            PrinterConfig::Serial { path, baud } => {
                let d = escpos::driver::SerialPortDriver::open(
                    path,
                    *baud,
                    Some(self.config.timeout()),
                )
                .map_err(|e| self.unreachable(e))?;
                Ok(Box::new(d))
            }
            #[cfg(not(feature = "serial"))]
            PrinterConfig::Serial { .. } => Err(PrintError::Unsupported("serial")),
            #[cfg(feature = "usb")]
            PrinterConfig::Usb {
                vendor_id,
                product_id,
            } => {
                let d = escpos::driver::NativeUsbDriver::open(*vendor_id, *product_id)
                    .map_err(|e| self.unreachable(e))?;
                Ok(Box::new(d))
            }
            #[cfg(not(feature = "usb"))]
            PrinterConfig::Usb { .. } => Err(PrintError::Unsupported("USB")),
        }
    }

    fn query_status(&self, d: &dyn Driver) -> Result<PrinterStatus, PrintError> {
        d.write(&STATUS_QUERY).map_err(|e| self.io(e))?;
        d.flush().map_err(|e| self.io(e))?;
        let deadline = Instant::now() + self.config.timeout();
        let mut got = Vec::with_capacity(3);
        let mut buf = [0u8; 8];
        while got.len() < 3 {
            if Instant::now() > deadline {
                return Err(self.io("no reply to the status query (DLE EOT)"));
            }
            match d.read(&mut buf) {
                Ok(0) => return Err(self.io("the printer closed the connection")),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => return Err(self.io(format!("no reply to the status query: {e}"))),
            }
        }
        Ok(PrinterStatus::decode(got[0], got[1], got[2]))
    }

    /// Asks the printer how it is (network and serial only).
    pub fn status(&self) -> Result<PrinterStatus, PrintError> {
        if !self.config.can_read_status() {
            return Err(PrintError::Unsupported("status on this connection"));
        }
        let d = self.open()?;
        self.query_status(d.as_ref())
    }

    /// Sends ready-made ESC/POS bytes. With `check_status`, the printer must report ready
    /// before, and must answer again after the job (proving it consumed it), within the timeout.
    pub fn send(&self, bytes: &[u8]) -> Result<(), PrintError> {
        let d = self.open()?;
        if self.check_status {
            let s = self.query_status(d.as_ref())?;
            if !s.ready() {
                return Err(PrintError::NotReady(s));
            }
        }
        d.write(bytes).map_err(|e| self.io(e))?;
        d.flush().map_err(|e| self.io(e))?;
        if self.check_status {
            let s = self.query_status(d.as_ref())?;
            if !s.ready() {
                return Err(PrintError::NotReady(s));
            }
        }
        Ok(())
    }

    /// Opens the cash drawer now, on its own connection and never through the reprint queue:
    /// the real-time pulse [`DRAWER_KICK`], which the printer acts on even while it is out of
    /// paper. Where status can be read, the printer must answer first and must not be in an
    /// error state (cutter jam, overheating: it then ignores real-time pulses too), else the
    /// drawer is reported as not opened. Returns the status asked, if any, so a paper-out can
    /// be told beside "drawer opened".
    pub fn kick_drawer(&self) -> Result<Option<PrinterStatus>, PrintError> {
        let d = self.open()?;
        let status = if self.check_status {
            let s = self.query_status(d.as_ref())?;
            if s.error {
                return Err(PrintError::NotReady(s));
            }
            Some(s)
        } else {
            None
        };
        d.write(&DRAWER_KICK).map_err(|e| self.io(e))?;
        d.flush().map_err(|e| self.io(e))?;
        Ok(status)
    }

    /// The manager's "open drawer": [`Self::kick_drawer`].
    pub fn open_drawer(&self) -> Result<Option<PrinterStatus>, PrintError> {
        self.kick_drawer()
    }

    /// Prints the settings screen's test page.
    pub fn print_test_page(&self, layout: ReceiptLayout) -> Result<(), PrintError> {
        let bytes = receipt::encode(&layout.test_page(&self.target()), layout)?;
        self.send(&bytes)
    }
}

/// What [`PrintQueue::retry_pending`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RetryReport {
    pub printed: Vec<i64>,
    /// Jobs still pending, with why.
    pub failed: Vec<(i64, String)>,
}

/// Prints through the ledger's reprint queue: each job is stored first, then sent without
/// holding the ledger lock, then marked printed or left pending with the error.
#[derive(Debug, Clone)]
pub struct PrintQueue {
    pub printer: ReceiptPrinter,
    pub layout: ReceiptLayout,
}

/// Runs `f` on the ledger (its thread or its mutex), flattening both errors into a [`PrintError`].
fn on_ledger<T: Send + 'static>(
    ledger: &impl WithLedger,
    f: impl FnOnce(&mut Ledger) -> Result<T, PrintError> + Send + 'static,
) -> Result<T, PrintError> {
    ledger.with_ledger(f)?
}

impl PrintQueue {
    pub fn new(printer: ReceiptPrinter, layout: ReceiptLayout) -> Self {
        Self { printer, layout }
    }

    /// Queues `bytes` durably and tries to print them once. On failure the job stays queued and
    /// the error says so ([`PrintError::Queued`]).
    pub fn submit(
        &self,
        ledger: &impl WithLedger,
        doc_seq: Option<u64>,
        label: &str,
        bytes: &[u8],
    ) -> Result<i64, PrintError> {
        let (label_owned, bytes_owned) = (label.to_string(), bytes.to_vec());
        let job = on_ledger(ledger, move |l| {
            Ok(l.enqueue_print(doc_seq, &label_owned, &bytes_owned)?)
        })?;
        self.attempt(ledger, job, bytes)?;
        Ok(job)
    }

    fn attempt(&self, ledger: &impl WithLedger, job: i64, bytes: &[u8]) -> Result<(), PrintError> {
        match self.printer.send(bytes) {
            Ok(()) => {
                on_ledger(ledger, move |l| Ok(l.mark_printed(job)?))?;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(job, error = %e, "receipt not printed; kept in the reprint queue");
                let message = e.to_string();
                on_ledger(ledger, move |l| Ok(l.note_print_failure(job, &message)?))?;
                Err(PrintError::Queued {
                    job,
                    source: Box::new(e),
                })
            }
        }
    }

    /// Queues the receipts of sales and refunds that committed without one (the till died between
    /// the commit and the queue; see [`Ledger::receipts_never_queued`]). Call once at start-up,
    /// before anything else prints; [`Self::retry_pending`] then prints them. Returns the jobs.
    pub fn queue_lost_receipts(&self, ledger: &impl WithLedger) -> Result<Vec<i64>, PrintError> {
        let lost = on_ledger(ledger, |l| Ok(l.receipts_never_queued()?))?;
        let mut jobs = Vec::with_capacity(lost.len());
        for seq in lost {
            let (label, bytes) = self.render_document(ledger, seq, None)?;
            jobs.push(on_ledger(ledger, move |l| {
                Ok(l.enqueue_print(Some(seq), &label, &bytes)?)
            })?);
            tracing::warn!(
                seq,
                "receipt of a sale committed before a crash queued at start-up"
            );
        }
        Ok(jobs)
    }

    /// Renders a committed sale or refund from the ledger and prints it through the queue.
    pub fn print_document(
        &self,
        ledger: &impl WithLedger,
        seq: u64,
        cashier: Option<&str>,
    ) -> Result<i64, PrintError> {
        let (label, bytes) = self.render_document(ledger, seq, cashier)?;
        self.submit(ledger, Some(seq), &label, &bytes)
    }

    /// A committed sale or refund's receipt: its label (the ticket number) and its bytes.
    fn render_document(
        &self,
        ledger: &impl WithLedger,
        seq: u64,
        cashier: Option<&str>,
    ) -> Result<(String, Vec<u8>), PrintError> {
        let (doc, store) = on_ledger(ledger, move |l| {
            Ok((
                l.document(seq)?.ok_or(PrintError::NoDocument(seq))?,
                l.store_info()?.ok_or(PrintError::NoStoreInfo)?,
            ))
        })?;
        let bytes = receipt::receipt_bytes(self.layout, &doc, &store, cashier)?;
        let label = match &doc.body {
            sync_protocol::DocumentBody::Sale(s) => s.ticket_number.clone(),
            sync_protocol::DocumentBody::Refund(r) => r.refund_number.clone(),
            _ => format!("document {seq}"),
        };
        Ok((label, bytes))
    }

    /// Prints every pending job, oldest first; stops at the first failure (the printer is
    /// evidently still down) so a long queue does not cost one timeout per job.
    pub fn retry_pending(&self, ledger: &impl WithLedger) -> Result<RetryReport, PrintError> {
        let jobs = on_ledger(ledger, |l| Ok(l.pending_prints(1000)?))?;
        let mut report = RetryReport::default();
        for job in jobs {
            match self.attempt(ledger, job.id, &job.bytes) {
                Ok(()) => report.printed.push(job.id),
                Err(e) => {
                    report.failed.push((job.id, e.to_string()));
                    break;
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bits() {
        let ok = PrinterStatus::decode(0x12, 0x12, 0x12);
        assert!(ok.ready());
        assert_eq!(ok.to_string(), "ready");
        let paper = PrinterStatus::decode(0x1A, 0x32, 0x72);
        assert!(!paper.ready() && paper.paper_out);
        assert!(paper.to_string().contains("out of paper"));
        let cover = PrinterStatus::decode(0x1A, 0x16, 0x12);
        assert!(cover.cover_open && !cover.paper_out);
    }
}
