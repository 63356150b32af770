"""The Spanish catalogue: complete (no untranslated or fuzzy entry), its placeholders match, and the .mo builds."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from clinic.i18n import TRANSLATIONS, cldr_pattern, compile_catalogues

PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="es")


def test_spanish_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalog = _catalog()
    assert len(catalog) > 100
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_placeholders_are_kept_in_every_translation():
    for message in _catalog():
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", string)) == wanted, message.id


def test_every_marked_string_is_in_the_catalogue():
    """A string marked in code but missing from messages.po means `make i18n-update` was not run."""
    from babel.messages.extract import extract_from_dir

    ids = {m.id for m in _catalog() if m.id}
    root = Path(__file__).resolve().parents[2]
    method_map = [("clinic/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None, "lazy_gettext": None}
    missing = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(root), method_map, keywords=keywords):
        key = message if isinstance(message, str) else tuple(message)
        if key and key not in ids:
            missing.add(key)
    assert missing == set()


def test_mo_builds_from_the_po_when_missing_or_stale(tmp_path):
    folder = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS / "es", folder / "es", ignore=shutil.ignore_patterns("*.mo"))
    (mo,) = compile_catalogues(folder)
    assert mo == folder / "es" / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as f:
        compiled = read_mo(f)
    assert compiled.get("Log out").string == "Cerrar sesión"
    assert compile_catalogues(folder) == []  # up to date: nothing rebuilt
    po = mo.with_suffix(".po")
    os.utime(po, (mo.stat().st_mtime + 10, mo.stat().st_mtime + 10))
    assert compile_catalogues(folder) == [mo]  # the .po changed: rebuilt


def test_the_app_has_its_mo_built():
    assert PO.with_suffix(".mo").exists()
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime


def test_strftime_layouts_become_cldr_patterns():
    assert cldr_pattern("%a %d %b %Y, %H:%M") == "EEE dd MMM y, HH:mm"
    assert cldr_pattern("%a %-d %b") == "EEE d MMM"
    assert cldr_pattern("%d %b at %H:%M") == "dd MMM' at 'HH:mm"


def test_catalogues_are_package_data_for_non_editable_installs():
    """A wheel must carry the .po files (and any .mo built before it): setuptools' package-data globs."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["clinic"]
    package = root / "clinic"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    assert PO in shipped
    assert TRANSLATIONS / "messages.pot" in shipped
    assert PO.with_suffix(".mo") in shipped


def test_a_read_only_package_compiles_into_the_instance_folder(tmp_path):
    out = tmp_path / "instance" / "translations"
    (mo,) = compile_catalogues(TRANSLATIONS, out=out)
    assert mo == out / "es" / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as f:
        assert read_mo(f).get("Log out").string == "Cerrar sesión"
