"""Images that go into an agreement: a drawn signature (a PNG data URL from signature_pad)
and an enterprise's electronic company seal (电子公章, an uploaded PNG).

Both are decoded, checked for a sane size and re-encoded by Pillow, so that what is stored
and printed is a plain PNG without whatever else the client put in the file.
"""
import base64
import binascii
import io

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

DATA_URL_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_LIMITS = dict(max_bytes=300 * 1024, min_size=(60, 30), max_size=(3000, 1500))
SEAL_LIMITS = dict(max_bytes=1024 * 1024, min_size=(100, 100), max_size=(2000, 2000))


class ImageError(ValueError):
    """The image is refused; the message is for the user."""


def signature_from_data_url(value):
    """The PNG bytes of a drawn signature posted as a data URL. Raises ImageError."""
    value = (value or "").strip()
    if not value.startswith(DATA_URL_PREFIX):
        raise ImageError(_l("请在签名框内手写签名。"))
    try:
        data = base64.b64decode(value[len(DATA_URL_PREFIX):], validate=True)
    except (binascii.Error, ValueError) as err:
        raise ImageError(_l("签名图像无法识别，请重新签名。")) from err
    return clean_png(data, **SIGNATURE_LIMITS)


def seal_from_upload(upload):
    """The PNG bytes of an uploaded company seal image (werkzeug FileStorage). Raises ImageError."""
    data = upload.read(SEAL_LIMITS["max_bytes"] + 1)
    return clean_png(data, **SEAL_LIMITS)


def clean_png(data, *, max_bytes, min_size, max_size):
    """Re-encoded RGBA PNG of `data` when it is a PNG within the limits and not blank."""
    if len(data) > max_bytes:
        raise ImageError(_l("图片超过 %(kb)s KB 上限。", kb=max_bytes // 1024))
    if not data.startswith(PNG_MAGIC):
        raise ImageError(_l("只接受 PNG 图片。"))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        # Both limits are checked before decoding the pixels (a tiny file can claim a huge size).
        width, height = image.size
        if width < min_size[0] or height < min_size[1] or width > max_size[0] or height > max_size[1]:
            raise ImageError(_l("图片尺寸应在 %(a)s 至 %(b)s 像素之间。",
                                a="{}×{}".format(*min_size), b="{}×{}".format(*max_size)))
        image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as err:
        raise ImageError(_l("图片已损坏或无法识别。")) from err
    if image.getchannel("A").getbbox() is None or _blank(image):
        raise ImageError(_l("图片是空白的。"))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _blank(image):
    """All visible pixels white: nothing was drawn."""
    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(background, image).convert("L")
    return flat.getextrema()[0] > 245
