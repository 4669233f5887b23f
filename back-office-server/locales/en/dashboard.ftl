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
login-too-many = Too many failed attempts. For your security, wait { $wait } before trying again.
wait-seconds = { $n } s
wait-minutes = { $n } min
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
catalog-bad-page = page “{ $page }” does not exist: use a whole number from 1 to { $max }.
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
catalog-category-label = Category
catalog-category-none = no category
catalog-category-invalid = A category has at most 100 characters and no line breaks.
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
tills-software = Software
tills-software-none = no report yet
tills-software-update = needs an update (skipped: { $kinds })
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

## Sales reports

reports-title = Reports
report-heading = Sales reports
report-by-unknown = Unknown grouping “{ $by }”: day, store, product, tax, tender, hour, cashier, franchisee, category or top.
report-bad-date = The date “{ $value }” in “{ $field }” is not valid (YYYY-MM-DD).
report-field-from = from
report-field-to = to
report-bad-n = “{ $value }” is not a valid number of products: between 1 and { $max }.
report-bad-rank = Unknown order “{ $rank }”: gross (amount) or units.
report-from-after-to = “From” ({ $from }) is after “to” ({ $to }).
report-too-long = A report covers at most { $days } days.
report-bad-store = The store “{ $value }” is not valid: pick one from the list.
report-label-store = Store { $id }
report-label-product = Product { $id }
report-label-vat = VAT { $rate }%
report-label-no-cashier = No cashier recorded
report-label-staff = Employee { $id }
report-label-franchisee = Franchisee { $id }
report-label-no-category = No category
tender-cash = Cash
tender-card = Card
tender-other = Other
report-col-tickets = Receipts
report-col-refunds = Refunds
report-col-payments = Payments
report-col-units = Units
report-col-net = Net
report-col-vat = VAT
report-col-total = Total
report-col-previous = Previous
report-col-change = Change
report-total = Total
report-all-stores = All
report-products = Products
report-sort-by = Sort by
report-rank-gross = Amount
report-rank-units = Units
report-from = From
report-to = To
report-store = Store
report-show = Show
report-export = Export CSV
report-no-sales = No sales in this period.
report-chart = Sales incl. VAT by group
report-kpi-gross = Sales incl. VAT
report-kpi-previous = Previous period ({ $from } – { $to })
report-kpi-change = Change
report-metric-gross = amount incl. VAT
report-metric-units = units
report-top-chart = Best sellers by { $metric }
report-top-heading = Best and worst selling products
report-top-help = Sorted by { $metric }, { $n } per list. The worst sellers include the active catalogue products that sold nothing in the period at the chosen stores.
report-top-best = Best sellers
report-top-worst = Worst sellers
report-tabs-sales = Sales
report-tabs-control = Control
report-tab-day = By day
report-tab-store = By store
report-tab-product = By product
report-tab-tax = By VAT rate
report-tab-tender = By payment method
report-tab-hour = By hour
report-tab-cashier = By cashier
report-tab-franchisee = By franchisee
report-tab-category = By category
report-tab-top = Best and worst sellers
report-tab-loss = Losses by cashier
report-tab-cash = Cash over/short
report-tab-hours = Staff hours

## Control reports

control-too-long = This report covers at most { $days } days.
control-unidentified = Unidentified
control-label-till = Till { $id }
control-col-count = No.
control-col-amount = Amount
loss-heading = Reports: losses by cashier
loss-empty = No voids, price overrides, refunds or drawer openings in this period.
loss-chart = Voided + marked down + refunded by cashier
loss-col-cashier = Cashier
loss-col-voids = Voids
loss-col-price-overrides = Price overrides
loss-col-refunds = Refunds
loss-col-no-sale = No sale
loss-col-tolerance = Approved over/short
loss-help = From the audit log of the tills. Refunds count once, by their audit event (not again by the refund document).
loss-kpi-no-sales = Drawer openings without a sale
cash-heading = Reports: cash over/short
cash-empty = No Z closes in this period.
cash-chart = Absolute over/short by store
cash-beyond = Beyond tolerance
cash-not-approved = No
cash-col-till = Till
cash-col-date = Date
cash-col-closed = Closed
cash-col-expected = Expected
cash-col-counted = Counted
cash-col-over-short = Over/short
cash-col-tolerance = Tolerance
cash-col-approved-by = Approved by
cash-col-note = Note
cash-help = Cash of each Z close. Where the till gave no tolerance, { $tolerance } applies.
cash-kpi-closes = Z closes
cash-kpi-net = Net over/short
hours-heading = Reports: staff hours
hours-empty = No clock-ins or clock-outs in this period.
hours-chart = Hours per person
hours-open = open
hours-unmatched = { $n } clock-out(s) without a clock-in
hours-totals = Totals per person
hours-by-day = By person and day
hours-col-person = Person
hours-col-days = Days
hours-col-hours = Hours
hours-col-open-days = Open days
hours-col-date = Date
hours-col-in = In
hours-col-out = Out
hours-help = Each clock-in is paired with the next clock-out of the same person; a shift across midnight counts on the day it started (Madrid time). A clock-in without a clock-out stays “open” and adds no hours.
hours-kpi-hours = Hours
hours-kpi-people = People
hours-kpi-open = Open clock-ins

## Delivery notes

deliveries-title = Delivery notes
deliveries-status-pending = pending
deliveries-status-received = received
deliveries-status-differences = received with differences
deliveries-bad-status = Unknown status “{ $status }”: pending, received or received_with_differences.
deliveries-empty = No delivery notes match these filters.
deliveries-all-stores = All
deliveries-all-statuses = All
deliveries-store = Store
deliveries-status = Status
deliveries-filter = Filter
deliveries-nothing-saved = Nothing has been saved:
deliveries-new = New delivery note
deliveries-supplier = Supplier or origin
deliveries-expected-date = Expected date
deliveries-lines-label = Lines: one per product, “SKU or barcode ; quantity”
deliveries-create = Create delivery note
deliveries-intro = Goods sent to the stores. Each delivery note reaches the tills of its store at their next sync; the manager receives it by scanning, and here you see what was expected against what was received.
deliveries-col-number = Number
deliveries-col-supplier = Supplier
deliveries-col-lines = Lines
deliveries-col-units = Units
deliveries-choose-store = Choose a store that exists.
deliveries-supplier-missing = Give the supplier or origin (up to 200 characters).
deliveries-bad-date = The expected date “{ $value }” is not a valid date.
deliveries-no-lines = Add at least one line “SKU or code ; quantity”.
deliveries-too-many = At most { $max } lines per delivery note.
deliveries-line-error = Line { $n }: { $problem }
deliveries-created = Delivery note { $number } created; the tills of the store will receive it at their next sync
deliveries-store-fallback = store { $id }
deliveries-not-on-note = not on the note
deliveries-missing = missing
deliveries-over = over
deliveries-received-at = Received on { $at } at till { $till }.
deliveries-not-received = Not received at the store yet.
deliveries-note-title = Delivery note { $number }
deliveries-created-by = Created by
deliveries-expected-received = Expected and received
deliveries-col-product = Product
deliveries-col-expected = Expected
deliveries-col-received = Received
deliveries-col-difference = Difference

## Scheduled jobs (Tareas)

nav-jobs = Jobs
jobs-title = Scheduled jobs
jobs-intro = Jobs run on their own at their time ({ $zone }), once per period however many servers there are. A failure is recorded, shown on the Overview, and the job can run again.
jobs-schedule = Schedule (cron: second minute hour day month weekday):
jobs-per-day = one run per day
jobs-per-month = one run per month
jobs-per-minute = one run per minute
jobs-current-period = current period:
jobs-run-now = Run now
jobs-never = Not run yet.
jobs-col-period = Period
jobs-col-status = Status
jobs-col-started = Started
jobs-col-duration = Duration
jobs-col-trigger = Trigger
jobs-col-did = What it did
jobs-status-ok = done
jobs-status-running = running
jobs-status-failed = failed
jobs-attempts = attempt { $n }
jobs-trigger-schedule = scheduled
jobs-trigger-manual = manual
jobs-already = { $job } already ran (or is running) for { $period }: nothing was done.
jobs-started = { $job } is running; reload the page to see how it went.
job-prune-sign-ins = clear expired sessions and old failed sign-ins
job-verify-chains = check every till's chain of documents
jobs-did-sessions = { $n } expired sessions deleted
jobs-did-login_failures = { $n } old failed sign-ins deleted
jobs-did-tills = { $n } tills
jobs-did-documents = { $n } documents checked
jobs-did-breaks = { $n } breaks
alert-job-failed = Job failed
alert-chain-verify = Altered chain

## Store time zones

field-time-zone = Time zone
time-zone-europe-madrid = Mainland Spain and the Balearics (Europe/Madrid)
time-zone-atlantic-canary = Canary Islands (Atlantic/Canary)
time-zone-africa-ceuta = Ceuta and Melilla (Africa/Ceuta)
stores-time-zone-invalid = “{ $value }” is not a time zone: pick one from the list.

## VERI*FACTU

job-verifactu-send = send VERI*FACTU records to the AEAT
jobs-did-envelopes = { $n } envelopes
jobs-did-sent = { $n } records sent
jobs-did-accepted = { $n } accepted
jobs-did-accepted_with_errors = { $n } accepted with errors
jobs-did-rejected = { $n } rejected
jobs-did-subsanaciones = { $n } to resend as subsanación
jobs-did-failures = { $n } failed sends (retried)
jobs-did-waiting = { $n } taxpayers waiting
jobs-did-no_certificate = { $n } taxpayers without a certificate
alert-verifactu-rejected = Record rejected by the AEAT
alert-verifactu-unsent = VERI*FACTU records unsent for over 24 h
alert-verifactu-certificate = AEAT certificate expiring
alert-verifactu-record = VERI*FACTU record altered or inconsistent
verifactu-intro = Every ticket, invoice and refund is a VERI*FACTU record the server sends to the AEAT (one envelope of up to 1,000 records per taxpayer, waiting what the AEAT asks between sends, retried at least hourly when it cannot get through).
verifactu-by-franchisee = By franchisee
verifactu-col-franchisee = Franchisee
verifactu-col-pending = Pending
verifactu-col-accepted = Accepted
verifactu-col-with-errors = Accepted with errors
verifactu-col-rejected = Rejected
verifactu-col-last-send = Last send
verifactu-col-certificate = Certificate
verifactu-col-record = Record
verifactu-col-state = State
verifactu-col-aeat-error = AEAT code and text
verifactu-col-answered = Answered
verifactu-held = { $n } held back (altered)
verifactu-never = never
verifactu-expires = expires { $date }
verifactu-cert-hq = HQ's, as representative
verifactu-cert-none = none: nothing can be sent
verifactu-problems = Records the AEAT rejected or accepted with errors
verifactu-no-problems = None.
verifactu-state-rejected = rejected
verifactu-state-subsanar = rejected, resending as subsanación
verifactu-state-with-errors = accepted with errors
verifactu-state-accepted = accepted
verifactu-certificates = Certificates
verifactu-certificates-help = A PKCS#12 file (.p12 / .pfx) per franchisee, or HQ's own to send for every franchisee without one. It is stored encrypted with the server's secret key; the password is not kept.
verifactu-cert-owner = For
verifactu-cert-hq-name = HQ's legal name (HQ's certificate only)
verifactu-cert-hq-nif = HQ's NIF (HQ's certificate only)
verifactu-cert-file = File
verifactu-cert-password = Password
verifactu-cert-upload = Upload certificate
verifactu-cert-stored = Certificate of { $holder } stored; valid until { $date }.
