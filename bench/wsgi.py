"""The app as `make bench` serves it under gunicorn: the real app plus one bare route, the yardstick.

`/bench/bare` goes through the same WSGI stack (WhiteNoise, the host check, the access policy, the
login session, security headers, the request's commit) but renders nothing and reads no table, so a
page's share of its requests per second is what the page itself costs.
"""

from __future__ import annotations

from clinic import create_app
from clinic.access import public

app = create_app()


@app.get("/bench/bare")
@public
def bare() -> str:
    return "ok"
