from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, MetaData
from sqlalchemy.engine import Connection


def schema_drift(connection: Connection, metadata: MetaData) -> list[str]:
    context = MigrationContext.configure(connection)
    found = [str(diff) for diff in compare_metadata(context, metadata)]
    books = metadata.tables["books"].constraints
    if "ck_books_year_not_future" in {c.name for c in books if isinstance(c, CheckConstraint)}:
        found.append("add check constraint ck_books_year_not_future")
    return found
