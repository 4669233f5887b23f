-- A store's e-mail address (NULL: none). Sent to the store's tills in its Store change, where the
-- manager's "Enviar por correo" for an X or Z report starts with it. Same on sqlite and postgres.
ALTER TABLE stores ADD COLUMN report_email TEXT;
