-- What kind of service this is, normalised from the provider's type name ('default', 'package',
-- 'custom_comments', ...; see providers.base.ServiceKind), and the platform it serves ('instagram',
-- 'telegram', ..., 'other'; see bot/catalog/platforms.py), both computed at sync.
ALTER TABLE services ADD COLUMN kind TEXT NOT NULL DEFAULT 'default';
ALTER TABLE services ADD COLUMN platform TEXT NOT NULL DEFAULT 'other';
UPDATE services SET kind = lower(replace(trim(type), ' ', '_'));
CREATE INDEX services_platform ON services (platform, category_id);

-- The inputs a kind of service needs beyond link and quantity (comments, usernames, an answer number),
-- as a JSON object of provider parameter -> value: on the summary and on the order placed from it.
ALTER TABLE quotes ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';
ALTER TABLE orders ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';
