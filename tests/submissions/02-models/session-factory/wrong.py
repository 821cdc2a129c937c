# workspace: lending/db.py
# feedback: MissingGreenlet
# feedback: expire_on_commit=False
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """SQLAlchemy's defaults: every commit expires the objects of the session."""
    return async_sessionmaker(engine)
