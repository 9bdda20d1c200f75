"""Build common_passwords.txt.gz, the list of passwords the portal refuses as too easy to guess.

Run from the repository root after changing anything here:

    .venv/bin/python -m portal.auth.data.build_common_passwords

Why generated instead of a breach corpus: no breached-password list is available to the project
without fetching one at build time, and the portal must not call a breach API at run time (that
would tell a third party when staff change passwords). So the list is composed from the patterns
that cracking tools try first, with the places, names, faith words and football clubs that people
in the compact countries (Iraq, Somalia, Niger, the Philippines) are likely to build passwords
from, and the portal's own name, which a targeted attacker tries before anything else.

It is a floor, not a strength meter: passwords.py also strips leading and trailing digits and
symbols and undoes common letter-for-digit substitutions before looking a password up, so
"P@ssw0rd2024!" is refused because "password" is listed.

Output is sorted and gzipped with a fixed timestamp, so the same script always yields the same
bytes; tests check that the shipped file matches this script.
"""

from __future__ import annotations

import gzip
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

OUTPUT = Path(__file__).with_name("common_passwords.txt.gz")

# fmt: off
# The entries people reach for when told to choose a password: generic words, greetings, sport,
# pop culture, brands. Composed for this project from the patterns cracking dictionaries lead with.
GENERIC_WORDS = [
    "password", "passwort", "motdepasse", "contrasena", "senha", "parole", "passcode",
    "passphrase", "pass", "pwd", "login", "logon", "letmein", "welcome", "hello", "hellothere",
    "hithere", "admin", "administrator", "root", "superuser", "sysadmin", "user", "username",
    "guest", "test", "testing", "tester", "demo", "default", "changeme", "change", "secret",
    "secrets", "private", "master", "qwerty", "iloveyou", "trustno1", "trustnoone", "monkey",
    "dragon", "shadow", "sunshine", "princess", "football", "baseball", "soccer", "basketball",
    "hockey", "cricket", "superman", "batman", "spiderman", "starwars", "pokemon", "naruto",
    "freedom", "whatever", "nothing", "someone", "anything", "access", "ninja", "mustang",
    "michael", "jordan", "hunter", "ranger", "buster", "tigger", "charlie", "jessica", "ashley",
    "daniel", "thomas", "robert", "matthew", "andrew", "joshua", "george", "computer", "internet",
    "google", "facebook", "instagram", "whatsapp", "telegram", "twitter", "youtube", "tiktok",
    "snapchat", "gmail", "yahoo", "hotmail", "outlook", "samsung", "iphone", "apple", "android",
    "nokia", "huawei", "tecno", "infinix", "xiaomi", "microsoft", "windows", "linux", "ubuntu",
    "cheese", "chocolate", "cookie", "coffee", "banana", "orange", "summer", "winter", "spring",
    "autumn", "love", "lovely", "loveme", "loveyou", "lover", "babygirl", "babyboy", "baby",
    "angel", "angels", "killer", "lucky", "money", "blessed", "family", "friends", "friend",
    "forever", "happy", "secure", "security", "confidential", "database", "server", "office",
    "company", "manager", "business", "account", "bank", "banking", "mobile", "phone", "number",
    "flower", "flowers", "beautiful", "pretty", "sweet", "sweetheart", "honey", "darling",
    "kitten", "puppy", "tiger", "lion", "eagle", "falcon", "wolf", "bear", "jaguar", "soldier",
    "warrior", "legend", "hero", "king", "queen", "prince", "boss", "master1", "champion",
    "winner", "player", "gamer", "matrix", "zxcvbnm", "asdfgh", "qazwsx", "abcdef", "abcdefg",
    "abcdefgh", "abc123", "aaaaaa", "fuckyou", "ihateyou", "loveyou2", "mypassword", "newpassword",
    "oldpassword", "nopassword", "password1", "yourpassword", "thepassword", "opensesame",
    "letmeinnow", "keepout", "goaway", "iamthebest", "youcantguess", "guessme", "secretpassword",
    "correcthorsebatterystaple", "thequickbrownfox", "thequickbrownfoxjumpsoverthelazydog",
]

# Places, people and words from the compact countries and the portal's field of work.
REGIONAL_WORDS = [
    "iraq", "iraqi", "baghdad", "basra", "basrah", "mosul", "erbil", "arbil", "hawler", "kirkuk",
    "sulaymaniyah", "slemani", "duhok", "dohuk", "halabja", "najaf", "karbala", "fallujah",
    "ramadi", "tikrit", "samarra", "anbar", "nineveh", "kurdistan", "kurd", "kurdish", "kurdi",
    "peshmerga", "zakho", "babylon", "babil", "tigris", "euphrates", "somalia", "somali",
    "somaliland", "mogadishu", "muqdisho", "hargeisa", "kismayo", "baidoa", "puntland", "garowe",
    "bosaso", "galkayo", "beledweyne", "jubaland", "alshabaab", "shabaab", "niger", "nigerien",
    "niamey", "zinder", "maradi", "agadez", "tahoua", "dosso", "tillaberi", "diffa", "sahel",
    "sahara", "hausa", "zarma", "djerma", "tuareg", "fulani", "peul", "philippines", "pilipinas",
    "filipino", "filipina", "pinoy", "pinay", "manila", "quezon", "cebu", "davao", "mindanao",
    "marawi", "zamboanga", "cotabato", "sulu", "basilan", "luzon", "visayas", "tagalog", "bisaya",
    "mahalkita", "mahal", "africa", "arabic", "arab", "allah", "allahuakbar", "bismillah",
    "alhamdulillah", "inshallah", "insha", "mashallah", "subhanallah", "lailahaillallah",
    "astaghfirullah", "salam", "salaam", "assalamualaikum", "shukran", "marhaba", "habibi",
    "habibti", "hayati", "azadi", "azad", "hurriya", "watan", "sabr", "amal", "jesus", "christ",
    "jesuschrist", "jesusislord", "jesuslovesme", "godislove", "ilovegod", "ilovejesus", "god",
    "lord", "amen", "heaven", "faith", "hope", "grace", "mercy", "glory", "church",
]

# Given names common in Iraq, Somalia, Niger and the Philippines, and worldwide.
NAMES = [
    "muhammad", "mohammed", "mohamed", "mohamad", "muhamad", "mohammad", "ahmed", "ahmad", "ali",
    "hussein", "husain", "hussain", "hassan", "hasan", "omar", "umar", "abdullah", "abdallah",
    "abdullahi", "abdi", "abdirahman", "abdulrahman", "ibrahim", "ismail", "yusuf", "yousef",
    "youssef", "mustafa", "mostafa", "khalid", "khaled", "mahmoud", "mahmud", "hamza", "idris",
    "idriss", "moussa", "musa", "ousmane", "usman", "issa", "abdou", "amadou", "boubacar",
    "adamou", "mamadou", "ibrahima", "souleymane", "sulaiman", "suleiman", "salah", "saleh",
    "salih", "karim", "kareem", "jamal", "nasser", "said", "saeed", "zaid", "zayd", "bilal",
    "tariq", "yasin", "yassin", "faisal", "haidar", "haider", "abbas", "jafar", "mahdi", "murtaza",
    "ammar", "qasim", "kamal", "rashid", "farah", "warsame", "hodan", "fatima", "fatma", "aisha",
    "aicha", "zainab", "zeinab", "zeinabou", "maryam", "mariam", "maria", "mariama", "khadija",
    "amina", "aminata", "halima", "hawa", "asha", "hadiza", "salamatou", "sara", "sarah", "nour",
    "noor", "layla", "leila", "laila", "huda", "hana", "rania", "dina", "rana", "samira", "yasmin",
    "jasmine", "jose", "juan", "mark", "john", "paul", "peter", "james", "jonathan", "christian",
    "angelo", "carlo", "ramon", "ricardo", "rodrigo", "jennifer", "joy", "grace", "marites",
    "maricel", "rosa", "rose", "ana", "anna", "angelica", "kristine", "princess", "david",
    "joseph", "thomas", "william", "richard", "charles", "daniel", "michael", "robert", "matthew",
    "andrew", "anthony",
]

FOOTBALL = [
    "realmadrid", "madrid", "barcelona", "barca", "liverpool", "chelsea", "arsenal", "manchester",
    "manchesterunited", "manutd", "manunited", "manchestercity", "mancity", "tottenham",
    "juventus", "juve", "bayern", "psg", "acmilan", "milan", "intermilan", "inter", "dortmund",
    "ajax", "galatasaray", "alahly", "zamalek", "messi", "ronaldo", "cristiano", "cr7", "neymar",
    "mbappe", "zidane", "salah", "mosalah", "benzema", "haaland", "drogba", "eto", "okocha",
]

# The portal, its people and its vocabulary: what someone targeting this system tries first.
PORTAL_WORDS = [
    "compactwatch", "compact", "watch", "watchdog", "compactwatcher", "compacts", "verifier",
    "verification", "verify", "assessor", "assessment", "reporter", "report", "reports", "desk",
    "deskkey", "oversight", "securityforces", "humanrights", "civilsociety", "transparency",
    "accountability", "reform", "endowment", "donor", "partner", "compactpartner", "ministry",
    "army", "police", "military", "militia", "soldier", "government", "unitednations", "undp",
    "unicef", "unhcr", "usaid", "europeanunion", "ngo", "embassy", "demo", "demotest",
]

SEASONS_AND_DATES = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
    "septembre", "octobre", "novembre", "decembre", "ramadan", "eid", "eidmubarak", "christmas",
    "merrychristmas", "newyear", "happynewyear",
]

COLOURS_AND_ANIMALS = [
    "red", "blue", "green", "yellow", "black", "white", "purple", "pink", "silver", "golden",
    "gold", "cat", "dog", "horse", "camel", "lion", "tiger", "eagle", "falcon", "snake", "shark",
    "dolphin", "monkey",
]

# Keyboard rows as typed on the layouts staff use: US/UK QWERTY, French AZERTY (Niger), German
# QWERTZ, and the Arabic layout, where a "qwerty" walk produces Arabic letters.
KEYBOARD_ROWS = [
    "`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "azertyuiop", "qsdfghjklm",
    "wxcvbn", "qwertzuiop", "yxcvbnm", "ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤرلاىةوزظ",
]

# Walks down the columns ("1qaz2wsx…") and zig-zags between rows ("1q2w3e…"), the favourite
# pattern of people made to include digits.
KEYBOARD_WALKS = [
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "qazwsxedcrfvtgbyhnujmikolp",
    "zaq1xsw2cde3vfr4bgt5nhy6mju7", "zaqxswcdevfrbgtnhymjuki", "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0", "1a2z3e4r5t6y7u8i9o0p", "qweasdzxc", "qweasd", "asdzxc", "123qwe",
    "qwe123", "123qweasd", "123qweasdzxc", "qwertyasdfgh", "qwertyasdfghzxcvbn", "azertyqsdfgh",
    "1qazxsw2", "!qaz@wsx", "!qaz2wsx", "1qaz!qaz", "789456123", "147258369", "159357", "159753",
    "741852963", "963852741", "123654789", "147852369", "321654987", "2580", "0852",
]

SUFFIXES = [
    "1", "2", "7", "11", "12", "13", "21", "22", "69", "77", "99", "00", "01", "007", "123",
    "1234", "12345", "123456", "1234567", "12345678", "123456789", "1234567890", "321", "4321",
    "54321", "111", "000", "786", "!", "!!", "!!!", "1!", "12!", "123!", "@", "@1", "@123", "#",
    "#1", "$", "*", ".", "_", "?",
]
SHORT_SUFFIXES = [
    "1", "12", "123", "1234", "123456", "!", "1!", "123!", "@123",
]
YEARS = range(1950, 2036)

# The words guessers pair with every suffix and year first.
TOP_WORDS = [
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "welcome", "letmein", "admin", "administrator",
    "qwerty", "azerty", "iloveyou", "dragon", "monkey", "football", "sunshine", "princess",
    "master", "shadow", "superman", "freedom", "secret", "changeme", "allah", "bismillah", "jesus",
    "muhammad", "mohammed", "ahmed", "ali", "hussein", "hassan", "omar", "fatima", "aisha",
    "zainab", "maria", "iraq", "baghdad", "kurdistan", "erbil", "somalia", "mogadishu", "hargeisa",
    "niger", "niamey", "philippines", "manila", "realmadrid", "barcelona", "liverpool", "messi",
    "ronaldo", "compactwatch",
]

# fmt: on


def _walks(text: str, shortest: int = 4) -> Iterable[str]:
    for start in range(len(text)):
        for end in range(start + shortest, len(text) + 1):
            piece = text[start:end]
            yield piece
            yield piece[::-1]


def _numeric() -> Iterable[str]:
    # Runs that wrap past 9 ("123456789012") are how people stretch them to a length rule.
    yield from _walks("01234567890123456789", shortest=4)
    for digit in "0123456789":
        for length in range(4, 21):
            yield digit * length
    for unit in ("12", "123", "1234", "12345", "123456", "321", "69", "007", "2580", "1212"):
        for times in range(2, 7):
            yield unit * times
    for year in YEARS:
        yield str(year)
        yield str(year) * 2
        yield str(year) * 3
        yield f"{year}{year + 1}"
    for first in "0123456789":
        for second in "0123456789":
            if first != second:
                yield (first + second) * 4
                yield (first + second) * 6


def _repeated_characters() -> Iterable[str]:
    for char in "abcdefghijklmnopqrstuvwxyz!@#$%*.-_":
        for length in range(4, 21):
            yield char * length


def _with_affixes(words: Iterable[str], suffixes: Sequence[str], years: bool) -> Iterable[str]:
    for word in words:
        yield word
        yield word * 2
        yield "my" + word
        yield "ilove" + word
        for suffix in suffixes:
            yield word + suffix
            yield suffix + word
        if years:
            for year in YEARS:
                yield f"{word}{year}"
                yield f"{word}{year}!"
                yield f"{word}@{year}"
                yield f"{word}{year % 100:02d}"
                yield f"{year}{word}"


def _portal_variants() -> Iterable[str]:
    for first, second in (("compact", "watch"), ("compacts", "watch"), ("compact", "watcher")):
        for separator in ("", " ", "-", "_", ".", "@", "1", "!"):
            yield f"{first}{separator}{second}"
            yield f"{second}{separator}{first}"
    yield from ("cw", "cwatch", "compactw", "c0mpactw4tch", "c0mp4ctw4tch")


def build_entries() -> list[str]:
    """Return the sorted, de-duplicated, lower-case list that the shipped file holds."""
    all_words = (
        GENERIC_WORDS
        + REGIONAL_WORDS
        + NAMES
        + FOOTBALL
        + PORTAL_WORDS
        + SEASONS_AND_DATES
        + COLOURS_AND_ANIMALS
    )
    # Every affix and year only for the words guessers try first; for the rest a few affixes show
    # the pattern, and passwords.py's stripping of leading and trailing digits and symbols catches
    # the other combinations without listing them (the list stays small enough to hold in memory).
    candidates: list[str] = []
    candidates.extend(_with_affixes(all_words, SHORT_SUFFIXES, years=False))
    candidates.extend(_with_affixes(TOP_WORDS, SUFFIXES, years=True))
    candidates.extend(_with_affixes(_portal_variants(), SHORT_SUFFIXES, years=False))
    for row in KEYBOARD_ROWS:
        candidates.extend(_walks(row))
    for walk in KEYBOARD_WALKS:
        candidates.extend(_walks(walk))
        candidates.extend(_with_affixes([walk], SHORT_SUFFIXES, years=False))
    candidates.extend(_numeric())
    candidates.extend(_repeated_characters())

    # Four characters is the shortest entry that can matter: passwords.py looks up a password's
    # core after stripping digits and symbols, and a shorter core is no word at all.
    entries = {unicodedata.normalize("NFKC", entry).lower() for entry in candidates}
    return sorted(entry for entry in entries if len(entry) >= 4)


def write(path: Path = OUTPUT) -> int:
    """Write the gzipped list to `path` and return the number of entries."""
    entries = build_entries()
    payload = ("\n".join(entries) + "\n").encode("utf-8")
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as compressed,
    ):
        compressed.write(payload)
    return len(entries)


if __name__ == "__main__":
    count = write()
    print(f"wrote {count} entries to {OUTPUT}")
