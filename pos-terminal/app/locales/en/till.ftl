# Trastienda till: English. Keys mirror ../es/till.ftl one for one (the i18n unit tests check).
# Money and quantities arrive already formatted for the language (see src/format.rs).

## Shared

window-title = Trastienda · Till
registry-unavailable = the local ledger is not available
ledger-call-panicked = Internal error in the local ledger ({ $error }). Nothing of this operation was saved; you can try again.
pin-checking = Checking the PIN…
error = Error: { $error }
cannot = Not possible: { $error }
back = Back
back-esc = Back (Esc)
cancel-esc = Cancel (Esc)
pin = PIN
manager-pin = Manager PIN
wrong-pin = Wrong PIN
invalid-amount = Invalid amount.
amount = Amount
reason = Reason
reason-optional = Reason (optional)
ticket-not-found = There is no ticket { $ticket } on this till.
tax-line = VAT { $rate }: base { $base } · tax { $tax }
tender-cash = Cash
tender-card = Card
tender-other = Other
language-es = Español
language-en = English

## Manager approval (price override, refund, drawer)

manager-pin-missing = Enter the manager's PIN.
manager-pin-not-manager = That PIN is not a manager's.
manager-pin-wrong = Wrong manager PIN.

## Start-up, notices on the sell screen

app-dir-failed = Could not create { $dir }: { $error }
app-ledger-failed = Could not open the local ledger: { $error }
app-park-empty = The ticket is empty: nothing to park.
app-parked = Ticket parked ({ $count } waiting).
app-recall-busy = Park or take payment for the current ticket before recalling another.
app-recall-none = There are no parked tickets.
app-reprinting = Reprinting the last receipt.
app-no-receipt-yet = There is no receipt yet.
app-recalled = Ticket recalled.
app-paid = Ticket { $ticket } · Change: { $change }
app-refunded = Refund { $number } · { $total }
app-invoice-issued = Invoice { $number } issued to { $nif }
app-settings-save-failed = Could not save: { $error }
app-drawer-no-printer = No printer is set up: the drawer is connected to it.

## Status bar

status-not-synced = Not synced yet
status-online = Online
status-offline = Offline
status-last-sync = Last sync: { $when }
status-never-synced = Last sync: never
status-waiting = Documents waiting: { $count }
status-printer-failed = Printer: { $error } · { $waiting ->
    [one] { $waiting } receipt queued
   *[other] { $waiting } receipts queued
}
status-no-printer = No printer set up · { $waiting ->
    [one] { $waiting } receipt queued
   *[other] { $waiting } receipts queued
}
status-receipt-not-prepared = Receipt not prepared: { $error }
status-invoice-not-prepared = Invoice not prepared: { $error }

## Enrolment

enrol-title = Till enrolment
enrol-help = Enter the server address and the one-time code from head office, or paste the enrolment link the dashboard shows (it carries both, and the fingerprint of head office's own certificate).
enrol-url-placeholder = https://hq.example.com
enrol-code = Enrolment code
enrol-submit = Enrol
enrol-connecting = Connecting to head office…
enrol-missing = Enter the server address and the code.
enrol-no-client = Could not set up the connection to the server.

## Login

login-title = Log in
login-submit = Log in
login-pin-missing = Enter your PIN.

## Sell

sell-scan-placeholder = Scan, search by name or type a quantity
sell-keypad-tab = 123 Keypad
sell-no-results = No results
sell-no-results-for = No results for “{ $query }”
sell-ticket-empty = Empty ticket
sell-ticket-empty-notice = The ticket is empty.
sell-ticket-discount = Ticket discount: { $amount }
sell-promotion-discount = −{ $amount }
sell-promotion-savings = Saved with promotions: { $amount }
sell-total = Total: { $amount }
sell-quantity = Quantity
sell-line-discount = Line disc.
sell-ticket-discount-key = Ticket disc.
sell-price-override = Price (manager)
sell-void = Void line (F4)
sell-recall = Recall (F6)
sell-recall-waiting = Recall (F6) · { $count }
sell-park = Park (F5)
sell-reprint = Reprint (F7)
sell-invoice = Invoice (F3)
sell-refund = Refund (F8)
sell-settings = Settings (F9)
sell-pay = Pay (F2)
sell-cashier = Cashier: { $name }
sell-manager = Manager (F10)
sell-scans-waiting = One moment: a scanned code is still being read.
sell-no-shift = No shift is open: a manager must open it
sell-no-shift-help = Nothing can be sold or refunded until a manager counts the float and opens the shift (Manager, F10). After a Z close the shift stays closed until the next opening.
sell-open-shift = Open shift (manager)
sell-logout = Log out
sell-override-title = Change price to { $price }: manager PIN
sell-authorise = Authorise
sell-add-failed = Could not add { $name }: { $error }
sell-code-invalid = Invalid code: { $code } ({ $error })
sell-code-unknown = Unknown code: { $code }
sell-type-amount-first = Type the amount in the code field first.
sell-type-quantity-first = Type the quantity first.
sell-use-void = To remove the line use “Void line”.
sell-price-changed = Price changed to { $price } (approved by { $manager })
sell-line-voided = Line voided: { $name }

## Payment

pay-title = Payment
pay-left = Left to pay: { $amount }
pay-tendered = Tendered / amount
pay-change = Change: { $amount }
pay-reference = Card terminal reference
pay-reference-shown = (ref. { $reference })
pay-clear = Clear payments
pay-card = Card
pay-confirm = Confirm payment
pay-payments-noted = Payments are noted: finish the payment or press “Clear payments”.
pay-card-too-much = By card you can take at most what is left ({ $left }).
pay-reference-missing = Enter the reference the card terminal gives.
pay-committing = Saving the sale…
pay-record-failed = Could not record the sale: { $error }

## Recall

recall-title = Parked tickets
recall-ticket = { $time } · { $lines ->
    [one] { $lines } line
   *[other] { $lines } lines
} · { $first }

## Refund

refund-title = Refund
refund-ticket-placeholder = Scan the ticket's code or type its number
refund-find = Find ticket
refund-ticket-found = Ticket { $ticket } · { $time } · { $total }
refund-already = already refunded { $quantity }
refund-picked = Refund: { $quantity }
refund-all = All
refund-to-cash = cash
refund-to-card = card
refund-to-card-ref = card (ref. { $reference })
refund-to-other = other
refund-back-to = Paid back to: { $tenders }
refund-confirm = Confirm refund
refund-default-reason = Customer return
refund-find-first = Find the ticket first.
refund-reason-missing = Enter the reason for the refund.
refund-record-failed = Could not record the refund: { $error }
refund-nothing-chosen = Choose at least one unit to refund.
refund-too-much = { $line }: at most { $left } can be refunded.

## Full invoice

invoice-title = Full invoice
invoice-ticket = Ticket
invoice-ticket-number = Ticket number
invoice-customer = Customer
invoice-name = Name or company name
invoice-address = Address
invoice-nif = NIF / NIE / CIF
invoice-issue = Issue invoice
invoice-nif-missing = Enter the customer's NIF, NIE or CIF.
invoice-nif-invalid = Invalid NIF/NIE/CIF: { $nif }. Check the letter or the check digit ({ $detail }).
invoice-name-missing = Enter the customer's name or company name.
invoice-address-missing = Enter the customer's address.
invoice-exists = The ticket already has invoice { $number }.
invoice-failed = Could not issue the invoice: { $error }

## Settings

settings-title = Settings
settings-language = Language
settings-language-saved = Language changed and saved.
settings-printer = Receipt printer
settings-printer-none = None
settings-printer-network = Network
settings-printer-file = File or device
settings-host-placeholder = Address (e.g. 192.168.1.50)
settings-port = Port
settings-paper = Paper
settings-scanner = Barcode scanner (keyboard)
settings-min-length = Minimum length
settings-avg = ms per character
settings-gap = max. pause (ms)
settings-save = Save
settings-test-page = Print test page
settings-drawer = Drawer
settings-open-drawer = Open drawer
settings-saved = Settings saved.
settings-no-printer = No printer is set up.
settings-printing-test = Printing the test page…
settings-opening-drawer = Opening the drawer (approved by { $manager }).
settings-host-missing = Enter the printer's address.
settings-port-invalid = The port must be a number between 1 and 65535.
settings-path-missing = Enter the path of the file or device.
settings-number-range = { $what }: a number between { $min } and { $max }.
settings-min-length-what = Minimum code length
settings-avg-what = Milliseconds per character
settings-gap-what = Maximum pause between keys

## Manager menu

manager-gate-title = Manager: manager PIN
manager-continue = Continue
manager-not-a-manager = { $name } is not a manager.
manager-menu-title = Manager · { $name }
manager-back-to-selling = Back to selling
manager-till = Till
manager-open-shift = Open till
manager-cash-in = Cash in
manager-cash-out = Cash out
manager-no-sale = No sale
manager-x-report = X report
manager-z-close = Z close
manager-stock-and-staff = Stock and staff
manager-clock-menu = Clock in/out
manager-no-open-shift = There is no open shift.
manager-open-shift-first = No shift is open yet: count the float to open it before selling.
manager-cash-reason = Reason (e.g. supplier payment, change from the bank)
manager-cash-confirm = Record movement
manager-cash-in-done = Cash in of { $amount } recorded
manager-cash-out-done = Cash out of { $amount } recorded
manager-no-sale-title = Open the drawer without a sale
manager-no-sale-done = No sale recorded: open the drawer
manager-clock-title = Clock in or out
manager-clock-pin = PIN of who is clocking
manager-clock = Clock
manager-clocked-in = { $name }: clocked in
manager-clocked-out = { $name }: clocked out

## X report

report-shift-open = Shift open (document { $seq }) · float { $float }
report-no-shift = No open shift
report-sales = Tickets: { $tickets } · Sales: { $gross }
report-refunds = Refunds: { $count } · { $amount }
report-tender = { $tender }: sales { $sales } · refunds { $refunds }
report-cash-movements = Cash in: { $cash_in } · Cash out: { $cash_out } · No sales: { $no_sales }
report-expected-cash = Expected cash: { $amount }

## Opening a shift and the Z close

count-coins = Coins
count-notes = Notes
count-total = Total counted: { $amount }
close-open-title = Open shift: count the float
close-float-left = Float left at Z close { $z }: { $float }
close-open-confirm = Open shift
close-shift-opened = Shift opened with a float of { $float }
close-title = End of day (Z)
close-blind-yes = Blind count: yes
close-blind-no = Blind count: no
close-card = Card per the terminal
close-card-placeholder = same as expected
close-next-float = Float for the next shift
close-expected = Expected
close-counted = Counted
close-over-short = Over/short
close-tolerance = Tolerance: { $amount }
close-approval = Manager approval
close-note = Note explaining the difference
close-confirm = Close the day
close-card-invalid = Invalid card amount.
close-next-float-invalid = Invalid float for the next shift.
close-recorded = Close recorded
close-z-recorded = Z close { $z } recorded · cash over/short { $over_short }
close-needs-approval = Close refused: a difference of { $over_short } is above the tolerance of { $tolerance }. A manager's PIN and a note are needed.
close-refused = Close refused: { $error }

## Stock

stock-receipt = Goods received
stock-count = Stock count
stock-waste = Waste and breakage
stock-adjustment = Stock adjustment
stock-confirm-receipt = Record delivery
stock-confirm-count = Record count
stock-confirm-waste = Record waste
stock-confirm-adjustment = Record adjustment
stock-scan-placeholder = Scan a product
stock-remove = Remove
stock-nothing-yet = Nothing scanned yet
stock-count-full = Full count
stock-count-partial = Partial count
stock-delivery-note = Delivery note (optional)
stock-unknown-code = unknown code: { $code }
stock-pick-note = Pick the delivery note that has arrived, or receive without one
stock-note-choice = { $number } · { $supplier } · due { $date } · { $lines } lines
stock-free-receiving = Receive without a delivery note
stock-note-title = Delivery note { $number } · { $supplier }
stock-note-expected = Expected: { $quantity }
stock-note-missing = { $quantity } missing
stock-note-complete = Complete
stock-note-over = { $quantity } over
stock-note-extra = Not on the note
stock-note-received = Delivery note { $number } received: { $count } products (document { $seq })
stock-note-received-differences = Delivery note { $number } received with differences: { $count } products (document { $seq })
stock-recorded = { $title }: { $count ->
    [one] { $count } product recorded
   *[other] { $count } products recorded
} (document { $seq })

# Barcode scanners (keyboard wedge and serial) and scans that land in the wrong field
sell-override-pin-cleared = A code was scanned: type the PIN again.
pay-scanned = Code { $code } scanned during payment: finish the payment (or Esc) and scan it again.
pay-tendered-too-much = Invalid amount tendered: { $tendered } would give { $change } change.
app-serial-scanner-failed = Serial scanner: { $error }

settings-printer-serial = Serial
settings-baud = Baud
settings-usb-vendor = Vendor (hex)
settings-usb-product = Product (hex)
settings-usb-id-invalid = USB ids are 4 hexadecimal digits (e.g. 04b8 and 0202).
settings-scanner-serial = Serial scanner (port; empty = none)
manager-x-print = Print X report
manager-x-printing = Printing the X report…
manager-save-pdf = Save as PDF
manager-pdf-saved = Report saved as PDF: { $path }
manager-pdf-failed = The report could not be saved as PDF: { $error }
manager-mail-title-x = E-mail the X report
manager-mail-title-z = E-mail the Z close
manager-mail-to = E-mail address
manager-mail-send = Send by e-mail
manager-mail-missing = Type the e-mail address to send the report to.
manager-mail-sending = Preparing the report for sending…
manager-mail-queued = Report queued for { $to }: HQ will send it as soon as it is reachable.
manager-mail-failed = The report could not be queued: { $error }
manager-mail-subject-x = X report · { $store } · { $when }
manager-mail-subject-z = Z close { $z } · { $store } · { $when }

# About (Settings → About): VERI*FACTU identity and the producer's declaración responsable
settings-about = About · VERI*FACTU
about-title = About Trastienda
about-system = Invoicing system (VERI*FACTU)
about-system-name = System name
about-system-id = System identifier
about-version = Version
about-installation = Installation number
about-producer = Producer
about-only-verifactu = Runs only as VERI*FACTU
about-multi-taxpayer = Can be used for several taxpayers
about-taxpayer = Issues invoices for
about-no-taxpayer = This till does not know its franchisee's NIF yet: it will issue no invoices until it syncs with HQ.
about-yes = Yes
about-no = No
about-not-given = not given in this build
about-undeclared = This build has no declared producer: nobody has signed the declaración responsable. Whoever ships Trastienda as a product must build it with TRASTIENDA_PRODUCER_NAME, TRASTIENDA_PRODUCER_NIF, TRASTIENDA_PRODUCER_ADDRESS, TRASTIENDA_DECLARATION_PLACE and TRASTIENDA_DECLARATION_DATE, and answer for it.
about-declaration = Declaración responsable (producer's statement; RD 1007/2023 art. 13, Orden HAC/1177/2024 art. 15; the Spanish text is the one signed)
about-declaration-a = a) Name of the invoicing system: { $name }.
about-declaration-b = b) Identifier code of the system: { $id }.
about-declaration-c = c) Version: { $version }.
about-declaration-d = d) Components: software only, no hardware of its own. A till program (point of sale) installed on a shop computer with a receipt printer and a barcode reader, which issues simplified invoices, full invoices and rectifying invoices and keeps each with its chained invoice record in a local database; and a central server that receives the records of every till, checks their hashes and chaining, and sends them to the Spanish Tax Agency.
about-declaration-e = e) The system was produced to run exclusively as VERI*FACTU: yes.
about-declaration-f = f) It can be used by several taxpayers: yes; each franchisee is a taxpayer with its own chain of records, and each till installation issues for one franchisee at a time.
about-declaration-g = g) Signature types for invoice and event records: not applicable; the system runs only as VERI*FACTU and neither signs records nor keeps event records.
about-declaration-h = h) Producer (person or entity): { $producer }.
about-declaration-i = i) Producer's NIF: { $nif }.
about-declaration-j = j) Postal contact address: { $address }.
about-declaration-k = k) The producer declares that this version of the system complies with article 29.2.j of Ley 58/2003, General Tributaria, with Real Decreto 1007/2023 and with Orden HAC/1177/2024.
about-declaration-l = l) Place and date of signature: { $place }, { $date }.
about-licence = Trastienda is free software (AGPL-3.0-or-later) offered without warranty. The statement above binds only the producer named, who signs it for this version.

## At the counter: quantity before a scan, search overlay, drawer, second manager at the Z
sell-multiplier-waiting = Quantity { $quantity }: scan or type the product.
sell-multiplier-not-for-labels = Scale labels carry their own weight or price: the quantity does not apply.
sell-results-help = ↑ ↓ to choose · Enter adds · Esc closes
app-drawer-opened = Drawer opened.
app-drawer-opened-printer = Drawer opened (the printer says: { $status }).
app-drawer-failed = The drawer could not be opened: { $error }
status-drawer-failed = The drawer did not open: { $error }
close-approval-second = Another manager's approval
close-needs-second-manager = Close refused: a difference of { $over_short } is above the tolerance of { $tolerance }. Another manager's PIN (not the closing manager's) and a note are needed.
close-own-approval = { $name } is closing the till and cannot approve their own difference: type another manager's PIN.
keypad-enter = Enter
settings-weighed = Scale:
settings-weighed-own-line = Line per label
settings-weighed-merge = Add weights

# Card terminal (payment terminal, OPI protocol)
settings-card-terminal = Card terminal
settings-terminal-none = No terminal
settings-terminal-address-invalid = Type the card terminal's address as host:port (e.g. 192.168.1.50:20002).
pay-terminal = Charge on card terminal
pay-terminal-waiting = Waiting for the card terminal: { $amount }. The customer pays with their card on the terminal.
pay-terminal-cancel = Cancel on card terminal
pay-terminal-cancelling = Cancelling on the card terminal…
pay-terminal-busy = The card terminal is charging: wait for its answer or press “Cancel on card terminal”.
pay-terminal-declined = Card declined ({ $reason }). Nothing was charged: try another card or cash.
pay-terminal-cancelled = Payment cancelled on the card terminal. Nothing was charged.
pay-terminal-timeout = The card terminal did not answer in time; the payment was aborted and the terminal confirms nothing was charged.
pay-terminal-unreachable = Cannot connect to the card terminal ({ $error }). Nothing was charged. You may charge on the terminal by hand and type its reference.
pay-terminal-unknown = The card terminal stopped answering and it is not known whether it charged. Do not charge again: the payment will be checked with the terminal before any other ({ $error }).
pay-terminal-outstanding = An earlier card payment is unresolved ({ $error }). No other is sent until the terminal says what became of it; check that it is on and connected.
pay-terminal-earlier-sale = An earlier card payment was approved: it is now recorded as ticket { $ticket }. This ticket was not charged; press “Charge on card terminal” again.
pay-terminal-not-recorded = The card terminal approved the payment ({ $reference }) but the sale could not be recorded: { $error }. The payment is kept and the sale will be recorded as soon as possible; do not charge again.
app-card-recovered = Card payment recovered after an unexpected stop: recorded as ticket { $ticket }.
app-card-unresolved = A card payment is unresolved and the card terminal does not answer ({ $error }). No other will be sent until it is cleared up.
pay-terminal-amount = { $label }: { $amount }

# Customers (issue 17)
customer-search = Find a customer (name or NIF)
customer-no-match = No customer matches; type their details below.
customer-email = E-mail (to send the receipt or invoice)
customer-consent = The customer agrees to receive receipts and invoices by e-mail
customer-save = Save customer
customer-saved = Customer “{ $name }” saved; it reaches HQ at the next sync.
customer-mail-receipt = E-mail the receipt
customer-email-missing = Enter the e-mail address to send the receipt to.
customer-email-invalid = “{ $email }” is not a valid e-mail address.
customer-consent-needs-email = Consent to e-mail needs an e-mail address.
customer-address-too-long = The address is too long.
app-receipt-mailed = Receipt { $ticket } will be e-mailed to { $to } (through HQ)
app-invoice-mailed = it will be e-mailed to { $to }
manager-card-menu = Card payment pending
manager-card-title = Card payment pending on the terminal
manager-card-none = No card payment is pending.
manager-card-pending = A payment of { $amount } was sent to the card terminal and never answered (request { $request }). While it is pending no other card payment can be taken.
manager-card-check = Check on the card terminal (last receipt) or on the bank statement that this payment was NOT taken. If it was, do not close it: connect the terminal again and the sale records itself.
manager-card-reason = Why it is closed (e.g. "terminal broken, checked on the statement")
manager-card-abandon = Mark as not charged
manager-card-reason-needed = Say why the payment is marked as not taken.
manager-card-abandoned = Payment of { $amount } closed by hand as not charged; the card terminal can be used again.
manager-card-approved = The card terminal approved this payment: the sale is recorded as soon as the till reaches the terminal again. It cannot be closed by hand.
