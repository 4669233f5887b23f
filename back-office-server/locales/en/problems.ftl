# Why HQ refused something, by stable code (`problem-<code>`): the JSON API answers with the code and
# the English text, the dashboard shows the text in the viewer's language. Same keys and arguments
# in every language (a test checks).

## Not found

problem-store_not_found = store { $id } not found
problem-franchisee_not_found = franchisee { $id } not found
problem-till_not_found = till { $id } not found
problem-staff_not_found = staff member { $id } not found
problem-product_not_found = product { $id } not found
problem-barcode_not_found = barcode { $code } not found
problem-barcode_rule_not_found = barcode rule { $id } not found
problem-delivery_note_not_found = delivery note { $id } not found
problem-job_run_not_found = job run { $id } not found

## Already taken

problem-barcode_taken = barcode { $code } already belongs to product { $product }
problem-sku_taken = SKU { $sku } already belongs to product { $product }
problem-nif_taken = NIF { $nif } already belongs to franchisee { $franchisee }
problem-barcode_rule_prefix_taken = a barcode rule with prefix { $prefix } already exists; change or delete that one
problem-tax_rate_name_taken = a tax rate named “{ $name }” already exists
problem-user_name_taken = a dashboard user named “{ $name }” already exists
problem-barcode_listed_twice = barcode { $code } is listed twice for product { $sku }
problem-already_in_use = { $what ->
    [barcode_rule] a barcode rule with that prefix already exists
    [barcode] that barcode already belongs to a product
    [sku] that SKU already belongs to a product
    [nif] that NIF already belongs to a franchisee
    [tax_rate] a tax rate with that name already exists
    [token] that token is already in use
    [code] that enrolment code is already in use
   *[other] that value is already in use
}

## Refused input

problem-unknown_tax_rate = tax rate { $id } does not exist
problem-store_does_not_exist = store { $id } does not exist
problem-product_does_not_exist = product { $id } does not exist
problem-enrolment_code_invalid = enrolment code is unknown, used or expired
problem-not_a_count = { $value } documents waiting is not a count
problem-too_large = { $what } { $value } is too large
problem-field_empty = { $field } must not be empty
problem-field_too_long = { $field } must be at most { $max } characters
problem-price_negative = { $field } { $value } must not be negative
problem-price_too_large = { $field } { $value } is too large
problem-cash_tolerance_negative = cash_tolerance { $value } must not be negative
problem-cash_tolerance_too_high = cash_tolerance { $value } is above the maximum of { $max }
problem-nif_invalid = NIF “{ $value }” is not valid: { $reason ->
    [length] a Spanish NIF/CIF/NIE has 9 characters
    [dni_format] a DNI is 8 digits and a letter
    [dni_letter] wrong check letter: a DNI with these digits ends in { $want }
    [nie_format] a NIE is X, Y or Z, 7 digits and a letter
    [nie_letter] wrong check letter: a NIE with these digits ends in { $want }
    [special_format] a K, L or M NIF is the letter, 7 digits and a letter
    [special_letter] wrong check letter: it should end in { $want }
    [cif_format] a CIF is a letter, 7 digits and a control character
    [cif_control] wrong control character: this CIF ends in { $want }
   *[kind] it does not start like a DNI, NIE or CIF
}
problem-barcode_invalid = barcode “{ $code }” is not valid: { $reason ->
    [empty] it is empty
    [digits] it must have only digits
    [length] an EAN-13, EAN-8 or UPC-A has 13, 8 or 12 digits
   *[check] its check digit is wrong (it should be { $want })
}
problem-barcode_duplicate_in_request = barcode { $code } is listed twice
problem-pin_invalid = a PIN must be 4 to 8 digits
problem-password_too_short = a password must be at least { $min } characters
problem-user_name_invalid = the user name must be 1 to 64 characters: letters, digits, . _ - @
problem-manager_needs_store = a store manager needs at least one store
problem-hq_user_has_no_stores = only a store manager has stores; an HQ user sees every store
problem-tax_rate_out_of_range = rate { $value } must be between 0.00 and 100.00
problem-report_from_after_to = from ({ $from }) is after to ({ $to })
problem-report_too_long = a report may span at most { $days } days
problem-category_too_long = category must be at most { $max } characters
problem-delivery_no_lines = a delivery note needs at least one line
problem-delivery_supplier = the supplier or origin must be 1 to 200 characters
problem-delivery_date = expected_date “{ $value }” is not a date (YYYY-MM-DD)
problem-delivery_too_many_lines = a delivery note may have at most { $max } lines, not { $count }
problem-delivery_lines = { $lines }

## The server and its database

problem-database_url = { $detail }
problem-database_newer = the database schema is at version { $found } but this build only knows up to version { $known }; run a newer back-office-server (refusing to guess)

## Franchise invoicing

problem-invoice_not_found = invoice { $id } does not exist
problem-contract_version_overlaps = the version starting { $from } overlaps the version in force from { $existing }: a new version must start after the latest one
problem-contract_period_invoiced = a version cannot start in { $from }: { $period } is already invoiced under the earlier terms
problem-invoicing_issuer_missing = HQ's billing details (legal name, NIF, address, IBAN) are missing: fill them in before invoicing
problem-credit_note_of_credit_note = { $number } is a credit note already; correct the original invoice
problem-bad_month = "{ $month }" is not a month written YYYY-MM
problem-bad_billing_address = the billing address is not valid: { $detail }
problem-contract_tier_gap = gap in the royalty table: band { $band } ends at { $to } but the next band starts at { $next }
problem-contract_tier_overlap = the royalty table overlaps: band { $band } ends at { $to } but the next band starts at { $next }
problem-contract_bad_percent = percentage { $percent } ({ $what }) must be between 0 and 100
problem-contract_negative_amount = amount { $amount } ({ $what }) must not be negative
problem-contract_terms = the contract terms are not valid: { $detail }
problem-contract_payment_days = the payment term may not exceed { $max } days
problem-bad_email = "{ $email }" is not a valid e-mail address
problem-bad_mandate_reference = the SEPA mandate reference is required, at most 35 characters
problem-bad_iban = "{ $iban }" is not a valid IBAN
problem-bad_issuer = HQ's billing details are not valid: { $detail }
problem-invoice_compose = the invoice could not be written: { $detail }
problem-invoice_nothing_to_invoice = franchisee { $franchisee } has nothing to invoice in { $period }
problem-credit_note_description = give the reason for the credit note (at most 200 characters)
problem-credit_note_negative_line = invoice { $number } has negative lines: correct it line by line
problem-period_not_closed = { $period } has not ended yet: a month is invoiced once it is closed
problem-contract_amount_too_large = no amount of the contract may exceed { $max }

## VERI*FACTU sending and certificates

problem-secret_key_missing = the server has no secret key to seal certificates with: set TRASTIENDA_SECRET_KEY (64 hex characters) or TRASTIENDA_SECRET_KEY_FILE
problem-secret_key_invalid = the server's secret key must be 64 hex characters (32 bytes)
problem-secret_key_unreadable = the server's secret key file cannot be read: { $detail }
problem-certificate_unsealable = the stored certificate cannot be opened with this server's secret key
problem-certificate_size = the certificate file must be a PKCS#12 (.p12 / .pfx) of at most { $max } bytes
problem-certificate_unreadable = the file is not a PKCS#12 certificate this password opens: { $detail }
problem-certificate_no_key = the PKCS#12 file holds no private key with its certificate
problem-certificate_expired = the certificate expired on { $date }
problem-certificate_hq_nif = { $nif } is not a valid NIF for HQ
problem-certificate_hq_name = HQ's certificate needs HQ's legal name
problem-certificate_owner = say whose certificate it is: a franchisee's id, or "hq"
problem-certificate_base64 = pkcs12_base64 is not base64
problem-verifactu_envelope = the VERI*FACTU envelope cannot be built: { $detail }

## Stock (inventory at HQ)

problem-stock_cost_not_a_number = cost “{ $value }” is not a number such as 1.25
problem-stock_cost_decimals = cost { $value } has more than four decimals
problem-stock_cost_negative = cost { $value } must not be negative
problem-stock_cost_too_large = cost { $value } is above the maximum of { $max }
problem-stock_unknown_code = no product has the SKU or barcode “{ $code }”
problem-stock_no_product = needs a product (product_id, or a SKU or barcode)
problem-supplier_not_found = supplier { $id } not found
problem-supplier_name_taken = a supplier named “{ $name }” already exists
problem-supplier_does_not_exist = supplier { $id } does not exist
problem-supplier_other_franchisee = supplier { $supplier } supplies another franchisee's stores, not store { $store }
problem-franchisee_does_not_exist = franchisee { $id } does not exist
problem-replenish_bad_quantity = { $field } “{ $value }” is not a quantity such as 12 or 2.500
problem-replenish_negative = { $field } { $value } must not be negative
problem-replenish_pack_zero = the pack size must be greater than zero
problem-replenish_bad_days = { $field } “{ $value }” is not a number of days from 0 to 365
problem-replenish_supplier_name = the supplier's name must be 1 to 200 characters
problem-replenish_bad_email = “{ $value }” is not an e-mail address
problem-replenish_bad_order_days = order days “{ $value }” are not weekday numbers 1–7 (1 = Monday), e.g. 1,4
problem-replenish_bad_minimum = minimum order “{ $value }” is not an amount in euros
problem-replenish_unknown_supplier = no supplier is called or numbered “{ $value }”
problem-replenish_unknown_store = no store is numbered “{ $value }”
problem-replenish_family_missing = the family must not be empty
problem-replenish_nothing_to_order = there is nothing to order from this supplier for this store today
problem-replenish_not_central = only an order to HQ's central warehouse becomes a delivery note
problem-alert_not_found = There is no alert { $id }.
problem-alert_resolved_already = Alert { $id } is resolved already.
problem-digest_needs_email = The daily digest needs an e-mail address.

## People and access

problem-user_not_found = dashboard user { $id } not found
problem-user_name_not_found = no dashboard user is called “{ $name }”
problem-token_not_found = API token { $id } not found
problem-last_admin = this is the last active administrator: make another user an administrator first
problem-current_password_wrong = the current password is not right; nothing was changed
problem-new_password_same = the new password is the same as the current one; nothing was changed

# Collections
problem-payment_amount_not_positive = the payment must be more than zero (it was { $amount })
problem-payment_reference_too_long = the payment reference is longer than { $max } characters
problem-payment_not_found = payment { $id } not found
problem-bad_payment_method = “{ $value }” is not a payment method (transfer, direct_debit, card, cash)
problem-allocation_invoice_not_found = invoice { $id } does not exist
problem-allocation_other_franchisee = invoice { $number } is not franchisee { $franchisee }'s
problem-allocation_not_an_invoice = { $number } is a credit note: payments go against invoices
problem-invoice_cancelled = invoice { $number } is cancelled by a credit note: no payment can go against it
problem-allocation_not_positive = the amount put against invoice { $number } must be more than zero
problem-allocation_exceeds_open = { $amount } is more than invoice { $number } has open ({ $open })
problem-allocation_exceeds_payment = the allocations add up to { $allocated }, more than the payment ({ $amount })
problem-bank_statement_empty = the statement file is empty
problem-bank_statement_unreadable = the statement file cannot be read: { $detail }
problem-bank_line_not_found = statement line { $id } not found
problem-bank_line_not_open = statement line { $id } is { $status }: only an unmatched payment line can be matched by hand
problem-bad_day = “{ $value }” is not a date written YYYY-MM-DD
problem-mandate_bad_reference = the mandate reference { $detail }
problem-mandate_bad_name = the debtor's name must have 1 to 70 characters
problem-mandate_bad_scheme = “{ $value }” is not a SEPA direct debit scheme (CORE or B2B)
problem-mandate_signed_in_future = the mandate cannot be signed on { $date }, which has not come yet
problem-mandate_reference_taken = there is already a mandate with reference { $reference }
problem-mandate_not_found = mandate { $id } not found
problem-creditor_id_missing = HQ's SEPA creditor identifier is missing: set it in HQ's billing details (Invoicing)
problem-remittance_invalid = the remittance cannot be written: { $detail }
problem-remittance_date_past = the collection date { $date } must be after today
problem-remittance_nothing_due = no invoice is due and open on { $date }
problem-remittance_no_mandate = { $count } invoices are due, but none of their franchisees has a valid mandate (signed, not revoked, used in the last 36 months)
problem-remittance_not_found = remittance { $id } not found
problem-remittance_file_not_found = remittance { $id } has no earlier file { $file }
problem-returns_unreadable = the returns file cannot be read: { $detail }
problem-bad_bic = the BIC is not valid: { $detail }
problem-dunning_levels_count = give between 1 and 10 dunning levels
problem-dunning_days_not_increasing = level { $level } must come more days after the due date than the one before (at most 3,650)
problem-dunning_text_missing = level { $level } needs its subject and text in Spanish and in English (at most 5,000 characters each)
problem-payment_amount_too_large = { $amount } is more than a payment can be (999,999,999.99)
# Purchase orders and transfers (issue 13)
problem-purchase_order_not_found = purchase order { $id } does not exist
problem-purchase_order_not_draft = the order is no longer a draft
problem-purchase_order_not_approved = the order is not approved and awaiting receipt
problem-purchase_order_empty = an order needs at least one line
problem-purchase_order_too_many = an order may have at most { $max } lines
problem-purchase_order_bad_quantity = the quantity of line { $line } must be greater than zero
problem-purchase_order_duplicate_product = line { $line } repeats a product of another line
problem-purchase_order_nothing_outstanding = nothing of this order is outstanding to send (or a note is already waiting)
problem-transfer_not_found = transfer { $id } does not exist
problem-transfer_same_store = a transfer goes from one store to another
problem-transfer_other_franchisee = goods move only between stores of the same franchisee
problem-transfer_not_draft = the transfer is no longer a draft: it was dispatched or discarded
problem-replenish_bad_language = language “{ $value }” is not es (Spanish) or en (English)
problem-purchase_order_not_emailable = the order cannot be e-mailed: it is not approved, it goes to the central warehouse or its supplier has no e-mail address
problem-replenish_bad_hour = “{ $value }” is not an hour from 0 to 23
problem-replenish_bad_dead_days = “{ $value }” is not a number of days from 1 to 3650
# Franchise invoicing, second part (issue 14): partial credit notes, send now, journal.
problem-credit_note_bad_line = invoice { $number } has no line { $line } (or it was given twice)
problem-credit_note_bad_amount = the amount to credit on line { $line } must be above zero ({ $amount })
problem-credit_note_exceeds = line { $line } has only { $left } left to credit, not { $amount }
problem-credit_note_nothing_left = invoice { $number } has nothing left to credit
problem-invoicing_run_not_found = invoicing run { $id } does not exist
problem-journal_export = the journal could not be written: { $detail }

# franchisee users and statement e-mails (helper franchisee)
problem-franchisee_user_needs_franchisee = a franchisee user belongs to one franchisee: choose it
problem-franchisee_user_has_no_stores = a franchisee user sees every store of its franchisee: tick no stores
problem-only_franchisee_users_have_franchisee = only a franchisee user belongs to a franchisee
problem-billing_email_missing = franchisee { $id } has no billing e-mail in its contract
problem-smtp_not_configured = e-mail is not set up on this server (--smtp-url): nothing can be sent
problem-statement_email_failed = the statement could not be e-mailed to { $to }: { $detail }
problem-contract_prenotification_days = the direct-debit notice must be between 1 and { $max } days (SEPA: { $max } unless the contract agrees fewer)
problem-remittance_notice_too_short = { $debtor } must be told of the debit { $days } days before it is collected: the earliest collection date is { $earliest }

# Document archive (issue 14).
problem-archive_empty_file = the file is empty: choose the scanned document to upload
problem-archive_too_big = the file has { $size } bytes: the archive takes files of at most { $max } bytes
problem-archive_bad_type = the file is not a PDF or an image (PNG, JPEG, TIFF): only those are archived
problem-archive_bad_kind = "{ $kind }" is not a kind of document HQ uploads (supplier_invoice, contract, mandate, other)
problem-archive_one_owner = a document belongs to one franchisee or one supplier: name exactly one
problem-archive_unknown_franchisee = franchisee { $id } does not exist
problem-archive_unknown_supplier = supplier { $id } does not exist
problem-archive_bad_number = the document needs its number (at most 100 characters)
problem-archive_bad_date = "{ $date }" is not the document's date: a day written YYYY-MM-DD, not in the future
problem-archive_not_found = archived document { $id } does not exist
problem-archive_export_needs = the export is of one franchisee and one month: name both
problem-archive_bad_cursor = "{ $after }" is not where a page of the archive ends: follow the next link of the page before
problem-archive_retention_below_legal = { $years } years is less than the law allows: documents are kept at least { $min } years (Código de Comercio art. 30)
problem-archive_retention_bad = "{ $years }" is not a retention: whole years, from 6 to 100
problem-remittance_all_held = Every debit of remittance { $id } was held out of it (their pre-notifications could not be sent in time): there is no file to send.
problem-tills_need_update = these tills cannot apply this change ({ $kinds }) until their software is updated: { $tills }. Update them first, or force the change (an HQ admin: force=true on the API, the confirmation on the dashboard); forcing is recorded in the audit log

## Quick keys

problem-quick_keys_not_found = Store { $store } has no quick keys of its own (it uses the franchise's).
problem-quick_key_unknown_product = Line { $line }: product { $id } does not exist.
problem-quick_key_line_bad = Line { $line }: “{ $text }” cannot be read; write “page ; SKU ; label ; colour” (label and colour optional).
problem-quick_key_unknown_sku = Line { $line }: no product has SKU { $sku }.
problem-quick_key_bad_colour = Line { $line }: “{ $colour }” is not a key colour (red, orange, yellow, green, teal, blue, purple or grey).
problem-quick_keys_too_many = A layout holds at most { $max } keys; this one has { $count }.
problem-quick_keys_too_many_pages = A layout holds at most { $max } pages; this one has { $count }.
problem-quick_key_empty_page = Line { $line }: the page name is missing.
problem-quick_key_too_long = Line { $line }: a page name or key label is at most { $max } characters.
problem-quick_key_twice = Line { $line }: product { $id } is already on page “{ $page }”.
problem-quick_keys_family_empty = Family “{ $family }” has no active products.
problem-customer_not_found = There is no customer { $id }.
problem-customer_consent_without_email = Consent to e-mail needs an e-mail address.
problem-mail_document_kind = A document of kind { $kind } is not sent by e-mail.
problem-report_mail_too_many = A push carries at most { $max } reports to e-mail; the rest go in the next one.
problem-report_mail_too_large = The report's PDF is { $bytes } bytes, more than the { $max } a report e-mail may carry.
problem-report_mail_not_pdf = The report's attachment is not a PDF.
problem-report_mail_file_name = "{ $name }" is not a valid PDF file name (letters, digits, '-', '_', '.', ending in .pdf).
problem-report_mail_subject = A report e-mail's subject is 1 to { $max } characters, with no line breaks.

problem-promotion_not_found = There is no promotion { $id }.
problem-promotion_unknown_product = Product { $line }: product { $id } does not exist.
problem-promotion_already_ended = Promotion { $id } has already ended.
problem-promotion_bad_name = A promotion's name has 1 to { $max } characters.
problem-promotion_bad_products = A promotion needs 1 to { $max } different products.
problem-promotion_bundle_too_small = A bundle needs at least two products.
problem-promotion_bad_percent = The percentage must be more than 0 and at most 100.
problem-promotion_bad_n_for_m = “Take N, pay M” needs 2 ≤ N ≤ { $max } and 1 ≤ M < N.
problem-promotion_bad_bundle_price = The bundle price must be positive.
problem-promotion_ends_before_start = The promotion ends before it starts.
problem-promotion_unknown_family = Family “{ $family }” has no active products.
problem-promotion_no_target = Give a family or at least one product.
problem-price_schedule_not_found = There is no scheduled price change { $id }.
problem-price_schedule_in_force = Scheduled price change { $id } is already in force or cancelled: it cannot be cancelled.
problem-price_schedule_past = A price change is scheduled for tomorrow or later.
problem-price_schedule_bad_price = The price must be between 0.00 and 1,000,000.00.
