-- The language a user reads the shop in ('en', 'ru'): chosen from Telegram's language_code at first
-- contact, changed with /language. Stored with the user, so it outlives conversations and restarts.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
UPDATE users SET locale = 'ru'
WHERE lower(substr(COALESCE(language, ''), 1, 2)) IN ('ru', 'uk', 'be', 'kk')
  AND (length(language) = 2 OR substr(language, 3, 1) = '-');
