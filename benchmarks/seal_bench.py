"""Median time to seal a PDF with the center's digital seal (PAdES, SHA-256, RSA-2048) and to
check a seal. Not a test. Run: .venv/bin/python benchmarks/seal_bench.py [rounds]"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestingConfig  # noqa: E402
from proxy_service import create_app  # noqa: E402
from proxy_service.documents import common, seal  # noqa: E402
from proxy_service.models import Center  # noqa: E402


def sample_pdf():
    """About four pages of Chinese text in the embedded font, like an agreement."""
    clause = "乙方应当按照委托事项清单，为甲方免费提供审批事项代办服务，并一次性告知所需材料。" * 6
    story = [*common.title_block("代办委托协议", "协议编号：BENCH-DB-2026-000001")]
    story += [common.text(f"第{n}条　{clause}") for n in range(1, 40)]
    return common.build_pdf(story, title="benchmark", header="基准测试服务中心")


def median_ms(action, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(rounds=30):
    app = create_app(TestingConfig)
    with tempfile.TemporaryDirectory() as folder, app.app_context():
        app.config["SEAL_DIR"] = folder
        center = Center(name="山西转型综合改革示范区晋中开发区企业服务中心", short_name="晋中开发区",
                        zone="晋中开发区", number_prefix="BENCH", address="晋中市榆次区")
        seal.init_center_seal(center)
        pdf = sample_pdf()
        sealed = seal.seal_pdf(center, pdf)
        roots = seal.trust_roots([center])
        seal_ms = median_ms(lambda: seal.seal_pdf(center, pdf), rounds)
        check_ms = median_ms(lambda: seal.check_seal(sealed, roots), rounds)
    print(f"input PDF {len(pdf) / 1024:.0f} KB, sealed {len(sealed) / 1024:.0f} KB, {rounds} rounds")
    print(f"seal_pdf   median {seal_ms:7.1f} ms")
    print(f"check_seal median {check_ms:7.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
