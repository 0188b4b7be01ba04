-- Telegram Stars top-ups. An intent is what the bot offered (an invoice: this many Stars credit this many
-- cents); a payment is what Telegram charged, recorded once per telegram_payment_charge_id in the same
-- transaction as its ledger credit (`stars:<charge id>`).
CREATE TABLE topup_intents (
    id          TEXT PRIMARY KEY,                        -- random; the invoice payload
    user_id     INTEGER NOT NULL REFERENCES users (id),
    amount      INTEGER NOT NULL CHECK (amount > 0),     -- cents to credit, as quoted
    stars       INTEGER NOT NULL CHECK (stars > 0),      -- the invoice total
    rate        TEXT NOT NULL,                           -- CURRENCY per Star when quoted, exact decimal
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at  TEXT NOT NULL,
    paid_charge_id TEXT UNIQUE                           -- the payment that used it
);
CREATE INDEX topup_intents_created ON topup_intents (created_at);

CREATE TABLE star_payments (
    charge_id   TEXT PRIMARY KEY,                        -- telegram_payment_charge_id
    user_id     INTEGER NOT NULL REFERENCES users (id),
    intent_id   TEXT,                                    -- NULL: it matched no open intent of this user
    payload     TEXT NOT NULL,
    stars       INTEGER NOT NULL CHECK (stars > 0),
    amount      INTEGER NOT NULL CHECK (amount >= 0),    -- cents credited (0: no rate to credit it at)
    rate        TEXT,                                    -- the rate it was credited at
    source      TEXT NOT NULL CHECK (source IN ('update', 'reconciliation')),
    refund      TEXT NOT NULL DEFAULT 'none' CHECK (refund IN ('none', 'pending', 'refunded', 'failed')),
    refund_attempts INTEGER NOT NULL DEFAULT 0,
    reversed    INTEGER NOT NULL DEFAULT 0 CHECK (reversed >= 0),  -- cents taken back for a refund
    refund_error TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    refunded_at TEXT
);
CREATE INDEX star_payments_created ON star_payments (created_at);
CREATE INDEX star_payments_user ON star_payments (user_id, created_at);
