-- The provider's catalogue as last synced. Services are disabled, never deleted: orders refer to them.
CREATE TABLE categories (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE
);

CREATE TABLE services (
    id                  INTEGER PRIMARY KEY,          -- our id: short, used in buttons
    provider            TEXT NOT NULL,
    provider_service_id TEXT NOT NULL,
    category_id         INTEGER NOT NULL REFERENCES categories (id),
    name                TEXT NOT NULL,
    type                TEXT NOT NULL,
    rate                TEXT NOT NULL,                -- provider price per 1000, exact decimal text
    min_quantity        INTEGER NOT NULL,
    max_quantity        INTEGER NOT NULL,
    refill              INTEGER NOT NULL DEFAULT 0,
    cancel              INTEGER NOT NULL DEFAULT 0,
    dripfeed            INTEGER NOT NULL DEFAULT 0,
    description         TEXT NOT NULL DEFAULT '',
    markup_percent      TEXT,                         -- per-service override of the global markup
    is_active           INTEGER NOT NULL DEFAULT 1,   -- present in the provider's latest catalogue
    is_enabled          INTEGER NOT NULL DEFAULT 1,   -- the admin's on/off switch
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (provider, provider_service_id)
);
CREATE INDEX services_category ON services (category_id, id);

-- Shop-wide settings changed at run time by admins (e.g. the markup), overriding the environment.
CREATE TABLE shop_settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);
