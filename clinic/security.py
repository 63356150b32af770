"""Response security headers (set through flask-talisman in create_app).

Scripts come only from our own origin: no inline scripts, no `unsafe-inline` for script-src. Styles allow
inline attributes because server-rendered SVG charts and Bootstrap components set them.
"""

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
