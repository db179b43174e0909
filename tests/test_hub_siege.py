"""The hub under a cheap denial-of-service: half-open connections and slow bodies while
honest devices sync (a smaller siege than bench/bench_hub_siege.py, with short timeouts).

The hub runs in its own process on 127.0.0.1 (tests/support/hub_siege.py). Its memory must stay
under HUB_RSS_LIMIT, every honest sync must succeed, and the hub must itself close every
attacking connection (the test waits for each at most its timeout plus a grace period).
"""

from __future__ import annotations

import sys

import pytest
from support.hub_siege import Siege, open_files_allow, run_siege

HUB_RSS_LIMIT = 150 << 20

SMALL = Siege(half_open=300, slow_bodies=20, honest=4, events=100, header_timeout=2.0,
              body_timeout=2.0, min_upload_rate_kb=8.0, signed_body_size=2048)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the hub's RSS in /proc")
def test_half_open_connections_and_slow_bodies_do_not_starve_honest_devices(tmp_path):
    if not open_files_allow(SMALL.half_open + SMALL.slow_bodies):
        pytest.skip("the open-file limit is too low for the siege")
    result = run_siege(tmp_path, SMALL)
    assert result.honest_failures == []
    assert result.honest_ok == SMALL.honest
    assert result.left_open == 0, result
    assert result.closed == SMALL.half_open + SMALL.slow_bodies
    # Unsigned uploads are refused from their headers alone; a half-open request gets no
    # answer, just the end of the connection; the two uploads of the enrolled attacker and
    # the two enrolment requests are cut off at the body deadline.
    assert result.answers == {"unsigned upload 401": 16, "half-open none": SMALL.half_open,
                              "signed upload 408": 2, "enrolment request 408": 2}
    assert result.peak_rss <= HUB_RSS_LIMIT, result
