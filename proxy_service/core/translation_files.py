"""The message catalogues (proxy_service/translations/<locale>/LC_MESSAGES/messages.po).

Source strings are Chinese, so the zh_CN catalogue translates each message to itself
(`fill_source_catalogue`, run by `make translations-update` after pybabel update); en holds
the English. tests/test_i18n.py uses `extract` and `problems` to keep both complete.

    python -m proxy_service.core.translation_files fill-zh    # zh_CN: msgstr = msgid, nothing fuzzy
"""
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "proxy_service" / "translations"
LOCALES = ("zh_CN", "en")
SOURCE_LOCALE = "zh_CN"
# The same keywords as the Makefile's `pybabel extract -k ...`.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "_lp": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}


def po_path(locale):
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load(locale):
    with open(po_path(locale), "rb") as handle:
        return read_po(handle, locale=locale)


def extract():
    """The messages the code and templates use now: {(context, msgid): [locations]}, msgid a
    str or, for ngettext, the (singular, plural) tuple, context None unless pgettext."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        found.setdefault((context, message), []).append(f"{filename}:{lineno}")
    return found


def problems(catalog):
    """Entries that would show the reader something else than a finished translation."""
    found = []
    for message in catalog:
        if not message.id:
            continue            # the header
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy:
            found.append(("fuzzy", message.id))
        elif not all(strings):
            found.append(("untranslated", message.id))
        for error in message.check(catalog):
            found.append((f"format: {error}", message.id))
    return found


def fill_source_catalogue():
    """zh_CN translates every message to itself: the source strings are already Chinese."""
    catalog = load(SOURCE_LOCALE)
    for message in catalog:
        if not message.id:
            continue                                    # the header
        if isinstance(message.id, (list, tuple)):      # ngettext: Chinese has one form
            message.string = (message.id[0],) * catalog.num_plurals
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
        message.previous_id = []
    with open(po_path(SOURCE_LOCALE), "wb") as handle:
        write_po(handle, catalog, width=0)


if __name__ == "__main__":
    if sys.argv[1:] != ["fill-zh"]:
        sys.exit(__doc__)
    fill_source_catalogue()
