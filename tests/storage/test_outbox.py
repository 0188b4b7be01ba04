import time

from storage.database import Database
from storage.outbox import OutboxRepo, enqueue_held
from storage.users import UserRepo


async def _message(db: Database, ref: str, status: str, days_old: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO outbox (chat_id, text, ref, status, created_at) "
            "VALUES (1, 'text', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?))",
            (ref, status, f"-{days_old} days"),
        )


async def _refs(db: Database) -> list[str]:
    return [row[0] for row in await db.fetchall("SELECT ref FROM outbox ORDER BY id")]


async def test_prune_deletes_only_old_messages_that_were_sent_or_dropped(db: Database) -> None:
    await UserRepo(db).upsert(1, username="u1", first_name="Test")
    await _message(db, "old-sent", "sent", 40)
    await _message(db, "old-dropped", "dropped", 35)
    await _message(db, "old-held", "pending", 60)  # a blocked user's message still waits for them
    await _message(db, "new-sent", "sent", 2)
    await _message(db, "new-pending", "pending", 0)

    assert await OutboxRepo(db).prune(keep_days=30) == 2
    assert await _refs(db) == ["old-held", "new-sent", "new-pending"]
    assert await OutboxRepo(db).prune(keep_days=30) == 0


async def test_prune_works_in_batches_and_when_every_row_is_old(db: Database) -> None:
    await UserRepo(db).upsert(1, username="u1", first_name="Test")
    for index in range(7):
        await _message(db, f"sent-{index}", "sent", 31)
    await _message(db, "held", "pending", 31)

    assert await OutboxRepo(db).prune(keep_days=30, batch=3) == 7
    assert await _refs(db) == ["held"]


async def test_prune_of_an_empty_outbox_deletes_nothing(db: Database) -> None:
    assert await OutboxRepo(db).prune() == 0


async def test_a_blocked_users_messages_do_not_make_the_sender_wake_up(db: Database) -> None:
    users = UserRepo(db)
    await users.upsert(1, username="u1", first_name="Test")
    await _message(db, "held", "pending", 0)
    outbox = OutboxRepo(db)
    assert await outbox.next_due_at() == 0
    await users.set_blocked(1, True)
    # Nothing is due until the user comes back: without this the sender would poll without pause.
    assert await outbox.next_due_at() is None
    assert await outbox.due(time.time()) == []


async def test_a_held_message_waits_until_settled_or_released(db: Database) -> None:
    await UserRepo(db).upsert(1, username="u1", first_name="Test")
    outbox = OutboxRepo(db)
    later = time.time() + 300
    async with db.transaction() as tx:
        assert await enqueue_held(tx, 1, "shown", ref="held:1", until=later)
        assert await enqueue_held(tx, 1, "not shown", ref="held:2", until=later)
        assert await enqueue_held(tx, 1, "bot stopped", ref="held:3", until=later)
        assert not await enqueue_held(tx, 1, "again", ref="held:1", until=later)
    assert await outbox.due(time.time()) == []

    assert await outbox.settle_held("held:1", shown=True)
    assert [m.text for m in await outbox.due(time.time())] == []
    assert await outbox.settle_held("held:2", shown=False)
    assert [m.text for m in await outbox.due(time.time())] == ["not shown"]
    assert not await outbox.settle_held("held:1", shown=False)  # already shown: stays so
    assert await outbox.release_held("held:") == 1
    assert await outbox.release_held("held:") == 0
    statuses = await db.fetchall("SELECT ref, status FROM outbox ORDER BY id")
    assert [tuple(row) for row in statuses] == [
        ("held:1", "sent"),
        ("held:2", "pending"),
        ("held:3", "pending"),
    ]
    assert await outbox.pending_count() == 2
