"""Content pack speed: load, check, search, slide fitting and handouts, against baselines.

Baselines measured in the same run:
- load / check: reading every file of the pack and parsing its TOML (tomllib) — the
  least any loader must do. Targets: load ≤ 5×, check ≤ 10×.
- search: name_key() of the query alone, times the module count. Target ≤ 20×.
- next slide on a 1024×768 projector (fit + layout + paint): a plain QTextDocument
  of the same slide painted once. Target ≤ 15× and under 100 ms (a clicker press).

    python bench/bench_content.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def median_time(function, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, measured: float, baseline: float, target: float) -> None:
    ratio = measured / baseline if baseline else float("inf")
    verdict = "ok" if ratio <= target else "SLOW"
    print(f"{name:<34} {measured * 1000:8.2f} ms  baseline {baseline * 1000:8.2f} ms  "
          f"ratio {ratio:6.1f} (target ≤ {target:g})  {verdict}")


def main() -> int:
    from PySide6.QtGui import QImage, QPainter, QTextDocument
    from PySide6.QtWidgets import QApplication

    from debc_outreach import resources
    from debc_outreach.content import load_pack
    from debc_outreach.content.search import ModuleIndex
    from debc_outreach.content.validator import check_pack
    from debc_outreach.core.names import name_key

    app = QApplication([])
    from debc_outreach.gui import fonts
    from debc_outreach.gui.teaching.presenter import Presentation

    fonts.register_fonts()
    folder = resources.content_dir()
    files = [p for p in folder.rglob("*") if p.is_file()]

    def read_all():
        for path in files:
            data = path.read_bytes()
            if path.suffix == ".toml":
                tomllib.loads(data.decode("utf-8"))

    raw = median_time(read_all)
    report("load_pack()", median_time(load_pack), raw, 5)
    report("check_pack()", median_time(lambda: check_pack(folder), runs=3), raw, 10)

    pack = load_pack()
    index = ModuleIndex(pack)
    queries = ["ពាក្យ\u200bសម្ងាត់", "KHQR", "scam", "ក្លែង"]
    keys = median_time(lambda: [name_key(q) for q in queries for _m in pack.modules])
    report("search 4 queries", median_time(lambda: [index.search(q) for q in queries]),
           keys, 20)

    presentation = Presentation(pack.modules[0], "km")
    audience = presentation.audience
    audience.resize(1024, 768)
    canvas = QImage(1024, 768, QImage.Format.Format_ARGB32_Premultiplied)
    module = pack.modules[0]

    def next_slides():
        presentation.state.go(0)
        for _ in range(presentation.state.count):
            presentation.state.next()
            audience.view.render(canvas)

    def plain_slides():
        for slide in module.slides("km"):
            document = QTextDocument()
            document.setMarkdown(slide.body)
            document.setTextWidth(900)
            painter = QPainter(canvas)
            document.drawContents(painter)
            painter.end()

    per_slide = median_time(next_slides, runs=3) / presentation.state.count
    report("next slide, 1024×768 (per slide)", per_slide,
           median_time(plain_slides, runs=3) / len(module.slides("km")), 15)
    print(f"{'':<34} {'ok' if per_slide < 0.1 else 'SLOW'}: under 100 ms per clicker press")

    from debc_outreach.content.handout import render_handout

    with tempfile.TemporaryDirectory() as tmp:
        handout = median_time(lambda: render_handout(module, pack, "km",
                                                     Path(tmp) / "h.pdf"), runs=3)
    print(f"{'handout PDF (km)':<34} {handout * 1000:8.2f} ms")
    presentation.stop()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
