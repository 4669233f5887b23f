"""Encodes reference ESC/POS sequences with python-escpos's Dummy printer (an independent encoder).

Prints one JSON object of name -> hex bytes; the Rust test hardware_oracles.rs compares them with ours.
Exits 3 with "skipped: python-escpos not installed" when the package is missing.
"""
import json
import sys

try:
    from escpos.printer import Dummy
    from escpos.constants import QR_ECLEVEL_M, QR_MODEL_2
except ImportError:
    print("skipped: python-escpos not installed")
    sys.exit(3)

text = sys.argv[1]
qr = sys.argv[2]
out = {}

p = Dummy()
p.hw("INIT")
p.charcode("CP858")
p.text(text + "\n")
out["init_text"] = p.output.hex()

p = Dummy()
p.qr(qr, native=True, size=6, ec=QR_ECLEVEL_M, model=QR_MODEL_2)
out["qr"] = p.output.hex()

p = Dummy()
p.set(align="center")
out["center"] = p.output.hex()

p = Dummy()
p.set(bold=True)
out["bold"] = p.output.hex()

p = Dummy()
p.cashdraw(2)
out["drawer"] = p.output.hex()

print(json.dumps(out))
