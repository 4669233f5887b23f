# The HQ dashboard in Spanish (the reference text; a key missing in English falls back to this).
# Arguments are pre-formatted by the code (money, dates, numbers), never formatted by Fluent.

## Shared words

yes = sí
no = no
total = Total
save = Guardar
create = Crear
quoted = «{ $text }»
choose-a-store = Elige una tienda.
pager-previous = Anterior
pager-next = Siguiente
pager-page = Página { $page }
ago-now = hace menos de 1 min
ago-min = hace { $min } min
ago-hours = hace { $h } h { $min } min
ago-days = hace { $d } d { $h } h
chart-this-period = este periodo
chart-previous-period = periodo anterior

## Layout

nav-overview = Resumen
nav-catalog = Catálogo
nav-barcode-rules = Balanzas
nav-stores = Tiendas
nav-deliveries = Albaranes
nav-tills = Cajas
nav-staff = Personal
nav-reports = Informes
sign-out = Salir
lang-switch-label = Idioma
role-admin = administración central
role-analyst = analista
role-manager = encargado de tienda

## Columns and fields used on several pages

col-store = Tienda
col-till = Caja
col-product = Producto
col-barcodes = Códigos
col-vat = IVA
col-price = Precio
col-active = Activo
col-role = Rol
col-state = Estado
col-domicile = Domicilio
col-cash-tolerance = Margen de descuadre
field-name = Nombre
field-address = Dirección
field-legal-name = Razón social
field-tax-address = Domicilio fiscal
field-franchisee = Franquiciado
field-receipt-header = Cabecera del ticket
field-receipt-footer = Pie del ticket
field-cash-tolerance = Margen de descuadre de caja (€)
field-price = precio
field-store-price = precio de tienda
field-tolerance-name = margen de descuadre

## Errors

error-title-forbidden = Sin permiso
error-title-not-found = No encontrado
error-title-invalid = Revisa los datos
error-title-too-many = Demasiados intentos
error-title-server = Error del servidor
error-title-other = Error
error-nothing-saved = No se ha guardado nada.
error-back = Volver al panel
error-not-found = No existe o no tienes acceso.
error-bad-form = El formulario no es válido: { $detail }
error-bad-query = Parámetros no válidos: { $detail }
error-bad-language = Idioma «{ $lang }» desconocido: elige es o en.
error-csrf = El formulario ha caducado o no viene de este panel (falta el token CSRF). Recarga la página e inténtalo de nuevo.
error-read-only = Tu rol ({ $role }) es de solo lectura: no puedes cambiar datos.
price-missing = Falta el { $field }.
price-invalid = El { $field } «{ $value }» no es un importe válido (por ejemplo 2,49).
price-negative = El { $field } no puede ser negativo.

## Sign-in

login-title = Entrar
login-username = Usuario
login-password = Contraseña
login-csrf = El formulario de entrada ha caducado (falta el token CSRF). Vuelve a abrir /dashboard/login.
login-too-many = Demasiados intentos fallidos. Por seguridad, espera { $wait } antes de volver a intentarlo.
wait-seconds = { $n } s
wait-minutes = { $n } min
login-wrong = Usuario o contraseña incorrectos.
logout-csrf = El formulario ha caducado (falta el token CSRF).

## Overview

overview-title = Resumen
overview-heading = Resumen de hoy
overview-today-sales = Ventas de hoy
overview-tickets = Tickets
overview-offline-kpi = Cajas sin sincronizar (> { $hours } h)
overview-open-alerts = Alertas abiertas
overview-by-store = Ventas por tienda
overview-sales = Ventas
overview-offline-tills = Cajas sin conexión
overview-alerts = Alertas
overview-refresh = Se actualiza cada { $seconds } s · { $now }
overview-last-sync = última sincronización { $ago } ({ $when })
overview-never-synced = nunca ha sincronizado
overview-all-synced = Todas las cajas han sincronizado en las últimas { $hours } h.
overview-no-alerts = No hay alertas abiertas.
alert-conflict = Conflicto de sincronización
alert-gap = Hueco en la secuencia
alert-chain-break = Cadena rota
alert-delivery-difference = Albarán con diferencias
alert-delivery-unknown = Albarán desconocido

## Catalog

catalog-title = Catálogo
catalog-search-label = Buscar (nombre, SKU o código)
catalog-search = Buscar
catalog-export = Exportar CSV
catalog-empty = Ningún producto coincide con la búsqueda.
catalog-bad-page = la página «{ $page }» no existe: pon un número entero de 1 a { $max }.
catalog-bulk-title = Cambio de precios en bloque
catalog-bulk-help = Se aplica a todos los productos que coinciden con la búsqueda actual ({ $what }).
catalog-bulk-all = todo el catálogo
catalog-bulk-percent = Porcentaje (+/−)
catalog-bulk-placeholder = 5 o -10
catalog-bulk-apply = Aplicar
catalog-bulk-not-a-number = El porcentaje «{ $value }» no es un número (por ejemplo 5 o -10).
catalog-bulk-out-of-range = El porcentaje debe estar entre −{ $max } y +{ $max } y no ser 0 (y una bajada no puede llegar al −100 %).
catalog-bulk-no-match = Ningún producto coincide con la búsqueda.
catalog-bulk-done = Precio cambiado un { $percent } % en { $count } productos
catalog-import-title = Importar CSV
catalog-import-help = Columnas: sku,name,tax_rate,price,barcodes (IVA en %, precio con IVA, códigos separados por espacios). Un SKU nuevo crea el producto; uno existente actualiza nombre y precio.
catalog-import-button = Importar
catalog-hq-price-label = Precio central (IVA incl.)
catalog-category-label = Categoría
catalog-category-none = sin categoría
catalog-category-invalid = La categoría tiene como mucho 100 caracteres, sin saltos de línea.
catalog-hq-price-shown = { $price } (central)
catalog-store-price-placeholder = vacío = precio central
catalog-product-summary = IVA { $rate } · códigos { $codes } · precio central
catalog-store-prices = Precio por tienda
catalog-store-price = Precio en tienda
catalog-name-invalid = El nombre no puede estar vacío (máximo 200 caracteres).
catalog-hq-price-saved = Precio central guardado: { $price }
catalog-store-price-saved = Precio de la tienda { $store } guardado: { $price }
catalog-store-price-cleared = La tienda { $store } vuelve al precio central
import-empty = El CSV está vacío.
import-bad-header = La primera línea del CSV debe nombrar las columnas sku,name,tax_rate,price (y opcionalmente barcodes).
import-too-many-rows = Un CSV puede tener como mucho { $max } filas.
import-bad-line = Línea { $line }: { $reason }. No se ha importado nada.
import-bad-rate = el IVA «{ $value }» no es un porcentaje
import-unknown-rate = no hay ningún tipo de IVA del { $rate }
import-duplicate-sku = el SKU { $sku } aparece dos veces
import-no-rows = El CSV no tiene filas de productos.
import-done = Importación: { $created } productos nuevos, { $updated } actualizados

## Franchisees and stores

stores-title = Tiendas
stores-heading = Franquiciados y tiendas
stores-franchisees = Franquiciados
stores-no-franchisees = Todavía no hay franquiciados.
stores-no-stores = Todavía no hay tiendas.
stores-new-franchisee = Nuevo franquiciado
stores-new-store = Nueva tienda
stores-receipt-header-long = Cabecera del ticket (bajo los datos fiscales)
stores-cash-tolerance-long = Margen de descuadre de caja (€): por encima, el cierre Z necesita la aprobación de un encargado
stores-store-heading = Tienda { $id }: { $name }
stores-store-save-help = Las cajas de la tienda reciben el cambio en su próxima sincronización.
stores-store-read-only = Solo lectura: los datos de la tienda los cambia la central.
stores-franchisee-heading = Franquiciado { $id }: { $name }
stores-franchisee-save-help = Los tickets de todas sus tiendas llevarán los datos nuevos.
stores-franchisee-read-only = Solo lectura: los datos fiscales los cambia la central.
stores-franchisee-no-stores = Este franquiciado aún no tiene tiendas.
stores-legal-name-invalid = Falta la razón social (máximo 200 caracteres).
stores-domicile-too-long = El domicilio admite como mucho 300 caracteres.
stores-address-too-long = La dirección admite como mucho 300 caracteres.
stores-choose-franchisee = Elige el franquiciado de la tienda.
stores-name-invalid = Falta el nombre de la tienda (máximo 200 caracteres).
stores-nif-invalid = NIF/CIF «{ $value }» no válido: { $reason }
stores-receipt-header-too-long = La cabecera del ticket admite como mucho { $max } caracteres.
stores-receipt-footer-too-long = El pie del ticket admite como mucho { $max } caracteres.
stores-tolerance-too-high = El margen de descuadre no puede pasar de { $max }.
stores-franchisee-created = Franquiciado creado: { $name }
stores-franchisee-saved = Franquiciado guardado: { $name }
stores-store-created = Tienda creada: { $name }
stores-store-saved = Tienda guardada: { $name }

## Staff

staff-title = Personal
staff-new = Nueva persona
staff-empty = Todavía no hay personal en tus tiendas.
staff-role-manager = encargado
staff-role-cashier = cajero
staff-active = activo
staff-inactive = baja
staff-pin-label = PIN (4–8 cifras)
staff-name-invalid = Falta el nombre (máximo 200 caracteres).
staff-choose-role = Elige el rol: cajero o encargado.
staff-choose-store = Elige la tienda.
staff-pin-invalid = El PIN debe tener de 4 a 8 cifras.
staff-created = Alta de { $name } guardada

## Tills

tills-title = Cajas
tills-empty = Todavía no hay cajas en tus tiendas.
tills-revoked = revocada
tills-active = activa
tills-pending = pendiente de alta
tills-never = nunca
tills-chain-broken = rota
tills-chain-intact = íntegra
tills-revoke = Revocar
tills-last-sync = Última sincronización
tills-documents = Documentos
tills-gaps = Huecos
tills-conflicts = Conflictos
tills-chain = Cadena
tills-waiting = En espera en la caja
tills-waiting-none = sin informe
tills-waiting-one = 1 documento en espera
tills-waiting-count = { $n } documentos en espera
tills-waiting-reported = informado { $ago }
tills-waiting-stale = informe antiguo
tills-software = Software
tills-software-none = sin informe
tills-software-update = necesita actualizarse (omitido: { $kinds })
tills-new = Dar de alta una caja
tills-default-name = Caja 2
tills-create-code = Crear código de alta
tills-choose-store = Elige la tienda de la caja.
tills-name-missing = Falta el nombre de la caja.
tills-code-title = Código de alta
tills-code-heading = Código de alta de { $name }
tills-code-help = Escribe este código en la caja (Ajustes → Alta en la central) o escanea el QR. Sirve una sola vez y caduca el { $expires }.
tills-code-once = No se volverá a mostrar.
tills-revoked-done = Caja { $id } revocada: su token ya no sirve

## Scale barcode rules

rules-title = Códigos de balanza
rules-intro-1 = Etiquetas EAN-13 de peso o precio variable (prefijos GS1 20–29), iguales en todas las tiendas. El producto se busca por su código con el valor a ceros: por ejemplo, la etiqueta
rules-intro-2 = es del producto que tiene el código
rules-col-prefix = Prefijo
rules-col-format = Formato
rules-col-item = Artículo
rules-col-verifier = Verificador
rules-col-value = Valor
rules-col-meaning = Significado
rules-kind-label = Tipo
rules-kind-weight = peso
rules-kind-price = precio
rules-meaning-grams = gramos (kg con 3 decimales)
rules-meaning-cents = céntimos (€ con 2 decimales)
rules-meaning-quantity = cantidad con { $decimals } decimales
rules-meaning-amount = importe en € con { $decimals } decimales
rules-remove = Quitar
rules-empty = No hay reglas: las cajas leen los códigos 20–29 como códigos normales.
rules-new = Nueva regla
rules-new-help-1 = Prefijo + artículo + verificador (opcional) + valor + dígito de control = 13 cifras.
rules-new-help-2 = Las habituales: peso
rules-new-help-3 = (5 + 5, 3 decimales, gramos) y precio
rules-new-help-4 = (5 + 5, 2 decimales, céntimos).
rules-prefix-label = Prefijo (20–29)
rules-item-digits = Cifras de artículo
rules-value-digits = Cifras de valor
rules-decimals = Decimales
rules-verifier-digit = Dígito verificador
rules-add = Añadir
rules-choose-kind = Elige el tipo: peso o precio.
rules-not-a-number = { $field }: «{ $value }» no es un número entero válido.
rules-prefix-taken = Ya hay una regla con el prefijo { $prefix }: quítala antes de añadir otra.
rules-saved = Regla del prefijo { $prefix } guardada; las cajas la recibirán en su próxima sincronización
rules-removed = Regla quitada

## Sales reports

reports-title = Informes
report-heading = Informes de ventas
report-by-unknown = Agrupación «{ $by }» desconocida: day, store, product, tax, tender, hour, cashier, franchisee, category o top.
report-bad-date = La fecha «{ $value }» de «{ $field }» no es válida (AAAA-MM-DD).
report-field-from = desde
report-field-to = hasta
report-bad-n = «{ $value }» no vale como número de productos: entre 1 y { $max }.
report-bad-rank = Orden «{ $rank }» desconocido: gross (importe) o units (unidades).
report-from-after-to = «Desde» ({ $from }) es posterior a «hasta» ({ $to }).
report-too-long = Un informe abarca como mucho { $days } días.
report-bad-store = La tienda «{ $value }» no es válida: elige una de la lista.
report-label-store = Tienda { $id }
report-label-product = Producto { $id }
report-label-vat = IVA { $rate } %
report-label-no-cashier = Sin cajero registrado
report-label-staff = Empleado { $id }
report-label-franchisee = Franquiciado { $id }
report-label-no-category = Sin categoría
tender-cash = Efectivo
tender-card = Tarjeta
tender-other = Otros
report-col-tickets = Tickets
report-col-refunds = Devoluciones
report-col-payments = Cobros
report-col-units = Unidades
report-col-net = Base
report-col-vat = IVA
report-col-total = Total
report-col-previous = Anterior
report-col-change = Var.
report-total = Total
report-all-stores = Todas
report-products = Productos
report-sort-by = Ordenar por
report-rank-gross = Importe
report-rank-units = Unidades
report-from = Desde
report-to = Hasta
report-store = Tienda
report-show = Ver
report-export = Exportar CSV
report-no-sales = No hay ventas en este periodo.
report-chart = Ventas con IVA por grupo
report-kpi-gross = Ventas con IVA
report-kpi-previous = Periodo anterior ({ $from } – { $to })
report-kpi-change = Variación
report-metric-gross = importe con IVA
report-metric-units = unidades
report-top-chart = Más vendidos por { $metric }
report-top-heading = Productos más y menos vendidos
report-top-help = Ordenados por { $metric }, { $n } por lista. Los menos vendidos incluyen los productos activos del catálogo que no vendieron nada en el periodo en las tiendas elegidas.
report-top-best = Más vendidos
report-top-worst = Menos vendidos
report-tabs-sales = Ventas
report-tabs-control = Control
report-tab-day = Por día
report-tab-store = Por tienda
report-tab-product = Por producto
report-tab-tax = Por tipo de IVA
report-tab-tender = Por forma de pago
report-tab-hour = Por hora
report-tab-cashier = Por cajero
report-tab-franchisee = Por franquiciado
report-tab-category = Por categoría
report-tab-top = Más y menos vendidos
report-tab-loss = Pérdidas por cajero
report-tab-cash = Descuadres de caja
report-tab-hours = Horas del personal

## Control reports

control-too-long = Este informe abarca como mucho { $days } días.
control-unidentified = Sin identificar
control-label-till = Caja { $id }
control-col-count = Nº
control-col-amount = Importe
loss-heading = Informes: pérdidas por cajero
loss-empty = No hay anulaciones, cambios de precio, devoluciones ni aperturas de cajón en este periodo.
loss-chart = Anulado + rebajado + devuelto por cajero
loss-col-cashier = Cajero
loss-col-voids = Anulaciones
loss-col-price-overrides = Cambios de precio
loss-col-refunds = Devoluciones
loss-col-no-sale = Sin venta
loss-col-tolerance = Descuadres aprobados
loss-help = Del registro de auditoría de las cajas. Las devoluciones se cuentan una vez, por su evento de auditoría (no además por el documento de devolución).
loss-kpi-no-sales = Aperturas sin venta
cash-heading = Informes: descuadres de caja
cash-empty = No hay cierres Z en este periodo.
cash-chart = Descuadre absoluto por tienda
cash-beyond = Fuera de tolerancia
cash-not-approved = No
cash-col-till = Caja
cash-col-date = Fecha
cash-col-closed = Cerrado
cash-col-expected = Esperado
cash-col-counted = Contado
cash-col-over-short = Descuadre
cash-col-tolerance = Tolerancia
cash-col-approved-by = Aprobado por
cash-col-note = Nota
cash-help = Efectivo de cada cierre Z. Sin tolerancia indicada por la caja se aplica { $tolerance }.
cash-kpi-closes = Cierres Z
cash-kpi-net = Descuadre neto
hours-heading = Informes: horas del personal
hours-empty = No hay fichajes en este periodo.
hours-chart = Horas por persona
hours-open = abierto
hours-unmatched = { $n } salida(s) sin entrada
hours-totals = Totales por persona
hours-by-day = Por persona y día
hours-col-person = Persona
hours-col-days = Días
hours-col-hours = Horas
hours-col-open-days = Días abiertos
hours-col-date = Fecha
hours-col-in = Entrada
hours-col-out = Salida
hours-help = Cada entrada se empareja con la siguiente salida de la misma persona; un turno que cruza la medianoche cuenta el día en que empezó (hora de Madrid). Una entrada sin salida queda «abierta» y no suma horas.
hours-kpi-hours = Horas
hours-kpi-people = Personas
hours-kpi-open = Fichajes abiertos

## Delivery notes

deliveries-title = Albaranes
deliveries-status-pending = pendiente
deliveries-status-received = recibido
deliveries-status-differences = recibido con diferencias
deliveries-bad-status = Estado «{ $status }» desconocido: pendiente, recibido o recibido con diferencias.
deliveries-empty = No hay albaranes con estos filtros.
deliveries-all-stores = Todas
deliveries-all-statuses = Todos
deliveries-store = Tienda
deliveries-status = Estado
deliveries-filter = Filtrar
deliveries-nothing-saved = No se ha guardado nada:
deliveries-new = Nuevo albarán
deliveries-supplier = Proveedor u origen
deliveries-expected-date = Fecha prevista
deliveries-lines-label = Líneas: una por producto, «SKU o código de barras ; cantidad»
deliveries-create = Crear albarán
deliveries-intro = Mercancía enviada a las tiendas. Cada albarán llega a las cajas de su tienda en la próxima sincronización; el encargado lo recibe escaneando y aquí se ve lo esperado frente a lo recibido.
deliveries-col-number = Número
deliveries-col-supplier = Proveedor
deliveries-col-lines = Líneas
deliveries-col-units = Unidades
deliveries-choose-store = Elige una tienda que exista.
deliveries-supplier-missing = Indica el proveedor u origen (hasta 200 caracteres).
deliveries-bad-date = La fecha prevista «{ $value }» no es una fecha válida.
deliveries-no-lines = Añade al menos una línea «SKU o código ; cantidad».
deliveries-too-many = Como mucho { $max } líneas por albarán.
deliveries-line-error = Línea { $n }: { $problem }
deliveries-created = Albarán { $number } creado; las cajas de la tienda lo recibirán en su próxima sincronización
deliveries-store-fallback = tienda { $id }
deliveries-not-on-note = fuera de albarán
deliveries-missing = falta
deliveries-over = sobra
deliveries-received-at = Recibido el { $at } en la caja { $till }.
deliveries-not-received = Aún no se ha recibido en la tienda.
deliveries-note-title = Albarán { $number }
deliveries-created-by = Creado por
deliveries-expected-received = Esperado y recibido
deliveries-col-product = Producto
deliveries-col-expected = Esperado
deliveries-col-received = Recibido
deliveries-col-difference = Diferencia

## Scheduled jobs (Tareas)

nav-jobs = Tareas
jobs-title = Tareas programadas
jobs-intro = Las tareas se ejecutan solas a su hora ({ $zone }), una sola vez por periodo aunque haya varios servidores. Un fallo queda registrado, se avisa en el Resumen y la tarea puede volver a ejecutarse.
jobs-schedule = Programación (cron: segundo minuto hora día mes día-semana):
jobs-per-day = una ejecución por día
jobs-per-month = una ejecución por mes
jobs-per-minute = una ejecución por minuto
jobs-current-period = periodo actual:
jobs-run-now = Ejecutar ahora
jobs-never = Todavía no se ha ejecutado.
jobs-col-period = Periodo
jobs-col-status = Estado
jobs-col-started = Inicio
jobs-col-duration = Duración
jobs-col-trigger = Origen
jobs-col-did = Qué hizo
jobs-status-ok = correcta
jobs-status-running = en curso
jobs-status-failed = fallida
jobs-attempts = intento { $n }
jobs-trigger-schedule = programada
jobs-trigger-manual = manual
jobs-already = { $job } ya se ejecutó (o se está ejecutando) para { $period }: no se ha hecho nada.
jobs-started = { $job } se está ejecutando; recarga la página para ver el resultado.
job-prune-sign-ins = limpiar sesiones caducadas e intentos de acceso antiguos
job-verify-chains = comprobar la cadena de documentos de cada caja
jobs-did-sessions = { $n } sesiones caducadas borradas
jobs-did-login_failures = { $n } intentos fallidos antiguos borrados
jobs-did-tills = { $n } cajas
jobs-did-documents = { $n } documentos comprobados
jobs-did-breaks = { $n } roturas
alert-job-failed = Tarea fallida
alert-chain-verify = Cadena alterada

## Store time zones

field-time-zone = Zona horaria
time-zone-europe-madrid = Península y Baleares (Europe/Madrid)
time-zone-atlantic-canary = Canarias (Atlantic/Canary)
time-zone-africa-ceuta = Ceuta y Melilla (Africa/Ceuta)
stores-time-zone-invalid = «{ $value }» no es una zona horaria: elige una de la lista.

## VERI*FACTU

job-verifactu-send = enviar los registros VERI*FACTU a la AEAT
jobs-did-envelopes = { $n } envíos
jobs-did-sent = { $n } registros enviados
jobs-did-accepted = { $n } aceptados
jobs-did-accepted_with_errors = { $n } aceptados con errores
jobs-did-rejected = { $n } rechazados
jobs-did-subsanaciones = { $n } a reenviar como subsanación
jobs-did-failures = { $n } envíos fallidos (se reintentan)
jobs-did-waiting = { $n } obligados en espera
jobs-did-no_certificate = { $n } obligados sin certificado
alert-verifactu-rejected = Registro rechazado por la AEAT
alert-verifactu-unsent = Registros VERI*FACTU sin enviar desde hace más de 24 h
alert-verifactu-certificate = Certificado de la AEAT a punto de caducar
alert-verifactu-record = Registro VERI*FACTU alterado o incoherente
verifactu-intro = Cada ticket, factura y devolución es un registro VERI*FACTU que el servidor remite a la AEAT (un envío de hasta 1.000 registros por obligado, esperando lo que la AEAT indique entre envíos y reintentando al menos cada hora si no llega).
verifactu-by-franchisee = Por franquiciado
verifactu-col-franchisee = Franquiciado
verifactu-col-pending = Pendientes
verifactu-col-accepted = Aceptados
verifactu-col-with-errors = Aceptados con errores
verifactu-col-rejected = Rechazados
verifactu-col-last-send = Último envío
verifactu-col-certificate = Certificado
verifactu-col-record = Registro
verifactu-col-state = Estado
verifactu-col-aeat-error = Código y texto de la AEAT
verifactu-col-answered = Respondido
verifactu-held = { $n } retenidos (alterados)
verifactu-never = nunca
verifactu-expires = caduca el { $date }
verifactu-cert-hq = El de la central, como representante
verifactu-cert-none = ninguno: no se puede enviar
verifactu-problems = Registros rechazados o aceptados con errores por la AEAT
verifactu-no-problems = Ninguno.
verifactu-state-rejected = rechazado
verifactu-state-subsanar = rechazado, se reenvía como subsanación
verifactu-state-with-errors = aceptado con errores
verifactu-state-accepted = aceptado
verifactu-certificates = Certificados
verifactu-certificates-help = Un fichero PKCS#12 (.p12 / .pfx) por franquiciado, o el de la central para enviar por todos los que no tengan uno. Se guarda cifrado con la clave secreta del servidor; la contraseña no se conserva.
verifactu-cert-owner = Para
verifactu-cert-hq-name = Razón social de la central (solo su certificado)
verifactu-cert-hq-nif = NIF de la central (solo su certificado)
verifactu-cert-file = Fichero
verifactu-cert-password = Contraseña
verifactu-cert-upload = Subir certificado
verifactu-cert-stored = Certificado de { $holder } guardado; válido hasta el { $date }.
