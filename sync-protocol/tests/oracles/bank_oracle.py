"""Checks bank identifiers with python-stdnum. Reads tab-separated requests on stdin, one per line:
  iban VALUE | ibancheck CC BBAN | ccc VALUE | cccdc VALUE | ccciban VALUE | at02 VALUE | at02check VALUE
and prints the request followed by a tab and stdnum's answer ("valid"/"invalid" or the computed value).
Exits 3 with "skipped: python-stdnum not installed" when missing.
"""
import sys

try:
    from stdnum import iban
    from stdnum.es import ccc
    from stdnum.es import iban as es_iban
    from stdnum.eu import at_02
except ImportError:
    print("skipped: python-stdnum not installed")
    sys.exit(3)


def verdict(ok):
    return "valid" if ok else "invalid"


for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    kind, *args = line.split("\t")
    if kind == "iban":
        v = args[0]
        # Trastienda checks the national check digits of Spanish accounts (the CCC) and no others.
        if iban.compact(v)[:2] == "ES":
            answer = verdict(es_iban.is_valid(v))
        else:
            answer = verdict(iban.is_valid(v, check_country=False))
    elif kind == "ibancheck":
        answer = iban.calc_check_digits(args[0] + "00" + args[1])
    elif kind == "ccc":
        answer = verdict(ccc.is_valid(args[0]))
    elif kind == "cccdc":
        answer = ccc.calc_check_digits(args[0])
    elif kind == "ccciban":
        answer = ccc.to_iban(args[0])
    elif kind == "at02":
        answer = verdict(at_02.is_valid(args[0]))
    elif kind == "at02check":
        answer = at_02.calc_check_digits(args[0])
    else:
        raise SystemExit("unknown request " + kind)
    print(line + "\t" + answer)
