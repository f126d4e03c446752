"""What benchmarks/snapshot.py writes for one response, and the comparison of two snapshots.

A response becomes text that is the same on every run with the same data and clock: HTML with
the per-session values blanked, PDFs as their text (pdftotext) plus two digests, ZIP files
(dossiers, XLSX) as their member list, anything else binary as its size and SHA-256.
"""
import difflib
import hashlib
import io
import re
import subprocess
import tempfile
import zipfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

# Hidden inputs whose value differs per session or per page view: the CSRF token (signed with
# the session's random key and the time) and the one-time submit token of create forms.
VOLATILE_INPUTS = ("csrf_token", "submit_token")
INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
INPUT_NAME = re.compile(r'\bname="([^"]*)"')
INPUT_VALUE = re.compile(r'\bvalue="[^"]*"')
HTML_RULES = (
    (re.compile(r'(<meta\s+name="csrf-token"\s+content=")[^"]*"'), r'\1[csrf]"'),
    (re.compile(r'\bnonce="[^"]*"'), 'nonce="[nonce]"'),
    (re.compile(r'([?&]csrf_token=)[^&"\'\s]*'), r"\1[csrf]"),
)
# Parts of a signed PDF that change without its content changing: the signature value (it
# covers every other byte), the file identifier and the dates pyHanko and reportlab write.
PDF_VOLATILE = (
    (re.compile(rb"/Contents\s*<[0-9A-Fa-f]+>"), b"/Contents <>"),
    (re.compile(rb"/ID\s*\[\s*<[0-9A-Fa-f]*>\s*<[0-9A-Fa-f]*>\s*\]"), b"/ID []"),
    (re.compile(rb"/(M|CreationDate|ModDate)\s*\((?:[^()\\]|\\.)*\)"), rb"/\1 ()"),
)
OFFICE_DATES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")
TEXT_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")
ZIP_TYPES = ("application/zip", "application/vnd.openxmlformats")
TEXT_MEMBERS = (".csv", ".json", ".txt", ".xml", ".rels", ".html", ".md")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def normalise_html(text):
    """The page without the values that differ between two sessions viewing the same data."""
    text = INPUT_TAG.sub(_blank_volatile_input, text)
    for pattern, replacement in HTML_RULES:
        text = pattern.sub(replacement, text)
    return text


def _blank_volatile_input(match):
    tag = match.group(0)
    name = INPUT_NAME.search(tag)
    # A form with a prefix names them "<prefix>-csrf_token".
    if name is None or name.group(1).rsplit("-", 1)[-1] not in VOLATILE_INPUTS:
        return tag
    return INPUT_VALUE.sub(f'value="[{name.group(1)}]"', tag)


def stable_pdf_digest(data):
    """SHA-256 of the PDF with the volatile parts (PDF_VOLATILE) blanked."""
    for pattern, replacement in PDF_VOLATILE:
        data = pattern.sub(replacement, data)
    return sha256(data)


def pdf_text(data):
    """The PDF's text as `pdftotext -layout` extracts it (poppler-utils)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", handle.name, "-"],
                              capture_output=True, check=False)
    if done.returncode != 0:
        return f"[pdftotext failed: {done.stderr.decode(errors='replace').strip()}]\n"
    return done.stdout.decode("utf-8", errors="replace")


def describe_pdf(data):
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    return (f"pdf: {len(data)} bytes, {pages} pages, {data.count(b'/ByteRange')} signatures\n"
            f"sha256: {sha256(data)}\n"
            f"sha256 without signature values, /ID and dates: {stable_pdf_digest(data)}\n"
            f"--- text (pdftotext -layout) ---\n{pdf_text(data)}")


def describe_zip(data, office=False):
    """One line per member (name, size, time, SHA-256), then the text of PDF and text members.
    An Office file (XLSX) is written by openpyxl with the host's real time as every member's
    time and in docProps/core.xml: those are left out, and so are the size and digest of the
    whole file (the compressed dates change them)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return describe_binary(data)
    lines = ["zip (Office file)" if office else f"zip: {len(data)} bytes, sha256 {sha256(data)}"]
    details = []
    for info in archive.infolist():
        member = archive.read(info)
        if office:
            member = OFFICE_DATES.sub(rb"\1[time]\2", member)
        when = "" if office else f"{datetime(*info.date_time):%Y-%m-%d %H:%M:%S}  "
        lines.append(f"  {info.filename}  {info.file_size} bytes  {when}{sha256(member)}")
        if info.filename.lower().endswith(".pdf"):
            details.append(f"=== {info.filename}\n{describe_pdf(member)}")
        elif info.filename.lower().endswith(TEXT_MEMBERS):
            details.append(f"=== {info.filename}\n{member.decode('utf-8', errors='replace')}")
    return "\n".join(lines) + "\n" + "\n".join(details)


def describe_binary(data):
    return f"binary: {len(data)} bytes, sha256 {sha256(data)}\n"


def describe_body(content_type, data, digest_only=False):
    """The text saved for a response body of this content type."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if digest_only:
        return describe_binary(data)
    if kind == "application/pdf" or data.startswith(b"%PDF-"):
        return describe_pdf(data)
    if kind.startswith(ZIP_TYPES):
        return describe_zip(data, office=kind.startswith("application/vnd.openxmlformats"))
    if kind.startswith(TEXT_TYPES):
        text = data.decode("utf-8", errors="replace")
        return normalise_html(text) if kind == "text/html" else text
    return describe_binary(data)


# --- comparing two snapshots ------------------------------------------------------------------

def snapshot_files(root):
    return {path.relative_to(root).as_posix() for path in Path(root).rglob("*") if path.is_file()}


def compare(a, b, heads=30, head_lines=24, out=print):
    """Print what differs between snapshots `a` and `b`; returns the number of differing files."""
    files_a, files_b = snapshot_files(a), snapshot_files(b)
    only_a, only_b = sorted(files_a - files_b), sorted(files_b - files_a)
    diffs = {}
    for name in sorted(files_a & files_b):
        text_a, text_b = (Path(root, name).read_text(errors="replace") for root in (a, b))
        if text_a != text_b:
            diffs[name] = list(difflib.unified_diff(
                text_a.splitlines(), text_b.splitlines(), f"A/{name}", f"B/{name}", lineterm="", n=2))
    out(f"{len(files_a | files_b)} files: {len(diffs)} differ, {len(only_a)} only in A, "
        f"{len(only_b)} only in B")
    for label, names in (("only in A", only_a), ("only in B", only_b), ("differ", list(diffs))):
        for name in names:
            out(f"  {label}: {name}")
    _print_changes(diffs, heads, head_lines, out)
    return len(diffs) + len(only_a) + len(only_b)


def _print_changes(diffs, heads, head_lines, out):
    """Each distinct change once (the same edit to a shared template shows on many pages),
    with how many files have it, a few of them, and the head of one diff."""
    groups = defaultdict(list)
    for name, lines in diffs.items():
        changed = tuple(line for line in lines[2:] if line[:1] in "+-")
        groups[changed].append(name)
    if groups:
        out(f"\n{len(groups)} distinct changes (the first {min(heads, len(groups))} shown):")
    for number, names in enumerate(sorted(groups.values(), key=len, reverse=True)[:heads], 1):
        examples = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        out(f"\n[{number}] {len(names)} file(s): {examples}")
        lines = diffs[names[0]]
        out("\n".join(lines[:head_lines]))
        if len(lines) > head_lines:
            out(f"... ({len(lines) - head_lines} more diff lines)")
