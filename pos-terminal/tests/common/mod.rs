//! Shared fixtures for the integration tests: an enrolled ledger in a tempdir and a small catalog.
//! Everything runs on real SQLite files.
#![allow(dead_code, clippy::unwrap_used)]

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use pos_terminal::{CartLine, Ledger, Staff, cash_payment};
use sync_protocol::*;

pub fn enroll_response() -> EnrollResponse {
    EnrollResponse {
        till_id: TillId(7),
        store_id: StoreId(3),
        franchisee_id: FranchiseeId(2),
        ticket_series: "T0007".into(),
        token: "secret-token".into(),
    }
}

pub fn open_enrolled(dir: &tempfile::TempDir, server_url: &str) -> Ledger {
    let mut l = Ledger::open(dir.path().join("till.db")).unwrap();
    l.enrol(server_url, &enroll_response(), "caja 1").unwrap();
    l
}

/// An enrolled ledger that knows its store (and so its franchisee's NIF), at change cursor 1, for
/// tests that ring sales without loading the catalog.
pub fn open_selling(dir: &tempfile::TempDir, server_url: &str) -> Ledger {
    let mut l = open_enrolled(dir, server_url);
    l.apply_changes(&store_page(1)).unwrap();
    l
}

/// Cheap argon2 parameters so tests stay fast; verification reads them from the hash.
pub fn pin_hash(pin: &str) -> String {
    let a = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(1024, 1, 1, None).unwrap(),
    );
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
    a.hash_password(pin.as_bytes(), &salt).unwrap().to_string()
}

pub fn product(id: i64, name: &str, cents: i64) -> CatalogChange {
    CatalogChange::Product(ProductRecord {
        id: ProductId(id),
        sku: format!("SKU{id}"),
        name: name.into(),
        tax_rate_id: 2,
        tax_rate: TaxRate::IVA_REDUCED,
        price: Money::from_cents(cents),
        active: true,
    })
}

/// Twelve changes (cursors 1–12): rates, products, codes, a store price, staff and the store.
pub fn catalog_page() -> ChangesPage {
    let changes = vec![
        CatalogChange::TaxRate(TaxRateRecord {
            id: 2,
            name: "IVA reducido".into(),
            rate: TaxRate::IVA_REDUCED,
        }),
        product(1, "Café con leche", 150),
        product(2, "Cafetera italiana", 2500),
        product(3, "Jamón ibérico", 4500),
        product(4, "Agua mineral", 60),
        CatalogChange::Barcode {
            code: "8412345678905".into(),
            product_id: ProductId(1),
        },
        CatalogChange::Barcode {
            code: "4006381333931".into(),
            product_id: ProductId(3),
        },
        CatalogChange::Barcode {
            code: "5901234123457".into(),
            product_id: ProductId(4),
        },
        CatalogChange::StorePrice {
            product_id: ProductId(3),
            price: Money::from_cents(3999),
        },
        CatalogChange::Staff(StaffRecord {
            id: StaffId(10),
            name: "Lucía".into(),
            role: StaffRole::Cashier,
            pin_hash: pin_hash("1234"),
            active: true,
        }),
        CatalogChange::Staff(StaffRecord {
            id: StaffId(11),
            name: "Marta".into(),
            role: StaffRole::Manager,
            pin_hash: pin_hash("9876"),
            active: true,
        }),
        store_change(),
    ];
    ChangesPage {
        protocol_version: PROTOCOL_VERSION,
        changes: changes
            .into_iter()
            .enumerate()
            .map(|(i, change)| Change {
                cursor: i as i64 + 1,
                change,
            })
            .collect(),
        next_cursor: 12,
        has_more: false,
    }
}

/// The till's store and its franchisee (whose NIF every VERI*FACTU record is issued under).
pub fn store_record() -> StoreRecord {
    StoreRecord {
        id: StoreId(3),
        name: "Tienda Chamberí".into(),
        address: "Calle de Peñalver 5, 28006 Madrid".into(),
        franchisee_id: FranchiseeId(2),
        franchisee_legal_name: "Panadería Muñoz S.L.".into(),
        franchisee_nif: "B12345674".into(),
        receipt_footer: "¡Gracias por su visita!".into(),
        receipt_header: String::new(),
        cash_tolerance: None,
        time_zone: None,
        single_manager: false,
        report_email: None,
    }
}

pub fn store_change() -> CatalogChange {
    CatalogChange::Store(store_record())
}

/// Only the store, for tests that ring sales without a catalog: a till issues invoices only once
/// HQ has told it its franchisee's NIF.
pub fn store_page(cursor: i64) -> ChangesPage {
    ChangesPage {
        protocol_version: PROTOCOL_VERSION,
        changes: vec![Change {
            cursor,
            change: store_change(),
        }],
        next_cursor: cursor,
        has_more: false,
    }
}

pub fn line(id: i64, cents: i64, qty: i64) -> CartLine {
    CartLine {
        product_id: ProductId(id),
        barcode: None,
        name: format!("Producto {id}"),
        quantity: Quantity::units(qty),
        unit_price: Money::from_cents(cents),
        tax_rate: TaxRate::IVA_GENERAL,
        discount: Money::ZERO,
        weighed: false,
        promotion: None,
        promotion_discount: sync_protocol::Money::ZERO,
    }
}

/// Records a one-line cash sale of `cents`.
pub fn sell(l: &mut Ledger, cents: i64) -> Document {
    let total = Money::from_cents(cents);
    l.record_sale(
        Some(StaffId(10)),
        vec![line(1, cents, 1)],
        Money::ZERO,
        vec![cash_payment(total, Money::from_cents(cents + 100))],
    )
    .unwrap()
}

/// Opens a shift with an empty float, counted by manager Marta (staff 11): the ledger refuses
/// sales and refunds outside a shift. Takes the next sequence number like any document.
pub fn open_shift(l: &mut Ledger) -> Document {
    let marta = Staff {
        id: StaffId(11),
        name: "Marta".into(),
        role: StaffRole::Manager,
    };
    l.start_shift(&marta, Vec::new()).unwrap()
}
