-- Support tickets: a customer's conversation with the shop, optionally about one order.
CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,                      -- the ticket number customers and admins see
    user_id     INTEGER NOT NULL REFERENCES users (id),
    order_id    INTEGER,                                  -- the order it is about, if any
    topic       TEXT NOT NULL DEFAULT 'other',            -- not_started, partial, refill, payment, other
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    waiting     TEXT NOT NULL DEFAULT 'admin' CHECK (waiting IN ('admin', 'customer')),  -- who answers next
    waiting_since TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    thread_id   INTEGER,                                  -- its forum topic in SUPPORT_CHAT_ID
    first_answer_at TEXT,
    closed_at   TEXT,
    closed_by   TEXT CHECK (closed_by IN ('admin', 'customer')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX tickets_user ON tickets (user_id, status);
CREATE INDEX tickets_open ON tickets (status, waiting, waiting_since);

-- The thread: who wrote what and when (a photo by its Telegram file id, its caption as the text).
CREATE TABLE ticket_messages (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    author_id   INTEGER NOT NULL,
    from_admin  INTEGER NOT NULL CHECK (from_admin IN (0, 1)),
    text        TEXT NOT NULL DEFAULT '',
    photo       TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);
CREATE INDEX ticket_messages_author ON ticket_messages (author_id, created_at);

-- Outbox rows may carry a photo, buttons and a forum topic, and belong to a ticket: once sent, the Telegram
-- message is linked to it, so a reply to that message lands in the right ticket.
ALTER TABLE outbox ADD COLUMN photo TEXT;
ALTER TABLE outbox ADD COLUMN markup TEXT;
ALTER TABLE outbox ADD COLUMN thread_id INTEGER;
ALTER TABLE outbox ADD COLUMN ticket_id INTEGER;

CREATE TABLE ticket_links (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (chat_id, message_id)
);
