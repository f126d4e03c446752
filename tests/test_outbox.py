"""The outbox: e-mail through a real SMTP server (aiosmtpd), SMS through a local stand-in for
the provider's HTTP API, retries with back-off, and leases that send each message once."""
import base64
import email
import email.policy
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import OutboxMessage
from proxy_service.notifications import inbox as notification_inbox
from proxy_service.notifications import outbox
from proxy_service.notifications.jobs import send_notifications
from proxy_service.notifications.transports import LogSmsSender, rpc_signature

from .serving import serve

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler: keeps what it is given; `reply` can refuse, `drop` hangs up after taking it."""

    def __init__(self, reply="250 Message accepted for delivery", drop=False):
        self.messages, self.reply, self.drop = [], reply, drop

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reply.startswith("250"):
            self.messages.append((envelope.rcpt_tos, email.message_from_bytes(
                envelope.original_content, policy=email.policy.default)))
        if self.drop:
            server.transport.close()    # the message is taken, the answer never arrives
        return self.reply


@pytest.fixture
def smtp(app, monkeypatch):
    servers = []

    def start(**kwargs):
        handler = Inbox(**kwargs)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        return handler
    yield start
    for controller in servers:
        controller.stop()


def queue(channel="email", recipient="li.si@example.com", **fields):
    row = OutboxMessage(channel=channel, recipient=recipient, message_id=outbox.new_message_id(),
                        subject=fields.pop("subject", "代办申请已受理 · JZKFQ-2026-00001"),
                        body=fields.pop("body", "李四，您好：\n\n您的代办申请已受理。"), **fields)
    db.session.add(row)
    db.session.commit()
    return row


def reload(row):
    db.session.expire_all()
    return db.session.get(OutboxMessage, row.id)


# --- e-mail --------------------------------------------------------------------------

def test_an_event_arrives_by_smtp_in_utf8_with_its_message_id(app, world, smtp):
    inbox = smtp()
    manager = world.users["manager"]
    notification_inbox.set_contact(manager, manager, email="wang@jz.example.gov.cn",
                                   phone=manager.phone)     # e-mail on with the address
    db.session.commit()
    case = world.case(accepted=False)
    db.session.commit()
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "email"))
    assert send_notifications()["sent"] == 1
    (recipients, mail), = inbox.messages
    assert recipients == ["wang@jz.example.gov.cn"]
    assert mail["Subject"] == f"新的代办申请 · {case.number}"
    assert mail["Message-ID"] == row.message_id
    assert mail["From"] == "一对一精准代办 <noreply@localhost>"
    body = mail.get_content()
    assert mail.get_content_charset() == "utf-8"
    assert "王经理，您好" in body and "山西绿碳环保科技有限公司" in body
    assert f"http://127.0.0.1:5000/cases/{case.id}" in body
    row = reload(row)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert send_notifications()["sent"] == 0 and len(inbox.messages) == 1


def test_a_refused_connection_leaves_the_message_queued(app, monkeypatch):
    clock.freeze(T0)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())      # nobody listens there
    row = queue()
    stats = send_notifications()
    assert (stats["sent"], stats["retry"]) == (0, 1)
    row = reload(row)
    assert row.status == "pending" and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == T0 + timedelta(seconds=60)
    assert send_notifications()["retry"] == 0          # not due again yet


def test_a_temporary_refusal_backs_off_exponentially_then_gives_up(app, smtp, monkeypatch):
    smtp(reply="451 4.3.0 Mailbox temporarily unavailable")
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    clock.freeze(T0)
    row = queue()
    delays = []
    for _ in range(3):
        send_notifications()
        row = reload(row)
        delays.append(row.next_attempt_at - clock.now())
        clock.freeze(row.next_attempt_at)
    assert "451" in row.last_error and "SMTPDataError" in row.last_error
    assert delays[:2] == [timedelta(seconds=60), timedelta(seconds=120)]
    assert (row.status, row.attempts) == ("failed", 3)
    assert send_notifications()["retry"] == 0


def test_a_refused_recipient_fails_at_once(app, smtp):
    inbox = smtp()
    row = queue(recipient="nobody@example.com")
    send_notifications()
    row = reload(row)
    assert row.status == "failed" and "SMTPRecipientsRefused" in row.last_error, row.last_error
    assert inbox.messages == []


def test_after_a_lost_answer_the_retry_repeats_the_same_message_id(app, smtp):
    inbox = smtp(drop=True)
    clock.freeze(T0)
    row = queue()
    assert send_notifications()["retry"] == 1
    assert reload(row).status == "pending" and "Disconnected" in reload(row).last_error
    inbox.drop = False
    clock.freeze(T0 + timedelta(minutes=2))
    assert send_notifications()["sent"] == 1
    ids = [mail["Message-ID"] for _rcpt, mail in inbox.messages]
    assert ids == [row.message_id, row.message_id]       # a duplicate, recognisable as one


# --- SMS --------------------------------------------------------------------------------

def doc_signature(params, secret, method):
    """Alibaba Cloud's own recipe (percent-encode via quote_plus and fix-ups), written apart
    from the application's code so that the two check each other."""
    def enc(value):
        return quote_plus(str(value), encoding="utf-8").replace("+", "%20") \
            .replace("*", "%2A").replace("%7E", "~")
    query = "&".join(f"{enc(k)}={enc(params[k])}" for k in sorted(params) if k != "Signature")
    text = method + "&" + enc("/") + "&" + enc(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), text.encode(), hashlib.sha1).digest()).decode()


def test_signature_matches_the_providers_documented_example():
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
              "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
              "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
              "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    assert rpc_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


class Provider(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.requests.append((self.headers["Content-Type"], dict(parse_qsl(body))))
        answer = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(app, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    server.requests, server.answer = [], {"Code": "OK", "Message": "OK", "BizId": "9", "RequestId": "r"}
    stop = serve(server)
    for key, value in {"SMS_BACKEND": "http", "SMS_API_URL": f"http://127.0.0.1:{server.server_port}/",
                       "SMS_ACCESS_KEY_ID": "LTAI-test", "SMS_ACCESS_KEY_SECRET": "s3cret-key",
                       "SMS_SIGN_NAME": "晋中开发区", "SMS_TEMPLATE_CORRECTION": "SMS_100001",
                       "SMS_TEMPLATE_CASE_UPDATE": "SMS_100002"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    stop()


def test_a_returned_step_is_texted_through_the_provider_with_a_signed_request(app, world, provider):
    case = world.case()
    step, agent = case.steps[0], world.users["agent"]
    for action, extra in (("start", {}), ("submit", {}),
                          ("return", {"correction_request": "补充土地权属证明"})):
        workflow.update_step(step, agent, seen_version=step.version, action=action, **extra)
    db.session.commit()
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template_code == "correction"))
    db.session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.id != row.id))
    db.session.commit()
    assert send_notifications()["sent"] == 1
    (content_type, params), = provider.requests
    assert content_type == "application/x-www-form-urlencoded"
    assert params["Signature"] == doc_signature(params, "s3cret-key", "POST")
    assert (params["Action"], params["TemplateCode"], params["PhoneNumbers"], params["SignName"]) == \
        ("SendSms", "SMS_100001", "13800000000", "晋中开发区")
    assert json.loads(params["TemplateParam"]) == {
        "case_no": case.number, "link": f"http://127.0.0.1:5000/cases/{case.id}#step-{step.id}"}
    assert params["AccessKeyId"] == "LTAI-test" and params["SignatureMethod"] == "HMAC-SHA1"
    assert "补充" not in json.dumps(params, ensure_ascii=False)   # no personal data in an SMS
    assert reload(row).status == "sent"


def test_a_provider_error_is_retried_and_a_bad_number_is_not(app, provider):
    clock.freeze(T0)
    busy = queue("sms", "13800000000", template_code="case_update", params='{"case_no": "X"}')
    provider.answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}
    send_notifications()
    busy = reload(busy)
    assert busy.status == "pending" and "isv.BUSINESS_LIMIT_CONTROL" in busy.last_error
    bad = queue("sms", "123", template_code="case_update", params="{}")
    provider.answer = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
    send_notifications()
    assert reload(bad).status == "failed"


def test_an_unconfigured_template_fails_without_calling_the_provider(app, provider):
    row = queue("sms", "13800000000", template_code="deadline", params="{}")
    send_notifications()
    assert reload(row).status == "failed" and "SMS_TEMPLATE_DEADLINE" in reload(row).last_error
    assert provider.requests == []


def test_the_default_sms_sender_writes_to_the_log(app, caplog, monkeypatch):
    # The suite's migration run (alembic fileConfig) disabled the loggers that existed then.
    monkeypatch.setattr(logging.getLogger("proxy_service.notifications.transports"), "disabled", False)
    row = queue("sms", "13812345678", template_code="case_update", body="您的代办案件X有新进展")
    with caplog.at_level(logging.INFO, logger="proxy_service.notifications.transports"):
        assert send_notifications(sms=LogSmsSender())["sent"] == 1
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text
    assert reload(row).status == "sent"


# --- leases -----------------------------------------------------------------------------

def test_a_leased_row_is_not_claimed_again_until_the_lease_expires(app):
    clock.freeze(T0)
    row = queue()
    assert [m.id for m in outbox.claim(10, "host-a")] == [row.id]
    assert outbox.claim(10, "host-b") == []
    clock.freeze(T0 + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1))
    assert outbox.release_expired_leases() == 1
    assert [m.id for m in outbox.claim(10, "host-b")] == [row.id]
    assert outbox.mark_sent(row.id, "host-a") is False     # host-a's lease is gone
    assert outbox.mark_sent(row.id, "host-b") is True
    row = reload(row)
    assert (row.status, row.attempts, row.leased_by) == ("sent", 2, "host-b")


class SlowRecorder:
    def __init__(self, seen, lock):
        self.seen, self.lock = seen, lock

    def send(self, message):
        time.sleep(0.01)     # long enough for the other sender to be claiming meanwhile
        with self.lock:
            self.seen.append(message.message_id)

    def close(self):
        pass


def test_two_concurrent_senders_deliver_each_message_once(app):
    rows = [queue(recipient=f"user{i}@example.com") for i in range(30)]
    rows += [queue("sms", f"1380000{i:04d}", template_code="case_update") for i in range(10)]
    expected = sorted(row.message_id for row in rows)
    seen, lock, errors = [], threading.Lock(), []
    start = threading.Barrier(2)

    def sender(name):
        with app.app_context():
            try:
                start.wait()
                recorder = SlowRecorder(seen, lock)
                send_notifications(mailer=recorder, sms=recorder, batch=3, token=name)
            except Exception as error:   # noqa: BLE001  (reported below, in the main thread)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("host-a", "host-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(seen) == expected                     # every message, none twice
    db.session.expire_all()
    sent = db.session.scalars(select(OutboxMessage)).all()
    assert {row.status for row in sent} == {"sent"} and {row.attempts for row in sent} == {1}
    assert {row.leased_by for row in sent} == {"host-a", "host-b"}   # both really took part


def test_the_cron_command_reports_what_it_did(app, caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("proxy_service.notifications.transports"), "disabled", False)
    queue()
    queue("sms", "13812345678", template_code="notice", body="您有一条新的代办服务通知")
    with caplog.at_level(logging.INFO, logger="proxy_service.notifications.transports"):
        result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert "sent 2, to retry 0, failed 0" in result.output
    assert "MAIL_SERVER is not set" in result.output     # e-mail went to the log
    assert "代办申请已受理 · JZKFQ-2026-00001" in caplog.text
