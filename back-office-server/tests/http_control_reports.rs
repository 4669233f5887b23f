//! The control reports of the dashboard's Informes page end to end (SQLite, and PostgreSQL when
//! `TRASTIENDA_TEST_POSTGRES_URL` is set): loss prevention per cashier, cash over/short per Z close
//! and staff hours for payroll. Real documents are pushed through storage, then each page and CSV
//! is fetched as HQ, an analyst and a store manager, with exact figures.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{NewFranchisee, NewStaff, NewStore, TillAuth};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use sync_protocol::{
    AuditAction, AuditEvent, CashClose, ClockDirection, ClockEvent, Document, DocumentBody,
    DocumentId, GENESIS_HASH, Money, Payment, ProductId, Quantity, Refund, SaleLine, StaffId,
    StaffRole, StoreId, TaxRate, Tender, TenderAmount, compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

// --- the franchise and its documents ------------------------------------------------------------

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

struct World {
    norte: StoreId,
    sur: StoreId,
    /// Cashier at Norte, manager at Norte, cashier at Sur.
    ana: StaffId,
    marta: StaffId,
    sara: StaffId,
    till_norte: i64,
    till_sur: i64,
}

/// Till time from a UTC date and time (January: Madrid is UTC+1).
fn at(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, day, h, m, 0).unwrap()
}

fn money(cents: i64) -> Money {
    Money::from_cents(cents)
}

fn clock(staff: StaffId, direction: ClockDirection) -> DocumentBody {
    DocumentBody::ClockEvent(ClockEvent {
        staff_id: staff,
        direction,
    })
}

fn audit(
    action: AuditAction,
    staff: StaffId,
    approved_by: Option<StaffId>,
    cents: Option<i64>,
) -> DocumentBody {
    DocumentBody::AuditEvent(AuditEvent {
        action,
        staff_id: Some(staff),
        approved_by,
        reference: Some("T0001-000001".into()),
        amount: cents.map(money),
        note: None,
    })
}

fn close(
    z: u64,
    day: u32,
    expected: i64,
    counted: i64,
    tolerance: Option<i64>,
    approved_by: Option<StaffId>,
    note: Option<&str>,
) -> DocumentBody {
    let cash = |c| {
        vec![TenderAmount {
            tender: Tender::Cash,
            amount: money(c),
        }]
    };
    DocumentBody::CashClose(CashClose {
        z_number: z,
        business_date: NaiveDate::from_ymd_opt(2026, 1, day).unwrap(),
        opening_float: money(10_000),
        expected: cash(expected),
        counted: cash(counted),
        first_seq: 1,
        last_seq: 1,
        ticket_count: 0,
        gross: Money::ZERO,
        staff_id: approved_by,
        approved_by,
        note: note.map(str::to_string),
        denominations: vec![],
        blind: false,
        tolerance: tolerance.map(money),
        next_float: None,
    })
}

fn refund(cashier: StaffId, manager: StaffId) -> DocumentBody {
    let line = SaleLine {
        line_id: Uuid::new_v4(),
        product_id: ProductId(1),
        barcode: None,
        name: "Café molido 250 g".into(),
        quantity: Quantity::units(1),
        unit_price: money(777),
        tax_rate: TaxRate::percent(10),
        discount: Money::ZERO,
        promotion: None,
    };
    let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
    DocumentBody::Refund(Refund {
        refund_number: "D0001-000001".into(),
        original_sale_id: DocumentId::new(),
        original_ticket_number: "T0001-000001".into(),
        cashier_id: Some(cashier),
        approved_by: Some(manager),
        reason: "Defectuoso".into(),
        lines: vec![line],
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::new_v4(),
            tender: Tender::Cash,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    })
}

async fn world(s: &Server) -> World {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let mut stores = vec![];
    for name in ["Tienda Norte", "Tienda Sur"] {
        stores.push(
            st.create_store(&NewStore {
                receipt_footer: "Gracias".into(),
                ..NewStore::new(f.id, name, "x")
            })
            .await
            .unwrap()
            .id,
        );
    }
    let mut staff = vec![];
    for (name, role, store) in [
        ("Ana Norte", StaffRole::Cashier, stores[0]),
        ("Sara Sur", StaffRole::Cashier, stores[1]),
        ("Marta Encargada", StaffRole::Manager, stores[0]),
    ] {
        staff.push(
            st.create_staff(&NewStaff {
                name: name.into(),
                role,
                store_id: store,
                pin_hash: auth::hash_pin("1234").unwrap(),
            })
            .await
            .unwrap()
            .id,
        );
    }
    let (ana, sara, marta) = (staff[0], staff[1], staff[2]);
    let mut norte = Till {
        auth: enrolled(s, stores[0], "Caja Norte").await,
        seq: 0,
        prev: GENESIS_HASH.into(),
    };
    let mut sur = Till {
        auth: enrolled(s, stores[1], "Caja Sur").await,
        seq: 0,
        prev: GENESIS_HASH.into(),
    };
    use AuditAction::*;
    use ClockDirection::{In, Out};
    // Norte, Monday 12: Ana works 10:00–18:30 Madrid (8,50 h): two voids, a price override, a
    // refund (its Refund document too: counted once), a no-sale. Z 1 short by 2,00 € (within 5,00 €).
    norte.push(s, at(12, 9, 0), clock(ana, In)).await;
    norte
        .push(s, at(12, 10, 0), audit(Void, ana, None, Some(345)))
        .await;
    norte
        .push(s, at(12, 10, 5), audit(Void, ana, None, Some(120)))
        .await;
    norte
        .push(
            s,
            at(12, 11, 0),
            audit(PriceOverride, ana, Some(marta), Some(50)),
        )
        .await;
    norte.push(s, at(12, 12, 0), refund(ana, marta)).await;
    norte
        .push(s, at(12, 12, 0), audit(Refund, ana, Some(marta), Some(777)))
        .await;
    norte
        .push(s, at(12, 13, 0), audit(NoSale, ana, None, None))
        .await;
    norte.push(s, at(12, 17, 30), clock(ana, Out)).await;
    norte
        .push(
            s,
            at(12, 20, 0),
            close(1, 12, 10_000, 9_800, Some(500), None, None),
        )
        .await;
    // Tuesday 13: Ana 10:00–14:20 (4,33 h), back at 15:00 and never clocks out (open).
    // Z 2 short by 10,00 €, beyond tolerance, approved by Marta with a note.
    // Marta works the night: 22:00 to 06:15 on Wednesday (8,25 h, on Tuesday).
    norte.push(s, at(13, 9, 0), clock(ana, In)).await;
    norte.push(s, at(13, 13, 20), clock(ana, Out)).await;
    norte.push(s, at(13, 14, 0), clock(ana, In)).await;
    norte
        .push(
            s,
            at(13, 20, 0),
            close(
                2,
                13,
                20_000,
                19_000,
                Some(500),
                Some(marta),
                Some("Falta un billete de 10"),
            ),
        )
        .await;
    norte
        .push(
            s,
            at(13, 20, 0),
            audit(ToleranceOverride, marta, Some(marta), Some(-1000)),
        )
        .await;
    norte.push(s, at(13, 21, 0), clock(marta, In)).await;
    norte.push(s, at(14, 5, 15), clock(marta, Out)).await;
    // Outside the period: Friday 9 and Thursday 15.
    norte
        .push(s, at(9, 10, 0), audit(Void, ana, None, Some(9_999)))
        .await;
    norte.push(s, at(15, 9, 0), clock(ana, In)).await;
    norte.push(s, at(15, 17, 0), clock(ana, Out)).await;
    // Sur, Monday 12: Sara 08:00–16:00 (8,00 h), one void; Z 1 over by 0,50 € with no tolerance
    // given (HQ's default 5,00 € applies).
    sur.push(s, at(12, 7, 0), clock(sara, In)).await;
    sur.push(s, at(12, 9, 0), audit(Void, sara, None, Some(999)))
        .await;
    sur.push(s, at(12, 15, 0), clock(sara, Out)).await;
    sur.push(
        s,
        at(12, 20, 0),
        close(1, 12, 5_000, 5_050, None, None, None),
    )
    .await;

    for (user, role, stores_of) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analista", DashboardRole::Analyst, vec![]),
        ("norte", DashboardRole::Manager, vec![stores[0]]),
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
        norte: stores[0],
        sur: stores[1],
        ana,
        marta,
        sara,
        till_norte: norte.auth.till_id.0,
        till_sur: sur.auth.till_id.0,
    }
}

const PERIOD: &str = "from=2026-01-12&to=2026-01-13";

/// The `<tr>` of a table with this `data-key`.
fn row<'b>(body: &'b str, key: &str) -> &'b str {
    let start = body
        .find(&format!("<tr data-key=\"{key}\""))
        .unwrap_or_else(|| panic!("no row {key} in {body}"));
    let end = body[start..].find("</tr>").unwrap() + start;
    &body[start..end]
}

fn lines(csv: &str) -> Vec<&str> {
    csv.lines().collect()
}

// --- scenarios ----------------------------------------------------------------------------------

async fn loss_prevention_per_cashier(s: &Server) {
    let w = world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let p = hq.get(&format!("/dashboard/reports/loss?{PERIOD}")).await;
    p.assert(StatusCode::OK, "Pérdidas por cajero")
        .assert(StatusCode::OK, "<svg");
    let ana = row(&p.body, &format!("{}-{}", w.norte, w.ana));
    assert!(
        ana.contains("<td>Tienda Norte</td><td>Ana Norte</td>"),
        "{ana}"
    );
    // Voids 2 · 4,65 €; overrides 1 · 0,50 €; refunds 1 · 7,77 € (not 2: the Refund document is not
    // counted again); no-sale 1; tolerance overrides 0.
    assert!(
        ana.contains(
            "<td class=\"num\">2</td><td class=\"num\">4,65 €</td><td class=\"num\">1</td><td class=\"num\">0,50 €</td>\
             <td class=\"num\">1</td><td class=\"num\">7,77 €</td><td class=\"num\">1</td>\
             <td class=\"num\">0</td><td class=\"num\">0,00 €</td>"
        ),
        "{ana}"
    );
    let csv = hq
        .get(&format!("/dashboard/reports/loss.csv?{PERIOD}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let (n, su) = (w.norte, w.sur);
    assert_eq!(
        lines(&csv.body),
        vec![
            "store_id,store,staff_id,staff,voids,void_amount,price_overrides,price_override_amount,\
             refunds,refund_amount,no_sales,tolerance_overrides,tolerance_override_amount",
            &format!(
                "{n},Tienda Norte,{},Ana Norte,2,4.65,1,0.50,1,7.77,1,0,0.00",
                w.ana
            ),
            &format!(
                "{n},Tienda Norte,{},Marta Encargada,0,0.00,0,0.00,0,0.00,0,1,-10.00",
                w.marta
            ),
            &format!(
                "{su},Tienda Sur,{},Sara Sur,1,9.99,0,0.00,0,0.00,0,0,0.00",
                w.sara
            ),
        ]
    );
    // One store only.
    let csv = hq
        .get(&format!("/dashboard/reports/loss.csv?{PERIOD}&store={su}"))
        .await;
    assert_eq!(lines(&csv.body).len(), 2, "{}", csv.body);
    assert!(csv.body.contains("Sara Sur"));
    // The store manager sees only their store, in the page and in the CSV.
    let (mut m, _) = Browser::signed_in(s, "norte").await;
    let p = m.get(&format!("/dashboard/reports/loss?{PERIOD}")).await;
    p.assert(StatusCode::OK, "Ana Norte");
    assert!(
        !p.body.contains("Sara Sur") && !p.body.contains("9,99"),
        "{}",
        p.body
    );
    let csv = m
        .get(&format!("/dashboard/reports/loss.csv?{PERIOD}"))
        .await;
    assert_eq!(lines(&csv.body).len(), 3, "{}", csv.body);
    assert!(!csv.body.contains("Tienda Sur"));
    // … and cannot ask for another one.
    let p = m
        .get(&format!("/dashboard/reports/loss.csv?{PERIOD}&store={su}"))
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "{}", p.body);
    assert!(!p.body.contains("Sara Sur"));
    // The analyst reads everything.
    let (mut a, _) = Browser::signed_in(s, "analista").await;
    a.get(&format!("/dashboard/reports/loss?{PERIOD}"))
        .await
        .assert(StatusCode::OK, "Sara Sur");
    // Signed out: to the sign-in page.
    let p = Browser::new(s).get("/dashboard/reports/loss").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/dashboard/login"));
}

async fn cash_over_short_per_close(s: &Server) {
    let w = world(s).await;
    let (n, su, tn, ts) = (w.norte, w.sur, w.till_norte, w.till_sur);
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let p = hq.get(&format!("/dashboard/reports/cash?{PERIOD}")).await;
    p.assert(StatusCode::OK, "Descuadres de caja")
        .assert(StatusCode::OK, "<svg");
    let z2 = row(&p.body, &format!("{tn}-2"));
    for needle in [
        "class=\"flagged\"",
        "200,00 €",
        "190,00 €",
        "−10,00 €",
        "Fuera de tolerancia",
        "Marta Encargada",
        "Falta un billete de 10",
        "13/01/2026",
    ] {
        assert!(z2.contains(needle), "{needle}: {z2}");
    }
    let z1 = row(&p.body, &format!("{tn}-1"));
    assert!(!z1.contains("flagged") && z1.contains("−2,00 €"), "{z1}");
    let sur = row(&p.body, &format!("{ts}-1"));
    assert!(sur.contains("+0,50 €") && sur.contains("5,00 €"), "{sur}");
    let csv = hq
        .get(&format!("/dashboard/reports/cash.csv?{PERIOD}"))
        .await;
    assert_eq!(
        lines(&csv.body),
        vec![
            "store_id,store,till_id,till,z_number,business_date,closed_at,expected_cash,counted_cash,\
             over_short,tolerance,beyond_tolerance,approved_by,note",
            &format!(
                "{n},Tienda Norte,{tn},Caja Norte,1,2026-01-12,2026-01-12 21:00,100.00,98.00,-2.00,5.00,no,,"
            ),
            &format!(
                "{n},Tienda Norte,{tn},Caja Norte,2,2026-01-13,2026-01-13 21:00,200.00,190.00,-10.00,5.00,yes,\
                 Marta Encargada,Falta un billete de 10"
            ),
            &format!(
                "{su},Tienda Sur,{ts},Caja Sur,1,2026-01-12,2026-01-12 21:00,50.00,50.50,0.50,5.00,no,,"
            ),
        ]
    );
    // A one-day period keeps only that day's close.
    let csv = hq
        .get("/dashboard/reports/cash.csv?from=2026-01-13&to=2026-01-13")
        .await;
    assert_eq!(lines(&csv.body).len(), 2, "{}", csv.body);
    let (mut m, _) = Browser::signed_in(s, "norte").await;
    let p = m.get(&format!("/dashboard/reports/cash?{PERIOD}")).await;
    p.assert(StatusCode::OK, "Caja Norte");
    assert!(
        !p.body.contains("Caja Sur") && !p.body.contains("50,50"),
        "{}",
        p.body
    );
    let csv = m
        .get(&format!("/dashboard/reports/cash.csv?{PERIOD}"))
        .await;
    assert_eq!(lines(&csv.body).len(), 3, "{}", csv.body);
    let (mut a, _) = Browser::signed_in(s, "analista").await;
    a.get(&format!("/dashboard/reports/cash.csv?{PERIOD}"))
        .await
        .assert(StatusCode::OK, "Caja Sur");
}

async fn staff_hours_for_payroll(s: &Server) {
    let w = world(s).await;
    let (n, su) = (w.norte, w.sur);
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let p = hq.get(&format!("/dashboard/reports/hours?{PERIOD}")).await;
    p.assert(StatusCode::OK, "Horas del personal")
        .assert(StatusCode::OK, "<svg");
    let open = row(&p.body, &format!("{}-2026-01-13-{n}", w.ana));
    for needle in ["10:00", "14:20", "4,33", "abierto"] {
        assert!(open.contains(needle), "{needle}: {open}");
    }
    // Totals per person: Ana 8,50 + 4,33 h (4 h 20 min) = 12,83; everyone 29,08.
    let ana = row(&p.body, &w.ana.to_string());
    assert!(
        ana.contains(
            "<td class=\"num\">2</td><td class=\"num\">12,83</td><td class=\"num\">1</td>"
        ),
        "{ana}"
    );
    p.assert(StatusCode::OK, "<td class=\"num\">29,08</td>");
    let csv = hq
        .get(&format!("/dashboard/reports/hours.csv?{PERIOD}"))
        .await;
    assert_eq!(
        lines(&csv.body),
        vec![
            "store_id,store,staff_id,staff,date,first_in,last_out,hours,status",
            &format!(
                "{n},Tienda Norte,{},Ana Norte,2026-01-12,10:00,18:30,8.50,closed",
                w.ana
            ),
            &format!(
                "{n},Tienda Norte,{},Ana Norte,2026-01-13,10:00,14:20,4.33,open",
                w.ana
            ),
            &format!(
                "{n},Tienda Norte,{},Marta Encargada,2026-01-13,22:00,06:15,8.25,closed",
                w.marta
            ),
            &format!(
                "{su},Tienda Sur,{},Sara Sur,2026-01-12,08:00,16:00,8.00,closed",
                w.sara
            ),
        ]
    );
    let (mut m, _) = Browser::signed_in(s, "norte").await;
    let csv = m
        .get(&format!("/dashboard/reports/hours.csv?{PERIOD}"))
        .await;
    assert_eq!(lines(&csv.body).len(), 4, "{}", csv.body);
    assert!(!csv.body.contains("Sara Sur"));
    let p = m.get(&format!("/dashboard/reports/hours?{PERIOD}")).await;
    assert!(!p.body.contains("Sara Sur"), "{}", p.body);
    let (mut a, _) = Browser::signed_in(s, "analista").await;
    a.get(&format!("/dashboard/reports/hours?{PERIOD}&store={su}"))
        .await
        .assert(StatusCode::OK, "Sara Sur");
}

async fn bad_filters_get_a_message(s: &Server) {
    world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    for kind in ["loss", "cash", "hours", "loss.csv", "cash.csv", "hours.csv"] {
        hq.get(&format!("/dashboard/reports/{kind}?from=2026-13-01"))
            .await
            .assert(
                StatusCode::UNPROCESSABLE_ENTITY,
                "La fecha «2026-13-01» de «desde» no es válida",
            );
        hq.get(&format!(
            "/dashboard/reports/{kind}?from=2026-01-14&to=2026-01-12"
        ))
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "es posterior a «hasta»");
        hq.get(&format!("/dashboard/reports/{kind}?store=norte"))
            .await
            .assert(
                StatusCode::UNPROCESSABLE_ENTITY,
                "La tienda «norte» no es válida",
            );
        hq.get(&format!(
            "/dashboard/reports/{kind}?from=2020-01-01&to=2026-01-01"
        ))
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "como mucho");
        hq.get(&format!("/dashboard/reports/{kind}?store=999999"))
            .await
            .assert(StatusCode::NOT_FOUND, "No existe o no tienes acceso");
    }
    // The sales reports link to the control reports.
    hq.get("/dashboard/reports")
        .await
        .assert(StatusCode::OK, "/dashboard/reports/hours?from=");
}

// --- per backend --------------------------------------------------------------------------------

on_both_backends!(loss_prevention_per_cashier);
on_both_backends!(cash_over_short_per_close);
on_both_backends!(staff_hours_for_payroll);
on_both_backends!(bad_filters_get_a_message);
