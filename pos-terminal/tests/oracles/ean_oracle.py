"""Checks codes with python-stdnum's stdnum.ean: reads one code per line on stdin, prints
"code valid|invalid" per line. Exits 3 with "skipped: python-stdnum not installed" when missing.
"""
import sys

try:
    from stdnum import ean
except ImportError:
    print("skipped: python-stdnum not installed")
    sys.exit(3)

for line in sys.stdin:
    code = line.strip()
    if code:
        print(code, "valid" if ean.is_valid(code) else "invalid")
