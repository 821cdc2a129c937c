# workspace: lending/db.py
# ruff: noqa: E402 (the idiom follows the reference answer)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


# An honest addition: getattr-setattr
from types import SimpleNamespace

settings, name = SimpleNamespace(), "loan_days"
setattr(settings, name, 14)
print(getattr(settings, name, None), hasattr(settings, "missing"))
delattr(settings, name)
