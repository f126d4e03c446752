"""The delegation agreement (代办委托协议) and supplementary delegation (续办委托书) as PDF.

A pure function of its content: `render_agreement(content, signed=None) -> bytes`. The same
content gives byte-identical output (reportlab invariant mode, the creation date taken from
the agreement's own created_at), so that a regenerated agreement can be compared by hash.
`content` is an AgreementContent snapshot (see documents/agreement_content.py); `signed`
adds the signatures to the signature block and the signing-record page (签署记录).
"""
import io
from datetime import UTC
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from proxy_service.core.i18n import record_language
from proxy_service.documents.common import NumberedCanvas
from proxy_service.documents.default_clauses import parse_clauses
from proxy_service.documents.fonts import cjk_font
from proxy_service.documents.signature_block import signature_block
from proxy_service.documents.signing_record import signing_record

NUMERALS = "零一二三四五六七八九十"
MARGIN = 22 * mm


def chinese_number(n):
    """1 → 一, 12 → 十二, 20 → 二十 (enough for clause numbers)."""
    if n <= 10:
        return NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens] if tens > 1 else "") + "十" + (NUMERALS[ones] if ones else "")


@lru_cache(maxsize=1)
def styles():
    font = cjk_font()
    # wordWrap="CJK" breaks lines between any two Chinese characters, not only at spaces.
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK",
                          firstLineIndent=21)
    return {
        "body": base,
        "plain": ParagraphStyle("plain", parent=base, firstLineIndent=0),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, firstLineIndent=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=13, firstLineIndent=0),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER,
                                firstLineIndent=0, spaceAfter=4),
        "meta": ParagraphStyle("meta", parent=base, fontSize=9.5, alignment=TA_CENTER,
                               firstLineIndent=0, textColor=colors.HexColor("#333333")),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11.5, leading=19,
                                  firstLineIndent=0, spaceBefore=7, spaceAfter=2),
        "typed": ParagraphStyle("typed", parent=base, fontSize=20, leading=26, firstLineIndent=0),
    }


def esc(text):
    """Paragraph markup is XML-like: user text must not open tags."""
    return (str(text or "")).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def grid(rows, widths, header=False):
    """A bordered table of Paragraph cells (so that long Chinese text wraps inside the cell)."""
    cell = styles()["cell"]
    data = [[c if not isinstance(c, str) else Paragraph(esc(c), cell) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    # FONTNAME: a table's own default is Helvetica, which would be named (not embedded).
    commands = [("FONTNAME", (0, 0), (-1, -1), cjk_font()),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(commands))
    return table


@record_language()
def render_agreement(content, signed=None):
    """The PDF bytes of `content` (AgreementContent); with `signed` (SignedParts) the final one."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, invariant=1,
                            title=content.title, author=content.center.name,
                            subject=content.number, creator="proxy_service",
                            # Else every page names Helvetica, a font that is not embedded.
                            initialFontName=cjk_font())
    story = _story(content, signed)
    doc.build(story, canvasmaker=_canvas_maker(content))
    return buffer.getvalue()


def _story(content, signed):
    st = styles()
    story = [Paragraph(esc(content.title), st["title"]),
             Paragraph(f"编号：{esc(content.number)}　　校验码：{esc(content.code)}", st["meta"]),
             Spacer(1, 6 * mm)]
    story += _parties(content)
    story += _preamble(content)
    story += _project(content, 1)
    story += _items(content, 2)
    story += _clauses(content, 3)
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph("（以下无正文，为签署页）", st["plain"]))
    story.append(KeepTogether([Spacer(1, 4 * mm), signature_block(content, signed, st)]))
    if signed is not None:
        story += signing_record(content, signed, st, grid)
    return story


def _parties(content):
    ent, center = content.enterprise, content.center
    rows = [
        ("甲方（委托方）", ent.name), ("统一社会信用代码", ent.uscc), ("住所", ent.address),
        ("法定代表人", ent.legal_representative),
        ("项目联系人", f"{ent.contact_person}　手机：{ent.mobile}"),
        ("乙方（受托方）", center.name), ("地址", center.address),
        ("负责人", center.person_in_charge), ("联系电话", center.phone),
        ("指派代办员", f"{content.agent_name}　电话：{content.agent_phone}"),
    ]
    return [grid(rows, [38 * mm, None]), Spacer(1, 4 * mm)] if rows else []


def _preamble(content):
    st = styles()
    if content.kind == "supplement":
        text = (f"甲乙双方于{content.parent_date}签订了《代办委托协议》（编号：{esc(content.parent_number)}）。"
                "现甲方增加委托乙方代办下列审批事项，经双方协商一致，签订本续办委托书。本续办委托书是原协议"
                "的组成部分，除本续办委托书另有约定外，原协议各条款适用于新增事项；新增事项自本续办委托书经"
                "双方签署、乙方加盖电子签章后开始办理。")
    else:
        text = ("根据《中华人民共和国民法典》及政务服务帮（代）办服务有关规定，甲方自愿委托乙方为下列投资项目"
                "提供无偿代办服务。甲乙双方本着平等自愿、诚实信用的原则，经协商一致，订立本协议。")
    return [Paragraph(text, st["body"]), Spacer(1, 2 * mm)]


def _heading(number, text):
    return Paragraph(f"第{chinese_number(number)}条　{esc(text)}", styles()["heading"])


def _project(content, number):
    p = content.project
    rows = [("项目名称", p.name), ("项目代码", p.code or "尚未赋码"), ("建设地点", p.location),
            ("总投资", f"{p.investment} 万元"), ("用地面积", f"{p.land} 亩"),
            ("是否标准地", "是" if p.standard_land else "否"), ("是否承诺制", p.commitment),
            ("项目类别", p.filing), ("建设内容", p.content)]
    return [_heading(number, "项目基本情况"), grid(rows, [30 * mm, None]), Spacer(1, 2 * mm)]


def _items(content, number):
    st = styles()
    heading = "新增委托代办事项" if content.kind == "supplement" else "委托代办事项"
    rows = [("序号", "事项名称", "所属阶段", "审批部门", "办理方式", "承诺时限")]
    rows += [(str(i), it.name, it.stage, it.department, it.mode, it.limit)
             for i, it in enumerate(content.items, 1)]
    widths = [11 * mm, None, 30 * mm, 32 * mm, 22 * mm, 22 * mm]
    note = Paragraph("承诺时限自申报材料齐全并经审批部门受理之日起计算；退回补正、案件中止期间不计入。"
                     "事项清单可经双方签订续办委托书增加。", st["small"])
    return [_heading(number, heading), grid(rows, widths, header=True), Spacer(1, 1 * mm), note]


def _clauses(content, first):
    if content.kind == "supplement":
        return []
    st, story = styles(), []
    for offset, (heading, paragraphs) in enumerate(parse_clauses(content.clauses)):
        story.append(_heading(first + offset, heading))
        story += [Paragraph(esc(text), st["body"]) for text in paragraphs]
    return story


class _Stamp:
    """The PDF creation date: the agreement's own time, not the wall clock (reportlab reads
    YMDhms/dhh/dmm/t of its TimeStamp)."""

    def __init__(self, moment):
        moment = moment.astimezone(UTC)
        self.t, self.YMDhms, self.dhh, self.dmm, self.tzname = \
            moment.timestamp(), tuple(moment.timetuple())[:6], 0, 0, "UTC"


def _canvas_maker(content):
    """The shared numbered canvas, dated by the agreement and with its own page furniture:
    title and number at the top, the page label lower than the notices put it."""
    font = cjk_font()

    class AgreementCanvas(NumberedCanvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = _Stamp(content.created_at)

        def _decorate(self, total):
            # No saveState/restoreState, unlike the notices: the bytes of every agreement
            # already issued are compared by hash on regeneration (signing.refresh).
            width, height = A4
            self.setFont(font, 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawString(MARGIN, height - 12 * mm, content.title)
            self.drawRightString(width - MARGIN, height - 12 * mm, f"编号：{content.number}")
            self.drawCentredString(width / 2, 11 * mm, self.page_label(total))

    return AgreementCanvas
