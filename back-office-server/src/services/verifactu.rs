//! VERI*FACTU at HQ: which of a taxpayer's records go in which `RegFactuSistemaFacturacion`, when
//! a record goes late (`Incidencia=S`), sending them to the AEAT and reading what it answers, and
//! the alerts about records that do not get through. The CLI export, the sender job and the
//! dashboard all call these; the record model, hash and XML are `sync_protocol::verifactu`'s.

use super::aeat::{self, AeatConfig, Answer, Delivery, EstadoRegistro, Respuesta};
use super::certificates::{self, SecretKey};
use crate::problem::Problem;
use crate::storage::verifactu::{
    EnvelopeIn, HQ_CERTIFICATE_OWNER, HQ_TAXPAYER, HqRecordQuery, HqStoredRecord, PendingRecord,
    PendingTaxpayer, RecordAnswer, RecordQuery, RecordState, SendingState, StoredCertificate,
    StoredRecord, Submission, TaxpayerClock,
};
use crate::storage::{Franchisee, Storage, StorageError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::HashMap;
use sync_protocol::FranchiseeId;
use sync_protocol::verifactu::{
    self as vf, Envio, MAX_RECORDS_PER_ENVELOPE, ObligadoEmision, RegistroFacturacion, Remision,
};

/// A record sent more than this after it was made goes with `Incidencia=S` (Orden art. 16: the
/// remission was held up, e.g. a till offline, or the AEAT unreachable for a while).
pub const INCIDENCIA_AFTER: Duration = Duration::hours(1);
/// `TiempoEsperaEnvio` when the AEAT names none, and the least the sender waits between sends.
pub const DEFAULT_WAIT_SECONDS: i64 = 60;
/// First retry after a failure; doubled each time up to [`MAX_RETRY_SECONDS`].
pub const FIRST_RETRY_SECONDS: i64 = 60;
/// A failing taxpayer is tried again at least this often (Orden art. 16: at least hourly).
pub const MAX_RETRY_SECONDS: i64 = 3600;
/// Records received this long ago and still unsent raise an alert.
pub const UNSENT_ALERT_AFTER: Duration = Duration::hours(24);

/// How long an instance keeps the right to send for a taxpayer: longer than
/// [`MAX_ENVELOPES_PER_CLAIM`] sends can take (each at most the client's 2-minute timeout).
pub const SEND_LEASE: Duration = Duration::minutes(10);
/// Full envelopes sent back to back for one taxpayer in one run; the next run goes on.
pub const MAX_ENVELOPES_PER_CLAIM: u32 = 3;

/// Alert kinds the sender raises.
pub const ALERT_REJECTED: &str = "verifactu_rejected";
pub const ALERT_UNSENT: &str = "verifactu_unsent";
pub const ALERT_CERTIFICATE: &str = "verifactu_certificate";

/// Whether `record` sent at `now` goes late.
pub fn is_late(record: &RegistroFacturacion, now: DateTime<Utc>) -> bool {
    now.signed_duration_since(record.generated_at().as_datetime()) > INCIDENCIA_AFTER
}

/// One envelope's worth: whether it goes with `Incidencia=S`, and which records (indices into
/// the list given to [`batches`]), at most 1,000.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub incidencia: bool,
    pub items: Vec<usize>,
}

/// Splits records (in sending order) into envelopes: a new one when the lateness changes (the
/// `Incidencia` mark is the envelope's) or when one is full.
pub fn batches(late: &[bool]) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for (i, &l) in late.iter().enumerate() {
        match out.last_mut() {
            Some(b) if b.incidencia == l && b.items.len() < MAX_RECORDS_PER_ENVELOPE => {
                b.items.push(i)
            }
            _ => out.push(Batch {
                incidencia: l,
                items: vec![i],
            }),
        }
    }
    out
}

/// The taxpayer of an envelope: the franchisee's legal name and the NIF its records carry.
pub fn obligado(f: &Franchisee, nif: &str) -> ObligadoEmision {
    ObligadoEmision {
        nombre_razon: f.legal_name.clone(),
        nif: nif.to_string(),
    }
}

fn xml_problem(e: vf::VerifactuError) -> StorageError {
    StorageError::Invalid(Problem::new("verifactu_envelope").with("detail", e))
}

/// A franchisee's records issued from `from` to `to`, as the envelopes that carry them: records
/// the AEAT answered for with the `Incidencia` and subsanación marks they went with, the others
/// as the sender would send them at `now`. One string per envelope (≤ 1,000 records each).
pub async fn export(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StorageError> {
    let f = storage.get_franchisee(franchisee).await?;
    let representante = representative(storage, franchisee).await?;
    let mut records: Vec<StoredRecord> = Vec::new();
    let mut after = 0;
    loop {
        let page = storage
            .verifactu()
            .verifactu_records(RecordQuery {
                franchisee,
                from,
                to,
                after_id: after,
                limit: 10_000,
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        records.extend(page);
    }
    // One taxpayer per envelope: a franchisee's records normally all carry its NIF.
    let mut by_nif: Vec<(String, Vec<&StoredRecord>)> = Vec::new();
    for r in &records {
        let nif = &r.record.id_factura().id_emisor_factura;
        match by_nif.iter_mut().find(|(n, _)| n == nif) {
            Some((_, v)) => v.push(r),
            None => by_nif.push((nif.clone(), vec![r])),
        }
    }
    let mut out = Vec::new();
    for (nif, rs) in by_nif {
        let items: Vec<_> = rs.iter().map(|r| (&r.record, r.sending.as_ref())).collect();
        out.extend(envelopes(
            &obligado(&f, &nif),
            representante.as_ref().map(|(o, _)| o),
            &items,
            now,
        )?);
    }
    Ok(out)
}

/// HQ's own records (its franchise invoices and credit notes) issued from `from` to `to`, as the
/// envelopes that carry them: HQ is the taxpayer (`ObligadoEmision` is HQ's billing name, or the
/// name the records carry), with no `Representante`. Marks as in [`export`].
pub async fn export_hq(
    storage: &dyn Storage,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StorageError> {
    let mut records: Vec<HqStoredRecord> = Vec::new();
    let mut after = 0;
    loop {
        let page = storage
            .verifactu()
            .hq_verifactu_records(HqRecordQuery {
                from,
                to,
                after_id: after,
                limit: 10_000,
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        records.extend(page);
    }
    let issuer = storage.invoicing().issuer().await?;
    let mut by_nif: Vec<(String, Vec<&HqStoredRecord>)> = Vec::new();
    for r in &records {
        let nif = &r.record.id_factura().id_emisor_factura;
        match by_nif.iter_mut().find(|(n, _)| n == nif) {
            Some((_, v)) => v.push(r),
            None => by_nif.push((nif.clone(), vec![r])),
        }
    }
    let mut out = Vec::new();
    for (nif, rs) in by_nif {
        let ob = hq_obligado(issuer.as_ref(), &nif, &rs[0].record);
        let items: Vec<_> = rs.iter().map(|r| (&r.record, r.sending.as_ref())).collect();
        out.extend(envelopes(&ob, None, &items, now)?);
    }
    Ok(out)
}

/// One taxpayer's records (in sending order, each with the AEAT's answer if any) as envelopes:
/// records already answered keep the `Incidencia` and subsanación marks they went with, the
/// others are marked as the sender would send them at `now`.
fn envelopes(
    ob: &ObligadoEmision,
    representante: Option<&ObligadoEmision>,
    items: &[(&RegistroFacturacion, Option<&SendingState>)],
    now: DateTime<Utc>,
) -> Result<Vec<String>, StorageError> {
    let late: Vec<bool> = items
        .iter()
        .map(|(record, sending)| match sending {
            Some(s) if s.state != RecordState::Subsanar => s.incidencia,
            _ => is_late(record, now),
        })
        .collect();
    let mut out = Vec::new();
    for b in batches(&late) {
        let entries: Vec<Remision<'_>> = b
            .items
            .iter()
            .map(|&i| Remision {
                record: items[i].0,
                subsanacion: items[i]
                    .1
                    .is_some_and(|s| s.subsanacion || s.state == RecordState::Subsanar),
            })
            .collect();
        out.push(
            Envio {
                obligado: ob,
                representante,
                incidencia: b.incidencia,
                records: &entries,
            }
            .xml()
            .map_err(xml_problem)?,
        );
    }
    Ok(out)
}

/// The certificate that sends for `franchisee`: its own, else HQ's as representative (then
/// with HQ as `Representante`). `None` when neither exists.
pub async fn sending_certificate(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
) -> Result<Option<(StoredCertificate, Option<ObligadoEmision>)>, StorageError> {
    if let Some(c) = storage.verifactu().certificate(franchisee.0).await? {
        return Ok(Some((c, None)));
    }
    Ok(storage
        .verifactu()
        .certificate(HQ_CERTIFICATE_OWNER)
        .await?
        .map(|c| {
            let rep = ObligadoEmision {
                nombre_razon: c.holder_name.clone(),
                nif: c.holder_nif.clone(),
            };
            (c, Some(rep))
        }))
}

/// The certificate that sends for taxpayer `t`: HQ's own for HQ's records (HQ is the obligated
/// taxpayer then: no `Representante`), else [`sending_certificate`].
async fn taxpayer_certificate(
    storage: &dyn Storage,
    t: &PendingTaxpayer,
) -> Result<Option<(StoredCertificate, Option<ObligadoEmision>)>, StorageError> {
    if t.franchisee_id == HQ_TAXPAYER {
        return Ok(storage
            .verifactu()
            .certificate(HQ_CERTIFICATE_OWNER)
            .await?
            .map(|c| (c, None)));
    }
    sending_certificate(storage, t.franchisee_id).await
}

/// The `ObligadoEmision` of taxpayer `t` whose first waiting record is `first`: a franchisee's
/// legal name, or for HQ's own records HQ's billing name (the issuer's details on Facturación),
/// else the name the record itself carries.
async fn taxpayer(
    storage: &dyn Storage,
    t: &PendingTaxpayer,
    first: &RegistroFacturacion,
) -> Result<ObligadoEmision, StorageError> {
    if t.franchisee_id != HQ_TAXPAYER {
        return Ok(obligado(
            &storage.get_franchisee(t.franchisee_id).await?,
            &t.nif,
        ));
    }
    let issuer = storage.invoicing().issuer().await?;
    Ok(hq_obligado(issuer.as_ref(), &t.nif, first))
}

/// HQ as the taxpayer of its own records under `nif`: its billing name (the issuer's details on
/// Facturación) while that NIF is still HQ's, else the name the first record carries.
fn hq_obligado(
    issuer: Option<&crate::storage::invoicing::IssuerIn>,
    nif: &str,
    first: &RegistroFacturacion,
) -> ObligadoEmision {
    let name = match (issuer, first) {
        (Some(i), _) if i.nif == nif => i.legal_name.clone(),
        (_, RegistroFacturacion::Alta(a)) => a.nombre_razon_emisor.clone(),
        (_, RegistroFacturacion::Anulacion(_)) => String::new(),
    };
    ObligadoEmision {
        nombre_razon: name,
        nif: nif.to_string(),
    }
}

/// How alerts name a taxpayer (the same in every language: its name and NIF).
fn taxpayer_label(ob: &ObligadoEmision) -> String {
    format!("{} ({})", ob.nombre_razon, ob.nif)
}

async fn representative(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
) -> Result<Option<(ObligadoEmision, ())>, StorageError> {
    Ok(sending_certificate(storage, franchisee)
        .await?
        .and_then(|(_, rep)| rep.map(|r| (r, ()))))
}

/// Whether a record the AEAT refused may go again as a subsanación: only when its own content
/// passes the AEAT's rules we can check (`vf::preflight`), so the refusal was about something a
/// later send can cure (the taxpayer's census data, the AEAT's state), and it did not go as a
/// subsanación already. A duplicate (3000) is never re-sent.
pub fn subsanable(record: &RegistroFacturacion, code: Option<&str>, already: bool) -> bool {
    if already || code == Some("3000") {
        return false;
    }
    match record {
        RegistroFacturacion::Alta(a) => vf::preflight(a).is_empty(),
        // An anulación carries no Subsanacion mark.
        RegistroFacturacion::Anulacion(_) => false,
    }
}

/// Delay before trying a taxpayer again after `failures` failures in a row.
pub fn retry_seconds(failures: u64) -> i64 {
    let exp = failures.saturating_sub(1).min(10) as u32;
    (FIRST_RETRY_SECONDS.saturating_mul(1 << exp)).min(MAX_RETRY_SECONDS)
}

/// What one run of the sender did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    pub envelopes: u64,
    pub sent: u64,
    pub accepted: u64,
    pub accepted_with_errors: u64,
    pub rejected: u64,
    pub subsanaciones: u64,
    /// Taxpayers whose send failed for now (retried later).
    pub failures: u64,
    /// Taxpayers still inside their `TiempoEsperaEnvio`.
    pub waiting: u64,
    pub no_certificate: u64,
}

impl SendReport {
    pub fn outcome(&self) -> Vec<(String, u64)> {
        vec![
            ("envelopes".into(), self.envelopes),
            ("sent".into(), self.sent),
            ("accepted".into(), self.accepted),
            ("accepted_with_errors".into(), self.accepted_with_errors),
            ("rejected".into(), self.rejected),
            ("subsanaciones".into(), self.subsanaciones),
            ("failures".into(), self.failures),
            ("waiting".into(), self.waiting),
            ("no_certificate".into(), self.no_certificate),
        ]
    }
}

/// What the sender needs besides the storage.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    pub aeat: AeatConfig,
    /// Opens the stored certificates; without it nothing can be sent.
    pub key: Option<SecretKey>,
}

impl SenderConfig {
    /// From the environment (`TRASTIENDA_AEAT_ENDPOINT`, `TRASTIENDA_AEAT_CA`,
    /// `TRASTIENDA_SECRET_KEY` / `_FILE`).
    pub fn from_env() -> Result<Self, String> {
        Ok(SenderConfig {
            aeat: AeatConfig::from_env()?,
            key: SecretKey::from_env().ok(),
        })
    }
}

static SENDER: std::sync::RwLock<Option<SenderConfig>> = std::sync::RwLock::new(None);

/// Sets the sender's configuration for this process (`serve` does, from its flags).
pub fn set_sender_config(cfg: SenderConfig) {
    if let Ok(mut g) = SENDER.write() {
        *g = Some(cfg);
    }
}

/// The configuration [`set_sender_config`] set, else the environment's.
pub fn sender_config() -> Result<SenderConfig, String> {
    if let Ok(g) = SENDER.read()
        && let Some(c) = g.as_ref()
    {
        return Ok(c.clone());
    }
    SenderConfig::from_env()
}

/// Sends what is pending, taxpayer by taxpayer: a full envelope whenever 1,000 records are
/// ready, otherwise one envelope once the AEAT's `TiempoEsperaEnvio` has passed since the last.
/// A failure (no answer, an HTTP error, a SOAP fault) leaves the records pending and retries the
/// taxpayer after 1, 2, 4 … minutes, at most an hour apart.
pub async fn send_pending(
    storage: &dyn Storage,
    cfg: &SenderConfig,
    now: DateTime<Utc>,
) -> Result<SendReport, StorageError> {
    let mut report = SendReport::default();
    let mut clients: HashMap<i64, reqwest::Client> = HashMap::new();
    for t in storage.verifactu().pending_taxpayers().await? {
        if t.next_send_at.is_some_and(|n| n > now) && t.pending < MAX_RECORDS_PER_ENVELOPE as u64 {
            report.waiting += 1;
            continue;
        }
        let vs = storage.verifactu();
        if !vs
            .claim_taxpayer(t.franchisee_id, &t.nif, now, now + SEND_LEASE)
            .await?
        {
            report.waiting += 1;
            continue;
        }
        let sent = send_taxpayer(storage, cfg, &t, now, &mut clients, &mut report).await;
        vs.release_taxpayer(&t.nif).await?;
        sent?;
    }
    raise_alerts(storage, now).await?;
    Ok(report)
}

async fn send_taxpayer(
    storage: &dyn Storage,
    cfg: &SenderConfig,
    t: &PendingTaxpayer,
    now: DateTime<Utc>,
    clients: &mut HashMap<i64, reqwest::Client>,
    report: &mut SendReport,
) -> Result<(), StorageError> {
    let Some((cert, representante)) = taxpayer_certificate(storage, t).await? else {
        report.no_certificate += 1;
        return Ok(());
    };
    let fail = |envelope_id: Option<i64>,
                error: String,
                records: u64,
                incidencia: bool,
                http: Option<u16>,
                body| {
        let failures = t.failures + 1;
        (
            Submission {
                franchisee_id: t.franchisee_id,
                envelope_id,
                nif: t.nif.clone(),
                sent_at: now,
                records,
                incidencia,
                estado_envio: None,
                csv: None,
                http_status: http,
                error: Some(error.clone()),
                response: body,
            },
            TaxpayerClock {
                franchisee_id: t.franchisee_id,
                nif: t.nif.clone(),
                next_send_at: now + Duration::seconds(retry_seconds(failures)),
                wait_seconds: retry_seconds(failures),
                failures,
                answered: false,
                last_error: Some(error),
            },
        )
    };
    let client = match clients.get(&cert.owner_id) {
        Some(c) => c.clone(),
        None => {
            let made = match &cfg.key {
                None => Err(Problem::new("secret_key_missing").to_string()),
                Some(k) => certificates::identity(k, &cert)
                    .map_err(|p| p.to_string())
                    .and_then(|id| aeat::client(&cfg.aeat, &id)),
            };
            match made {
                Ok(c) => {
                    clients.insert(cert.owner_id, c.clone());
                    c
                }
                Err(e) => {
                    let (sub, clock) = fail(None, e, 0, false, None, None);
                    storage
                        .verifactu()
                        .record_submission(&sub, &[], &clock)
                        .await?;
                    report.failures += 1;
                    return Ok(());
                }
            }
        }
    };
    let mut ob: Option<ObligadoEmision> = None;
    let mut envelopes = 0;
    loop {
        let pending = storage
            .verifactu()
            .pending_records(t.franchisee_id, &t.nif, MAX_RECORDS_PER_ENVELOPE as u32)
            .await?;
        let Some(first) = pending.first() else {
            return Ok(());
        };
        let ob = match &ob {
            Some(o) => o.clone(),
            None => {
                let o = taxpayer(storage, t, &first.record).await?;
                ob = Some(o.clone());
                o
            }
        };
        let late: Vec<bool> = pending.iter().map(|p| is_late(&p.record, now)).collect();
        let Some(batch) = batches(&late).into_iter().next() else {
            return Ok(());
        };
        if envelopes == MAX_ENVELOPES_PER_CLAIM {
            // The lease covers this many sends; the next run goes on.
            return Ok(());
        }
        envelopes += 1;
        let items: Vec<&PendingRecord> = batch.items.iter().map(|&i| &pending[i]).collect();
        let entries: Vec<Remision<'_>> = items
            .iter()
            .map(|p| Remision {
                record: &p.record,
                subsanacion: p.subsanacion,
            })
            .collect();
        let xml = Envio {
            obligado: &ob,
            representante: representante.as_ref(),
            incidencia: batch.incidencia,
            records: &entries,
        }
        .xml()
        .map_err(xml_problem)?;
        report.envelopes += 1;
        let n = items.len() as u64;
        // Kept byte for byte before it goes: an envelope whose answer never comes is kept too.
        let soap = vf::soap_request(&xml);
        let envelope_id = storage
            .verifactu()
            .archive_envelope(&EnvelopeIn {
                franchisee_id: t.franchisee_id,
                nif: t.nif.clone(),
                created_at: now,
                incidencia: batch.incidencia,
                body: soap.clone().into_bytes(),
                records: items.iter().map(|p| (p.id, p.subsanacion)).collect(),
            })
            .await?;
        let delivery = aeat::post(&client, &cfg.aeat.endpoint, soap).await;
        let (status, body) = match delivery {
            Delivery::NoAnswer(e) => {
                let (sub, clock) = fail(Some(envelope_id), e, n, batch.incidencia, None, None);
                storage
                    .verifactu()
                    .record_submission(&sub, &[], &clock)
                    .await?;
                report.failures += 1;
                return Ok(());
            }
            Delivery::Answered { status, body } => (status, body),
        };
        let answer = match aeat::parse_answer(&body) {
            Ok(Answer::Respuesta(r)) if (200..300).contains(&status) => r,
            other => {
                let why = match other {
                    Ok(Answer::Fault { code, text }) => format!("SOAP fault {code}: {text}"),
                    Ok(Answer::Respuesta(_)) => format!("HTTP {status}"),
                    Err(e) => format!("HTTP {status}: {e}"),
                };
                let (sub, clock) = fail(
                    Some(envelope_id),
                    why,
                    n,
                    batch.incidencia,
                    Some(status),
                    Some(body),
                );
                storage
                    .verifactu()
                    .record_submission(&sub, &[], &clock)
                    .await?;
                report.failures += 1;
                return Ok(());
            }
        };
        let answers = answers_for(&items, &answer, batch.incidencia);
        for a in &answers {
            match a.state {
                RecordState::Accepted => report.accepted += 1,
                RecordState::AcceptedWithErrors => report.accepted_with_errors += 1,
                RecordState::Rejected => report.rejected += 1,
                RecordState::Subsanar => report.subsanaciones += 1,
            }
        }
        report.sent += n;
        let wait = answer
            .tiempo_espera_envio
            .map_or(DEFAULT_WAIT_SECONDS, |w| {
                i64::try_from(w).unwrap_or(i64::MAX)
            })
            .max(DEFAULT_WAIT_SECONDS);
        let unanswered = n - answers.len() as u64;
        let sub = Submission {
            franchisee_id: t.franchisee_id,
            envelope_id: Some(envelope_id),
            nif: t.nif.clone(),
            sent_at: now,
            records: n,
            incidencia: batch.incidencia,
            estado_envio: Some(answer.estado_envio.clone()),
            csv: answer.csv.clone(),
            http_status: Some(status),
            error: (unanswered > 0)
                .then(|| format!("the AEAT answered for {} of {n} records", answers.len())),
            response: Some(body),
        };
        let clock = TaxpayerClock {
            franchisee_id: t.franchisee_id,
            nif: t.nif.clone(),
            next_send_at: now + Duration::seconds(wait),
            wait_seconds: wait,
            failures: 0,
            answered: true,
            last_error: sub.error.clone(),
        };
        storage
            .verifactu()
            .record_submission(&sub, &answers, &clock)
            .await?;
        for (a, p) in answers.iter().zip_records(&items) {
            if matches!(a.state, RecordState::Rejected | RecordState::Subsanar) {
                let id = p.record.id_factura();
                let who = taxpayer_label(&ob);
                let m = format!(
                    "{who}: the AEAT rejected VERI*FACTU record {} of {}: {} {}",
                    id.num_serie_factura,
                    vf::fecha(id.fecha_expedicion_factura),
                    a.code.as_deref().unwrap_or("-"),
                    a.text.as_deref().unwrap_or("")
                );
                let params = serde_json::json!({
                    "franchisee": who,
                    "invoice": id.num_serie_factura,
                    "code": a.code,
                    "text": a.text,
                });
                storage
                    .alerts()
                    .raise(ALERT_REJECTED, None, None, m.trim_end(), &params, now)
                    .await?;
            }
        }
        // Only a full envelope may be followed at once by the next (Orden art. 16).
        if items.len() < MAX_RECORDS_PER_ENVELOPE || unanswered > 0 {
            return Ok(());
        }
    }
}

/// Pairs each answer with the record it is for (answers carry their record's id).
trait ZipRecords<'a> {
    fn zip_records(
        self,
        items: &'a [&'a PendingRecord],
    ) -> Vec<(&'a RecordAnswer, &'a PendingRecord)>;
}

impl<'a> ZipRecords<'a> for std::slice::Iter<'a, RecordAnswer> {
    fn zip_records(
        self,
        items: &'a [&'a PendingRecord],
    ) -> Vec<(&'a RecordAnswer, &'a PendingRecord)> {
        self.filter_map(|a| items.iter().find(|p| p.id == a.record_id).map(|p| (a, *p)))
            .collect()
    }
}

/// Each record's state from the AEAT's lines (matched on NIF, number and date). A record the
/// answer does not mention gets no state: it stays pending.
pub fn answers_for(items: &[&PendingRecord], r: &Respuesta, incidencia: bool) -> Vec<RecordAnswer> {
    items
        .iter()
        .filter_map(|p| {
            let id = p.record.id_factura();
            let fecha = vf::fecha(id.fecha_expedicion_factura);
            let l = r.lineas.iter().rev().find(|l| {
                l.nif == id.id_emisor_factura
                    && l.num_serie == id.num_serie_factura
                    && l.fecha == fecha
            })?;
            let state = match l.estado {
                EstadoRegistro::Correcto => RecordState::Accepted,
                EstadoRegistro::AceptadoConErrores => RecordState::AcceptedWithErrors,
                EstadoRegistro::Incorrecto
                    if subsanable(&p.record, l.codigo.as_deref(), p.subsanacion) =>
                {
                    RecordState::Subsanar
                }
                EstadoRegistro::Incorrecto => RecordState::Rejected,
            };
            Some(RecordAnswer {
                record_id: p.id,
                state,
                code: l.codigo.clone(),
                text: l.descripcion.clone(),
                incidencia,
                subsanacion: p.subsanacion,
                sends: p.sends + 1,
            })
        })
        .collect()
}

/// Raises the standing alerts: records received over 24 hours ago still unsent, and certificates
/// expiring within 30 days (each once while open).
pub async fn raise_alerts(storage: &dyn Storage, now: DateTime<Utc>) -> Result<(), StorageError> {
    let franchisees: HashMap<i64, Franchisee> = storage
        .list_franchisees()
        .await?
        .into_iter()
        .map(|f| (f.id.0, f))
        .collect();
    let hq = storage.invoicing().issuer().await?;
    let name = |id: i64| {
        if id == HQ_TAXPAYER.0 {
            return hq.as_ref().map_or_else(
                || "HQ".to_string(),
                |i| format!("{} ({})", i.legal_name, i.nif),
            );
        }
        franchisees.get(&id).map_or_else(
            || format!("franchisee {id}"),
            |f| format!("{} ({})", f.legal_name, f.nif),
        )
    };
    for s in storage.verifactu().sending_summary().await? {
        if s.oldest_pending_received
            .is_some_and(|t| now.signed_duration_since(t) > UNSENT_ALERT_AFTER)
        {
            let m = format!(
                "{}: VERI*FACTU records received more than 24 hours ago have not reached the AEAT",
                name(s.franchisee_id.0)
            );
            let params = serde_json::json!({ "franchisee": name(s.franchisee_id.0) });
            storage
                .alerts()
                .raise(ALERT_UNSENT, None, None, &m, &params, now)
                .await?;
        }
    }
    for c in storage.verifactu().certificates().await? {
        if certificates::expiring(&c, now) {
            let owner = if c.owner_id == HQ_CERTIFICATE_OWNER {
                format!("HQ, {} ({})", c.holder_name, c.holder_nif)
            } else {
                name(c.owner_id)
            };
            let m = format!(
                "{owner}: the certificate for the AEAT expires on {}",
                c.not_after.format("%Y-%m-%d")
            );
            let params = serde_json::json!({
                "owner": owner,
                "expires": c.not_after.format("%Y-%m-%d").to_string(),
            });
            storage
                .alerts()
                .raise(ALERT_CERTIFICATE, None, None, &m, &params, now)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_split_on_lateness_and_at_a_thousand() {
        let b = batches(&[true, true, false, false, true]);
        assert_eq!(
            b,
            vec![
                Batch {
                    incidencia: true,
                    items: vec![0, 1]
                },
                Batch {
                    incidencia: false,
                    items: vec![2, 3]
                },
                Batch {
                    incidencia: true,
                    items: vec![4]
                },
            ]
        );
        let b = batches(&vec![false; 2500]);
        assert_eq!(
            b.iter().map(|b| b.items.len()).collect::<Vec<_>>(),
            [1000, 1000, 500]
        );
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn retries_back_off_to_an_hour_at_most() {
        assert_eq!(retry_seconds(1), 60);
        assert_eq!(retry_seconds(2), 120);
        assert_eq!(retry_seconds(6), 1920);
        assert_eq!(retry_seconds(7), 3600);
        assert_eq!(retry_seconds(500), 3600);
    }
}
