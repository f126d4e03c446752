"""Median time to render the delegation agreement (unsigned, and final with signatures, signing
record and QR code) and to seal the final one. Not a test; needs no database.
Run: .venv/bin/python benchmarks/agreement_bench.py [rounds]"""
import io
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw  # noqa: E402

from config import TestingConfig  # noqa: E402
from proxy_service import create_app  # noqa: E402
from proxy_service.documents import seal  # noqa: E402
from proxy_service.documents.agreement import render_agreement  # noqa: E402
from proxy_service.documents.agreement_content import (  # noqa: E402
    AgreementContent,
    CenterInfo,
    EnterpriseInfo,
    ItemRow,
    ProjectInfo,
    SignatureView,
    SignedParts,
)
from proxy_service.documents.default_clauses import DEFAULT_CLAUSES  # noqa: E402
from proxy_service.models import Center  # noqa: E402

ITEMS = ["项目备案", "建设用地规划许可证", "不动产权证", "节能审查", "水土保持方案审批", "环境影响评价（报告表）",
         "防雷装置设计审核", "建设工程规划许可证", "消防设计审查", "施工许可证", "供电接入（高压新装）"]
CENTER = "山西转型综合改革示范区晋中开发区企业服务中心"


def content():
    """The demo's 尚风绿谷 agreement: eleven items, the default clauses."""
    return AgreementContent(
        kind="agreement", number="JZKFQ-DB-2026-000001", code="K7P9QX2M",
        created_at=datetime(2026, 3, 2, 2, tzinfo=UTC),
        enterprise=EnterpriseInfo("山西绿碳环保科技有限公司", "91140700MA0K3XYD2X",
                                  "山西省晋中市榆次区汇通产业园区汇通路88号", "陈国梁", "李明", "13935412266"),
        center=CenterInfo(CENTER, "山西省晋中市榆次区汇通路与迎宾街交汇处开发区政务服务大厅", "张志刚",
                          "0354-3061234"),
        agent_name="刘晓东", agent_phone="13835410011",
        project=ProjectInfo("尚风绿谷碳中和环保科技产业园项目", "2603-140700-89-01-372615", "晋中开发区汇通产业园区",
                            "150,000", "320", "新建碳中和环保科技研发中心、生物可降解材料生产车间6栋及仓储配套用房。",
                            True, "是（2 项事项按承诺制办理）", "备案类"),
        items=tuple(ItemRow(name, "立项用地规划许可", "开发区行政审批局", "审批", "5 工作日") for name in ITEMS),
        clauses=DEFAULT_CLAUSES)


def signed(digest):
    image = Image.new("RGBA", (560, 180), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(30, 120), (200, 40), (380, 150), (530, 50)], fill="black", width=6)
    png = io.BytesIO()
    image.save(png, format="PNG")
    at = datetime(2026, 3, 3, 6, tzinfo=UTC)
    return SignedParts(signatures=(
        SignatureView("enterprise", "陈国梁", "法定代表人", "drawn", at, "223.11.182.64", digest,
                      png.getvalue()),
        SignatureView("center", "张志刚", "主任", "typed", at, "10.12.3.21", digest)),
        unsigned_sha256=digest, verify_url="http://127.0.0.1:5000/verify/JZKFQ-DB-2026-000001?code=K7P9QX2M")


def median_ms(action, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(rounds=20):
    app = create_app(TestingConfig)
    agreement = content()
    render_agreement(agreement)   # the font is parsed once per process: not part of the median
    final_parts = signed("0" * 64)
    final = render_agreement(agreement, final_parts)
    with tempfile.TemporaryDirectory() as folder, app.app_context():
        app.config["SEAL_DIR"] = folder
        center = Center(name=CENTER, short_name="晋中开发区", zone="晋中开发区", number_prefix="BENCH",
                        address="晋中市榆次区")
        seal.init_center_seal(center)
        seal.seal_pdf(center, final)
        unsigned = median_ms(lambda: render_agreement(agreement), rounds)
        rendered = median_ms(lambda: render_agreement(agreement, final_parts), rounds)
        sealed = median_ms(lambda: seal.seal_pdf(center, final), rounds)
    print(f"render agreement (unsigned, {len(ITEMS)} items):      median {unsigned:7.1f} ms")
    print(f"render final (signatures, 签署记录, QR code):  median {rendered:7.1f} ms")
    print(f"seal final (pyHanko PAdES, SHA-256, RSA-2048):  median {sealed:7.1f} ms")
    print(f"({rounds} rounds each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
