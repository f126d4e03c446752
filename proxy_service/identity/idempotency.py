"""Idempotency keys of the JSON API's POSTs (the IETF httpapi draft "The Idempotency-Key HTTP
Header Field"): a client that retries a POST with the same `Idempotency-Key` gets the first
answer again instead of a second effect.

    outcome, record = claim(token, key, fingerprint(method, path, body))

A key belongs to the token that sent it and is kept KEPT_FOR (24 h) after its first use:
- NEW: the key is claimed (committed at once, so a concurrent request sees it); the caller
  answers the request and keeps the answer with `keep` (or `release`s the key when there is
  nothing worth replaying: a server error, an exception);
- REPLAY: the key's answer is kept: answer it again (`replayed`);
- MISMATCH: the key was used for another request (method, path or body): 422;
- RUNNING: the first request with the key has not answered yet: 409.
A claim left running for longer than ABANDONED_AFTER (a worker killed mid-request; no request
lives that long) is given up, so the client's retry can run. Expired keys are deleted on every
claim (the expiry is indexed): nothing to run from cron.
"""
import hashlib
import json
from datetime import timedelta

from flask import make_response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import IdempotencyKey
from proxy_service.models.idempotency import KEPT_FOR, LONGEST_KEY

NEW, REPLAY, MISMATCH, RUNNING = "new", "replay", "mismatch", "running"
ABANDONED_AFTER = timedelta(minutes=10)
# The answer's headers a replay repeats (the rest are the request's own: rate limits, ids).
KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Last-Modified", "Content-Location")
REPLAYED_HEADER = "Idempotency-Replayed"

__all__ = ["ABANDONED_AFTER", "KEPT_FOR", "LONGEST_KEY", "MISMATCH", "NEW", "REPLAY",
           "RUNNING", "claim", "fingerprint", "keep", "key_from_header", "release", "replayed"]


def key_from_header(value):
    """The key an `Idempotency-Key` header names (a structured-field string, quoted, or the
    bare token most clients send), or None when it is no valid key: empty, longer than
    LONGEST_KEY, or not printable ASCII."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not 0 < len(value) <= LONGEST_KEY or not all(" " <= char <= "~" for char in value):
        return None
    return value


def fingerprint(method, path, body):
    """What makes two requests the same one: method, path (with its query) and body."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def claim(token, key, request_sha256):
    """(outcome, record) for a request with `key` under `token`: see the module docstring.
    Commits (a NEW claim must be seen by a concurrent request at once)."""
    now = clock.now()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    record = db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.token_id == token.id, IdempotencyKey.key == key))
    if record is not None and record.response_status is None and \
            record.created_at <= now - ABANDONED_AFTER:
        db.session.delete(record)
        db.session.flush()
        record = None
    if record is not None:
        db.session.commit()
        if record.request_sha256 != request_sha256:
            return MISMATCH, record
        return (RUNNING if record.response_status is None else REPLAY), record
    record = IdempotencyKey(token_id=token.id, key=key, request_sha256=request_sha256,
                            created_at=now, expires_at=now + KEPT_FOR)
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:   # a concurrent request with the key claimed it first
        db.session.rollback()
        return RUNNING, None
    return NEW, record


def keep(record_id, response):
    """Keep `response` as the answer to the claimed key (committed)."""
    record = db.session.get(IdempotencyKey, record_id)
    if record is None:
        return
    record.response_status = response.status_code
    record.response_body = response.get_data()
    record.response_headers = json.dumps({name: response.headers[name] for name in KEPT_HEADERS
                                          if name in response.headers})
    db.session.commit()


def release(record_id):
    """Give the claimed key up (nothing to replay): the client's retry runs again."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == record_id))
    db.session.commit()


def replayed(record):
    """The kept answer again, marked as a replay."""
    response = make_response(record.response_body, record.response_status)
    response.headers.update(json.loads(record.response_headers))
    response.headers[REPLAYED_HEADER] = "true"
    return response
