"""Building blocks for "a team's day" in a real browser: people who only click and type.

Each `Person` is one browser (its own cookies) driven the way a person would: by following the
links and buttons the pages show, never by Python or SQL behind the portal's back. The only
outside help is each person's phone: `Phones` plays the authenticator app, reading the key the
enrolment page shows and producing codes from it, as an app would.

Every person counts the pages they load and the clicks they make (`Person.tally`), so a test of a
whole day can print what the day cost and a change that adds steps shows in the numbers.

    team = Team(open_page, phones)
    admin = team.person("admin", width=1280)
    admin.sign_in(ADMIN, PASSWORD)                      # enrols the phone on first sign-in
    link = invite(admin, "v@example.org", "Verifier", roles=["Verifier"], desks=["Iraq desk"])
    verifier = team.person("verifier")                   # a 360 px phone
    accept_invitation(verifier, link, NEW_PASSWORD)
    verifier.sign_in("v@example.org", NEW_PASSWORD)
    grant_desk_access(holder, "v@example.org", "Iraq desk")
    token = make_api_token(admin, "dashboard", owner="a@example.org", reads=["Scorecards"])
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page

from portal.auth import totp

from .conftest import Layout, OpenPage


@dataclass
class Tally:
    pages: int = 0
    clicks: int = 0

    def __str__(self) -> str:
        return f"{self.pages} pages, {self.clicks} clicks"


@dataclass
class Phones:
    """Everyone's authenticator app: the key each enrolled, and the last step each used.

    The portal refuses a code of a step already used (replay), so a second sign-in within the
    same 30 seconds waits for the next code, as a person would.
    """

    secrets: dict[str, bytes] = field(default_factory=dict)
    used: dict[str, int] = field(default_factory=dict)

    def add(self, email: str, shown_key: str) -> None:
        text = "".join(shown_key.split()).upper()
        self.secrets[email] = base64.b32decode(text + "=" * (-len(text) % 8))

    def code(self, email: str) -> str:
        step = totp.time_step(dt.datetime.now(dt.UTC))
        while step <= self.used.get(email, -1):
            time.sleep(1)
            step = totp.time_step(dt.datetime.now(dt.UTC))
        self.used[email] = step
        return totp.code_for_step(self.secrets[email], step)


class Person:
    """One browser, as one person uses it."""

    def __init__(self, name: str, page: Page, phones: Phones) -> None:
        self.name = name
        self.page = page
        self.phones = phones
        self.tally = Tally()
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: object) -> None:
        if frame is self.page.main_frame:
            self.tally.pages += 1

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def main_text(self) -> str:
        return self.page.locator("main").inner_text()

    def open(self, path: str) -> None:
        """Type an address (a link someone gave them, or a bookmark)."""
        response = self.page.goto(path)
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )

    def click(self, target: Locator) -> None:
        target.click()
        self.tally.clicks += 1
        self.page.wait_for_load_state()

    def follow(self, name: str, *, within: str = "body") -> None:
        """Click the link or button named `name` (exact accessible name)."""
        scope = self.page.locator(within)
        found = scope.get_by_role("link", name=name, exact=True)
        if found.count() == 0:
            found = scope.get_by_role("button", name=name, exact=True)
        assert found.count() >= 1, f"{self.name}: nothing called {name!r} on {self.path}"
        self.click(found.first)

    def fill(self, label: str, value: str) -> None:
        self.page.get_by_label(label, exact=True).fill(value)

    def check(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()
        self.tally.clicks += 1

    def choose(self, label: str, option: str) -> None:
        self.page.get_by_label(label, exact=True).select_option(label=option)
        self.tally.clicks += 1

    def shown(self, element_id: str) -> str:
        """The text of a one-time value the page shows (a link, a key, a token)."""
        return self.page.locator(f"#{element_id}").inner_text().strip()

    def notice(self) -> str:
        return " ".join(self.page.locator("main .notice").all_inner_texts())

    def sign_in(self, email: str, password: str) -> None:
        """From wherever they are: the footer's sign-in link, email, password, then the phone."""
        if self.path != "/auth/login":
            self.open("/auth/login")
        self.fill("Email", email)
        self.fill("Password", password)
        self.follow("Sign in", within="main")
        if self.path == "/auth/two-factor/setup":
            self.phones.add(email, self.page.locator("main code.secret").inner_text())
            self.page.locator("input[name='code']").fill(self.phones.code(email))
            self.follow("Turn on two-step sign-in")
            assert "recovery codes" in self.main_text().lower(), self.main_text()[:300]
            self.follow("I have kept them, continue")
        elif self.path == "/auth/two-factor":
            self.page.locator("input[name='code']").fill(self.phones.code(email))
            self.follow("Continue", within="main")
        assert not self.path.startswith("/auth/login"), self.main_text()[:500]
        assert not self.path.startswith("/auth/two-factor"), self.main_text()[:500]

    def fits_the_screen(self, layout: Layout) -> None:
        assert layout.horizontal_overflow(self.page) == 0, f"{self.name} scrolls sideways"
        assert layout.elements_outside_viewport(self.page) == [], self.path


@dataclass
class Team:
    open_page: OpenPage
    phones: Phones = field(default_factory=Phones)
    people: dict[str, Person] = field(default_factory=dict)

    def person(self, name: str, *, width: int = 360, javascript: bool = False) -> Person:
        page = self.open_page(width=width, javascript=javascript)
        self.people[name] = Person(name, page, self.phones)
        return self.people[name]

    def tallies(self) -> str:
        return "; ".join(f"{name}: {p.tally}" for name, p in self.people.items())


def invite(
    admin: Person,
    email: str,
    name: str,
    *,
    roles: list[str],
    desks: tuple[str, ...] = (),
    organisation: str | None = None,
) -> str:
    """From the administration's start page: Accounts → Invite a person; returns the link."""
    if admin.path != "/admin/":
        admin.follow("Administration", within=".staff-bar")
    admin.follow("Accounts", within="main")
    admin.follow("Invite a person")
    admin.fill("Email", email)
    admin.fill("Name", name)
    for role in roles:
        admin.check(role)
    for desk in desks:
        admin.check(desk)
    if organisation is not None:
        admin.choose("Organisation", organisation)
    admin.follow("Create the invitation link")
    assert admin.path == "/admin/users/invite", admin.main_text()[:500]
    link = admin.shown("setup-link")
    assert link.startswith("http"), link
    admin.follow("Administration", within=".staff-bar")
    return link


def accept_invitation(person: Person, link: str, password: str) -> str:
    """Open the one-time link, choose a password; returns the recovery key written down."""
    person.open(urlsplit(link).path)
    person.fill("New password", password)
    person.fill("New password again", password)
    person.follow("Save my password")
    key = person.shown("recovery-key")
    assert len(key.replace("-", "")) == 32, key
    person.follow("I have written it down, sign in")
    assert person.path == "/auth/login"
    return key


def grant_desk_access(holder: Person, email: str, desk: str) -> None:
    """A key holder, signed in: account page → Desk access → grant the waiting person."""
    holder.follow(holder.page.locator(".staff-bar a").last.inner_text())  # their own name
    holder.follow("Desk access", within="main")
    row = holder.page.locator("main .records li", has_text=email)
    assert row.count() == 1, holder.main_text()[:800]
    holder.click(row.get_by_role("button", name=f"Grant access to {desk}", exact=True))
    assert "can now open the reports" in holder.notice(), holder.main_text()[:500]


def make_api_token(
    admin: Person, name: str, *, owner: str, reads: list[str], valid_for: str = "90 days"
) -> str:
    """Administration → API tokens → Make a token; returns the token shown once."""
    admin.follow("API tokens", within="main")
    admin.follow("Make a token")
    admin.fill("What the token is for", name)
    owner_option = admin.page.locator("select[name='owner'] option", has_text=f"<{owner}>")
    admin.choose("Owner", owner_option.inner_text())
    for scope in reads:
        admin.check(scope)
    admin.check(valid_for)
    admin.follow("Make the token")
    token = admin.shown("api-token")
    assert token.startswith("cwt_"), token
    return token
