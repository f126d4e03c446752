"""How outbox rows leave the building: SMTP or the log for e-mail; an SMS sender interface.

A transport's `send(message)` returns when the other side has taken the message and
raises otherwise: DeliveryError (permanent or not), OSError (network, timeouts;
smtplib's and urllib's errors are OSErrors) or ValueError (an unreadable answer).
"""
import base64
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from proxy_service.core import clock

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    def __init__(self, text, *, permanent=False):
        super().__init__(text)
        self.permanent = permanent


def is_permanent(error):
    """Retrying cannot help: the address or number itself was refused."""
    if isinstance(error, DeliveryError):
        return error.permanent
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return False


# --- e-mail ----------------------------------------------------------------------

def build_email(message, sender):
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail["Date"] = format_datetime(message.created_at)
    mail.set_content(message.body, charset="utf-8", cte="base64")
    return mail


class SmtpMailer:
    """One SMTP connection per run, opened on the first message and reopened after an error."""

    def __init__(self, config):
        self.config = config
        self._smtp = None

    def send(self, message):
        mail = build_email(message, self.config["MAIL_FROM"])
        try:
            self._connection().send_message(mail, to_addrs=[message.recipient])
        except BaseException:
            # The connection's state is unknown after any failure: start afresh next time.
            self.close()
            raise

    def _connection(self):
        if self._smtp is None:
            c = self.config
            if c["MAIL_USE_SSL"]:
                smtp = smtplib.SMTP_SSL(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"],
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"])
                if c["MAIL_USE_TLS"]:
                    smtp.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
            self._smtp = smtp
        return self._smtp

    def close(self):
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


class LogMailer:
    """Without MAIL_SERVER (development), e-mails are written to the log."""

    def send(self, message):
        log.info("e-mail to %s, Message-ID %s: %s\n%s", message.recipient, message.message_id,
                 message.subject, message.body)

    def close(self):
        pass


def mailer_from_config(config):
    return SmtpMailer(config) if config.get("MAIL_SERVER") else LogMailer()


# --- SMS -------------------------------------------------------------------------

class SmsSender(Protocol):
    def send(self, message) -> None:
        """Deliver one SMS outbox row (recipient, template_code key, JSON params)."""


def mask(number):
    return number[:3] + "****" + number[-4:] if len(number) >= 8 else "****"


class LogSmsSender:
    """The default: write the SMS to the log instead of sending it."""

    def send(self, message):
        log.info("SMS to %s (template %s): %s", mask(message.recipient), message.template_code,
                 message.body)


def percent_encode(value):
    """RFC 3986 encoding as the Alibaba Cloud RPC signature wants it (space → %20, ~ kept)."""
    return quote(str(value), safe="~")


def rpc_signature(params, secret, method="POST"):
    """Alibaba Cloud RPC signature v1.0: HMAC-SHA1 over the sorted, encoded parameters."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in sorted(params.items()) if k != "Signature")
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsSender:
    """Alibaba Cloud SMS (dysmsapi SendSms, 2017-05-25): template code + JSON parameters."""

    # Codes that name a problem with this message itself, not with the moment.
    PERMANENT = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
                 "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.INVALID_PARAMETERS"}

    def __init__(self, config):
        self.config = config

    def request_params(self, message):
        c = self.config
        template = c.get(f"SMS_TEMPLATE_{message.template_code.upper()}", "")
        if not template:
            raise DeliveryError(f"no SMS template id configured for {message.template_code} "
                                f"(SMS_TEMPLATE_{message.template_code.upper()})", permanent=True)
        params = {
            "AccessKeyId": c["SMS_ACCESS_KEY_ID"], "Action": "SendSms", "Format": "JSON",
            "PhoneNumbers": message.recipient, "RegionId": c["SMS_REGION_ID"],
            "SignName": c["SMS_SIGN_NAME"], "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "TemplateCode": template, "TemplateParam": message.params,
            "Timestamp": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
            "OutId": message.message_id.strip("<>")[:64],
        }
        params["Signature"] = rpc_signature(params, c["SMS_ACCESS_KEY_SECRET"], "POST")
        return params

    def send(self, message):
        request = Request(self.config["SMS_API_URL"], method="POST",
                          data=urlencode(self.request_params(message)).encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urlopen(request, timeout=self.config["SMS_TIMEOUT"]) as response:
            answer = json.loads(response.read().decode("utf-8"))
        code = answer.get("Code", "")
        if code != "OK":
            raise DeliveryError(f"{code}: {answer.get('Message', '')}",
                                permanent=code in self.PERMANENT)


def sms_sender_from_config(config):
    backend = config.get("SMS_BACKEND", "log")
    if backend == "http":
        return AliyunSmsSender(config)
    if backend == "log":
        return LogSmsSender()
    raise ValueError(f"unknown SMS_BACKEND {backend!r} (log or http)")
