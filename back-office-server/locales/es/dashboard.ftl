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
login-too-many = Demasiados intentos fallidos. Por seguridad, espera { $minutes } minutos antes de volver a intentarlo.
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
