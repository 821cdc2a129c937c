from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def add_overdue_index(connection: AsyncConnection) -> None:
    """Create the index the overdue report searches (no commit: the caller commits)."""
    await connection.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_loans_overdue ON loans (due_at) "
            "WHERE due_at < '2025-06-01'"
        )
    )
