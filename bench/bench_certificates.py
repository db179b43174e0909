"""Signed certificate codes: size, QR version, and the cost of issuing and checking one.

    .venv/bin/python bench/bench_certificates.py [--count N]

Baselines measured in the same run: a bare Ed25519 signature / verification
of the same bytes (the floor for issuing / checking), and a segno QR of the
same length read back by zxing-cpp.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _timed(function, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        function()
    return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()

    import segno
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from support.sync_devices import make_programme

    from debc_outreach.sync import statement_codec as codec
    from debc_outreach.sync import statements

    modules = ("check-before-sharing", "verify-digital-documents", "safe-mobile-money")
    typical = [f"{m}.skill-{n}" for m in modules[:2] for n in range(3)]
    large = [f"{m}.a-long-skill-identifier-{n}" for m in modules for n in range(6)]
    with tempfile.TemporaryDirectory() as folder:
        coordinator, (trainer,) = make_programme(Path(folder))
        try:
            for label, skills in (("typical", typical), ("large", large)):
                issued = statements.issue(trainer, "p", "ស៊ុន ស្រីនាង Sun Sreyneang", modules,
                                          skills, "2026-03-08", "07010101")
                version = segno.make_qr(issued.code, error="m").version
                print(f"{label}: {len(skills)} skills, code {len(issued.code)} characters, "
                      f"QR version {version}-M ({17 + 4 * version} modules a side)")
            issued = statements.issue(trainer, "p", "ស៊ុន ស្រីនាង", modules, typical,
                                      "2026-03-08", "07010101")
            decoded = codec.decode(issued.code)
            key = Ed25519PrivateKey.generate()
            signature = key.sign(decoded.signed_bytes)
            raw_sign = _timed(lambda: key.sign(decoded.signed_bytes), args.count)
            raw_verify = _timed(lambda: key.public_key().verify(signature, decoded.signed_bytes),
                                args.count)
            issue = _timed(lambda: statements.issue(trainer, "p", "ស៊ុន ស្រីនាង", modules,
                                                    typical, "2026-03-08", "07010101"),
                           args.count)
            verify = _timed(lambda: statements.verify(coordinator, issued.code), args.count)
            print(f"issue (sign + record): {issue * 1000:.2f} ms, bare Ed25519 sign "
                  f"{raw_sign * 1000:.3f} ms, ratio {issue / raw_sign:.0f}x")
            print(f"verify (decode + chain + signature + revocation): {verify * 1000:.2f} ms, "
                  f"bare Ed25519 verify {raw_verify * 1000:.3f} ms, "
                  f"ratio {verify / raw_verify:.1f}x")

            import zxingcpp
            from PySide6.QtGui import QGuiApplication, QImage

            app = QGuiApplication.instance() or QGuiApplication([])   # noqa: F841
            for scale in (2, 3, 5):
                buffer = io.BytesIO()
                segno.make_qr(issued.code, error="m").save(buffer, kind="png", scale=scale,
                                                           border=4)
                image = QImage()
                image.loadFromData(buffer.getvalue(), "PNG")
                gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
                found = zxingcpp.read_barcodes(gray)
                read = _timed(lambda gray=gray: zxingcpp.read_barcodes(gray), 20)
                ok = bool(found) and found[0].text == issued.code
                print(f"QR at {scale} px per module ({image.width()} px): read back "
                      f"{'OK' if ok else 'FAILED'} in {read * 1000:.1f} ms")
        finally:
            trainer.close()
            coordinator.close()


if __name__ == "__main__":
    main()
