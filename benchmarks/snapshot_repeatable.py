"""Making the application's random draws and pyHanko's real-time stamps repeatable, for
benchmarks/snapshot.py: two snapshots of the same code and data must be byte-identical."""
import base64
import os
import random
import secrets
import uuid
from datetime import datetime

from pyhanko.pdf_utils import incremental_writer, writer
from pyhanko.pdf_utils.metadata import info, xmp_xml


def repeatable_randomness():
    """Replace the random draws the application makes (verification codes, tokens, salts,
    request ids) with seeded streams, one per kind and size, so that an extra draw of one kind
    (a session token) does not shift another (the agreements' verification codes)."""
    streams = {}

    def stream(*key):
        return streams.setdefault(key, random.Random(repr(key)))

    def token_bytes(nbytes=None):
        return stream("bytes", nbytes).randbytes(nbytes or 32)

    secrets.token_bytes = token_bytes
    secrets.token_hex = lambda nbytes=None: stream("hex", nbytes).randbytes(nbytes or 32).hex()
    secrets.token_urlsafe = lambda nbytes=None: base64.urlsafe_b64encode(
        stream("urlsafe", nbytes).randbytes(nbytes or 32)).rstrip(b"=").decode()
    secrets.choice = lambda seq: stream("choice", repr(seq)[:200]).choice(seq)
    secrets.randbelow = lambda n: stream("below").randrange(n)
    secrets.randbits = lambda k: stream("bits").getrandbits(k)
    uuid.uuid4 = lambda: uuid.UUID(int=stream("uuid4").getrandbits(128), version=4)
    random.seed(16)


def repeatable_sealing(clock):
    """pyHanko stamps a sealed file's /ModDate with the host's real time and draws its /ID from
    os.urandom; take the first from the app's clock and the second from a seeded stream, so
    that a sealed agreement has the same bytes (and the pages the same SHA-256) on every run."""
    class ClockNow(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, datetime)

        def __getattr__(cls, name):
            return getattr(datetime, name)

    class ClockDatetime(metaclass=ClockNow):
        @staticmethod
        def now(tz=None):
            return clock.now().astimezone(tz)

    ids = random.Random("pdf-id")

    class RepeatableOs:
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def urandom(size):
            return ids.randbytes(size)

    info.datetime = xmp_xml.datetime = ClockDatetime
    incremental_writer.os = writer.os = RepeatableOs()
