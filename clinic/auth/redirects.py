"""Where to go after login: only ever a path on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

_FORBIDDEN_CHARS = {"\\"} | {chr(c) for c in range(0x20)} | {"\x7f"}


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//"):
        return False
    if any(ch in _FORBIDDEN_CHARS for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a local absolute path such as `/patients?page=2`, else None.

    Refused: anything with a scheme or host (`https://evil.example`, `//evil.example`), backslashes
    (`/\\evil.example`, which some browsers read as `//`), control characters, and `javascript:`.
    The percent-decoded form must pass too (`/%2F%2Fevil.example`): a proxy or framework that decodes
    the path once must not turn it into a link to another site.
    """
    if not target:
        return None
    if _is_local_path(target) and _is_local_path(unquote(target)):
        return target
    return None
