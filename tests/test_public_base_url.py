"""PUBLIC_BASE_URL, the address printed in QR codes and in e-mail and SMS links: outside
production it follows the port `make run` serves (PORT); production refuses to start without it."""
import os
import subprocess
import sys

from config import BASE_DIR

SHOW_LINKS = """
from proxy_service import create_app
from proxy_service.notifications.outbox import public_url
app = create_app()
with app.app_context():
    print(public_url("/cases/7"))
"""


def _run(code, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PUBLIC_BASE_URL", "PORT", "FLASK_RUN_PORT", "FLASK_CONFIG")}
    clean.setdefault("SECRET_KEY", "dev-only-secret-change-me")
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_links_follow_the_port_make_run_serves():
    result = _run(SHOW_LINKS, PORT="5321")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:5321/cases/7"


def test_without_a_port_the_default_is_the_default_port():
    result = _run(SHOW_LINKS)
    assert result.stdout.strip() == "http://127.0.0.1:5000/cases/7"


def test_a_given_address_wins():
    result = _run(SHOW_LINKS, PORT="5321", PUBLIC_BASE_URL="https://daiban.example.gov.cn")
    assert result.stdout.strip() == "https://daiban.example.gov.cn/cases/7"


def test_production_refuses_to_start_without_public_base_url():
    env = {"FLASK_CONFIG": "production", "SECRET_KEY": "a-real-secret-for-this-test-only",
           "PORT": "5321"}
    result = _run(SHOW_LINKS, **env)
    assert result.returncode != 0 and "PUBLIC_BASE_URL must be set in production" in result.stderr
    result = _run(SHOW_LINKS, PUBLIC_BASE_URL="https://daiban.example.gov.cn", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://daiban.example.gov.cn/cases/7"
