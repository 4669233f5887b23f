//! VERI*FACTU records in the ledger: made inside the transaction that stores the sale, refund or
//! full invoice they record, chained per taxpayer on this installation, never touched again.
//!
//! Before each new record the last one is checked (Orden art. 7.i): its huella still matches its
//! content, it links to the record before it, and it is not stamped more than a minute after the
//! new one. Records never wait on the network; they leave with their document in the next push.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sync_protocol::verifactu::{
    AltaData, DEFAULT_TIME_ZONE, Destinatario, IdFactura, RegistroAlta, RegistroFacturacion,
    Timestamp, TipoFactura, TipoRectificativa, desglose_iva, fecha, preflight,
};
use sync_protocol::{Document, DocumentBody, DocumentId, TicketTotals};

use super::{Ledger, LedgerError, Result, TillIdentity};
use crate::fiscal;

/// `DescripcionOperacion` of a ticket and of a full invoice.
const DESCRIPTION_SALE: &str = "Venta al por menor";
/// `DescripcionOperacion` of a refund.
const DESCRIPTION_REFUND: &str = "Devolución de mercancía";

/// The local (store) day of a UTC moment: an invoice's issue date.
fn local_date(t: DateTime<Utc>) -> NaiveDate {
    Timestamp::in_zone(t, DEFAULT_TIME_ZONE).date()
}

fn parse_record(doc_seq: i64, json: &str) -> Result<RegistroFacturacion> {
    serde_json::from_str(json).map_err(|e| {
        LedgerError::Fiscal(format!(
            "the VERI*FACTU record of document {doc_seq} cannot be read: {e}"
        ))
    })
}

/// The franchisee the till issues for, as HQ last sent it with the store.
struct Taxpayer {
    name: String,
    nif: String,
}

fn taxpayer(tx: &Connection) -> Result<Taxpayer> {
    tx.query_row(
        "SELECT franchisee_legal_name, franchisee_nif FROM store_info WHERE id = 1",
        [],
        |r| {
            Ok(Taxpayer {
                name: r.get(0)?,
                nif: r.get(1)?,
            })
        },
    )
    .optional()?
    .ok_or(LedgerError::NoTaxpayer)
}

/// The invoice id of the record stored for document `seq`, if that document has one.
fn record_id_of_doc(tx: &Connection, seq: i64) -> Result<Option<IdFactura>> {
    let json: Option<String> = tx
        .query_row(
            "SELECT json FROM verifactu_records WHERE doc_seq = ?1",
            [seq],
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| parse_record(seq, &j).map(|r| r.id_factura().clone()))
        .transpose()
}

/// The sale document `id` as stored: its sequence, ticket number and till time.
fn sale_of(tx: &Connection, id: DocumentId) -> Result<(i64, Document)> {
    let (seq, json): (i64, String) = tx
        .query_row(
            "SELECT seq, json FROM documents WHERE id = ?1 AND kind = 'sale'",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| LedgerError::Invalid(format!("sale {id} is not in this ledger")))?;
    Ok((seq, super::parse_doc(seq, &json)?))
}

/// The ticket's invoice id: from its record, or (a sale rung before VERI*FACTU records existed)
/// from its number and local day, which is what its record would have said.
fn ticket_id(tx: &Connection, nif: &str, seq: i64, sale: &Document) -> Result<IdFactura> {
    if let Some(id) = record_id_of_doc(tx, seq)? {
        return Ok(id);
    }
    let DocumentBody::Sale(s) = &sale.body else {
        return Err(LedgerError::Invalid(format!(
            "document {seq} is not a sale"
        )));
    };
    Ok(IdFactura::new(
        nif,
        &s.ticket_number,
        local_date(sale.till_time),
    )?)
}

/// A full invoice issued for sale `sale_seq`: its number, issue date, customer, and document.
struct IssuedInvoice {
    number: String,
    created: DateTime<Utc>,
    customer_name: String,
    customer_nif: String,
    doc_seq: Option<i64>,
}

fn invoice_for_sale(tx: &Connection, sale_seq: i64) -> Result<Option<IssuedInvoice>> {
    let row: Option<(String, String, String, String, Option<i64>)> = tx
        .query_row(
            "SELECT number, created, customer_name, customer_nif, doc_seq FROM full_invoices WHERE sale_seq = ?1",
            [sale_seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(number, created, customer_name, customer_nif, doc_seq)| {
        let created = DateTime::parse_from_rfc3339(&created)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| LedgerError::Invalid(format!("bad stored time '{created}': {e}")))?;
        Ok(IssuedInvoice {
            number,
            created,
            customer_name,
            customer_nif,
            doc_seq,
        })
    })
    .transpose()
}

fn alta(
    id: IdFactura,
    emisor: &str,
    tipo: TipoFactura,
    totals: &TicketTotals,
    negative: bool,
    description: &str,
) -> AltaData {
    let sign = |m: sync_protocol::Money| if negative { -m } else { m };
    AltaData {
        id_factura: id,
        nombre_razon_emisor: emisor.to_string(),
        tipo_factura: tipo,
        tipo_rectificativa: None,
        facturas_rectificadas: Vec::new(),
        facturas_sustituidas: Vec::new(),
        importe_rectificacion: None,
        fecha_operacion: None,
        descripcion_operacion: description.to_string(),
        destinatarios: Vec::new(),
        desglose: desglose_iva(&totals.taxes, negative),
        cuota_total: sign(totals.tax),
        importe_total: sign(totals.total),
    }
}

/// What the record of `doc` says, before chaining: a ticket is an F2; a full invoice for a ticket
/// an F3 replacing it; a refund an R5 by differences (negative amounts) rectifying the ticket, or
/// an R1 rectifying the full invoice when the ticket had one (a return of goods, LIVA art. 80.2).
fn alta_data(tx: &Connection, doc: &Document, taxpayer: &Taxpayer) -> Result<Option<AltaData>> {
    let nif = taxpayer.nif.as_str();
    let emisor = taxpayer.name.as_str();
    let date = local_date(doc.till_time);
    Ok(Some(match &doc.body {
        DocumentBody::Sale(s) => alta(
            IdFactura::new(nif, &s.ticket_number, date)?,
            emisor,
            TipoFactura::F2,
            &s.totals,
            false,
            DESCRIPTION_SALE,
        ),
        DocumentBody::FullInvoice(i) => {
            let (sale_seq, sale) = sale_of(tx, i.sale_id)?;
            let ticket = ticket_id(tx, nif, sale_seq, &sale)?;
            let mut d = alta(
                IdFactura::new(nif, &i.invoice_number, date)?,
                emisor,
                TipoFactura::F3,
                &i.totals,
                false,
                DESCRIPTION_SALE,
            );
            d.fecha_operacion = (ticket.fecha_expedicion_factura != date)
                .then_some(ticket.fecha_expedicion_factura);
            d.facturas_sustituidas = vec![ticket];
            d.destinatarios = vec![Destinatario::new(&i.customer_name, &i.customer_nif)?];
            d
        }
        DocumentBody::Refund(r) => {
            let (sale_seq, sale) = sale_of(tx, r.original_sale_id)?;
            let mut d = match invoice_for_sale(tx, sale_seq)? {
                Some(inv) => {
                    let invoice = match inv.doc_seq {
                        Some(s) => record_id_of_doc(tx, s)?,
                        None => None,
                    };
                    let invoice = match invoice {
                        Some(id) => id,
                        None => IdFactura::new(nif, &inv.number, local_date(inv.created))?,
                    };
                    let mut d = alta(
                        IdFactura::new(nif, &r.refund_number, date)?,
                        emisor,
                        TipoFactura::R1,
                        &r.totals,
                        true,
                        DESCRIPTION_REFUND,
                    );
                    d.facturas_rectificadas = vec![invoice];
                    d.destinatarios =
                        vec![Destinatario::new(&inv.customer_name, &inv.customer_nif)?];
                    d
                }
                None => {
                    let mut d = alta(
                        IdFactura::new(nif, &r.refund_number, date)?,
                        emisor,
                        TipoFactura::R5,
                        &r.totals,
                        true,
                        DESCRIPTION_REFUND,
                    );
                    d.facturas_rectificadas = vec![ticket_id(tx, nif, sale_seq, &sale)?];
                    d
                }
            };
            d.tipo_rectificativa = Some(TipoRectificativa::I);
            d
        }
        _ => return Ok(None),
    }))
}

/// The last record of `nif`'s chain on this till, checked as Orden art. 7.i asks: its huella
/// matches its content and it names the record before it.
fn last_record(tx: &Connection, nif: &str) -> Result<Option<RegistroFacturacion>> {
    // Newest rows first by rowid, without an index: the last two records of the till's current
    // NIF are the last two rows (a NIF change reads back once to find that the new NIF has none).
    let mut stmt = tx.prepare_cached(
        "SELECT doc_seq, json, huella FROM verifactu_records NOT INDEXED WHERE emisor_nif = ?1
         ORDER BY doc_seq DESC LIMIT 2",
    )?;
    let rows: Vec<(i64, String, String)> = stmt
        .query_map([nif], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let Some((seq, json, huella)) = rows.first() else {
        return Ok(None);
    };
    let last = parse_record(*seq, json)?;
    if last.huella() != huella || !last.huella_is_valid() {
        return Err(LedgerError::Fiscal(format!(
            "the last VERI*FACTU record (document {seq}) no longer matches its huella; the ledger was altered"
        )));
    }
    let before = rows.get(1).map(|(_, _, h)| h.as_str()).unwrap_or("");
    if last.encadenamiento().huella_anterior() != before {
        return Err(LedgerError::Fiscal(format!(
            "the last VERI*FACTU record (document {seq}) is not chained to the record before it"
        )));
    }
    Ok(Some(last))
}

/// Makes the record of `doc` (none for documents that are not invoices), chained after the last
/// record of the same taxpayer and checked against the AEAT's rules. Runs inside the document's
/// transaction: any error rolls the document back with it.
pub(super) fn make_record(
    tx: &Transaction<'_>,
    ident: &TillIdentity,
    doc: &Document,
) -> Result<Option<RegistroFacturacion>> {
    if !matches!(
        doc.body,
        DocumentBody::Sale(_) | DocumentBody::Refund(_) | DocumentBody::FullInvoice(_)
    ) {
        return Ok(None);
    }
    let taxpayer = taxpayer(tx)?;
    let Some(data) = alta_data(tx, doc, &taxpayer)? else {
        return Ok(None);
    };
    let previous = last_record(tx, &data.id_factura.id_emisor_factura)?;
    let record = RegistroFacturacion::Alta(RegistroAlta::generate(
        data,
        previous.as_ref().map(RegistroFacturacion::link),
        fiscal::sistema_informatico(ident.store_id, ident.till_id),
        Timestamp::in_zone(doc.till_time, DEFAULT_TIME_ZONE),
    )?);
    if let RegistroFacturacion::Alta(a) = &record {
        let problems = preflight(a);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(LedgerError::Preflight(list.join("; ")));
        }
    }
    if let Some(p) = &previous {
        record.check_clock(p)?;
    }
    Ok(Some(record))
}

/// Stores `record` as the record of document `doc_seq` (after the document itself).
pub(super) fn insert(
    tx: &Transaction<'_>,
    doc_seq: i64,
    record: &RegistroFacturacion,
) -> Result<()> {
    let json = serde_json::to_string(record)
        .map_err(|e| LedgerError::Invalid(format!("cannot serialise the record: {e}")))?;
    let id = record.id_factura();
    let prev = match record.encadenamiento().huella_anterior() {
        "" => None,
        h => Some(h),
    };
    tx.prepare_cached(
        "INSERT INTO verifactu_records (doc_seq, kind, tipo_factura, emisor_nif, num_serie, fecha_expedicion,
                                        huella, prev_huella, generated_at, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        doc_seq,
        record.kind(),
        record.tipo_factura().map(|t| t.code()),
        id.id_emisor_factura,
        id.num_serie_factura,
        fecha(id.fecha_expedicion_factura),
        record.huella(),
        prev,
        record.generated_at().to_string(),
        json
    ])?;
    Ok(())
}

/// Attaches its record to a document read back from the ledger.
pub(super) fn attach(conn: &Connection, doc: &mut Document) -> Result<()> {
    let json: Option<String> = conn
        .prepare_cached("SELECT json FROM verifactu_records WHERE doc_seq = ?1")?
        .query_row([doc.seq as i64], |r| r.get(0))
        .optional()?;
    if let Some(j) = json {
        doc.verifactu = Some(Box::new(parse_record(doc.seq as i64, &j)?));
    }
    Ok(())
}

impl Ledger {
    /// The VERI*FACTU record of document `doc_seq`, if it has one.
    pub fn verifactu_record(&self, doc_seq: u64) -> Result<Option<RegistroFacturacion>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM verifactu_records WHERE doc_seq = ?1",
                [doc_seq as i64],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| parse_record(doc_seq as i64, &j)).transpose()
    }

    /// Every record with its document's sequence, in the order they were made.
    pub fn verifactu_records(&self) -> Result<Vec<(u64, RegistroFacturacion)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT doc_seq, json FROM verifactu_records ORDER BY doc_seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, json) = row?;
            out.push((seq as u64, parse_record(seq, &json)?));
        }
        Ok(out)
    }

    /// Re-verifies every taxpayer's chain of records (huella and link, in the order they were
    /// made) and that every sale, refund and full invoice recorded since this till made records
    /// has exactly one. Returns the number of records.
    pub fn verify_verifactu(&self) -> Result<u64> {
        let mut last: std::collections::HashMap<String, RegistroFacturacion> =
            std::collections::HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT doc_seq, json, emisor_nif, huella FROM verifactu_records ORDER BY doc_seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let record = parse_record(seq, &row.get::<_, String>(1)?)?;
            let nif: String = row.get(2)?;
            let huella: String = row.get(3)?;
            if record.id_factura().id_emisor_factura != nif || record.huella() != huella {
                return Err(LedgerError::Fiscal(format!(
                    "the record of document {seq}: its columns disagree with the record"
                )));
            }
            record.check_follows(last.get(&nif))?;
            last.insert(nif, record);
            count += 1;
        }
        let since: i64 = self
            .conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM till_settings WHERE key = 'verifactu_from_seq'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(1);
        let unrecorded: Vec<i64> = self
            .conn
            .prepare(
                "SELECT d.seq FROM documents d LEFT JOIN verifactu_records v ON v.doc_seq = d.seq
                 WHERE d.kind IN ('sale', 'refund', 'full_invoice') AND d.seq >= ?1 AND v.doc_seq IS NULL
                 ORDER BY d.seq LIMIT 10",
            )?
            .query_map([since], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !unrecorded.is_empty() {
            return Err(LedgerError::Fiscal(format!(
                "documents without their VERI*FACTU record: {unrecorded:?}"
            )));
        }
        Ok(count)
    }
}
