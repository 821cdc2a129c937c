from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection


def schema_drift(connection: Connection, metadata: MetaData) -> list[str]:
    context = MigrationContext.configure(connection)
    return [str(diff) for diff in compare_metadata(context, metadata)]
