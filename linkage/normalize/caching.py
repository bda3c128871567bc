"""Memoisation for the per-value normalisers.

Agency files repeat the same names, streets, kelurahan and NIKs many times
(one row per aid receipt, one household per KK), so a bounded LRU cache per
normaliser turns most calls into a dictionary lookup. That is what keeps
`normalize_record` inside its ~25 µs budget.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar, cast

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_MAXSIZE = 1 << 17

# value_cache wrapper -> the bare lru_cache function behind it (see `bare`).
_BARE: dict[object, object] = {}


def value_cache(maxsize: int = DEFAULT_MAXSIZE) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`lru_cache(typed=True)` that falls back to a plain call for unhashable input.

    typed=True matters: 3671014905150000 (int) and 3671014905150000.0 (float) compare
    equal, but only the float is Excel-damaged. JSON batches may carry lists or dicts
    by mistake; those are simply not cached instead of raising TypeError.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        cached = lru_cache(maxsize=maxsize, typed=True)(func)

        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return cached(*args, **kwargs)
            except TypeError:
                return func(*args, **kwargs)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        wrapper.cache_info = cached.cache_info  # type: ignore[attr-defined]
        _BARE[wrapper] = cached
        return wrapper

    return decorate


def bare(func: Callable[P, R]) -> Callable[P, R]:
    """The lru_cache behind a `value_cache` function, without the unhashable fallback.

    For the per-record hot path, where one extra Python frame per field is a
    measurable share of the budget: the caller must handle TypeError itself.
    """
    return cast(Callable[P, R], _BARE[func])
