"""Signed checkpoints of the audit chains and the `flask audit` commands.

A database administrator could rewrite a chain and recompute every hash after it; a
checkpoint (the center's chain heads signed with its seal key, which the DBA does not hold)
makes that visible: a signed head must still be a link of its chain.
"""
import base64
import hashlib
import json

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.exceptions import InvalidSignature
from flask.cli import AppGroup
from sqlalchemy import select

from .audit_chain import chain_heads, verify_chains
from .documents.seal import SealError, seal_files
from .extensions import db
from .models import AuditCheckpoint, Center

audit_cli = AppGroup("audit", help="Tamper-evident audit log: verify chains, sign checkpoints.")


def _payload(center_id, heads):
    return json.dumps({"center_id": center_id, "heads": heads}, sort_keys=True,
                      separators=(",", ":")).encode()


def make_checkpoint(center):
    """Sign the current heads of `center`'s chains (SealError without a seal key)."""
    files = seal_files(center)
    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    heads = chain_heads(db.session, center.id)
    payload = _payload(center.id, heads)
    signature = key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
    checkpoint = AuditCheckpoint(center_id=center.id, heads=json.dumps(heads, sort_keys=True),
                                 heads_digest=hashlib.sha256(payload).hexdigest(),
                                 signature=base64.b64encode(signature).decode())
    db.session.add(checkpoint)
    return checkpoint


def check_checkpoint(checkpoint, center, seen):
    """Problems with one checkpoint: its signature, and signed heads missing from the chains."""
    heads = json.loads(checkpoint.heads)
    payload = _payload(checkpoint.center_id, heads)
    where = f"checkpoint {checkpoint.id} ({center.number_prefix})"
    if hashlib.sha256(payload).hexdigest() != checkpoint.heads_digest:
        return [f"{where}: the heads do not match their digest"]
    try:
        cert = x509.load_pem_x509_certificate(seal_files(center).cert.read_bytes())
        cert.public_key().verify(base64.b64decode(checkpoint.signature), payload,
                                 padding.PKCS1v15(), hashes.SHA256())
    except (SealError, InvalidSignature, ValueError) as error:
        return [f"{where}: bad signature ({error.__class__.__name__})"]
    return [f"{where}: signed head of {key} is no longer in its chain"
            for key, head in sorted(heads.items()) if head not in seen.get(key, ())]


def verify_all():
    problems, seen = verify_chains(db.session)
    centers = {c.id: c for c in db.session.scalars(select(Center))}
    for checkpoint in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        problems += check_checkpoint(checkpoint, centers[checkpoint.center_id], seen)
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


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Sign the chain heads of every center that has a seal key (daily, from cron)."""
    for center in db.session.scalars(select(Center).order_by(Center.id)).all():
        try:
            checkpoint = make_checkpoint(center)
        except SealError as error:
            click.echo(f"skipped {center.number_prefix}: {error}", err=True)
            continue
        # One short transaction per center: on SQLite the app's writers must not wait
        # (busy_timeout) while every other center's heads are read and signed.
        db.session.commit()
        click.echo(f"checkpoint {checkpoint.id} for {center.number_prefix}: "
                   f"{len(json.loads(checkpoint.heads))} chains")
