"""The signature block at the end of an agreement: blank lines before signing, the
signatures (drawn image, typed name or "signed on paper") and seal images afterwards."""
import io

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

SIGN_BOX = (48 * mm, 16 * mm)
SEAL_BOX = 30 * mm
BLANK_DATE = "________年____月____日"


def signature_block(content, signed, st):
    """A two-column table, 甲方 left and 乙方 right, row by row so that the lines align."""
    ent = signed.current("enterprise") if signed else None
    center = signed.current("center") if signed else None
    plain = st["plain"]
    rows = [
        [Paragraph(f"甲方（盖章）：{_esc(content.enterprise.name)}", plain),
         Paragraph(f"乙方（盖章）：{_esc(content.center.name)}", plain)],
        [_seal(ent) or Spacer(1, 4 * mm), _seal(center) or Spacer(1, 4 * mm)],
        [Paragraph("法定代表人或授权代表（签字）：", plain), Paragraph("负责人或授权代表（签字）：", plain)],
        [_mark(ent, st), _mark(center, st)],
        [Paragraph(f"职务：{_esc(ent.signer_title) if ent else ''}", plain),
         Paragraph(f"职务：{_esc(center.signer_title) if center else ''}", plain)],
        [Paragraph(f"签署日期：{ent.local_date if ent else BLANK_DATE}", plain),
         Paragraph(f"签署日期：{center.local_date if center else BLANK_DATE}", plain)],
        ["", Paragraph(f"代办员：{_esc(content.agent_name)}　电话：{_esc(content.agent_phone)}", plain)],
    ]
    table = Table(rows, colWidths=["50%", "50%"])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st["plain"].fontName),
                               ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("VALIGN", (0, 0), (-1, 0), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, 0), 8),
                               ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.grey)]))
    return table


def _mark(signature, st):
    """What stands on the signature line."""
    if signature is None:
        return Spacer(*SIGN_BOX)
    if signature.method == "drawn" and signature.image:
        return _image(signature.image, *SIGN_BOX)
    if signature.method == "paper":
        return Paragraph(f"{_esc(signature.signer_name)}（纸质签署，扫描件存档）", st["plain"])
    return Paragraph(_esc(signature.signer_name), st["typed"])


def _seal(signature):
    if signature is None or not signature.seal_image:
        return None
    return _image(signature.seal_image, SEAL_BOX, SEAL_BOX)


def _image(data, max_width, max_height):
    """The PNG scaled to fit the box, keeping its proportions, left-aligned."""
    width, height = ImageReader(io.BytesIO(data)).getSize()
    scale = min(max_width / width, max_height / height)
    image = Image(io.BytesIO(data), width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image


def _esc(text):
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
