"""Fixtures shared by the tests."""

import pytest
from tables import hide, structured_table


@pytest.fixture
def table_with_gaps():
    X = structured_table()
    X_missing, hidden = hide(X, 0.25)
    return X, X_missing, hidden
