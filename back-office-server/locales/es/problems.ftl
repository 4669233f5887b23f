# Por qué HQ rechazó algo, por código estable (`problem-<código>`): la API JSON responde con el
# código y el texto en inglés, el panel muestra el texto en el idioma de quien lo mira. Mismas claves
# y argumentos en todos los idiomas (lo comprueba un test).

## No encontrado

problem-store_not_found = La tienda { $id } no existe.
problem-franchisee_not_found = El franquiciado { $id } no existe.
problem-till_not_found = La caja { $id } no existe.
problem-staff_not_found = La persona { $id } no existe en el personal.
problem-product_not_found = El producto { $id } no existe.
problem-barcode_not_found = El código de barras { $code } no existe.
problem-barcode_rule_not_found = La regla de balanza { $id } no existe.
problem-delivery_note_not_found = El albarán { $id } no existe.
problem-job_run_not_found = La ejecución { $id } no existe.

## Ya usado

problem-barcode_taken = El código de barras { $code } ya es del producto { $product }.
problem-sku_taken = El SKU { $sku } ya es del producto { $product }.
problem-nif_taken = El NIF { $nif } ya pertenece al franquiciado { $franchisee }.
problem-barcode_rule_prefix_taken = Ya hay una regla de balanza con el prefijo { $prefix }: cámbiala o bórrala.
problem-tax_rate_name_taken = Ya hay un tipo de IVA llamado «{ $name }».
problem-user_name_taken = Ya hay un usuario del panel llamado «{ $name }».
problem-barcode_listed_twice = El código de barras { $code } aparece dos veces en el producto { $sku }.
problem-already_in_use = { $what ->
    [barcode_rule] Ya hay una regla de balanza con ese prefijo.
    [barcode] Ese código de barras ya es de un producto.
    [sku] Ese SKU ya es de un producto.
    [nif] Ese NIF ya pertenece a un franquiciado.
    [tax_rate] Ya hay un tipo de IVA con ese nombre.
    [token] Ese token ya está en uso.
    [code] Ese código de alta ya está en uso.
   *[other] Ese valor ya está en uso.
}

## Datos rechazados

problem-unknown_tax_rate = El tipo de IVA { $id } no existe.
problem-store_does_not_exist = La tienda { $id } no existe.
problem-product_does_not_exist = El producto { $id } no existe.
problem-enrolment_code_invalid = El código de alta no existe, ya se usó o ha caducado.
problem-not_a_count = { $value } documentos en espera no es un número válido.
problem-too_large = { $what } { $value } es demasiado grande.
problem-field_empty = El campo { $field } no puede estar vacío.
problem-field_too_long = El campo { $field } admite como mucho { $max } caracteres.
problem-price_negative = { $field } { $value } no puede ser negativo.
problem-price_too_large = { $field } { $value } es demasiado alto.
problem-cash_tolerance_negative = La tolerancia de caja { $value } no puede ser negativa.
problem-cash_tolerance_too_high = La tolerancia de caja { $value } supera el máximo de { $max }.
problem-nif_invalid = El NIF «{ $value }» no es válido: { $reason ->
    [length] un NIF, CIF o NIE español tiene 9 caracteres
    [dni_format] un DNI son 8 cifras y una letra
    [dni_letter] la letra de control no cuadra: un DNI con estas cifras termina en { $want }
    [nie_format] un NIE es X, Y o Z, 7 cifras y una letra
    [nie_letter] la letra de control no cuadra: un NIE con estas cifras termina en { $want }
    [special_format] un NIF K, L o M es la letra, 7 cifras y una letra
    [special_letter] la letra de control no cuadra: debería terminar en { $want }
    [cif_format] un CIF es una letra, 7 cifras y un carácter de control
    [cif_control] el carácter de control no cuadra: este CIF termina en { $want }
   *[kind] no empieza como un DNI, un NIE ni un CIF
}.
problem-barcode_invalid = El código de barras «{ $code }» no es válido: { $reason ->
    [empty] está vacío
    [digits] solo puede tener cifras
    [length] un EAN-13, EAN-8 o UPC-A tiene 13, 8 o 12 cifras
   *[check] el dígito de control no cuadra (debería ser { $want })
}.
problem-barcode_duplicate_in_request = El código de barras { $code } aparece dos veces.
problem-pin_invalid = El PIN debe tener de 4 a 8 cifras.
problem-password_too_short = La contraseña debe tener al menos { $min } caracteres.
problem-user_name_invalid = El nombre de usuario debe tener de 1 a 64 caracteres: letras, cifras, . _ - @
problem-manager_needs_store = Un encargado necesita al menos una tienda.
problem-hq_user_has_no_stores = Solo un encargado tiene tiendas; un usuario de HQ ve todas.
problem-tax_rate_out_of_range = El tipo { $value } debe estar entre 0,00 y 100,00.
problem-report_from_after_to = La fecha inicial ({ $from }) es posterior a la final ({ $to }).
problem-report_too_long = Un informe abarca como mucho { $days } días.
problem-category_too_long = La categoría admite como mucho { $max } caracteres.
problem-delivery_no_lines = Un albarán necesita al menos una línea.
problem-delivery_supplier = El proveedor u origen debe tener de 1 a 200 caracteres.
problem-delivery_date = La fecha prevista «{ $value }» no es una fecha (AAAA-MM-DD).
problem-delivery_too_many_lines = Un albarán admite como mucho { $max } líneas, no { $count }.
problem-delivery_lines = { $lines }

## El servidor y su base de datos

problem-database_url = { $detail }
problem-database_newer = La base de datos está en la versión { $found } del esquema, pero este programa solo conoce hasta la { $known }: usa un back-office-server más nuevo (no se adivina).

## Facturación a franquiciados

problem-invoice_not_found = No existe la factura { $id }.
problem-contract_version_overlaps = La versión que empieza en { $from } se solapa con la versión vigente desde { $existing }: una nueva versión debe empezar después de la última.
problem-contract_period_invoiced = No se puede empezar una versión en { $from }: el mes { $period } ya está facturado con las condiciones anteriores.
problem-invoicing_issuer_missing = Faltan los datos fiscales de la central (razón social, NIF, dirección, IBAN): rellénalos antes de facturar.
problem-credit_note_of_credit_note = { $number } ya es una factura rectificativa; se rectifica la factura original.
problem-bad_month = «{ $month }» no es un mes con la forma AAAA-MM.
problem-bad_billing_address = La dirección de facturación no es válida: { $detail }.
problem-contract_tier_gap = Hay un hueco en la tabla de royalties: el tramo { $band } acaba en { $to } y el siguiente empieza en { $next }.
problem-contract_tier_overlap = La tabla de royalties se solapa: el tramo { $band } acaba en { $to } y el siguiente empieza en { $next }.
problem-contract_bad_percent = El porcentaje { $percent } ({ $what }) debe estar entre 0 y 100.
problem-contract_negative_amount = El importe { $amount } ({ $what }) no puede ser negativo.
problem-contract_terms = Las condiciones del contrato no son válidas: { $detail }
problem-contract_payment_days = El plazo de pago no puede pasar de { $max } días.
problem-bad_email = «{ $email }» no es una dirección de correo válida.
problem-bad_mandate_reference = La referencia del mandato SEPA es obligatoria y tiene como mucho 35 caracteres.
problem-bad_iban = «{ $iban }» no es un IBAN válido.
problem-bad_issuer = Los datos fiscales de la central no son válidos: { $detail }
problem-invoice_compose = No se pudo redactar la factura: { $detail }
problem-invoice_nothing_to_invoice = El franquiciado { $franchisee } no tiene nada que facturar en { $period }.
problem-credit_note_description = Indica el motivo de la rectificativa (como mucho 200 caracteres).
problem-credit_note_negative_line = La factura { $number } tiene líneas en negativo: rectifícala línea a línea.
problem-period_not_closed = El mes { $period } aún no ha terminado: se factura cuando está cerrado.
problem-contract_amount_too_large = Ningún importe del contrato puede pasar de { $max }.

## Envío VERI*FACTU y certificados

problem-secret_key_missing = El servidor no tiene clave secreta con la que sellar los certificados: defina TRASTIENDA_SECRET_KEY (64 caracteres hexadecimales) o TRASTIENDA_SECRET_KEY_FILE.
problem-secret_key_invalid = La clave secreta del servidor debe tener 64 caracteres hexadecimales (32 bytes).
problem-secret_key_unreadable = No se puede leer el fichero de la clave secreta del servidor: { $detail }
problem-certificate_unsealable = El certificado guardado no se puede abrir con la clave secreta de este servidor.
problem-certificate_size = El certificado debe ser un PKCS#12 (.p12 / .pfx) de { $max } bytes como máximo.
problem-certificate_unreadable = El fichero no es un certificado PKCS#12 que abra esta contraseña: { $detail }
problem-certificate_no_key = El fichero PKCS#12 no contiene una clave privada con su certificado.
problem-certificate_expired = El certificado caducó el { $date }.
problem-certificate_hq_nif = { $nif } no es un NIF válido para la central.
problem-certificate_hq_name = El certificado de la central necesita su razón social.
problem-certificate_owner = Indique de quién es el certificado: el id de un franquiciado o «hq».
problem-certificate_base64 = pkcs12_base64 no está en base64.
problem-verifactu_envelope = No se puede construir el envío VERI*FACTU: { $detail }

## Existencias (inventario en la central)

problem-stock_cost_not_a_number = El coste «{ $value }» no es un número como 1,25.
problem-stock_cost_decimals = El coste { $value } tiene más de cuatro decimales.
problem-stock_cost_negative = El coste { $value } no puede ser negativo.
problem-stock_cost_too_large = El coste { $value } supera el máximo de { $max }.
problem-stock_unknown_code = Ningún producto tiene el SKU o código «{ $code }».
problem-stock_no_product = Falta el producto (su id, SKU o código de barras).
problem-supplier_not_found = No existe el proveedor { $id }.
problem-supplier_name_taken = Ya hay un proveedor llamado «{ $name }».
problem-supplier_does_not_exist = El proveedor { $id } no existe.
problem-supplier_other_franchisee = El proveedor { $supplier } sirve a las tiendas de otro franquiciado, no a la tienda { $store }.
problem-franchisee_does_not_exist = El franquiciado { $id } no existe.
problem-replenish_bad_quantity = { $field } «{ $value }» no es una cantidad como 12 o 2,500.
problem-replenish_negative = { $field } { $value } no puede ser negativo.
problem-replenish_pack_zero = El tamaño del paquete debe ser mayor que cero.
problem-replenish_bad_days = { $field } «{ $value }» no es un número de días entre 0 y 365.
problem-replenish_supplier_name = El nombre del proveedor debe tener de 1 a 200 caracteres.
problem-replenish_bad_email = «{ $value }» no es una dirección de correo.
problem-replenish_bad_order_days = Los días de pedido «{ $value }» no son números de día de la semana 1–7 (1 = lunes), p. ej. 1,4.
problem-replenish_bad_minimum = El pedido mínimo «{ $value }» no es un importe en euros.
problem-replenish_unknown_supplier = Ningún proveedor se llama o tiene el número «{ $value }».
problem-replenish_unknown_store = No hay ninguna tienda con el número «{ $value }».
problem-replenish_family_missing = La familia no puede estar vacía.
problem-replenish_nothing_to_order = Hoy no hay nada que pedir a este proveedor para esta tienda.
problem-replenish_not_central = Solo un pedido al almacén central se convierte en albarán.
problem-alert_not_found = No hay ningún aviso { $id }.
problem-alert_resolved_already = El aviso { $id } ya está resuelto.
problem-digest_needs_email = Para recibir el resumen diario hace falta una dirección de correo.

## Personas y accesos

problem-user_not_found = No existe el usuario del panel { $id }.
problem-user_name_not_found = Ningún usuario del panel se llama «{ $name }».
problem-token_not_found = No existe el token de API { $id }.
problem-last_admin = Es el último administrador activo: haz antes administrador a otro usuario.
problem-current_password_wrong = La contraseña actual no es correcta; no se ha cambiado nada.
problem-new_password_same = La contraseña nueva es igual que la actual; no se ha cambiado nada.

# Cobros
problem-payment_amount_not_positive = El cobro debe ser mayor que cero (era { $amount }).
problem-payment_reference_too_long = La referencia del cobro tiene más de { $max } caracteres.
problem-payment_not_found = No existe el cobro { $id }.
problem-bad_payment_method = «{ $value }» no es una forma de pago (transfer, direct_debit, card, cash).
problem-allocation_invoice_not_found = No existe la factura { $id }.
problem-allocation_other_franchisee = La factura { $number } no es del franquiciado { $franchisee }.
problem-allocation_not_an_invoice = { $number } es una factura rectificativa: los cobros se aplican a facturas.
problem-invoice_cancelled = La factura { $number } está anulada por una rectificativa: no se le puede aplicar ningún cobro.
problem-allocation_not_positive = El importe aplicado a la factura { $number } debe ser mayor que cero.
problem-allocation_exceeds_open = { $amount } es más de lo pendiente de la factura { $number } ({ $open }).
problem-allocation_exceeds_payment = Lo aplicado suma { $allocated }, más que el cobro ({ $amount }).
problem-bank_statement_empty = El fichero del extracto está vacío.
problem-bank_statement_unreadable = No se puede leer el extracto: { $detail }
problem-bank_line_not_found = No existe la línea de extracto { $id }.
problem-bank_line_not_open = La línea de extracto { $id } está en estado { $status }: solo un cobro sin casar se puede casar a mano.
problem-bad_day = «{ $value }» no es una fecha escrita AAAA-MM-DD.
problem-mandate_bad_reference = La referencia del mandato { $detail }
problem-mandate_bad_name = El nombre del deudor debe tener de 1 a 70 caracteres.
problem-mandate_bad_scheme = «{ $value }» no es un esquema de adeudo SEPA (CORE o B2B).
problem-mandate_signed_in_future = El mandato no puede estar firmado el { $date }, que aún no ha llegado.
problem-mandate_reference_taken = Ya hay un mandato con la referencia { $reference }.
problem-mandate_not_found = No existe el mandato { $id }.
problem-creditor_id_missing = Falta el identificador de acreedor SEPA de la central: ponlo en los datos fiscales (Facturación).
problem-remittance_invalid = No se puede generar la remesa: { $detail }
problem-remittance_date_past = La fecha de cobro { $date } debe ser posterior a hoy.
problem-remittance_nothing_due = No hay facturas vencidas y pendientes a { $date }.
problem-remittance_no_mandate = Hay { $count } facturas vencidas, pero ninguno de sus franquiciados tiene un mandato válido (firmado, sin revocar, usado en los últimos 36 meses).
problem-remittance_not_found = No existe la remesa { $id }.
problem-remittance_file_not_found = La remesa { $id } no tiene un fichero anterior { $file }.
problem-returns_unreadable = No se puede leer el fichero de devoluciones: { $detail }
problem-bad_bic = El BIC no es válido: { $detail }
problem-dunning_levels_count = Indica entre 1 y 10 niveles de reclamación.
problem-dunning_days_not_increasing = El nivel { $level } debe llegar más días después del vencimiento que el anterior (como mucho 3.650).
problem-dunning_text_missing = El nivel { $level } necesita su asunto y su texto en español y en inglés (como mucho 5.000 caracteres cada uno).
problem-payment_amount_too_large = { $amount } es más de lo que puede ser un cobro (999.999.999,99).
# Pedidos y traspasos (issue 13)
problem-purchase_order_not_found = El pedido { $id } no existe.
problem-purchase_order_not_draft = El pedido ya no es un borrador.
problem-purchase_order_not_approved = El pedido no está aprobado y pendiente de recibir.
problem-purchase_order_empty = El pedido necesita al menos una línea.
problem-purchase_order_too_many = Un pedido puede tener como mucho { $max } líneas.
problem-purchase_order_bad_quantity = La cantidad de la línea { $line } debe ser mayor que cero.
problem-purchase_order_duplicate_product = La línea { $line } repite un producto de otra línea.
problem-purchase_order_nothing_outstanding = No queda nada pendiente que enviar de este pedido (o ya hay un albarán esperando).
problem-transfer_not_found = El traspaso { $id } no existe.
problem-transfer_same_store = Un traspaso va de una tienda a otra distinta.
problem-transfer_other_franchisee = Solo se traspasa mercancía entre tiendas del mismo franquiciado.
problem-transfer_not_draft = El traspaso ya no es un borrador: ya se envió o se descartó.
problem-replenish_bad_language = El idioma «{ $value }» no es es (español) ni en (inglés).
problem-purchase_order_not_emailable = El pedido no se puede enviar por correo: no está aprobado, es para el almacén central o el proveedor no tiene correo.
problem-replenish_bad_hour = La hora «{ $value }» no es una hora de 0 a 23.
problem-replenish_bad_dead_days = «{ $value }» no es un número de días entre 1 y 3650.
# Franchise invoicing, second part (issue 14): partial credit notes, send now, journal.
problem-credit_note_bad_line = La factura { $number } no tiene línea { $line } (o se ha indicado dos veces).
problem-credit_note_bad_amount = El importe a abonar de la línea { $line } debe ser mayor que cero ({ $amount }).
problem-credit_note_exceeds = La línea { $line } solo tiene { $left } por abonar: no se pueden abonar { $amount }.
problem-credit_note_nothing_left = A la factura { $number } no le queda nada por abonar.
problem-invoicing_run_not_found = No existe la facturación { $id }.
problem-journal_export = No se pudieron escribir los asientos: { $detail }

# franchisee users and statement e-mails (helper franchisee)
problem-franchisee_user_needs_franchisee = Un usuario de franquiciado pertenece a un franquiciado: elígelo.
problem-franchisee_user_has_no_stores = Un usuario de franquiciado ve todas las tiendas de su franquiciado: no marques tiendas.
problem-only_franchisee_users_have_franchisee = Solo un usuario de franquiciado pertenece a un franquiciado.
problem-billing_email_missing = El franquiciado { $id } no tiene correo de facturación en su contrato.
problem-smtp_not_configured = El correo no está configurado en este servidor (--smtp-url): no se puede enviar.
problem-statement_email_failed = No se pudo enviar el extracto a { $to }: { $detail }
problem-contract_prenotification_days = El preaviso del adeudo debe estar entre 1 y { $max } días (SEPA: { $max } salvo que el contrato acuerde menos).
problem-remittance_notice_too_short = A { $debtor } hay que avisarle del adeudo { $days } días antes de cobrarlo: la primera fecha de cobro posible es { $earliest }.

# Archivo de documentos (issue 14).
problem-archive_empty_file = El archivo está vacío: elige el documento escaneado que quieres subir.
problem-archive_too_big = El archivo tiene { $size } bytes: el archivo admite ficheros de { $max } bytes como máximo.
problem-archive_bad_type = El archivo no es un PDF ni una imagen (PNG, JPEG, TIFF): solo se archivan esos.
problem-archive_bad_kind = «{ $kind }» no es un tipo de documento que suba la central (supplier_invoice, contract, mandate, other).
problem-archive_one_owner = Un documento es de un franquiciado o de un proveedor: indica exactamente uno.
problem-archive_unknown_franchisee = No existe el franquiciado { $id }.
problem-archive_unknown_supplier = No existe el proveedor { $id }.
problem-archive_bad_number = Falta el número del documento (100 caracteres como máximo).
problem-archive_bad_date = «{ $date }» no es la fecha del documento: un día con la forma AAAA-MM-DD, no futuro.
problem-archive_not_found = No existe el documento archivado { $id }.
problem-archive_export_needs = La exportación es de un franquiciado y un mes: indica los dos.
problem-archive_bad_cursor = «{ $after }» no es donde acaba una página del archivo: sigue el enlace «siguiente» de la página anterior.
problem-archive_retention_below_legal = { $years } años es menos de lo que exige la ley: los documentos se conservan al menos { $min } años (Código de Comercio, art. 30).
problem-archive_retention_bad = «{ $years }» no es un plazo de conservación: años enteros, de 6 a 100.
problem-remittance_all_held = Todos los adeudos de la remesa { $id } se retuvieron (sus preavisos no pudieron enviarse a tiempo): no hay fichero que enviar.
problem-tills_need_update = Estas cajas no pueden aplicar este cambio ({ $kinds }) hasta que se actualice su programa: { $tills }. Actualícelas primero o fuerce el cambio (un administrador de la central: force=true en la API, la confirmación en el panel); forzarlo queda en el registro de auditoría.

## Teclas rápidas

problem-quick_keys_not_found = La tienda { $store } no tiene teclas rápidas propias (usa las de la franquicia).
problem-quick_key_unknown_product = Línea { $line }: el producto { $id } no existe.
problem-quick_key_line_bad = Línea { $line }: «{ $text }» no se entiende; escribe «página ; SKU ; texto ; color» (texto y color opcionales).
problem-quick_key_unknown_sku = Línea { $line }: no hay ningún producto con el SKU { $sku }.
problem-quick_key_bad_colour = Línea { $line }: «{ $colour }» no es un color de tecla (rojo, naranja, amarillo, verde, turquesa, azul, morado o gris).
problem-quick_keys_too_many = Una distribución admite como mucho { $max } teclas; esta tiene { $count }.
problem-quick_keys_too_many_pages = Una distribución admite como mucho { $max } páginas; esta tiene { $count }.
problem-quick_key_empty_page = Línea { $line }: falta el nombre de la página.
problem-quick_key_too_long = Línea { $line }: el nombre de la página y el texto de la tecla tienen como mucho { $max } caracteres.
problem-quick_key_twice = Línea { $line }: el producto { $id } ya está en la página «{ $page }».
problem-quick_keys_family_empty = La familia «{ $family }» no tiene productos activos.
problem-customer_not_found = No existe el cliente { $id }.
problem-customer_consent_without_email = Para aceptar el envío por correo hace falta un correo electrónico.
problem-mail_document_kind = Un documento de tipo { $kind } no se envía por correo.
problem-report_mail_too_many = Un envío lleva como mucho { $max } informes para enviar por correo; el resto va en el siguiente.
problem-report_mail_too_large = El PDF del informe ocupa { $bytes } bytes, más de los { $max } que admite un informe por correo.
problem-report_mail_not_pdf = El adjunto del informe no es un PDF.
problem-report_mail_file_name = «{ $name }» no es un nombre de PDF válido (letras, cifras, «-», «_», «.», y termina en .pdf).
problem-report_mail_subject = El asunto de un informe por correo tiene entre 1 y { $max } caracteres, sin saltos de línea.

problem-promotion_not_found = No existe la promoción { $id }.
problem-promotion_unknown_product = Producto { $line }: el producto { $id } no existe.
problem-promotion_already_ended = La promoción { $id } ya ha terminado.
problem-promotion_bad_name = El nombre de la promoción debe tener entre 1 y { $max } caracteres.
problem-promotion_bad_products = Una promoción necesita entre 1 y { $max } productos distintos.
problem-promotion_bundle_too_small = Un pack necesita al menos dos productos.
problem-promotion_bad_percent = El porcentaje debe ser mayor que 0 y como mucho 100.
problem-promotion_bad_n_for_m = «Lleva N, paga M» necesita 2 ≤ N ≤ { $max } y 1 ≤ M < N.
problem-promotion_bad_bundle_price = El precio del pack debe ser positivo.
problem-promotion_ends_before_start = La promoción termina antes de empezar.
problem-promotion_unknown_family = No hay productos activos en la familia «{ $family }».
problem-promotion_no_target = Indica una familia o al menos un producto.
problem-price_schedule_not_found = No existe el cambio de precio programado { $id }.
problem-price_schedule_in_force = El cambio de precio { $id } ya está en vigor o cancelado: no se puede cancelar.
problem-price_schedule_past = Un cambio de precio se programa para mañana o después.
problem-price_schedule_bad_price = El precio debe estar entre 0,00 y 1.000.000,00.
