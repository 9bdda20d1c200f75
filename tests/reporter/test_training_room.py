"""Twenty people behind one address can all report; a script flooding the form is slowed."""

from __future__ import annotations

import dataclasses
import re

from flask import Flask

from portal import create_app
from portal.config import Config
from portal.limits.abuse import SubmissionLimits

ROOM = {"REMOTE_ADDR": "198.51.100.20"}


def _form(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get("/report/new", environ_base=ROOM).get_data(as_text=True)
    token = re.search(r'name="submission" type="hidden" value="([^"]+)"', page)
    compact = re.search(r'<option value="([^"]+)">Iraq', page)
    assert token and compact
    return {
        "submission": token.group(1), "compact": compact.group(1),
        "happened": "IC-1.checkpoint-money", "month": "3", "year": "2026", "region": "IQ-BG",
        "force": "police", "narrative": "They asked for money at the checkpoint.",
        "identity": "anonymous",
    }


def _submit(client, data: dict[str, str]) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = client.post("/report/new", data=data, environ_base=ROOM, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def _app(config: Config, **limits: int) -> Flask:
    app = create_app(dataclasses.replace(config, submission_limits=SubmissionLimits(**limits)))
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    return app


def test_twenty_people_in_one_room_all_get_receipts(config: Config) -> None:
    app = _app(config)
    receipts = set()
    for _person in range(20):
        client = app.test_client()  # each phone has its own browser session
        status, page = _submit(client, _form(client))
        assert status == 200, page[:300]
        receipts.add("".join(re.findall(r"<span>(\d{4})</span>", page)))
    assert len(receipts) == 20 and all(len(r) == 16 for r in receipts)


def test_a_flooding_script_is_slowed_and_a_person_keeps_their_text(config: Config) -> None:
    app = _app(config, per_session=3, per_network=5)
    script = app.test_client()
    statuses = []
    for _ in range(8):
        statuses.append(_submit(script, _form(script))[0])
    assert statuses.count(200) == 3  # one browser session: three reports
    assert 429 in statuses
    # New sessions from the same address stop at the network allowance.
    other = app.test_client()
    data = _form(other)
    data["narrative"] = "A person's long account that must not be lost."
    status, page = _submit(other, data)
    if status == 200:
        status, page = _submit(other, data | {"submission": _form(other)["submission"]})
    assert status == 429
    assert "A person&#39;s long account that must not be lost." in page
    assert "Please wait" in page
