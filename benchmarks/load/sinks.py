"""Stand-ins for the SMS provider and the mail server during the load run, on 127.0.0.1.

`flask send-notifications` talks to them as to the real ones (SMS_BACKEND=http with the
Alibaba Cloud style SendSms request; SMTP), and they note the id of every message they
accept — the SMS OutId and the e-mail Message-ID, both the outbox row's message_id — so the
run can tell afterwards whether any message was delivered twice. The webhook receiver does the
same for `flask webhooks deliver` (cron_app.py lets it reach 127.0.0.1): it verifies each
delivery as a receiver would (the `standardwebhooks` package) and counts it by webhook-id.
"""
import json
import threading
from collections import Counter
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class _HttpSink:
    """An HTTP server on 127.0.0.1 in a thread of its own: the SMS gateway and the webhook
    receiver."""

    def _serve(self, port, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        # Polled for a stop every 50 ms, not serve_forever's 0.5 s: stop() waits for the poll.
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class SmsGateway(_HttpSink):
    """Answers every SendSms with Code OK and counts the OutIds it was given."""

    def __init__(self, port):
        self.received = Counter()
        lock = threading.Lock()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"))
                out_id = (form.get("OutId") or [""])[0]
                with lock:
                    received[f"<{out_id}>"] += 1
                body = json.dumps({"Code": "OK", "Message": "OK", "BizId": out_id}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        self._serve(port, Handler)
        self.url = f"http://127.0.0.1:{port}/"


class MailSink:
    """An SMTP server that accepts every message and counts the Message-IDs."""

    def __init__(self, port):
        self.received = Counter()
        lock = threading.Lock()
        received = self.received

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message_id = message_from_bytes(envelope.content).get("Message-ID", "")
                with lock:
                    received[message_id.strip()] += 1
                return "250 OK"

        self.port = port
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()


class WebhookReceiver(_HttpSink):
    """Receives the run's webhook deliveries at /hooks/<label>, one label per registered
    endpoint (`secrets`: label → its whsec_ secret, set before the first delivery). A delivery
    whose signature and timestamp verify is counted by its webhook-id and answered 204; any
    other request is counted in `refused` and answered 400."""

    def __init__(self, port):
        self.received = Counter()
        self.refused = Counter()   # why, e.g. "No matching signature found"
        self.secrets = {}
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                label = self.path.removeprefix("/hooks/")
                try:
                    secret = receiver.secrets.get(label)
                    if secret is None:
                        raise WebhookVerificationError(f"no endpoint {label}")
                    Webhook(secret).verify(body, dict(self.headers))
                except WebhookVerificationError as error:
                    with lock:
                        receiver.refused[str(error)] += 1
                    code = 400
                else:
                    with lock:
                        receiver.received[self.headers["webhook-id"]] += 1
                    code = 204
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self._serve(port, Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/"
