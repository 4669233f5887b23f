//! Writes `fixtures/v<N>/*.json`: one file per message kind of the current protocol version.
//! Run once when a protocol version is frozen: `cargo run -p sync-protocol --example write_fixtures`.

use chrono::{DateTime, NaiveDate, Utc};
use std::path::Path;
use sync_protocol::*;
use uuid::Uuid;

fn main() -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/v{PROTOCOL_VERSION}"));
    std::fs::create_dir_all(&dir)?;
    let t: DateTime<Utc> = "2026-11-20T09:15:02.250000Z".parse().expect("time");
    let till = TillId(7);
    let store = StoreId(2);
    let uid = |n: u128| Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n);
    let line = SaleLine {
        line_id: uid(101),
        product_id: ProductId(1234),
        barcode: Some("8412345678905".into()),
        name: "Jamón serrano 100 g".into(),
        quantity: Quantity::units(2),
        unit_price: Money::from_cents(395),
        tax_rate: TaxRate::percent(10),
        discount: Money::from_cents(50),
        promotion: None,
    };
    let weighed = SaleLine {
        line_id: uid(102),
        product_id: ProductId(88),
        barcode: None,
        name: "Naranjas (kg)".into(),
        quantity: Quantity::from_milli(1_525),
        unit_price: Money::from_cents(189),
        tax_rate: TaxRate::percent(4),
        discount: Money::ZERO,
        promotion: None,
    };
    let lines = vec![line.clone(), weighed];
    let inputs: Vec<LineInput> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::from_cents(20)).expect("totals");
    let card = totals.total - Money::from_cents(500);
    let sale = DocumentBody::Sale(Sale {
        ticket_number: "T0007-000001".into(),
        cashier_id: Some(StaffId(3)),
        lines,
        ticket_discount: Money::from_cents(20),
        payments: vec![
            Payment {
                payment_id: uid(201),
                tender: Tender::Cash,
                amount: Money::from_cents(500),
                tendered: Some(Money::from_cents(1000)),
                change: Money::from_cents(500),
                reference: None,
            },
            Payment {
                payment_id: uid(202),
                tender: Tender::Card,
                amount: card,
                tendered: None,
                change: Money::ZERO,
                reference: Some("AUTH 123456".into()),
            },
        ],
        totals,
    });
    let d1 = Document::seal(DocumentId(uid(1)), till, store, 1, t, GENESIS_HASH, sale);
    let rtotals = compute_totals(&[line.input()], Money::ZERO).expect("totals");
    let refund = DocumentBody::Refund(Refund {
        refund_number: "T0007-R000001".into(),
        original_sale_id: d1.id,
        original_ticket_number: "T0007-000001".into(),
        cashier_id: Some(StaffId(3)),
        approved_by: Some(StaffId(1)),
        reason: "Producto defectuoso".into(),
        lines: vec![line],
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: uid(203),
            tender: Tender::Cash,
            amount: rtotals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals: rtotals,
    });
    let d2 = Document::seal(DocumentId(uid(2)), till, store, 2, t, &d1.hash, refund);
    let cash = DocumentBody::CashMovement(CashMovement {
        direction: CashMovementDirection::Out,
        amount: Money::from_cents(2_000),
        reason: "Pago a proveedor de hielo".into(),
        staff_id: Some(StaffId(1)),
    });
    let d3 = Document::seal(DocumentId(uid(3)), till, store, 3, t, &d2.hash, cash);
    let stock = DocumentBody::StockMovement(StockMovement {
        kind: StockMovementKind::Receipt,
        reason: None,
        reference: Some("ALB-2026-0042".into()),
        lines: vec![StockLine {
            product_id: ProductId(1234),
            quantity: Quantity::units(24),
        }],
        staff_id: Some(StaffId(1)),
        delivery_note: None,
    });
    let d4 = Document::seal(DocumentId(uid(4)), till, store, 4, t, &d3.hash, stock);
    let close = DocumentBody::CashClose(CashClose {
        z_number: 1,
        business_date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        opening_float: Money::from_cents(10_000),
        expected: vec![TenderAmount {
            tender: Tender::Cash,
            amount: Money::from_cents(8_500),
        }],
        counted: vec![TenderAmount {
            tender: Tender::Cash,
            amount: Money::from_cents(8_480),
        }],
        first_seq: 1,
        last_seq: 4,
        ticket_count: 1,
        gross: Money::from_cents(1_000),
        staff_id: Some(StaffId(1)),
        approved_by: None,
        note: Some("Faltan 0,20 €".into()),
        denominations: Vec::new(),
        blind: false,
        tolerance: None,
        next_float: None,
    });
    let d5 = Document::seal(DocumentId(uid(5)), till, store, 5, t, &d4.hash, close);
    let verifactu_docs = verifactu_documents(t, till, store, &d1, &d2);
    let docs = vec![d1.clone(), d2, d3, d4, d5];
    let manager_docs = manager_documents(t, till, store, &uid);

    let write = |name: &str, v: serde_json::Value| -> std::io::Result<()> {
        let s = serde_json::to_string_pretty(&v).expect("json");
        std::fs::write(dir.join(format!("{name}.json")), s + "\n")
    };
    let j = |v: &dyn erased::Ser| v.value();
    write(
        "enroll_request",
        j(&EnrollRequest {
            protocol_version: 1,
            code: "K7P2QX9MRT".into(),
            device_name: "Caja 1 Gran Vía".into(),
            enrolment_id: None,
        }),
    )?;
    // An enrolment a till can retry safely (optional within v1): the same id on every attempt.
    write(
        "enroll_request_retryable",
        j(&EnrollRequest {
            protocol_version: 1,
            code: "K7P2QX9MRT".into(),
            device_name: "Caja 1 Gran Vía".into(),
            enrolment_id: Some("0190b3c2-5e1f-4a7b-9c3d-2f6e8a1b4c5d".into()),
        }),
    )?;
    write(
        "enroll_response",
        j(&EnrollResponse {
            till_id: till,
            store_id: store,
            franchisee_id: FranchiseeId(1),
            ticket_series: "T0007".into(),
            token: "5f1c…device-token-hex".into(),
        }),
    )?;
    write(
        "push_request",
        j(&PushRequest {
            protocol_version: 1,
            till_id: till,
            documents: docs.clone(),
            waiting: None,
            till_version: None,
            skipped_change_kinds: None,
            customers: vec![],
            mail_requests: vec![],
            report_mails: vec![],
        }),
    )?;
    // A till reporting what it still has waiting after this batch (optional within v1).
    write(
        "push_request_waiting",
        j(&PushRequest {
            protocol_version: 1,
            till_id: till,
            documents: docs[..2].to_vec(),
            waiting: Some(12),
            till_version: None,
            skipped_change_kinds: None,
            customers: vec![],
            mail_requests: vec![],
            report_mails: vec![],
        }),
    )?;
    // A till reporting its software version and the change kinds it skipped (optional within v1).
    write(
        "push_request_till_report",
        j(&PushRequest {
            protocol_version: 1,
            till_id: till,
            documents: docs[..1].to_vec(),
            waiting: Some(0),
            till_version: Some("0.1.0".into()),
            skipped_change_kinds: Some(vec!["gift_card".into(), "loyalty_scheme".into()]),
            customers: vec![],
            mail_requests: vec![],
            report_mails: vec![],
        }),
    )?;
    write(
        "push_request_manager",
        j(&PushRequest {
            protocol_version: 1,
            till_id: till,
            documents: manager_docs,
            waiting: None,
            till_version: None,
            skipped_change_kinds: None,
            customers: vec![],
            mail_requests: vec![],
            report_mails: vec![],
        }),
    )?;
    // An X report e-mailed through HQ with the PDF the till drew (optional within v1).
    write(
        "push_request_report_mail",
        j(&PushRequest {
            protocol_version: 1,
            till_id: till,
            documents: vec![],
            waiting: Some(0),
            till_version: Some("0.3.0".into()),
            skipped_change_kinds: Some(vec![]),
            customers: vec![],
            mail_requests: vec![],
            report_mails: vec![sync_protocol::ReportMail {
                id: uid(0x3e8),
                kind: sync_protocol::ReportKind::X,
                to: "tienda.centro@example.es".into(),
                subject: "Informe X · Tienda Centro".into(),
                file_name: "X-2026-12-05-1742.pdf".into(),
                pdf: b"%PDF-1.7\n%%EOF\n".to_vec(),
            }],
        }),
    )?;
    write(
        "push_response",
        j(&PushResponse {
            results: vec![
                PushResult {
                    id: d1.id,
                    seq: 1,
                    status: PushStatus::Stored,
                    message: None,
                },
                PushResult {
                    id: DocumentId(uid(2)),
                    seq: 2,
                    status: PushStatus::Duplicate,
                    message: None,
                },
                PushResult {
                    id: DocumentId(uid(3)),
                    seq: 3,
                    status: PushStatus::Conflict,
                    message: Some("HQ holds a different document at seq 3".into()),
                },
            ],
            contiguous_seq: 2,
            accepted: vec![],
        }),
    )?;
    let changes = vec![
        CatalogChange::TaxRate(TaxRateRecord {
            id: 1,
            name: "IVA general".into(),
            rate: TaxRate::IVA_GENERAL,
        }),
        CatalogChange::Product(ProductRecord {
            id: ProductId(1234),
            sku: "JAM-100".into(),
            name: "Jamón serrano 100 g".into(),
            tax_rate_id: 2,
            tax_rate: TaxRate::percent(10),
            price: Money::from_cents(395),
            active: true,
        }),
        CatalogChange::ProductDeleted { id: ProductId(99) },
        CatalogChange::Barcode {
            code: "8412345678905".into(),
            product_id: ProductId(1234),
        },
        CatalogChange::BarcodeDeleted {
            code: "8410000000001".into(),
        },
        CatalogChange::StorePrice {
            product_id: ProductId(1234),
            price: Money::from_cents(375),
        },
        CatalogChange::StorePriceCleared {
            product_id: ProductId(1234),
        },
        CatalogChange::Staff(StaffRecord {
            id: StaffId(3),
            name: "Lucía".into(),
            role: StaffRole::Cashier,
            pin_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
            active: true,
        }),
        CatalogChange::StaffDeleted { id: StaffId(4) },
        CatalogChange::Store(StoreRecord {
            id: store,
            name: "Gran Vía 12".into(),
            address: "Gran Vía 12, 28013 Madrid".into(),
            franchisee_id: FranchiseeId(1),
            franchisee_legal_name: "Ultramarinos Centro S.L.".into(),
            franchisee_nif: "B12345674".into(),
            receipt_footer: "Gracias por su visita".into(),
            receipt_header: String::new(),
            cash_tolerance: None,
            time_zone: None,
            single_manager: false,
            report_email: None,
        }),
    ];
    let changes = changes
        .into_iter()
        .enumerate()
        .map(|(i, change)| Change {
            cursor: 41 + i as i64,
            change,
        })
        .collect();
    write(
        "changes_page",
        j(&ChangesPage {
            protocol_version: 1,
            changes,
            next_cursor: 50,
            has_more: false,
        }),
    )?;
    // Added within protocol v1: the franchise's GS1 variable-measure rules (weight and price).
    let weight = barcode::VariableMeasureRule::odoo_weight();
    let price = barcode::VariableMeasureRule::odoo_price();
    write(
        "changes_page_barcode_rules",
        j(&ChangesPage {
            protocol_version: 1,
            changes: vec![
                Change {
                    cursor: 51,
                    change: CatalogChange::BarcodeRule(BarcodeRuleRecord::new(1, &weight)),
                },
                Change {
                    cursor: 52,
                    change: CatalogChange::BarcodeRule(BarcodeRuleRecord::new(2, &price)),
                },
                Change {
                    cursor: 53,
                    change: CatalogChange::Barcode {
                        code: "2100005000000".into(),
                        product_id: ProductId(88),
                    },
                },
                Change {
                    cursor: 54,
                    change: CatalogChange::BarcodeRuleDeleted { id: 7 },
                },
            ],
            next_cursor: 54,
            has_more: false,
        }),
    )?;
    // Added within protocol v1: HQ's receipt header lines and the store's cash over/short tolerance.
    write(
        "changes_page_store_settings",
        j(&ChangesPage {
            protocol_version: 1,
            changes: vec![Change {
                cursor: 61,
                change: CatalogChange::Store(StoreRecord {
                    id: store,
                    name: "Gran Vía 12".into(),
                    address: "Gran Vía 12, 28013 Madrid".into(),
                    franchisee_id: FranchiseeId(1),
                    franchisee_legal_name: "Ultramarinos Centro S.L.".into(),
                    franchisee_nif: "B12345674".into(),
                    receipt_footer: "Gracias por su visita".into(),
                    receipt_header: "Abierto de 9 a 21 h\nTel. 910 000 000".into(),
                    cash_tolerance: Some(Money::from_cents(250)),
                    time_zone: None,
                    single_manager: false,
                    report_email: None,
                }),
            }],
            next_cursor: 61,
            has_more: false,
        }),
    )?;
    // Added within protocol v1: a store run by a single manager (they approve their own Z
    // over/short); absent or false, a second manager must.
    write(
        "changes_page_single_manager",
        j(&ChangesPage {
            protocol_version: 1,
            changes: vec![Change {
                cursor: 62,
                change: CatalogChange::Store(StoreRecord {
                    id: store,
                    name: "Gran Vía 12".into(),
                    address: "Gran Vía 12, 28013 Madrid".into(),
                    franchisee_id: FranchiseeId(1),
                    franchisee_legal_name: "Ultramarinos Centro S.L.".into(),
                    franchisee_nif: "B12345674".into(),
                    receipt_footer: "Gracias por su visita".into(),
                    receipt_header: String::new(),
                    cash_tolerance: Some(Money::from_cents(250)),
                    time_zone: None,
                    single_manager: true,
                    report_email: None,
                }),
            }],
            next_cursor: 62,
            has_more: false,
        }),
    )?;
    // Added within protocol v1: the store's e-mail, offered first for a manager's X and Z
    // reports by e-mail; absent, the till's field starts empty.
    write(
        "changes_page_store_email",
        j(&ChangesPage {
            protocol_version: 1,
            changes: vec![Change {
                cursor: 63,
                change: CatalogChange::Store(StoreRecord {
                    id: store,
                    name: "Gran Vía 12".into(),
                    address: "Gran Vía 12, 28013 Madrid".into(),
                    franchisee_id: FranchiseeId(1),
                    franchisee_legal_name: "Ultramarinos Centro S.L.".into(),
                    franchisee_nif: "B12345674".into(),
                    receipt_footer: "Gracias por su visita".into(),
                    receipt_header: String::new(),
                    cash_tolerance: Some(Money::from_cents(250)),
                    time_zone: None,
                    single_manager: false,
                    report_email: Some("granvia12@ultramarinos.example".into()),
                }),
            }],
            next_cursor: 63,
            has_more: false,
        }),
    )?;
    // Added within protocol v1: an HQ delivery note reaches its store's tills, and the receipt
    // counted against it names the note.
    let note = DeliveryNoteRecord {
        id: 123,
        number: "ALB-2026-000123".into(),
        store_id: store,
        supplier: "Almacén central Getafe".into(),
        expected_date: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
        status: DeliveryNoteStatus::Pending,
        lines: vec![
            DeliveryNoteLine {
                product_id: ProductId(1234),
                sku: "JAM-100".into(),
                name: "Jamón serrano 100 g".into(),
                quantity: Quantity::units(24),
            },
            DeliveryNoteLine {
                product_id: ProductId(88),
                sku: "NAR-KG".into(),
                name: "Naranjas (kg)".into(),
                quantity: Quantity::from_milli(12_500),
            },
        ],
    };
    write(
        "changes_page_delivery_notes",
        j(&ChangesPage {
            protocol_version: 1,
            changes: vec![
                Change {
                    cursor: 71,
                    change: CatalogChange::DeliveryNote(note.clone()),
                },
                Change {
                    cursor: 72,
                    change: CatalogChange::DeliveryNote(DeliveryNoteRecord {
                        status: DeliveryNoteStatus::ReceivedWithDifferences,
                        ..note.clone()
                    }),
                },
            ],
            next_cursor: 72,
            has_more: false,
        }),
    )?;
    let received = DocumentBody::StockMovement(StockMovement {
        kind: StockMovementKind::Receipt,
        reason: None,
        reference: Some(note.number.clone()),
        lines: vec![
            StockLine {
                product_id: ProductId(1234),
                quantity: Quantity::units(23),
            },
            StockLine {
                product_id: ProductId(88),
                quantity: Quantity::from_milli(12_500),
            },
        ],
        staff_id: Some(StaffId(1)),
        delivery_note: Some(note.number.clone()),
    });
    write(
        "push_request_delivery",
        j(&PushRequest {
            protocol_version: 1,
            till_id: till,
            documents: vec![Document::seal(
                DocumentId(uid(21)),
                till,
                store,
                1,
                t,
                GENESIS_HASH,
                received,
            )],
            waiting: None,
            till_version: None,
            skipped_change_kinds: None,
            customers: vec![],
            mail_requests: vec![],
            report_mails: vec![],
        }),
    )?;
    // Sales, a full invoice and refunds with their VERI*FACTU records beside them (optional
    // within v1: the record is outside the document hash, and absent on other documents).
    write(
        "push_request_verifactu",
        j(&PushRequest {
            protocol_version: 1,
            till_id: till,
            documents: verifactu_docs,
            waiting: None,
            till_version: None,
            skipped_change_kinds: None,
            customers: vec![],
            mail_requests: vec![],
            report_mails: vec![],
        }),
    )?;
    write(
        "api_error",
        j(&ApiError {
            error: "unsupported_protocol_version".into(),
            message: "unsupported protocol version 9; this server speaks 1".into(),
        }),
    )?;
    println!("fixtures written to {}", dir.display());
    Ok(())
}

/// The store manager's documents (added within protocol v1): a shift opened with a counted
/// float, a clock-in, a no-sale audit entry and a blind Z approved over tolerance.
fn manager_documents(
    t: DateTime<Utc>,
    till: TillId,
    store: StoreId,
    uid: &dyn Fn(u128) -> Uuid,
) -> Vec<Document> {
    let den = |cents: i64, count: u32| DenominationCount {
        denomination: Denomination::from_cents(cents).expect("euro"),
        count,
    };
    let float = vec![den(50, 10), den(100, 10), den(500, 4), den(1000, 5)];
    let open = DocumentBody::ShiftOpen(ShiftOpen {
        staff_id: Some(StaffId(1)),
        float: count_total(&float),
        denominations: float,
    });
    let d1 = Document::seal(DocumentId(uid(11)), till, store, 1, t, GENESIS_HASH, open);
    let clock = DocumentBody::ClockEvent(ClockEvent {
        staff_id: StaffId(3),
        direction: ClockDirection::In,
    });
    let d2 = Document::seal(DocumentId(uid(12)), till, store, 2, t, &d1.hash, clock);
    let no_sale = DocumentBody::AuditEvent(AuditEvent {
        action: AuditAction::NoSale,
        staff_id: Some(StaffId(3)),
        approved_by: Some(StaffId(1)),
        reference: None,
        amount: None,
        note: Some("Cambio para el cliente".into()),
    });
    let d3 = Document::seal(DocumentId(uid(13)), till, store, 3, t, &d2.hash, no_sale);
    let counted = vec![den(50, 10), den(100, 10), den(500, 3), den(1000, 5)];
    let close = DocumentBody::CashClose(CashClose {
        z_number: 1,
        business_date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        opening_float: Money::from_cents(8_000),
        expected: vec![TenderAmount {
            tender: Tender::Cash,
            amount: Money::from_cents(8_000),
        }],
        counted: vec![TenderAmount {
            tender: Tender::Cash,
            amount: count_total(&counted),
        }],
        first_seq: 1,
        last_seq: 3,
        ticket_count: 0,
        gross: Money::ZERO,
        staff_id: Some(StaffId(1)),
        approved_by: Some(StaffId(1)),
        note: Some("Billete de 5 € entregado al banco sin anotar".into()),
        denominations: counted,
        blind: true,
        tolerance: Some(Money::from_cents(300)),
        next_float: Some(Money::from_cents(7_500)),
    });
    let d4 = Document::seal(DocumentId(uid(14)), till, store, 4, t, &d3.hash, close);
    let audit = DocumentBody::AuditEvent(AuditEvent {
        action: AuditAction::ToleranceOverride,
        staff_id: Some(StaffId(1)),
        approved_by: Some(StaffId(1)),
        reference: Some("Z 1".into()),
        amount: Some(Money::from_cents(-500)),
        note: Some("Billete de 5 € entregado al banco sin anotar".into()),
    });
    let d5 = Document::seal(DocumentId(uid(15)), till, store, 5, t, &d4.hash, audit);
    vec![d1, d2, d3, d4, d5]
}

mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("serialise")
        }
    }
}

/// A ticket (F2), its refund (R5), a full invoice replacing the ticket (F3) and a refund after it
/// (R1), each with the record a till makes for it, chained in that order.
fn verifactu_documents(
    t: DateTime<Utc>,
    till: TillId,
    store: StoreId,
    sale: &Document,
    refund: &Document,
) -> Vec<Document> {
    use sync_protocol::verifactu::*;
    let (DocumentBody::Sale(s), DocumentBody::Refund(r)) = (&sale.body, &refund.body) else {
        unreachable!("a sale and a refund")
    };
    let at = Timestamp::in_zone(t, DEFAULT_TIME_ZONE);
    let day = at.date();
    let nif = "B12345674";
    let sistema = SistemaInformatico {
        nombre_razon: "Trastienda (build without a declared producer)".into(),
        nif: "00000000T".into(),
        nombre_sistema_informatico: "Trastienda".into(),
        id_sistema_informatico: "TS".into(),
        version: "0.1.0".into(),
        numero_instalacion: "TIENDA-0002-CAJA-0007".into(),
        tipo_uso_posible_solo_verifactu: true,
        tipo_uso_posible_multi_ot: true,
        indicador_multiples_ot: false,
    };
    let data = |number: &str, tipo, totals: &TicketTotals, negative: bool| {
        let sign = |m: Money| if negative { -m } else { m };
        AltaData {
            id_factura: IdFactura::new(nif, number, day).expect("id"),
            nombre_razon_emisor: "Ultramarinos Centro S.L.".into(),
            tipo_factura: tipo,
            tipo_rectificativa: negative.then_some(TipoRectificativa::I),
            facturas_rectificadas: vec![],
            facturas_sustituidas: vec![],
            importe_rectificacion: None,
            fecha_operacion: None,
            descripcion_operacion: if negative {
                "Devolución de mercancía".into()
            } else {
                "Venta al por menor".into()
            },
            destinatarios: vec![],
            desglose: desglose_iva(&totals.taxes, negative),
            cuota_total: sign(totals.tax),
            importe_total: sign(totals.total),
        }
    };
    let customer = Destinatario::new("Hostelería Gran Vía S.L.", "A58818501").expect("customer");
    let ticket_id = IdFactura::new(nif, &s.ticket_number, day).expect("id");
    let invoice = DocumentBody::FullInvoice(CustomerInvoice {
        invoice_number: "T0007-F000001".into(),
        sale_id: sale.id,
        ticket_number: s.ticket_number.clone(),
        customer_name: customer.nombre_razon.clone(),
        customer_address: "Gran Vía 1, 28013 Madrid".into(),
        customer_nif: customer.nif.clone(),
        lines: s.lines.clone(),
        ticket_discount: s.ticket_discount,
        totals: s.totals.clone(),
    });
    let mut second_refund = r.clone();
    second_refund.refund_number = "T0007-R000002".into();
    let uid = |n: u128| Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n);

    let mut r5 = data(&r.refund_number, TipoFactura::R5, &r.totals, true);
    r5.facturas_rectificadas = vec![ticket_id.clone()];
    let mut f3 = data("T0007-F000001", TipoFactura::F3, &s.totals, false);
    f3.facturas_sustituidas = vec![ticket_id];
    f3.destinatarios = vec![customer.clone()];
    let mut r1 = data("T0007-R000002", TipoFactura::R1, &r.totals, true);
    r1.facturas_rectificadas = vec![f3.id_factura.clone()];
    r1.destinatarios = vec![customer];
    let steps = vec![
        (
            sale.body.clone(),
            data(&s.ticket_number, TipoFactura::F2, &s.totals, false),
        ),
        (refund.body.clone(), r5),
        (invoice, f3),
        (DocumentBody::Refund(second_refund), r1),
    ];
    let mut docs: Vec<Document> = Vec::new();
    let mut last: Option<RegistroFacturacion> = None;
    for (i, (body, alta)) in steps.into_iter().enumerate() {
        let prev_hash = docs
            .last()
            .map_or(GENESIS_HASH.to_string(), |d| d.hash.clone());
        let mut d = Document::seal(
            DocumentId(uid(31 + i as u128)),
            till,
            store,
            i as u64 + 1,
            t,
            &prev_hash,
            body,
        );
        let record = RegistroFacturacion::Alta(
            RegistroAlta::generate(
                alta,
                last.as_ref().map(RegistroFacturacion::link),
                sistema.clone(),
                at,
            )
            .expect("record"),
        );
        d.verifactu = Some(Box::new(record.clone()));
        last = Some(record);
        docs.push(d);
    }
    docs
}
