"""Hybrid logical clock.

A timestamp is one integer: wall-clock milliseconds shifted left 16 bits plus
a counter. It never goes backwards on one device, even when the laptop's
clock is set back (it often is after a flat battery), and it orders events
from different devices close to real time. Ties between devices are broken
by device id where an order is needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

COUNTER_BITS = 16
_COUNTER_MASK = (1 << COUNTER_BITS) - 1
MAX_DRIFT_MS = 24 * 60 * 60 * 1000    # farther ahead than this is quarantined


def pack(ms: int, counter: int) -> int:
    return (ms << COUNTER_BITS) | counter


def wall_ms(stamp: int) -> int:
    return stamp >> COUNTER_BITS


def is_too_far_ahead(stamp: int, now_ms: int) -> bool:
    """Whether `stamp` is more than MAX_DRIFT_MS ahead of the wall clock `now_ms`.

    The one rule for stamps from a device whose clock runs fast: `Clock.observe()`
    does not move past them, and the sync importer holds their events back until
    this device's clock has caught up.
    """
    return wall_ms(stamp) - now_ms > MAX_DRIFT_MS


def first_too_far_ahead(now_ms: int) -> int:
    """The smallest stamp `is_too_far_ahead(stamp, now_ms)` is true for: one integer
    comparison per event instead of two calls, where millions are checked."""
    return pack(now_ms + MAX_DRIFT_MS + 1, 0)


class Clock:
    """Issues increasing HLC stamps; `observe()` folds in stamps from other devices."""

    def __init__(self, last: int = 0, now_ms: Callable[[], int] | None = None):
        self._last = last
        self._now_ms = now_ms or (lambda: time.time_ns() // 1_000_000)

    @property
    def last(self) -> int:
        return self._last

    def now(self) -> int:
        physical = self._now_ms()
        last_ms, counter = wall_ms(self._last), self._last & _COUNTER_MASK
        if physical > last_ms:
            self._last = pack(physical, 0)
        else:
            self._last = pack(last_ms, counter + 1) if counter < _COUNTER_MASK \
                else pack(last_ms + 1, 0)
        return self._last

    def observe(self, remote: int) -> None:
        """Move past a received stamp (unless it is too far in the future)."""
        if self.too_far_ahead(remote):
            return
        if remote > self._last:
            self._last = remote

    def too_far_ahead(self, remote: int) -> bool:
        """`is_too_far_ahead()` against this clock's wall time."""
        return is_too_far_ahead(remote, self._now_ms())
