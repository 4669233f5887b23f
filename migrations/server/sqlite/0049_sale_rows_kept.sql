-- Issue 16: a sale's rows are written once, by the push, and never changed: same as
-- postgres/0049, which also drops PostgreSQL's foreign keys from them for ingest speed (SQLite
-- keeps its foreign keys).
CREATE TRIGGER sales_kept_no_update BEFORE UPDATE ON sales
BEGIN SELECT RAISE(ABORT, 'sale rows are kept as ingested'); END;
CREATE TRIGGER sales_kept_no_delete BEFORE DELETE ON sales
BEGIN SELECT RAISE(ABORT, 'sale rows are kept as ingested'); END;
CREATE TRIGGER sale_lines_kept_no_update BEFORE UPDATE ON sale_lines
BEGIN SELECT RAISE(ABORT, 'sale rows are kept as ingested'); END;
CREATE TRIGGER sale_lines_kept_no_delete BEFORE DELETE ON sale_lines
BEGIN SELECT RAISE(ABORT, 'sale rows are kept as ingested'); END;
CREATE TRIGGER sale_payments_kept_no_update BEFORE UPDATE ON sale_payments
BEGIN SELECT RAISE(ABORT, 'sale rows are kept as ingested'); END;
CREATE TRIGGER sale_payments_kept_no_delete BEFORE DELETE ON sale_payments
BEGIN SELECT RAISE(ABORT, 'sale rows are kept as ingested'); END;
