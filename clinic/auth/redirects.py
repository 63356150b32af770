"""Where to go after login: only ever a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

_FORBIDDEN_CHARS = set("\\\r\n\t") | {chr(c) for c in range(0x20)} | {"\x7f"}


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a local absolute path such as `/patients?page=2`, else None.

    Refused: anything with a scheme or host (`https://evil.example`, `//evil.example`), backslashes
    (`/\\evil.example`, which some browsers read as `//`), control characters, and `javascript:`.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch in _FORBIDDEN_CHARS for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
