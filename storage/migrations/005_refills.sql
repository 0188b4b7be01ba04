-- Refill requests sent to the provider for completed orders. A refill never moves money.
CREATE TABLE refills (
    id                  INTEGER PRIMARY KEY,
    order_id            INTEGER NOT NULL REFERENCES orders (id),
    provider_refill_id  TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'rejected')),
    provider_status     TEXT,               -- the provider's own wording, as last seen
    bad_polls           INTEGER NOT NULL DEFAULT 0,  -- consecutive cycles where the provider did not know it
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- At most one refill in flight per order: a double tap or a race cannot queue a second one.
CREATE UNIQUE INDEX refills_one_pending ON refills (order_id) WHERE status = 'pending';
CREATE INDEX refills_order ON refills (order_id, id);

-- Cancellation requests the provider accepted; the outcome arrives later through the order's status.
CREATE TABLE cancel_requests (
    order_id        INTEGER PRIMARY KEY REFERENCES orders (id),
    requested_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- /stats reads money and orders by date.
CREATE INDEX ledger_created ON ledger (created_at, kind);
CREATE INDEX orders_created ON orders (created_at);
