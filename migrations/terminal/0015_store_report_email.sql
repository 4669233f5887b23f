-- HQ's e-mail address of this till's store (NULL: none), pulled with the Store change: the
-- manager's "Enviar por correo" for an X or Z report starts with it.
ALTER TABLE store_info ADD COLUMN report_email TEXT;
