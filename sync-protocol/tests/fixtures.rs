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
