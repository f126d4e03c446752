"""Signed checkpoints of the audit chains and the `flask audit` commands.

A database administrator could rewrite a chain and recompute every hash after it; a
checkpoint (chain heads signed with the center's seal key, which the DBA does not hold)
makes that visible: a signed head must still be a link of its chain.

Incremental: a checkpoint signs only the heads of the chains that moved since the center's
previous checkpoint (every head for a center's first, or after a full one from before
f6c0de200006), so the table grows with the chains that moved, not with chains × days. A
quiet chain stays covered by the older checkpoint that signed its head, which verify still
checks; each checkpoint signs its predecessor's digest, so deleting that older one breaks
the next link. A quiet day still gets its (empty) checkpoint: one small row per center that
signs the time and the high-water mark ("no event after N") and shows the job ran with a
working key.
"""
import base64
import hashlib
import json
from datetime import UTC

import click
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from proxy_service.audit.chain import moved_heads, settle_writers, verify_chains
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.documents.seal import SealError, seal_files
from proxy_service.models import AuditCheckpoint, Center

audit_cli = AppGroup("audit", help="Tamper-evident audit log: verify chains, sign checkpoints.")


def _payload(checkpoint, heads):
    body = {"center_id": checkpoint.center_id, "heads": heads}
    if checkpoint.previous_digest is not None:   # NULL: a full checkpoint from before linking
        body.update(at=checkpoint.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    last_event_id=checkpoint.last_event_id, previous=checkpoint.previous_digest)
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _latest(center_id):
    return db.session.scalars(select(AuditCheckpoint)
                              .where(AuditCheckpoint.center_id == center_id)
                              .order_by(AuditCheckpoint.id.desc()).limit(1)).first()


def make_checkpoint(center):
    """Sign the heads of `center`'s chains that moved since its previous checkpoint. Raises
    SealError without a seal key; IntegrityError (at flush) when another run extended the
    center's checkpoints first (uq_audit_checkpoints_center_id)."""
    files = seal_files(center)
    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    settle_writers(db.session)
    previous = _latest(center.id)
    after = previous.last_event_id if previous is not None else None
    heads, last_event_id = moved_heads(db.session, center.id, after or 0)
    checkpoint = AuditCheckpoint(
        center_id=center.id, at=clock.now(), heads=json.dumps(heads, sort_keys=True),
        last_event_id=max(last_event_id or 0, after or 0),
        previous_digest=previous.heads_digest if previous is not None else "")
    payload = _payload(checkpoint, heads)
    checkpoint.heads_digest = hashlib.sha256(payload).hexdigest()
    checkpoint.signature = base64.b64encode(
        key.sign(payload, padding.PKCS1v15(), hashes.SHA256())).decode()
    db.session.add(checkpoint)
    return checkpoint


def check_checkpoint(checkpoint, center, links):
    """Problems with one checkpoint: its signature, and signed heads missing from the chains."""
    heads = json.loads(checkpoint.heads)
    payload = _payload(checkpoint, heads)
    where = _where(checkpoint, center)
    if hashlib.sha256(payload).hexdigest() != checkpoint.heads_digest:
        return [f"{where}: the heads do not match their digest"]
    try:
        cert = x509.load_pem_x509_certificate(seal_files(center).cert.read_bytes())
        cert.public_key().verify(base64.b64decode(checkpoint.signature), payload,
                                 padding.PKCS1v15(), hashes.SHA256())
    except (SealError, InvalidSignature, ValueError) as error:
        return [f"{where}: bad signature ({error.__class__.__name__})"]
    return [f"{where}: signed head of {key} is no longer in its chain"
            for key, head in sorted(heads.items()) if not links.holds(key, head)]


def _where(checkpoint, center):
    return f"checkpoint {checkpoint.id} ({center.number_prefix})"


def _check_link(checkpoint, center, newest):
    """A checkpoint must name its center's checkpoint just before it (`newest`, "" for none):
    otherwise one in between, perhaps the only signer of a quiet chain's head, was removed."""
    if checkpoint.previous_digest is None or checkpoint.previous_digest == newest:
        return []
    return [f"{_where(checkpoint, center)}: the checkpoint before it is missing or altered"]


def _checkpoints():
    """Streamed, in id (= creation) order."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id).execution_options(yield_per=50)
    return db.session.scalars(query)


def verify_all():
    # The signed heads of every checkpoint, old and new, are collected first so that the
    # chains stream past once and only these hashes, not every hash of the log, are kept.
    signed = {(key, head) for checkpoint in _checkpoints()
              for key, head in json.loads(checkpoint.heads).items()}
    problems, links = verify_chains(db.session, signed)
    centers = {c.id: c for c in db.session.scalars(select(Center))}
    newest = {}   # center id: digest of its latest checkpoint so far
    for checkpoint in _checkpoints():
        center = centers[checkpoint.center_id]
        problems += check_checkpoint(checkpoint, center, links)
        problems += _check_link(checkpoint, center, newest.get(center.id, ""))
        newest[center.id] = checkpoint.heads_digest
    return problems


@audit_cli.command("verify")
def verify_command():
    """Recompute every chain and check every checkpoint; exit code 1 on the first problem."""
    problems = verify_all()
    if problems:
        for problem in problems:
            click.echo(f"BROKEN {problem}", err=True)
        raise SystemExit(1)
    click.echo("audit log intact")


def checkpoint_center(center):
    """(signed?, what to report): one center's checkpoint, committed on its own."""
    try:
        checkpoint = make_checkpoint(center)
        # One short transaction per center: on SQLite the app's writers must not wait
        # (busy_timeout), nor on PostgreSQL behind settle_writers' lock, while every other
        # center's heads are read and signed.
        db.session.commit()
    except SealError as error:
        return False, f"skipped {center.number_prefix}: {error}"
    except IntegrityError:   # another host's run signed this center's moved heads first
        db.session.rollback()
        return False, f"skipped {center.number_prefix}: signed by another run"
    return True, (f"checkpoint {checkpoint.id} for {center.number_prefix}: "
                  f"{len(json.loads(checkpoint.heads))} chains moved")


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Sign the moved chain heads of every center that has a seal key (daily, from cron)."""
    for center in db.session.scalars(select(Center).order_by(Center.id)).all():
        signed, report = checkpoint_center(center)
        click.echo(report, err=not signed)
