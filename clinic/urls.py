"""The site's public address: links in e-mails and trusted `Host` names come from configuration only.

A link built from the request (`url_for(..., _external=True)`) carries whatever `Host` the client sent, so a
forged `Host: evil.example` on "forgot password" would mail the real user a reset link to the attacker's
site. Links that leave the browser (e-mails, calendar-feed addresses) are therefore built from
`CLINIC_BASE_URL` with `external_url`, and requests for any other host are refused (Werkzeug's
`TRUSTED_HOSTS`, see `trusted_hosts`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

DEVELOPMENT_BASE_URL = "http://localhost:5000"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def public_base_url(config: dict | None = None) -> str:
    """The configured public address, `https://` when the site is served over HTTPS."""
    config = current_app.config if config is None else config
    base = (config.get("CLINIC_BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/")
    if config.get("CLINIC_HTTPS") and base.startswith("http://"):
        base = "https://" + base[len("http://") :]  # a link token must never travel in clear text
    return base


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for `endpoint` on the configured public address, whatever the request said."""
    base = urlsplit(public_base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def trusted_hosts(config: dict) -> list[str]:
    """Host names the app answers to: the public address's, any in `CLINIC_TRUSTED_HOSTS`, and in
    development the local names `flask run` serves on."""
    hosts = [urlsplit(public_base_url(config)).hostname or ""]
    hosts += [h.strip() for h in (config.get("CLINIC_TRUSTED_HOSTS") or "").split(",") if h.strip()]
    if not config.get("CLINIC_BASE_URL") or config.get("ENV_NAME") != "production":
        hosts += list(LOCAL_HOSTS)
    return sorted({h for h in hosts if h})
