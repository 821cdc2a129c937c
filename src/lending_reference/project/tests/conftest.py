"""Who the package's tests are signed in as.

Notebook 07's API tests were written before notebook 09 put the routes behind a login.
Here every test's app is signed in as a librarian, who may call every route; a test of
authorisation signs in as someone else (``app.dependency_overrides[current_user] = ...``)
or as nobody (``app.dependency_overrides.pop(current_user)``).
"""

import pytest
from fastapi import FastAPI

from lending.security import Principal, Role, current_user

LIBRARIAN = Principal(member_id=0, role=Role.LIBRARIAN)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.dependency_overrides[current_user] = lambda: LIBRARIAN
    return app
