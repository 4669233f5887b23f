//! Timings of the bank files at franchise scale: writing a pain.008 of 5,000 debits, parsing a
//! Norma 43 of 100,000 movements, matching and aging. `cargo bench -p trastienda-banking`.

use chrono::{NaiveDate, NaiveDateTime};
use std::time::{Duration, Instant};
use sync_protocol::Money;
use sync_protocol::bank::{Bic, CreditorId, Iban, ccc_to_iban};
use trastienda_banking::aging::{AgingItem, age};
use trastienda_banking::matching::{OpenItem, Payer, StatementLine, propose};
use trastienda_banking::norma43::{self, write as n43};
use trastienda_banking::pain008::{
    Creditor, Debtor, DirectDebit, MandateRef, Remittance, Scheme, SequenceType, write,
};

const RUNS: usize = 5;

/// Runs `f` RUNS times; prints min and median.
fn time<T>(what: &str, mut f: impl FnMut() -> T) -> T {
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        out = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: min {:.1} ms, median {:.1} ms ({RUNS} runs)",
        ms(times[0]),
        ms(times[RUNS / 2])
    );
    out.expect("RUNS > 0")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A valid Spanish IBAN for franchisee `n` (a CCC with correct control digits).
fn iban(n: usize) -> Iban {
    let bank_branch = format!("2100{:04}", n % 10_000);
    let account = format!("{:010}", n * 7919);
    let dc =
        sync_protocol::bank::ccc_control_digits(&bank_branch[..4], &bank_branch[4..], &account)
            .expect("digits");
    ccc_to_iban(&format!("{bank_branch}{dc}{account}")).expect("valid CCC")
}

fn remittance(n: usize) -> Remittance {
    let created: NaiveDateTime = date(2026, 1, 2).and_hms_opt(6, 0, 0).expect("time");
    Remittance {
        message_id: "REM-2026-01-0001".into(),
        created_at: created,
        creditor: Creditor {
            name: "Franquicia Central SL".into(),
            iban: Iban::parse("ES9121000418450200051332").expect("iban"),
            bic: Some(Bic::parse("CAIXESBBXXX").expect("bic")),
            creditor_id: CreditorId::from_nif("B12345674").expect("nif"),
            address: None,
        },
        debits: (0..n)
            .map(|i| DirectDebit {
                end_to_end_id: format!("A-2026-{i:06}"),
                amount: Money::from_cents(10_000 + (i as i64 * 37) % 90_000),
                collection_date: date(2026, 1, 5 + (i % 2) as u32),
                sequence: if i % 10 == 0 {
                    SequenceType::First
                } else {
                    SequenceType::Recurrent
                },
                scheme: Scheme::Core,
                mandate: MandateRef {
                    id: format!("FRQ-{i:06}"),
                    signed_on: date(2025, 6, 1),
                },
                debtor: Debtor {
                    name: format!("Franquiciado Número {i} Peña y Cía SL"),
                    iban: iban(i),
                    bic: None,
                    address: None,
                },
                remittance_text: format!("Royalty 2025-12 factura A-2026-{i:06}"),
            })
            .collect(),
    }
}

fn norma43_file(movements: usize) -> Vec<u8> {
    let (bank, branch, account) = ("2100", "0418", "0200051332");
    let opening = Money::from_cents(1_000_000);
    let mut lines = vec![n43::account_header(
        bank,
        branch,
        account,
        date(2026, 1, 1),
        date(2026, 1, 31),
        opening,
        "FRANQUICIA CENTRAL SL",
    )];
    let mut amounts = Vec::with_capacity(movements);
    for i in 0..movements {
        let amount = if i % 5 == 0 {
            Money::from_cents(-(1_000 + i as i64 % 5_000))
        } else {
            Money::from_cents(10_000 + (i as i64 * 37) % 90_000)
        };
        amounts.push(amount);
        lines.push(n43::movement(
            date(2026, 1, 1 + (i % 28) as u32),
            "04",
            amount,
            "",
            "",
            "",
        ));
        lines.push(n43::concept(
            1,
            &format!("TRANSFERENCIA DE FRANQUICIADO {i}"),
            "",
        ));
        lines.push(n43::concept(
            2,
            &format!("FACTURA A-2026-{i:06}"),
            "ROYALTY",
        ));
    }
    lines.push(n43::account_totals(
        bank, branch, account, opening, &amounts,
    ));
    lines.push(n43::end_of_file(lines.len()));
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out.into_bytes()
}

fn camt_file(entries: usize) -> Vec<u8> {
    let mut total = 0i64;
    let mut body = String::new();
    for i in 0..entries {
        let cents = 10_000 + (i as i64 * 37) % 90_000;
        total += cents;
        body.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\
             <BookgDt><Dt>2026-01-{:02}</Dt></BookgDt><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>\
             <SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>\
             <EndToEndId>E2E-{i}</EndToEndId></Refs><Amt Ccy=\"EUR\">{}</Amt><RltdPties><Dbtr><Pty>\
             <Nm>Franquiciado Número {i} SL</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>{}</IBAN></Id>\
             </DbtrAcct></RltdPties><RmtInf><Ustrd>Factura A-2026-{i:06}</Ustrd></RmtInf></TxDtls>\
             </NtryDtls></Ntry>\n",
            Money::from_cents(cents),
            1 + i % 28,
            Money::from_cents(cents),
            iban(i)
        ));
    }
    format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">\
         <BkToCstmrStmt><GrpHdr><MsgId>B</MsgId><CreDtTm>2026-01-31T22:00:00</CreDtTm></GrpHdr><Stmt>\
         <Id>S</Id><Acct><Id><IBAN>ES9121000418450200051332</IBAN></Id></Acct>\
         <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-01</Dt></Dt></Bal>\
         <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-31</Dt></Dt></Bal>\n\
         {body}</Stmt></BkToCstmrStmt></Document>\n",
        Money::from_cents(total)
    )
    .into_bytes()
}

fn main() {
    let r = remittance(5_000);
    let file = time("pain.008 with 5,000 debits: validate + write", || {
        write(&r).expect("valid")
    });
    println!(
        "  {} batches, {} debits, control sum {}, {:.1} MB",
        file.batches.len(),
        file.number_of_debits,
        file.control_sum,
        file.xml.len() as f64 / 1e6
    );

    let n43 = norma43_file(100_000);
    let parsed = time(
        "Norma 43 with 100,000 movements (300,003 records): parse + cross-check",
        || norma43::parse(&n43).expect("valid"),
    );
    println!(
        "  {} movements, {:.1} MB",
        parsed.accounts[0].movements.len(),
        n43.len() as f64 / 1e6
    );

    let camt053 = camt_file(20_000);
    let doc = time(
        "camt.053 with 20,000 entries: parse + balance check",
        || trastienda_banking::camt::parse(&camt053).expect("valid"),
    );
    println!(
        "  {} entries, {:.1} MB",
        doc.statements[0].entries.len(),
        camt053.len() as f64 / 1e6
    );

    // Matching 10,000 lines against 300,000 open items (5,000 franchisees × 60 invoices).
    let items: Vec<OpenItem> = (0..300_000)
        .map(|i| OpenItem {
            invoice_number: format!("A-2026-{i:06}"),
            franchisee: format!("F{:04}", i % 5_000),
            amount_open: Money::from_cents(10_000 + (i as i64 * 37) % 90_000),
            due_date: date(2025, 1 + (i % 12) as u32, 1 + (i % 28) as u32),
        })
        .collect();
    let payers: Vec<Payer> = (0..5_000)
        .map(|f| Payer {
            franchisee: format!("F{f:04}"),
            name: format!("Franquiciado Número {f} SL"),
            ibans: vec![iban(f)],
        })
        .collect();
    let lines: Vec<StatementLine> = parsed.accounts[0]
        .movements
        .iter()
        .take(10_000)
        .map(StatementLine::from)
        .collect();
    let proposals = time(
        "matching 10,000 statement lines against 300,000 open items",
        || propose(&items, &payers, &lines),
    );
    let matched = proposals
        .iter()
        .filter(|p| {
            matches!(
                p.proposal,
                trastienda_banking::matching::Proposal::Match { .. }
            )
        })
        .count();
    println!("  {matched} matched");

    let aging_items: Vec<AgingItem<String>> = items
        .iter()
        .map(|i| AgingItem {
            franchisee: i.franchisee.clone(),
            due_date: i.due_date,
            amount_open: i.amount_open,
        })
        .collect();
    let report = time(
        "aging of 300,000 open items (5,000 franchisees × 60)",
        || age(&aging_items, date(2026, 3, 31)),
    );
    println!(
        "  {} rows, total {}",
        report.rows.len(),
        report.totals.total
    );
}
