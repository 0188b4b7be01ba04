-- Customer orders. `charge` is what the customer paid (cents); refunds are ledger rows linked by order_id.
CREATE TABLE orders (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id),
    service_id          INTEGER NOT NULL REFERENCES services (id),
    provider            TEXT NOT NULL,
    provider_order_id   TEXT,
    link                TEXT NOT NULL,
    quantity            INTEGER NOT NULL CHECK (quantity > 0),
    charge              INTEGER NOT NULL CHECK (charge > 0),
    refunded            INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= charge),
    status              TEXT NOT NULL CHECK (status IN (
                            'submitting', 'pending', 'in_progress', 'completed', 'partial', 'canceled',
                            'failed', 'unknown')),
    provider_status     TEXT,               -- the provider's own wording, as last seen
    start_count         INTEGER,
    remains             INTEGER,
    provider_charge     TEXT,               -- what the provider billed us, exact decimal text
    error               TEXT,               -- why the order failed, in plain words
    attention           TEXT,               -- why an admin should look at it (NULL = nothing to do)
    bad_polls           INTEGER NOT NULL DEFAULT 0,  -- consecutive cycles with Fail/Error/unknown id
    quote_key           TEXT NOT NULL UNIQUE,        -- one order per confirmed summary
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at         TEXT
);
CREATE INDEX orders_user ON orders (user_id, id DESC);
CREATE INDEX orders_active ON orders (provider, id) WHERE status IN ('pending', 'in_progress');
CREATE INDEX orders_status ON orders (status);
CREATE INDEX orders_attention ON orders (id) WHERE attention IS NOT NULL;

-- Priced summaries shown to customers; Confirm carries the key, so any summary can be confirmed once.
CREATE TABLE quotes (
    key         TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    service_id  INTEGER NOT NULL REFERENCES services (id),
    link        TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX quotes_created ON quotes (created_at);
