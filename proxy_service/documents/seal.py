"""The center's digital seal (电子印章): a PAdES signature over a finished PDF, and its check.

Production: each center's certificate and key come from a licensed CA (PEM
files named on the Center row, or SEAL_DIR/<prefix>/cert.pem + key.pem), and
an RFC 3161 timestamp is added when the center has a TSA URL. Development:
`flask init-seal --center PREFIX` makes a self-signed certificate whose key
usage includes non-repudiation, as a seal certificate's must.
"""
import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import Center

FIELD_NAME = "CenterSeal"
VALID_YEARS = 5
RESERVED, RESERVED_WITH_TSA = 16 * 1024, 32 * 1024   # bytes for the signature (CMS) blob


class SealError(Exception):
    """The center has no usable seal certificate and key."""


@dataclass(frozen=True)
class SealCheck:
    """What a PDF's seal signature says. `intact`: the signed bytes are unchanged and the
    signature is cryptographically valid; `trusted`: the signer chains to a trust root."""

    intact: bool
    trusted: bool
    signer_subject: str = ""
    signed_at: datetime | None = None
    problems: tuple = ()
    md_algorithm: str = ""
    signer_fingerprint: str = ""      # SHA-256 of the signer's certificate, hex
    timestamped: bool = False
    covers_whole_file: bool = False

    @property
    def ok(self):
        return self.intact and self.trusted and not self.problems


@dataclass(frozen=True)
class SealFiles:
    cert: Path
    key: Path
    chain: tuple = field(default=())


# --- locating the certificate ----------------------------------------------------

def seal_dir() -> Path:
    return Path(current_app.config.get("SEAL_DIR") or Path(current_app.instance_path) / "seals")


def seal_files(center) -> SealFiles:
    """The center's PEM files: the paths on its row, else SEAL_DIR/<prefix>/. Raises SealError."""
    if center.seal_cert_path and center.seal_key_path:
        cert, key = _resolve(center.seal_cert_path), _resolve(center.seal_key_path)
    else:
        folder = seal_dir() / center.number_prefix
        cert, key = folder / "cert.pem", folder / "key.pem"
    if not (cert.is_file() and key.is_file()):
        raise SealError(f"no seal certificate/key for {center.number_prefix}: {cert}, {key} "
                        f"(run `flask init-seal --center {center.number_prefix}` in development)")
    chain = cert.with_name("chain.pem")   # a CA-issued certificate's intermediates, if any
    return SealFiles(cert, key, (chain,) if chain.is_file() else ())


def _resolve(path):
    path = Path(path)
    return path if path.is_absolute() else Path(current_app.instance_path) / path


def center_certificate(center):
    """The center's certificate (asn1crypto), or None when it has none configured."""
    try:
        return load_cert_from_pemder(str(seal_files(center).cert))
    except SealError:
        return None


def trust_roots(centers):
    """The configured centers' certificates, plus SEAL_TRUST_ROOTS (CA roots, PEM paths)."""
    roots = [cert for cert in map(center_certificate, centers) if cert is not None]
    for path in current_app.config.get("SEAL_TRUST_ROOTS", ()):
        roots.append(load_cert_from_pemder(str(path)))
    return roots


# --- sealing -----------------------------------------------------------------------

def seal_pdf(center, pdf_bytes: bytes, signed_at: datetime | None = None) -> bytes:
    """`pdf_bytes` with the center's PAdES seal (SHA-256) appended as an incremental update,
    timestamped by the center's TSA when one is configured. Raises SealError.

    `signed_at` (default: clock.now()) is the signing time the seal states, the moment the
    caller records as the sealing: /verify shows both, and they must agree. A TSA's token,
    when there is one, still attests its own (real) time."""
    signer = _signer(seal_files(center))
    if signer is None:
        raise SealError(f"cannot load the seal key/certificate of {center.number_prefix}")
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        name=center.name, location=center.address or center.zone,
        reason="代办委托协议电子印章", certify=True)  # i18n-keep: written into the PDF
    # Tests never configure a TSA, so they never reach the network.
    timestamper = HTTPTimeStamper(center.tsa_url, timeout=10) if center.tsa_url else None
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    # A fixed reservation spares pyHanko a dry-run signature to measure the CMS blob; a TSA
    # token (with its certificates) needs more room.
    reserved = RESERVED_WITH_TSA if timestamper else RESERVED
    pdf_signer = _SignerAt(signed_at or clock.now(), meta, signer=signer, timestamper=timestamper)
    return pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()


class _SignerAt(signers.PdfSigner):
    """A PdfSigner whose signature states `signed_at` (the /M entry and the CMS signing-time
    attribute) instead of the host's clock: pyHanko reads the time from its signing session."""

    def __init__(self, signed_at, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_at = signed_at

    def init_signing_session(self, *args, **kwargs):
        session = super().init_signing_session(*args, **kwargs)
        session.system_time = self.signed_at
        return session


def _signer(files):
    stamps = tuple(path.stat().st_mtime_ns for path in (files.cert, files.key, *files.chain))
    return _load_signer(files, stamps)


@lru_cache(maxsize=16)
def _load_signer(files, _stamps):
    """Loading an RSA key costs ~70 ms (its consistency checks): once per process and file
    version (the modification times are part of the cache key)."""
    return signers.SimpleSigner.load(str(files.key), str(files.cert),
                                     ca_chain_files=[str(p) for p in files.chain] or None)


# --- checking ---------------------------------------------------------------------

def check_seal(pdf_bytes: bytes, roots) -> SealCheck:
    """Validate the last seal signature in `pdf_bytes` against `roots` (no network)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception as err:   # a damaged file may fail anywhere in the parser
        return SealCheck(False, False, problems=(_l("文件无法解析：%(error)s", error=type(err).__name__),))
    if not signatures:
        return SealCheck(False, False, problems=(_l("文件中没有电子印章签名"),))
    context = ValidationContext(trust_roots=list(roots), allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[-1], signer_validation_context=context)
    except Exception as err:
        return SealCheck(False, False, problems=(_l("签名无法验证：%(error)s", error=type(err).__name__),))
    return _summary(status)


def _summary(status):
    problems = []
    intact = bool(status.intact and status.valid)
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    if not intact:
        problems.append(_l("签名所覆盖的内容已被改动，或签名本身已损坏"))
    elif not status.trusted:
        problems.append(_l("签名证书不在受信任的服务中心证书之列"))
    if intact and not whole:
        problems.append(_l("签名之后文件被追加修改"))
    stamp = status.timestamp_validity
    signed_at = stamp.timestamp if stamp is not None else status.signer_reported_dt
    cert = status.signing_cert
    return SealCheck(
        intact=intact, trusted=bool(status.trusted),
        signer_subject=cert.subject.human_friendly, signed_at=signed_at,
        problems=tuple(problems), md_algorithm=status.md_algorithm,
        signer_fingerprint=cert.sha256.hex(), timestamped=stamp is not None,
        covers_whole_file=whole)


# --- development certificates ----------------------------------------------------------

def create_dev_seal(center, folder: Path, *, years=VALID_YEARS) -> SealFiles:
    """A self-signed seal certificate + key for `center` in `folder` (created atomically: a
    concurrent call finds the other's pair, never a mismatched one). Existing files are kept."""
    folder = Path(folder)
    if (folder / "cert.pem").is_file() and (folder / "key.pem").is_file():
        return SealFiles(folder / "cert.pem", folder / "key.pem")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".seal-", dir=folder.parent))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write(staging / "key.pem", key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()), mode=0o600)
    _write(staging / "cert.pem", _self_signed(center, key, years)
           .public_bytes(serialization.Encoding.PEM), mode=0o644)
    try:
        os.rename(staging, folder)
    except OSError:   # someone else made it first (or it exists, empty): keep theirs
        for name in ("key.pem", "cert.pem"):
            (staging / name).unlink(missing_ok=True)
        staging.rmdir()
        if not (folder / "cert.pem").is_file():
            raise
    return SealFiles(folder / "cert.pem", folder / "key.pem")


def _write(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _self_signed(center, key, years):
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, center.name),
        _common_name(center),
    ])
    # Valid from the app clock's day too (the demo seals its agreements weeks back, at the
    # moments it tells of), and for `years` from real time: pyHanko validates now.
    real = datetime.now(UTC)
    start = min(real, clock.now()) - timedelta(days=1)
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(real + timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))


def _common_name(center):
    """RFC 5280 bounds a CN at 64 characters; the cryptography library counts UTF-8 bytes
    instead (a 22-character Chinese name is 66), so its check is relaxed for names that fit."""
    name = center.name if len(center.name) <= 64 else center.short_name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return x509.NameAttribute(NameOID.COMMON_NAME, name, _validate=False)


def init_center_seal(center, *, folder=None) -> SealFiles:
    """Ensure `center` has a development seal under SEAL_DIR/<prefix>/ and record its paths."""
    files = create_dev_seal(center, Path(folder) if folder else seal_dir() / center.number_prefix)
    center.seal_cert_path, center.seal_key_path = str(files.cert), str(files.key)
    return files


@click.command("init-seal")
@click.option("--center", "prefix", required=True, help="the center's number prefix, e.g. JZKFQ")
@with_appcontext
def init_seal_command(prefix):
    """Development only: a self-signed seal certificate + key for a center (kept if present)."""
    center = db.session.scalar(select(Center).where(Center.number_prefix == prefix))
    if center is None:
        raise click.ClickException(f"no center with prefix {prefix}")
    files = init_center_seal(center)
    db.session.commit()
    certificate = load_cert_from_pemder(str(files.cert))
    click.echo(f"seal of {center.name}: {files.cert} (key {files.key}, 0600)\n"
               f"subject: {certificate.subject.human_friendly}\n"
               f"valid until: {certificate.not_valid_after:%Y-%m-%d}; "
               "self-signed — use a CA-issued certificate in production")
