//! Every fixture of every protocol version must still parse, so an old till keeps talking to a new HQ.
//! Documents in fixtures must still verify: the canonical serialisation (and so every hash ever made) is frozen.

use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use sync_protocol::*;

fn versions() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn parse<T: DeserializeOwned + serde::Serialize>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap();
    let v: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} no longer parses: {e}", path.display()));
    // And it serialises back to the same JSON value (no field silently dropped).
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        serde_json::to_value(&v).unwrap(),
        original,
        "{} does not round-trip",
        path.display()
    );
    v
}

#[test]
fn every_fixture_of_every_version_parses() {
    let mut seen = 0;
    for dir in versions() {
        let mut kinds: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let kind = path.file_stem().unwrap().to_string_lossy().to_string();
            match kind.as_str() {
                "enroll_request" => drop(parse::<EnrollRequest>(&path)),
                "enroll_response" => drop(parse::<EnrollResponse>(&path)),
                "push_request" => {
                    let p: PushRequest = parse(&path);
                    assert!(
                        verify_chain(None, &p.documents).is_ok(),
                        "{}: chain no longer verifies",
                        path.display()
                    );
                    for d in &p.documents {
                        d.body.validate().unwrap_or_else(|e| {
                            panic!("{}: seq {} invalid: {e}", path.display(), d.seq)
                        });
                    }
                    let kinds: Vec<_> = p.documents.iter().map(|d| d.body.kind()).collect();
                    for k in [
                        DocumentKind::Sale,
                        DocumentKind::Refund,
                        DocumentKind::CashMovement,
                        DocumentKind::CashClose,
                        DocumentKind::StockMovement,
                    ] {
                        assert!(kinds.contains(&k), "{} lacks a {k:?}", path.display());
                    }
                }
                "push_request_manager" => {
                    let p: PushRequest = parse(&path);
                    assert!(verify_chain(None, &p.documents).is_ok());
                    for d in &p.documents {
                        d.body.validate().unwrap_or_else(|e| {
                            panic!("{}: seq {} invalid: {e}", path.display(), d.seq)
                        });
                    }
                    let kinds: Vec<_> = p.documents.iter().map(|d| d.body.kind()).collect();
                    for k in [
                        DocumentKind::ShiftOpen,
                        DocumentKind::ClockEvent,
                        DocumentKind::AuditEvent,
                        DocumentKind::CashClose,
                    ] {
                        assert!(kinds.contains(&k), "{} lacks a {k:?}", path.display());
                    }
                }
                "push_request_waiting" => {
                    let p: PushRequest = parse(&path);
                    assert!(verify_chain(None, &p.documents).is_ok());
                    let w = p
                        .waiting
                        .unwrap_or_else(|| panic!("{}: no waiting count", path.display()));
                    assert!(w <= MAX_REPORTED_WAITING, "{}", path.display());
                }
                "push_request_till_report" => {
                    let p: PushRequest = parse(&path);
                    assert!(verify_chain(None, &p.documents).is_ok());
                    let v = p
                        .till_version
                        .as_deref()
                        .unwrap_or_else(|| panic!("{}: no till version", path.display()));
                    assert!(is_reportable_version(v), "{}: {v}", path.display());
                    let skipped = p
                        .skipped_change_kinds
                        .unwrap_or_else(|| panic!("{}: no skipped kinds", path.display()));
                    assert!(!skipped.is_empty() && skipped.len() <= MAX_SKIPPED_KINDS);
                    for k in &skipped {
                        assert!(is_reportable_kind(k), "{}: {k}", path.display());
                        assert!(!CatalogChange::is_known_kind(k), "{}: {k}", path.display());
                    }
                }
                "push_request_report_mail" => {
                    let p: PushRequest = parse(&path);
                    assert!(
                        !p.report_mails.is_empty(),
                        "{}: no report mail",
                        path.display()
                    );
                    for m in &p.report_mails {
                        m.check()
                            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    }
                }
                "enroll_request_retryable" => {
                    let r: EnrollRequest = parse(&path);
                    let id = r
                        .enrolment_id
                        .unwrap_or_else(|| panic!("{}: no enrolment id", path.display()));
                    assert!(is_valid_enrolment_id(&id), "{}: {id}", path.display());
                }
                // Written by a newer HQ than this build: unknown change kinds and unknown fields.
                // No round trip (this build drops what it does not know, by design).
                "changes_page_newer" => check_newer_changes_page(&path),
                "push_response" => drop(parse::<PushResponse>(&path)),
                "changes_page" => drop(parse::<ChangesPage>(&path)),
                "changes_page_barcode_rules" => {
                    let p: ChangesPage = parse(&path);
                    let rules: Vec<_> = p
                        .changes
                        .iter()
                        .filter_map(|c| match &c.change {
                            CatalogChange::BarcodeRule(r) => Some(r.rule()),
                            _ => None,
                        })
                        .collect();
                    assert!(!rules.is_empty(), "{}: no barcode rule", path.display());
                    for r in &rules {
                        r.validate()
                            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    }
                }
                "changes_page_store_settings" => {
                    let p: ChangesPage = parse(&path);
                    let stores: Vec<_> = p
                        .changes
                        .iter()
                        .filter_map(|c| match &c.change {
                            CatalogChange::Store(s) => Some(s),
                            _ => None,
                        })
                        .collect();
                    assert!(!stores.is_empty(), "{}: no store", path.display());
                    for s in stores {
                        let t = s.cash_tolerance.unwrap_or_else(|| {
                            panic!("{}: store without a cash tolerance", path.display())
                        });
                        assert!(!t.is_negative(), "{}: negative tolerance", path.display());
                        assert!(
                            !s.receipt_header.is_empty(),
                            "{}: no header",
                            path.display()
                        );
                    }
                }
                "changes_page_single_manager" => {
                    let p: ChangesPage = parse(&path);
                    assert!(
                        p.changes.iter().any(
                            |c| matches!(&c.change, CatalogChange::Store(s) if s.single_manager)
                        ),
                        "{}: no single-manager store",
                        path.display()
                    );
                }
                "changes_page_store_email" => {
                    let p: ChangesPage = parse(&path);
                    assert!(
                        p.changes.iter().any(|c| matches!(&c.change,
                            CatalogChange::Store(s) if s.report_email.as_deref().is_some_and(customers::is_email))),
                        "{}: no store e-mail",
                        path.display()
                    );
                }
                "changes_page_delivery_notes" => {
                    let p: ChangesPage = parse(&path);
                    let notes: Vec<_> = p
                        .changes
                        .iter()
                        .filter_map(|c| match &c.change {
                            CatalogChange::DeliveryNote(n) => Some(n),
                            _ => None,
                        })
                        .collect();
                    assert!(!notes.is_empty(), "{}: no delivery note", path.display());
                    for n in notes {
                        assert!(!n.number.is_empty(), "{}: no number", path.display());
                        assert!(!n.lines.is_empty(), "{}: no lines", path.display());
                        for l in &n.lines {
                            assert!(
                                l.quantity > Quantity::ZERO,
                                "{}: quantity not positive",
                                path.display()
                            );
                        }
                    }
                }
                "push_request_delivery" => {
                    let p: PushRequest = parse(&path);
                    assert!(verify_chain(None, &p.documents).is_ok());
                    let mut against_note = 0;
                    for d in &p.documents {
                        d.body.validate().unwrap_or_else(|e| {
                            panic!("{}: seq {} invalid: {e}", path.display(), d.seq)
                        });
                        if let DocumentBody::StockMovement(m) = &d.body
                            && m.delivery_note.is_some()
                        {
                            assert_eq!(m.kind, StockMovementKind::Receipt);
                            against_note += 1;
                        }
                    }
                    assert!(
                        against_note > 0,
                        "{}: no receipt against a delivery note",
                        path.display()
                    );
                }
                "push_request_verifactu" => check_verifactu_push(&path, &parse(&path)),
                "api_error" => drop(parse::<ApiError>(&path)),
                other => panic!("{}: unknown fixture kind {other}", dir.display()),
            }
            kinds.push(kind);
            seen += 1;
        }
        for k in [
            "enroll_request",
            "enroll_response",
            "push_request",
            "push_response",
            "changes_page",
            "api_error",
        ] {
            assert!(
                kinds.iter().any(|x| x == k),
                "{} lacks a {k} fixture",
                dir.display()
            );
        }
    }
    assert!(seen >= 6);
}

/// Every invoice document carries its record; the records chain, pass the AEAT's pre-flight
/// checks and state the document's total (negative for refunds).
fn check_verifactu_push(path: &Path, p: &PushRequest) {
    use sync_protocol::verifactu::{RegistroFacturacion, TipoFactura, preflight};
    assert!(
        verify_chain(None, &p.documents).is_ok(),
        "{}",
        path.display()
    );
    let mut previous: Option<&RegistroFacturacion> = None;
    let mut tipos = Vec::new();
    for d in &p.documents {
        d.body.validate().unwrap();
        let record = d
            .verifactu
            .as_deref()
            .unwrap_or_else(|| panic!("{}: seq {} has no record", path.display(), d.seq));
        record
            .check_follows(previous)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let RegistroFacturacion::Alta(a) = record else {
            panic!("{}: not an alta", path.display())
        };
        assert_eq!(preflight(a), vec![], "{}", path.display());
        let total = match &d.body {
            DocumentBody::Sale(s) => s.totals.total,
            DocumentBody::FullInvoice(i) => i.totals.total,
            DocumentBody::Refund(r) => -r.totals.total,
            other => panic!("{}: {other:?} has a record", path.display()),
        };
        assert_eq!(a.importe_total, total, "{}", path.display());
        tipos.push(a.tipo_factura);
        previous = Some(record);
    }
    use TipoFactura::*;
    assert_eq!(tipos, [F2, R5, F3, R1], "{}", path.display());
}

/// A page from a newer HQ reads under this build's protocol: unknown kinds become
/// `CatalogChange::Unknown` with their names, known kinds parse with their unknown fields dropped,
/// and every change keeps its cursor (so the till's cursor moves past the skipped ones).
fn check_newer_changes_page(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let page: ChangesPage = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: a newer page must still parse: {e}", path.display()));
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let raw_changes = raw["changes"].as_array().unwrap();
    assert_eq!(page.changes.len(), raw_changes.len(), "{}", path.display());
    let mut unknown = 0;
    let mut extra_fields = 0;
    for (c, r) in page.changes.iter().zip(raw_changes) {
        assert_eq!(c.cursor, r["cursor"].as_i64().unwrap());
        let wire_kind = r["change"]["type"].as_str().unwrap();
        assert_eq!(c.change.kind(), wire_kind);
        match &c.change {
            CatalogChange::Unknown { kind } => {
                assert!(!CatalogChange::is_known_kind(kind));
                unknown += 1;
            }
            known => {
                // Fields this build does not know were present and are gone after parsing.
                let back = serde_json::to_value(known).unwrap();
                let dropped: Vec<&String> = r["change"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| back.get(k.as_str()).is_none())
                    .collect();
                if !dropped.is_empty() {
                    extra_fields += 1;
                }
            }
        }
    }
    assert!(
        unknown >= 2,
        "{}: needs unknown change kinds",
        path.display()
    );
    assert!(
        extra_fields >= 2,
        "{}: needs known kinds carrying unknown fields",
        path.display()
    );
    assert!(
        matches!(
            page.changes.last().map(|c| &c.change),
            Some(CatalogChange::Unknown { .. })
        ),
        "{}: the last change should be unknown, to prove the cursor passes it",
        path.display()
    );
}

/// The `promotion` field of a sale line (0.3.0) is left out when absent, so every document made
/// before it keeps its canonical bytes and hash; one that names a promotion hashes it.
#[test]
fn sale_lines_without_a_promotion_keep_their_hash() {
    let path = versions()[0].join("push_request.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let p: PushRequest = serde_json::from_str(&text).unwrap();
    let sale = p
        .documents
        .iter()
        .find(|d| matches!(d.body, DocumentBody::Sale(_)))
        .expect("the fixture holds a sale");
    assert_eq!(
        sale.compute_hash(),
        sale.hash,
        "the stored hash still computes"
    );
    let bytes = String::from_utf8(sale.canonical_bytes()).unwrap();
    assert!(!bytes.contains("promotion"), "{bytes}");
    // Naming a promotion changes the bytes, so the hash covers it.
    let mut promoted = sale.clone();
    let DocumentBody::Sale(s) = &mut promoted.body else {
        unreachable!()
    };
    s.lines[0].promotion = Some(PromotionRef {
        id: 3,
        name: "3x2 yogures".into(),
    });
    assert_ne!(promoted.compute_hash(), sale.hash);
    let v = serde_json::to_value(&promoted).unwrap();
    assert_eq!(v["body"]["data"]["lines"][0]["promotion"]["id"], 3);
    let back: Document = serde_json::from_value(v).unwrap();
    assert_eq!(back, promoted);
}
