"""The app of the load run's cron commands: the production settings with one exception, for this
run only — WEBHOOKS_ALLOW_LOOPBACK, so that `flask webhooks deliver` may reach the run's
webhook receiver on 127.0.0.1 (sinks.WebhookReceiver) over http.

    flask --app benchmarks/load/cron_app.py webhooks deliver

Nothing but benchmarks/load/run.py names this module. A deployment's app is wsgi.py's, under
ProductionConfig, which keeps WEBHOOKS_ALLOW_LOOPBACK off whatever the environment says (https
to public addresses only); the web servers of the load run are wsgi.py's too.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config import ProductionConfig  # noqa: E402
from proxy_service import create_app as create_service_app  # noqa: E402


class LoadCronConfig(ProductionConfig):
    """ProductionConfig, but deliveries may go to a receiver on this host (the run's)."""
    WEBHOOKS_ALLOW_LOOPBACK = True


def create_app():
    """The factory `flask --app benchmarks/load/cron_app.py` finds (no app at import)."""
    return create_service_app(LoadCronConfig)
