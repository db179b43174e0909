"""The hybrid logical clock: stamps only go forward, and far-future stamps are held back.

Property tests drive a `Clock` with any sequence of physical times (set back after
a flat battery, frozen, jumping ahead) and stamps observed from other devices; the
table tests pin the packing layout, counter overflow and the 24-hour bound that
`Clock.observe` and the sync importer share.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debc_outreach.core import hlc
from debc_outreach.core.hlc import (
    COUNTER_BITS,
    MAX_DRIFT_MS,
    Clock,
    is_too_far_ahead,
    pack,
    wall_ms,
)

MASK = (1 << COUNTER_BITS) - 1
DAY_MS = 24 * 60 * 60 * 1000
START_MS = 1_767_225_600_000            # 2026-01-01 00:00 UTC


class Wall:
    """A settable physical clock for a `Clock` under test."""

    def __init__(self, ms: int):
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2 ** 40), st.integers(0, MASK))
def test_a_stamp_packs_wall_time_above_a_sixteen_bit_counter(ms, counter):
    stamp = pack(ms, counter)
    assert stamp == ms * 65536 + counter
    assert wall_ms(stamp) == ms
    assert stamp & MASK == counter


def test_the_layout_is_sixteen_counter_bits():
    assert COUNTER_BITS == 16
    assert pack(1, 0) == 65536
    assert pack(0, 65535) == 65535
    assert wall_ms(65535) == 0 and wall_ms(65536) == 1


def test_a_new_millisecond_restarts_the_counter():
    wall = Wall(START_MS)
    clock = Clock(now_ms=wall)
    assert clock.now() == pack(START_MS, 0)
    wall.ms += 1
    assert clock.now() == pack(START_MS + 1, 0)


def test_within_one_millisecond_the_counter_counts_up():
    clock = Clock(now_ms=Wall(START_MS))
    assert [clock.now() for _ in range(3)] == [pack(START_MS, n) for n in range(3)]


def test_a_clock_set_back_keeps_counting_from_the_last_stamp():
    wall = Wall(START_MS)
    clock = Clock(pack(START_MS + DAY_MS, 7), now_ms=wall)
    assert clock.now() == pack(START_MS + DAY_MS, 8)
    wall.ms = START_MS + DAY_MS                 # the same millisecond as the last stamp
    assert clock.now() == pack(START_MS + DAY_MS, 9)


def test_a_full_counter_moves_on_to_the_next_millisecond():
    clock = Clock(pack(START_MS, MASK - 1), now_ms=Wall(START_MS))
    assert clock.now() == pack(START_MS, MASK)
    assert clock.now() == pack(START_MS + 1, 0)
    assert clock.now() == pack(START_MS + 1, 1)


@pytest.mark.parametrize("count", [1, 2, MASK, MASK + 1, MASK + 2, 2 * MASK + 5])
@pytest.mark.parametrize("behind", [0, -1, -5])
def test_many_stamps_in_one_millisecond_stay_unique_and_ordered(count, behind):
    clock = Clock(pack(START_MS, 0), now_ms=Wall(START_MS + behind))
    stamps = [clock.now() for _ in range(count)]
    assert stamps == sorted(set(stamps))
    # A full counter carries into the millisecond: the n-th stamp is the start plus n.
    assert stamps[-1] == pack(START_MS, 0) + count


def test_a_stamp_exactly_one_day_ahead_is_still_accepted():
    wall = Wall(START_MS)
    clock = Clock(now_ms=wall)
    at_bound = pack(START_MS + DAY_MS, MASK)
    clock.observe(at_bound)
    assert clock.last == at_bound
    assert clock.now() == pack(START_MS + DAY_MS + 1, 0)


def test_a_stamp_more_than_one_day_ahead_is_ignored():
    clock = Clock(pack(START_MS, 3), now_ms=Wall(START_MS))
    clock.observe(pack(START_MS + DAY_MS + 1, 0))
    assert clock.last == pack(START_MS, 3)
    clock.observe(pack(START_MS + 365 * DAY_MS, 0))   # a laptop set a year ahead
    assert clock.last == pack(START_MS, 3)


def test_an_older_stamp_does_not_move_the_clock_back():
    clock = Clock(pack(START_MS, 5), now_ms=Wall(START_MS))
    clock.observe(pack(START_MS - 1, 9))
    clock.observe(pack(START_MS, 4))
    assert clock.last == pack(START_MS, 5)
    clock.observe(pack(START_MS, 6))
    assert clock.last == pack(START_MS, 6)


def test_the_drift_bound_is_one_day():
    assert MAX_DRIFT_MS == DAY_MS


@pytest.mark.parametrize(("ahead_ms", "too_far"), [
    (-DAY_MS, False), (0, False), (DAY_MS - 1, False), (DAY_MS, False),
    (DAY_MS + 1, True), (365 * DAY_MS, True)])
def test_one_rule_decides_what_is_too_far_ahead(ahead_ms, too_far):
    stamp = pack(START_MS + ahead_ms, MASK)
    assert is_too_far_ahead(stamp, START_MS) is too_far
    assert Clock(now_ms=Wall(START_MS)).too_far_ahead(stamp) is too_far


def test_the_importer_holds_back_exactly_what_the_clock_ignores():
    from debc_outreach.sync import importer

    # One function, not a copy of the rule: the importer uses the clock's own.
    assert importer.is_too_far_ahead is hlc.is_too_far_ahead
    assert not hasattr(importer, "MAX_DRIFT_MS")


def test_the_default_clock_reads_the_system_time_in_milliseconds():
    before = time.time_ns() // 1_000_000
    stamp = Clock().now()
    after = time.time_ns() // 1_000_000
    assert isinstance(stamp, int)
    assert before <= wall_ms(stamp) <= after


def test_a_new_clock_has_issued_nothing_yet():
    assert Clock().last == 0
    assert Clock(now_ms=Wall(0)).now() == pack(0, 1)


def test_a_reopened_clock_starts_after_its_last_stamp():
    clock = Clock(pack(START_MS + 10, 2), now_ms=Wall(START_MS))
    assert clock.last == pack(START_MS + 10, 2)
    assert clock.now() == pack(START_MS + 10, 3)


# --- properties (last: the table tests above fail faster) ---

# One step: ("tick", physical ms offset from START_MS) or ("observe", remote stamp offset).
offsets = st.integers(-3 * DAY_MS, 3 * DAY_MS)
steps = st.lists(st.one_of(
    st.tuples(st.just("tick"), offsets),
    st.tuples(st.just("observe"), offsets, st.integers(0, MASK)),
), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_stamps_increase_whatever_the_wall_clock_and_the_other_devices_do(script):
    wall = Wall(START_MS)
    clock = Clock(now_ms=wall)
    issued: list[int] = []
    adopted = 0                                 # newest remote stamp the clock accepted
    for step in script:
        if step[0] == "tick":
            wall.ms = START_MS + step[1]
            stamp = clock.now()
            assert stamp > clock_floor(issued, adopted)
            assert wall_ms(stamp) >= wall.ms     # never behind the physical clock
            issued.append(stamp)
        else:
            remote = pack(START_MS + step[1], step[2])
            before = clock.last
            clock.observe(remote)
            if (remote >> 16) > wall.ms + DAY_MS:
                assert clock.last == before     # a stamp from the far future is ignored
            else:
                assert clock.last == max(before, remote)
                adopted = max(adopted, remote)
    assert issued == sorted(set(issued))


def clock_floor(issued: list[int], adopted: int) -> int:
    return max(issued[-1] if issued else 0, adopted)
