"""Stand-ins for the SMS provider and the mail server during the load run, on 127.0.0.1.

`flask send-notifications` talks to them as to the real ones (SMS_BACKEND=http with the
Alibaba Cloud style SendSms request; SMTP), and they note the id of every message they
accept — the SMS OutId and the e-mail Message-ID, both the outbox row's message_id — so the
run can tell afterwards whether any message was delivered twice.
"""
import json
import threading
from collections import Counter
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller


class SmsGateway:
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

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


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
