//! Catalog records that flow down from HQ to the tills through the change log.
//! Each change carries the cursor it was written at; tills apply pages in cursor order.

use crate::barcode::{MeasureKind, VariableMeasureRule};
use crate::ids::{FranchiseeId, ProductId, StaffId, StoreId};
use crate::money::{Money, Quantity, TaxRate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A tax rate HQ has configured (IVA 21/10/4/0 and any other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct TaxRateRecord {
    pub id: i64,
    pub name: String,
    pub rate: TaxRate,
}

/// A product with HQ's tax-inclusive price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRecord {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub tax_rate_id: i64,
    pub tax_rate: TaxRate,
    pub price: Money,
    pub active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum StaffRole {
    Cashier,
    Manager,
}

/// A member of staff who may log in at the till. The PIN travels only as an argon2 hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRecord {
    pub id: StaffId,
    pub name: String,
    pub role: StaffRole,
    pub pin_hash: String,
    pub active: bool,
}

/// The store and the franchisee that owns it, for receipt headers, and HQ's settings for the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRecord {
    pub id: StoreId,
    pub name: String,
    pub address: String,
    pub franchisee_id: FranchiseeId,
    pub franchisee_legal_name: String,
    pub franchisee_nif: String,
    pub receipt_footer: String,
    /// Lines printed under the legal header of every receipt (added within protocol v1; absent = none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub receipt_header: String,
    /// Cash over/short a Z close accepts without a manager's approval (added within protocol v1;
    /// absent from an older HQ, then the till keeps its own setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_tolerance: Option<Money>,
    /// The IANA time zone the store counts its business days in, e.g. `Atlantic/Canary` (added
    /// within protocol v1; absent from an older HQ, then Europe/Madrid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The store has a single manager, so a Z over/short beyond the tolerance may be approved by
    /// the manager who closes (added within protocol v1; absent = false: a second manager's PIN).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub single_manager: bool,
    /// The store's e-mail address, offered first when a manager e-mails an X or Z report from a
    /// till (added within protocol v1; absent = none set, the field starts empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_email: Option<String>,
}

/// A GS1 variable-measure rule HQ configured for the whole franchise (every store's scales print
/// the same labels): how to read an EAN-13 with prefix 20–29 into an item code and a weight or price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct BarcodeRuleRecord {
    pub id: i64,
    /// Two digits, "20".."29".
    pub prefix: String,
    /// `weight` (quantity, e.g. grams with 3 decimals = kg) or `price` (e.g. cents with 2 decimals).
    pub kind: MeasureKind,
    pub item_digits: usize,
    pub value_digits: usize,
    pub decimals: u32,
    /// A GS1 price/weight verifier digit sits between the item code and the value.
    pub verifier: bool,
}

impl BarcodeRuleRecord {
    pub fn new(id: i64, r: &VariableMeasureRule) -> Self {
        Self {
            id,
            prefix: r.prefix.clone(),
            kind: r.kind,
            item_digits: r.item_digits,
            value_digits: r.value_digits,
            decimals: r.decimals,
            verifier: r.verifier,
        }
    }

    /// The rule the decoder uses.
    pub fn rule(&self) -> VariableMeasureRule {
        VariableMeasureRule {
            prefix: self.prefix.clone(),
            item_digits: self.item_digits,
            kind: self.kind,
            value_digits: self.value_digits,
            decimals: self.decimals,
            verifier: self.verifier,
        }
    }
}

/// Where an HQ delivery note (albarán) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum DeliveryNoteStatus {
    /// Sent to the store, not received yet.
    Pending,
    /// Received with exactly the quantities expected.
    Received,
    /// Received, but some quantities differ from the note.
    ReceivedWithDifferences,
}

impl DeliveryNoteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Received => "received",
            Self::ReceivedWithDifferences => "received_with_differences",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "received" => Some(Self::Received),
            "received_with_differences" => Some(Self::ReceivedWithDifferences),
            _ => None,
        }
    }
}

/// One expected product of a delivery note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryNoteLine {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    /// Expected quantity (positive).
    pub quantity: Quantity,
}

/// A delivery note HQ sent to one store (added within protocol v1): only that store's tills get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryNoteRecord {
    pub id: i64,
    /// Unique number, e.g. `ALB-2026-000123`; a receipt against the note carries it.
    pub number: String,
    pub store_id: StoreId,
    /// Supplier or origin (HQ's warehouse, a supplier's name).
    pub supplier: String,
    pub expected_date: NaiveDate,
    pub status: DeliveryNoteStatus,
    pub lines: Vec<DeliveryNoteLine>,
}

/// One change a till must apply. Prices per store are already filtered to the asking till's store.
///
/// **Growth rule of protocol v1.** HQ may send change kinds a till does not know yet (HQ is always
/// updated before its tills) and may add fields to the records of known kinds. A till reads an
/// unknown kind as [`CatalogChange::Unknown`], skips it, records its name and reports it to HQ
/// (`PushRequest::skipped_change_kinds`, `&skipped=` on the changes poll); the page still counts
/// and the cursor moves past it. Unknown fields of a known kind are ignored. A known kind whose
/// record is malformed is still an error: that is a broken HQ, not a newer one.
/// Serialised with `"type"` as the tag (`Serialize`/`Deserialize` below wrap the derived code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", tag = "type", rename_all = "snake_case")]
pub enum CatalogChange {
    TaxRate(TaxRateRecord),
    Product(ProductRecord),
    ProductDeleted {
        id: ProductId,
    },
    Barcode {
        code: String,
        product_id: ProductId,
    },
    BarcodeDeleted {
        code: String,
    },
    /// This store's own price for a product, overriding HQ's.
    StorePrice {
        product_id: ProductId,
        price: Money,
    },
    StorePriceCleared {
        product_id: ProductId,
    },
    Staff(StaffRecord),
    StaffDeleted {
        id: StaffId,
    },
    Store(StoreRecord),
    /// A variable-measure barcode rule, new or changed (added within protocol v1).
    BarcodeRule(BarcodeRuleRecord),
    BarcodeRuleDeleted {
        id: i64,
    },
    /// A delivery note for this store, new or with a new status (added within protocol v1).
    DeliveryNote(DeliveryNoteRecord),
    /// A quick-key layout, whole: the franchise's (to every till) or a store's (to its tills),
    /// which then replaces the franchise's there (added within protocol v1, till 0.2.0).
    QuickKeys(crate::quick_keys::QuickKeyLayout),
    /// A store's own layout removed: its tills show the franchise's again.
    QuickKeysCleared {
        store_id: StoreId,
    },
    /// A customer of this store's franchisee, new or edited (till 0.3.0): the till keeps it to
    /// pick for a full invoice or an e-mailed receipt.
    Customer(crate::customers::CustomerRecord),
    /// A customer erased on request (GDPR): the till deletes it. Documents are untouched.
    CustomerErased {
        id: uuid::Uuid,
    },
    /// A promotion, new or changed (ended early), for the stores it runs in (till 0.3.0).
    Promotion(crate::promotions::PromotionRecord),
    /// A scheduled price, sent ahead of its date; the till switches by its own clock (0.3.0).
    PriceSchedule(crate::promotions::PriceScheduleRecord),
    /// A scheduled price cancelled before it took effect.
    PriceScheduleCancelled {
        id: i64,
    },
    /// A change of a kind this build does not know, from a newer HQ: skipped by the till, which
    /// records and reports `kind`. Never sent by HQ as such; it serialises back as `{"type": kind}`.
    #[serde(skip)]
    Unknown {
        kind: String,
    },
}

impl CatalogChange {
    /// Every `type` this build knows, in declaration order. A new variant must be added here
    /// (the `kind_names_match_the_wire` test fails otherwise).
    pub const KNOWN_KINDS: &'static [&'static str] = &[
        "tax_rate",
        "product",
        "product_deleted",
        "barcode",
        "barcode_deleted",
        "store_price",
        "store_price_cleared",
        "staff",
        "staff_deleted",
        "store",
        "barcode_rule",
        "barcode_rule_deleted",
        "delivery_note",
        "quick_keys",
        "quick_keys_cleared",
        "customer",
        "customer_erased",
        "promotion",
        "price_schedule",
        "price_schedule_cancelled",
    ];

    /// The change's `type` on the wire.
    pub fn kind(&self) -> &str {
        match self {
            Self::TaxRate(_) => "tax_rate",
            Self::Product(_) => "product",
            Self::ProductDeleted { .. } => "product_deleted",
            Self::Barcode { .. } => "barcode",
            Self::BarcodeDeleted { .. } => "barcode_deleted",
            Self::StorePrice { .. } => "store_price",
            Self::StorePriceCleared { .. } => "store_price_cleared",
            Self::Staff(_) => "staff",
            Self::StaffDeleted { .. } => "staff_deleted",
            Self::Store(_) => "store",
            Self::BarcodeRule(_) => "barcode_rule",
            Self::BarcodeRuleDeleted { .. } => "barcode_rule_deleted",
            Self::DeliveryNote(_) => "delivery_note",
            Self::QuickKeys(_) => "quick_keys",
            Self::QuickKeysCleared { .. } => "quick_keys_cleared",
            Self::Customer(_) => "customer",
            Self::CustomerErased { .. } => "customer_erased",
            Self::Promotion(_) => "promotion",
            Self::PriceSchedule(_) => "price_schedule",
            Self::PriceScheduleCancelled { .. } => "price_schedule_cancelled",
            Self::Unknown { kind } => kind,
        }
    }

    /// True for a kind this build knows how to apply.
    pub fn is_known_kind(kind: &str) -> bool {
        Self::KNOWN_KINDS.contains(&kind)
    }
}

impl Serialize for CatalogChange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unknown { kind } => {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("type", kind)?;
                m.end()
            }
            known => CatalogChange::serialize(known, s),
        }
    }
}

impl<'de> Deserialize<'de> for CatalogChange {
    /// A known `type` parses strictly; any other `type` becomes [`CatalogChange::Unknown`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        let kind = v
            .get("type")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| D::Error::custom("a catalog change needs a string \"type\""))?;
        if Self::is_known_kind(kind) {
            CatalogChange::deserialize(v).map_err(D::Error::custom)
        } else {
            Ok(Self::Unknown {
                kind: kind.to_string(),
            })
        }
    }
}

/// Longest change kind name a till reports.
pub const MAX_KIND_LEN: usize = 64;
/// Most skipped kinds one report names.
pub const MAX_SKIPPED_KINDS: usize = 32;

/// What a till may report as a skipped kind: 1 to [`MAX_KIND_LEN`] of `a-z`, `0-9`, `_` (the
/// shape of every kind name). A till reports any other name HQ sent as [`UNNAMED_KIND`], so its
/// report is never refused.
pub fn is_reportable_kind(kind: &str) -> bool {
    !kind.is_empty()
        && kind.len() <= MAX_KIND_LEN
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Stands in for a skipped kind whose name is not reportable.
pub const UNNAMED_KIND: &str = "unnamed";

/// The till release that first applies each change kind, by kind name (every entry of
/// [`CatalogChange::KNOWN_KINDS`]; a test checks). HQ refuses a change of a kind that an enrolled
/// till of the store it goes to reports too old a version for (`till_version`), unless an HQ admin
/// forces it. The kinds marked 0.1.0 shipped in the first release; a kind added later gets the
/// version of the release that brings it (and the workspace version moves to it): quick keys, 0.2.0;
/// customers and promotions, 0.3.0.
pub const KIND_INTRODUCED_IN: &[(&str, &str)] = &[
    ("tax_rate", "0.1.0"),
    ("product", "0.1.0"),
    ("product_deleted", "0.1.0"),
    ("barcode", "0.1.0"),
    ("barcode_deleted", "0.1.0"),
    ("store_price", "0.1.0"),
    ("store_price_cleared", "0.1.0"),
    ("staff", "0.1.0"),
    ("staff_deleted", "0.1.0"),
    ("store", "0.1.0"),
    ("barcode_rule", "0.1.0"),
    ("barcode_rule_deleted", "0.1.0"),
    ("delivery_note", "0.1.0"),
    ("quick_keys", "0.2.0"),
    ("quick_keys_cleared", "0.2.0"),
    ("customer", "0.3.0"),
    ("customer_erased", "0.3.0"),
    ("promotion", "0.3.0"),
    ("price_schedule", "0.3.0"),
    ("price_schedule_cancelled", "0.3.0"),
];

/// The till release that first applies `kind` (see [`KIND_INTRODUCED_IN`]).
pub fn kind_introduced_in(kind: &str) -> Option<&'static str> {
    KIND_INTRODUCED_IN
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, v)| *v)
}

/// Whether a till reporting `version` that skipped `skipped` can apply a change of `kind`:
/// `Some(false)` when it skipped that kind already, or its version is older than the one that
/// brought the kind; `None` when its version does not read as `MAJOR.MINOR.PATCH[-PRE][+BUILD]`
/// (nothing to judge by); `Some(true)` otherwise.
pub fn till_can_apply(version: &str, skipped: &[String], kind: &str) -> Option<bool> {
    if skipped.iter().any(|k| k == kind) {
        return Some(false);
    }
    let Some(since) = kind_introduced_in(kind) else {
        // A kind this build does not know HQ cannot send.
        return Some(true);
    };
    Some(compare_versions(version, since)? != std::cmp::Ordering::Less)
}

/// Orders two release versions `MAJOR.MINOR.PATCH[-PRE][+BUILD]` (missing MINOR or PATCH read as 0)
/// as semantic versioning does: a pre-release comes before its release; build metadata is ignored.
/// `None` when either does not read as one.
pub fn compare_versions(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    fn parse(v: &str) -> Option<([u64; 3], Option<&str>)> {
        let v = v.split_once('+').map_or(v, |(v, _)| v);
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, Some(p)),
            Some(_) => return None,
            None => (v, None),
        };
        let mut n = [0u64; 3];
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            n[i] = p.parse().ok()?;
        }
        Some((n, pre))
    }
    fn pre_order(a: &str, b: &str) -> std::cmp::Ordering {
        let (mut x, mut y) = (a.split('.'), b.split('.'));
        loop {
            match (x.next(), y.next()) {
                (None, None) => return std::cmp::Ordering::Equal,
                (None, Some(_)) => return std::cmp::Ordering::Less,
                (Some(_), None) => return std::cmp::Ordering::Greater,
                (Some(p), Some(q)) => {
                    let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                        (Ok(m), Ok(n)) => m.cmp(&n),
                        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
                        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
                        (Err(_), Err(_)) => p.cmp(q),
                    };
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
            }
        }
    }
    let ((na, pa), (nb, pb)) = (parse(a)?, parse(b)?);
    Some(na.cmp(&nb).then_with(|| match (pa, pb) {
        (None, None) => std::cmp::Ordering::Equal,
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(p), Some(q)) => pre_order(p, q),
    }))
}

/// A change with its position in HQ's change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Change {
    pub cursor: i64,
    /// Tagged by `type` (tax_rate, product, store, promotion, ...).
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub change: CatalogChange,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_says_which_release_brought_it() {
        let listed: Vec<&str> = KIND_INTRODUCED_IN.iter().map(|(k, _)| *k).collect();
        assert_eq!(listed, CatalogChange::KNOWN_KINDS);
        for (k, v) in KIND_INTRODUCED_IN {
            assert!(compare_versions(v, v).is_some(), "{k}: {v}");
        }
    }

    #[test]
    fn versions_order_as_releases() {
        use std::cmp::Ordering::{Equal, Greater, Less};
        assert_eq!(compare_versions("0.0.9", "0.1.0"), Some(Less));
        assert_eq!(compare_versions("0.10.0", "0.9.3"), Some(Greater));
        assert_eq!(compare_versions("1.2", "1.2.0"), Some(Equal));
        assert_eq!(compare_versions("0.1.0-rc.1", "0.1.0"), Some(Less));
        assert_eq!(compare_versions("0.1.0-rc.2", "0.1.0-rc.10"), Some(Less));
        assert_eq!(compare_versions("0.1.0+build7", "0.1.0"), Some(Equal));
        assert_eq!(compare_versions("banana", "0.1.0"), None);
        assert_eq!(compare_versions("1..2", "0.1.0"), None);
        assert_eq!(compare_versions("1.2.3-", "0.1.0"), None);
    }

    #[test]
    fn which_tills_can_apply_a_kind() {
        let none: Vec<String> = Vec::new();
        assert_eq!(till_can_apply("0.1.0", &none, "store_price"), Some(true));
        assert_eq!(till_can_apply("0.2.0", &none, "delivery_note"), Some(true));
        assert_eq!(till_can_apply("0.0.9", &none, "store_price"), Some(false));
        assert_eq!(
            till_can_apply("0.1.0-rc.1", &none, "store_price"),
            Some(false)
        );
        let skipped = vec!["delivery_note".to_string()];
        assert_eq!(
            till_can_apply("0.1.0", &skipped, "delivery_note"),
            Some(false)
        );
        assert_eq!(till_can_apply("0.1.0", &skipped, "product"), Some(true));
        assert_eq!(till_can_apply("dev-build", &none, "product"), None);
    }

    #[test]
    fn kind_names_match_the_wire() {
        let samples = [
            CatalogChange::ProductDeleted { id: ProductId(1) },
            CatalogChange::BarcodeDeleted { code: "1".into() },
            CatalogChange::StorePriceCleared {
                product_id: ProductId(1),
            },
            CatalogChange::StaffDeleted { id: StaffId(1) },
            CatalogChange::BarcodeRuleDeleted { id: 1 },
            CatalogChange::BarcodeRule(BarcodeRuleRecord::new(
                1,
                &VariableMeasureRule::odoo_weight(),
            )),
        ];
        for c in samples {
            let v = serde_json::to_value(&c).unwrap();
            assert_eq!(v["type"], c.kind());
            assert!(CatalogChange::is_known_kind(c.kind()));
            assert!(is_reportable_kind(c.kind()));
        }
        for k in CatalogChange::KNOWN_KINDS {
            assert!(is_reportable_kind(k), "{k}");
        }
    }

    #[test]
    fn unknown_kinds_parse_as_unknown_and_known_ones_stay_strict() {
        let c: CatalogChange =
            serde_json::from_value(serde_json::json!({"type": "gift_card", "id": 9, "x": [1]}))
                .unwrap();
        assert_eq!(
            c,
            CatalogChange::Unknown {
                kind: "gift_card".into()
            }
        );
        assert_eq!(c.kind(), "gift_card");
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"type": "gift_card"})
        );
        // A known kind with a broken record is an error, not an unknown kind.
        assert!(
            serde_json::from_value::<CatalogChange>(
                serde_json::json!({"type": "product", "id": 1})
            )
            .is_err()
        );
        // No type at all is an error.
        assert!(serde_json::from_value::<CatalogChange>(serde_json::json!({"id": 1})).is_err());
        // Unknown fields of a known kind are ignored.
        let c: CatalogChange = serde_json::from_value(
            serde_json::json!({"type": "product_deleted", "id": 3, "reason": "discontinued"}),
        )
        .unwrap();
        assert_eq!(c, CatalogChange::ProductDeleted { id: ProductId(3) });
        assert!(!is_reportable_kind(""));
        assert!(!is_reportable_kind("Gift-Card"));
        assert!(!is_reportable_kind(&"a".repeat(MAX_KIND_LEN + 1)));
    }

    #[test]
    fn store_settings_are_optional_on_the_wire() {
        // An HQ from before the settings sends neither field: it still parses, with none.
        let old = serde_json::json!({
            "type": "store", "id": 2, "name": "Gran Vía 12", "address": "Gran Vía 12",
            "franchisee_id": 1, "franchisee_legal_name": "Ultramarinos Centro S.L.",
            "franchisee_nif": "B12345674", "receipt_footer": "Gracias"
        });
        let CatalogChange::Store(r) = serde_json::from_value::<CatalogChange>(old.clone()).unwrap()
        else {
            panic!("not a store")
        };
        assert_eq!(r.receipt_header, "");
        assert_eq!(r.cash_tolerance, None);
        // And it goes back out exactly as it came (an old till sees nothing new).
        assert_eq!(
            serde_json::to_value(CatalogChange::Store(r.clone())).unwrap(),
            old
        );
        let new = StoreRecord {
            receipt_header: "Abierto 9–21 h".into(),
            cash_tolerance: Some(Money::from_cents(250)),
            time_zone: None,
            ..r
        };
        assert!(
            !r.single_manager,
            "absent: a second manager approves a Z short"
        );
        let v = serde_json::to_value(CatalogChange::Store(new.clone())).unwrap();
        assert_eq!(v["cash_tolerance"], "2.50");
        assert!(v.get("single_manager").is_none(), "false is not sent");
        let single = StoreRecord {
            single_manager: true,
            ..new.clone()
        };
        let v1 = serde_json::to_value(CatalogChange::Store(single.clone())).unwrap();
        assert_eq!(v1["single_manager"], true);
        assert_eq!(
            serde_json::from_value::<CatalogChange>(v1).unwrap(),
            CatalogChange::Store(single)
        );
        assert!(v.get("report_email").is_none(), "no address is not sent");
        let mailed = StoreRecord {
            report_email: Some("norte@cafes.example".into()),
            ..new.clone()
        };
        let v2 = serde_json::to_value(CatalogChange::Store(mailed.clone())).unwrap();
        assert_eq!(v2["report_email"], "norte@cafes.example");
        assert_eq!(
            serde_json::from_value::<CatalogChange>(v2).unwrap(),
            CatalogChange::Store(mailed)
        );
        assert_eq!(v["receipt_header"], "Abierto 9–21 h");
        assert_eq!(
            serde_json::from_value::<CatalogChange>(v).unwrap(),
            CatalogChange::Store(new)
        );
    }

    #[test]
    fn delivery_note_changes_on_the_wire() {
        let rec = DeliveryNoteRecord {
            id: 4,
            number: "ALB-2026-000004".into(),
            store_id: StoreId(2),
            supplier: "Almacén central".into(),
            expected_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            status: DeliveryNoteStatus::ReceivedWithDifferences,
            lines: vec![DeliveryNoteLine {
                product_id: ProductId(7),
                sku: "ACE-1L".into(),
                name: "Aceite".into(),
                quantity: Quantity::units(12),
            }],
        };
        let c = CatalogChange::DeliveryNote(rec);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["type"], "delivery_note");
        assert_eq!(v["status"], "received_with_differences");
        assert_eq!(v["expected_date"], "2026-11-30");
        assert_eq!(v["lines"][0]["quantity"], "12.000");
        assert_eq!(serde_json::from_value::<CatalogChange>(v).unwrap(), c);
        for s in [
            DeliveryNoteStatus::Pending,
            DeliveryNoteStatus::Received,
            DeliveryNoteStatus::ReceivedWithDifferences,
        ] {
            assert_eq!(DeliveryNoteStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(DeliveryNoteStatus::parse("lost"), None);
    }

    #[test]
    fn barcode_rule_changes_on_the_wire() {
        let rec = BarcodeRuleRecord::new(3, &VariableMeasureRule::odoo_weight());
        let c = CatalogChange::BarcodeRule(rec.clone());
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "type": "barcode_rule", "id": 3, "prefix": "21", "kind": "weight",
                "item_digits": 5, "value_digits": 5, "decimals": 3, "verifier": false
            })
        );
        assert_eq!(serde_json::from_value::<CatalogChange>(v).unwrap(), c);
        assert_eq!(rec.rule(), VariableMeasureRule::odoo_weight());
        let d = CatalogChange::BarcodeRuleDeleted { id: 3 };
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "barcode_rule_deleted", "id": 3})
        );
        assert_eq!(serde_json::from_value::<CatalogChange>(v).unwrap(), d);
        // A rule that is not a rule (missing fields) does not parse as one.
        assert!(
            serde_json::from_value::<CatalogChange>(
                serde_json::json!({"type": "barcode_rule", "id": 1})
            )
            .is_err()
        );
    }
}
