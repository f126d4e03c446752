"""The error page itself never fails: after a database error the user still gets the
styled 500 page (in their language), not the server's bare one."""
from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db
from proxy_service.models import Center

from .factories import PASSWORD


def app_with_a_failing_view():
    app = create_app(TestingConfig)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/fails-in-flush")
    def fails_in_flush():
        db.session.add(Center())   # no name: the flush fails and the session needs a rollback
        db.session.flush()
    return app


def test_a_failed_flush_still_gets_the_styled_error_page(world):
    client = app_with_a_failing_view().test_client()
    response = client.post("/login", data={"username": "ent1", "password": PASSWORD})
    assert response.status_code == 302

    response = client.get("/fails-in-flush")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "服务器出现错误" in page
    assert "李四" in page   # the header still knows who is logged in
