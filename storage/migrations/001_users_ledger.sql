-- Users, their cached balance and the wallet ledger that explains every change of it.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,          -- Telegram user id
    username    TEXT,
    first_name  TEXT NOT NULL DEFAULT '',
    last_name   TEXT NOT NULL DEFAULT '',
    language    TEXT,
    is_blocked  INTEGER NOT NULL DEFAULT 0,   -- the user blocked the bot (Telegram answered 403)
    balance     INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),  -- cents; equals SUM(ledger.amount)
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX users_username ON users (lower(username));

CREATE TABLE ledger (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    amount      INTEGER NOT NULL CHECK (amount != 0),  -- signed cents
    kind        TEXT NOT NULL CHECK (kind IN ('topup', 'charge', 'refund', 'adjustment')),
    ref         TEXT NOT NULL UNIQUE,                  -- the same credit can never be written twice
    order_id    INTEGER,
    admin_id    INTEGER,
    note        TEXT NOT NULL DEFAULT '',
    balance_after INTEGER NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX ledger_user ON ledger (user_id, id);
CREATE INDEX ledger_order ON ledger (order_id) WHERE order_id IS NOT NULL;

-- aiogram conversation state, so a customer keeps their place across a restart.
CREATE TABLE fsm (
    key         TEXT PRIMARY KEY,
    state       TEXT,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
