"""The snapshot script's normalisation and comparison (benchmarks/snapshot_text.py): blanking
too little makes two runs differ, blanking too much hides a change the snapshot exists to see."""
import io
import zipfile

from benchmarks import snapshot_text

PAGE = """<form method="post">
  <input id="csrf_token" name="csrf_token" type="hidden" value="IjQ3N2E3.axXjdA.323V1LfM">
  <input type="hidden" name="submit_token" value="Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1">
  <input id="export-csrf_token" name="export-csrf_token" type="hidden" value="IjI1ZWY1.axXjxw.gJaTU3">
  <input type="hidden" name="version" value="7">
  <input name="code" value="AB12CD34">
</form>"""


def test_html_loses_the_session_tokens_and_keeps_every_other_value():
    page = snapshot_text.normalise_html(PAGE)
    assert "IjQ3N2E3" not in page and "Zm9vYmFy" not in page and "IjI1ZWY1" not in page
    assert 'name="csrf_token" type="hidden" value="[csrf_token]"' in page
    assert 'name="submit_token" value="[submit_token]"' in page
    assert 'value="[export-csrf_token]"' in page
    assert 'name="version" value="7"' in page and 'name="code" value="AB12CD34"' in page


def test_two_sessions_viewing_the_same_page_compare_equal():
    other = (PAGE.replace("IjQ3N2E3.axXjdA.323V1LfM", "IjZZZZ.bbbbbb.ccccc")
             .replace("Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1", "cXV1eDEyMzQ1Zm9vYmFyYmF6cXV4"))
    assert snapshot_text.normalise_html(other) == snapshot_text.normalise_html(PAGE)
    assert snapshot_text.normalise_html(PAGE.replace('value="7"', 'value="8"')) \
        != snapshot_text.normalise_html(PAGE)


SEALED = (b"%PDF-1.4\n1 0 obj << /Type /Page /Contents 2 0 R >> endobj\n"
          b"3 0 obj << /ModDate (D\\07220261206223455Z) /Title (Agreement) >> endobj\n"
          b"4 0 obj << /Type /Sig /M (D:20250402080000Z) /Contents <3082AB01> >> endobj\n"
          b"trailer << /ID [ <919f28a7> <485d3509> ] >>\n%%EOF\n")


def test_the_stable_pdf_digest_ignores_signature_value_id_and_dates_only():
    digest = snapshot_text.stable_pdf_digest(SEALED)
    resealed = (SEALED.replace(b"223455Z", b"223506Z").replace(b"3082AB01", b"3082FFFF")
                .replace(b"<485d3509>", b"<7ed4d717>").replace(b"080000Z", b"090000Z"))
    assert snapshot_text.stable_pdf_digest(resealed) == digest
    assert snapshot_text.sha256(resealed) != snapshot_text.sha256(SEALED)
    assert snapshot_text.stable_pdf_digest(SEALED.replace(b"(Agreement)", b"(Agreemenu)")) != digest


def test_diff_lists_the_differing_files_and_groups_one_change_seen_on_many_pages(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for root, title in ((a, "Old"), (b, "New")):
        for page in ("one", "two", "three"):
            (root / "pages").mkdir(parents=True, exist_ok=True)
            (root / "pages" / f"{page}.txt").write_text(f"GET /{page}\n<h1>{title}</h1>\n")
        (root / "same.txt").write_text("unchanged\n")
    (a / "gone.txt").write_text("x\n")
    printed = []
    assert snapshot_text.compare(a, b, out=printed.append) == 4
    text = "\n".join(printed)
    assert "3 differ, 1 only in A, 0 only in B" in text
    assert "differ: pages/one.txt" in text and "only in A: gone.txt" in text
    assert "1 distinct changes" in text and "-<h1>Old</h1>" in text and "+<h1>New</h1>" in text
    assert snapshot_text.compare(a, a, out=printed.append) == 0


def _xlsx(written_at, cell):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        core = (f'<cp:coreProperties><dcterms:created xsi:type="dcterms:W3CDTF">{written_at}'
                f'</dcterms:created></cp:coreProperties>')
        archive.writestr(zipfile.ZipInfo("docProps/core.xml", (2026, 12, 6, 22, 42, 28)), core)
        archive.writestr("xl/worksheets/sheet1.xml", f"<c><v>{cell}</v></c>")
    return buffer.getvalue()


def test_an_xlsx_is_compared_by_its_cells_not_by_when_openpyxl_wrote_it():
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    first = snapshot_text.describe_body(kind, _xlsx("2026-12-06T22:42:28Z", "JZKFQ-2025-0001"))
    assert snapshot_text.describe_body(kind, _xlsx("2026-12-06T22:44:36Z", "JZKFQ-2025-0001")) == first
    assert "<v>JZKFQ-2025-0001</v>" in first
    assert snapshot_text.describe_body(kind, _xlsx("2026-12-06T22:42:28Z", "JZKFQ-2025-0002")) != first
