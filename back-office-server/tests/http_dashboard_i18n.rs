//! The dashboard in Spanish and English, end to end (SQLite, and PostgreSQL when
//! `TRASTIENDA_TEST_POSTGRES_URL` is set): every translated page renders in English with no Spanish
//! word left and in Spanish with no English word left; the ES | EN switch sets a cookie and the next
//! page follows it, without open redirects; `Accept-Language` picks the default; a bogus cookie
//! falls back; validation errors and formats (money, dates) follow the language.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::deliveries::NewDeliveryNote;
use back_office_server::storage::{NewFranchisee, NewProduct, NewStaff, NewStore, NewTaxRate};
use chrono::Utc;
use reqwest::StatusCode;
use sync_protocol::{
    AuditAction, AuditEvent, CashClose, ClockDirection, ClockEvent, Document, DocumentBody,
    DocumentId, GENESIS_HASH, Money, Payment, ProductId, Quantity, Sale, SaleLine, StaffRole,
    StoreId, TaxRate, Tender, TenderAmount, compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

/// A franchise whose data (names, SKUs) is in neither language, so any Spanish or English word
/// on a page comes from the dashboard itself.
struct World {
    store: StoreId,
    franchisee: i64,
    product: ProductId,
    /// A pending delivery note of the store.
    note: i64,
}

async fn world(s: &Server) -> World {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Zeta Koop, S.L.".into(),
            nif: "B12345674".into(),
            address: "Kalea 1".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&NewStore {
            franchisee_id: f.id,
            name: "Zeta Uno".into(),
            address: "Kalea 2".into(),
            receipt_header: "Kaixo".into(),
            receipt_footer: "Agur".into(),
            cash_tolerance: back_office_server::storage::default_cash_tolerance(),
            time_zone: Default::default(),
        })
        .await
        .unwrap()
        .id;
    let rate = st
        .create_tax_rate(&NewTaxRate {
            name: "R10".into(),
            rate: TaxRate::percent(10),
        })
        .await
        .unwrap();
    let product = st
        .create_product(&NewProduct {
            sku: "ZK-1".into(),
            name: "Zumo Kiwi".into(),
            tax_rate_id: rate.id,
            price: Money::from_cents(123456),
            barcodes: vec!["8412345678905".into()],
        })
        .await
        .unwrap()
        .id;
    let staff = st
        .create_staff(&NewStaff {
            name: "Itziar".into(),
            role: StaffRole::Cashier,
            store_id: store,
            pin_hash: auth::hash_pin("1234").unwrap(),
        })
        .await
        .unwrap();
    // An enrolled till that has never pushed: "never" on the tills page.
    enrolled(s, store, "K1").await;
    // One that pushed its document 2 without 1: a gap on the tills page, an open alert on the
    // overview, a last sync "less than 1 min ago".
    let k3 = enrolled(s, store, "K3").await;
    let d = Document::seal(
        DocumentId::new(),
        k3.till_id,
        k3.store_id,
        2,
        Utc::now(),
        GENESIS_HASH,
        DocumentBody::ClockEvent(ClockEvent {
            staff_id: staff.id,
            direction: ClockDirection::In,
        }),
    );
    st.push(&k3, std::slice::from_ref(&d), Utc::now())
        .await
        .unwrap();
    // Then a cash sale with no cashier and no category, a void by nobody known and a Z close
    // beyond its tolerance with no approval: every report has a row with the labels the
    // dashboard makes up ("no cashier", "cash", "unidentified", "beyond tolerance"…).
    let line = SaleLine {
        line_id: Uuid::new_v4(),
        product_id: product,
        barcode: None,
        name: "Zumo Kiwi".into(),
        quantity: Quantity::units(2),
        unit_price: Money::from_cents(250),
        tax_rate: TaxRate::percent(10),
        discount: Money::ZERO,
        promotion: None,
    };
    let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
    let today = back_office_server::storage::sql::business_day(Utc::now());
    let bodies = [
        DocumentBody::Sale(Sale {
            ticket_number: "K3-000001".into(),
            cashier_id: None,
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
        }),
        DocumentBody::AuditEvent(AuditEvent {
            action: AuditAction::Void,
            staff_id: None,
            approved_by: None,
            reference: None,
            amount: Some(Money::from_cents(100)),
            note: None,
        }),
        DocumentBody::CashClose(CashClose {
            z_number: 1,
            business_date: today,
            opening_float: Money::ZERO,
            expected: vec![TenderAmount {
                tender: Tender::Cash,
                amount: Money::from_cents(500),
            }],
            counted: vec![TenderAmount {
                tender: Tender::Cash,
                amount: Money::from_cents(2500),
            }],
            first_seq: 2,
            last_seq: 4,
            ticket_count: 1,
            gross: Money::from_cents(500),
            staff_id: None,
            approved_by: None,
            note: None,
            denominations: vec![],
            blind: false,
            tolerance: None,
            next_float: None,
        }),
    ];
    let mut prev = d.hash.clone();
    for (i, body) in bodies.into_iter().enumerate() {
        let d = Document::seal(
            DocumentId::new(),
            k3.till_id,
            k3.store_id,
            3 + i as u64,
            Utc::now(),
            &prev,
            body,
        );
        st.push(&k3, std::slice::from_ref(&d), Utc::now())
            .await
            .unwrap();
        prev = d.hash.clone();
    }
    let note = st
        .deliveries()
        .create_delivery_note(
            &NewDeliveryNote {
                store_id: store,
                supplier: "Zeta Hornitza".into(),
                expected_date: today,
                lines: vec![(product, Quantity::units(6))],
                created_by: "Ane".into(),
                unit_costs: Vec::new(),
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .id;
    for (user, role, stores) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analyst", DashboardRole::Analyst, vec![]),
        ("boss", DashboardRole::Manager, vec![store]),
    ] {
        back_office_server::services::accounts::create_user(
            &*st.clone(),
            user,
            "Ane",
            PASSWORD,
            role,
            stores,
        )
        .await
        .unwrap();
    }
    World {
        store,
        franchisee: f.id.0,
        product,
        note,
    }
}

/// The words of a page (markup included: tag and attribute names, ids and classes are English
/// code words that neither list below contains).
fn words(html: &str) -> Vec<&str> {
    html.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Words only Spanish text would have (case-sensitive).
const SPANISH: &[&str] = &[
    "Tienda",
    "Tiendas",
    "Caja",
    "Cajas",
    "Catálogo",
    "Resumen",
    "Personal",
    "Informes",
    "Guardar",
    "Crear",
    "Nombre",
    "Precio",
    "Dirección",
    "Franquiciado",
    "Franquiciados",
    "Domicilio",
    "Cabecera",
    "Pie",
    "Salir",
    "Buscar",
    "Exportar",
    "Importar",
    "Entrar",
    "Usuario",
    "Contraseña",
    "Balanzas",
    "Prefijo",
    "Decimales",
    "Añadir",
    "Quitar",
    "Revocar",
    "Alertas",
    "Ventas",
    "hace",
    "Página",
    "Siguiente",
    "Anterior",
    "Estado",
    "Rol",
    "Idioma",
    "de",
    "del",
    "la",
    "el",
    "los",
    "las",
    "con",
    "sin",
    "por",
    "para",
    "una",
    "nunca",
    "activa",
    "activo",
    "cajero",
    "encargado",
    "peso",
    "precio",
    "sí",
    "Sin",
    "Revisa",
    "Volver",
    "Hoy",
    "hoy",
    "Código",
    "código",
    "códigos",
    "Tipo",
    "Formato",
    "Valor",
    "Significado",
];

/// Words only English text would have (case-sensitive).
const ENGLISH: &[&str] = &[
    "Store",
    "Stores",
    "Till",
    "Tills",
    "Catalogue",
    "Overview",
    "Staff",
    "Reports",
    "Save",
    "Create",
    "Name",
    "Price",
    "Address",
    "Franchisee",
    "Franchisees",
    "Search",
    "Export",
    "Import",
    "Sign",
    "Password",
    "Remove",
    "Revoke",
    "Alerts",
    "Sales",
    "ago",
    "Page",
    "Next",
    "Previous",
    "the",
    "of",
    "and",
    "with",
    "never",
    "yes",
    "Language",
    "Status",
    "Role",
    "Back",
    "Kind",
    "Layout",
    "Value",
    "Meaning",
    "Today",
];

fn assert_no_words(path: &str, html: &str, banned: &[&str], lang: &str) {
    // A delivery note status as the API spells it (the value of a filter option) is a code, not
    // a word of the page.
    let html = &html.replace("\"received_with_differences\"", "\"\"");
    assert!(
        html.contains(&format!("<html lang=\"{lang}\">")),
        "{path}: not lang={lang}: {html}"
    );
    let found: Vec<&str> = words(html)
        .into_iter()
        .filter(|w| banned.contains(w))
        .collect();
    assert!(
        found.is_empty(),
        "{path} in {lang} has words of the other language: {found:?}\n{html}"
    );
    if lang == "en" {
        let accents: Vec<char> = html.chars().filter(|c| "áéíóúñ¿¡«»".contains(*c)).collect();
        assert!(
            accents.is_empty(),
            "{path}: Spanish letters {accents:?}\n{html}"
        );
    }
}

/// Every translated page, in each language, as the HQ admin (who sees every form), as a
/// read-only analyst and as a store manager; the sign-in page, the enrolment code page and an error page too.
async fn every_page_in_one_language_only(s: &Server) {
    let w = world(s).await;
    let pages = [
        "/dashboard".to_string(),
        "/dashboard/catalog".into(),
        "/dashboard/catalog?q=nothing-matches".into(),
        format!("/dashboard/catalog/{}", w.product),
        "/dashboard/stores".into(),
        format!("/dashboard/stores/{}", w.store),
        format!("/dashboard/franchisees/{}", w.franchisee),
        "/dashboard/tills".into(),
        "/dashboard/staff".into(),
        "/dashboard/barcode-rules".into(),
        "/dashboard/customers".into(),
        "/dashboard/jobs".into(),
        "/dashboard/catalog/999999".into(),
        "/dashboard/reports".into(),
        "/dashboard/reports?by=day".into(),
        "/dashboard/reports?by=store".into(),
        "/dashboard/reports?by=product".into(),
        "/dashboard/reports?by=tax".into(),
        "/dashboard/reports?by=tender".into(),
        "/dashboard/reports?by=hour".into(),
        "/dashboard/reports?by=cashier".into(),
        "/dashboard/reports?by=franchisee".into(),
        "/dashboard/reports?by=category".into(),
        "/dashboard/reports?by=top".into(),
        "/dashboard/reports?by=top&rank=units&n=5".into(),
        // A period with no sales: the empty states.
        "/dashboard/reports?by=day&from=2020-01-01&to=2020-01-07".into(),
        "/dashboard/reports?by=top&from=2020-01-01&to=2020-01-07".into(),
        "/dashboard/reports/loss".into(),
        "/dashboard/reports/cash".into(),
        "/dashboard/reports/hours".into(),
        format!("/dashboard/reports/loss?store={}", w.store),
        "/dashboard/reports/loss?from=2020-01-01&to=2020-01-07".into(),
        "/dashboard/reports/cash?from=2020-01-01&to=2020-01-07".into(),
        "/dashboard/reports/hours?from=2020-01-01&to=2020-01-07".into(),
        "/dashboard/deliveries".into(),
        "/dashboard/purchase-orders".into(),
        "/dashboard/transfers".into(),
        "/dashboard/deliveries?status=received".into(),
        format!("/dashboard/deliveries/{}", w.note),
    ];
    for (lang, banned) in [("en", SPANISH), ("es", ENGLISH)] {
        // The sign-in page, before any session.
        let mut anon = Browser::new(s);
        anon.cookies.insert("trastienda_lang".into(), lang.into());
        let p = anon.get("/dashboard/login").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_no_words("/dashboard/login", &p.body, banned, lang);

        for user in ["hq", "analyst", "boss"] {
            let (mut b, csrf) = Browser::signed_in(s, user).await;
            b.cookies.insert("trastienda_lang".into(), lang.into());
            for path in &pages {
                let p = b.get(path).await;
                // Tareas is an HQ page: a store manager gets "not found".
                let want =
                    if path.ends_with("999999") || (path == "/dashboard/jobs" && user == "boss") {
                        StatusCode::NOT_FOUND
                    } else {
                        StatusCode::OK
                    };
                assert_eq!(p.status, want, "{path}: {}", p.body);
                assert_no_words(path, &p.body, banned, lang);
            }
            // The rows the world's documents make, in this language.
            for (path, es, en) in [
                (
                    "/dashboard/reports?by=tender",
                    ">Efectivo</td>",
                    ">Cash</td>",
                ),
                (
                    "/dashboard/reports?by=cashier",
                    ">Sin cajero registrado</td>",
                    ">No cashier recorded</td>",
                ),
                (
                    "/dashboard/reports?by=category",
                    ">Sin categoría</td>",
                    ">No category</td>",
                ),
                (
                    "/dashboard/reports?by=tax",
                    ">IVA 10.00 %</td>",
                    ">VAT 10.00%</td>",
                ),
                (
                    "/dashboard/reports?by=product",
                    "<td class=\"num gross\">5,00 €</td>",
                    "<td class=\"num gross\">€5.00</td>",
                ),
                (
                    "/dashboard/reports/loss",
                    "<td>Sin identificar</td>",
                    "<td>Unidentified</td>",
                ),
                (
                    "/dashboard/reports/cash",
                    "Fuera de tolerancia</b>",
                    "Beyond tolerance</b>",
                ),
                (
                    "/dashboard/reports/hours",
                    "<b class=\"down\">abierto</b>",
                    "<b class=\"down\">open</b>",
                ),
                (
                    "/dashboard/deliveries",
                    ">pendiente</span>",
                    ">pending</span>",
                ),
            ] {
                b.get(path)
                    .await
                    .assert(StatusCode::OK, if lang == "en" { en } else { es });
            }
            // The CSV files are the same whatever the language of the viewer.
            let mut csvs = vec![];
            for l in ["es", "en"] {
                b.cookies.insert("trastienda_lang".into(), l.into());
                let mut files = vec![];
                for path in [
                    "/dashboard/reports.csv?by=day",
                    "/dashboard/reports.csv?by=tender",
                    "/dashboard/reports.csv?by=cashier",
                    "/dashboard/reports.csv?by=top",
                    "/dashboard/reports/loss.csv",
                    "/dashboard/reports/cash.csv",
                    "/dashboard/reports/hours.csv",
                ] {
                    let p = b.get(path).await;
                    assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
                    files.push(p.body);
                }
                csvs.push(files);
            }
            assert_eq!(csvs[0], csvs[1]);
            assert!(
                csvs[0][1].contains("\ncash,Efectivo,1,0,") && csvs[0][1].contains(",5.00,0.00\n"),
                "{}",
                csvs[0][1]
            );
            b.cookies.insert("trastienda_lang".into(), lang.into());
            if user == "hq" {
                // A rule, so the rules table has a row; then the enrolment code page.
                let p = b
                    .post(
                        "/dashboard/barcode-rules",
                        &[
                            ("csrf", &csrf),
                            ("prefix", if lang == "en" { "21" } else { "23" }),
                            ("kind", "weight"),
                            ("item_digits", "5"),
                            ("value_digits", "5"),
                            ("decimals", "3"),
                        ],
                    )
                    .await;
                assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
                let notice = b.get(p.location.as_deref().unwrap()).await;
                assert_no_words("rules after save", &notice.body, banned, lang);
                let store = w.store.to_string();
                let p = b
                    .post(
                        "/dashboard/tills",
                        &[("csrf", &csrf), ("store_id", &store), ("name", "K2")],
                    )
                    .await;
                assert_eq!(p.status, StatusCode::OK, "{}", p.body);
                assert_no_words("enrolment code", &p.body, banned, lang);
            }
        }
    }
}

/// The switch: links on every page, a cookie, a redirect back to the page (only to this
/// dashboard), and the next page in the new language.
async fn the_switch_sets_the_cookie_and_the_next_page_follows(s: &Server) {
    world(s).await;
    let (mut b, _) = Browser::signed_in(s, "hq").await;
    let p = b.get("/dashboard/catalog?q=zumo").await;
    p.assert(StatusCode::OK, "<html lang=\"es\">");
    // Both links, coming back to this very page (query included).
    p.assert(
        StatusCode::OK,
        "href=\"/dashboard/lang?to=en&amp;back=%2Fdashboard%2Fcatalog%3Fq%3Dzumo\"",
    );
    p.assert(
        StatusCode::OK,
        "id=\"lang-es\" aria-current=\"true\">ES</a>",
    );

    let r = b
        .get("/dashboard/lang?to=en&back=%2Fdashboard%2Fcatalog%3Fq%3Dzumo")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/dashboard/catalog?q=zumo"));
    assert_eq!(
        b.cookies.get("trastienda_lang").map(String::as_str),
        Some("en")
    );
    let p = b.get("/dashboard/catalog?q=zumo").await;
    p.assert(StatusCode::OK, "<html lang=\"en\">")
        .assert(StatusCode::OK, "<h1>Catalogue</h1>")
        .assert(StatusCode::OK, ">Sign out</button>")
        .assert(
            StatusCode::OK,
            "id=\"lang-en\" aria-current=\"true\">EN</a>",
        );
    // The till itself is in the other page too: the overview and the sign-in page follow.
    b.get("/dashboard")
        .await
        .assert(StatusCode::OK, "<h1>Today ");

    // The cookie is set by the server, a year, for the whole site, not readable by scripts.
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/dashboard/lang?to=es&back=/dashboard", s.base))
        .send()
        .await
        .unwrap();
    let set = raw.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.starts_with("trastienda_lang=es; Path=/; Max-Age=31536000"),
        "{set}"
    );
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    // Dashboard answers depend on the language headers; shared caches must know.
    let vary = raw.headers()["vary"].to_str().unwrap().to_lowercase();
    assert!(
        vary.contains("accept-language") && vary.contains("cookie"),
        "{vary}"
    );

    // No open redirect, no header injection: anything but a dashboard path goes to /dashboard.
    for back in [
        "https%3A%2F%2Fevil.example%2Fdashboard",
        "%2F%2Fevil.example%2Fdashboard",
        "%2Fdashboard%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "%2Fdashboard%5C..%5Cx",
        "%2Fdashboard%2F..%2Fapi%2Fv1%2Fadmin",
        "%2Fdashboard%0d%0aSet-Cookie%3A%20x%3D1",
        "%2Fdashboardx",
        "%2Fapi%2Fv1%2Fadmin",
        "%2Fdashboard%40evil.example",
        "",
    ] {
        let r = b.get(&format!("/dashboard/lang?to=es&back={back}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(r.location.as_deref(), Some("/dashboard"), "{back}");
    }
    assert_eq!(
        b.cookies.get("trastienda_lang").map(String::as_str),
        Some("es")
    );
    // An unknown language is refused and changes nothing.
    for to in ["de", "EN", "en%0d%0aSet-Cookie%3A%20x%3D1", ""] {
        let r = b
            .get(&format!("/dashboard/lang?to={to}&back=/dashboard"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{to}: {}", r.body);
        assert!(r.body.contains("Idioma"), "{}", r.body);
        assert_eq!(
            b.cookies.get("trastienda_lang").map(String::as_str),
            Some("es")
        );
    }
    // The switch works signed out too (the sign-in page has it).
    let mut anon = Browser::new(s);
    anon.get("/dashboard/login")
        .await
        .assert(StatusCode::OK, "back=%2Fdashboard%2Flogin");
    let r = anon
        .get("/dashboard/lang?to=en&back=%2Fdashboard%2Flogin")
        .await;
    assert_eq!(r.location.as_deref(), Some("/dashboard/login"));
    anon.get("/dashboard/login")
        .await
        .assert(StatusCode::OK, "<h1>Sign in</h1>");
}

/// `Accept-Language` picks the language when there is no cookie; the cookie wins over it; a
/// bogus cookie is ignored.
async fn accept_language_and_bogus_cookies(s: &Server) {
    world(s).await;
    let (mut b, _) = Browser::signed_in(s, "hq").await;
    let get = |b: &Browser, al: &str| {
        b.http
            .get(format!("{}/dashboard/staff", s.base))
            .header("accept-language", al.to_string())
    };
    let rq = get(&b, "en-GB,en;q=0.9,es;q=0.5");
    b.send(rq)
        .await
        .assert(StatusCode::OK, "<html lang=\"en\">")
        .assert(StatusCode::OK, "<h1>Staff</h1>");
    let rq = get(&b, "es-ES,es;q=0.9,en;q=0.8");
    b.send(rq).await.assert(StatusCode::OK, "<h1>Personal</h1>");
    let rq = get(&b, "fr-FR,de;q=0.5");
    b.send(rq)
        .await
        .assert(StatusCode::OK, "<html lang=\"es\">");

    b.cookies.insert("trastienda_lang".into(), "es".into());
    let rq = get(&b, "en");
    b.send(rq).await.assert(StatusCode::OK, "<h1>Personal</h1>");

    for bogus in ["xx", "EN", "e%6E", "\"en\"", "en-GB"] {
        b.cookies.insert("trastienda_lang".into(), bogus.into());
        let p = b.get("/dashboard/staff").await;
        p.assert(StatusCode::OK, "<html lang=\"es\">")
            .assert(StatusCode::OK, "<h1>Personal</h1>");
        let rq = get(&b, "en-US");
        b.send(rq).await.assert(StatusCode::OK, "<h1>Staff</h1>");
    }

    // Signed out: the sign-in page and its error in the browser's language.
    let mut anon = Browser::new(s);
    let rq = anon
        .http
        .get(format!("{}/dashboard/login", s.base))
        .header("accept-language", "en");
    anon.send(rq)
        .await
        .assert(StatusCode::OK, "<h1>Sign in</h1>")
        .assert(StatusCode::OK, "User name");
}

/// Bad input is refused in the viewer's language: the title, the sentence, the way back.
async fn validation_errors_in_the_chosen_language(s: &Server) {
    let w = world(s).await;
    let store = w.store.to_string();
    let product = w.product.to_string();
    for (lang, expect) in [
        (
            "en",
            [
                "The PIN must have 4 to 8 digits.",
                "The price “abc” is not a valid amount (for example 2.49).",
                "NIF “B1” is not valid: a Spanish NIF/CIF/NIE has 9 characters",
                "The percentage “lots” is not a number",
                "Line 2: the VAT “x” is not a percentage. Nothing has been imported.",
                "Item digits: “x” is not a valid whole number.",
                "It does not exist or you have no access to it.",
                "The form has expired or does not come from this dashboard",
                "Your role (analyst) is read-only: you cannot change data.",
                "Nothing has been saved.",
                "Please check the data",
            ],
        ),
        (
            "es",
            [
                "El PIN debe tener de 4 a 8 cifras.",
                "El precio «abc» no es un importe válido (por ejemplo 2,49).",
                "El NIF «B1» no es válido: un NIF, CIF o NIE español tiene 9 caracteres",
                "El porcentaje «lots» no es un número",
                "Línea 2: el IVA «x» no es un porcentaje. No se ha importado nada.",
                "Cifras de artículo: «x» no es un número entero válido.",
                "No existe o no tienes acceso.",
                "El formulario ha caducado o no viene de este panel",
                "Tu rol (analista) es de solo lectura: no puedes cambiar datos.",
                "No se ha guardado nada.",
                "Revisa los datos",
            ],
        ),
    ] {
        let (mut b, csrf) = Browser::signed_in(s, "hq").await;
        b.cookies.insert("trastienda_lang".into(), lang.into());
        let html_lang = format!("<html lang=\"{lang}\">");
        let product_path = format!("/dashboard/catalog/{product}");
        let bad = [
            (
                "/dashboard/staff",
                vec![
                    ("name", "Jon"),
                    ("role", "cashier"),
                    ("store_id", store.as_str()),
                    ("pin", "12"),
                ],
            ),
            (
                product_path.as_str(),
                vec![("name", "Zumo Kiwi"), ("price", "abc")],
            ),
            (
                "/dashboard/franchisees",
                vec![("legal_name", "Zeta Bi"), ("nif", "B1")],
            ),
            ("/dashboard/catalog/bulk-price", vec![("percent", "lots")]),
            (
                "/dashboard/catalog/import",
                vec![("csv", "sku,name,tax_rate,price\nZK-9,Zumo,x,1")],
            ),
            (
                "/dashboard/barcode-rules",
                vec![
                    ("prefix", "22"),
                    ("kind", "weight"),
                    ("item_digits", "x"),
                    ("value_digits", "5"),
                    ("decimals", "3"),
                ],
            ),
        ];
        for (i, (path, form)) in bad.iter().enumerate() {
            let mut form = form.clone();
            form.push(("csrf", &csrf));
            let p = b.post(path, &form).await;
            assert_eq!(
                p.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                p.body
            );
            p.assert(p.status, expect[i])
                .assert(p.status, expect[9])
                .assert(p.status, expect[10])
                .assert(p.status, &html_lang);
        }
        // Nothing was saved.
        assert_eq!(
            s.storage.get_product(w.product).await.unwrap().price,
            Money::from_cents(123456)
        );
        // Not found, and a form without its CSRF token.
        let p = b.get("/dashboard/stores/999999").await;
        p.assert(StatusCode::NOT_FOUND, expect[6])
            .assert(StatusCode::NOT_FOUND, &html_lang);
        let p = b
            .post("/dashboard/staff", &[("name", "Jon"), ("csrf", "forged")])
            .await;
        p.assert(StatusCode::FORBIDDEN, expect[7]);
        // A read-only role.
        let (mut a, a_csrf) = Browser::signed_in(s, "analyst").await;
        a.cookies.insert("trastienda_lang".into(), lang.into());
        let p = a
            .post(
                "/dashboard/staff",
                &[("csrf", &a_csrf), ("name", "Jon"), ("pin", "1234")],
            )
            .await;
        p.assert(StatusCode::FORBIDDEN, expect[8]);

        // Reports, control reports and delivery notes refuse bad filters in the viewer's
        // language, for HQ and for a store manager.
        let en = lang == "en";
        let pick = |es: &'static str, english: &'static str| if en { english } else { es };
        let bad_date = pick(
            "La fecha «2026-13-01» de «desde» no es válida (AAAA-MM-DD).",
            "The date “2026-13-01” in “from” is not valid (YYYY-MM-DD).",
        );
        let bad_filters = [
            (
                "/dashboard/reports?by=week",
                StatusCode::BAD_REQUEST,
                pick(
                    "Agrupación «week» desconocida",
                    "Unknown grouping “week”: day, store",
                ),
            ),
            (
                "/dashboard/reports?from=2026-13-01",
                StatusCode::BAD_REQUEST,
                bad_date,
            ),
            (
                "/dashboard/reports?by=top&n=0",
                StatusCode::BAD_REQUEST,
                pick(
                    "«0» no vale como número de productos: entre 1 y 500.",
                    "“0” is not a valid number of products: between 1 and 500.",
                ),
            ),
            (
                "/dashboard/reports?by=top&rank=price",
                StatusCode::BAD_REQUEST,
                pick("Orden «price» desconocido", "Unknown order “price”"),
            ),
            (
                "/dashboard/reports?from=2026-02-01&to=2026-01-01",
                StatusCode::BAD_REQUEST,
                pick(
                    "«Desde» (01/02/2026) es posterior a «hasta» (01/01/2026).",
                    "“From” (2026-02-01) is after “to” (2026-01-01).",
                ),
            ),
            (
                "/dashboard/reports?from=2000-01-01&to=2026-01-01",
                StatusCode::BAD_REQUEST,
                pick("Un informe abarca como mucho", "A report covers at most"),
            ),
            (
                "/dashboard/reports?store=abc",
                StatusCode::BAD_REQUEST,
                pick(
                    "La tienda «abc» no es válida: elige una de la lista.",
                    "The store “abc” is not valid: pick one from the list.",
                ),
            ),
            (
                "/dashboard/reports?store=999999",
                StatusCode::NOT_FOUND,
                expect[6],
            ),
            (
                "/dashboard/reports/loss?from=2026-13-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                bad_date,
            ),
            (
                "/dashboard/reports/cash?from=2020-01-01&to=2026-01-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                pick(
                    "Este informe abarca como mucho 366 días.",
                    "This report covers at most 366 days.",
                ),
            ),
            (
                "/dashboard/reports/hours?store=abc",
                StatusCode::UNPROCESSABLE_ENTITY,
                pick(
                    "La tienda «abc» no es válida",
                    "The store “abc” is not valid",
                ),
            ),
            (
                "/dashboard/reports/hours?store=999999",
                StatusCode::NOT_FOUND,
                expect[6],
            ),
            (
                "/dashboard/deliveries?status=lost",
                StatusCode::BAD_REQUEST,
                pick("Estado «lost» desconocido", "Unknown status “lost”"),
            ),
            (
                "/dashboard/deliveries/999999",
                StatusCode::NOT_FOUND,
                expect[6],
            ),
        ];
        let (mut boss, boss_csrf) = Browser::signed_in(s, "boss").await;
        boss.cookies.insert("trastienda_lang".into(), lang.into());
        for viewer in [&mut b, &mut boss] {
            for (path, status, msg) in &bad_filters {
                viewer
                    .get(path)
                    .await
                    .assert(*status, msg)
                    .assert(*status, &html_lang);
            }
        }

        // A delivery note with a bad date and bad lines: the form again, every problem listed.
        let p = b
            .post(
                "/dashboard/deliveries",
                &[
                    ("csrf", csrf.as_str()),
                    ("store_id", store.as_str()),
                    ("supplier", "Zeta Hornitza"),
                    ("expected_date", "2026-02-30"),
                    ("lines", "ZK-1 ; 2\nNOPE ; 1\nZK-1 ; 0\nZK-1 6"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        let wanted: [&str; 5] = if en {
            [
                "Nothing has been saved:",
                "The expected date “2026-02-30” is not a valid date.",
                "Line 2: no product has the SKU or barcode &quot;NOPE&quot;",
                "Line 3: quantity 0 must be greater than zero",
                "Line 4: &quot;ZK-1 6&quot; is not &quot;SKU or barcode ; quantity&quot;",
            ]
        } else {
            [
                "No se ha guardado nada:",
                "La fecha prevista «2026-02-30» no es una fecha válida.",
                "Línea 2: ningún producto tiene el SKU o código «NOPE»",
                "Línea 3: la cantidad 0 debe ser mayor que cero",
                "Línea 4: «ZK-1 6» no tiene la forma «SKU o código ; cantidad»",
            ]
        };
        for w in wanted {
            p.assert(StatusCode::UNPROCESSABLE_ENTITY, w);
        }
        assert_no_words(
            "delivery note errors",
            &p.body,
            if en { SPANISH } else { ENGLISH },
            lang,
        );
        let p = b
            .post(
                "/dashboard/deliveries",
                &[
                    ("csrf", csrf.as_str()),
                    ("store_id", "999999"),
                    ("supplier", ""),
                    ("expected_date", "2026-02-01"),
                    ("lines", ""),
                ],
            )
            .await;
        for w in if en {
            [
                "Choose a store that exists.",
                "Give the supplier or origin (up to 200 characters).",
                "Add at least one line “SKU or code ; quantity”.",
            ]
        } else {
            [
                "Elige una tienda que exista.",
                "Indica el proveedor u origen (hasta 200 caracteres).",
                "Añade al menos una línea «SKU o código ; cantidad».",
            ]
        } {
            p.assert(StatusCode::UNPROCESSABLE_ENTITY, w);
        }
        // A manager may read the notes but not create one.
        let p = boss
            .post(
                "/dashboard/deliveries",
                &[
                    ("csrf", boss_csrf.as_str()),
                    ("store_id", store.as_str()),
                    ("supplier", "Zeta Hornitza"),
                    ("expected_date", "2026-02-01"),
                    ("lines", "ZK-1 ; 2"),
                ],
            )
            .await;
        p.assert(
            StatusCode::FORBIDDEN,
            pick(
                "Tu rol (encargado de tienda) es de solo lectura",
                "Your role (store manager) is read-only",
            ),
        );
        // A good note: the notice on its page is in the language of who created it.
        let p = b
            .post(
                "/dashboard/deliveries",
                &[
                    ("csrf", csrf.as_str()),
                    ("store_id", store.as_str()),
                    ("supplier", "Zeta Hornitza"),
                    ("expected_date", "2026-02-01"),
                    ("lines", "ZK-1 ; 2"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let p = b.get(p.location.as_deref().unwrap()).await;
        p.assert(
            StatusCode::OK,
            pick(
                "creado; las cajas de la tienda lo recibirán en su próxima sincronización",
                "created; the tills of the store will receive it at their next sync",
            ),
        );
        assert_no_words(
            "delivery note created",
            &p.body,
            if en { SPANISH } else { ENGLISH },
            lang,
        );
    }

    // Sign-in errors follow the language too.
    let mut anon = Browser::new(s);
    anon.cookies.insert("trastienda_lang".into(), "en".into());
    let p = anon.login("hq", "wrong password!").await;
    p.assert(StatusCode::UNAUTHORIZED, "Wrong user name or password.")
        .assert(StatusCode::UNAUTHORIZED, "<html lang=\"en\">");
    // The notice after a good save is in the language of the viewer who saved.
    let (mut b, csrf) = Browser::signed_in(s, "hq").await;
    b.cookies.insert("trastienda_lang".into(), "en".into());
    let p = b
        .post(
            &format!("/dashboard/catalog/{product}"),
            &[("csrf", &csrf), ("price", "2,5")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    b.get(p.location.as_deref().unwrap())
        .await
        .assert(StatusCode::OK, "Head-office price saved: €2.50");
}

/// Money, numbers and dates as each language writes them.
async fn money_and_dates_per_language(s: &Server) {
    let w = world(s).await;
    let (mut b, _) = Browser::signed_in(s, "hq").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Madrid)
        .date_naive();
    b.cookies.insert("trastienda_lang".into(), "en".into());
    b.get("/dashboard/catalog")
        .await
        .assert(StatusCode::OK, "<td class=\"num price\">€1,234.56</td>")
        .assert(StatusCode::OK, "<td class=\"num\">10%</td>");
    b.get(&format!("/dashboard/catalog/{}", w.product))
        .await
        .assert(StatusCode::OK, "€1,234.56 (head office)");
    b.get("/dashboard")
        .await
        .assert(StatusCode::OK, &today.format("%Y-%m-%d").to_string())
        .assert(StatusCode::OK, "id=\"today-gross\">€5.00</b>");
    b.get("/dashboard/stores")
        .await
        .assert(StatusCode::OK, "<td class=\"num\">€5.00</td>");
    b.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Gap in the sequence")
        .assert(StatusCode::OK, "Every till has synced in the last 24 h.");
    b.get("/dashboard/tills")
        .await
        .assert(StatusCode::OK, "less than 1 min ago");

    b.cookies.insert("trastienda_lang".into(), "es".into());
    b.get("/dashboard/catalog")
        .await
        .assert(StatusCode::OK, "<td class=\"num price\">1.234,56 €</td>")
        .assert(StatusCode::OK, "<td class=\"num\">10 %</td>");
    b.get("/dashboard")
        .await
        .assert(StatusCode::OK, &today.format("%d/%m/%Y").to_string())
        .assert(StatusCode::OK, "id=\"today-gross\">5,00 €</b>")
        .assert(StatusCode::OK, "Hueco en la secuencia")
        .assert(
            StatusCode::OK,
            "Todas las cajas han sincronizado en las últimas 24 h.",
        );
    b.get("/dashboard/tills")
        .await
        .assert(StatusCode::OK, "hace menos de 1 min");

    // The CSV export is the same machine format whatever the language: dot decimals, no symbol.
    for lang in ["en", "es"] {
        b.cookies.insert("trastienda_lang".into(), lang.into());
        let csv = b.get("/dashboard/catalog.csv").await;
        assert!(
            csv.body
                .starts_with("sku,name,tax_rate,price,barcodes,active\n"),
            "{}",
            csv.body
        );
        assert!(
            csv.body.contains("ZK-1,Zumo Kiwi,10.00,1234.56,"),
            "{}",
            csv.body
        );
    }
}

on_both_backends!(every_page_in_one_language_only);
on_both_backends!(the_switch_sets_the_cookie_and_the_next_page_follows);
on_both_backends!(accept_language_and_bogus_cookies);
on_both_backends!(validation_errors_in_the_chosen_language);
on_both_backends!(money_and_dates_per_language);
