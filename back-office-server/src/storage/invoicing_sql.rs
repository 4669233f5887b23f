//! Contracts, HQ's issuer details and invoices on either backend. Issuing takes the invoicing lock
//! (an advisory lock on PostgreSQL; SQLite has one writer), so series numbers and HQ's VERI*FACTU
//! chain are handed out one invoice at a time across every server instance.

use super::db::{Row, Tx, locks};
use super::invoicing::{
    ContractIn, ContractVersion, CountedDay, CountedTicket, CreditComposer, CreditFacts,
    InvoiceKind, InvoiceRecord, InvoicingStorage, IssueOutcome, IssuerIn, PeriodComposer,
    PeriodFacts, RunProgress, SendState,
};
use super::sql_storage::SqlStorage;
use super::{Franchisee, StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sync_protocol::{FranchiseeId, Money, StoreId};

fn month_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn bad(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(e.to_string())
}

const VERSION_COLUMNS: &str =
    "id, franchisee_id, version, effective_from, terms, created_by, created_at";

fn version_of(r: &Row) -> StorageResult<ContractVersion> {
    let from: String = r.get(3)?;
    let terms: String = r.get(4)?;
    Ok(ContractVersion {
        id: r.get(0)?,
        franchisee_id: FranchiseeId(r.get(1)?),
        version: r.get(2)?,
        effective_from: sql::parse_day(&format!("{from}-01"))?,
        terms: serde_json::from_str::<ContractIn>(&terms).map_err(bad)?,
        created_by: r.get(5)?,
        created_at: sql::from_micros(r.get(6)?),
    })
}

const INVOICE_COLUMNS: &str = "id, kind, series, number, full_number, franchisee_id, period, \
     contract_version_id, corrects_invoice_id, issue_date, net_cents, tax_cents, total_cents, draft, created_at";

fn invoice_of(r: &Row) -> StorageResult<InvoiceRecord> {
    let kind: String = r.get(1)?;
    let issue: String = r.get(9)?;
    Ok(InvoiceRecord {
        id: r.get(0)?,
        kind: if kind == "credit_note" {
            InvoiceKind::CreditNote
        } else {
            InvoiceKind::Invoice
        },
        series: r.get(2)?,
        number: r.get(3)?,
        full_number: r.get(4)?,
        franchisee_id: FranchiseeId(r.get(5)?),
        period: r.get(6)?,
        contract_version_id: r.get(7)?,
        corrects_invoice_id: r.get(8)?,
        issue_date: sql::parse_day(&issue)?,
        net: Money::from_cents(r.get(10)?),
        tax: Money::from_cents(r.get(11)?),
        total: Money::from_cents(r.get(12)?),
        draft: r.get(13)?,
        created_at: sql::from_micros(r.get(14)?),
    })
}

async fn load_invoice(tx: &mut dyn Tx, id: i64) -> StorageResult<InvoiceRecord> {
    let row = tx
        .query_opt(
            &format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = ?1"),
            p![id],
        )
        .await?
        .ok_or_else(|| StorageError::NotFound(Problem::new("invoice_not_found").with("id", id)))?;
    invoice_of(&row)
}

/// The version in force in the month starting `month_start` (`YYYY-MM`).
async fn version_in_force(
    tx: &mut dyn Tx,
    franchisee: i64,
    month: &str,
) -> StorageResult<Option<ContractVersion>> {
    match tx
        .query_opt(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM contract_versions
                 WHERE franchisee_id = ?1 AND effective_from <= ?2
                 ORDER BY effective_from DESC LIMIT 1"
            ),
            p![franchisee, month],
        )
        .await?
    {
        Some(r) => Ok(Some(version_of(&r)?)),
        None => Ok(None),
    }
}

async fn load_issuer(tx: &mut dyn Tx) -> StorageResult<Option<IssuerIn>> {
    let json: Option<String> = tx
        .scalar_opt("SELECT details FROM invoicing_issuer WHERE id = 1", p![])
        .await?;
    json.map(|j| serde_json::from_str(&j).map_err(bad))
        .transpose()
}

async fn next_number(tx: &mut dyn Tx, series: &str) -> StorageResult<u64> {
    let last: Option<i64> = tx
        .scalar_opt(
            "SELECT last_number FROM invoice_series WHERE series = ?1 FOR UPDATE",
            p![series],
        )
        .await?;
    Ok(sql::to_u64(last.unwrap_or(0)) + 1)
}

async fn last_record(tx: &mut dyn Tx, nif: &str) -> StorageResult<Option<String>> {
    tx.scalar_opt(
        "SELECT json FROM hq_verifactu_records WHERE emisor_nif = ?1 ORDER BY id DESC LIMIT 1",
        p![nif],
    )
    .await
}

/// Stores a composed invoice: its row, the series number, documents, record and e-mail state.
#[allow(clippy::too_many_arguments)]
async fn store_composed(
    tx: &mut dyn Tx,
    kind: InvoiceKind,
    series: &str,
    number: u64,
    franchisee: i64,
    period: Option<&str>,
    contract_version: Option<i64>,
    corrects: Option<i64>,
    recipient: &str,
    c: &super::invoicing::Composed,
    now: DateTime<Utc>,
) -> StorageResult<InvoiceRecord> {
    let number = sql::to_i64(number, "invoice number")?;
    let full_number = format!("{series}-{number:06}");
    let now_us = sql::micros(now);
    let id = tx
        .insert_returning_id(
            "INSERT INTO invoices (kind, series, number, full_number, franchisee_id, period,
               contract_version_id, corrects_invoice_id, issue_date, net_cents, tax_cents, total_cents,
               draft, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) RETURNING id",
            p![
                kind.as_str(),
                series,
                number,
                &full_number,
                franchisee,
                period,
                contract_version,
                corrects,
                &sql::day_text(c.issue_date),
                c.net.cents(),
                c.tax.cents(),
                c.total.cents(),
                &c.draft,
                now_us
            ],
        )
        .await?;
    tx.execute(
        "INSERT INTO invoice_series (series, last_number) VALUES (?1, ?2)
         ON CONFLICT (series) DO UPDATE SET last_number = excluded.last_number",
        p![series, number],
    )
    .await?;
    for d in &c.documents {
        let sha = hex::encode(Sha256::digest(&d.content));
        tx.execute(
            "INSERT INTO invoice_documents (invoice_id, format, content, sha256) VALUES (?1, ?2, ?3, ?4)",
            p![id, d.format, d.content.as_slice(), &sha],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO hq_verifactu_records (invoice_id, emisor_nif, num_serie, fecha_expedicion, tipo_factura,
           importe_total_cents, cuota_total_cents, generated_at, huella, prev_huella, json, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        p![
            id,
            &c.record_nif,
            &full_number,
            &sql::day_text(c.issue_date),
            &c.record_tipo,
            c.record_importe_cents,
            c.record_cuota_cents,
            &c.record_generated_at,
            &c.record_huella,
            c.record_prev_huella.as_deref(),
            &c.record_json,
            now_us
        ],
    )
    .await?;
    tx.execute(
        "INSERT INTO invoice_sends (invoice_id, recipient) VALUES (?1, ?2)",
        p![id, recipient],
    )
    .await?;
    super::collections_sql::on_issued(
        tx,
        id,
        kind,
        franchisee,
        &full_number,
        c.issue_date,
        &c.draft,
        c.total,
        corrects,
    )
    .await?;
    load_invoice(tx, id).await
}

/// Received delivery notes of the franchisee's stores, received by `last_day` (business day, HQ's
/// zone) and not invoiced yet, with the lines that carry HQ's price (`unit_cost`), at the quantity
/// received, the product's VAT rate and its name; and each note's id with its net.
async fn deliveries_to_invoice(
    tx: &mut dyn Tx,
    franchisee: i64,
    last_day: &str,
) -> StorageResult<(
    Vec<trastienda_einvoice::royalty::DeliveryNote>,
    Vec<(i64, Money)>,
)> {
    use trastienda_einvoice::royalty::{DeliveryLine, DeliveryNote};
    let last = sql::parse_day(last_day)?;
    let rows = tx
        .query(
            "SELECT n.id, n.number, n.received_at, p.name, p.sku,
                    COALESCE(l.received_milli, l.expected_milli), l.unit_cost_e4, tr.rate_hundredths,
                    d.business_day
             FROM delivery_notes n
             JOIN stores st ON st.id = n.store_id
             LEFT JOIN documents d ON d.id = n.received_document_id
             JOIN delivery_note_lines l ON l.note_id = n.id
             JOIN products p ON p.id = l.product_id
             JOIN tax_rates tr ON tr.id = p.tax_rate_id
             WHERE st.franchisee_id = ?1 AND n.status <> 'pending' AND n.received_at IS NOT NULL
               AND l.unit_cost_e4 IS NOT NULL AND COALESCE(l.received_milli, l.expected_milli) > 0
               AND NOT EXISTS (SELECT 1 FROM invoice_deliveries d WHERE d.note_id = n.id)
             ORDER BY n.id, l.line_no",
            p![franchisee],
        )
        .await?;
    let mut notes: Vec<DeliveryNote> = Vec::new();
    let mut ids: Vec<(i64, Money)> = Vec::new();
    for r in rows {
        let id: i64 = r.get(0)?;
        let number: Option<String> = r.get(1)?;
        // The business day of the till's receipt; the day HQ heard of it when that is unknown.
        let receipt_day: Option<String> = r.get(8)?;
        let received = match receipt_day {
            Some(d) => sql::parse_day(&d)?,
            None => sql::business_day(sql::from_micros(r.get(2)?)),
        };
        if received > last {
            continue;
        }
        let name: String = r.get(3)?;
        let sku: String = r.get(4)?;
        let quantity = sync_protocol::Quantity::from_milli(r.get(5)?);
        let cost_e4: i64 = r.get(6)?;
        // HQ's price per unit to the franchisee, to the cent (half away from zero).
        let unit_price = Money::new(rust_decimal::Decimal::new(cost_e4, 4));
        let line = DeliveryLine {
            description: format!("{name} ({sku})"),
            quantity,
            unit: if quantity.milli() % 1000 == 0 {
                trastienda_einvoice::Unit::Each
            } else {
                trastienda_einvoice::Unit::Kilogram
            },
            unit_price,
            vat_rate: sync_protocol::TaxRate::from_hundredths(r.get(7)?),
            surcharge_rate_override: None,
        };
        let net = unit_price.times(quantity);
        match ids.last_mut() {
            Some((last_id, sum)) if *last_id == id => {
                *sum += net;
                if let Some(n) = notes.last_mut() {
                    n.lines.push(line);
                }
            }
            _ => {
                ids.push((id, net));
                notes.push(DeliveryNote {
                    number: number.unwrap_or_else(|| format!("#{id}")),
                    date: received,
                    lines: vec![line],
                });
            }
        }
    }
    Ok((notes, ids))
}

const SIGNED_NET: &str = "CASE WHEN s.kind = 'refund' THEN -s.net_cents ELSE s.net_cents END";

async fn issue_period_tx(
    tx: &mut dyn Tx,
    franchisee: i64,
    period: String,
    now: DateTime<Utc>,
    compose: PeriodComposer,
) -> StorageResult<IssueOutcome> {
    tx.lock(locks::INVOICING).await?;
    if let Some(r) = tx
        .query_opt(
            &format!(
                "SELECT {INVOICE_COLUMNS} FROM invoices WHERE franchisee_id = ?1 AND period = ?2 AND kind = 'invoice'"
            ),
            p![franchisee, &period],
        )
        .await?
    {
        return Ok(IssueOutcome::AlreadyIssued(invoice_of(&r)?));
    }
    let Some(contract) = version_in_force(tx, franchisee, &period).await? else {
        return Ok(IssueOutcome::NoContract);
    };
    let issuer = load_issuer(tx)
        .await?
        .ok_or_else(|| StorageError::Invalid(Problem::new("invoicing_issuer_missing")))?;
    let f = tx
        .query_opt(
            "SELECT id, legal_name, nif, address FROM franchisees WHERE id = ?1",
            p![franchisee],
        )
        .await?
        .ok_or_else(|| sql::franchisee_not_found(franchisee))?;
    let franchisee_row = Franchisee {
        id: FranchiseeId(f.get(0)?),
        legal_name: f.get(1)?,
        nif: f.get(2)?,
        address: f.get(3)?,
    };
    let first_day = format!("{period}-01");
    let last_day = {
        let start = sql::parse_day(&first_day)?;
        let p = trastienda_einvoice::Period::month(start.year(), start.month())
            .ok_or_else(|| bad(format!("period {period}")))?;
        sql::day_text(p.end)
    };
    // Claim the sales first, then count what was claimed: a sale pushed meanwhile is either in
    // both or in neither. Each claim reads the franchisee's stores' sales by (store, day) range
    // (sales_store_day): the month's, then the late ones of months invoiced before, never the
    // whole franchise's sales. A sale claimed before is skipped by invoice_sales' primary key
    // (each sale invoiced once, ever) rather than by an anti-join: PostgreSQL planned that one
    // from statistics taken while invoice_sales was empty and scanned the table once per sale.
    let claim = |days: &str| {
        format!(
            "INSERT INTO invoice_sales (document_id, franchisee_id, invoiced_period, sale_period, store_id, business_day, net_cents)
             SELECT s.document_id, ?1, ?2, substr(s.business_day, 1, 7), s.store_id, s.business_day, {SIGNED_NET}
             FROM stores st JOIN sales s ON s.store_id = st.id
             WHERE st.franchisee_id = ?1 AND {days}
             ON CONFLICT (document_id) DO NOTHING"
        )
    };
    tx.execute(
        &claim("s.business_day >= ?3 AND s.business_day <= ?4"),
        p![franchisee, &period, &first_day, &last_day],
    )
    .await?;
    // Sales of a month invoiced before that arrived after its invoice (a till offline).
    let first_invoiced: Option<String> = tx
        .scalar(
            "SELECT MIN(period) FROM invoices WHERE franchisee_id = ?1 AND kind = 'invoice'",
            p![franchisee],
        )
        .await?;
    if let Some(first_invoiced) = first_invoiced.filter(|m| m.as_str() < period.as_str()) {
        tx.execute(
            &claim(
                "s.business_day >= ?3 AND s.business_day < ?4
                 AND substr(s.business_day, 1, 7) IN
                    (SELECT i.period FROM invoices i WHERE i.franchisee_id = ?1 AND i.kind = 'invoice')",
            ),
            p![franchisee, &period, &format!("{first_invoiced}-01"), &first_day],
        )
        .await?;
    }
    let counted = tx
        .query(
            "SELECT sale_period, CAST(COALESCE(SUM(net_cents), 0) AS BIGINT) FROM invoice_sales
             WHERE franchisee_id = ?1 AND invoiced_period = ?2 GROUP BY sale_period ORDER BY sale_period",
            p![franchisee, &period],
        )
        .await?;
    let mut net_sales = Money::ZERO;
    let mut late = Vec::new();
    for r in counted {
        let month: String = r.get(0)?;
        let cents: i64 = r.get(1)?;
        if month == period {
            net_sales = Money::from_cents(cents);
            continue;
        }
        let already: i64 = tx
            .scalar(
                "SELECT CAST(COALESCE(SUM(net_cents), 0) AS BIGINT) FROM invoice_sales
                 WHERE franchisee_id = ?1 AND sale_period = ?2 AND invoiced_period <> ?3",
                p![franchisee, &month, &period],
            )
            .await?;
        let then = version_in_force(tx, franchisee, &month)
            .await?
            .ok_or_else(|| bad(format!("month {month} was invoiced without a contract")))?;
        late.push((
            month,
            Money::from_cents(already),
            Money::from_cents(cents),
            then,
        ));
    }
    let stores: i64 = tx
        .scalar(
            "SELECT COUNT(*) FROM stores WHERE franchisee_id = ?1",
            p![franchisee],
        )
        .await?;
    let tills: i64 = tx
        .scalar(
            "SELECT COUNT(*) FROM tills t JOIN stores st ON st.id = t.store_id
             WHERE st.franchisee_id = ?1 AND t.enrolled_at IS NOT NULL AND t.revoked_at IS NULL",
            p![franchisee],
        )
        .await?;
    let first_invoice = !tx
        .exists(
            "SELECT 1 FROM invoices WHERE franchisee_id = ?1 AND kind = 'invoice'",
            p![franchisee],
        )
        .await?;
    let (deliveries, delivered) = deliveries_to_invoice(tx, franchisee, &last_day).await?;
    let series = format!("FQ-{}", &period[..4]);
    let number = next_number(tx, &series).await?;
    let previous_record = last_record(tx, &issuer.nif).await?;
    let recipient = contract.terms.billing_email.clone();
    let contract_id = contract.id;
    let facts = PeriodFacts {
        franchisee: franchisee_row,
        issuer,
        period: period.clone(),
        contract,
        net_sales,
        late,
        stores: u32::try_from(stores).unwrap_or(u32::MAX),
        tills: u32::try_from(tills).unwrap_or(u32::MAX),
        first_invoice,
        deliveries,
        series: series.clone(),
        number,
        previous_record,
        now,
    };
    let composed = compose(&facts).map_err(StorageError::Invalid)?;
    let rec = store_composed(
        tx,
        InvoiceKind::Invoice,
        &series,
        number,
        franchisee,
        Some(&period),
        Some(contract_id),
        None,
        &recipient,
        &composed,
        now,
    )
    .await?;
    for (note, net) in delivered {
        tx.execute(
            "INSERT INTO invoice_deliveries (note_id, invoice_id, net_cents) VALUES (?1, ?2, ?3)",
            p![note, rec.id, net.cents()],
        )
        .await?;
    }
    Ok(IssueOutcome::Issued(rec))
}

#[async_trait]
impl InvoicingStorage for SqlStorage {
    async fn create_contract_version(
        &self,
        franchisee: FranchiseeId,
        effective_from: NaiveDate,
        terms: &ContractIn,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<ContractVersion> {
        let terms = terms.clone();
        let created_by = created_by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let f = franchisee.0;
                    if !tx
                        .exists("SELECT 1 FROM franchisees WHERE id = ?1", p![f])
                        .await?
                    {
                        return Err(sql::franchisee_not_found(f));
                    }
                    let month = month_text(effective_from);
                    if let Some(existing) = tx
                        .scalar_opt::<String>(
                            "SELECT effective_from FROM contract_versions WHERE franchisee_id = ?1
                             AND effective_from >= ?2 ORDER BY effective_from LIMIT 1",
                            p![f, &month],
                        )
                        .await?
                    {
                        return Err(StorageError::Conflict(
                            Problem::new("contract_version_overlaps")
                                .with("from", &month)
                                .with("existing", existing),
                        ));
                    }
                    if let Some(invoiced) = tx
                        .scalar_opt::<String>(
                            "SELECT period FROM invoices WHERE franchisee_id = ?1 AND kind = 'invoice'
                             AND period >= ?2 ORDER BY period DESC LIMIT 1",
                            p![f, &month],
                        )
                        .await?
                    {
                        return Err(StorageError::Conflict(
                            Problem::new("contract_period_invoiced")
                                .with("from", &month)
                                .with("period", invoiced),
                        ));
                    }
                    let version: i64 = tx
                        .scalar(
                            "SELECT COALESCE(MAX(version), 0) + 1 FROM contract_versions WHERE franchisee_id = ?1",
                            p![f],
                        )
                        .await?;
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO contract_versions (franchisee_id, version, effective_from, terms,
                               billing_email, language, created_by, created_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                            p![
                                f,
                                version,
                                &month,
                                &sql::json(&terms)?,
                                &terms.billing_email,
                                terms.language.code(),
                                &created_by,
                                sql::micros(now)
                            ],
                        )
                        .await?;
                    let row = tx
                        .query_one(
                            &format!("SELECT {VERSION_COLUMNS} FROM contract_versions WHERE id = ?1"),
                            p![id],
                        )
                        .await?;
                    version_of(&row)
                })
            })
            .await
    }

    async fn contract_versions(
        &self,
        franchisee: Option<FranchiseeId>,
    ) -> StorageResult<Vec<ContractVersion>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {VERSION_COLUMNS} FROM contract_versions
                             WHERE (CAST(?1 AS BIGINT) IS NULL OR franchisee_id = ?1)
                             ORDER BY franchisee_id, version"
                        ),
                        p![franchisee.map(|f| f.0)],
                        version_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn issuer(&self) -> StorageResult<Option<IssuerIn>> {
        self.db
            .read(|tx| Box::pin(async move { load_issuer(tx).await }))
            .await
    }

    async fn set_issuer(&self, issuer: &IssuerIn, now: DateTime<Utc>) -> StorageResult<()> {
        let json = sql::json(issuer)?;
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "INSERT INTO invoicing_issuer (id, details, updated_at) VALUES (1, ?1, ?2)
                         ON CONFLICT (id) DO UPDATE SET details = excluded.details, updated_at = excluded.updated_at",
                        p![&json, sql::micros(now)],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn franchisees_under_contract(&self, period: &str) -> StorageResult<Vec<FranchiseeId>> {
        let period = period.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT DISTINCT franchisee_id FROM contract_versions WHERE effective_from <= ?1
                         ORDER BY franchisee_id",
                        p![&period],
                        |r| Ok(FranchiseeId(r.get(0)?)),
                    )
                    .await
                })
            })
            .await
    }

    async fn issue_period_invoice(
        &self,
        franchisee: FranchiseeId,
        period: &str,
        now: DateTime<Utc>,
        compose: PeriodComposer,
    ) -> StorageResult<IssueOutcome> {
        let period = period.to_string();
        self.db
            .write(move |tx| {
                Box::pin(
                    async move { issue_period_tx(tx, franchisee.0, period, now, compose).await },
                )
            })
            .await
    }

    async fn issue_credit_note(
        &self,
        original: i64,
        now: DateTime<Utc>,
        compose: CreditComposer,
    ) -> StorageResult<InvoiceRecord> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(locks::INVOICING).await?;
                    let original = load_invoice(tx, original).await?;
                    if original.kind != InvoiceKind::Invoice {
                        return Err(StorageError::Invalid(
                            Problem::new("credit_note_of_credit_note")
                                .with("number", &original.full_number),
                        ));
                    }
                    let issuer = load_issuer(tx).await?.ok_or_else(|| {
                        StorageError::Invalid(Problem::new("invoicing_issuer_missing"))
                    })?;
                    let year = sql::business_day(now).year();
                    let series = format!("RQ-{year}");
                    let number = next_number(tx, &series).await?;
                    let previous_record = last_record(tx, &issuer.nif).await?;
                    let lines = serde_json::from_str::<trastienda_einvoice::InvoiceDraft>(
                        &original.draft,
                    )
                    .map_err(bad)?
                    .lines
                    .len();
                    let mut credited = vec![Money::ZERO; lines];
                    for r in tx
                        .query(
                            "SELECT line_no, CAST(SUM(net_cents) AS BIGINT) FROM invoice_credited_lines
                             WHERE invoice_id = ?1 GROUP BY line_no",
                            p![original.id],
                        )
                        .await?
                    {
                        let n: i64 = r.get(0)?;
                        if let Some(c) = usize::try_from(n - 1).ok().and_then(|i| credited.get_mut(i)) {
                            *c = Money::from_cents(r.get(1)?);
                        }
                    }
                    // A credit note issued before credited lines were recorded took the whole invoice.
                    if tx
                        .exists(
                            "SELECT 1 FROM invoices c WHERE c.corrects_invoice_id = ?1 AND NOT EXISTS
                               (SELECT 1 FROM invoice_credited_lines l WHERE l.credit_note_id = c.id)",
                            p![original.id],
                        )
                        .await?
                    {
                        return Err(StorageError::Conflict(
                            Problem::new("credit_note_nothing_left")
                                .with("number", &original.full_number),
                        ));
                    }
                    let recipient: String = tx
                        .scalar_opt(
                            "SELECT recipient FROM invoice_sends WHERE invoice_id = ?1",
                            p![original.id],
                        )
                        .await?
                        .unwrap_or_default();
                    let facts = CreditFacts {
                        original: original.clone(),
                        credited,
                        issuer,
                        series: series.clone(),
                        number,
                        previous_record,
                        now,
                    };
                    let composed = compose(&facts).map_err(StorageError::Invalid)?;
                    let rec = store_composed(
                        tx,
                        InvoiceKind::CreditNote,
                        &series,
                        number,
                        original.franchisee_id.0,
                        None,
                        original.contract_version_id,
                        Some(original.id),
                        &recipient,
                        &composed,
                        now,
                    )
                    .await?;
                    for (line, net) in &composed.credited_lines {
                        tx.execute(
                            "INSERT INTO invoice_credited_lines (credit_note_id, invoice_id, line_no, net_cents)
                             VALUES (?1, ?2, ?3, ?4)",
                            p![rec.id, original.id, i64::from(*line), net.cents()],
                        )
                        .await?;
                    }
                    Ok(rec)
                })
            })
            .await
    }

    async fn list_invoices(
        &self,
        franchisee: Option<FranchiseeId>,
    ) -> StorageResult<Vec<InvoiceRecord>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {INVOICE_COLUMNS} FROM invoices
                             WHERE (CAST(?1 AS BIGINT) IS NULL OR franchisee_id = ?1) ORDER BY id DESC"
                        ),
                        p![franchisee.map(|f| f.0)],
                        invoice_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn get_invoice(&self, id: i64) -> StorageResult<InvoiceRecord> {
        self.db
            .read(move |tx| Box::pin(async move { load_invoice(tx, id).await }))
            .await
    }

    async fn credit_notes_of(&self, id: i64) -> StorageResult<Vec<InvoiceRecord>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE corrects_invoice_id = ?1 ORDER BY id"
                        ),
                        p![id],
                        invoice_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn invoice_document(&self, id: i64, format: &str) -> StorageResult<(Vec<u8>, String)> {
        let format = format.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let r = tx
                        .query_opt(
                            "SELECT content, sha256 FROM invoice_documents WHERE invoice_id = ?1 AND format = ?2",
                            p![id, &format],
                        )
                        .await?
                        .ok_or_else(|| {
                            StorageError::NotFound(Problem::new("invoice_not_found").with("id", id))
                        })?;
                    Ok((r.get(0)?, r.get(1)?))
                })
            })
            .await
    }

    async fn counted_days(&self, id: i64) -> StorageResult<Vec<CountedDay>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let inv = load_invoice(tx, id).await?;
                    let Some(period) = inv.period else {
                        return Ok(Vec::new());
                    };
                    tx.query_map(
                        "SELECT sale_period, store_id, business_day, COUNT(*), CAST(SUM(net_cents) AS BIGINT) FROM invoice_sales
                         WHERE franchisee_id = ?1 AND invoiced_period = ?2
                         GROUP BY sale_period, store_id, business_day ORDER BY sale_period, store_id, business_day",
                        p![inv.franchisee_id.0, &period],
                        |r| {
                            let day: String = r.get(2)?;
                            Ok(CountedDay {
                                sale_period: r.get(0)?,
                                store_id: StoreId(r.get(1)?),
                                day: sql::parse_day(&day)?,
                                tickets: sql::to_u64(r.get(3)?),
                                net: Money::from_cents(r.get(4)?),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn counted_tickets(
        &self,
        id: i64,
        store: StoreId,
        day: NaiveDate,
    ) -> StorageResult<Vec<CountedTicket>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let inv = load_invoice(tx, id).await?;
                    let Some(period) = inv.period else {
                        return Ok(Vec::new());
                    };
                    tx.query_map(
                        "SELECT x.document_id, s.number, s.kind, x.net_cents, s.total_cents
                         FROM invoice_sales x JOIN sales s ON s.document_id = x.document_id
                         WHERE x.franchisee_id = ?1 AND x.invoiced_period = ?2 AND x.store_id = ?3
                           AND x.business_day = ?4 ORDER BY s.number",
                        p![inv.franchisee_id.0, &period, store.0, &sql::day_text(day)],
                        |r| {
                            let kind: String = r.get(2)?;
                            let total = Money::from_cents(r.get(4)?);
                            Ok(CountedTicket {
                                document_id: r.get(0)?,
                                number: r.get(1)?,
                                net: Money::from_cents(r.get(3)?),
                                total: if kind == "refund" { -total } else { total },
                                kind,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn invoice_record(&self, id: i64) -> StorageResult<String> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.scalar_opt(
                        "SELECT json FROM hq_verifactu_records WHERE invoice_id = ?1",
                        p![id],
                    )
                    .await?
                    .ok_or_else(|| {
                        StorageError::NotFound(Problem::new("invoice_not_found").with("id", id))
                    })
                })
            })
            .await
    }

    async fn send_state(&self, id: i64) -> StorageResult<Option<SendState>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    match tx
                        .query_opt(&format!("{SEND_SELECT} WHERE invoice_id = ?1"), p![id])
                        .await?
                    {
                        Some(r) => Ok(Some(send_of(&r)?)),
                        None => Ok(None),
                    }
                })
            })
            .await
    }

    async fn unsent_invoices(&self, limit: u32) -> StorageResult<Vec<SendState>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "{SEND_SELECT} WHERE sent_at IS NULL ORDER BY invoice_id LIMIT {}",
                            limit.max(1)
                        ),
                        p![],
                        send_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn invoices_issued_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StorageResult<Vec<InvoiceRecord>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE issue_date >= ?1 AND issue_date <= ?2
                             ORDER BY issue_date, id"
                        ),
                        p![&sql::day_text(from), &sql::day_text(to)],
                        invoice_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn credited_lines(&self, id: i64) -> StorageResult<Vec<(u32, Money)>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT line_no, net_cents FROM invoice_credited_lines WHERE invoice_id = ?1
                         ORDER BY credit_note_id, line_no",
                        p![id],
                        |r| {
                            let n: i64 = r.get(0)?;
                            Ok((u32::try_from(n).unwrap_or(0), Money::from_cents(r.get(1)?)))
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn invoiced_deliveries(&self, id: i64) -> StorageResult<Vec<(i64, String, Money)>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT d.note_id, COALESCE(n.number, ''), d.net_cents FROM invoice_deliveries d
                         JOIN delivery_notes n ON n.id = d.note_id WHERE d.invoice_id = ?1 ORDER BY d.note_id",
                        p![id],
                        |r| Ok((r.get(0)?, r.get(1)?, Money::from_cents(r.get(2)?))),
                    )
                    .await
                })
            })
            .await
    }

    async fn start_run(&self, period: &str, by: &str, now: DateTime<Utc>) -> StorageResult<i64> {
        let (period, by) = (period.to_string(), by.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.insert_returning_id(
                        "INSERT INTO invoicing_runs (period, started_by, started_at, heartbeat_at) VALUES (?1, ?2, ?3, ?3) RETURNING id",
                        p![&period, &by, sql::micros(now)],
                    )
                    .await
                })
            })
            .await
    }

    async fn run_progress(&self, id: i64, done: u64, total: u64) -> StorageResult<()> {
        let done = sql::to_i64(done, "done")?;
        let total = sql::to_i64(total, "total")?;
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE invoicing_runs SET done = ?2, total = ?3 WHERE id = ?1",
                        p![id, done, total],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn finish_run(
        &self,
        id: i64,
        counts: (u64, u64, u64),
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        let error = error.map(str::to_string);
        let (i, a, f) = (
            sql::to_i64(counts.0, "issued")?,
            sql::to_i64(counts.1, "already")?,
            sql::to_i64(counts.2, "failed")?,
        );
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE invoicing_runs SET finished_at = ?2, issued = ?3, already = ?4, failed = ?5,
                           error = ?6, interrupted_at = NULL WHERE id = ?1",
                        p![id, sql::micros(now), i, a, f, error.as_deref()],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn get_run(&self, id: i64) -> StorageResult<RunProgress> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let r = tx
                        .query_opt(
                            "SELECT id, period, started_by, started_at, total, done, finished_at, issued,
                               already, failed, error, heartbeat_at, interrupted_at FROM invoicing_runs WHERE id = ?1",
                            p![id],
                        )
                        .await?
                        .ok_or_else(|| {
                            StorageError::NotFound(Problem::new("invoicing_run_not_found").with("id", id))
                        })?;
                    Ok(RunProgress {
                        id: r.get(0)?,
                        period: r.get(1)?,
                        started_by: r.get(2)?,
                        started_at: sql::from_micros(r.get(3)?),
                        total: sql::to_u64(r.get(4)?),
                        done: sql::to_u64(r.get(5)?),
                        finished_at: sql::opt_from_micros(r.get(6)?),
                        issued: sql::to_u64(r.get(7)?),
                        already: sql::to_u64(r.get(8)?),
                        failed: sql::to_u64(r.get(9)?),
                        error: r.get(10)?,
                        heartbeat_at: sql::opt_from_micros(r.get(11)?),
                        interrupted_at: sql::opt_from_micros(r.get(12)?),
                    })
                })
            })
            .await
    }

    async fn run_heartbeat(&self, id: i64, now: DateTime<Utc>) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE invoicing_runs SET heartbeat_at = ?2 WHERE id = ?1 AND finished_at IS NULL",
                        p![id, sql::micros(now)],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn interrupt_stale_runs(
        &self,
        stale_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StorageResult<u64> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE invoicing_runs SET finished_at = ?2, interrupted_at = ?2,
                           error = 'interrupted: the server stopped during the run'
                         WHERE finished_at IS NULL AND COALESCE(heartbeat_at, started_at) < ?1",
                        p![sql::micros(stale_before), sql::micros(now)],
                    )
                    .await
                })
            })
            .await
    }

    async fn record_send(
        &self,
        id: i64,
        result: Result<(), String>,
        now: DateTime<Utc>,
    ) -> StorageResult<SendState> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let now_us = sql::micros(now);
                    let (sent, err) = match &result {
                        Ok(()) => (Some(now_us), None),
                        Err(e) => (None, Some(e.as_str())),
                    };
                    let n = tx
                        .execute(
                            "UPDATE invoice_sends SET attempts = attempts + 1, last_attempt = ?2,
                               sent_at = COALESCE(sent_at, ?3), last_error = ?4 WHERE invoice_id = ?1",
                            p![id, now_us, sent, err],
                        )
                        .await?;
                    if n == 0 {
                        return Err(StorageError::NotFound(
                            Problem::new("invoice_not_found").with("id", id),
                        ));
                    }
                    let r = tx
                        .query_one(&format!("{SEND_SELECT} WHERE invoice_id = ?1"), p![id])
                        .await?;
                    send_of(&r)
                })
            })
            .await
    }
}

const SEND_SELECT: &str =
    "SELECT invoice_id, recipient, attempts, sent_at, last_error, last_attempt FROM invoice_sends";

fn send_of(r: &Row) -> StorageResult<SendState> {
    Ok(SendState {
        invoice_id: r.get(0)?,
        recipient: r.get(1)?,
        attempts: sql::to_u64(r.get(2)?),
        sent_at: sql::opt_from_micros(r.get(3)?),
        last_error: r.get(4)?,
        last_attempt: sql::opt_from_micros(r.get(5)?),
    })
}
