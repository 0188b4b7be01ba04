-- Referrals: a user's personal code (made when first asked for) and who brought them, set at first contact.
ALTER TABLE users ADD COLUMN ref_code TEXT;
CREATE UNIQUE INDEX users_ref_code ON users (ref_code) WHERE ref_code IS NOT NULL;
ALTER TABLE users ADD COLUMN referrer_id INTEGER;
CREATE INDEX users_referrer ON users (referrer_id) WHERE referrer_id IS NOT NULL;
-- The day a user last wrote to the bot (UTC), for broadcast audiences.
ALTER TABLE users ADD COLUMN last_seen TEXT;
UPDATE users SET last_seen = substr(updated_at, 1, 10);

-- One row per rewarded top-up: the reward (ledger `referral:<top-up entry id>`) and what was taken back
-- when the top-up was (`referral-reversal:<top-up entry id>`), once.
CREATE TABLE referral_rewards (
    topup_entry_id INTEGER PRIMARY KEY REFERENCES ledger (id),
    referrer_id INTEGER NOT NULL REFERENCES users (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    reward      INTEGER NOT NULL CHECK (reward > 0),
    reversed    INTEGER NOT NULL DEFAULT 0 CHECK (reversed >= 0),
    reversed_at TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX referral_rewards_referrer ON referral_rewards (referrer_id);
CREATE INDEX referral_rewards_created ON referral_rewards (created_at);

-- Broadcasts: a message to many users, delivered through the outbox behind every other notice.
CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY,
    admin_id    INTEGER NOT NULL,
    text        TEXT NOT NULL DEFAULT '',              -- HTML as the admin formatted it
    photo       TEXT,
    markup      TEXT,                                  -- the optional URL button, as inline keyboard JSON
    audience    TEXT NOT NULL,                         -- all | active-<days> | lang-<locale>
    status      TEXT NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'done', 'canceled')),
    recipients  INTEGER NOT NULL DEFAULT 0,
    skipped_blocked INTEGER NOT NULL DEFAULT 0,        -- known to have blocked the bot: not queued
    progress_chat_id INTEGER,
    progress_message_id INTEGER,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT
);

-- Broadcast copies wait behind every other message (priority 1), and are marked as being sent before the
-- call, so a copy interrupted by a crash is never sent twice.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER;
ALTER TABLE outbox ADD COLUMN sending_since REAL;
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
