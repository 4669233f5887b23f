-- Issue 17: scheduled prices and family promotions follow the catalog.
-- A scheduled price, once in force in every store it covers, moves HQ's own price (franchise-wide)
-- or the store's price (one store) and is retired at the tills: applied_at says when.
ALTER TABLE price_schedules ADD COLUMN applied_at BIGINT;
-- The products a promotion names by hand (JSON array of ids), apart from its family's: a product
-- that joins the family later is added to a promotion not yet over, one that leaves it is taken
-- out unless it was named by hand. NULL (promotions made before): every product counts as named.
ALTER TABLE promotions ADD COLUMN listed_json TEXT;
