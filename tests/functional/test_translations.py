"""Every translatable string of the code and templates has a French and a German
translation with the same placeholders (the catalogs are refreshed as the README says)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "bookingsite" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> list:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "pyproject.toml",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "ngettext:1,2",
            "-k",
            "lazy_ngettext:1,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


@pytest.mark.parametrize("language", ["fr", "de"])
def test_catalog_translates_every_message(extracted, language):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    missing, mismatched = [], []
    for message in extracted:
        translated = catalog.get(message.id)
        strings = translated.string if translated else None
        forms = strings if isinstance(strings, tuple) else (strings,)
        if not translated or translated.fuzzy or not all(forms):
            missing.append(message.id)
            continue
        wanted = set(
            PLACEHOLDER.findall(message.id if isinstance(message.id, str) else message.id[0])
        )
        if any(set(PLACEHOLDER.findall(form)) != wanted for form in forms):
            mismatched.append(message.id)
    assert missing == []
    assert mismatched == []
