"""The Python example of docs/api.md works as written: its functions, run against the app on
127.0.0.1 with `requests`, list the open cases page by page and update a step with If-Match,
reading again on 412 instead of overwriting."""
import re
import threading

import pytest
from werkzeug.serving import make_server

from config import BASE_DIR
from proxy_service.core.extensions import db
from proxy_service.models import Step, StepStatus

from .api_helpers import make_token

EXAMPLE = re.compile(r'```python\n("""Sync my open cases.*?)```', re.S)


@pytest.fixture
def served(app):
    """The app on 127.0.0.1 (one request at a time, as the test client would)."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _example(base, secret):
    """The example's definitions (up to its loop over the open cases), pointed at `base`
    with `secret`."""
    code = EXAMPLE.search((BASE_DIR / "docs" / "api.md").read_text()).group(1)
    code = code.replace("https://zone.example.cn", base).replace("psk_…", secret)
    definitions = code.split("\nfor status in OPEN:")[0]
    namespace = {"__name__": "docs_example"}
    exec(definitions, namespace)   # noqa: S102 — our own documentation, run as a reader would
    return namespace


def test_the_python_example_lists_pages_and_updates_with_if_match(served, world):
    cases = [world.case()]
    db.session.commit()
    secret = make_token(world.users["agent"])
    example = _example(served, secret)
    assert [case["id"] for case in example["cases"]("in_progress")] == [case.id for case in cases]

    step = cases[0].steps[0]
    seen = []

    def start(current):
        seen.append(current["version"])
        if len(seen) == 1:   # someone else edits the step between our read and our write
            db.session.get(Step, step.id).acceptance_no = "他人修改"
            db.session.commit()
        return {"action": "start"} if "start" in current["actions"] else None

    updated = example["update_step"](cases[0].id, step.id, start)
    assert updated["status"] == "preparing" and len(seen) == 2 and seen[1] > seen[0]   # a 412, read again
    assert example["update_step"](cases[0].id, step.id, start) is None   # nothing left to do
    db.session.expire_all()
    assert db.session.get(Step, step.id).status is StepStatus.PREPARING
