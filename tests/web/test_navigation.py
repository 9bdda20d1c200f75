"""The staff bar links each signed-in person to the areas the access table lets them open."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from portal.domain.models import Role, User
from tests.conftest import sign_in

AREAS = {"/desk/": "verifier", "/assess/": "assessor", "/admin/": "admin"}


def _nav_links(client: FlaskClient) -> set[str]:
    page = client.get("/auth/account").get_data(as_text=True)
    bar = re.search(r'<nav class="staff-bar".*?</nav>', page, re.S)
    assert bar is not None
    return set(re.findall(r'href="([^"?]+)', bar.group(0)))


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ((Role.VERIFIER,), {"/desk/"}),
        ((Role.ASSESSOR,), {"/assess/"}),
        ((Role.ADMIN,), {"/assess/", "/admin/"}),
        ((Role.VERIFIER, Role.ASSESSOR), {"/desk/", "/assess/"}),
    ],
)
def test_the_staff_bar_offers_exactly_the_areas_a_role_may_open(
    client: FlaskClient,
    make_user: Callable[..., User],
    roles: tuple[Role, ...],
    expected: set[str],
) -> None:
    user = make_user("nav@example.org", roles=roles, desks=("IQ",))
    sign_in(client, user.email)
    offered = _nav_links(client) & set(AREAS)
    assert offered == expected
    for path in AREAS:
        status = client.get(path).status_code
        # Every link offered opens; every area not offered is refused.
        assert (status == 200) == (path in offered), (path, status)


def test_every_page_links_to_the_public_figures(client: FlaskClient) -> None:
    landing = client.get("/").get_data(as_text=True)
    assert 'href="/public/compacts/"' in landing
    assert client.get("/public/compacts/").status_code == 200
