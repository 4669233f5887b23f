//! Receipts from the till: committed documents are rendered into the ledger's reprint queue
//! first, then the queue is flushed off the UI thread, so a dead printer never blocks a sale.

use std::sync::Mutex;

use iced::Task;
use pos_terminal::ledger::WithLedger;
use pos_terminal::printer::{PrintError, PrintQueue, RetryReport};
use pos_terminal::receipt::ReceiptLayout;
use pos_terminal::{Ledger, LedgerHandle};

/// What the last flush of the queue did, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything queued went out (`n` jobs).
    Printed(usize),
    /// The printer failed; `waiting` receipts are kept for reprint.
    Failed { error: String, waiting: usize },
    /// No printer is configured; `waiting` receipts are kept.
    NoPrinter { waiting: usize },
}

fn waiting(ledger: &impl WithLedger) -> usize {
    ledger
        .with_ledger(|l| l.pending_prints(10_000).map(|j| j.len()).unwrap_or(0))
        .unwrap_or(0)
}

/// Renders the committed sale or refund `seq` into the reprint queue (durable, no I/O to the
/// printer). Without a printer the receipt waits in the queue.
pub fn enqueue_document(
    layout: ReceiptLayout,
    l: &mut Ledger,
    seq: u64,
    cashier: Option<&str>,
) -> Result<i64, PrintError> {
    let (doc, store) = (
        l.document(seq)?.ok_or(PrintError::NoDocument(seq))?,
        l.store_info()?.unwrap_or_else(|| fallback_store(l)),
    );
    let bytes = pos_terminal::receipt::receipt_bytes(layout, &doc, &store, cashier)?;
    let label = match &doc.body {
        sync_protocol::DocumentBody::Sale(s) => s.ticket_number.clone(),
        sync_protocol::DocumentBody::Refund(r) => r.refund_number.clone(),
        _ => format!("documento {seq}"),
    };
    Ok(l.enqueue_print(Some(seq), &label, &bytes)?)
}

/// Queues the receipts of sales and refunds the last run committed but died before queueing
/// (see [`Ledger::receipts_never_queued`]); returns how many. Run once at start-up, before the
/// ledger moves to its thread.
pub fn enqueue_lost(layout: ReceiptLayout, l: &mut Ledger) -> usize {
    let lost = match l.receipts_never_queued() {
        Ok(lost) => lost,
        Err(e) => {
            tracing::error!(error = %e, "could not look for receipts lost in a crash");
            return 0;
        }
    };
    let mut n = 0;
    for seq in lost {
        match enqueue_document(layout, l, seq, None) {
            Ok(_) => n += 1,
            Err(e) => tracing::error!(seq, error = %e, "could not queue a receipt lost in a crash"),
        }
    }
    n
}

/// Renders an X report (`close` None) or a Z close into the reprint queue.
pub fn enqueue_shift_report(
    layout: ReceiptLayout,
    l: &mut Ledger,
    report: &pos_terminal::ShiftReport,
    close: Option<&sync_protocol::CashClose>,
) -> Result<i64, PrintError> {
    let store = l.store_info()?.unwrap_or_else(|| fallback_store(l));
    let bytes = pos_terminal::receipt::shift_report_bytes(
        layout,
        &store,
        chrono::Utc::now(),
        report,
        close,
    )?;
    let label = match close {
        Some(c) => format!("Cierre Z {}", c.z_number),
        None => "Informe X".to_string(),
    };
    Ok(l.enqueue_print(None, &label, &bytes)?)
}

/// Saves an X report (`close` None) or a Z close as a PDF in the `reports` folder beside the
/// ledger (`Z-0007-2026-12-05.pdf`, `X-2026-12-05-1742.pdf`, local time) and answers its path.
/// An existing file is never overwritten: a second save of the same Z gets `-2`, `-3`…
pub async fn save_shift_report_pdf(
    layout: ReceiptLayout,
    ledger: LedgerHandle,
    report: pos_terminal::ShiftReport,
    close: Option<sync_protocol::CashClose>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<std::path::PathBuf, String> {
    let dir = ledger
        .path()
        .parent()
        .map(|p| p.join("reports"))
        .unwrap_or_else(|| "reports".into());
    let store = ledger
        .call(|l| {
            l.store_info()
                .map(|s| s.unwrap_or_else(|| fallback_store(l)))
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
    // The PDF is drawn and written on a blocking thread: neither the UI nor the ledger waits.
    tokio::task::spawn_blocking(move || {
        write_report_pdf(layout, &store, dir, &report, close.as_ref(), at)
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A report's file name without `.pdf`: `Z-0007-2026-12-05` or `X-2026-12-05-1742` (local time).
fn report_stem(
    close: Option<&sync_protocol::CashClose>,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Madrid);
    match close {
        Some(c) => format!("Z-{:04}-{}", c.z_number, c.business_date.format("%Y-%m-%d")),
        None => format!("X-{}", local.format("%Y-%m-%d-%H%M")),
    }
}

/// What the manager asked to e-mail: the report (and the Z close, for a Z), to whom, and the
/// subject in the till's language (`{store}` is filled in with the store's name).
pub struct ReportMailOrder {
    pub report: pos_terminal::ShiftReport,
    pub close: Option<sync_protocol::CashClose>,
    pub to: String,
    pub subject: String,
}

/// Draws an X report or Z close as a PDF (the very one [`save_shift_report_pdf`] saves) and
/// queues it in the ledger for HQ to e-mail: it rides the next push, and the ledger keeps it until
/// HQ has it, so a till offline for days still sends it. Answers the address it was queued for.
pub async fn mail_shift_report(
    layout: ReceiptLayout,
    ledger: LedgerHandle,
    order: ReportMailOrder,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<String, String> {
    let store = ledger
        .call(|l| {
            l.store_info()
                .map(|s| s.unwrap_or_else(|| fallback_store(l)))
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
    let subject = order.subject.replace("{store}", &store.name);
    let file_name = format!("{}.pdf", report_stem(order.close.as_ref(), at));
    let kind = match order.close {
        Some(_) => sync_protocol::ReportKind::Z,
        None => sync_protocol::ReportKind::X,
    };
    let ReportMailOrder {
        report, close, to, ..
    } = order;
    // Drawn on a blocking thread, as for the save: neither the UI nor the ledger waits.
    let pdf = tokio::task::spawn_blocking(move || {
        pos_terminal::paper_pdf::shift_report_pdf(layout, &store, at, &report, close.as_ref())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())??;
    ledger
        .call(move |l| {
            l.queue_report_mail(kind, &to, &subject, &file_name, pdf)
                .map(|m| m.to)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
}

fn write_report_pdf(
    layout: ReceiptLayout,
    store: &sync_protocol::StoreRecord,
    dir: std::path::PathBuf,
    report: &pos_terminal::ShiftReport,
    close: Option<&sync_protocol::CashClose>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<std::path::PathBuf, String> {
    let pdf = pos_terminal::paper_pdf::shift_report_pdf(layout, store, at, report, close)
        .map_err(|e| e.to_string())?;
    let stem = report_stem(close, at);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for n in 1.. {
        let name = match n {
            1 => format!("{stem}.pdf"),
            n => format!("{stem}-{n}.pdf"),
        };
        let path = dir.join(name);
        // create_new: never replace a report already kept.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(&pdf)
                    .and_then(|()| f.sync_all())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    unreachable!("an unbounded range ends only by returning")
}

/// Before HQ has sent the store header, receipts still print with the till's identity.
fn fallback_store(l: &Ledger) -> sync_protocol::StoreRecord {
    let ident = l.identity().ok().flatten();
    sync_protocol::StoreRecord {
        id: ident
            .as_ref()
            .map(|i| i.store_id)
            .unwrap_or(sync_protocol::StoreId(0)),
        name: "Trastienda".into(),
        address: String::new(),
        franchisee_id: ident
            .as_ref()
            .map(|i| i.franchisee_id)
            .unwrap_or(sync_protocol::FranchiseeId(0)),
        franchisee_legal_name: String::new(),
        franchisee_nif: String::new(),
        receipt_footer: String::new(),
        receipt_header: String::new(),
        cash_tolerance: None,
        time_zone: None,
        single_manager: false,
        report_email: None,
    }
}

static FLUSHING: Mutex<()> = Mutex::new(());

/// How often the queue is retried while the printer is failing, so receipts come out when it is
/// back even if no new sale is rung.
pub const RETRY_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Sends every pending job, oldest first. The one unit of work the background task runs; tests
/// call it directly.
pub fn flush(queue: Option<&PrintQueue>, ledger: &impl WithLedger) -> Outcome {
    // One flush at a time: two overlapping flushes would both send the oldest pending job.
    let _one_at_a_time = FLUSHING.lock().unwrap_or_else(|p| p.into_inner());
    let Some(queue) = queue else {
        return Outcome::NoPrinter {
            waiting: waiting(ledger),
        };
    };
    match queue.retry_pending(ledger) {
        Ok(RetryReport { printed, failed }) if failed.is_empty() => Outcome::Printed(printed.len()),
        Ok(RetryReport { failed, .. }) => Outcome::Failed {
            error: failed.first().map(|(_, e)| e.clone()).unwrap_or_default(),
            waiting: waiting(ledger),
        },
        Err(e) => Outcome::Failed {
            error: e.to_string(),
            waiting: waiting(ledger),
        },
    }
}

/// [`flush`] on a blocking thread, reported as a message.
pub fn flush_task<M: Send + 'static>(
    queue: Option<PrintQueue>,
    ledger: LedgerHandle,
    to_message: fn(Outcome) -> M,
) -> Task<M> {
    Task::perform(
        async move {
            tokio::task::spawn_blocking(move || flush(queue.as_ref(), &ledger))
                .await
                .unwrap_or_else(|e| Outcome::Failed {
                    error: e.to_string(),
                    waiting: 0,
                })
        },
        to_message,
    )
}

/// Renders the full invoice `invoice` into the reprint queue, titled FACTURA.
pub fn enqueue_full_invoice(
    layout: ReceiptLayout,
    l: &mut Ledger,
    invoice: &pos_terminal::FullInvoice,
) -> Result<i64, PrintError> {
    let doc = l
        .document(invoice.sale_seq)?
        .ok_or(PrintError::NoDocument(invoice.sale_seq))?;
    let store = l.store_info()?.unwrap_or_else(|| fallback_store(l));
    // The invoice's own document carries its F3 record, whose QR the invoice prints first.
    let record = match invoice.doc_seq {
        Some(seq) => l.verifactu_record(seq)?,
        None => None,
    };
    let elements = layout.render_full_invoice(&doc, &store, invoice, record.as_ref())?;
    let bytes = pos_terminal::receipt::encode(&elements, layout)?;
    Ok(l.enqueue_print(Some(invoice.sale_seq), &invoice.number, &bytes)?)
}

/// Prints the settings screen's test page straight away (not queued: it is only useful now).
pub fn test_page(queue: &PrintQueue) -> Outcome {
    match queue.printer.print_test_page(queue.layout) {
        Ok(()) => Outcome::Printed(1),
        Err(e) => Outcome::Failed {
            error: e.to_string(),
            waiting: 0,
        },
    }
}

/// What a drawer kick did, for the cashier (status bar) or the manager (settings screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drawer {
    /// The pulse went out; `printer` is the status read first when it was not "ready" (paper
    /// out: the drawer opens, the receipt waits).
    Opened { printer: Option<String> },
    /// The drawer did not open, and why.
    Failed(String),
    /// No printer is configured, and the drawer hangs off the printer.
    NoPrinter,
}

/// Opens the cash drawer now with its own command (see
/// [`pos_terminal::printer::ReceiptPrinter::kick_drawer`]); never queued, so a printer that
/// comes back later never pops the drawer by surprise.
pub fn kick_drawer(queue: Option<&PrintQueue>) -> Drawer {
    let Some(queue) = queue else {
        return Drawer::NoPrinter;
    };
    match queue.printer.kick_drawer() {
        Ok(status) => Drawer::Opened {
            printer: status.filter(|s| !s.ready()).map(|s| s.to_string()),
        },
        Err(e) => Drawer::Failed(e.to_string()),
    }
}

/// [`kick_drawer`] on a blocking thread, reported as a message.
pub fn drawer_task<M: Send + 'static>(
    queue: Option<PrintQueue>,
    to_message: fn(Drawer) -> M,
) -> Task<M> {
    Task::perform(
        async move {
            tokio::task::spawn_blocking(move || kick_drawer(queue.as_ref()))
                .await
                .unwrap_or_else(|e| Drawer::Failed(e.to_string()))
        },
        to_message,
    )
}

/// Whether committed document `seq` takes or gives back cash (a cash sale or refund): the
/// drawer must open for it.
pub fn moves_cash(l: &Ledger, seq: u64) -> bool {
    let payments = match l.document(seq) {
        Ok(Some(doc)) => match doc.body {
            sync_protocol::DocumentBody::Sale(s) => s.payments,
            sync_protocol::DocumentBody::Refund(r) => r.payments,
            _ => return false,
        },
        _ => return false,
    };
    payments
        .iter()
        .any(|p| p.tender == sync_protocol::Tender::Cash)
}

/// Runs `job` on a blocking thread and reports its outcome as a message.
pub fn blocking_task<M: Send + 'static>(
    job: impl FnOnce() -> Outcome + Send + 'static,
    to_message: fn(Outcome) -> M,
) -> Task<M> {
    Task::perform(
        async move {
            tokio::task::spawn_blocking(job)
                .await
                .unwrap_or_else(|e| Outcome::Failed {
                    error: e.to_string(),
                    waiting: 0,
                })
        },
        to_message,
    )
}
