"""A memo that lives for one send batch: what several messages of a batch share is computed once.

The dispatcher opens a scope per claimed batch (`batch_scope`); a kind's context or last check calls
`memoized(key, compute)`, e.g. a patient's day plan, which the AM and PM reminders and their checks would
otherwise compute once per message. Outside a scope nothing is memoized. A new batch starts afresh, so a
step ticked between batches is seen.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
_memo: ContextVar[dict | None] = ContextVar("reminder_batch_memo", default=None)


@contextmanager
def batch_scope() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def remember(key: Hashable, value) -> None:
    """Store a value computed in bulk for the batch (does nothing outside a batch)."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


def forget(key: Hashable) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)
