"""The demo's agreements (seed-demo): signed online with drawn or typed signatures, signed on
paper, and cases waiting at every point of signing — through the signing service, with the
demo clock frozen at plausible office hours."""
import io
import math

from PIL import Image, ImageDraw, ImageFont
from werkzeug.datastructures import FileStorage

from proxy_service.documents.fonts import CANDIDATES
from proxy_service.permissions import can_countersign
from proxy_service.workflow import agreements as signing
from proxy_service.workflow import paper_signing, supplements

# key: (owner, center index, name, industry, 万元, 亩, location, content, 标准地, code serial)
SIGNING_PROJECTS = {
    "remanufacture": ("ent1", 0, "新能源汽车动力电池梯次利用及再制造项目", "节能与新能源汽车及其配套", "52000",
                      "96", "晋中开发区潇河产业园区", "新建动力电池拆解、检测分选及梯次利用储能产品生产线3条，"
                      "年处理退役动力电池3万吨。", False, 233187),
    "recycle_pv": ("ent2", 0, "退役光伏组件回收利用示范项目", "光伏电池及其组件", "18500", "45",
                   "晋中开发区汇通产业园区", "新建光伏组件物理法拆解回收生产线2条，年处理退役组件2万吨，"
                   "回收玻璃、铝边框、硅料及银。", False, 240951),
    "rd_center": ("ent2", 0, "华晟光伏技术研发中心项目", "光伏电池及其组件", "9600", "18",
                  "晋中开发区大学城产业园区", "新建研发楼及中试车间，建设高效电池中试线1条及检测实验室。",
                  False, 251036),
}
ITEMS = ["项目备案", "建设用地规划许可证", "建设工程规划许可证", "施工许可证"]


def signature_png(seed):
    """A hand-drawn-looking signature stroke (transparent background); demo only."""
    image = Image.new("RGBA", (560, 180), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(30 + x * 5, 95 + 45 * math.sin(x / (6 + seed % 3)) * math.cos(x / 17))
              for x in range(100)]
    draw.line(points, fill=(20, 20, 60, 255), width=6, joint="curve")
    draw.line([(60, 140), (500, 120)], fill=(20, 20, 60, 255), width=4)
    return _png(image)


def seal_png(name):
    """A red round company seal with the name and a star; marked as a demo in its centre."""
    size = 400
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 20, 20, 230)
    draw.ellipse([12, 12, size - 12, size - 12], outline=red, width=14)
    star = [(200 + r * math.sin(a * math.pi / 5), 190 - r * math.cos(a * math.pi / 5))
            for a, r in zip(range(10), [60, 24] * 5, strict=True)]
    draw.polygon(star, fill=red)
    font = _font(30)
    for index, char in enumerate(name):
        angle = math.pi * (-0.8 + 1.6 * index / max(len(name) - 1, 1))
        x, y = 200 + 150 * math.sin(angle), 200 - 150 * math.cos(angle)
        draw.text((x, y), char, fill=red, font=font, anchor="mm")
    draw.text((200, 300), "演示公章", fill=red, font=_font(34), anchor="mm")
    return _png(image)


def _font(size):
    for path in CANDIDATES:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _png(image):
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sign_online(b, case, days_ago, *, drawn=True, seal=False, agreement=None):
    """The enterprise signs in the afternoon, the center counter-signs an hour later."""
    agreement = agreement or signing.open_agreements(case)[0]
    _enterprise_signs(b, case, days_ago, agreement, drawn=drawn, seal=seal)
    _center_signs(b, case, days_ago, agreement)
    return agreement


def _enterprise_signs(b, case, days_ago, agreement, *, drawn=True, seal=False):
    b.travel(days_ago, 14)
    ent = case.enterprise
    if seal and ent.seal_image is None:
        ent.seal_image = seal_png(ent.name)   # uploaded once to the enterprise profile
    owner = next(user for user in ent.users if user.is_enterprise)
    signing.sign(agreement, owner, signer_name=ent.legal_representative, signer_title="法定代表人",
                 method="drawn" if drawn else "typed", image=signature_png(case.id) if drawn else None,
                 seal_image=ent.seal_image if seal else None, ip_address="223.11.182.64",
                 user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36")


def _center_signs(b, case, days_ago, agreement):
    b.travel(days_ago, 16)
    center = case.center
    manager = next(user for user in b.users.values()
                   if user.is_manager and user.center_id == center.id)
    signer = manager if can_countersign(manager, case) else case.agent
    signing.sign(agreement, signer, signer_name=center.person_in_charge, signer_title="主任",
                 method="typed", ip_address="10.12.3.21", user_agent="Mozilla/5.0 (X11; Linux x86_64)")


def sign_on_paper(b, case, days_ago, *, confirm=True, center_signs=True):
    """The agent uploads the scan the enterprise signed; he checks it; the center seals."""
    agreement = signing.open_agreements(case)[0]
    b.travel(days_ago, 14)
    from proxy_service.seed.demo import pdf  # noqa: PLC0415 — demo imports this module
    data = pdf("代办委托协议（纸质签署扫描件·演示）", [
        f"协议编号：{agreement.number}", f"甲方：{case.enterprise.name}（加盖公章）",
        f"法定代表人签字：{case.enterprise.legal_representative}", "共 5 页，逐页加盖骑缝章"])
    upload = FileStorage(io.BytesIO(data), filename=f"{agreement.number}-签字盖章扫描件.pdf",
                         content_type="application/pdf")
    owner = next(user for user in case.enterprise.users if user.is_enterprise)
    paper_signing.upload_scan(agreement, owner, upload)
    if confirm:
        b.travel(days_ago, 15)
        paper_signing.confirm_scan(agreement, case.agent, signer_name=case.enterprise.legal_representative,
                                   signer_title="法定代表人", ip_address="10.12.3.35",
                                   user_agent="Mozilla/5.0 (X11; Linux x86_64)")
        if center_signs:
            _center_signs(b, case, days_ago, agreement)
    return agreement


def signing_cases(b):
    """Three cases waiting on their agreement: for ent1's signature, for the center's
    counter-signature, and a paper scan waiting to be checked."""
    for key, row in SIGNING_PROJECTS.items():
        b.project(key, *row)
    waiting = b.submit("remanufacture", 4, ITEMS, "电池梯次利用项目，委托代办前期手续。")
    b.accept(waiting, 3, "manager", "agent1", "已一次性告知所需材料。")
    countersign = b.submit("recycle_pv", 4, ITEMS, "组件回收示范线，委托全程代办。")
    b.accept(countersign, 3, "manager", "agent2")
    _enterprise_signs(b, countersign, 2, signing.open_agreements(countersign)[0], drawn=True)
    paper = b.submit("rd_center", 3, ITEMS[:3], "研发中心项目，我司习惯纸质签署协议。")
    b.accept(paper, 2, "manager", "agent3")
    sign_on_paper(b, paper, 1, confirm=False)


def showcase_supplement(b, case, days_ago):
    """After sealing, the manager adds an item: a 续办委托书 awaiting the enterprise."""
    b.travel(days_ago, 11)
    item = b.item(case.center, "通信接入")
    supplements.add_items(case, b.users["manager"], [item])

