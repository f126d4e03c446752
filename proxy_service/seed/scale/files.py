"""The pool of file contents `flask seed-scale` attaches to documents.

Sizes are what centers really receive: most scans and photos 100 KB–2 MB, a few large
drawings of 10–20 MB. Each content is a valid file of its type (a one-page PDF carrying an
incompressible payload stream, a JPEG padded with comment segments), so type sniffing and
PDF/JPEG readers accept it. The pool is small (documents share its blobs, as content-addressed
storage would for repeated uploads), so 100,000 cases fit on an ordinary disk.
"""
import io
import math
from dataclasses import dataclass

from PIL import Image

SMALL, LARGE = (100_000, 2_000_000), (10_000_000, 20_000_000)


@dataclass(frozen=True)
class PoolFile:
    data: bytes
    content_type: str
    extension: str


def build_pool(rng, count=40, large=4):
    """`count` files: `large` of 10–20 MB PDFs, the rest 100 KB–2 MB (three PDFs per JPEG)."""
    files = []
    for n in range(count):
        low, high = LARGE if n < large else SMALL
        size = int(math.exp(rng.uniform(math.log(low), math.log(high))))
        if n >= large and n % 4 == 3:
            files.append(PoolFile(jpeg_of_size(size, rng), "image/jpeg", "jpg"))
        else:
            files.append(PoolFile(pdf_of_size(size, rng, f"scale seed file {n}"), "application/pdf",
                                  "pdf"))
    return files


def pdf_of_size(size, rng, title):
    """A valid one-page PDF of about `size` bytes: the page shows `title` (ASCII); an extra
    stream object holds random bytes (a scan's weight) and is referenced by nothing."""
    text = f"BT /F1 18 Tf 72 760 Td ({title}) Tj ET".encode()
    head = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    payload = rng.randbytes(max(0, size - 900))
    objects = head + [b"<< /Length %d >>\nstream\n%s\nendstream" % (len(payload), payload)]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def jpeg_of_size(size, rng):
    """A valid small JPEG photo padded to about `size` bytes with COM segments after SOI."""

    image = Image.frombytes("L", (64, 48), rng.randbytes(64 * 48))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    photo = buffer.getvalue()
    segments, missing = [], max(0, size - len(photo))
    while missing > 4:
        chunk = min(65533, missing - 4)
        segments.append(b"\xff\xfe" + (chunk + 2).to_bytes(2, "big") + rng.randbytes(chunk))
        missing -= chunk + 4
    return photo[:2] + b"".join(segments) + photo[2:]
