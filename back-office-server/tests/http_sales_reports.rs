//! The sales report dimensions added to the Informes page (hour, cashier, franchisee, category,
//! top and bottom products) and its store filter, end to end on SQLite and PostgreSQL (when
//! `TRASTIENDA_TEST_POSTGRES_URL` is set): real sales and refunds pushed through storage, then each
//! page and CSV fetched as HQ and as a store manager, with exact figures; bad input; and the
//! migration 0007 backfill giving the same aggregates as push keeps.

use back_office_server::auth;
use back_office_server::storage::dashboard::{DashboardRole, ReportDim, ReportSource};
use back_office_server::storage::{
    NewFranchisee, NewProduct, NewStaff, NewStore, NewTaxRate, TillAuth,
};
use back_office_server::web::html;
use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use sync_protocol::{
    Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment, ProductId, Quantity, Refund,
    Sale, SaleLine, StaffId, StaffRole, StoreId, TaxRate, Tender, compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

#[path = "support/smtp.rs"]
mod smtp;

/// A till pushing documents one by one, with its own sequence and hash chain.
struct Till {
    auth: TillAuth,
    seq: u64,
    prev: String,
}

impl Till {
    async fn push(&mut self, s: &Server, at: DateTime<Utc>, body: DocumentBody) {
        self.seq += 1;
        let d = Document::seal(
            DocumentId::new(),
            self.auth.till_id,
            self.auth.store_id,
            self.seq,
            at,
            &self.prev,
            body,
        );
        self.prev = d.hash.clone();
        s.storage
            .push(&self.auth, std::slice::from_ref(&d), Utc::now())
            .await
            .unwrap();
    }
}

#[derive(Clone, Copy)]
struct Item {
    id: ProductId,
    price: i64,
    rate: i64,
}

struct World {
    norte: StoreId,
    sur: StoreId,
    ana: StaffId,
    beto: StaffId,
    sara: StaffId,
    cafe: ProductId,
    vino: ProductId,
    agua: ProductId,
    norte_fr: i64,
    sur_fr: i64,
}

fn lines(items: &[(Item, i64)]) -> Vec<SaleLine> {
    items
        .iter()
        .map(|(p, qty)| SaleLine {
            line_id: Uuid::new_v4(),
            product_id: p.id,
            barcode: None,
            name: format!("Producto {}", p.id),
            quantity: Quantity::units(*qty),
            unit_price: Money::from_cents(p.price),
            tax_rate: TaxRate::percent(p.rate),
            discount: Money::ZERO,
            promotion: None,
        })
        .collect()
}

fn payment(amount: Money) -> Vec<Payment> {
    vec![Payment {
        payment_id: Uuid::new_v4(),
        tender: Tender::Cash,
        amount,
        tendered: None,
        change: Money::ZERO,
        reference: None,
    }]
}

fn sale(cashier: StaffId, items: &[(Item, i64)]) -> DocumentBody {
    let lines = lines(items);
    let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::ZERO).unwrap();
    DocumentBody::Sale(Sale {
        ticket_number: "T0001-000001".into(),
        cashier_id: Some(cashier),
        lines,
        ticket_discount: Money::ZERO,
        payments: payment(totals.total),
        totals,
    })
}

fn refund(cashier: StaffId, items: &[(Item, i64)]) -> DocumentBody {
    let lines = lines(items);
    let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::ZERO).unwrap();
    DocumentBody::Refund(Refund {
        refund_number: "D0001-000001".into(),
        original_sale_id: DocumentId::new(),
        original_ticket_number: "T0001-000001".into(),
        cashier_id: Some(cashier),
        approved_by: None,
        reason: "Defectuoso".into(),
        lines,
        ticket_discount: Money::ZERO,
        payments: payment(totals.total),
        totals,
    })
}

/// Till time in UTC (January: Madrid is UTC+1).
fn at(month: u32, day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, h, m, 0).unwrap()
}

/// Two franchisees with a store each; Ana and Beto sell at Norte, Sara at Sur. Café (10 %,
/// Alimentación), Vino (21 %, Bebidas) and Agua (Bebidas, never sold).
///
/// Period 12–13 January 2026 (the previous one is 10–11 January):
/// Norte: 12th 09:30 Madrid Ana 2 × Café (10,00); 10:10 Beto 1 × Vino (12,10); 10:45 Ana Café +
/// Vino (17,10); 13th 18:00 Ana refunds 1 × Café (−5,00). Sur: 12th 11:00 Sara 3 × Vino (36,30).
/// Previous period: Norte 11th 13:00 Ana 1 × Café (5,00). After it: Norte 14th Beto 1 × Vino.
/// Summer (for the hour backfill): Sur, 29 March 00:30 and 01:30 UTC (01 and 03 Madrid, either side
/// of the change to summer time) and 1 July 10:00 UTC (12 Madrid).
async fn world(s: &Server) -> World {
    let st = &s.storage;
    let mut fr = vec![];
    for (name, nif) in [
        ("Norte Franquicias, S.L.", "B12345674"),
        ("Sur Franquicias, S.A.", "A58818501"),
    ] {
        fr.push(
            st.create_franchisee(&NewFranchisee {
                legal_name: name.into(),
                nif: nif.into(),
                address: "x".into(),
            })
            .await
            .unwrap()
            .id,
        );
    }
    let norte = st
        .create_store(&NewStore::new(fr[0], "Tienda Norte", "x"))
        .await
        .unwrap()
        .id;
    let sur = st
        .create_store(&NewStore::new(fr[1], "Tienda Sur", "x"))
        .await
        .unwrap()
        .id;
    let mut staff = vec![];
    for (name, store) in [("Ana", norte), ("Beto", norte), ("Sara", sur)] {
        staff.push(
            st.create_staff(&NewStaff {
                name: name.into(),
                role: StaffRole::Cashier,
                store_id: store,
                pin_hash: auth::hash_pin("1234").unwrap(),
            })
            .await
            .unwrap()
            .id,
        );
    }
    let (ana, beto, sara) = (staff[0], staff[1], staff[2]);
    let mut rates = vec![];
    for (name, pct) in [("IVA 10", 10), ("IVA 21", 21)] {
        rates.push(
            st.create_tax_rate(&NewTaxRate {
                name: name.into(),
                rate: TaxRate::percent(pct),
            })
            .await
            .unwrap()
            .id,
        );
    }
    let mut items = vec![];
    for (sku, name, rate, pct, price, category) in [
        ("CAF", "Café", rates[0], 10, 500, "Alimentación"),
        ("VIN", "Vino", rates[1], 21, 1210, "Bebidas"),
        ("AGU", "Agua", rates[0], 10, 60, "Bebidas"),
    ] {
        let p = st
            .create_product(&NewProduct {
                sku: sku.into(),
                name: name.into(),
                tax_rate_id: rate,
                price: Money::from_cents(price),
                barcodes: vec![],
            })
            .await
            .unwrap();
        st.dashboard()
            .set_product_category(p.id, category)
            .await
            .unwrap();
        items.push(Item {
            id: p.id,
            price,
            rate: pct,
        });
    }
    let (cafe, vino) = (items[0], items[1]);
    let mut tn = Till {
        auth: enrolled(s, norte, "Caja Norte").await,
        seq: 0,
        prev: GENESIS_HASH.into(),
    };
    let mut ts = Till {
        auth: enrolled(s, sur, "Caja Sur").await,
        seq: 0,
        prev: GENESIS_HASH.into(),
    };
    tn.push(s, at(1, 11, 12, 0), sale(ana, &[(cafe, 1)])).await;
    tn.push(s, at(1, 12, 8, 30), sale(ana, &[(cafe, 2)])).await;
    tn.push(s, at(1, 12, 9, 10), sale(beto, &[(vino, 1)])).await;
    tn.push(s, at(1, 12, 9, 45), sale(ana, &[(cafe, 1), (vino, 1)]))
        .await;
    tn.push(s, at(1, 13, 17, 0), refund(ana, &[(cafe, 1)]))
        .await;
    tn.push(s, at(1, 14, 10, 0), sale(beto, &[(vino, 1)])).await;
    ts.push(s, at(1, 12, 10, 0), sale(sara, &[(vino, 3)])).await;
    ts.push(s, at(3, 29, 0, 30), sale(sara, &[(cafe, 1)])).await;
    ts.push(s, at(3, 29, 1, 30), sale(sara, &[(cafe, 1)])).await;
    ts.push(s, at(7, 1, 10, 0), sale(sara, &[(vino, 1)])).await;

    for (user, role, stores_of) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analista", DashboardRole::Analyst, vec![]),
        ("norte", DashboardRole::Manager, vec![norte]),
    ] {
        back_office_server::services::accounts::create_user(
            &*st.clone(),
            user,
            &format!("Usuario {user}"),
            PASSWORD,
            role,
            stores_of,
        )
        .await
        .unwrap();
    }
    World {
        norte,
        sur,
        ana,
        beto,
        sara,
        cafe: cafe.id,
        vino: vino.id,
        agua: items[2].id,
        norte_fr: fr[0].0,
        sur_fr: fr[1].0,
    }
}

const PERIOD: &str = "from=2026-01-12&to=2026-01-13";

/// One CSV row: the fields by column name.
type CsvRow = BTreeMap<String, String>;

/// Parses the CSV export (quoted fields with "" inside), keyed by the first column(s).
fn parse_csv(body: &str) -> Vec<CsvRow> {
    let mut records = vec![];
    for line in body.lines().filter(|l| !l.is_empty()) {
        let mut fields = vec![];
        let (mut cur, mut quoted, mut chars) = (String::new(), false, line.chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(std::mem::take(&mut cur)),
                (c, _) => cur.push(c),
            }
        }
        fields.push(cur);
        records.push(fields);
    }
    let head = records.remove(0);
    records
        .into_iter()
        .map(|r| {
            assert_eq!(r.len(), head.len(), "{body}");
            head.iter().cloned().zip(r).collect()
        })
        .collect()
}

/// The `<tr>` of the page's table with this `data-key` (after `from`, to pick a table).
fn row<'b>(body: &'b str, from: &str, key: &str) -> &'b str {
    let base = body
        .find(from)
        .unwrap_or_else(|| panic!("no {from} in {body}"));
    let start = body[base..]
        .find(&format!("<tr data-key=\"{key}\""))
        .unwrap_or_else(|| panic!("no row {key} in {body}"))
        + base;
    let end = body[start..].find("</tr>").unwrap() + start;
    &body[start..end]
}

fn eur(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

/// Fetches a report as page and CSV; checks every CSV row is on the page with the same label,
/// count and amounts; returns the CSV rows by key as (label, count, refunds, quantity, gross,
/// previous gross).
async fn report(
    b: &mut Browser<'_>,
    query: &str,
) -> BTreeMap<String, (String, i64, i64, String, String, String)> {
    let page = b.get(&format!("/dashboard/reports?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csv = b.get(&format!("/dashboard/reports.csv?{query}")).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let mut out = BTreeMap::new();
    let rows = parse_csv(&csv.body);
    let table_rows = page.body.matches("<tr data-key=").count();
    assert_eq!(table_rows, rows.len(), "page and CSV rows: {}", page.body);
    for r in rows {
        let key = r["key"].clone();
        let tr = row(&page.body, "<table id=\"report\"", &key);
        assert!(
            tr.contains(&format!(
                "<td>{}</td>",
                maud::html! { (r["label"]) }.into_string()
            )),
            "{tr}"
        );
        let money = |f: &str| html::money(Money::from_cents(cents(&r[f])));
        assert!(
            tr.contains(&format!("num gross\">{}<", money("gross"))),
            "{tr}"
        );
        assert!(
            tr.contains(&format!("num prev\">{}<", money("previous_gross"))),
            "{tr}"
        );
        out.insert(
            key,
            (
                r["label"].clone(),
                r["count"].parse().unwrap(),
                r["refunds"].parse().unwrap(),
                r["quantity"].clone(),
                r["gross"].clone(),
                r["previous_gross"].clone(),
            ),
        );
    }
    out
}

/// "12.10" → 1210.
fn cents(s: &str) -> i64 {
    s.parse::<Money>().unwrap().cents()
}

/// Whole units as the CSV writes them.
fn qty(units: i64) -> String {
    Quantity::units(units).to_string()
}

fn line(
    label: &str,
    count: i64,
    refunds: i64,
    gross: i64,
    prev: i64,
) -> (String, i64, i64, String, String, String) {
    (label.into(), count, refunds, qty(0), eur(gross), eur(prev))
}

async fn hour_dimension(s: &Server) {
    let w = world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let r = report(&mut hq, &format!("by=hour&{PERIOD}")).await;
    let expected: BTreeMap<String, _> = [
        ("9", line("09:00–10:00", 1, 0, 1000, 0)),
        ("10", line("10:00–11:00", 2, 0, 2920, 0)),
        ("11", line("11:00–12:00", 1, 0, 3630, 0)),
        ("13", line("13:00–14:00", 0, 0, 0, 500)),
        ("18", line("18:00–19:00", 0, 1, -500, 0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(r, expected);
    // The previous period (10–11 January) had Ana's 13:00 sale: above with nothing this period.
    let r = report(&mut hq, "by=hour&from=2026-01-11&to=2026-01-12").await;
    assert_eq!(r["13"], line("13:00–14:00", 1, 0, 500, 0));
    // Hours sort 0–23 on the page.
    let p = hq
        .get(&format!("/dashboard/reports?by=hour&{PERIOD}"))
        .await;
    let pos = |k: &str| p.body.find(&format!("data-key=\"{k}\"")).unwrap();
    assert!(pos("9") < pos("10") && pos("10") < pos("11") && pos("11") < pos("18"));
    // Summer time: 1 July 10:00 UTC is 12:00 in Madrid.
    let r = report(&mut hq, "by=hour&from=2026-07-01&to=2026-07-01").await;
    assert_eq!(r.keys().collect::<Vec<_>>(), ["12"]);
    // One store, and the manager who only sees Norte.
    let r = report(&mut hq, &format!("by=hour&{PERIOD}&store={}", w.sur)).await;
    assert_eq!(r.keys().collect::<Vec<_>>(), ["11"]);
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    let r = report(&mut norte, &format!("by=hour&{PERIOD}")).await;
    assert_eq!(r.keys().collect::<Vec<_>>(), ["10", "13", "18", "9"]);
    assert_eq!(r["10"].4, eur(2920));
    norte
        .get(&format!(
            "/dashboard/reports?by=hour&{PERIOD}&store={}",
            w.sur
        ))
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");
}

async fn cashier_dimension(s: &Server) {
    let w = world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let r = report(&mut hq, &format!("by=cashier&{PERIOD}")).await;
    let expected: BTreeMap<String, _> = [
        (w.ana.0, line("Ana", 2, 1, 2210, 500)),
        (w.beto.0, line("Beto", 1, 0, 1210, 0)),
        (w.sara.0, line("Sara", 1, 0, 3630, 0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(r, expected);
    // Refunds have their own column on the page; net and tax are exact.
    let p = hq
        .get(&format!("/dashboard/reports?by=cashier&{PERIOD}"))
        .await;
    p.assert(StatusCode::OK, "<th class=\"num\">Devoluciones</th>");
    assert!(row(&p.body, "<table id=\"report\"", &w.ana.to_string()).contains("num refunds\">1<"));
    let csv = hq
        .get(&format!("/dashboard/reports.csv?by=cashier&{PERIOD}"))
        .await;
    let beto = parse_csv(&csv.body)
        .into_iter()
        .find(|r| r["key"] == w.beto.to_string())
        .unwrap();
    assert_eq!(
        (beto["net"].as_str(), beto["tax"].as_str()),
        ("10.00", "2.10")
    );
    // The manager sees only Norte's cashiers, and nothing for Sur.
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    let r = report(&mut norte, &format!("by=cashier&{PERIOD}")).await;
    assert_eq!(
        r.keys().cloned().collect::<Vec<_>>(),
        [w.ana.to_string(), w.beto.to_string()]
    );
    assert_eq!(r[&w.ana.to_string()], line("Ana", 2, 1, 2210, 500));
    norte
        .get(&format!(
            "/dashboard/reports.csv?by=cashier&{PERIOD}&store={}",
            w.sur
        ))
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");
    // HQ picking Sur.
    let r = report(&mut hq, &format!("by=cashier&{PERIOD}&store={}", w.sur)).await;
    assert_eq!(r.keys().cloned().collect::<Vec<_>>(), [w.sara.to_string()]);
}

async fn franchisee_dimension(s: &Server) {
    let w = world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let r = report(&mut hq, &format!("by=franchisee&{PERIOD}")).await;
    let expected: BTreeMap<String, _> = [
        (w.norte_fr, line("Norte Franquicias, S.L.", 3, 1, 3420, 500)),
        (w.sur_fr, line("Sur Franquicias, S.A.", 1, 0, 3630, 0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(r, expected);
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    let r = report(&mut norte, &format!("by=franchisee&{PERIOD}")).await;
    assert_eq!(
        r.keys().cloned().collect::<Vec<_>>(),
        [w.norte_fr.to_string()]
    );
    assert_eq!(r[&w.norte_fr.to_string()].4, eur(3420));
    let p = norte
        .get(&format!("/dashboard/reports?by=franchisee&{PERIOD}"))
        .await;
    assert!(!p.body.contains("Sur Franquicias"), "{}", p.body);
    assert!(!p.body.contains("Tienda Sur"), "{}", p.body);
}

async fn category_dimension(s: &Server) {
    let w = world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let r = report(&mut hq, &format!("by=category&{PERIOD}")).await;
    let cat = |label: &str, units: i64, gross: i64, prev: i64| {
        (label.to_string(), 0, 0, qty(units), eur(gross), eur(prev))
    };
    let expected: BTreeMap<String, _> = [
        ("Alimentación", cat("Alimentación", 2, 1000, 500)),
        ("Bebidas", cat("Bebidas", 5, 6050, 0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(r, expected);
    // A product with no category lands in "Sin categoría", on the next report.
    s.storage
        .dashboard()
        .set_product_category(w.cafe, "")
        .await
        .unwrap();
    let r = report(&mut hq, &format!("by=category&{PERIOD}")).await;
    assert_eq!(r[""], cat("Sin categoría", 2, 1000, 500));
    s.storage
        .dashboard()
        .set_product_category(w.cafe, "Alimentación")
        .await
        .unwrap();
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    let r = report(&mut norte, &format!("by=category&{PERIOD}")).await;
    assert_eq!(r["Bebidas"], cat("Bebidas", 2, 2420, 0));
    assert_eq!(r["Alimentación"], cat("Alimentación", 2, 1000, 500));
    // One store picked by HQ reads the per-store rows: Sur only sold wine.
    let r = report(&mut hq, &format!("by=category&{PERIOD}&store={}", w.sur)).await;
    assert_eq!(r.keys().collect::<Vec<_>>(), ["Bebidas"]);
    assert_eq!(r["Bebidas"].4, eur(3630));
}

/// The top/bottom CSV: (list, key, quantity, gross) in order.
async fn top(b: &mut Browser<'_>, query: &str) -> Vec<(String, String, String, String)> {
    let page = b.get(&format!("/dashboard/reports?by=top&{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csv = b
        .get(&format!("/dashboard/reports.csv?by=top&{query}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let rows: Vec<_> = parse_csv(&csv.body)
        .into_iter()
        .map(|r| {
            (
                r["list"].clone(),
                r["key"].clone(),
                r["quantity"].clone(),
                r["gross"].clone(),
            )
        })
        .collect();
    // The page shows the same lists in the same order.
    for list in ["top", "bottom"] {
        let table = &page.body[page.body.find(&format!("<table id=\"{list}\"")).unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        let keys: Vec<&str> = table
            .split("<tr data-key=\"")
            .skip(1)
            .map(|t| &t[..t.find('"').unwrap()])
            .collect();
        let csv_keys: Vec<&str> = rows
            .iter()
            .filter(|r| r.0 == list)
            .map(|r| r.1.as_str())
            .collect();
        assert_eq!(keys, csv_keys, "{list}");
    }
    rows
}

async fn top_and_bottom_products(s: &Server) {
    let w = world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let (cafe, vino, agua) = (w.cafe.to_string(), w.vino.to_string(), w.agua.to_string());
    let r = |list: &str, key: &str, units: i64, gross: i64| {
        (list.to_string(), key.to_string(), qty(units), eur(gross))
    };
    // By gross (default, 20 each): wine first; the bottom starts with the water that sold nothing.
    assert_eq!(
        top(&mut hq, PERIOD).await,
        [
            r("top", &vino, 5, 6050),
            r("top", &cafe, 2, 1000),
            r("bottom", &agua, 0, 0),
            r("bottom", &cafe, 2, 1000),
            r("bottom", &vino, 5, 6050),
        ]
    );
    assert_eq!(
        top(&mut hq, &format!("{PERIOD}&n=1&rank=units")).await,
        [r("top", &vino, 5, 6050), r("bottom", &agua, 0, 0)]
    );
    let p = hq.get(&format!("/dashboard/reports?by=top&{PERIOD}")).await;
    p.assert(StatusCode::OK, "no vendieron nada");
    // The manager's lists come from Norte alone.
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    assert_eq!(
        top(&mut norte, &format!("{PERIOD}&n=2")).await,
        [
            r("top", &vino, 2, 2420),
            r("top", &cafe, 2, 1000),
            r("bottom", &agua, 0, 0),
            r("bottom", &cafe, 2, 1000),
        ]
    );
    norte
        .get(&format!(
            "/dashboard/reports?by=top&{PERIOD}&store={}",
            w.sur
        ))
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");
}

async fn bad_input_is_a_400_with_a_message(s: &Server) {
    world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    for (query, needle) in [
        ("by=weather", "desconocida"),
        ("by=hour&from=2026-02-30", "no es válida"),
        ("by=cashier&from=12/01/2026", "no es válida"),
        ("by=hour&from=2026-01-13&to=2026-01-12", "posterior"),
        ("by=category&from=2000-01-01&to=2026-01-12", "como mucho"),
        ("by=top&n=0", "entre 1 y 500"),
        ("by=top&n=501", "entre 1 y 500"),
        ("by=top&n=veinte", "entre 1 y 500"),
        ("by=top&rank=price", "desconocido"),
        ("by=franchisee&store=norte", "no es válida"),
    ] {
        for path in ["/dashboard/reports", "/dashboard/reports.csv"] {
            let p = hq.get(&format!("{path}?{query}")).await;
            p.assert(StatusCode::BAD_REQUEST, needle);
            assert!(!p.body.contains("<table"), "{query}: {}", p.body);
        }
    }
    hq.get("/dashboard/reports?by=hour&store=999999")
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");
    // Signed out: the sign-in page, no report.
    let mut anon = Browser::new(s);
    let p = anon.get("/dashboard/reports.csv?by=cashier").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
}

/// Every new dimension over the aggregates equals the same report over the raw lines and
/// documents, for every store and for one.
async fn aggregates_match_raw(s: &Server) {
    let w = world(s).await;
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let db = s.storage.dashboard();
    for (from, to) in [
        (d(1, 1), d(12, 31)),
        (d(1, 12), d(1, 13)),
        (d(3, 29), d(7, 1)),
    ] {
        for dim in [
            ReportDim::Hour,
            ReportDim::Cashier,
            ReportDim::Franchisee,
            ReportDim::Category,
            ReportDim::Product,
        ] {
            for stores in [None, Some(vec![w.norte]), Some(vec![w.sur])] {
                let a = db
                    .report(dim, from, to, ReportSource::Aggregates, stores.as_deref())
                    .await
                    .unwrap();
                let r = db
                    .report(dim, from, to, ReportSource::RawLines, stores.as_deref())
                    .await
                    .unwrap();
                if stores.is_none() {
                    assert!(!a.is_empty(), "{dim:?} {from}–{to}");
                }
                assert_eq!(a, r, "{dim:?} {from}–{to} {stores:?}");
            }
        }
    }
    // The two summer-time edge sales: 01 and 03 in Madrid.
    let h = db
        .report(
            ReportDim::Hour,
            d(3, 29),
            d(3, 29),
            ReportSource::Aggregates,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        h.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        ["1", "3"]
    );
}

on_both_backends!(hour_dimension);
on_both_backends!(cashier_dimension);
on_both_backends!(franchisee_dimension);
on_both_backends!(category_dimension);
on_both_backends!(top_and_bottom_products);
on_both_backends!(bad_input_is_a_400_with_a_message);
on_both_backends!(aggregates_match_raw);
on_both_backends!(a_report_goes_by_e_mail_as_its_csv);

/// What aiosmtpd stored: (to, subject, text, attachment file name, attachment text) per message.
fn read_mail(py: &std::path::Path, dir: &std::path::Path) -> Vec<[String; 5]> {
    let script = r#"
import json, mailbox, sys
from email.header import decode_header, make_header
out = []
for _, m in sorted(mailbox.Maildir(sys.argv[1], create=False).items()):
    text, name, att = "", "", ""
    for part in m.walk():
        if part.get_content_maintype() == "multipart":
            continue
        data = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        if part.get_filename():
            name, att = part.get_filename(), data
        else:
            text = data
    out.append([m["To"], str(make_header(decode_header(m["Subject"]))), text, name, att])
print(json.dumps(out))
"#;
    let out = std::process::Command::new(py)
        .args(["-c", script])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// "Enviar por correo" under a report: the CSV of what the viewer sees, sent now through HQ's
/// SMTP server (aiosmtpd here); said clearly when there is no server, the address is wrong or the
/// store is not theirs, and nothing is sent then.
async fn a_report_goes_by_e_mail_as_its_csv(s: &Server) {
    let Some(py) = smtp::python() else { return };
    let w = world(s).await;
    let (mut norte, csrf) = Browser::signed_in(s, "norte").await;
    let query = format!("by=hour&{PERIOD}");
    let form = |store: String, to: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("by", "hour".into()),
            ("from", "2026-01-12".into()),
            ("to", "2026-01-13".into()),
            ("store", store),
            ("recipient", to.into()),
        ]
    };
    let post = async |b: &mut Browser<'_>, f: Vec<(&'static str, String)>| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.post("/dashboard/reports/mail", &f).await
    };
    // No SMTP server: the page says so instead of offering the form; a post is refused.
    norte
        .get(&format!("/dashboard/reports?{query}"))
        .await
        .assert(StatusCode::OK, "necesita un servidor de correo saliente");
    post(&mut norte, form(String::new(), "gerencia@norte.example"))
        .await
        .assert(
            StatusCode::SERVICE_UNAVAILABLE,
            "necesita un servidor de correo saliente",
        );

    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = smtp::free_port();
    let server = smtp::smtp_server(&py, port, &maildir).await;
    s.mail
        .set(Some(back_office_server::services::mail::MailConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Trastienda <informes@central.example.es>".into(),
        }))
        .unwrap();
    norte
        .get(&format!("/dashboard/reports?{query}"))
        .await
        .assert(StatusCode::OK, "id=\"report-mail\"")
        .assert(StatusCode::OK, "name=\"recipient\"");
    // A wrong address, another franchisee's store: refused, nothing sent.
    post(&mut norte, form(String::new(), "gerencia@"))
        .await
        .assert(
            StatusCode::UNPROCESSABLE_ENTITY,
            "«gerencia@» no es una dirección de correo válida",
        );
    let refused = post(
        &mut norte,
        form(w.sur.to_string(), "gerencia@norte.example"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);

    // Sent: back to the report, which says where it went.
    let sent = post(&mut norte, form(String::new(), " gerencia@norte.example ")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let back = sent.location.expect("a redirect");
    assert!(
        back.starts_with("/dashboard/reports?by=hour&from=2026-01-12&to=2026-01-13"),
        "{back}"
    );
    norte.get(&back).await.assert(
        StatusCode::OK,
        "Informe enviado a gerencia@norte.example (en CSV, adjunto).",
    );

    let got = read_mail(&py, &maildir);
    assert_eq!(got.len(), 1, "{got:?}");
    let [to, subject, text, name, csv] = &got[0];
    assert_eq!(to, "gerencia@norte.example");
    assert_eq!(
        subject,
        "Informe «Por hora» · Todas · 12/01/2026 – 13/01/2026"
    );
    assert!(
        text.contains("Lo envía Usuario norte desde Trastienda."),
        "{text}"
    );
    assert_eq!(name, "ventas-hour-2026-01-12-2026-01-13.csv");
    // The very file the manager downloads: their store's hours only.
    let download = norte.get(&format!("/dashboard/reports.csv?{query}")).await;
    assert_eq!(
        csv.replace("\r\n", "\n"),
        download.body.replace("\r\n", "\n")
    );
    let keys: Vec<String> = parse_csv(csv)
        .into_iter()
        .map(|r| r["key"].clone())
        .collect();
    assert_eq!(
        keys,
        ["9", "10", "13", "18"],
        "Norte's hours, not Sur's 11:00"
    );

    // The control reports have the same form: staff hours for payroll, Norte picked.
    let hours = format!("from=2026-01-12&to=2026-01-13&store={}", w.norte);
    norte
        .get(&format!("/dashboard/reports/hours?{hours}"))
        .await
        .assert(StatusCode::OK, "action=\"/dashboard/reports/hours/mail\"");
    let f: Vec<(&str, String)> = vec![
        ("csrf", csrf.clone()),
        ("from", "2026-01-12".into()),
        ("to", "2026-01-13".into()),
        ("store", w.norte.to_string()),
        ("recipient", "nominas@norte.example".into()),
    ];
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sent = norte.post("/dashboard/reports/hours/mail", &f).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("/dashboard/reports/hours?{hours}&mailed=nominas%40norte.example").as_str())
    );
    let got = read_mail(&py, &maildir);
    assert_eq!(got.len(), 2, "{got:?}");
    // The maildir's order is not the sending order: the one to payroll.
    let [to, subject, _, name, csv] = got
        .iter()
        .find(|m| m[0] == "nominas@norte.example")
        .unwrap_or_else(|| panic!("nothing to nominas@: {got:?}"));
    assert_eq!(to, "nominas@norte.example");
    assert_eq!(
        subject,
        "Informe «Horas del personal» · Tienda Norte · 12/01/2026 – 13/01/2026"
    );
    assert_eq!(name, "horas-personal-2026-01-12-2026-01-13.csv");
    let download = norte
        .get(&format!("/dashboard/reports/hours.csv?{hours}"))
        .await;
    assert_eq!(
        csv.replace("\r\n", "\n"),
        download.body.replace("\r\n", "\n")
    );
    norte
        .post("/dashboard/reports/nothing/mail", &f)
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");

    // The SMTP server gone: a clear error, and the address kept for another try.
    drop(server);
    post(&mut norte, form(String::new(), "gerencia@norte.example"))
        .await
        .assert(
            StatusCode::BAD_GATEWAY,
            "No se pudo enviar el informe a gerencia@norte.example",
        );
    assert_eq!(read_mail(&py, &maildir).len(), 2);
}

// --- the migration 0007 backfill ----------------------------------------------------------------

/// The aggregate tables migration 0007 adds and backfills.
const NEW_TABLES: [&str; 4] = [
    "agg_hour_day",
    "agg_cashier_day",
    "agg_product_day_all",
    "agg_product_month_all",
];

/// The backfill part of a 0007 migration file (after its tables and indexes).
fn backfill_sql(migration: &str) -> &str {
    let i = migration
        .find("-- Documents stored before this migration.")
        .expect("backfill marker in migration 0007");
    &migration[i..]
}

/// Documents pushed, then the new aggregates emptied and rebuilt by the migration's own backfill
/// SQL, as on a database that had the documents before the upgrade: same rows as push wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_backfill_sqlite() {
    let s = sqlite().await;
    world(&s).await;
    let path = s._dir.as_ref().unwrap().path().join("hq.db");
    let c = rusqlite::Connection::open(path).unwrap();
    let dump = |c: &rusqlite::Connection| -> Vec<Vec<String>> {
        NEW_TABLES
            .iter()
            .map(|t| {
                let mut st = c
                    .prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2, 3"))
                    .unwrap();
                let n = st.column_count();
                st.query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|v| v.join("|"))
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap()
            })
            .collect()
    };
    let pushed = dump(&c);
    assert!(pushed.iter().all(|t| !t.is_empty()));
    for t in NEW_TABLES {
        c.execute(&format!("DELETE FROM {t}"), []).unwrap();
    }
    c.execute_batch(backfill_sql(include_str!(
        "../../migrations/server/sqlite/0007_sales_report_dims.sql"
    )))
    .unwrap();
    assert_eq!(dump(&c), pushed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_backfill_postgres() {
    let Some((s, base, url)) = postgres().await else {
        return;
    };
    world(&s).await;
    let (c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let dump = async |c: &tokio_postgres::Client| -> Vec<Vec<String>> {
        let mut out = vec![];
        for t in NEW_TABLES {
            let rows = c
                .query(
                    &format!("SELECT CAST(ROW(x.*) AS TEXT) FROM {t} x ORDER BY 1"),
                    &[],
                )
                .await
                .unwrap();
            out.push(rows.iter().map(|r| r.get::<_, String>(0)).collect());
        }
        out
    };
    let pushed = dump(&c).await;
    assert!(pushed.iter().all(|t| !t.is_empty()));
    for t in NEW_TABLES {
        c.execute(&format!("DELETE FROM {t}"), &[]).await.unwrap();
    }
    c.batch_execute(backfill_sql(include_str!(
        "../../migrations/server/postgres/0007_sales_report_dims.sql"
    )))
    .await
    .unwrap();
    assert_eq!(dump(&c).await, pushed);
    drop(c);
    drop(s);
    let _ = back_office_server::storage::postgres::drop_scratch_database(&base, &url).await;
}

/// Migration 0052: a document's JSON is compressed with lz4 on PostgreSQL (pglz was a sixth of the
/// database's time during a push), and what a push stores reads back whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_stored_with_lz4_on_postgres() {
    let Some((s, base, url)) = postgres().await else {
        return;
    };
    world(&s).await;
    let (c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    for table in ["documents", "document_conflicts"] {
        let method: String = c
            .query_one(
                "SELECT attcompression::text FROM pg_attribute
                 WHERE attrelid = $1::text::regclass AND attname = 'json'",
                &[&table],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(method, "l", "{table}.json is not set to lz4");
    }
    // Nothing the pushes stored went to pglz, and every document reads back whole.
    let r = c
        .query_one(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE pg_column_compression(json) = 'pglz'),
                    COUNT(*) FILTER (WHERE (json::jsonb ->> 'id') = id)
             FROM documents",
            &[],
        )
        .await
        .unwrap();
    let (all, pglz, whole): (i64, i64, i64) = (r.get(0), r.get(1), r.get(2));
    assert!(all > 0);
    assert_eq!((pglz, whole), (0, all));
    drop(s);
    let _ = back_office_server::storage::postgres::drop_scratch_database(&base, &url).await;
}
