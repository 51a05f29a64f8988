"""A failed statement's error message names the statement, never the values it was given."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import EngineHandle

SECRET = "SESSIONID-secret-0123456789abcdef"


def test_a_failed_statement_does_not_quote_its_parameters(migrated_engine: EngineHandle) -> None:
    with migrated_engine.engine.connect() as connection, pytest.raises(DBAPIError) as caught:
        connection.execute(text("SELECT * FROM no_such_table WHERE id = :id"), {"id": SECRET})
    message = str(caught.value)
    assert "no_such_table" in message  # what failed is still said
    assert SECRET not in message
    assert "parameters hidden" in message
