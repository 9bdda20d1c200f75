"""Acceptance test of the reporter journey, in a real browser on a 360 px phone with JavaScript off.

A person in Iraq opens the report form in Arabic, fills it in by its labels, attaches a photo
taken by a phone (with GPS in its EXIF), sends it, copies the receipt code, comes back with it
typed on an Arabic keyboard, reads the report back in Arabic, answers, and leaves. A shorter
English journey checks that the other direction works too. Every assertion is about what the
reporter sees or can do.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from PIL import Image, ImageDraw
from playwright.sync_api import Page

from .conftest import BrowserRecord, Layout, OpenPage, Snapshot

pytestmark = pytest.mark.browser

ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
TO_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
GPS_IFD = 0x8825


@dataclass(frozen=True)
class Words:
    """What the reporter reads and taps, in one language, as the page shows it."""

    lang: str
    direction: str
    country: str
    country_label: str
    happened: str
    month_label: str
    year_label: str
    region_label: str
    force: str
    narrative_label: str
    files_label: str
    anonymous: str
    send: str
    sent_heading: str
    go_to_followup: str
    receipt_label: str
    open_report: str
    status_received: str


ARABIC = Words(
    lang="ar",
    direction="rtl",
    country="العراق",
    country_label="البلد",
    happened="طلب جنود أو شرطة مالًا أو أغراضًا عند نقطة تفتيش",
    month_label="الشهر",
    year_label="السنة",
    region_label="المنطقة أو المحافظة",
    force="الجيش أو الجنود",
    narrative_label="ما حدث، بكلماتك أنت",
    files_label="صور أو مستندات (اختياري)",
    anonymous="دون ذكر الاسم: لن يعرف أحد من أرسله",
    send="أرسل البلاغ",
    sent_heading="تم إرسال بلاغك بأمان",
    go_to_followup="اذهب إلى صفحة المتابعة",
    receipt_label="رمز الإيصال",
    open_report="افتح بلاغي",
    status_received="وصل بلاغك بأمان. لم يقرأه أحد بعد.",
)

ENGLISH = Words(
    lang="en",
    direction="ltr",
    country="Iraq",
    country_label="Country",
    happened="Soldiers or police demanded money or goods at a checkpoint",
    month_label="Month",
    year_label="Year",
    region_label="Region or province",
    force="Army or soldiers",
    narrative_label="What happened, in your own words",
    files_label="Photos or documents (optional)",
    anonymous="Anonymous: nobody will know who sent it",
    send="Send the report",
    sent_heading="Your report was sent safely",
    go_to_followup="Go to the follow-up page",
    receipt_label="Receipt code",
    open_report="Open my report",
    status_received="Your report has arrived safely. Nobody has read it yet.",
)

BAGHDAD = "IQ-BG"  # pycountry has no Arabic names for Iraq's governorates: pick by value
NARRATIVE_AR = "أوقفنا جنود عند نقطة التفتيش وطلبوا المال"
REPLY_AR = "كانوا ثلاثة جنود، وأخذوا مني عشرين ألف دينار."
NARRATIVE_EN = "Soldiers stopped our bus at the checkpoint and asked every passenger for money."

# The follow-up page's own chrome, reached without JavaScript: the reply box and the way out.
REPLY_BOX = "main form[action*='/report/followup/reply'] textarea[name='body']"
REPLY_FILES = "main form[action*='/report/followup/reply'] input[type='file']"
REPLY_SEND = "main form[action*='/report/followup/reply'] button[type='submit']"
# The Leave button sits under the status and again at the end; the first is the one to reach.
LEAVE = "main form[action*='/report/followup/leave'] button[type='submit'] >> nth=0"


@pytest.fixture
def demo_data(app: Flask) -> None:
    """The desks, compacts and desk keys a report needs, seeded as an operator would."""
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output


def phone_photo(path: Path) -> Path:
    """A real JPEG as a phone camera writes it: with the place it was taken in its EXIF."""
    image = Image.new("RGB", (800, 600), (120, 140, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 150, 600, 450), fill=(200, 40, 40))
    draw.ellipse((320, 220, 480, 380), fill=(240, 240, 240))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Cheap Android 5"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (33.0, 18.0, 51.6), 3: "E", 4: (44.0, 21.0, 40.8)})  # Baghdad
    image.save(path, "JPEG", quality=85, exif=exif)
    with Image.open(path) as saved:
        assert saved.getexif().get_ifd(GPS_IFD), "the test photo must carry GPS data"
    return path


def assert_language(page: Page, words: Words) -> None:
    html = page.locator("html")
    assert html.get_attribute("lang") == words.lang
    assert html.get_attribute("dir") == words.direction


def assert_fits_a_phone(page: Page, layout: Layout) -> None:
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px", "no stylesheet"
    assert layout.horizontal_overflow(page) == 0
    assert outside_viewport(page) == []


def outside_viewport(page: Page) -> list[str]:
    """`Layout.elements_outside_viewport`, minus the honeypot: it is off-screen on purpose."""
    found: list[str] = page.evaluate(
        """() => [...document.body.querySelectorAll('*')]
            .filter(el => el.checkVisibility({opacityProperty: true, visibilityProperty: true}))
            .filter(el => !el.closest('.skip-link, .visually-hidden, .trap'))
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.width > 0
                && (box.left < -0.5 || box.right > window.innerWidth + 0.5))
            .map(([el, box]) => `<${el.tagName.toLowerCase()} class="${el.className}">`
                + ` from ${Math.round(box.left)} to ${Math.round(box.right)} px`)"""
    )
    return found


def small_targets_besides_choices(page: Page, layout: Layout) -> list[str]:
    """`Layout.small_touch_targets` minus the checkboxes and radios of `.choices`, which are
    test_every_touch_target_of_the_report_form_is_44_px_tall (a known CSS bug)."""
    values = page.locator("main .choices input").evaluate_all("els => els.map(el => el.value)")
    known = tuple(f'<input> "{value}" ' for value in values)
    return [found for found in layout.small_touch_targets(page) if not found.startswith(known)]


def assert_no_csp_violation(record: BrowserRecord) -> None:
    assert record.csp_violations == []
    assert record.foreign_requests == []


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def fill_report(page: Page, words: Words, narrative: str, photo: Path | None) -> None:
    """Fill the form top to bottom as a person would: by what each field is called."""
    today = dt.date.today()
    page.get_by_label(words.country_label, exact=True).select_option(label=words.country)
    page.get_by_label(words.region_label, exact=True).select_option(value=BAGHDAD)
    page.get_by_label(words.happened, exact=True).check()
    # This month always exists and is never in the future; its name depends on the language.
    page.get_by_label(words.month_label, exact=True).select_option(value=str(today.month))
    page.get_by_label(words.year_label, exact=True).select_option(label=str(today.year))
    page.get_by_label(words.force, exact=True).check()
    page.get_by_label(words.narrative_label, exact=True).fill(narrative)
    if photo is not None:
        page.get_by_label(words.files_label, exact=True).set_input_files(photo)
    # Without a signed-in member there is nothing to choose: the report is anonymous.
    assert page.locator("input[type='hidden'][name='identity']").get_attribute("value") == (
        "anonymous"
    ), "sending anonymously must be the default"


def press_send(page: Page, words: Words) -> None:
    page.get_by_role("button", name=words.send, exact=True).click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == words.sent_heading, page.locator("main").inner_text()[:800]


def read_receipt(page: Page) -> list[str]:
    receipt = page.locator("main .receipt")
    groups = [text.strip() for text in receipt.locator("span").all_inner_texts()]
    assert len(groups) == 4, groups
    assert all(re.fullmatch(r"[0-9]{4}", group) for group in groups), groups
    return groups


def assert_receipt_reads_left_to_right(page: Page) -> None:
    """Four groups on one line, the first group leftmost, even on a right-to-left page."""
    boxes = [span.bounding_box() for span in page.locator("main .receipt span").all()]
    assert len(boxes) == 4 and all(b is not None for b in boxes)
    tops = {round(b["y"]) for b in boxes if b is not None}
    assert len(tops) == 1, f"the receipt is split over {len(tops)} lines"
    lefts = [b["x"] for b in boxes if b is not None]
    assert lefts == sorted(lefts), "the groups must read left to right, first group leftmost"


def receipt_digits_out_of_sight(page: Page) -> list[str]:
    """Receipt groups not wholly inside the phone's width or the receipt's dashed frame."""
    found: list[str] = page.evaluate(
        """() => {
            const frame = document.querySelector('main .receipt');
            const inner = frame.getBoundingClientRect();
            const style = getComputedStyle(frame);
            const left = Math.max(0, inner.left + parseFloat(style.borderLeftWidth));
            const right = Math.min(
                window.innerWidth, inner.right - parseFloat(style.borderRightWidth));
            return [...frame.querySelectorAll('span')]
                .map(span => [span.textContent, span.getBoundingClientRect()])
                .filter(([text, box]) => box.left < left - 0.5 || box.right > right + 0.5)
                .map(([text, box]) => `group ${text} spans ${Math.round(box.left)}`
                    + `-${Math.round(box.right)} px, the frame ${Math.round(left)}`
                    + `-${Math.round(right)} px`);
        }"""
    )
    return found


def send_a_report(page: Page, words: Words, narrative: str) -> list[str]:
    """From the open form to the receipt page; the receipt's four groups."""
    fill_report(page, words, narrative, photo=None)
    press_send(page, words)
    return read_receipt(page)


def open_report_with_receipt(page: Page, words: Words, typed: str) -> None:
    field = page.get_by_label(words.receipt_label, exact=True)
    field.press_sequentially(typed)  # key by key, as a phone keyboard sends it
    page.get_by_role("button", name=words.open_report, exact=True).click()
    page.wait_for_load_state()


def assert_asks_for_the_receipt(page: Page, words: Words) -> None:
    assert_language(page, words)
    assert page.get_by_label(words.receipt_label, exact=True).input_value() == ""
    shown = page.locator("main").inner_text()
    assert NARRATIVE_AR not in shown and REPLY_AR not in shown
    assert page.locator(REPLY_BOX).count() == 0


def test_reporter_sends_in_arabic_with_a_photo_and_follows_up_without_javascript(
    demo_data: None,
    open_page: OpenPage,
    layout: Layout,
    snapshot: Snapshot,
    browser_record: BrowserRecord,
    tmp_path: Path,
) -> None:
    words = ARABIC
    photo = phone_photo(tmp_path / "IMG_20260412_101530.jpg")

    # 1. The form, in Arabic, right to left, on a 360 x 740 phone with no JavaScript.
    page = open_page("/report/new?lang=ar", locale="ar-IQ")
    assert page.viewport_size == {"width": 360, "height": 740}
    assert_language(page, words)
    assert ARABIC_LETTER.search(page.locator("main h1").inner_text())
    assert_fits_a_phone(page, layout)
    assert small_targets_besides_choices(page, layout) == []
    assert_no_csp_violation(browser_record)
    snapshot(page, "1-form-empty")

    # 2. Filled in by its labels, with a photo, anonymously; then sent.
    fill_report(page, words, NARRATIVE_AR, photo)
    assert_fits_a_phone(page, layout)
    snapshot(page, "2-form-filled")
    press_send(page, words)

    # 3. The receipt: sixteen digits in four groups, readable and on one line of the phone.
    assert_language(page, words)
    groups = read_receipt(page)
    assert_receipt_reads_left_to_right(page)
    # That it fits the phone's width is test_receipt_fits_a_360_px_phone (a known CSS bug).
    assert layout.small_touch_targets(page, within="main") == []
    snapshot(page, "3-receipt")

    # 4. Follow up, typing the receipt with Arabic-Indic digits and spaces.
    page.get_by_role("link", name=words.go_to_followup, exact=True).click()
    page.wait_for_load_state()
    assert path_of(page) == "/report/followup"
    assert_language(page, words)
    assert_fits_a_phone(page, layout)
    typed = " ".join(groups).translate(TO_ARABIC_INDIC)
    assert not re.search(r"[0-9]", typed)
    open_report_with_receipt(page, words, typed)

    main = page.locator("main")
    assert path_of(page) == "/report/followup"
    assert page.get_by_role("status").first.inner_text().strip() == words.status_received, (
        main.inner_text()[:800]
    )
    assert_language(page, words)
    assert NARRATIVE_AR in main.inner_text()
    assert main.locator(".facts").get_by_text(words.happened, exact=True).is_visible()
    assert main.locator(".facts dd").last.inner_text() == "1"  # the last fact: files received
    assert_fits_a_phone(page, layout)
    assert layout.small_touch_targets(page, within="main") == []
    snapshot(page, "4-followup-report")

    # 5. An answer in Arabic, with a second photo.
    page.locator(REPLY_BOX).fill(REPLY_AR)
    page.locator(REPLY_FILES).set_input_files(phone_photo(tmp_path / "IMG_20260412_101602.jpg"))
    page.locator(REPLY_SEND).click()
    page.wait_for_load_state()
    assert path_of(page) == "/report/followup"
    notice = main.locator(".notice")
    assert notice.count() == 1 and notice.is_visible()
    thread = main.locator(".thread .from-reporter")
    assert thread.count() == 1
    assert REPLY_AR in thread.inner_text()
    assert NARRATIVE_AR in main.inner_text()  # still the same report
    assert main.locator(".facts dd").last.inner_text() == "2"  # the photo sent with the answer
    assert_fits_a_phone(page, layout)
    snapshot(page, "5-reply-sent")

    # 6. Leave: the report closes. Neither the Back button nor the follow-up page shows it again.
    page.locator(LEAVE).click()
    page.wait_for_load_state()
    assert path_of(page) == "/"
    page.go_back()
    assert path_of(page) == "/report/followup"
    assert_asks_for_the_receipt(page, words)
    page.goto("/report/followup")
    assert_asks_for_the_receipt(page, words)
    snapshot(page, "6-after-leaving")
    assert_no_csp_violation(browser_record)


def test_reporter_sends_in_english_and_follows_up_without_javascript(
    demo_data: None,
    open_page: OpenPage,
    layout: Layout,
    snapshot: Snapshot,
    browser_record: BrowserRecord,
) -> None:
    words = ENGLISH
    page = open_page("/report/new?lang=en", locale="en-GB")
    assert_language(page, words)
    assert_fits_a_phone(page, layout)

    groups = send_a_report(page, words, NARRATIVE_EN)
    assert_receipt_reads_left_to_right(page)
    # That it fits the phone's width is test_receipt_fits_a_360_px_phone (a known CSS bug).
    snapshot(page, "receipt")

    page.get_by_role("link", name=words.go_to_followup, exact=True).click()
    page.wait_for_load_state()
    open_report_with_receipt(page, words, "".join(groups))  # no spaces this time

    main = page.locator("main")
    assert page.get_by_role("status").first.inner_text().strip() == words.status_received
    assert_language(page, words)
    assert NARRATIVE_EN in main.inner_text()
    assert main.locator(".facts").get_by_text(words.happened, exact=True).is_visible()
    assert_fits_a_phone(page, layout)
    snapshot(page, "followup-report")
    assert_no_csp_violation(browser_record)


@pytest.mark.parametrize("words", [ARABIC, ENGLISH], ids=["ar", "en"])
def test_receipt_fits_a_360_px_phone(
    demo_data: None, open_page: OpenPage, layout: Layout, words: Words
) -> None:
    page = open_page(f"/report/new?lang={words.lang}")
    send_a_report(page, words, NARRATIVE_AR if words is ARABIC else NARRATIVE_EN)

    # Every digit must be seen to be written down: the code is shown only once.
    assert receipt_digits_out_of_sight(page) == []
    assert_fits_a_phone(page, layout)


@pytest.mark.parametrize("words", [ARABIC, ENGLISH], ids=["ar", "en"])
def test_every_touch_target_of_the_report_form_is_44_px_tall(
    demo_data: None, open_page: OpenPage, layout: Layout, words: Words
) -> None:
    page = open_page(f"/report/new?lang={words.lang}")

    assert layout.small_touch_targets(page) == []


def untranslated(page: Page) -> list[str]:
    """Sentences of the interface shown with Latin letters and no Arabic at all.

    What the reporter typed, the receipt, the honeypot and the native language names of the
    language menu (in the header) are not the interface's sentences and are left out.
    """
    found: list[str] = page.evaluate(
        """() => [...new Set([...document.querySelectorAll(
                'main h1, main h2, main legend, main label, main p, main li, main dt,'
                + ' main button, main a, footer a')]
            .filter(el => el.checkVisibility())
            .filter(el => !el.closest('.sealed-text, .receipt, .trap'))
            .map(el => el.innerText.trim())
            .filter(text => /[A-Za-z]/.test(text) && !/[\\u0600-\\u06ff]/.test(text)))]"""
    )
    return found


def test_arabic_reporter_reads_every_sentence_in_arabic(
    demo_data: None, open_page: OpenPage
) -> None:
    words = ARABIC
    seen: dict[str, list[str]] = {}
    page = open_page("/report/new?lang=ar")
    seen["form"] = untranslated(page)
    groups = send_a_report(page, words, NARRATIVE_AR)
    seen["receipt"] = untranslated(page)
    page.get_by_role("link", name=words.go_to_followup, exact=True).click()
    page.wait_for_load_state()
    seen["follow-up sign-in"] = untranslated(page)
    open_report_with_receipt(page, words, " ".join(groups))
    assert NARRATIVE_AR in page.locator("main").inner_text()
    page.locator(REPLY_BOX).fill(REPLY_AR)
    page.locator(REPLY_SEND).click()
    page.wait_for_load_state()
    assert REPLY_AR in page.locator("main .thread").inner_text()
    seen["follow-up"] = untranslated(page)

    problems = {name: texts for name, texts in seen.items() if texts}
    assert not problems, "\n".join(f"{name}: {texts}" for name, texts in problems.items())
