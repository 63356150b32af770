"""Static assets: content-hashed, compressed, cached for a year. Two libraries do the work.

- Flask-Static-Digest writes, beside each file in static/, a copy named after its MD5
  (`css/app-<md5>.css`), gzip and brotli versions of both, and `static/cache_manifest.json`; templates
  ask `static_url_for('static', filename='css/app.css')` for the hashed URL.
- WhiteNoise wraps the WSGI app and answers /static/ before Flask: it picks the `.br` or `.gz` file the
  client accepts (`Vary: Accept-Encoding`), and sends hashed files with `Cache-Control: max-age=31536000,
  public, immutable`, so a warm page view is one request. A file asked for by its plain name (no manifest
  yet, an old bookmark) is revalidated every time (`max-age=0`).

The build runs at install (`make`) and at app start when any source is newer than the manifest (like the
translation catalogues), under a file lock so web and test workers starting together build once and never
read a half-written manifest. Built files are not committed (.gitignore). Old hashed copies stay until
`flask digest clean`: a page cached before a deploy still finds its assets.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import tempfile
from functools import partial
from pathlib import Path

from flask import Flask
from flask_static_digest import FlaskStaticDigest
from flask_static_digest.digester import _is_compiled_file
from flask_static_digest.digester import compile as digest_compile
from whitenoise import WhiteNoise

from clinic.config import PROJECT_DIR
from clinic.security import static_headers

STATIC = PROJECT_DIR / "static"
MANIFEST = "cache_manifest.json"
NOT_DIGESTED = [".map"]  # source maps are fetched only by developer tools, by their plain name
YEAR = 365 * 24 * 60 * 60

static_digest = FlaskStaticDigest()
log = logging.getLogger(__name__)


class ClinicWhiteNoise(WhiteNoise):
    """WhiteNoise with a one-year lifetime for hashed files (its default is ten)."""

    FOREVER = YEAR


def sources(folder: Path = STATIC) -> list[Path]:
    """The hand-written and vendored files, not the copies the build makes."""
    return [path for path in folder.rglob("*") if path.is_file() and not _is_compiled_file(str(path), NOT_DIGESTED)]


def stale(folder: Path = STATIC) -> bool:
    manifest = folder / MANIFEST
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    known = set(json.loads(manifest.read_text() or "{}"))
    files = sources(folder)
    return (
        any(path.stat().st_mtime > built for path in files)
        or {path.relative_to(folder).as_posix() for path in files if path.suffix not in NOT_DIGESTED} != known
    )


def _lock_path(folder: Path) -> Path:
    """Outside static/, so WhiteNoise never serves it; one per checkout."""
    return Path(tempfile.gettempdir()) / f"clinic-assets-{hashlib.sha256(str(folder).encode()).hexdigest()[:12]}.lock"


def build(folder: Path = STATIC) -> bool:
    """Digest and compress `folder` when it changed since the last build; True if it built."""
    try:
        with open(_lock_path(folder), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not stale(folder):
                return False
            digest_compile(f"{folder}/", f"{folder}/", NOT_DIGESTED, True, True)
            return True
    except OSError as error:  # a read-only install: serve what was built at install time (or plain names)
        log.warning("static assets not built: %s", error)
        return False


def digested_urls(app: Flask) -> frozenset[str]:
    manifest = static_digest.manifests.get("static", {})
    prefix = app.static_url_path.rstrip("/") + "/"
    return frozenset(prefix + name for name in manifest.values())


def _add_headers(extra: dict[str, str], headers, path: str, url: str) -> None:
    for name, value in extra.items():
        headers[name] = value


def register(app: Flask) -> None:
    build(Path(app.static_folder))
    app.config.setdefault("FLASK_STATIC_DIGEST_COMPRESSION", ["gzip", "brotli"])
    app.config.setdefault("FLASK_STATIC_DIGEST_BLACKLIST_FILTER", NOT_DIGESTED)
    static_digest.init_app(app)
    hashed = digested_urls(app)
    app.wsgi_app = ClinicWhiteNoise(
        app.wsgi_app,
        root=app.static_folder,
        prefix=app.static_url_path,
        max_age=0,
        allow_all_origins=False,
        add_headers_function=partial(_add_headers, static_headers(https=app.config["CLINIC_HTTPS"])),
        immutable_file_test=lambda path, url: url in hashed,
    )
