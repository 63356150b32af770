"""The Spanish catalogue: complete for everything a patient can see (no untranslated or fuzzy entry), its
placeholders match, and the .mo builds. Staff-only strings (README "Languages") may wait untranslated."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from clinic.i18n import TRANSLATIONS, cldr_pattern, compile_catalogues

PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [("clinic/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None, "lazy_gettext": None}

#: Staff pages stay English (README "Languages"): a string found ONLY in these templates may stay untranslated
#: in the Spanish catalogue until the staff side is translated. Everything else is held to "no untranslated".
STAFF_ONLY_FOLDERS = (
    "templates/patients/",
    "templates/scheduling/",
    "templates/treatments/",
    "templates/catalog/",
    "templates/chart/",
    "templates/safety/",
    "templates/outcomes/",
    "templates/routines/",
    "templates/users/",
    "templates/audit/",
    "templates/imports/",
    "templates/api/",
    "templates/photos/",
    "templates/checkins/",
)
#: Templates in those folders that a patient (or anyone without a staff login) does see.
PATIENT_SEEN = {
    "templates/scheduling/waitlist_offer.html",
    "templates/scheduling/feed_created.html",
    "templates/routines/_problem_thread.html",  # included by templates/portal/problem_thread.html
}
#: Where patient-facing pages are rendered or included from: a staff-only template named here is a mistake.
PATIENT_SIDE_CODE = ("clinic/portal/", "clinic/auth/", "clinic/interop/documents/", "clinic/reminders/")
PATIENT_SIDE_TEMPLATES = ("templates/portal/", "templates/emails/", "templates/auth/", "templates/errors/")
#: Admin-only views that live in a patient-side package (clinic/auth hosts login and the admin's user pages):
#: (source, template) pairs checked by hand, each view is `@role_required(Role.ADMIN)`.
ADMIN_RENDERS_IN_PATIENT_SIDE_CODE = {
    ("clinic/auth/admin_views.py", "users/list.html"),
    ("clinic/auth/admin_views.py", "users/invite.html"),
    ("clinic/auth/admin_views.py", "users/detail.html"),
    ("clinic/auth/two_factor_views.py", "users/two_factor_policy.html"),
}


def _catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="es")


def _staff_only(path: str) -> bool:
    return path.startswith(STAFF_ONLY_FOLDERS) and path not in PATIENT_SEEN


def _marked_strings() -> dict:
    """Every marked message id (str, or (singular, plural)) -> the files it is marked in."""
    from babel.messages.extract import extract_from_dir

    found: dict = {}
    for file, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHOD_MAP, keywords=KEYWORDS):
        key = message if isinstance(message, str) else tuple(message)
        if key:
            found.setdefault(key, set()).add(Path(file).as_posix())
    return found


def test_spanish_catalogue_has_no_untranslated_or_fuzzy_entries():
    """Untranslated is allowed only for a string marked in staff-only templates and nowhere else."""
    catalog = _catalog()
    assert len(catalog) > 100
    files = _marked_strings()
    staff_only = {key for key, paths in files.items() if all(_staff_only(p) for p in paths)}
    untranslated = [
        m.id
        for m in catalog
        if m.id
        and not (all(m.string) if m.pluralizable else m.string)
        and (m.id if isinstance(m.id, str) else tuple(m.id)) not in staff_only
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_staff_only_templates_are_not_shown_on_the_patient_side():
    """A staff-only template rendered or included by patient-facing code would show a patient English."""
    names = {
        path.relative_to(ROOT / "templates").as_posix()
        for path in (ROOT / "templates").rglob("*.html")
        if _staff_only(path.relative_to(ROOT).as_posix())
    }
    sources = [p for prefix in PATIENT_SIDE_CODE for p in (ROOT / prefix).rglob("*.py")]
    sources += [p for prefix in PATIENT_SIDE_TEMPLATES for p in (ROOT / prefix).rglob("*.*")]
    sources += [p for p in (ROOT / "clinic").rglob("*.py") if "@public" in p.read_text()]
    sources.append(ROOT / "templates" / "base.html")
    used = {
        (source.relative_to(ROOT).as_posix(), name)
        for source in sources
        for name in re.findall(r"[\"']([a-z_]+/[a-z_]+\.html)[\"']", source.read_text())
        if name in names
    }
    assert used - ADMIN_RENDERS_IN_PATIENT_SIDE_CODE == set()


def test_there_are_staff_only_strings_and_they_stay_english_for_staff(app, login_as):
    """The carve-out is used (so this test notices when it becomes dead) and staff pages stay English."""
    files = _marked_strings()
    assert any(all(_staff_only(p) for p in paths) for paths in files.values())
    client, _ = login_as("dermatologist")
    page = client.get("/patients", headers={"Accept-Language": "es"})
    assert page.status_code == 200 and "New patient" in page.text and 'lang="en"' in page.text


def test_placeholders_are_kept_in_every_translation():
    for message in _catalog():
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for string in (s for s in strings if s):  # an empty one is the test above's business
            assert set(re.findall(r"%\(\w+\)[sd]", string)) == wanted, message.id


def test_every_marked_string_is_in_the_catalogue():
    """A string marked in code but missing from messages.po means `make i18n-update` was not run."""
    ids = {m.id for m in _catalog() if m.id}
    assert set(_marked_strings()) - ids == set()


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
