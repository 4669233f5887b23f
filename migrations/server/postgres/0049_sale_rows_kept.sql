-- Issue 16: PostgreSQL ingest. A sale's rows (`sales`, `sale_lines`, `sale_payments`) are written
-- once, by the push, in the transaction that stores their document, and never changed: the
-- foreign keys from them to their parents cost about five index probes with a row lock each per
-- sale at ingest (the largest cost left after COPY), and guarded only against a parent row going
-- away. Documents already cannot be deleted or rewritten (0041); these triggers make the sale rows
-- just as permanent, so no parent can go away, and the foreign keys go. The nightly
-- `verify-chains` job checks that every sale document verified has its `sales` row.
-- SQLite keeps its foreign keys (its ingest meets the goal with them) and gets the same triggers.
ALTER TABLE sale_lines DROP CONSTRAINT IF EXISTS sale_lines_document_id_fkey;
ALTER TABLE sale_payments DROP CONSTRAINT IF EXISTS sale_payments_document_id_fkey;
ALTER TABLE sales DROP CONSTRAINT IF EXISTS sales_document_id_fkey;

CREATE FUNCTION sale_rows_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'sale rows are kept as ingested';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER sales_kept BEFORE UPDATE OR DELETE ON sales
FOR EACH ROW EXECUTE FUNCTION sale_rows_kept();
CREATE TRIGGER sale_lines_kept BEFORE UPDATE OR DELETE ON sale_lines
FOR EACH ROW EXECUTE FUNCTION sale_rows_kept();
CREATE TRIGGER sale_payments_kept BEFORE UPDATE OR DELETE ON sale_payments
FOR EACH ROW EXECUTE FUNCTION sale_rows_kept();
