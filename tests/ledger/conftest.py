"""A compact with a decided tier, an assessor and an admin, for the ledger tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from portal.domain.models import Compact, Role, User
from tests.ledger.books import new_compact


@pytest.fixture
def compact(session: Session) -> Compact:
    return new_compact(session)


@pytest.fixture
def assessor(make_user) -> User:  # type: ignore[no-untyped-def]
    user: User = make_user("assessor@example.org", roles=(Role.ASSESSOR,))
    return user


@pytest.fixture
def admin(make_user) -> User:  # type: ignore[no-untyped-def]
    user: User = make_user("admin@example.org", roles=(Role.ADMIN,))
    return user
