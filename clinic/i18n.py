"""Languages: Flask-Babel's locale and time zone per request, and the gettext catalogues under
clinic/translations (the `.po` files are committed; the `.mo` files are built from them at app start).

The patient side follows the patient's saved choice, then the browser's Accept-Language, then the clinic
default (CLINIC_DEFAULT_LANGUAGE). Staff pages stay English for now.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import current_user

from clinic.clinics.services import viewer_zone
from clinic.roles import Role

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: Language code -> its name in that language (the choice a patient sees).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
babel = Babel()


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default (gettext_noop)
    """Marks a string for the catalogue without translating it here; the page translates it when shown."""
    return message


#: How a role reads to a patient (translated where shown: `_(ROLE_WORDS[role])`).
ROLE_WORDS: dict[str, str] = {
    Role.ADMIN.value: N_("Administrator"),
    Role.DERMATOLOGIST.value: N_("Dermatologist"),
    Role.AESTHETICIAN.value: N_("Aesthetician"),
    Role.PATIENT.value: N_("Patient"),
}


def compile_catalogues(folder: Path = TRANSLATIONS, out: Path | None = None) -> list[Path]:
    """Build each messages.mo that is missing or older than its .po (beside it, or under `out` in the same
    layout); returns the files written."""
    written = []
    for po_path in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo") if out is None else out / po_path.relative_to(folder).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        # Written aside and renamed: test workers and web workers starting together never read half a file.
        with tempfile.NamedTemporaryFile("wb", dir=mo_path.parent, suffix=".tmp", delete=False) as mo_file:
            write_mo(mo_file, catalog)
        os.chmod(mo_file.name, 0o644)  # a temporary file starts private; the catalogue is not
        os.replace(mo_file.name, mo_path)
        written.append(mo_path)
    return written


def default_language() -> str:
    language = current_app.config.get("CLINIC_DEFAULT_LANGUAGE", "en")
    return language if language in LANGUAGES else "en"


def select_locale() -> str:
    """Staff: English. Patients and visitors: the saved choice, then Accept-Language, then the clinic default.
    Outside a request (the e-mail dispatcher) the clinic default, unless `force_locale` says otherwise."""
    if not has_request_context():
        return default_language()
    if current_user.is_authenticated:
        if current_user.role != Role.PATIENT:
            return "en"
        patient = current_user.patient
        if patient is not None and patient.language in LANGUAGES:
            return patient.language
    return request.accept_languages.best_match(LANGUAGES.keys()) or default_language()


def reader_language(patient) -> str:
    """The language a document for `patient` is written in: the page's own when the patient is the reader
    (their saved choice or their browser), else their saved choice, else the clinic default."""
    if has_request_context() and current_user.is_authenticated and current_user.patient_id == patient.id:
        return str(get_locale() or default_language())
    return patient.language if patient.language in LANGUAGES else default_language()


def select_timezone() -> str:
    return viewer_zone().key


_STRFTIME_TO_CLDR = {
    "%a": "EEE", "%A": "EEEE", "%d": "dd", "%-d": "d", "%b": "MMM", "%B": "MMMM",
    "%m": "MM", "%Y": "y", "%y": "yy", "%H": "HH", "%M": "mm", "%Z": "zzz", "%%": "%",
}  # fmt: skip
_TOKEN = re.compile(r"%-?[a-zA-Z%]")


def cldr_pattern(fmt: str) -> str:
    """A strftime format as the CLDR pattern Babel formats in any locale ("%d %b %Y" -> "dd MMM y")."""
    parts, last = [], 0
    for match in _TOKEN.finditer(fmt):
        parts.append(_literal(fmt[last : match.start()]))
        parts.append(_STRFTIME_TO_CLDR[match.group()])
        last = match.end()
    parts.append(_literal(fmt[last:]))
    return "".join(parts)


def _literal(text: str) -> str:
    if not re.search(r"[A-Za-z']", text):
        return text
    return "'" + text.replace("'", "''") + "'"


def english() -> bool:
    return str(get_locale() or "en").startswith("en")


def format_local(value: date | datetime, fmt: str) -> str:
    """`value` (already in the viewer's zone) in the request's locale, laid out like `fmt`."""
    if english():
        return value.strftime(fmt)
    pattern = cldr_pattern(fmt)
    if isinstance(value, datetime):
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=get_locale())
    return format_date(value, pattern, locale=get_locale())


def translation_directory(app: Flask) -> Path:
    """Where the compiled catalogues are: beside the .po files, or, when the package folder is read-only (a
    non-editable install whose wheel had no .mo), built into the instance folder."""
    try:
        compile_catalogues()
        return TRANSLATIONS
    except OSError:
        fallback = Path(app.instance_path) / "translations"
        compile_catalogues(TRANSLATIONS, out=fallback)
        app.logger.warning("translations: %s is read-only; catalogues compiled into %s", TRANSLATIONS, fallback)
        return fallback


def register(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(translation_directory(app)),
    )
    app.add_template_global(LANGUAGES, "LANGUAGES")
    app.add_template_global(ROLE_WORDS, "ROLE_WORDS")
    app.add_template_global(get_locale, "current_locale")
