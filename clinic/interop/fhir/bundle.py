"""Writing resources out: a searchset Bundle written entry by entry, and the FHIR Bulk Data NDJSON layout.

Neither holds more than one resource's JSON at a time: the Bundle is written piecewise into a file, so a
patient with years of history costs disk, not memory.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from fhir.resources.R4B.resource import Resource

from clinic.db import now_utc
from clinic.urls import public_base_url

FHIR_JSON = "application/fhir+json"


def server_base() -> str:
    """This app's FHIR base address (on CLINIC_BASE_URL): entries' fullUrl start with it."""
    return f"{public_base_url()}/fhir"


def full_url(server_base: str, resource: Resource) -> str:
    return f"{server_base.rstrip('/')}/{resource.get_resource_type()}/{resource.id}"


def write_bundle(out: IO[bytes], resources: Iterable[Resource], server_base: str) -> int:
    """Write a `searchset` Bundle of `resources` to the binary file `out`; return the number of entries."""
    head = {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "searchset", "timestamp": now_utc().isoformat()}
    out.write(json.dumps(head)[:-1].encode() + b', "entry": [')
    count = 0
    for resource in resources:
        entry = (
            f'{{"fullUrl": {json.dumps(full_url(server_base, resource))}, "resource": {resource.model_dump_json()}, '
        )
        out.write(("," if count else "").encode() + entry.encode() + b'"search": {"mode": "match"}}')
        count += 1
    out.write(f'], "total": {count}}}'.encode())
    return count


def write_ndjson(folder: Path, resources: Iterable[Resource]) -> dict[str, int]:
    """One `<Type>.ndjson` file per resource type in `folder`, one resource per line; returns the counts."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, IO[str]] = {}
    counts: dict[str, int] = {}
    try:
        for resource in resources:
            kind = resource.get_resource_type()
            if kind not in files:
                files[kind] = (folder / f"{kind}.ndjson").open("w", encoding="utf-8")
                counts[kind] = 0
            files[kind].write(resource.model_dump_json() + "\n")
            counts[kind] += 1
    finally:
        for handle in files.values():
            handle.close()
    return counts
