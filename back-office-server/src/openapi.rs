//! The OpenAPI 3.1 document served at `/api/openapi.json`, written by hand to match the routes in
//! [`crate::http::router`] (a test checks every route is listed).

use serde_json::{Value, json};

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema } } })
}

fn err(desc: &str) -> Value {
    ok(desc, r("ApiError"))
}

fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn path_param(name: &str, schema: Value, desc: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": schema, "description": desc })
}

fn query_param(name: &str, schema: Value, required: bool, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "schema": schema, "description": desc })
}

fn int() -> Value {
    json!({ "type": "integer", "format": "int64" })
}

/// A quick key as the API reads and writes it.
fn quick_key() -> Value {
    json!({"type": "object", "properties": {
        "page": {"type": "string", "minLength": 1, "maxLength": 24},
        "product_id": int(),
        "label": {"type": "string", "maxLength": 24},
        "colour": {"type": "string", "enum": ["red", "orange", "yellow", "green", "teal", "blue", "purple", "grey"]}
    }, "required": ["page", "product_id"]})
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn money_str() -> Value {
    json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,2})?$", "description": "Euros with up to two decimals, as a string", "examples": ["4.00"] })
}

fn date() -> Value {
    json!({ "type": "string", "format": "date" })
}

/// A promotion's rule, tagged by `kind`.
fn promotion_rule() -> Value {
    let pct = json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": "Percent, up to two decimals", "examples": ["20"] });
    json!({ "oneOf": [
        {"type": "object", "properties": {"kind": {"const": "percent_off"}, "percent": pct}, "required": ["kind", "percent"]},
        {"type": "object", "properties": {"kind": {"const": "n_for_m"}, "take": {"type": "integer", "minimum": 0, "maximum": 4294967295u64}, "pay": {"type": "integer", "minimum": 0, "maximum": 4294967295u64}}, "required": ["kind", "take", "pay"]},
        {"type": "object", "properties": {"kind": {"const": "second_unit"}, "percent_off": pct}, "required": ["kind", "percent_off"]},
        {"type": "object", "properties": {"kind": {"const": "bundle"}, "price": money_str()}, "required": ["kind", "price"]}
    ]})
}

/// A promotion as HQ keeps it, with its status today.
fn promotion_out() -> Value {
    json!({"type": "object", "properties": {
        "promotion": {"type": "object", "properties": {
            "id": int(), "name": string(), "rule": promotion_rule(), "products": array(int()),
            "family": string(), "stores": array(int()), "starts_on": date(), "ends_on": date(),
            "ended_at": {"type": "string", "format": "date-time"}
        }, "required": ["id", "name", "rule", "products", "starts_on", "ends_on"]},
        "created_by": string(), "created_at": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["upcoming", "current", "ended"]}
    }, "required": ["promotion", "created_by", "created_at", "status"]})
}

fn price_schedule_out() -> Value {
    json!({"type": "object", "properties": {
        "schedule": {"type": "object", "properties": {
            "id": int(), "product_id": int(), "store_id": int(), "price": money_str(), "effective_on": date()
        }, "required": ["id", "product_id", "price", "effective_on"]},
        "created_by": string(), "created_at": {"type": "string", "format": "date-time"},
        "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
        "applied_at": {"type": ["string", "null"], "format": "date-time"}
    }, "required": ["schedule", "created_by", "created_at", "cancelled_at"]})
}

/// A unit cost: euros with up to four decimals, as a string.
fn cost() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,4})?$", "description": "Euros with up to four decimals, as a string", "examples": ["1.2345"] })
}

/// A receipt header or footer: lines printed on every receipt of the store.
fn receipt_text() -> Value {
    json!({ "type": "string", "maxLength": 500, "description": "Printed on every receipt of the store; newlines separate lines" })
}

/// A store's cash over/short tolerance.
fn tolerance() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$", "default": "5.00", "description": "Euros, not negative, at most 1000.00: the cash over/short a Z close accepts without a manager's approval" })
}

/// Standard error answers of an authenticated route.
fn errors(mut responses: Value, extra: &[(&str, &str)]) -> Value {
    if let Some(m) = responses.as_object_mut() {
        m.insert(
            "400".into(),
            err("Malformed request (bad JSON, wrong types, bad query or path)"),
        );
        m.insert("401".into(), err("Missing, unknown or revoked token"));
        m.insert(
            "403".into(),
            err("Token of the wrong kind or for another till/store"),
        );
        m.insert("413".into(), err("Request body larger than 16 MiB"));
        m.insert(
            "422".into(),
            err("Understood but not acceptable; the message says why"),
        );
        m.insert("500".into(), err("The database failed (logged)"));
        for (code, desc) in extra {
            m.insert((*code).into(), err(desc));
        }
    }
    responses
}

fn op(
    tag: &str,
    summary: &str,
    security: &str,
    params: Vec<Value>,
    request: Option<Value>,
    responses: Value,
) -> Value {
    let mut o = json!({
        "tags": [tag],
        "summary": summary,
        "parameters": params,
        "responses": responses,
    });
    if !security.is_empty() {
        o["security"] = json!([{ security: [] }]);
    }
    if let Some(b) = request {
        o["requestBody"] = b;
    }
    o
}

fn admin(
    summary: &str,
    params: Vec<Value>,
    request: Option<Value>,
    success: (&str, Value),
    extra: &[(&str, &str)],
) -> Value {
    let mut responses = json!({});
    responses[success.0] = success.1;
    op(
        "admin",
        summary,
        "adminToken",
        params,
        request,
        errors(responses, extra),
    )
}

fn no_content() -> Value {
    json!({ "description": "Done" })
}

/// The whole document.
pub fn document() -> Value {
    let id = |what: &str| path_param("id", int(), what);
    let not_found = [("404", "No such record")];
    let conflict = [
        ("404", "A referenced record does not exist"),
        ("409", "Would duplicate an existing record"),
    ];

    let paths = json!({
        "/healthz": {
            "get": op("meta", "Liveness and database check", "", vec![], None, json!({
                "200": ok("Up", r("Health")),
                "503": ok("Database not answering", r("Health")),
            }))
        },
        "/api/openapi.json": {
            "get": op("meta", "This document", "", vec![], None, json!({ "200": ok("OpenAPI 3.1", json!({"type": "object"})) }))
        },
        "/api/v1/sync/enroll": {
            "post": op("sync", "Enrol a till with a one-time code; returns its device token once", "",
                vec![], Some(body(r("EnrollRequest"))),
                json!({
                    "200": ok("Enrolled", r("EnrollResponse")),
                    "400": err("Malformed request or unsupported protocol version"),
                    "413": err("Body too large"),
                    "422": err("Unknown, used or expired code"),
                    "500": err("Database failed"),
                }))
        },
        "/api/v1/sync/push": {
            "post": op("sync", "Push sealed documents (validated as a whole before anything is stored)", "deviceToken",
                vec![], Some(body(r("PushRequest"))),
                errors(json!({
                    "200": ok("Every document stored or acknowledged again", r("PushResponse")),
                    "409": ok("At least one document conflicts with what HQ holds; kept aside and alerted", r("PushResponse")),
                }), &[("413", "Body too large or more than MAX_PUSH_BATCH (500) documents")]))
        },
        "/api/v1/sync/changes": {
            "get": op("sync", "Catalog changes for this till's store after a cursor", "deviceToken",
                vec![
                    query_param("after", int(), false, "Cursor from the previous page (default 0)"),
                    query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 5000}), false, "Page size (default 1000, max 5000)"),
                    query_param("protocol_version", json!({"type": "integer"}), false, "Checked when given"),
                    query_param("waiting", json!({"type": "integer", "minimum": 0, "maximum": 100_000_000}), false, "Documents waiting in the till's outbox (kept for the Tills page; 0 once all is pushed)"),
                    query_param("version", json!({"type": "string", "pattern": "^[0-9A-Za-z.+-]{1,32}$"}), false, "The till software's version (kept for the Tills page)"),
                    query_param("skipped", json!({"type": "string", "pattern": "^([a-z0-9_]{1,64}(,[a-z0-9_]{1,64}){0,31})?$"}), false, "Change kinds the till did not know and skipped, comma-separated (empty: none); needs version"),
                ], None,
                errors(json!({ "200": ok("A page of changes", r("ChangesPage")) }), &[]))
        },
        "/api/v1/admin/franchisees": {
            "get": admin("List franchisees", vec![], None, ("200", ok("Franchisees", array(r("Franchisee")))), &[]),
            "post": admin("Create a franchisee (NIF/CIF/NIE check character validated)", vec![], Some(body(r("FranchiseeIn"))), ("201", ok("Created", r("Franchisee"))), &conflict),
        },
        "/api/v1/admin/franchisees/{id}": {
            "get": admin("One franchisee", vec![id("Franchisee id")], None, ("200", ok("Franchisee", r("Franchisee"))), &not_found),
            "patch": admin("Change a franchisee's legal name, NIF/CIF (validated) or address; every store of the franchisee sends its tills the new legal data", vec![id("Franchisee id")], Some(body(r("FranchiseePatch"))), ("200", ok("Updated", r("Franchisee"))), &[("404", "No such franchisee"), ("409", "Another franchisee has that NIF")]),
            "put": admin("Replace a franchisee's legal data (as PATCH, every field)", vec![id("Franchisee id")], Some(body(r("FranchiseeIn"))), ("200", ok("Updated", r("Franchisee"))), &[("404", "No such franchisee"), ("409", "Another franchisee has that NIF")]),
        },
        "/api/v1/admin/stores": {
            "get": admin("List stores", vec![], None, ("200", ok("Stores", array(r("Store")))), &[]),
            "post": admin("Create a store", vec![], Some(body(r("StoreIn"))), ("201", ok("Created", r("Store"))), &conflict),
        },
        "/api/v1/admin/stores/{id}": {
            "get": admin("One store", vec![id("Store id")], None, ("200", ok("Store", r("Store"))), &not_found),
            "patch": admin("Change a store's name, address, receipt header/footer or cash over/short tolerance; its tills pull the change", vec![id("Store id")], Some(body(r("StorePatch"))), ("200", ok("Updated", r("Store"))), &not_found),
            "put": admin("Replace a store's settings (as PATCH, every field)", vec![id("Store id")], Some(body(r("StoreSettings"))), ("200", ok("Updated", r("Store"))), &not_found),
        },
        "/api/v1/admin/stores/{store_id}/prices/{product_id}": {
            "put": admin("Set a store's own price for a product", vec![path_param("store_id", int(), "Store id"), path_param("product_id", int(), "Product id")], Some(body(r("PriceIn"))), ("204", no_content()), &not_found),
            "delete": admin("Clear a store's own price (back to HQ's)", vec![path_param("store_id", int(), "Store id"), path_param("product_id", int(), "Product id")], None, ("204", no_content()), &not_found),
        },
        "/api/v1/admin/tills": {
            "get": admin("List tills with sync health", vec![], None, ("200", ok("Tills", array(r("Till")))), &[]),
            "post": admin("Create a till slot; returns a one-time enrolment code valid 7 days", vec![], Some(body(r("TillIn"))), ("201", ok("Created", r("CreatedTill"))), &not_found),
        },
        "/api/v1/admin/tills/{id}": {
            "get": admin("One till", vec![id("Till id")], None, ("200", ok("Till", r("Till"))), &not_found),
        },
        "/api/v1/admin/tills/{id}/revoke": {
            "post": admin("Revoke a till's device token", vec![id("Till id")], None, ("200", ok("Revoked", r("Till"))), &not_found),
        },
        "/api/v1/admin/staff": {
            "get": admin("List staff", vec![query_param("store_id", int(), false, "Only this store's staff")], None, ("200", ok("Staff", array(r("Staff")))), &[]),
            "post": admin("Create a member of staff (PIN 4–8 digits, stored as argon2)", vec![], Some(body(r("StaffIn"))), ("201", ok("Created", r("Staff"))), &not_found),
        },
        "/api/v1/admin/staff/{id}": {
            "delete": admin("Deactivate a member of staff", vec![id("Staff id")], None, ("204", no_content()), &not_found),
        },
        "/api/v1/admin/staff/{id}/pin": {
            "put": admin("Change a PIN", vec![id("Staff id")], Some(body(r("PinIn"))), ("204", no_content()), &not_found),
        },
        "/api/v1/admin/tax-rates": {
            "get": admin("List tax rates", vec![], None, ("200", ok("Tax rates", array(r("TaxRateRecord")))), &[]),
            "post": admin("Create a tax rate", vec![], Some(body(r("TaxRateIn"))), ("201", ok("Created", r("TaxRateRecord"))), &conflict),
        },
        "/api/v1/admin/products": {
            "get": admin("Search products", vec![
                query_param("q", string(), false, "Substring of name, SKU or barcode"),
                query_param("offset", json!({"type": "integer", "minimum": 0}), false, "Default 0"),
                query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 1000}), false, "Default 100"),
            ], None, ("200", ok("Products", array(r("Product")))), &[]),
            "post": admin("Create a product (barcodes' check digits validated, price ≥ 0)", vec![], Some(body(r("ProductIn"))), ("201", ok("Created", r("Product"))), &conflict),
        },
        "/api/v1/admin/products/{id}": {
            "get": admin("One product", vec![id("Product id")], None, ("200", ok("Product", r("Product"))), &not_found),
            "patch": admin("Change a product's name, tax rate, price or active flag", vec![id("Product id")], Some(body(r("ProductPatch"))), ("200", ok("Updated", r("Product"))), &not_found),
        },
        "/api/v1/admin/products/{id}/barcodes": {
            "post": admin("Add a barcode to a product", vec![id("Product id")], Some(body(r("BarcodeIn"))), ("200", ok("Product with its barcodes", r("Product"))), &conflict),
        },
        "/api/v1/admin/products/{id}/category": {
            "put": admin("Set a product's report category (sales by category; empty for none)", vec![id("Product id")], Some(body(r("CategoryIn"))), ("200", ok("Set", r("CategoryOut"))), &not_found),
        },
        "/api/v1/admin/barcodes/{code}": {
            "delete": admin("Remove a barcode", vec![path_param("code", string(), "The barcode")], None, ("204", no_content()), &not_found),
        },
        "/api/v1/admin/barcode-rules": {
            "get": admin("List the franchise's GS1 variable-measure barcode rules (prefixes 20–29)", vec![], None, ("200", ok("Rules", array(r("BarcodeRule")))), &[]),
            "post": admin("Create a variable-measure rule; every till of every store gets it on its next pull", vec![], Some(body(r("BarcodeRuleIn"))), ("201", ok("Created", r("BarcodeRule"))), &[("409", "A rule with that prefix already exists")]),
        },
        "/api/v1/admin/barcode-rules/{id}": {
            "put": admin("Replace a variable-measure rule", vec![id("Rule id")], Some(body(r("BarcodeRuleIn"))), ("200", ok("Updated", r("BarcodeRule"))), &[("404", "No such rule"), ("409", "Another rule has that prefix")]),
            "delete": admin("Delete a variable-measure rule (tills stop decoding its prefix)", vec![id("Rule id")], None, ("204", no_content()), &not_found),
        },
        "/api/v1/admin/customers": {
            "get": admin("Franchisees' customers by name (erased ones left out), optionally one franchisee's and matching a text in the name, NIF or e-mail", vec![query_param("q", string(), false, "Text to look for"), query_param("franchisee_id", int(), false, "Only this franchisee's")], None, ("200", ok("Customers", array(r("Customer")))), &[]),
            "post": admin("Create a customer of a franchisee (NIF/NIE/CIF validated when given; consent needs an e-mail); it reaches the franchisee's tills", vec![], Some(body(r("NewCustomer"))), ("201", ok("Created", r("Customer"))), &not_found),
        },
        "/api/v1/admin/customers/{id}": {
            "get": admin("A customer", vec![path_param("id", json!({"type": "string", "format": "uuid"}), "Customer id")], None, ("200", ok("Customer", r("Customer"))), &not_found),
            "put": admin("Replace a customer's data whole; it reaches the franchisee's tills", vec![path_param("id", json!({"type": "string", "format": "uuid"}), "Customer id")], Some(body(r("CustomerIn"))), ("200", ok("Updated", r("Customer"))), &not_found),
            "delete": admin("Erase a customer on request (GDPR): the personal data is removed from HQ and every till, an anonymous tombstone stays, the audit log records the API token; fiscal documents and archived PDFs are not touched", vec![path_param("id", json!({"type": "string", "format": "uuid"}), "Customer id")], None, ("204", no_content()), &not_found),
        },
        "/api/v1/admin/quick-keys": {
            "get": admin("The quick keys a scope's tills show beside the ticket: a store's own layout, else the franchise's (own tells which); without store_id, the franchise's", vec![query_param("store_id", int(), false, "A store")], None, ("200", ok("Layout", json!({"type": "object", "properties": {"store_id": {"type": ["integer", "null"]}, "own": {"type": "boolean"}, "keys": array(quick_key()), "updated_by": {"type": ["string", "null"]}, "updated_at": {"type": ["string", "null"]}}, "required": ["own", "keys"]}))), &not_found),
            "put": admin("Replace a quick-key layout whole: the franchise's (no store_id; every till) or a store's own (its tills, instead of the franchise's). At most 240 keys and 12 pages, labels of 24 characters, a product once per page; an unknown product is 422 and nothing is stored", vec![], Some(body(json!({"type": "object", "properties": {"store_id": {"type": ["integer", "null"]}, "keys": array(quick_key())}, "required": ["keys"]}))), ("200", ok("Saved", json!({"type": "object", "properties": {"layout": {"type": "object"}, "updated_by": string(), "updated_at": string()}, "required": ["layout", "updated_by", "updated_at"]}))), &not_found),
        },
        "/api/v1/admin/quick-keys/{store_id}": {
            "delete": admin("Remove a store's own layout: its tills show the franchise's again (404 when it has none)", vec![path_param("store_id", int(), "Store id")], None, ("204", no_content()), &not_found),
        },
        "/api/v1/admin/promotions": {
            "get": admin("Every promotion, newest first, with its status today (upcoming, current, ended)", vec![], None, ("200", ok("Promotions", array(promotion_out()))), &[]),
            "post": admin("Create a promotion: a percentage off, take N pay M, a second unit at a discount or a bundle at a fixed price, over a family (its active products now) and/or products, in every store (no stores) or the stores listed, from starts_on to ends_on (included, each store's calendar). It goes to those stores' tills on their next pull; they apply it offline by their own clock. A bad rule is 422", vec![], Some(body(json!({"type": "object", "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 40}, "rule": promotion_rule(),
                "family": {"type": ["string", "null"]}, "products": array(int()), "stores": array(int()),
                "starts_on": date(), "ends_on": date()
            }, "required": ["name", "rule", "starts_on", "ends_on"]}))), ("201", ok("Created", promotion_out())), &not_found),
        },
        "/api/v1/admin/promotions/{id}": {
            "get": admin("One promotion", vec![id("Promotion id")], None, ("200", ok("Promotion", promotion_out())), &not_found),
        },
        "/api/v1/admin/promotions/{id}/end": {
            "post": admin("End a promotion now: the tills stop applying it once they have the change (422 when it already ended)", vec![id("Promotion id")], None, ("200", ok("Ended", promotion_out())), &not_found),
        },
        "/api/v1/admin/price-schedules": {
            "get": admin("Scheduled price changes by date, cancelled ones too", vec![], None, ("200", ok("Scheduled prices", array(price_schedule_out()))), &[]),
            "post": admin("Schedule a product's price from a day (tomorrow or later), franchise-wide or in one store; tills get it ahead and switch at the store's local midnight, offline", vec![], Some(body(json!({"type": "object", "properties": {
                "product_id": int(), "store_id": {"type": ["integer", "null"], "format": "int64"}, "price": money_str(), "effective_on": date()
            }, "required": ["product_id", "price", "effective_on"]}))), ("201", ok("Scheduled", price_schedule_out())), &not_found),
        },
        "/api/v1/admin/price-schedules/{id}/cancel": {
            "post": admin("Cancel a scheduled price not yet in force (422 once in force or already cancelled); the tills drop it", vec![id("Schedule id")], None, ("200", ok("Cancelled", price_schedule_out())), &not_found),
        },
        "/api/v1/admin/delivery-notes": {
            "get": admin("Delivery notes (albaranes), newest first", vec![
                query_param("store_id", int(), false, "Only this store's notes"),
                query_param("status", json!({"type": "string", "enum": ["pending", "received", "received_with_differences"]}), false, "Only notes in this state"),
            ], None, ("200", ok("Delivery notes", array(r("DeliveryNote")))), &[]),
            "post": admin("Create a delivery note for a store; only that store's tills get it on their next pull. Every line is checked and all bad lines are reported (422), nothing is stored", vec![], Some(body(r("DeliveryNoteIn"))), ("201", ok("Created, with its number", r("DeliveryNote"))), &[]),
        },
        "/api/v1/admin/delivery-notes/{id}": {
            "get": admin("One delivery note with expected and received quantities per line", vec![id("Delivery note id")], None, ("200", ok("Delivery note", r("DeliveryNote"))), &not_found),
        },
        "/api/v1/admin/franchisees/{id}/contracts": {
            "get": admin("A franchisee's contract versions, oldest first", vec![id("Franchisee id")], None, ("200", ok("Versions", array(r("ContractVersion")))), &not_found),
            "post": admin("A new contract version, in force from its month until the next version. Overlapping versions, a version in an invoiced month, tier gaps or overlaps, negative amounts or percentages and bad e-mails are refused (422/409), nothing stored", vec![id("Franchisee id")], Some(body(r("ContractIn"))), ("201", ok("Created", r("ContractVersion"))), &conflict),
        },
        "/api/v1/admin/invoicing/issuer": {
            "get": admin("HQ's billing details (the issuer of every invoice); null until set", vec![], None, ("200", ok("Issuer", r("Issuer"))), &[]),
            "put": admin("Set HQ's billing details", vec![], Some(body(r("Issuer"))), ("200", ok("Stored", r("Issuer"))), &[]),
        },
        "/api/v1/admin/invoicing/runs": {
            "post": admin("Invoice a closed month (YYYY-MM) for every franchisee under contract: one invoice each, gapless FQ-year series, a VERI*FACTU record in HQ's chain; running again issues nothing", vec![], Some(body(json!({"type": "object", "properties": {"period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}, "required": ["period"]}))), ("200", ok("What the run did", r("InvoicingRun"))), &[]),
        },
        "/api/v1/admin/invoices": {
            "get": admin("Invoices and credit notes, newest first", vec![], None, ("200", ok("Invoices", array(r("Invoice")))), &[]),
        },
        "/api/v1/admin/invoices/{id}": {
            "get": admin("One invoice with the net sales it counted per month, store and day, its credit notes and its e-mail state", vec![id("Invoice id")], None, ("200", ok("Invoice", r("Invoice"))), &not_found),
        },
        "/api/v1/admin/invoices/{id}/credit-notes": {
            "post": admin("Issue a credit note (rectificativa by differences, RQ-year series, VERI*FACTU R1-R4 with TipoRectificativa I) for the chosen lines, each at most what is left of it (net before tax; no net: what is left), or for everything left when lines is empty. The invoice's open amount goes down by the credit. More than is left is refused (422), nothing stored", vec![id("Invoice id")], Some(body(json!({"type": "object", "properties": {"reason": {"type": "string", "enum": ["taxable_base_error", "tax_rate_error", "discounts_and_returns", "insolvency", "bad_debt", "other"]}, "description": string(), "lines": {"type": "array", "items": {"type": "object", "properties": {"line": {"type": "integer", "minimum": 1}, "net": {"type": ["string", "null"], "pattern": "^-?[0-9]{1,12}(\\.[0-9]{1,2})?$"}}, "required": ["line"]}}}, "required": ["reason", "description"]}))), ("201", ok("Credit note", r("Invoice"))), &conflict),
        },
        "/api/v1/admin/invoices/{id}/send": {
            "post": admin("E-mail the invoice or credit note now to its billing address (again if it was sent), PDF and UBL attached; the attempt is recorded. 422 when the server has no SMTP settings", vec![id("Invoice id")], None, ("200", ok("E-mail state", json!({"type": "object", "description": "invoice_id, recipient, attempts, sent_at, last_error, last_attempt"}))), &not_found),
        },
        "/api/v1/admin/invoicing/journal": {
            "get": admin("The month's invoices and credit notes (by issue date) as journal entries in CSV for a Spanish accounting package: Asiento;Línea;Fecha;Cuenta;Concepto;Documento;Debe;Haber;NIF;Nombre, ';', decimal comma, dd/mm/yyyy; 430+franchisee, 705 services, 700 goods, 477+rate VAT, 4775+rate recargo", vec![query_param("month", json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}), true, "Month, YYYY-MM")], None, ("200", json!({"description": "The journal", "content": {"text/csv": {}}})), &[]),
        },
        "/api/v1/admin/invoices/{id}/tickets/{store}/{day}": {
            "get": admin("The tickets an invoice counted at one store on one business day", vec![id("Invoice id"), path_param("store", int(), "Store id"), path_param("day", json!({"type": "string", "format": "date"}), "Business day")], None, ("200", ok("Tickets", array(json!({"type": "object"})))), &not_found),
        },
        "/api/v1/admin/invoices/{id}/{format}": {
            "get": admin("The invoice as issued: pdf (A4, legal fields, VERI*FACTU QR), ubl (UBL 2.1, EN 16931/Peppol BIS 3) or facturae (Facturae 3.2.2, unsigned); header x-content-sha256", vec![id("Invoice id"), path_param("format", json!({"type": "string", "enum": ["pdf", "ubl", "facturae"]}), "Document")], None, ("200", json!({"description": "The document", "content": {"application/pdf": {}, "application/xml": {}}})), &not_found),
        },
        "/api/v1/admin/stock": {
            "get": admin("Stock per store and product, kept current as the tills push (negative allowed); with units sold over the last `days`", vec![
                query_param("store_id", int(), false, "Only this store"),
                query_param("q", string(), false, "Substring of SKU or name"),
                query_param("family", string(), false, "Only this family (product category)"),
                query_param("days", json!({"type": "integer", "minimum": 1, "maximum": 366}), false, "Days of sales counted in `sold` (default 28)"),
            ], None, ("200", ok("Stock rows", array(r("StockRow")))), &[]),
        },
        "/api/v1/admin/stock/{store}/{product}": {
            "get": admin("A product's stock card (kardex) in one store: every movement with its document, running balance and who did it, oldest first", vec![
                path_param("store", int(), "Store id"),
                path_param("product", int(), "Product id"),
                query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 5000}), false, "The last N movements (default 500)"),
            ], None, ("200", ok("Stock card", r("StockCard"))), &not_found),
        },
        "/api/v1/admin/stock-valuation": {
            "get": admin("Stock value per store (on hand × the store's weighted average cost, else HQ's cost)", vec![], None, ("200", ok("Valuation", array(r("StoreValuation")))), &[]),
        },
        "/api/v1/admin/product-costs": {
            "get": admin("Every product with HQ's unit cost (null when not set) and family", vec![], None, ("200", ok("Costs", array(r("ProductCost")))), &[]),
            "post": admin("Set many products' costs at once; every bad line is reported (422) and nothing is stored", vec![], Some(body(array(r("CostIn")))), ("200", ok("How many were set", r("CostsSet"))), &[]),
        },
        "/api/v1/admin/products/{id}/cost": {
            "put": admin("Set HQ's unit cost of a product", vec![id("Product id")], Some(body(r("OneCostIn"))), ("200", ok("Set", r("ProductCost"))), &not_found),
        },
        "/api/v1/admin/alerts": {
            "get": admin("Alerts: sync conflicts, sequence gaps, chain breaks", vec![], None, ("200", ok("Alerts", array(r("Alert")))), &[]),
        },
        "/api/v1/reports/sales": {
            "get": admin("Sales by store and/or business day (Europe/Madrid); refunds count negative", vec![
                query_param("from", json!({"type": "string", "format": "date"}), true, "First business day"),
                query_param("to", json!({"type": "string", "format": "date"}), true, "Last business day (inclusive)"),
                query_param("group_by", json!({"type": "string", "enum": ["store", "day", "store_day"]}), false, "Default store"),
            ], None, ("200", ok("Report", r("SalesReport"))), &[]),
        },
        "/api/v1/reports/promotions": {
            "get": admin("Discounts per promotion over business days (lines sold with it, units and amount; refunds subtract), JSON or CSV", vec![
                query_param("from", date(), true, "First business day"),
                query_param("to", date(), true, "Last business day (inclusive)"),
                query_param("store_id", int(), false, "Only this store"),
                query_param("format", json!({"type": "string", "enum": ["json", "csv"]}), false, "csv for a spreadsheet"),
            ], None, ("200", json!({"description": "Report", "content": {
                "application/json": {"schema": array(json!({"type": "object", "properties": {
                    "promotion_id": int(), "name": string(), "lines": {"type": "integer", "minimum": 0}, "units": string(), "discount": money_str()
                }, "required": ["promotion_id", "name", "lines", "units", "discount"]}))},
                "text/csv": {"schema": string()}
            }})), &[]),
        },
        "/api/v1/verifactu/records": {
            "get": admin("VERI*FACTU records of one franchisee's tills issued in the period (at most 366 days), every field with the huella, the previous huella and whether the huella matched on arrival; paged by `after`", vec![
                query_param("franchisee", int(), true, "Franchisee id"),
                query_param("from", json!({"type": "string", "format": "date"}), true, "First issue date (FechaExpedicionFactura)"),
                query_param("to", json!({"type": "string", "format": "date"}), true, "Last issue date (inclusive)"),
                query_param("after", int(), false, "The previous page's next_after"),
                query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}), false, "Records per page"),
            ], None, ("200", ok("Records", r("VerifactuRecords"))), &[("404", "No such franchisee")]),
        },
        "/api/v1/verifactu/hq-records": {
            "get": admin("HQ's own VERI*FACTU records (its franchise invoices and credit notes, under HQ's NIF) issued in the period (at most 366 days), every field with the huella, the previous huella, whether the huella matches the content (checked as read) and the AEAT's answer; paged by `after`", vec![
                query_param("from", json!({"type": "string", "format": "date"}), true, "First issue date (FechaExpedicionFactura)"),
                query_param("to", json!({"type": "string", "format": "date"}), true, "Last issue date (inclusive)"),
                query_param("after", int(), false, "The previous page's next_after"),
                query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}), false, "Records per page"),
            ], None, ("200", ok("Records", r("HqVerifactuRecords"))), &[]),
        },
        "/api/v1/verifactu/certificates": {
            "get": admin("Certificates stored for sending to the AEAT (never the key): holder, subject, expiry", vec![], None, ("200", ok("Certificates", array(r("VerifactuCertificate")))), &[]),
            "post": admin("Store a PKCS#12 certificate for a franchisee (owner: its id) or HQ's own as representative (owner: \"hq\" with hq_name and hq_nif); sealed at rest with the server's secret key", vec![], Some(body(r("VerifactuCertificateIn"))), ("201", ok("Stored", r("VerifactuCertificate"))), &not_found),
        },
        "/api/v1/verifactu/sending": {
            "get": admin("Per franchisee (and HQ's own records, franchisee_id 0): VERI*FACTU records pending, accepted, accepted with errors, rejected, held back (bad huella), last send and last error", vec![], None, ("200", ok("Sending", array(r("VerifactuSending")))), &[]),
        },
        "/api/v1/verifactu/envelopes": {
            "get": admin("The latest envelopes sent to the AEAT (franchisee_id 0: HQ's own records), newest first, with the SHA-256 of the bytes sent and the AEAT's answer", vec![
                query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}), false, "Envelopes listed"),
            ], None, ("200", ok("Envelopes", array(r("VerifactuEnvelope")))), &[]),
        },
        "/api/v1/verifactu/envelopes/{id}": {
            "get": admin("An envelope exactly as it was sent (the SOAP request body); header x-content-sha256", vec![id("Envelope id")], None, ("200", json!({"description": "The request body as sent", "content": {"text/xml": {}}})), &not_found),
        },
    });

    let money = json!({ "type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$", "description": "Euros with exactly two decimals, as a string", "examples": ["12.50"] });
    let quantity = json!({ "type": "string", "pattern": "^-?[0-9]+\\.[0-9]{3}$", "description": "Quantity with three decimals, as a string" });
    let rate = json!({ "type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$", "description": "Percent with two decimals, e.g. \"21.00\"" });
    let datetime = json!({ "type": "string", "format": "date-time" });
    let nullable = |s: Value| json!({ "oneOf": [s, {"type": "null"}] });
    let obj = |props: Value, required: &[&str]| json!({ "type": "object", "properties": props, "required": required });

    let schemas = json!({
        "ApiError": obj(json!({ "error": string(), "message": string() }), &["error", "message"]),
        "Health": obj(json!({ "status": {"type": "string", "enum": ["ok", "unavailable"]}, "database": {"type": "string", "enum": ["sqlite", "postgres"]} }), &["status", "database"]),
        "Money": money,
        "Quantity": quantity,
        "TaxRate": rate,
        "EnrollRequest": obj(json!({ "protocol_version": {"type": "integer", "const": 1}, "code": string(), "device_name": string(), "enrolment_id": {"type": "string", "pattern": "^[0-9A-Za-z-]{16,64}$", "description": "Random id the till keeps and sends on every retry of this enrolment: a retry of an enrolment HQ already committed gets the same till back with a fresh token (optional)"} }), &["protocol_version", "code", "device_name"]),
        "EnrollResponse": obj(json!({ "till_id": int(), "store_id": int(), "franchisee_id": int(), "ticket_series": string(), "token": {"type": "string", "description": "Device token; shown only once"} }), &["till_id", "store_id", "franchisee_id", "ticket_series", "token"]),
        "Document": obj(json!({
            "id": {"type": "string", "format": "uuid"},
            "till_id": int(), "store_id": int(),
            "seq": {"type": "integer", "minimum": 1},
            "till_time": datetime.clone(),
            "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "body": {"type": "object", "description": "{kind: sale|refund|cash_movement|cash_close|stock_movement|shift_open|clock_event|audit_event|full_invoice, data: {...}} as defined in sync-protocol", "required": ["kind", "data"]},
            "verifactu": r("VerifactuRecord"),
        }), &["id", "till_id", "store_id", "seq", "till_time", "prev_hash", "hash", "body"]),
        "VerifactuRecord": json!({"type": "object", "description": "A VERI*FACTU record (RegistroAlta or RegistroAnulacion) as sync_protocol::verifactu::RegistroFacturacion serialises it: tagged by `registro` (alta, anulacion); AEAT field names in snake_case; amounts as Money strings; dates ISO; fecha_hora_huso_gen_registro with its offset", "required": ["registro", "id_factura", "encadenamiento", "sistema_informatico", "fecha_hora_huso_gen_registro", "huella"]}),
        "StoredVerifactuRecord": obj(json!({
            "id": int(), "till_id": int(), "store_id": int(), "franchisee_id": int(),
            "document_id": {"type": "string", "format": "uuid"}, "doc_seq": int(),
            "received_at": datetime.clone(),
            "huella": {"type": "string", "description": "64 upper-case hex characters"},
            "previous_huella": nullable(string()),
            "hash_valid": {"type": "boolean", "description": "The huella matched the record's content on arrival"},
            "importe_total": nullable(r("Money")),
            "record": r("VerifactuRecord"),
            "sending": r("VerifactuAnswer"),
        }), &["id", "till_id", "store_id", "franchisee_id", "document_id", "doc_seq", "received_at", "huella", "previous_huella", "hash_valid", "record"]),
        "VerifactuAnswer": obj(json!({ "state": {"type": "string", "enum": ["accepted", "accepted_with_errors", "rejected", "subsanar"]}, "code": string(), "text": string(), "csv": string(), "incidencia": {"type": "boolean"}, "subsanacion": {"type": "boolean"}, "answered_at": datetime.clone() }), &["state", "incidencia", "subsanacion", "answered_at"]),
        "HqStoredVerifactuRecord": obj(json!({
            "id": int(), "invoice_id": int(),
            "created_at": datetime.clone(),
            "huella": {"type": "string", "description": "64 upper-case hex characters"},
            "previous_huella": nullable(string()),
            "hash_valid": {"type": "boolean", "description": "The stored huella is the one the record's content gives (checked as read)"},
            "importe_total": r("Money"),
            "record": r("VerifactuRecord"),
            "sending": r("VerifactuAnswer"),
        }), &["id", "invoice_id", "created_at", "huella", "previous_huella", "hash_valid", "importe_total", "record"]),
        "HqVerifactuRecords": obj(json!({ "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}, "records": array(r("HqStoredVerifactuRecord")), "next_after": int() }), &["from", "to", "records"]),
        "VerifactuCertificateIn": obj(json!({ "owner": {"oneOf": [int(), {"type": "string", "const": "hq"}]}, "hq_name": string(), "hq_nif": string(), "pkcs12_base64": string(), "password": string() }), &["owner", "pkcs12_base64", "password"]),
        "VerifactuCertificate": obj(json!({ "owner_id": {"type": "integer", "description": "Franchisee id; 0 = HQ's own"}, "holder_name": string(), "holder_nif": string(), "subject": string(), "not_after": datetime.clone(), "uploaded_at": datetime.clone(), "expiring": {"type": "boolean", "description": "Expires within 30 days"} }), &["owner_id", "holder_name", "holder_nif", "subject", "not_after", "uploaded_at", "expiring"]),
        "VerifactuSending": obj(json!({ "franchisee_id": int(), "pending": int(), "oldest_pending_received": nullable(datetime.clone()), "accepted": int(), "accepted_with_errors": int(), "rejected": int(), "held": int(), "last_send_at": nullable(datetime.clone()), "next_send_at": nullable(datetime.clone()), "last_error": nullable(string()) }), &["franchisee_id", "pending", "accepted", "accepted_with_errors", "rejected", "held"]),
        "VerifactuEnvelope": obj(json!({ "id": int(), "franchisee_id": int(), "nif": string(), "created_at": datetime.clone(), "records": int(), "incidencia": {"type": "boolean"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "size": int(), "estado_envio": nullable(string()), "csv": nullable(string()), "http_status": nullable(int()), "error": nullable(string()) }), &["id", "franchisee_id", "nif", "created_at", "records", "incidencia", "sha256", "size"]),
        "VerifactuRecords": obj(json!({ "franchisee": int(), "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}, "records": array(r("StoredVerifactuRecord")), "next_after": int() }), &["franchisee", "from", "to", "records"]),
        "PushRequest": obj(json!({ "protocol_version": {"type": "integer", "const": 1}, "till_id": int(), "documents": {"type": "array", "maxItems": 500, "items": r("Document")}, "waiting": {"type": "integer", "minimum": 0, "maximum": 100_000_000, "description": "Documents still waiting in the till's outbox besides this push's (optional)"}, "till_version": {"type": "string", "pattern": "^[0-9A-Za-z.+-]{1,32}$", "description": "The till software's version (optional)"}, "skipped_change_kinds": {"type": "array", "maxItems": 32, "items": {"type": "string", "pattern": "^[a-z0-9_]{1,64}$"}, "description": "Change kinds the till did not know and skipped (optional; needs till_version)"}, "customers": {"type": "array", "maxItems": 500, "items": r("CustomerRecord"), "description": "Customers created at the till (optional); each stored once by its id"}, "mail_requests": {"type": "array", "maxItems": 500, "items": r("MailRequest"), "description": "Documents to e-mail (optional); each sent once by its id"}, "report_mails": {"type": "array", "maxItems": 4, "items": r("ReportMail"), "description": "X and Z reports to e-mail with the PDF the till drew (optional); each sent once by its id"} }), &["protocol_version", "till_id", "documents"]),
        "PushResult": obj(json!({ "id": {"type": "string", "format": "uuid"}, "seq": int(), "status": {"type": "string", "enum": ["stored", "duplicate", "conflict"]}, "message": nullable(string()) }), &["id", "seq", "status"]),
        "PushResponse": obj(json!({ "results": array(r("PushResult")), "contiguous_seq": int(), "accepted": {"type": "array", "items": {"type": "string", "format": "uuid"}, "description": "Ids of the push's customers and e-mail requests HQ holds"} }), &["results", "contiguous_seq"]),
        "Change": obj(json!({ "cursor": int(), "change": {"type": "object", "description": "Tagged by `type`: tax_rate, product, product_deleted, barcode, barcode_deleted, store_price, store_price_cleared, staff, staff_deleted, store, barcode_rule, barcode_rule_deleted, delivery_note, quick_keys, quick_keys_cleared, customer, customer_erased, promotion, price_schedule, price_schedule_cancelled", "required": ["type"]} }), &["cursor", "change"]),
        "ChangesPage": obj(json!({ "protocol_version": {"type": "integer"}, "changes": array(r("Change")), "next_cursor": int(), "has_more": {"type": "boolean"} }), &["protocol_version", "changes", "next_cursor", "has_more"]),
        "CustomerIn": obj(json!({ "name": {"type": "string", "minLength": 1, "maxLength": 120}, "nif": {"type": "string", "description": "Spanish NIF, NIE or CIF, or empty"}, "address": {"type": "string", "maxLength": 300}, "email": {"type": "string", "description": "An e-mail address, or empty"}, "email_consent": {"type": "boolean", "description": "Agrees to receipts and invoices by e-mail (needs an e-mail)"} }), &["name"]),
        "NewCustomer": obj(json!({ "franchisee_id": int(), "name": {"type": "string", "minLength": 1, "maxLength": 120}, "nif": string(), "address": {"type": "string", "maxLength": 300}, "email": string(), "email_consent": {"type": "boolean"} }), &["franchisee_id", "name"]),
        "Customer": obj(json!({ "id": {"type": "string", "format": "uuid"}, "franchisee_id": int(), "name": string(), "nif": string(), "address": string(), "email": string(), "email_consent": {"type": "boolean"}, "created_by": string(), "created_at": datetime.clone(), "updated_at": datetime.clone(), "erased_at": nullable(datetime.clone()), "erased_by": nullable(string()) }), &["id", "franchisee_id", "name", "nif", "address", "email", "email_consent", "created_by", "created_at", "updated_at"]),
        "CustomerRecord": obj(json!({ "id": {"type": "string", "format": "uuid"}, "name": {"type": "string", "minLength": 1, "maxLength": 120}, "nif": string(), "address": string(), "email": string(), "email_consent": {"type": "boolean"} }), &["id", "name"]),
        "ReportMail": obj(json!({ "id": {"type": "string", "format": "uuid"}, "kind": {"type": "string", "enum": ["x", "z"]}, "to": {"type": "string", "format": "email"}, "subject": {"type": "string", "minLength": 1, "maxLength": 200}, "file_name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,96}\\.[pP][dD][fF]$"}, "pdf": {"type": "string", "contentEncoding": "base64", "contentMediaType": "application/pdf", "description": "The report's PDF, at most 2 MiB before base64"} }), &["id", "kind", "to", "subject", "file_name", "pdf"]),
        "MailRequest": obj(json!({ "id": {"type": "string", "format": "uuid"}, "document_id": {"type": "string", "format": "uuid"}, "to": {"type": "string", "format": "email"}, "customer_id": {"type": "string", "format": "uuid"} }), &["id", "document_id", "to"]),
        "FranchiseeIn": obj(json!({ "legal_name": string(), "nif": {"type": "string", "description": "Spanish NIF, NIE or CIF"}, "address": string() }), &["legal_name", "nif"]),
        "Franchisee": obj(json!({ "id": int(), "legal_name": string(), "nif": string(), "address": string() }), &["id", "legal_name", "nif", "address"]),
        "FranchiseePatch": obj(json!({ "legal_name": string(), "nif": {"type": "string", "description": "Spanish NIF, NIE or CIF"}, "address": string() }), &[]),
        "StoreIn": obj(json!({ "franchisee_id": int(), "name": string(), "address": string(), "receipt_header": receipt_text(), "receipt_footer": receipt_text(), "cash_tolerance": tolerance() }), &["franchisee_id", "name"]),
        "StorePatch": obj(json!({ "name": string(), "address": string(), "receipt_header": receipt_text(), "receipt_footer": receipt_text(), "cash_tolerance": tolerance(), "single_manager": {"type": "boolean"} }), &[]),
        "StoreSettings": obj(json!({ "name": string(), "address": string(), "receipt_header": receipt_text(), "receipt_footer": receipt_text(), "cash_tolerance": tolerance(), "single_manager": {"type": "boolean"} }), &["name", "cash_tolerance"]),
        "Store": obj(json!({ "id": int(), "franchisee_id": int(), "name": string(), "address": string(), "receipt_header": receipt_text(), "receipt_footer": receipt_text(), "cash_tolerance": tolerance(), "single_manager": {"type": "boolean"} }), &["id", "franchisee_id", "name", "address", "receipt_header", "receipt_footer", "cash_tolerance"]),
        "TillIn": obj(json!({ "store_id": int(), "name": string() }), &["store_id", "name"]),
        "Till": obj(json!({
            "id": int(), "store_id": int(), "name": string(), "ticket_series": string(),
            "enrolled_at": nullable(datetime.clone()), "revoked_at": nullable(datetime.clone()),
            "contiguous_seq": int(), "last_seq": int(), "last_push_at": nullable(datetime.clone()),
            "open_gaps": int(), "conflicts": int(),
            "outbox_waiting": {"type": ["integer", "null"], "minimum": 0, "description": "Documents the till last reported still waiting in its outbox (null before its first report)"},
            "outbox_reported_at": nullable(datetime.clone()),
            "software_version": {"type": ["string", "null"], "description": "The till software's version as it last reported it (null before its first report)"},
            "skipped_change_kinds": {"type": "array", "items": string(), "description": "Change kinds the till received but does not know (non-empty: update its software)"},
            "software_reported_at": nullable(datetime.clone()),
        }), &["id", "store_id", "name", "ticket_series", "contiguous_seq", "last_seq", "open_gaps", "conflicts"]),
        "CreatedTill": obj(json!({ "till": r("Till"), "enrolment_code": {"type": "string", "description": "One-time code, shown only here"}, "code_expires_at": datetime.clone() }), &["till", "enrolment_code", "code_expires_at"]),
        "StaffIn": obj(json!({ "name": string(), "role": {"type": "string", "enum": ["cashier", "manager"]}, "store_id": int(), "pin": {"type": "string", "pattern": "^[0-9]{4,8}$"} }), &["name", "role", "store_id", "pin"]),
        "Staff": obj(json!({ "id": int(), "name": string(), "role": {"type": "string", "enum": ["cashier", "manager"]}, "store_id": int(), "active": {"type": "boolean"} }), &["id", "name", "role", "store_id", "active"]),
        "PinIn": obj(json!({ "pin": {"type": "string", "pattern": "^[0-9]{4,8}$"} }), &["pin"]),
        "TaxRateIn": obj(json!({ "name": string(), "rate": r("TaxRate") }), &["name", "rate"]),
        "TaxRateRecord": obj(json!({ "id": int(), "name": string(), "rate": r("TaxRate") }), &["id", "name", "rate"]),
        "ProductIn": obj(json!({ "sku": string(), "name": string(), "tax_rate_id": int(), "price": r("Money"), "barcodes": array(json!({"type": "string", "description": "EAN-13, EAN-8 or UPC-A"})) }), &["sku", "name", "tax_rate_id", "price"]),
        "ProductPatch": json!({ "type": "object", "additionalProperties": false, "properties": { "name": string(), "tax_rate_id": int(), "price": r("Money"), "active": {"type": "boolean"} } }),
        "Product": obj(json!({ "id": int(), "sku": string(), "name": string(), "tax_rate_id": int(), "tax_rate": r("TaxRate"), "price": r("Money"), "active": {"type": "boolean"}, "barcodes": array(string()) }), &["id", "sku", "name", "tax_rate_id", "tax_rate", "price", "active", "barcodes"]),
        "CategoryIn": obj(json!({ "category": {"type": "string", "maxLength": 100} }), &["category"]),
        "CategoryOut": obj(json!({ "product_id": int(), "category": string() }), &["product_id", "category"]),
        "BarcodeIn": obj(json!({ "code": string() }), &["code"]),
        "PriceIn": obj(json!({ "price": r("Money") }), &["price"]),
        "BarcodeRuleIn": json!({
            "type": "object", "additionalProperties": false,
            "description": "An EAN-13 whose first two digits are `prefix` reads as: prefix, item_digits of item code, an optional GS1 price/weight verifier digit, value_digits of value, the check digit. 2 + item_digits + verifier + value_digits + 1 must be 13.",
            "properties": {
                "prefix": {"type": "string", "pattern": "^2[0-9]$", "description": "\"20\" to \"29\"; one rule per prefix"},
                "kind": {"type": "string", "enum": ["weight", "price"], "description": "weight: the value is a quantity (grams with decimals 3 = kg); price: money (cents with decimals 2)"},
                "item_digits": {"type": "integer", "minimum": 1},
                "value_digits": {"type": "integer", "minimum": 1},
                "decimals": {"type": "integer", "minimum": 0, "maximum": 3, "description": "Implied decimals of the value; at most 2 for a price"},
                "verifier": {"type": "boolean", "default": false, "description": "Only with a 4- or 5-digit value"},
            },
            "required": ["prefix", "kind", "item_digits", "value_digits", "decimals"],
        }),
        "BarcodeRule": obj(json!({
            "id": int(), "prefix": string(), "kind": {"type": "string", "enum": ["weight", "price"]},
            "item_digits": {"type": "integer"}, "value_digits": {"type": "integer"},
            "decimals": {"type": "integer"}, "verifier": {"type": "boolean"},
        }), &["id", "prefix", "kind", "item_digits", "value_digits", "decimals", "verifier"]),
        "DeliveryNoteLineIn": json!({
            "type": "object", "additionalProperties": false,
            "description": "A product by product_id, or by code (its SKU or one of its barcodes), and the expected quantity. The same product on several lines is added up.",
            "properties": {
                "product_id": int(),
                "code": {"type": "string", "description": "SKU or barcode, instead of product_id"},
                "quantity": {"oneOf": [{"type": "string", "pattern": "^[0-9]+([.,][0-9]{1,3})?$"}, {"type": "integer", "minimum": 1}], "description": "Greater than zero, at most 1000000, up to 3 decimals"},
                "unit_cost": cost(),
            },
            "required": ["quantity"],
        }),
        "ContractIn": json!({"type": "object", "description": "effective_from (YYYY-MM), royalty_tiers [{from, to|null, percent}] contiguous from 0.00 with an open last band, minimum_royalty, marketing_fund_percent, fee_per_till, fee_per_store, entry_fee (money as \"12.34\"), payment_days, payment {method: transfer | direct_debit with mandate_reference, debtor_iban}, billing_email, language (es|en), billing_address {street, postal_code, city, province, country}, equivalence_surcharge (bool: recargo de equivalencia on goods)", "required": ["effective_from", "royalty_tiers", "payment_days", "payment", "billing_email", "billing_address"]}),
        "ContractVersion": json!({"type": "object", "properties": {"id": int(), "franchisee_id": int(), "version": int(), "effective_from": {"type": "string", "format": "date"}, "terms": r("ContractIn"), "created_by": string(), "created_at": {"type": "string", "format": "date-time"}}}),
        "Issuer": json!({"type": ["object", "null"], "properties": {"legal_name": string(), "nif": string(), "address": {"type": "object"}, "iban": string(), "bic": string(), "creditor_id": string()}}),
        "Invoice": json!({"type": "object", "description": "kind (invoice | credit_note), series, number, full_number, franchisee_id, period, issue_date, net, tax, total, draft (the EN 16931 draft as JSON)"}),
        "InvoicingRun": json!({"type": "object", "properties": {"period": string(), "issued": array(r("Invoice")), "already_issued": int(), "failed": array(json!({"type": "object"}))}}),
        "DeliveryNoteIn": json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "store_id": int(),
                "supplier": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Supplier or origin"},
                "expected_date": {"type": "string", "format": "date"},
                "lines": {"type": "array", "minItems": 1, "maxItems": 500, "items": r("DeliveryNoteLineIn")},
            },
            "required": ["store_id", "supplier", "expected_date", "lines"],
        }),
        "DeliveryNoteLine": obj(json!({
            "product_id": int(), "sku": string(), "name": string(),
            "expected": r("Quantity"),
            "received": nullable(r("Quantity")),
            "unit_cost": cost(),
        }), &["product_id", "sku", "name", "expected"]),
        "DeliveryNote": obj(json!({
            "id": int(),
            "number": {"type": "string", "description": "ALB-<year>-<id>, unique; the till's receipt names it"},
            "store_id": int(), "supplier": string(),
            "expected_date": {"type": "string", "format": "date"},
            "status": {"type": "string", "enum": ["pending", "received", "received_with_differences"]},
            "created_by": string(), "created_at": datetime.clone(),
            "received_at": nullable(datetime.clone()),
            "received_document_id": nullable(string()),
            "received_till_id": nullable(int()),
            "lines": array(r("DeliveryNoteLine")),
        }), &["id", "number", "store_id", "supplier", "expected_date", "status", "created_by", "created_at", "lines"]),
        "StockRow": obj(json!({ "store_id": int(), "product_id": int(), "sku": string(), "name": string(), "family": string(), "on_hand": r("Quantity"), "cost": nullable(cost()), "value": r("Money"), "last_sale_at": nullable(datetime.clone()), "sold": r("Quantity") }), &["store_id", "product_id", "sku", "name", "family", "on_hand", "value", "sold"]),
        "StockMove": obj(json!({ "id": int(), "kind": {"type": "string", "enum": ["sale", "refund", "receipt", "count", "waste", "adjustment"]}, "at": datetime.clone(), "business_day": {"type": "string", "format": "date"}, "document_id": string(), "till_id": int(), "seq": int(), "number": nullable(string()), "staff_id": nullable(int()), "staff_name": nullable(string()), "delta": r("Quantity"), "balance": r("Quantity"), "counted": nullable(r("Quantity")), "unit_cost": nullable(cost()), "reason": nullable(string()) }), &["id", "kind", "at", "business_day", "document_id", "till_id", "seq", "delta", "balance"]),
        "StockCard": obj(json!({ "stock": nullable(r("StockRow")), "moves": array(r("StockMove")) }), &["moves"]),
        "StoreValuation": obj(json!({ "store_id": int(), "products": int(), "negative": int(), "without_cost": int(), "value": r("Money") }), &["store_id", "products", "negative", "without_cost", "value"]),
        "ProductCost": obj(json!({ "product_id": int(), "sku": string(), "name": string(), "family": string(), "cost": nullable(cost()) }), &["product_id", "sku", "name", "family"]),
        "OneCostIn": obj(json!({ "cost": cost() }), &["cost"]),
        "CostsSet": obj(json!({ "updated": int() }), &["updated"]),
        "CostIn": obj(json!({ "product_id": int(), "code": {"type": "string", "description": "SKU or barcode, instead of product_id"}, "cost": cost() }), &["cost"]),
        "Alert": obj(json!({ "id": int(), "kind": {"type": "string", "description": "conflict, gap, chain_break, z_mismatch, z_over_short, delivery_difference, delivery_unknown, job_failed, chain_verify, sale_rows_stray, stock_negative, stock_below_reorder, stock_out_expected, stock_dead"}, "till_id": nullable(int()), "store_id": {"type": "integer", "format": "int64", "description": "The store a stock alert is about"}, "message": string(), "created_at": datetime.clone() }), &["id", "kind", "message", "created_at"]),
        "SalesReportRow": obj(json!({ "store_id": nullable(int()), "day": nullable(json!({"type": "string", "format": "date"})), "tickets": int(), "refunds": int(), "gross": r("Money"), "net": r("Money"), "tax": r("Money") }), &["tickets", "refunds", "gross", "net", "tax"]),
        "SalesReport": obj(json!({
            "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
            "group_by": {"type": "string", "enum": ["store", "day", "store_day"]},
            "rows": array(r("SalesReportRow")),
            "totals": obj(json!({ "tickets": int(), "refunds": int(), "gross": r("Money"), "net": r("Money"), "tax": r("Money") }), &["tickets", "refunds", "gross", "net", "tax"]),
        }), &["from", "to", "group_by", "rows", "totals"]),
    });

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Trastienda back office",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "HQ server of Trastienda: till sync (device tokens), HQ admin API and reports (admin API tokens). Every error is {error, message} with a 4xx status, or 500 when the database fails.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" },
        },
        "paths": with_force(archive_paths(purchasing_paths(collections_paths(paths)))),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "deviceToken": { "type": "http", "scheme": "bearer", "description": "A till's device token from /api/v1/sync/enroll" },
                "adminToken": { "type": "http", "scheme": "bearer", "description": "An HQ admin API token from `back-office-server admin create`" },
            },
        },
    })
}

/// The document archive (issue 14), added to `paths`.
fn archive_paths(mut paths: Value) -> Value {
    let month = || json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"});
    let kind = json!({"type": "string", "enum": ["invoice", "credit_note", "statement", "z_report", "delivery_note", "supplier_invoice", "contract", "mandate", "other"]});
    let entry = json!({"type": "object", "description": "id (inv-N, doc-UUID, up-N, st-N: the download key), kind, franchisee_id, supplier_id, party, number, date, period (YYYY-MM of date), filename, content_type, size, sha256 (hex, of the bytes the download returns), archived_at, retain_until, uploaded_by", "properties": {
        "id": string(), "kind": kind.clone(), "franchisee_id": {"type": ["integer", "null"]}, "supplier_id": {"type": ["integer", "null"]},
        "party": string(), "number": string(), "date": {"type": "string", "format": "date"}, "period": month(), "filename": string(),
        "content_type": string(), "size": int(), "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "archived_at": {"type": "string", "format": "date-time"}, "retain_until": {"type": "string", "format": "date"}, "uploaded_by": string(),
    }, "required": ["id", "kind", "party", "number", "date", "period", "filename", "content_type", "size", "sha256", "archived_at", "retain_until"]});
    let extra = json!({
        "/api/v1/admin/archive": {
            "get": admin("The document archive, newest first, a page at a time (500 entries, or limit): issued invoices and credit notes (PDF), the statements of account HQ e-mailed or archived (PDF as sent), the tills' Z reports and delivery-note receipts (JSON as sent), and the paper documents HQ uploaded; each with the SHA-256 of the bytes its download returns. When more match, the header Link (rel=\"next\") is the next page's URL and x-next-cursor its `after`; every match is reached by following them", vec![
                query_param("franchisee_id", int(), false, "Only this franchisee's"),
                query_param("supplier_id", int(), false, "Only uploads attached to this supplier"),
                query_param("kind", kind.clone(), false, "Only this kind"),
                query_param("period", month(), false, "Only documents dated in this month (YYYY-MM)"),
                query_param("number", string(), false, "Part of the document's number"),
                query_param("after", string(), false, "Where the page starts: the x-next-cursor of the page before"),
                query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 500}), false, "Entries per page (500)"),
            ], None, ("200", ok("Entries (headers Link rel=next and x-next-cursor when more follow)", array(entry.clone()))), &[]),
            "post": admin("Archive a scanned or digital paper document (PDF, PNG, JPEG or TIFF, at most 10 MiB, its type read from its bytes) of one franchisee or one supplier. Kept byte for byte with its SHA-256, never changed, not deletable before its date + the retention years set (6 by default, see /settings). An empty file, another type, a file too big, an unknown franchisee or supplier are refused (422) and nothing is stored", vec![], Some(body(json!({"type": "object", "properties": {
                "franchisee_id": {"type": ["integer", "null"]}, "supplier_id": {"type": ["integer", "null"]},
                "kind": {"type": "string", "enum": ["supplier_invoice", "contract", "mandate", "other"]},
                "number": {"type": "string", "maxLength": 100}, "document_date": {"type": "string", "format": "date"},
                "filename": string(), "content_base64": {"type": "string", "contentEncoding": "base64"},
            }, "required": ["kind", "number", "document_date", "content_base64"]}))), ("201", ok("Archived", entry)), &[]),
        },
        "/api/v1/admin/archive/export": {
            "get": admin("One franchisee's month for its accountant: a zip with its invoices, credit notes, statements of account, Z reports, delivery-note receipts and uploads dated in the month, one folder per kind, and SHA256SUMS", vec![
                query_param("franchisee_id", int(), true, "Franchisee id"),
                query_param("period", month(), true, "Month, YYYY-MM"),
            ], None, ("200", json!({"description": "The zip; header x-content-sha256", "content": {"application/zip": {}}})), &[("404", "No such franchisee")]),
        },
        "/api/v1/admin/archive/settings": {
            "get": admin("How long documents archived from now on are kept", vec![], None, ("200", ok("Settings", json!({"type": "object", "properties": {"retention_years": int(), "updated_by": {"type": ["string", "null"]}, "updated_at": {"type": ["string", "null"], "format": "date-time"}}, "required": ["retention_years"]}))), &[]),
            "put": admin("Set the retention of documents archived from now on (uploads and statements; those archived before keep their retain_until): whole years, at least 6 (Código de Comercio art. 30: less is refused with archive_retention_below_legal), at most 100", vec![], Some(body(json!({"type": "object", "properties": {"retention_years": {"type": "integer", "minimum": 6, "maximum": 100}}, "required": ["retention_years"]}))), ("200", ok("Settings", json!({"type": "object", "properties": {"retention_years": int(), "updated_by": {"type": ["string", "null"]}, "updated_at": {"type": ["string", "null"], "format": "date-time"}}, "required": ["retention_years"]}))), &[]),
        },
        "/api/v1/admin/archive/{id}": {
            "get": admin("An archived document's bytes, exactly as archived (every download the same); header x-content-sha256", vec![path_param("id", string(), "Entry id: inv-N, doc-UUID, up-N or st-N")], None, ("200", json!({"description": "The document", "content": {"application/pdf": {}, "application/json": {}, "image/png": {}, "image/jpeg": {}, "image/tiff": {}}})), &[("404", "No such document")]),
        },
    });
    if let (Some(p), Value::Object(e)) = (paths.as_object_mut(), extra) {
        p.extend(e);
    }
    paths
}

/// Every admin write takes `?force=true`: a change of a kind that an enrolled till of the store(s)
/// it goes to reports too old a version for (or skipped) is refused with 409 `tills_need_update`
/// naming those tills, unless forced, which the audit log records.
fn with_force(mut paths: Value) -> Value {
    const REFUSED: &str = "Refused: tills of the store(s) the change goes to cannot apply it until updated (`tills_need_update`, naming them); send again with force=true to send it anyway";
    let Some(map) = paths.as_object_mut() else {
        return paths;
    };
    for (path, item) in map.iter_mut() {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        for method in ["post", "put", "patch", "delete"] {
            let Some(o) = item.get_mut(method) else {
                continue;
            };
            if let Some(p) = o["parameters"].as_array_mut() {
                p.push(query_param(
                    "force",
                    json!({"type": "boolean", "default": false}),
                    false,
                    "Send a change to tills although some of its store(s) cannot apply it yet (recorded in the audit log)",
                ));
            }
            let desc = match o["responses"]["409"]["description"].as_str() {
                Some(d) => format!("{d}; or r{}", &REFUSED[1..]),
                None => REFUSED.to_string(),
            };
            o["responses"]["409"] = err(&desc);
        }
    }
    paths
}

/// Purchase orders, transfers and suggestions (issue 13), added to `paths`.
fn purchasing_paths(mut paths: Value) -> Value {
    let id = |what: &str| path_param("id", int(), what);
    let obj = |desc: &str| json!({"type": "object", "description": desc});
    let quantity = json!({"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,3})?$"});
    let line = json!({"type": "object", "properties": {"product_id": int(), "quantity": quantity, "unit_cost": {"type": ["string", "null"], "pattern": "^[0-9]+(\\.[0-9]{1,4})?$"}}, "required": ["product_id", "quantity"]});
    let order = obj(
        "id, number (PED-year-n once approved), store_id, supplier_id, supplier_name, supplier_email, supplier_language (es, en: the PDF's and e-mail's), central, status (draft, approved, discarded, closed), source, created_by, created_at, decided_by, decided_at, emailed_to, emailed_at, email_error, email_attempts, email_next_at (when the send-purchase-orders job retries a failed e-mail), made_by_job (the job that wrote the draft, null if a person made it), edited_by, edited_at (the last person who changed its lines), lines [{product_id, sku, name, quantity, unit_cost, received}], notes [{id, number, status}]",
    );
    let transfer = obj(
        "id, number (TR-year-id once dispatched), from_store_id, to_store_id, state (draft, in_transit, received, received_with_differences, discarded), created_by, created_at, dispatched_by, dispatched_at, discarded_by, discarded_at, note, lines [{product_id, sku, name, quantity, received}]",
    );
    let not_found = [("404", "No such record")];
    let extra = json!({
        "/api/v1/admin/replenishment/suggestions": {
            "get": admin("A store's suggested orders today, per supplier: each line with on hand, on order, forecast demand over the horizon, quantity (whole packs) and value", vec![query_param("store_id", int(), true, "Store id")], None, ("200", ok("Suggested orders", array(obj("supplier, lines [[position, suggestion]], total, below_minimum, review_days")))), &not_found),
        },
        "/api/v1/admin/purchase-orders": {
            "get": admin("Purchase orders, newest first", vec![query_param("store_id", int(), false, "Only this store")], None, ("200", ok("Orders", array(order.clone()))), &[]),
            "post": admin("A draft purchase order for a store: today's suggested order to the supplier (from_suggestion: true; at most one open draft per store and supplier) or the lines given; a supplier of another franchisee, an unknown product or a quantity not above zero is refused (422) and nothing is stored", vec![], Some(body(json!({"type": "object", "properties": {"store_id": int(), "supplier_id": int(), "from_suggestion": {"type": "boolean"}, "lines": {"type": ["array", "null"], "items": line.clone()}}, "required": ["store_id", "supplier_id"]}))), ("201", ok("Draft", order.clone())), &[("200", "From a suggestion, when the store already has an open draft for that supplier: that draft, as it was (a person's or an edited one) or with today's lines (the replenishment job's untouched draft); never a second draft"), ("404", "No such record")]),
        },
        "/api/v1/admin/purchase-orders/{id}": {
            "get": admin("A purchase order with what was received per line and its delivery notes", vec![id("Order id")], None, ("200", ok("Order", order.clone())), &not_found),
        },
        "/api/v1/admin/purchase-orders/{id}/approve": {
            "post": admin("Approve a draft: gapless number, a delivery note the store's tills receive against, the PDF in the supplier's language, and for an external supplier with an address the PDF e-mailed (a failure is retried by the send-purchase-orders job with a growing wait; 409 if not a draft)", vec![id("Order id")], None, ("200", ok("Approved", obj("order, delivery_note, email (sent, failed, not_sent), email_error"))), &[("404", "No such record"), ("409", "Not a draft")]),
        },
        "/api/v1/admin/transfers": {
            "get": admin("Transfers between stores, newest first, with their state (in transit until the receiving store's till receives)", vec![], None, ("200", ok("Transfers", array(transfer.clone()))), &[]),
            "post": admin("A draft transfer between two stores of the same franchisee", vec![], Some(body(json!({"type": "object", "properties": {"from_store_id": int(), "to_store_id": int(), "lines": {"type": "array", "items": line}}, "required": ["from_store_id", "to_store_id", "lines"]}))), ("201", ok("Draft", transfer.clone())), &[]),
        },
        "/api/v1/admin/transfers/{id}/dispatch": {
            "post": admin("Dispatch a draft transfer: the goods leave the sending store's stock and a delivery note goes to the receiving store's tills at the sender's weighted average cost (else HQ's cost), which the receipt averages into the receiver's cost (409 if not a draft)", vec![id("Transfer id")], None, ("200", ok("Dispatched", transfer.clone())), &[("404", "No such record"), ("409", "Not a draft")]),
        },
        "/api/v1/admin/transfers/{id}/discard": {
            "post": admin("Discard a transfer not dispatched yet (nothing has moved); 409 once dispatched or discarded", vec![id("Transfer id")], None, ("200", ok("Discarded", transfer)), &[("404", "No such record"), ("409", "Not a draft")]),
        },
    });
    if let (Some(p), Some(e)) = (paths.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    paths
}

/// Collections (issue 15), added to `paths`.
fn collections_paths(mut paths: Value) -> Value {
    let id = |what: &str| path_param("id", int(), what);
    let obj = |desc: &str| json!({"type": "object", "description": desc});
    let day = || json!({"type": "string", "format": "date"});
    let money = || json!({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,2})?$"});
    let allocations = json!({"type": ["array", "null"], "items": {"type": "object", "properties": {"invoice_id": int(), "amount": money()}, "required": ["invoice_id", "amount"]}});
    let payment_in = json!({"type": "object", "properties": {
        "franchisee_id": int(),
        "method": {"type": "string", "enum": ["transfer", "direct_debit", "card", "cash"]},
        "received_on": day(),
        "amount": money(),
        "reference": {"type": "string", "maxLength": 140},
        "allocations": allocations.clone(),
    }, "required": ["franchisee_id", "method", "received_on", "amount"]});
    let payment = obj(
        "id, franchisee_id, method, received_on, amount, reference, allocated (the rest is credit), bank_line_id, returned_on, return_reason, created_by, created_at",
    );
    let not_found = [("404", "No such record")];
    let extra = json!({
        "/api/v1/admin/collections/aging": {
            "get": admin("Open amounts per franchisee in aging buckets (not due, 1-30, 31-60, 61-90, over 90 days after due date) with totals and days sales outstanding (last 90 days)", vec![query_param("as_of", day(), false, "Day to age on (default today, Madrid)")], None, ("200", ok("Aging", obj("as_of, rows [{franchisee_id, buckets[5], total, oldest_due}], totals[5], total, dso_days"))), &[]),
        },
        "/api/v1/admin/collections/franchisees/{id}/statement": {
            "get": admin("A franchisee's statement of account: invoices, credit notes, payments and returns in date order with the running balance; invoiced, credited, paid, balance, open, credit, overdue", vec![id("Franchisee id"), query_param("as_of", day(), false, "Day for what is overdue (default today)")], None, ("200", ok("Statement of account", obj("franchisee_id, as_of, entries, balance"))), &not_found),
        },
        "/api/v1/admin/collections/prenotifications": {
            "get": admin("SEPA pre-notifications, newest first: one per remittance and debtor franchisee, written with the remittance and e-mailed then (the sepa-prenotify job retries)", vec![query_param("franchisee_id", int(), false, "Only this franchisee")], None, ("200", ok("Pre-notifications", array(obj("id, remittance_id, franchisee_id, recipient, language, amount, debit_count, collection_date, mandate_references, creditor_id, notice_days, created_at, attempts, sent_at, last_error, held_at")))), &[]),
        },
        "/api/v1/admin/collections/franchisees/{id}/statement-emails": {
            "get": admin("The statements of account e-mailed to a franchisee, newest first", vec![id("Franchisee id")], None, ("200", ok("Statement e-mails", array(obj("id, franchisee_id, as_of, recipient, language, balance, sent_by, created_at, sent_at, error, statement_id")))), &not_found),
            "post": admin("E-mail the statement of account (PDF) to the billing e-mail of the franchisee's contract, in its language; recorded (who, when, to whom, balance). The PDF is archived first (statement_id: archive entry st-N, the attachment's very bytes)", vec![id("Franchisee id")], Some(body(json!({"type": "object", "properties": {"as_of": {"type": ["string", "null"], "format": "date"}}}))), ("200", ok("The e-mail sent", obj("id, franchisee_id, as_of, recipient, language, balance, sent_by, created_at, sent_at, error, statement_id"))), &[("404", "No such franchisee"), ("422", "No SMTP server, no billing e-mail, or the SMTP server refused it (recorded)")]),
        },
        "/api/v1/admin/collections/franchisees/{id}/statement-archive": {
            "post": admin("Archive the statement of account (PDF, in the contract's language) on as_of without sending it: kept byte for byte with its SHA-256 (archive entry st-N, kind statement), never changed, not deletable before its date + the retention years set. E-mailed statements (and those attached to dunning letters) are archived the same way, before they are sent", vec![id("Franchisee id")], Some(body(json!({"type": "object", "properties": {"as_of": {"type": ["string", "null"], "format": "date"}}}))), ("201", ok("The archive entry", obj("id (st-N), kind, franchisee_id, number, date, filename, size, sha256, archived_at, retain_until"))), &[("404", "No such franchisee")]),
        },
        "/api/v1/admin/collections/franchisees/{id}/apply-credit": {
            "post": admin("Allocate the franchisee's credit (payments not wholly allocated) to its open invoices, oldest due first", vec![id("Franchisee id")], None, ("200", ok("What was allocated", obj("allocated"))), &[]),
        },
        "/api/v1/admin/collections/receivables": {
            "get": admin("Invoices and credit notes as collections sees them (due date, open amount, cancelled, disputed), by due date", vec![query_param("franchisee_id", int(), false, "Only this franchisee"), query_param("open", json!({"type": "boolean"}), false, "Only those with something open")], None, ("200", ok("Receivables", array(obj("invoice_id, franchisee_id, kind, full_number, issue_date, due_date, total, open, cancelled, disputed")))), &[]),
        },
        "/api/v1/admin/collections/payments": {
            "get": admin("Payments, newest first", vec![query_param("franchisee_id", int(), false, "Only this franchisee")], None, ("200", ok("Payments", array(payment.clone()))), &[]),
            "post": admin("Record a payment (transfer, direct debit, card, cash), allocated to the invoices given or oldest due first; what is left is credit. More than is open, a cancelled invoice or another franchisee's invoice are refused (422) and nothing is stored", vec![], Some(body(payment_in)), ("201", ok("Recorded", payment.clone())), &[]),
        },
        "/api/v1/admin/collections/bank-statements": {
            "get": admin("Imported statement files, newest first", vec![], None, ("200", ok("Statements", array(obj("id, file_name, format, accounts, line_count, new_lines, imported_by, imported_at")))), &[]),
            "post": admin("Import a Norma 43 or camt.053 statement (content as text, or content_base64): its lines are stored and those naming an open invoice (or paying a known payer's exact amount) become payments; the same file again changes nothing (200). A malformed file is refused naming the line", vec![], Some(body(json!({"type": "object", "properties": {"file_name": string(), "content": string(), "content_base64": string()}}))), ("201", ok("What the import did", obj("statement, already_imported, matched, unmatched, payments"))), &[]),
        },
        "/api/v1/admin/collections/bank-lines": {
            "get": admin("Statement lines with what became of them (matched, unmatched, debit, return) and why", vec![query_param("statement_id", int(), false, "Only this statement"), query_param("status", json!({"type": "string", "enum": ["matched", "unmatched", "debit", "return"]}), false, "Only this status")], None, ("200", ok("Lines", array(obj("id, statement_id, source_line, booking_date, direction, amount, counterparty, end_to_end_id, text, is_return, status, note, payment_id")))), &[]),
        },
        "/api/v1/admin/collections/bank-lines/{id}/match": {
            "post": admin("Match an unmatched payment line by hand: a payment of the franchisee for the line's amount, allocated as given or oldest first", vec![id("Line id")], Some(body(json!({"type": "object", "properties": {"franchisee_id": int(), "allocations": allocations}, "required": ["franchisee_id"]}))), ("201", ok("The payment", payment)), &[("404", "No such line"), ("409", "The line is not an unmatched payment")]),
        },
        "/api/v1/admin/collections/mandates": {
            "get": admin("SEPA mandates, by franchisee", vec![query_param("franchisee_id", int(), false, "Only this franchisee")], None, ("200", ok("Mandates", array(obj("id, franchisee_id, reference, debtor_name, debtor_iban, debtor_bic, scheme (CORE|B2B), signed_on, first_used_on, last_used_on, revoked_on, revoked_reason")))), &[]),
            "post": admin("Register a mandate: unique reference (UMR, SEPA characters, at most 35), debtor IBAN checked (ISO 7064 mod 97), CORE or B2B, signature date not in the future", vec![], Some(body(json!({"type": "object", "properties": {"franchisee_id": int(), "reference": string(), "debtor_name": string(), "debtor_iban": string(), "debtor_bic": {"type": ["string", "null"]}, "scheme": {"type": "string", "enum": ["CORE", "B2B"]}, "signed_on": day()}, "required": ["franchisee_id", "reference", "debtor_name", "debtor_iban", "scheme", "signed_on"]}))), ("201", ok("Mandate", obj("the stored mandate"))), &[("409", "The reference is taken")]),
        },
        "/api/v1/admin/collections/mandates/{id}/revoke": {
            "post": admin("Revoke a mandate (no further collections under it)", vec![id("Mandate id")], Some(body(json!({"type": "object", "properties": {"reason": string()}}))), ("200", ok("Mandate", obj("the mandate"))), &not_found),
        },
        "/api/v1/admin/collections/remittances": {
            "get": admin("Remittances written, newest first, with how many debits came back and the debtors left out of each (excluded: franchisee_id, debtor_name, reason notice_too_short or prenotification_late, notice_days, earliest, debit_count, amount)", vec![], None, ("200", ok("Remittances", array(obj("id, message_id, collection_date, debit_count, control_sum, sha256, created_by, created_at, returned, excluded")))), &[]),
            "post": admin("Write a pain.008.001.08 remittance collecting, on collection_date (after today), every open invoice due by then of franchisees with a usable mandate; each debit is recorded as a direct-debit payment. A debtor whose contract asks more notice than the date gives is left out and listed in excluded with the reason and its earliest date; only when nobody qualifies is the remittance refused", vec![], Some(body(json!({"type": "object", "properties": {"collection_date": day()}, "required": ["collection_date"]}))), ("201", ok("Remittance", obj("the remittance"))), &[]),
        },
        "/api/v1/admin/collections/remittances/{id}/pain008": {
            "get": admin("The remittance file (pain.008.001.08 XML) as written", vec![id("Remittance id")], None, ("200", json!({"description": "The file", "content": {"application/xml": {}}})), &not_found),
        },
        "/api/v1/admin/collections/remittances/{id}/files": {
            "get": admin("The earlier files of a remittance, oldest first: each file it had before debits were held out of it and it was written again (HQ may have sent one to its bank), kept as written with its SHA-256; the current file is /pain008", vec![id("Remittance id")], None, ("200", ok("Earlier files", array(obj("id, remittance_id, message_id, version, sha256, debit_count, control_sum, replaced_at")))), &not_found),
        },
        "/api/v1/admin/collections/remittances/{id}/files/{file}": {
            "get": admin("One earlier file of a remittance (pain.008.001.08 XML) byte for byte as it was written; its SHA-256 in the X-Content-SHA256 header", vec![id("Remittance id"), path_param("file", int(), "Earlier file id (from /files)")], None, ("200", json!({"description": "The file", "content": {"application/xml": {}}})), &[("404", "No such remittance or earlier file")]),
        },
        "/api/v1/admin/collections/returns": {
            "post": admin("Process returned debits from a pain.002 (rejections) or camt.054 (R-transactions): the payment is marked returned with its reason and the invoice is open again; a return seen before changes nothing", vec![], Some(body(json!({"type": "object", "properties": {"content": string(), "content_base64": string()}}))), ("200", ok("What was reopened", obj("reopened [[number, reason]], already, unknown"))), &[]),
        },
        "/api/v1/admin/collections/dunning-levels": {
            "get": admin("Dunning levels: days after the due date, subject and text in Spanish and English", vec![], None, ("200", ok("Levels", array(obj("level, days_after_due, subject_es, body_es, subject_en, body_en")))), &[]),
            "put": admin("Replace the dunning levels (1 to 10, days increasing, every text filled in; {invoice}, {amount}, {due}, {franchisee} are replaced in each letter). The last level puts the franchisee on hold", vec![], Some(body(array(json!({"type": "object", "properties": {"level": int(), "days_after_due": {"type": "integer", "minimum": 0}, "subject_es": string(), "body_es": string(), "subject_en": string(), "body_en": string()}, "required": ["level", "days_after_due", "subject_es", "body_es", "subject_en", "body_en"]})))), ("200", ok("Saved", array(obj("the levels as saved")))), &[]),
        },
        "/api/v1/admin/collections/invoices/{id}/dispute": {
            "post": admin("Mark an invoice disputed (dunning pauses) or not", vec![id("Invoice id")], Some(body(json!({"type": "object", "properties": {"disputed": {"type": "boolean"}}, "required": ["disputed"]}))), ("200", ok("Receivable", obj("the invoice as collections sees it"))), &not_found),
        },
        "/api/v1/admin/collections/dunning-letters": {
            "get": admin("Every dunning letter written, newest first, with its e-mail state", vec![query_param("franchisee_id", int(), false, "Only this franchisee")], None, ("200", ok("Letters", array(obj("id, invoice_id, full_number, franchisee_id, level, recipient, language, subject, body, attempts, sent_at, last_error, created_at")))), &[]),
        },
        "/api/v1/admin/collections/holds": {
            "get": admin("Franchisees put on hold by the last dunning level", vec![], None, ("200", ok("Holds", array(obj("franchisee_id, since, reason")))), &[]),
        },
    });
    if let (Some(p), Value::Object(e)) = (paths.as_object_mut(), extra) {
        p.extend(e);
    }
    paths
}
