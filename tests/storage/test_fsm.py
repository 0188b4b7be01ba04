from storage.database import Database
from storage.fsm import FsmRepo
from tests.databases import reopen


async def test_state_and_data_survive_a_reopen(db: Database) -> None:
    repo = FsmRepo(db)
    await repo.set_state("k", "Order:link")
    await repo.set_data("k", {"service": "7", "quantity": 100})
    await db.close()
    again = reopen(db)
    await again.connect()
    try:
        repo = FsmRepo(again)
        assert await repo.get_state("k") == "Order:link"
        assert await repo.get_data("k") == {"service": "7", "quantity": 100}
        await repo.set_state("k", None)
        await repo.set_data("k", {})
        assert await again.fetchval("SELECT COUNT(*) FROM fsm") == 0
    finally:
        await again.close()
