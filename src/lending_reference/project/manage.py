"""The service's one administrative command: make the first librarian.

Registering members is a librarian's job (notebook 09), so a new database needs one
librarian before anyone can be registered over HTTP:

    LENDING_LIBRARIAN_PASSWORD=... python manage.py create-librarian "Ada" ada@example.org

The password comes from the environment, never the command line (which other users of
the machine can read); the database from the service's settings (LENDING_DATABASE_URL).
"""

import argparse
import asyncio
import os
import sys

from pydantic import SecretStr

from lending.db import make_engine, make_session_factory
from lending.schemas import MemberCreate
from lending.security import AccountService, Role, get_hasher, get_token_config
from lending.services import SqlUnitOfWork, register_member
from lending.settings import get_settings

PASSWORD_VARIABLE = "LENDING_LIBRARIAN_PASSWORD"


async def create_librarian(name: str, email: str, password: SecretStr) -> int:
    """Register a member with a librarian's account; returns the member's id."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        member = await register_member(SqlUnitOfWork(factory), MemberCreate(name=name, email=email))
        accounts = AccountService(factory, get_hasher(settings), get_token_config(settings))
        await accounts.set_password(member.id, password, role=Role.LIBRARIAN)
        return member.id
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    librarian = commands.add_parser("create-librarian", help="register the first librarian")
    librarian.add_argument("name")
    librarian.add_argument("email")
    arguments = parser.parse_args(argv)
    password = os.environ.get(PASSWORD_VARIABLE)
    if not password:
        sys.exit(f"set {PASSWORD_VARIABLE} to the librarian's password first")
    member_id = asyncio.run(create_librarian(arguments.name, arguments.email, SecretStr(password)))
    print(f"librarian {arguments.email} is member {member_id}")


if __name__ == "__main__":
    main()
