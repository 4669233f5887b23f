"""Reads a Norma 43 file with csb43 (strict: any inconsistency raises) and prints it as JSON:
accounts with bank, branch, account, balances and movements (signed amount, dates, concept, texts).
Exits 3 with "skipped: csb43 not installed" when missing; prints {"error": ...} when csb43 refuses the file.
"""
import json
import sys

try:
    from csb43.aeb43 import read_batch
    from csb43.aeb43.record.context import Aeb43Context
except ImportError:
    print("skipped: csb43 not installed")
    sys.exit(3)

try:
    with open(sys.argv[1], "rb") as f:
        batch = read_batch(f, context=Aeb43Context(strict=True, silent=True, sepa=False))
except Exception as e:  # noqa: BLE001 - any refusal is an answer
    print(json.dumps({"error": str(e)}))
    sys.exit(0)

accounts = []
for acc in batch.accounts:
    movements = []
    for t in acc.transactions:
        texts = []
        for item in t.optional_items or []:
            texts += [item.item1.strip(), item.item2.strip()]
        movements.append({
            "amount": "%.2f" % t.amount,
            "date": t.transaction_date.isoformat(),
            "value_date": t.value_date.isoformat(),
            "concept": "%02d" % int(t.shared_item),
            "texts": [x for x in texts if x],
        })
    accounts.append({
        "bank": acc.bank_code,
        "branch": acc.branch_code,
        "account": acc.account_number,
        "opening": "%.2f" % acc.initial_balance,
        "closing": "%.2f" % acc.summary.final_balance,
        "movements": movements,
    })
print(json.dumps({"accounts": accounts}))
