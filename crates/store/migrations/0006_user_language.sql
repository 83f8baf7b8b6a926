-- The language each user chose in the desktop (`en`, `nb`), so that signing in on another
-- browser shows the desktop and the configuration's labels in it; NULL until they choose.
ALTER TABLE users ADD COLUMN language TEXT;
