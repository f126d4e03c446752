"""The last page of a final agreement: 签署记录 (signing certificate).

Every signing event with its time, IP address and the SHA-256 of the document revision it
was made on, the SHA-256 of the unsigned original, who checked a paper scan against the
original and when, and a QR code leading to the public verification page.
"""
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

PARTIES = {"enterprise": "甲方", "center": "乙方"}
METHODS = {"drawn": "在线手写签名", "typed": "在线键入姓名", "paper": "纸质签署（扫描件核对确认）"}
QR_SIZE = 34 * mm


def signing_record(content, signed, st, grid):
    story = [PageBreak(), Paragraph("签署记录", st["title"]),
             Paragraph(f"{content.title}　编号：{content.number}　校验码：{content.code}", st["meta"]),
             Spacer(1, 5 * mm)]
    facts = [("原始文件 SHA-256", signed.unsigned_sha256), ("甲方", content.enterprise.name),
             ("乙方", content.center.name)]
    if signed.scan_sha256:
        facts.append(("纸质签署扫描件 SHA-256", signed.scan_sha256))
    facts += [("扫描件核对", f"{sig.checked_by}于 {sig.local_time}（北京时间）核对扫描件与原件一致"
               + ("（文本更新后作废）" if sig.voided else ""))
              for sig in signed.signatures if sig.method == "paper" and sig.checked_by]
    story += [grid(facts, [42 * mm, None]), Spacer(1, 5 * mm)]
    rows = [("序号", "签署方", "签署人 / 职务", "方式", "时间（北京时间）", "IP 地址", "所签文件 SHA-256")]
    for number, sig in enumerate(signed.signatures, 1):
        method = METHODS.get(sig.method, sig.method) + ("（文本更新后作废）" if sig.voided else "")
        rows.append((str(number), PARTIES.get(sig.party, sig.party),
                     f"{sig.signer_name} / {sig.signer_title}", method, sig.local_time,
                     sig.ip_address or "—", _wrap_hash(sig.document_sha256, st)))
    widths = [11 * mm, 14 * mm, 24 * mm, 22 * mm, 24 * mm, 28 * mm, None]
    story += [grid(rows, widths, header=True), Spacer(1, 6 * mm)]
    story.append(_verification(signed.verify_url, st))
    return story


def _wrap_hash(digest, st):
    # A 64-character hex string has no break opportunities; split it in quarters.
    return Paragraph("<br/>".join(digest[i:i + 16] for i in range(0, len(digest), 16)), st["cell"])


def _verification(url, st):
    # The flowable draws straight on the canvas: many times faster than the graphics widget.
    drawing = QrCode(url, width=QR_SIZE, height=QR_SIZE, qrLevel="M", qrBorder=2)
    text = [Paragraph("本协议由乙方加盖电子签章（PAdES 数字签名）。扫描左侧二维码，或访问下列地址，"
                      "输入协议编号和校验码，即可核验本文件是否与存档的最终文本一致、电子签章是否完好。",
                      st["plain"]),
            Spacer(1, 2 * mm), Paragraph(_esc(url), st["small"])]
    table = Table([[drawing, text]], colWidths=[QR_SIZE + 6 * mm, None])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st["plain"].fontName),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _esc(text):
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
