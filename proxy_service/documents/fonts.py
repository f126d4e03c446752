"""The CJK font embedded in every generated PDF, registered once per process.

A TrueType font is embedded (WenQuanYi Zen Hei from Debian's fonts-wqy-zenhei
works with reportlab; Noto CJK does not: its outlines are CFF). Without the
file we fall back to reportlab's built-in STSong-Light, which PDF readers
substitute and which is not embedded — hence the warning.
"""
import logging
import os
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
)
FALLBACK = "STSong-Light"


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The registered font name: "WQYZenHei" when the TrueType file is found, else STSong-Light.

    The path can be set with CJK_FONT_PATH.
    """
    configured = os.environ.get("CJK_FONT_PATH")
    for path in ((configured,) if configured else ()) + CANDIDATES:
        if path and os.path.exists(path):
            pdfmetrics.registerFont(TTFont("WQYZenHei", path, subfontIndex=0))
            return "WQYZenHei"
    log.warning("no CJK TrueType font found (set CJK_FONT_PATH or install fonts-wqy-zenhei); "
                "falling back to the non-embedded %s", FALLBACK)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK
