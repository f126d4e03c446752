"""Static files under URLs that name their content (core/static_files.py): a page's files are
kept by the browser under their current URL, anything else is revalidated as before."""
import hashlib
import re

from config import BASE_DIR, TestingConfig
from proxy_service import create_app
from proxy_service.core.static_files import content_digests

KEPT = "public, max-age=31536000, immutable"


def page_files(client, path="/login"):
    return re.findall(r'(?:href|src)="(/static/[^"?]+)\?v=(\w+)"', client.get(path).text)


def test_every_file_a_page_names_carries_the_digest_of_its_content(client):
    files = page_files(client)
    assert {"/static/css/app.css", "/static/vendor/bootstrap/css/bootstrap.min.css"} <= {
        path for path, _ in files}
    for path, version in files:
        content = (BASE_DIR / path.lstrip("/")).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12], path


def test_a_file_asked_for_by_its_digest_is_kept_a_year(client):
    for path, version in page_files(client):
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == KEPT, path


def test_without_its_digest_or_with_another_a_file_is_revalidated_as_before(client):
    (path, version), *_ = page_files(client)
    for url in (path, f"{path}?v=0{version[1:]}", f"{path}?v="):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_a_missing_file_is_not_found_whatever_digest_it_is_asked_by(client):
    assert client.get("/static/css/missing.css?v=e833eda14ba7").status_code == 404
    assert client.get("/static/../config.py?v=1").status_code == 404


def test_a_changed_file_gets_a_new_digest_when_the_app_starts_again(tmp_path):
    style = tmp_path / "css" / "app.css"
    style.parent.mkdir()
    style.write_text("body { color: black; }")
    before = content_digests(tmp_path)("css/app.css")
    style.write_text("body { color: navy; }")
    assert content_digests(tmp_path)("css/app.css") != before
    assert content_digests(tmp_path)("css/missing.css") is None
    assert content_digests(tmp_path)("../outside.css") is None


def test_a_debug_server_names_files_plainly_and_has_them_revalidated():
    class DebugConfig(TestingConfig):
        DEBUG = True
    client = create_app(DebugConfig).test_client()
    assert 'href="/static/css/app.css"' in client.get("/login").text
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"
