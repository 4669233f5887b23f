# The HQ dashboard in English. Same keys and arguments as es/dashboard.ftl (a test checks both).
# Arguments are pre-formatted by the code (money, dates, numbers), never formatted by Fluent.

## Shared words

yes = yes
no = no
total = Total
save = Save
create = Create
quoted = “{ $text }”
choose-a-store = Choose a store.
pager-previous = Previous
pager-next = Next
pager-page = Page { $page }
ago-now = less than 1 min ago
ago-min = { $min } min ago
ago-hours = { $h } h { $min } min ago
ago-days = { $d } d { $h } h ago
chart-this-period = this period
chart-previous-period = previous period

## Layout

nav-overview = Overview
nav-catalog = Catalogue
nav-barcode-rules = Scales
nav-stores = Stores
nav-deliveries = Delivery notes
nav-tills = Tills
nav-staff = Staff
nav-reports = Reports
sign-out = Sign out
lang-switch-label = Language
role-admin = head office
role-analyst = analyst
role-manager = store manager

## Columns and fields used on several pages

col-store = Store
col-till = Till
col-product = Product
col-barcodes = Barcodes
col-vat = VAT
col-price = Price
col-active = Active
col-role = Role
col-state = Status
col-domicile = Registered address
col-cash-tolerance = Cash tolerance
field-name = Name
field-address = Address
field-legal-name = Legal name
field-tax-address = Registered address
field-franchisee = Franchisee
field-receipt-header = Receipt header
field-receipt-footer = Receipt footer
field-cash-tolerance = Cash over/short tolerance (€)
field-price = price
field-store-price = store price
field-tolerance-name = cash tolerance

## Errors

error-title-forbidden = Not allowed
error-title-not-found = Not found
error-title-invalid = Please check the data
error-title-too-many = Too many attempts
error-title-server = Server error
error-title-other = Error
error-nothing-saved = Nothing has been saved.
error-back = Back to the dashboard
error-not-found = It does not exist or you have no access to it.
error-bad-form = The form is not valid: { $detail }
error-bad-query = Invalid parameters: { $detail }
error-bad-language = Unknown language “{ $lang }”: choose es or en.
error-csrf = The form has expired or does not come from this dashboard (the CSRF token is missing). Reload the page and try again.
error-read-only = Your role ({ $role }) is read-only: you cannot change data.
price-missing = The { $field } is missing.
price-invalid = The { $field } “{ $value }” is not a valid amount (for example 2.49).
price-negative = The { $field } cannot be negative.

## Sign-in

login-title = Sign in
login-username = User name
login-password = Password
login-csrf = The sign-in form has expired (the CSRF token is missing). Open /dashboard/login again.
login-too-many = Too many failed attempts. For your security, wait { $minutes } minutes before trying again.
login-wrong = Wrong user name or password.
logout-csrf = The form has expired (the CSRF token is missing).

## Overview

overview-title = Overview
overview-heading = Today
overview-today-sales = Sales today
overview-tickets = Receipts
overview-offline-kpi = Tills not synced (> { $hours } h)
overview-open-alerts = Open alerts
overview-by-store = Sales by store
overview-sales = Sales
overview-offline-tills = Offline tills
overview-alerts = Alerts
overview-refresh = Refreshes every { $seconds } s · { $now }
overview-last-sync = last synced { $ago } ({ $when })
overview-never-synced = has never synced
overview-all-synced = Every till has synced in the last { $hours } h.
overview-no-alerts = No open alerts.
alert-conflict = Sync conflict
alert-gap = Gap in the sequence
alert-chain-break = Broken chain
alert-delivery-difference = Delivery note with differences
alert-delivery-unknown = Unknown delivery note

## Catalog

catalog-title = Catalogue
catalog-search-label = Search (name, SKU or barcode)
catalog-search = Search
catalog-export = Export CSV
catalog-empty = No product matches the search.
catalog-bulk-title = Bulk price change
catalog-bulk-help = Applies to every product matching the current search ({ $what }).
catalog-bulk-all = the whole catalogue
catalog-bulk-percent = Percentage (+/−)
catalog-bulk-placeholder = 5 or -10
catalog-bulk-apply = Apply
catalog-bulk-not-a-number = The percentage “{ $value }” is not a number (for example 5 or -10).
catalog-bulk-out-of-range = The percentage must be between −{ $max } and +{ $max } and not 0 (and a cut cannot reach −100%).
catalog-bulk-no-match = No product matches the search.
catalog-bulk-done = Price changed by { $percent }% on { $count } products
catalog-import-title = Import CSV
catalog-import-help = Columns: sku,name,tax_rate,price,barcodes (VAT in %, price including VAT, barcodes separated by spaces). A new SKU creates the product; an existing one updates its name and price.
catalog-import-button = Import
catalog-hq-price-label = Head-office price (incl. VAT)
catalog-hq-price-shown = { $price } (head office)
catalog-store-price-placeholder = empty = head-office price
catalog-product-summary = VAT { $rate } · barcodes { $codes } · head-office price
catalog-store-prices = Price per store
catalog-store-price = Store price
catalog-name-invalid = The name cannot be empty (at most 200 characters).
catalog-hq-price-saved = Head-office price saved: { $price }
catalog-store-price-saved = Price of store { $store } saved: { $price }
catalog-store-price-cleared = Store { $store } is back on the head-office price
import-empty = The CSV is empty.
import-bad-header = The first line of the CSV must name the columns sku,name,tax_rate,price (and optionally barcodes).
import-too-many-rows = A CSV can have at most { $max } rows.
import-bad-line = Line { $line }: { $reason }. Nothing has been imported.
import-bad-rate = the VAT “{ $value }” is not a percentage
import-unknown-rate = there is no { $rate } VAT rate
import-duplicate-sku = SKU { $sku } appears twice
import-no-rows = The CSV has no product rows.
import-done = Import: { $created } new products, { $updated } updated

## Franchisees and stores

stores-title = Stores
stores-heading = Franchisees and stores
stores-franchisees = Franchisees
stores-no-franchisees = There are no franchisees yet.
stores-no-stores = There are no stores yet.
stores-new-franchisee = New franchisee
stores-new-store = New store
stores-receipt-header-long = Receipt header (below the tax details)
stores-cash-tolerance-long = Cash over/short tolerance (€): above it, the Z close needs a manager's approval
stores-store-heading = Store { $id }: { $name }
stores-store-save-help = The store's tills get the change at their next sync.
stores-store-read-only = Read-only: head office changes the store's details.
stores-franchisee-heading = Franchisee { $id }: { $name }
stores-franchisee-save-help = Receipts of all its stores will carry the new details.
stores-franchisee-read-only = Read-only: head office changes the tax details.
stores-franchisee-no-stores = This franchisee has no stores yet.
stores-legal-name-invalid = The legal name is missing (at most 200 characters).
stores-domicile-too-long = The registered address takes at most 300 characters.
stores-address-too-long = The address takes at most 300 characters.
stores-choose-franchisee = Choose the store's franchisee.
stores-name-invalid = The store name is missing (at most 200 characters).
stores-nif-invalid = Invalid tax ID (NIF/CIF) “{ $value }”: { $reason }
stores-receipt-header-too-long = The receipt header takes at most { $max } characters.
stores-receipt-footer-too-long = The receipt footer takes at most { $max } characters.
stores-tolerance-too-high = The cash tolerance cannot exceed { $max }.
stores-franchisee-created = Franchisee created: { $name }
stores-franchisee-saved = Franchisee saved: { $name }
stores-store-created = Store created: { $name }
stores-store-saved = Store saved: { $name }

## Staff

staff-title = Staff
staff-new = New person
staff-empty = There is no staff in your stores yet.
staff-role-manager = manager
staff-role-cashier = cashier
staff-active = active
staff-inactive = left
staff-pin-label = PIN (4–8 digits)
staff-name-invalid = The name is missing (at most 200 characters).
staff-choose-role = Choose the role: cashier or manager.
staff-choose-store = Choose the store.
staff-pin-invalid = The PIN must have 4 to 8 digits.
staff-created = { $name } has been added

## Tills

tills-title = Tills
tills-empty = There are no tills in your stores yet.
tills-revoked = revoked
tills-active = active
tills-pending = waiting for enrolment
tills-never = never
tills-chain-broken = broken
tills-chain-intact = intact
tills-revoke = Revoke
tills-last-sync = Last sync
tills-documents = Documents
tills-gaps = Gaps
tills-conflicts = Conflicts
tills-chain = Chain
tills-waiting = Waiting on the till
tills-waiting-none = no report yet
tills-waiting-one = 1 document waiting
tills-waiting-count = { $n } documents waiting
tills-waiting-reported = reported { $ago }
tills-waiting-stale = old report
tills-new = Enrol a till
tills-default-name = Till 2
tills-create-code = Create enrolment code
tills-choose-store = Choose the till's store.
tills-name-missing = The till's name is missing.
tills-code-title = Enrolment code
tills-code-heading = Enrolment code for { $name }
tills-code-help = Type this code on the till (Settings → Enrol with head office) or scan the QR code. It works once and expires on { $expires }.
tills-code-once = It will not be shown again.
tills-revoked-done = Till { $id } revoked: its token no longer works

## Scale barcode rules

rules-title = Scale barcodes
rules-intro-1 = EAN-13 labels of variable weight or price (GS1 prefixes 20–29), the same in every store. The product is looked up by its code with the value set to zeros: for example, the label
rules-intro-2 = belongs to the product with the code
rules-col-prefix = Prefix
rules-col-format = Layout
rules-col-item = Item
rules-col-verifier = Verifier
rules-col-value = Value
rules-col-meaning = Meaning
rules-kind-label = Kind
rules-kind-weight = weight
rules-kind-price = price
rules-meaning-grams = grams (kg with 3 decimals)
rules-meaning-cents = cents (€ with 2 decimals)
rules-meaning-quantity = quantity with { $decimals } decimals
rules-meaning-amount = amount in € with { $decimals } decimals
rules-remove = Remove
rules-empty = No rules: the tills read codes 20–29 as ordinary barcodes.
rules-new = New rule
rules-new-help-1 = Prefix + item + verifier (optional) + value + check digit = 13 digits.
rules-new-help-2 = The usual ones: weight
rules-new-help-3 = (5 + 5, 3 decimals, grams) and price
rules-new-help-4 = (5 + 5, 2 decimals, cents).
rules-prefix-label = Prefix (20–29)
rules-item-digits = Item digits
rules-value-digits = Value digits
rules-decimals = Decimals
rules-verifier-digit = Verifier digit
rules-add = Add
rules-choose-kind = Choose the kind: weight or price.
rules-not-a-number = { $field }: “{ $value }” is not a valid whole number.
rules-prefix-taken = There is already a rule with prefix { $prefix }: remove it before adding another.
rules-saved = Rule for prefix { $prefix } saved; the tills will get it at their next sync
rules-removed = Rule removed
