"""Active content in uploaded PDFs: what a viewer could run, send or open on its own.

A licence, a permit or a signed scan is pages to read. A PDF that carries script, launches a
program, submits or imports data, plays rich media, embeds other files or acts by itself when
opened or viewed is refused, whoever uploads it: staff and enterprises open each other's files.

The file is read with a parser (pypdf), not searched as bytes: names may be written with
#-escapes (/J#53 is /JS) and most objects of a modern PDF sit compressed in object streams.
Every object the cross-reference table lists is looked at, referenced from the pages or not.
An /OpenAction that only shows a page at a zoom (a destination, or a GoTo action) is what
scanners write, and is allowed.

/verify does not come through here: a file brought to be checked is compared, never refused.
"""
import io
import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from proxy_service.core.i18n import join_list

# A scan of a few hundred pages has a few thousand objects, a 3,000-page text file ten
# thousand (0.6 s to check); far more is a file built to make the check itself slow.
MAX_OBJECTS = 50_000

# A damaged upload is the uploader's matter, answered on the page; pypdf's notes about the
# repairs it made would only fill the operators' log.
logging.getLogger("pypdf").setLevel(logging.ERROR)

SCRIPT, LAUNCH, SUBMIT, IMPORT, MEDIA, FILES, TRIGGER, OPEN, XFA = (
    _l("JavaScript 脚本"), _l("启动外部程序"), _l("表单数据提交"), _l("数据导入"),
    _l("富媒体"), _l("嵌入文件"), _l("自动触发的动作"), _l("打开时执行的动作"), _l("XFA 表单"))
# A key that makes a dictionary active wherever it stands.
ACTIVE_KEYS = {"/JS": SCRIPT, "/JavaScript": SCRIPT, "/Launch": LAUNCH, "/SubmitForm": SUBMIT,
               "/ImportData": IMPORT, "/RichMedia": MEDIA, "/RichMediaContent": MEDIA,
               "/EmbeddedFiles": FILES, "/EF": FILES, "/AA": TRIGGER, "/XFA": XFA}
# An action (/S), annotation (/Subtype) or object (/Type) of these types.
ACTIVE_TYPES = {"/JavaScript": SCRIPT, "/Launch": LAUNCH, "/SubmitForm": SUBMIT,
                "/ImportData": IMPORT, "/RichMedia": MEDIA, "/RichMediaExecute": MEDIA,
                "/EmbeddedFile": FILES, "/FileAttachment": FILES}

UNREADABLE = _l("无法读取这个 PDF 文件（文件可能已损坏），请重新导出或扫描后上传。")
LOCKED = _l("这个 PDF 文件设有打开密码，无法检查其内容，请去除密码后上传。")


class Unreadable(Exception):
    """The bytes are not a PDF a parser can read through."""


def refusal(data: bytes):
    """Why the PDF `data` may not be stored, as a message for the uploader; None when it
    may. Never raises: a file that cannot be read is refused with its own message."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return LOCKED
        found = active_content(reader)
    except Exception:  # noqa: BLE001 — hostile bytes make the parser fail in every way it can
        return UNREADABLE
    if found:
        return _("PDF 中含有可自动运行或对外交互的内容（%(found)s），为安全起见不予接收。"
                 "请上传由打印或扫描生成的普通 PDF。", found=join_list(sorted(set(map(str, found)))))
    return None


def active_content(reader):
    """The labels of the active content found in the file read by `reader`."""
    if not isinstance(reader.trailer.get("/Root", None), IndirectObject) \
            or not isinstance(reader.trailer["/Root"].get_object(), DictionaryObject):
        raise Unreadable("no document catalog")
    found = []
    for obj in _objects(reader):
        for dictionary in _dictionaries(obj):
            found.extend(_active_in(dictionary))
    return found


def _objects(reader):
    """The trailer and every object in the cross-reference table, object streams included."""
    listed = [(number, generation) for generation, numbers in reader.xref.items()
              for number in numbers]
    listed += [(number, 0) for number in reader.xref_objStm]
    if len(listed) > MAX_OBJECTS:
        raise Unreadable("too many objects")
    yield reader.trailer
    for number, generation in listed:
        yield reader.get_object(IndirectObject(number, generation, reader))


def _dictionaries(obj):
    """`obj` and the dictionaries nested in it directly (indirect ones are objects of their
    own, looked at in their turn), without recursion: nesting depth is the file's choice."""
    pending = [obj]
    while pending:
        item = pending.pop()
        if isinstance(item, DictionaryObject):
            yield item
            pending.extend(v for v in item.values() if not isinstance(v, IndirectObject))
        elif isinstance(item, ArrayObject):
            pending.extend(v for v in item if not isinstance(v, IndirectObject))


def _active_in(dictionary):
    found = [label for key, label in ACTIVE_KEYS.items() if key in dictionary]
    for key in ("/S", "/Subtype", "/Type"):
        kind = dictionary.get(key)
        if isinstance(kind, str) and kind in ACTIVE_TYPES:
            found.append(ACTIVE_TYPES[kind])
    if "/OpenAction" in dictionary and not _only_shows_a_page(dictionary["/OpenAction"]):
        found.append(OPEN)
    return found


def _only_shows_a_page(action):
    """A destination ([page /Fit], [page /XYZ left top zoom], a named one) or a GoTo action
    to one, with nothing chained after it."""
    action = action.get_object()
    if isinstance(action, DictionaryObject):
        return action.get("/S") == "/GoTo" and "/Next" not in action
    return isinstance(action, (ArrayObject, str))
