"""Response security headers (set through flask-talisman in create_app) and trusting reverse proxies.

Scripts come only from our own origin: no inline scripts, no `unsafe-inline` for script-src. Styles allow
inline attributes because server-rendered SVG charts and Bootstrap components set them.
"""

from __future__ import annotations

from flask import Flask
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
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
