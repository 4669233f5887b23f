# Trastienda till: Spanish (the reference text; English lives in ../en/till.ftl).
# Every key here must exist there too: the i18n unit tests fail otherwise.
# Money and quantities arrive already formatted for the language (see src/format.rs).

## Shared

window-title = Trastienda · Caja
registry-unavailable = el registro local no está disponible
ledger-call-panicked = Error interno del registro local ({ $error }). No se ha guardado nada de esta operación; puede volver a intentarlo.
pin-checking = Comprobando el PIN…
error = Error: { $error }
cannot = No se puede: { $error }
back = Volver
back-esc = Volver (Esc)
cancel-esc = Cancelar (Esc)
pin = PIN
manager-pin = PIN del encargado
wrong-pin = PIN incorrecto
invalid-amount = Importe no válido.
amount = Importe
reason = Motivo
reason-optional = Motivo (opcional)
ticket-not-found = No hay ningún ticket { $ticket } en esta caja.
tax-line = IVA { $rate }: base { $base } · cuota { $tax }
tender-cash = Efectivo
tender-card = Tarjeta
tender-other = Otro
language-es = Español
language-en = English

## Manager approval (price override, refund, drawer)

manager-pin-missing = Escriba el PIN del encargado.
manager-pin-not-manager = Ese PIN no es de un encargado.
manager-pin-wrong = PIN de encargado incorrecto.

## Start-up, notices on the sell screen

app-dir-failed = No se pudo crear { $dir }: { $error }
app-ledger-failed = No se pudo abrir el registro local: { $error }
app-park-empty = El ticket está vacío: nada que aparcar.
app-parked = Ticket aparcado ({ $count } en espera).
app-recall-busy = Aparque o cobre el ticket actual antes de recuperar otro.
app-recall-none = No hay tickets aparcados.
app-reprinting = Reimprimiendo el último recibo.
app-no-receipt-yet = Todavía no hay ningún recibo.
app-recalled = Ticket recuperado.
app-paid = Ticket { $ticket } · Cambio: { $change }
app-refunded = Devolución { $number } · { $total }
app-invoice-issued = Factura { $number } emitida para { $nif }
app-settings-save-failed = No se pudieron guardar: { $error }
app-drawer-no-printer = No hay impresora configurada: el cajón va conectado a ella.

## Status bar

status-not-synced = Sin sincronizar
status-online = En línea
status-offline = Sin conexión
status-last-sync = Última sincronización: { $when }
status-never-synced = Última sincronización: nunca
status-waiting = Documentos pendientes: { $count }
status-printer-failed = Impresora: { $error } · { $waiting } recibo(s) en cola
status-no-printer = Sin impresora configurada · { $waiting } recibo(s) en cola
status-receipt-not-prepared = Recibo no preparado: { $error }
status-invoice-not-prepared = Factura no preparada: { $error }

## Enrolment

enrol-title = Alta de la caja
enrol-help = Escriba la dirección del servidor y el código de un solo uso de la central, o pegue el enlace de alta que muestra el panel (lleva ambos y la huella del certificado propio de la central).
enrol-url-placeholder = https://central.ejemplo.es
enrol-code = Código de alta
enrol-submit = Dar de alta
enrol-connecting = Conectando con la central…
enrol-missing = Escriba la dirección del servidor y el código.
enrol-no-client = No se pudo preparar la conexión con el servidor.

## Login

login-title = Entrar
login-submit = Entrar
login-pin-missing = Escriba su PIN.

## Sell

sell-scan-placeholder = Escanee, busque por nombre o escriba una cantidad
sell-keypad-tab = 123 Teclado
sell-no-results = Sin resultados
sell-no-results-for = Sin resultados para «{ $query }»
sell-ticket-empty = Ticket vacío
sell-ticket-empty-notice = El ticket está vacío.
sell-ticket-discount = Descuento ticket: { $amount }
sell-promotion-discount = −{ $amount }
sell-promotion-savings = Ahorro en promociones: { $amount }
sell-total = Total: { $amount }
sell-quantity = Cantidad
sell-line-discount = Dto. línea
sell-ticket-discount-key = Dto. ticket
sell-price-override = Precio (encargado)
sell-void = Anular línea (F4)
sell-recall = Recuperar (F6)
sell-recall-waiting = Recuperar (F6) · { $count }
sell-park = Aparcar (F5)
sell-reprint = Reimprimir (F7)
sell-invoice = Factura (F3)
sell-refund = Devolución (F8)
sell-settings = Ajustes (F9)
sell-pay = Cobrar (F2)
sell-cashier = Cajero: { $name }
sell-manager = Gerencia (F10)
sell-logout = Salir
sell-scans-waiting = Un momento: aún se está leyendo un código escaneado.
sell-no-shift = No hay turno abierto: un encargado debe abrirlo
sell-no-shift-help = No se puede vender ni devolver hasta que un encargado cuente el fondo de caja y abra el turno (Gerencia, F10). Tras un cierre Z el turno queda cerrado hasta la siguiente apertura.
sell-open-shift = Abrir turno (encargado)
sell-override-title = Cambiar precio a { $price }: PIN del encargado
sell-authorise = Autorizar
sell-add-failed = No se pudo añadir { $name }: { $error }
sell-code-invalid = Código no válido: { $code } ({ $error })
sell-code-unknown = Código desconocido: { $code }
sell-type-amount-first = Escriba primero el importe en el campo de código.
sell-type-quantity-first = Escriba primero la cantidad.
sell-use-void = Para quitar la línea use «Anular línea».
sell-price-changed = Precio cambiado a { $price } (autoriza { $manager })
sell-line-voided = Línea anulada: { $name }

## Payment

pay-title = Cobro
pay-left = Pendiente: { $amount }
pay-tendered = Entregado / importe
pay-change = Cambio: { $amount }
pay-reference = Referencia del datáfono
pay-reference-shown = (ref. { $reference })
pay-clear = Quitar pagos
pay-card = Tarjeta
pay-confirm = Confirmar cobro
pay-payments-noted = Hay pagos anotados: termine el cobro o pulse «Quitar pagos».
pay-card-too-much = Con tarjeta se cobra como mucho lo pendiente ({ $left }).
pay-reference-missing = Escriba la referencia que da el datáfono.
pay-committing = Guardando la venta…
pay-record-failed = No se pudo registrar la venta: { $error }

## Recall

recall-title = Tickets aparcados
recall-ticket = { $time } · { $lines ->
    [one] { $lines } línea
   *[other] { $lines } líneas
} · { $first }

## Refund

refund-title = Devolución
refund-ticket-placeholder = Escanee el código del ticket o escriba su número
refund-find = Buscar ticket
refund-ticket-found = Ticket { $ticket } · { $time } · { $total }
refund-already = ya devuelto { $quantity }
refund-picked = Devolver: { $quantity }
refund-all = Todo
refund-to-cash = efectivo
refund-to-card = tarjeta
refund-to-card-ref = tarjeta (ref. { $reference })
refund-to-other = otro
refund-back-to = Se devuelve a: { $tenders }
refund-confirm = Confirmar devolución
refund-default-reason = Devolución del cliente
refund-find-first = Busque primero el ticket.
refund-reason-missing = Escriba el motivo de la devolución.
refund-record-failed = No se pudo registrar la devolución: { $error }
refund-nothing-chosen = Elija al menos una unidad que devolver.
refund-too-much = { $line }: como mucho se pueden devolver { $left }.

## Full invoice

invoice-title = Factura completa
invoice-ticket = Ticket
invoice-ticket-number = Número de ticket
invoice-customer = Cliente
invoice-name = Nombre o razón social
invoice-address = Dirección
invoice-nif = NIF / NIE / CIF
invoice-issue = Emitir factura
invoice-nif-missing = Escriba el NIF, NIE o CIF del cliente.
invoice-nif-invalid = NIF/NIE/CIF no válido: { $nif }. Compruebe la letra o el dígito de control ({ $detail }).
invoice-name-missing = Escriba el nombre o razón social del cliente.
invoice-address-missing = Escriba la dirección del cliente.
invoice-exists = El ticket ya tiene la factura { $number }.
invoice-failed = No se pudo emitir la factura: { $error }

## Settings

settings-title = Ajustes
settings-language = Idioma
settings-language-saved = Idioma cambiado y guardado.
settings-printer = Impresora de tickets
settings-printer-none = Ninguna
settings-printer-network = En red
settings-printer-file = Archivo o dispositivo
settings-host-placeholder = Dirección (p. ej. 192.168.1.50)
settings-port = Puerto
settings-paper = Papel
settings-scanner = Lector de códigos (teclado)
settings-min-length = Longitud mínima
settings-avg = ms por carácter
settings-gap = pausa máx. (ms)
settings-save = Guardar
settings-test-page = Imprimir página de prueba
settings-drawer = Cajón
settings-open-drawer = Abrir cajón
settings-saved = Ajustes guardados.
settings-no-printer = No hay impresora configurada.
settings-printing-test = Imprimiendo la página de prueba…
settings-opening-drawer = Abriendo el cajón (autoriza { $manager }).
settings-host-missing = Escriba la dirección de la impresora.
settings-port-invalid = El puerto debe ser un número entre 1 y 65535.
settings-path-missing = Escriba la ruta del archivo o dispositivo.
settings-number-range = { $what }: un número entre { $min } y { $max }.
settings-min-length-what = Longitud mínima del código
settings-avg-what = Milisegundos por carácter
settings-gap-what = Pausa máxima entre teclas

## Manager menu

manager-gate-title = Gerencia: PIN de encargado
manager-continue = Continuar
manager-not-a-manager = { $name } no es encargado.
manager-menu-title = Gerencia · { $name }
manager-back-to-selling = Volver a vender
manager-till = Caja
manager-open-shift = Abrir caja
manager-cash-in = Entrada de efectivo
manager-cash-out = Salida de efectivo
manager-no-sale = Apertura sin venta
manager-x-report = Informe X
manager-z-close = Cierre Z
manager-stock-and-staff = Almacén y personal
manager-clock-menu = Fichar entrada/salida
manager-no-open-shift = No hay ningún turno abierto.
manager-open-shift-first = Aún no hay turno abierto: cuente el fondo de caja para abrirlo antes de vender.
manager-cash-reason = Motivo (p. ej. pago a proveedor, cambio del banco)
manager-cash-confirm = Registrar movimiento
manager-cash-in-done = Entrada de efectivo de { $amount } registrada
manager-cash-out-done = Salida de efectivo de { $amount } registrada
manager-no-sale-title = Apertura del cajón sin venta
manager-no-sale-done = Apertura sin venta registrada: abra el cajón
manager-clock-title = Fichar entrada o salida
manager-clock-pin = PIN de quien ficha
manager-clock = Fichar
manager-clocked-in = { $name }: entrada registrada
manager-clocked-out = { $name }: salida registrada

## X report

report-shift-open = Turno abierto (documento { $seq }) · fondo { $float }
report-no-shift = Sin turno abierto
report-sales = Tickets: { $tickets } · Ventas: { $gross }
report-refunds = Devoluciones: { $count } · { $amount }
report-tender = { $tender }: ventas { $sales } · devoluciones { $refunds }
report-cash-movements = Entradas de efectivo: { $cash_in } · Salidas: { $cash_out } · Aperturas sin venta: { $no_sales }
report-expected-cash = Efectivo esperado: { $amount }

## Opening a shift and the Z close

count-coins = Monedas
count-notes = Billetes
count-total = Total contado: { $amount }
close-open-title = Abrir turno: cuente el fondo de caja
close-float-left = Fondo dejado en el cierre Z { $z }: { $float }
close-open-confirm = Abrir turno
close-shift-opened = Turno abierto con un fondo de { $float }
close-title = Cierre del día (Z)
close-blind-yes = Recuento ciego: sí
close-blind-no = Recuento ciego: no
close-card = Tarjeta según el datáfono
close-card-placeholder = igual que lo esperado
close-next-float = Fondo para el siguiente turno
close-expected = Esperado
close-counted = Contado
close-over-short = Descuadre
close-tolerance = Tolerancia: { $amount }
close-approval = Aprobación del encargado
close-note = Nota que explica el descuadre
close-confirm = Cerrar el día
close-card-invalid = Importe de tarjeta no válido.
close-next-float-invalid = Fondo para el siguiente turno no válido.
close-recorded = Cierre registrado
close-z-recorded = Cierre Z { $z } registrado · descuadre en efectivo { $over_short }
close-needs-approval = Cierre rechazado: descuadre de { $over_short } por encima de la tolerancia de { $tolerance }. Hace falta el PIN de un encargado y una nota.
close-refused = Cierre rechazado: { $error }

## Stock

stock-receipt = Recepción de mercancía
stock-count = Recuento de stock
stock-waste = Mermas y roturas
stock-adjustment = Ajuste de stock
stock-confirm-receipt = Registrar recepción
stock-confirm-count = Registrar recuento
stock-confirm-waste = Registrar merma
stock-confirm-adjustment = Registrar ajuste
stock-scan-placeholder = Escanee un producto
stock-remove = Quitar
stock-nothing-yet = Nada escaneado todavía
stock-count-full = Recuento completo
stock-count-partial = Recuento parcial
stock-delivery-note = Albarán (opcional)
stock-unknown-code = código desconocido: { $code }
stock-pick-note = Elija el albarán que llega, o reciba sin albarán
stock-note-choice = { $number } · { $supplier } · previsto { $date } · { $lines } líneas
stock-free-receiving = Recepción sin albarán
stock-note-title = Albarán { $number } · { $supplier }
stock-note-expected = Esperado: { $quantity }
stock-note-missing = Falta { $quantity }
stock-note-complete = Completo
stock-note-over = Sobra { $quantity }
stock-note-extra = Fuera de albarán
stock-note-received = Albarán { $number } recibido: { $count } productos (documento { $seq })
stock-note-received-differences = Albarán { $number } recibido con diferencias: { $count } productos (documento { $seq })
stock-recorded = { $title }: { $count } productos registrados (documento { $seq })

# Barcode scanners (keyboard wedge and serial) and scans that land in the wrong field
sell-override-pin-cleared = Se escaneó un código: vuelva a escribir el PIN.
pay-scanned = Código { $code } escaneado durante el cobro: termine el cobro (o Esc) y vuelva a escanearlo.
pay-tendered-too-much = Importe entregado no válido: { $tendered } daría { $change } de cambio.
app-serial-scanner-failed = Escáner serie: { $error }

settings-printer-serial = Serie
settings-baud = Baudios
settings-usb-vendor = Fabricante (hex)
settings-usb-product = Producto (hex)
settings-usb-id-invalid = Los identificadores USB son 4 cifras hexadecimales (p. ej. 04b8 y 0202).
settings-scanner-serial = Lector serie (puerto; vacío = ninguno)
manager-x-print = Imprimir informe X
manager-x-printing = Imprimiendo el informe X…
manager-save-pdf = Guardar en PDF
manager-pdf-saved = Informe guardado en PDF: { $path }
manager-pdf-failed = No se pudo guardar el informe en PDF: { $error }
manager-mail-title-x = Enviar el informe X por correo
manager-mail-title-z = Enviar el cierre Z por correo
manager-mail-to = Correo electrónico
manager-mail-send = Enviar por correo
manager-mail-missing = Escriba el correo electrónico al que enviar el informe.
manager-mail-sending = Preparando el informe para enviarlo…
manager-mail-queued = Informe en cola para { $to }: se enviará por la central en cuanto esté disponible.
manager-mail-failed = No se pudo poner el informe en cola: { $error }
manager-mail-subject-x = Informe X · { $store } · { $when }
manager-mail-subject-z = Cierre Z { $z } · { $store } · { $when }

# About (Ajustes → Acerca de): VERI*FACTU identity and the producer's declaración responsable
settings-about = Acerca de · VERI*FACTU
about-title = Acerca de Trastienda
about-system = Sistema informático de facturación (VERI*FACTU)
about-system-name = Nombre del sistema
about-system-id = Identificador del sistema
about-version = Versión
about-installation = Número de instalación
about-producer = Productor
about-only-verifactu = Funciona solo como VERI*FACTU
about-multi-taxpayer = Puede usarse para varios obligados tributarios
about-taxpayer = Emite facturas para
about-no-taxpayer = Esta caja aún no conoce el NIF de su franquiciado: no emitirá facturas hasta sincronizar con la central.
about-yes = Sí
about-no = No
about-not-given = no indicado en esta compilación
about-undeclared = Esta compilación no tiene productor declarado: nadie ha suscrito la declaración responsable. Quien distribuya Trastienda como producto debe compilarlo con TRASTIENDA_PRODUCER_NAME, TRASTIENDA_PRODUCER_NIF, TRASTIENDA_PRODUCER_ADDRESS, TRASTIENDA_DECLARATION_PLACE y TRASTIENDA_DECLARATION_DATE, y responder de ella.
about-declaration = Declaración responsable (RD 1007/2023, art. 13; Orden HAC/1177/2024, art. 15)
about-declaration-a = a) Nombre del sistema informático: { $name }.
about-declaration-b = b) Código identificador del sistema informático: { $id }.
about-declaration-c = c) Versión: { $version }.
about-declaration-d = d) Componentes: solo software, sin hardware propio. Un programa de caja (terminal de punto de venta) que se instala en un ordenador de la tienda con impresora de tickets y lector de códigos, emite facturas simplificadas, facturas completas y rectificativas, y guarda cada una con su registro de facturación encadenado en una base de datos local; y un servidor central que recibe los registros de todas las cajas, comprueba sus huellas y su encadenamiento y los remite a la Agencia Tributaria.
about-declaration-e = e) El sistema se ha producido para funcionar exclusivamente como VERI*FACTU: sí.
about-declaration-f = f) Puede ser usado por varios obligados tributarios: sí; cada franquiciado es un obligado tributario con su propia cadena de registros, y cada instalación de caja emite para un único franquiciado a la vez.
about-declaration-g = g) Tipos de firma de los registros de facturación y de evento: no se aplica; el sistema solo funciona como VERI*FACTU y no firma registros ni genera registros de evento.
about-declaration-h = h) Persona o entidad productora: { $producer }.
about-declaration-i = i) NIF de la persona o entidad productora: { $nif }.
about-declaration-j = j) Dirección postal de contacto: { $address }.
about-declaration-k = k) La persona o entidad productora declara que esta versión del sistema cumple lo dispuesto en el artículo 29.2.j) de la Ley 58/2003, General Tributaria, en el Real Decreto 1007/2023 y en la Orden HAC/1177/2024.
about-declaration-l = l) Lugar y fecha de suscripción: { $place }, { $date }.
about-licence = Trastienda es software libre (AGPL-3.0-or-later) y se ofrece sin garantía. La declaración anterior solo obliga a la persona o entidad productora indicada, que la suscribe para esta versión.

## At the counter: quantity before a scan, search overlay, drawer, second manager at the Z
sell-multiplier-waiting = Cantidad { $quantity }: escanee o escriba el producto.
sell-multiplier-not-for-labels = Las etiquetas de báscula llevan su propio peso o precio: la cantidad no se aplica.
sell-results-help = ↑ ↓ para elegir · Intro añade · Esc cierra
app-drawer-opened = Cajón abierto.
app-drawer-opened-printer = Cajón abierto (la impresora dice: { $status }).
app-drawer-failed = No se pudo abrir el cajón: { $error }
status-drawer-failed = El cajón no se abrió: { $error }
close-approval-second = Aprobación de otro encargado
close-needs-second-manager = Cierre rechazado: descuadre de { $over_short } por encima de la tolerancia de { $tolerance }. Hace falta el PIN de otro encargado (no el de quien cierra) y una nota.
close-own-approval = { $name } cierra la caja y no puede aprobar su propio descuadre: escriba el PIN de otro encargado.
keypad-enter = Intro
settings-weighed = Báscula:
settings-weighed-own-line = Línea por etiqueta
settings-weighed-merge = Sumar pesos

# Datáfono (terminal de pago con tarjeta, protocolo OPI)
settings-card-terminal = Datáfono
settings-terminal-none = Sin datáfono
settings-terminal-address-invalid = Escriba la dirección del datáfono como equipo:puerto (p. ej. 192.168.1.50:20002).
pay-terminal = Cobrar con datáfono
pay-terminal-waiting = Esperando al datáfono: { $amount }. El cliente paga con su tarjeta en el datáfono.
pay-terminal-cancel = Cancelar cobro en el datáfono
pay-terminal-cancelling = Cancelando en el datáfono…
pay-terminal-busy = El datáfono está cobrando: espere su respuesta o pulse «Cancelar cobro en el datáfono».
pay-terminal-declined = Tarjeta denegada ({ $reason }). No se ha cobrado nada: pruebe con otra tarjeta o en efectivo.
pay-terminal-cancelled = Cobro cancelado en el datáfono. No se ha cobrado nada.
pay-terminal-timeout = El datáfono no respondió a tiempo; se anuló el cobro y el datáfono confirma que no se ha cobrado nada.
pay-terminal-unreachable = No se puede conectar con el datáfono ({ $error }). No se ha cobrado nada. Puede cobrar en el datáfono a mano y escribir su referencia.
pay-terminal-unknown = El datáfono dejó de responder y no se sabe si cobró. No vuelva a cobrar: el cobro se comprobará con el datáfono antes de cualquier otro ({ $error }).
pay-terminal-outstanding = Hay un cobro con tarjeta anterior sin resolver ({ $error }). No se envía otro hasta que el datáfono diga qué pasó con él; compruebe que está encendido y conectado.
pay-terminal-earlier-sale = Un cobro con tarjeta anterior estaba aprobado: se ha registrado como ticket { $ticket }. Este ticket no se ha cobrado; vuelva a pulsar «Cobrar con datáfono».
pay-terminal-not-recorded = El datáfono aprobó el pago ({ $reference }) pero la venta no se pudo registrar: { $error }. El pago queda guardado y la venta se registrará en cuanto se pueda; no vuelva a cobrar.
app-card-recovered = Cobro con tarjeta recuperado tras un cierre inesperado: registrado como ticket { $ticket }.
app-card-unresolved = Hay un cobro con tarjeta sin resolver y el datáfono no responde ({ $error }). No se enviará otro hasta aclararlo.
pay-terminal-amount = { $label }: { $amount }

# Clientes (issue 17)
customer-search = Buscar cliente (nombre o NIF)
customer-no-match = Ningún cliente coincide; escriba sus datos abajo.
customer-email = Correo electrónico (para enviar el ticket o la factura)
customer-consent = El cliente acepta recibir tickets y facturas por correo
customer-save = Guardar cliente
customer-saved = Cliente «{ $name }» guardado; llega a la central en la próxima sincronización.
customer-mail-receipt = Enviar ticket por correo
customer-email-missing = Escriba el correo electrónico al que enviar el ticket.
customer-email-invalid = «{ $email }» no es un correo electrónico válido.
customer-consent-needs-email = Para aceptar el envío por correo hace falta un correo electrónico.
customer-address-too-long = La dirección es demasiado larga.
app-receipt-mailed = El ticket { $ticket } se enviará a { $to } (a través de la central)
app-invoice-mailed = se enviará a { $to }
manager-card-menu = Cobro pendiente en el datáfono
manager-card-title = Cobro pendiente en el datáfono
manager-card-none = No hay ningún cobro con datáfono pendiente.
manager-card-pending = Cobro de { $amount } enviado al datáfono sin respuesta (solicitud { $request }). Mientras esté pendiente no se puede cobrar otro con el datáfono.
manager-card-check = Compruebe en el datáfono (último recibo) o en el extracto del banco que este cobro NO se hizo. Si se hizo, no lo cierre: vuelva a conectar el datáfono y la venta se registrará sola.
manager-card-reason = Por qué se cierra (p. ej. «datáfono averiado, comprobado en el extracto»)
manager-card-abandon = Dar por no cobrado
manager-card-reason-needed = Escriba por qué se da el cobro por no hecho.
manager-card-abandoned = Cobro de { $amount } cerrado a mano como no cobrado; el datáfono vuelve a estar disponible.
manager-card-approved = El datáfono aprobó este cobro: la venta se registrará en cuanto la caja vuelva a hablar con el datáfono. No se puede cerrar a mano.
