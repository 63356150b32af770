"""Optional encryption of a backup archive with a key kept off the server (`CLINIC_BACKUP_KEY`).

The archive is encrypted in chunks, each a Fernet token (AES-128-CBC + HMAC-SHA256, from `cryptography`),
so archives of any size stream through without being held in memory. Each chunk's plaintext starts with
its index and a last-chunk flag, so chunks cannot be reordered, dropped or cut off unnoticed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

MAGIC = b"CLINICBK1\n"
CHUNK = 4 * 1024 * 1024
_HEADER = struct.Struct(">QB")  # chunk index, 1 if last
_LENGTH = struct.Struct(">I")


class DecryptionError(ValueError):
    pass


def new_key() -> str:
    return Fernet.generate_key().decode()


def _chunks(path: Path) -> Iterator[tuple[bytes, bool]]:
    with path.open("rb") as handle:
        current = handle.read(CHUNK)
        while True:
            following = handle.read(CHUNK)
            yield current, not following
            if not following:
                return
            current = following


def encrypt_file(source: Path, target: Path, key: str) -> None:
    fernet = Fernet(key.encode())
    with target.open("wb") as out:
        out.write(MAGIC)
        for index, (data, last) in enumerate(_chunks(source)):
            token = fernet.encrypt(_HEADER.pack(index, int(last)) + data)
            out.write(_LENGTH.pack(len(token)) + token)


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def decrypt_file(source: Path, target: Path, key: str | None) -> None:
    if not key:
        raise DecryptionError("the backup is encrypted: set CLINIC_BACKUP_KEY to its key")
    fernet = Fernet(key.encode())
    with source.open("rb") as handle, target.open("wb") as out:
        handle.read(len(MAGIC))
        expected, finished = 0, False
        while length_bytes := handle.read(_LENGTH.size):
            if finished:
                raise DecryptionError("data after the last chunk")
            token = handle.read(_LENGTH.unpack(length_bytes)[0])
            try:
                plain = fernet.decrypt(token)
            except InvalidToken:
                raise DecryptionError("wrong key, or the backup was altered") from None
            index, last = _HEADER.unpack(plain[: _HEADER.size])
            if index != expected:
                raise DecryptionError("chunks are missing or out of order")
            out.write(plain[_HEADER.size :])
            expected, finished = expected + 1, bool(last)
        if not finished:
            raise DecryptionError("the backup is cut off")
