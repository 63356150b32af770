"""Response security headers (set through flask-talisman in create_app) and trusting reverse proxies.

Scripts and styles come only from our own origin: no inline scripts, no inline `style` attributes or
`<style>` elements (CSS classes in static/css instead), so neither script-src nor style-src needs
`'unsafe-inline'`. Bootstrap and htmx set styles through the CSSOM, which CSP allows.

Every response except public static files carries `Cache-Control: no-store`: pages, CSV and JSON exports
and the calendar feed may name patients, and no browser, proxy or shared computer should keep a copy.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_talisman.talisman import ONE_YEAR_IN_SECS
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    """Behind `TRUSTED_PROXIES` reverse proxies, take the client address and scheme from X-Forwarded-*.

    With none configured the headers are ignored, so a visitor cannot forge their address.
    """
    count = app.config.get("TRUSTED_PROXIES", 0)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


#: Given to talisman for pages and to WhiteNoise for static files (`static_headers`), so the two cannot drift.
FRAME_OPTIONS = "DENY"
REFERRER_POLICY = "strict-origin-when-cross-origin"


def csp_header(policy: dict = CONTENT_SECURITY_POLICY) -> str:
    return "; ".join(
        f"{name} {' '.join([value] if isinstance(value, str) else value)}" for name, value in policy.items()
    )


def static_headers(https: bool) -> dict[str, str]:
    """The headers talisman puts on pages, for the static files WhiteNoise answers before Flask sees them."""
    headers = {
        "Content-Security-Policy": csp_header(),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
    }
    if https:  # talisman's default lifetime, as pages get it
        headers["Strict-Transport-Security"] = f"max-age={ONE_YEAR_IN_SECS}; includeSubDomains"
    return headers


def no_store(response: Response) -> Response:
    """Forbid caching anything but static assets (see the module docstring)."""
    if request.endpoint != "static" and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
    return response
