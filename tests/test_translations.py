"""The Italian catalog is complete, compiled, and the pages speak Italian by default.

Ponte is Italian-first: the msgids are English, and every one of them must have an
Italian msgstr that is neither empty nor fuzzy. The .mo files are built by `make`
(`compilemessages`), never committed; a stale or missing .mo fails here with a hint.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import World, verified_client

IT_PO = Path(settings.BASE_DIR) / "ponte" / "locale" / "it" / "LC_MESSAGES" / "django.po"
REBUILD = "run `make messages` (compilemessages) after editing the .po"
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def _unquote(text: str) -> str:
    body = text.strip()
    assert body.startswith('"') and body.endswith('"'), body
    out, chars = [], iter(body[1:-1])
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    for char in chars:
        out.append(escapes.get(next(chars), "?") if char == "\\" else char)
    return "".join(out)


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for the files makemessages writes (no obsolete entries)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation without a keyword"
            key, index = target
            if key == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, key, (getattr(entry, key) or "") + _unquote(line))
        else:
            keyword, _space, value = line.partition(" ")
            plural_form = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural_form or keyword == "msgstr":
                index = int(plural_form.group(1)) if plural_form else 0
                entry.msgstr[index] = _unquote(value)
                target = ("msgstr", index)
            elif keyword in ("msgctxt", "msgid", "msgid_plural"):
                setattr(entry, keyword, _unquote(value))
                target = (keyword, 0)
            else:
                raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    return [e for e in entries if e.msgid or e.msgstr]


def _messages() -> list[Entry]:
    return [e for e in parse_po(IT_PO) if e.msgid != ""]  # the header has an empty msgid


def _where(entry: Entry) -> str:
    return f"{IT_PO.name}:{entry.line} {entry.msgid!r}"


def test_every_italian_entry_is_translated_and_not_fuzzy() -> None:
    entries = _messages()
    assert len(entries) > 300, "the Italian catalog looks truncated"
    untranslated = [
        _where(e)
        for e in entries
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]
    fuzzy = [_where(e) for e in entries if "fuzzy" in e.flags]
    assert untranslated == [], "untranslated:\n" + "\n".join(untranslated)
    assert fuzzy == [], "fuzzy:\n" + "\n".join(fuzzy)
    wrong_plurals = [_where(e) for e in entries if e.msgid_plural and set(e.msgstr) != {0, 1}]
    assert wrong_plurals == [], "Italian has exactly two plural forms:\n" + "\n".join(wrong_plurals)


def test_placeholders_are_kept_exactly() -> None:
    wrong = []
    for entry in _messages():
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{_where(entry)} -> {text!r}")
    assert wrong == [], "placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_gettext_tools_agree() -> None:
    """msgfmt checks format strings and the header; msgattrib is the reference count."""
    for tool in ("msgfmt", "msgattrib"):
        assert shutil.which(tool), f"{tool} (GNU gettext) is needed to build the catalogs"
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(IT_PO)], check=True)  # noqa: S603, S607
    for option in ("--untranslated", "--only-fuzzy"):
        found = subprocess.run(  # noqa: S603
            ["msgattrib", option, "--no-wrap", str(IT_PO)],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        msgids = [line for line in found.splitlines() if line.startswith("msgid ")]
        assert msgids in ([], ['msgid ""']), f"msgattrib {option}:\n{found}"


def test_compiled_catalog_matches_the_po() -> None:
    stale = []
    with translation.override("it"):
        for entry in _messages():
            if entry.msgid_plural is not None:
                got = [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt
                    else translation.ngettext(entry.msgid, entry.msgid_plural, n)
                    for n in (1, 2)
                ]
                want = [entry.msgstr[0], entry.msgstr[1]]
            else:
                got = [
                    translation.pgettext(entry.msgctxt, entry.msgid)
                    if entry.msgctxt
                    else translation.gettext(entry.msgid)
                ]
                want = [entry.msgstr[0]]
            if got != want:
                stale.append(f"{_where(entry)}: compiled {got!r}, .po {want!r}")
    assert stale == [], f"the .mo is missing or stale; {REBUILD}:\n" + "\n".join(stale[:20])


@pytest.mark.django_db
def test_login_page_is_italian_by_default() -> None:
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="it"' in html
    assert "<h1>Accedi a Ponte</h1>" in html, REBUILD
    assert "Hai dimenticato la password?" in html
    assert "Sign in to Ponte" not in html


@pytest.mark.django_db
def test_login_page_is_english_when_the_browser_asks_for_it() -> None:
    response = Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "<h1>Sign in to Ponte</h1>" in html
    assert "Accedi a Ponte" not in html


@pytest.mark.django_db
def test_language_cookie_wins_over_the_browser() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "<h1>Sign in to Ponte</h1>" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Accedi a Ponte</h1>" in html


def test_signed_in_pages_speak_italian_and_switch_to_english(world: World) -> None:
    client = verified_client(world.users["coordinator"])
    home = client.get(reverse("home"))
    assert home.status_code == 200
    html = home.content.decode()
    assert "La rete in numeri" in html
    assert "Registro delle attività" in html  # the coordinator sees the audit trail link
    assert ">Enti</a>" in html and ">Accordi</a>" in html  # main menu

    agreements = client.get(reverse("network:agreement_list"))
    assert "Patto territoriale" in agreements.content.decode()  # a choice label

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("home")).content.decode()
    assert "The network in numbers" in html
    assert "La rete in numeri" not in html
