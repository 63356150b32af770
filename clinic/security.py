"""Response security headers (set through flask-talisman in create_app) and trusting reverse proxies.

Scripts and styles come only from our own origin: no inline scripts, no inline `style` attributes or
`<style>` elements (CSS classes in static/css instead), so neither script-src nor style-src needs
`'unsafe-inline'`. Bootstrap and htmx set styles through the CSSOM, which CSP allows.

Every response except public static files carries `Cache-Control: no-store`: pages, CSV and JSON exports
and the calendar feed may name patients, and no browser, proxy or shared computer should keep a copy.
"""

from __future__ import annotations

from flask import Flask, Response, request
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


def no_store(response: Response) -> Response:
    """Forbid caching anything but static assets (see the module docstring)."""
    if request.endpoint != "static" and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
    return response
