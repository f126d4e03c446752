"""What /verify (the page, and POST /api/v1/verify) may say about an agreement, and the
check of an uploaded file: one answer for both, so that neither can say more.

Nothing is revealed about a number without its verification code: an unknown number and a
wrong code give the same answer (None). The summary holds only what the issue allows:
number, center, enterprise name, signing dates and the way it was signed.
"""
import hashlib
import hmac
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from proxy_service.core.extensions import db
from proxy_service.core.uploads import read_within_limit, sniff_type
from proxy_service.documents.seal import SealCheck, center_certificate, check_seal, trust_roots
from proxy_service.models import Agreement, Case, Center
from proxy_service.models.agreements import CENTER, ENTERPRISE, AgreementKind, AgreementState

SIGNING = "signing"   # the public's one word for every state before sealing
STATE_LABELS = {AgreementState.SEALED.value: _l("已签署生效，并已加盖服务中心电子印章"),
                AgreementState.VOID.value: _l("已作废"), SIGNING: _l("签署中，尚未生效")}
KIND_LABELS = {AgreementKind.AGREEMENT: _l("代办委托协议"), AgreementKind.SUPPLEMENT: _l("续办委托书")}


class FileRefused(Exception):
    """The upload is empty, too large or not a PDF."""


@dataclass(frozen=True)
class Summary:
    number: str
    kind: AgreementKind
    state: str                    # "sealed", "void" or "signing": nothing finer is public
    sealed: bool
    center: str
    enterprise: str
    on_paper: bool
    enterprise_signed_at: object
    center_signed_at: object
    sealed_at: object

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]

    @property
    def state_label(self):
        return STATE_LABELS.get(self.state, STATE_LABELS[SIGNING])


@dataclass(frozen=True)
class FileCheck:
    sha256: str
    matches: bool                 # byte-for-byte the final agreement on record
    summary: Summary | None       # the agreement it matches (or was checked against)
    seal: SealCheck
    by_center: bool               # sealed with that agreement's center's certificate

    @property
    def seal_verdict(self):
        """The seal in one word: "valid" (intact, trusted, and the agreement's own center's
        when the file is an agreement on record), "other_center" (intact and trusted, but
        another center's), "untrusted" (intact, not a center's certificate), "invalid"."""
        seal = self.seal
        if seal.intact and seal.trusted:
            return "valid" if self.by_center or not self.summary else "other_center"
        return "untrusted" if seal.intact else "invalid"


@dataclass(frozen=True)
class Answer:
    asked: bool                   # a number was given
    summary: Summary | None       # the agreement of number + code (None: not found)
    file_check: FileCheck | None
    refused: str | None           # why the file could not be checked


def _query():
    return select(Agreement).options(
        joinedload(Agreement.case).joinedload(Case.center),
        joinedload(Agreement.case).joinedload(Case.enterprise), selectinload(Agreement.signatures))


def lookup(number, code):
    """The agreement with `number` if `code` is its verification code, else None."""
    number, code = (number or "").strip().upper(), (code or "").strip().upper()
    agreement = db.session.scalar(_query().where(Agreement.number == number))
    expected = agreement.verification_code.upper() if agreement else "-" * 8
    # compare_digest either way, so that a wrong code and an unknown number take as long.
    if not hmac.compare_digest(expected.encode(), code.encode()) or agreement is None:
        return None
    return agreement


def missing(number, code, has_file):
    """(field, message) of what a question lacks, or None: a number needs its code, and
    either a number or a file is needed (the form and the API ask the same)."""
    number, code = (number or "").strip(), (code or "").strip()
    if number and not code:
        return "code", _l("请填写协议上印制的校验码。")
    if not number and not has_file:
        return "number", _l("请填写协议编号和校验码，或上传协议文件。")
    return None


def answer(number, code, upload):
    """What /verify answers to `number` + `code` and/or `upload` (a FileStorage, or None).
    Reads only: the caller ends the transaction."""
    asked = bool((number or "").strip())
    agreement = lookup(number, code) if asked else None
    file_check, refused = None, None
    if upload:
        try:
            file_check = check_file(read_pdf(upload), agreement)
        except FileRefused as err:
            refused = str(err)
    return Answer(asked, summarize(agreement) if agreement else None, file_check, refused)


def summarize(agreement):
    signed = agreement.signed_at
    case = agreement.case
    return Summary(
        number=agreement.number, kind=agreement.kind,
        state=agreement.state.value if agreement.state.value in STATE_LABELS else SIGNING,
        sealed=agreement.state is AgreementState.SEALED, center=case.center.name,
        enterprise=case.enterprise.name, on_paper=agreement.signed_on_paper,
        enterprise_signed_at=signed(ENTERPRISE), center_signed_at=signed(CENTER),
        sealed_at=agreement.sealed_at)


def read_pdf(upload):
    """The bytes of an uploaded PDF (FileStorage). Raises FileRefused."""
    data = read_within_limit(upload, FileRefused)
    if sniff_type(data) != "application/pdf":
        raise FileRefused(_l("只能核验 PDF 文件（按文件内容判断）。"))
    return data


def check_file(data, agreement=None):
    """Compare `data` with `agreement`'s final PDF (or, without one, with every sealed
    agreement's) and validate its seal against the centers' certificates."""
    digest = hashlib.sha256(data).hexdigest()
    if agreement is None:
        agreement = db.session.scalar(_query().where(
            Agreement.final_sha256 == digest, Agreement.state == AgreementState.SEALED))
    matches = agreement is not None and bool(agreement.final_sha256) \
        and hmac.compare_digest(agreement.final_sha256, digest)
    centers = db.session.scalars(select(Center).order_by(Center.id)).all()
    seal = check_seal(data, trust_roots(centers))
    by_center = False
    if agreement is not None and seal.intact:
        certificate = center_certificate(agreement.case.center)
        by_center = certificate is not None and certificate.sha256.hex() == seal.signer_fingerprint
    return FileCheck(digest, matches, summarize(agreement) if agreement else None, seal, by_center)
