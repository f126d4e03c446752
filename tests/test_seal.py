"""The center's digital seal: PAdES with SHA-256 by the center's certificate, checked by pyHanko."""
import io
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.documents import seal
from proxy_service.models import Center

from .factories import make_center
from .seal_helpers import give_seal, simple_pdf


@pytest.fixture
def center(app, seal_folder):
    center = make_center("SEALT", "山西转型综合改革示范区晋中开发区企业服务中心")
    give_seal(center, seal_folder)
    return center


def _flip(data, position):
    damaged = bytearray(data)
    damaged[position] ^= 0x01
    return bytes(damaged)


def test_sealed_pdf_is_intact_and_trusted(center):
    sealed = seal.seal_pdf(center, simple_pdf("delegation agreement"))
    check = seal.check_seal(sealed, seal.trust_roots([center]))
    assert check.intact and check.trusted and check.ok
    assert check.covers_whole_file and check.md_algorithm == "sha256"
    assert check.signed_at is not None and not check.timestamped


def test_seal_is_pades_sha256_by_the_centers_certificate(center):
    sealed = seal.seal_pdf(center, simple_pdf())
    assert b"/ETSI.CAdES.detached" in sealed
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    status = validate_pdf_signature(signature, signer_validation_context=ValidationContext(
        trust_roots=seal.trust_roots([center]), allow_fetching=False))
    assert status.md_algorithm == "sha256" and status.intact and status.trusted
    subject = status.signing_cert.subject.native
    assert subject["common_name"] == center.name and subject["organization_name"] == center.name
    key_usage = status.signing_cert.key_usage_value.native
    assert {"digital_signature", "non_repudiation"} <= set(key_usage)


def test_a_flipped_byte_breaks_the_seal(center):
    original = simple_pdf("delegation agreement")
    sealed = seal.seal_pdf(center, original)
    roots = seal.trust_roots([center])
    # A byte of the page content, one in the middle, and one inside the signature itself.
    content = original.index(b"stream") + 20
    inside_signature = sealed.index(b"/Contents <") + 200
    for position in (content, len(original) // 2, inside_signature):
        check = seal.check_seal(_flip(sealed, position), roots)
        assert not check.intact and not check.ok and check.problems


def test_another_centers_certificate_is_not_trusted(center, seal_folder):
    other = make_center("SEALU", "银川经济技术开发区企业服务中心")
    give_seal(other, seal_folder)
    sealed = seal.seal_pdf(center, simple_pdf())
    check = seal.check_seal(sealed, seal.trust_roots([other]))
    assert check.intact and not check.trusted and not check.ok


def test_unsigned_or_unreadable_files_have_no_valid_seal(center):
    roots = seal.trust_roots([center])
    assert not seal.check_seal(simple_pdf(), roots).intact
    assert not seal.check_seal(b"%PDF-1.4 garbage", roots).intact


def test_a_center_without_seal_cannot_seal(app):
    center = make_center("NOSEAL", "没有印章的服务中心")
    with pytest.raises(seal.SealError):
        seal.seal_pdf(center, simple_pdf())
    assert seal.center_certificate(center) is None


def test_a_tsa_url_adds_a_timestamp_without_network(center, monkeypatch, seal_folder):
    """The HTTP client is replaced by pyHanko's local DummyTimeStamper (signing with the
    center's own key): the seal must then carry an RFC 3161 timestamp."""
    files = seal.seal_files(center)
    urls = []

    def fake_stamper(url, timeout):
        urls.append(url)
        return DummyTimeStamper(tsa_cert=load_cert_from_pemder(str(files.cert)),
                                tsa_key=load_private_key_from_pemder(str(files.key), None))

    monkeypatch.setattr(seal, "HTTPTimeStamper", fake_stamper)
    center.tsa_url = "http://tsa.invalid/tsr"
    sealed = seal.seal_pdf(center, simple_pdf())
    assert urls == ["http://tsa.invalid/tsr"]
    check = seal.check_seal(sealed, seal.trust_roots([center]))
    assert check.intact and check.timestamped


def test_init_seal_creates_a_self_signed_certificate(app, tmp_path, monkeypatch):
    center = make_center("INITS", "山西转型综合改革示范区阳曲产业园区企业服务中心")
    db.session.commit()
    monkeypatch.setitem(app.config, "SEAL_DIR", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["init-seal", "--center", "INITS"])
    assert result.exit_code == 0, result.output
    center = db.session.scalar(select(Center).where(Center.number_prefix == "INITS"))
    assert center.seal_cert_path == str(tmp_path / "INITS" / "cert.pem")
    assert stat.S_IMODE(os.stat(center.seal_key_path).st_mode) == 0o600
    certificate = seal.center_certificate(center)
    assert certificate.subject.native["common_name"] == center.name
    assert certificate.key_usage_value.native == {"digital_signature", "non_repudiation"}
    days = (certificate.not_valid_after - certificate.not_valid_before).days
    assert 365 * 5 <= days <= 365 * 5 + 3
    # Run again: the same certificate is kept (sealed PDFs stay verifiable).
    again = app.test_cli_runner().invoke(args=["init-seal", "--center", "INITS"])
    assert again.exit_code == 0 and seal.center_certificate(center).sha256 == certificate.sha256


def test_the_seal_states_the_given_moment_by_a_certificate_valid_then(app, tmp_path, frozen_clock):
    """The demo seals weeks back, at the moments its clock travels to: a development seal made
    then is valid from then (and for five years from now), and each seal states its moment."""
    center = make_center("PASTS", "山西转型综合改革示范区阳曲产业园区企业服务中心")
    frozen_clock(2026, 9, 1, 9)
    seal.init_center_seal(center, folder=tmp_path / "PASTS")
    certificate = seal.center_certificate(center)
    assert certificate.not_valid_before <= clock.now()
    assert certificate.not_valid_after > datetime.now(UTC) + timedelta(days=365 * 4)
    frozen_clock(2026, 9, 14, 16)
    check = seal.check_seal(seal.seal_pdf(center, simple_pdf()), [certificate])
    assert check.ok and check.signed_at == clock.now()
    moment = datetime(2026, 9, 15, 8, 30, 5, tzinfo=UTC)
    check = seal.check_seal(seal.seal_pdf(center, simple_pdf(), signed_at=moment), [certificate])
    assert check.ok and check.signed_at == moment


def test_init_seal_of_an_unknown_center_fails(app):
    result = app.test_cli_runner().invoke(args=["init-seal", "--center", "NOPE"])
    assert result.exit_code != 0 and "no center" in result.output
