"""What a file really is, read from its bytes: the type a file is stored as never comes from
its name.

`identify` names the type from the content's signature (PDF, PNG, JPEG, GIF, WebP, HEIC/HEIF,
Word and Excel in both their formats, plain text); `stored_type` checks that against the
council's allowed types and against what the file's name claims, and says in plain words what
is wrong otherwise ("its name says it is a PDF, but it is a web page").
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
HEIC = "image/heic"
HEIF = "image/heif"
TEXT = "text/plain"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003, Excel 97-2003, and installers
_ZIP = b"PK\x03\x04"
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_HEIF_BRANDS = {b"mif1", b"msf1"}
_MARKUP = re.compile(rb"^\s*<|<\s*(script|iframe|html|svg)\b", re.IGNORECASE)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")

UNKNOWN = frozenset({"", "application/octet-stream"})  # a name that claims nothing
# What a kind of file is called, for "its name says it is ...".
_KINDS = {PDF: "pdf", PNG: "image", JPEG: "image", GIF: "image", WEBP: "image", HEIC: "image",
          HEIF: "image", TEXT: "text", DOC: "word", DOCX: "word", XLS: "excel", XLSX: "excel"}
_KIND_NAMES = {"pdf": "a PDF", "image": "a photo", "text": "a text file",
               "word": "a Word document", "excel": "an Excel spreadsheet"}


class NotAllowed(ValueError):
    """The content is not a file the council accepts; `reason` is a phrase for the person."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def identify(content: bytes) -> str | None:
    """The content's type from its signature, or None when it is none of the known ones."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return HEIC if brand in _HEIC_BRANDS else HEIF if brand in _HEIF_BRANDS else None
    if head.startswith(_OLE2):
        return _office_97(content)
    if head.startswith(_ZIP):
        return _office_open_xml(content)
    return TEXT if _is_plain_text(content) else None


def describe(content: bytes) -> str:
    """What content that `identify` does not know is, in words ("a web page", "a program")."""
    head = content[:16]
    if head.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")):
        return "a program"
    if _MARKUP.search(content):
        return "a web page"
    if head.startswith((_ZIP, b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")):
        return "a compressed archive"
    if head.startswith(_OLE2):
        return "an installer or another kind of Office file"
    return "a type of file I can't accept"


def kind_of(content_type: str) -> str | None:
    """'pdf', 'image', 'text', 'word' or 'excel'; None for a type that names no kind."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype.startswith("image/"):
        return "image"
    return _KINDS.get(ctype)


def stored_type(content: bytes, *, claimed: str, allowed: Iterable[str]) -> str:
    """The type the content is stored as: what its bytes say, if the council allows it and it
    is the kind of file its name claims (a JPEG named .png is still a photo; an HTML page
    named .pdf is not a PDF). Raises NotAllowed with the reason otherwise."""
    claimed_kind = kind_of(claimed)
    if claimed_kind is None and claimed.split(";")[0].strip().lower() not in UNKNOWN:
        return _refuse("this type of file is not accepted")  # a name such as tool.exe
    actual = identify(content)
    said = f"its name says it is {_KIND_NAMES[claimed_kind]}, but " if claimed_kind else ""
    if actual is None:
        what = describe(content)
        return _refuse(f"{said}it is {what}" if said else f"it is {what}, which I can't accept")
    if actual not in set(allowed):
        return _refuse("this type of file is not accepted")
    if claimed_kind is not None and _KINDS[actual] != claimed_kind:
        return _refuse(f"{said}it is {_KIND_NAMES[_KINDS[actual]]}")
    return actual


def size_label(size_bytes: int) -> str:
    """'10 MB', '1.5 MB', '500 KB'."""
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):g} MB"
    return f"{size_bytes // 1024} KB"


def too_large(max_bytes: int) -> str:
    return f"it is larger than the {size_label(max_bytes)} limit"


def _refuse(reason: str) -> str:
    raise NotAllowed(reason)


def _office_97(content: bytes) -> str | None:
    """Word and Excel 97-2003 share the compound-file format with installers and other Office
    files: the names of the streams inside tell them apart."""
    if "WordDocument".encode("utf-16-le") in content:
        return DOC
    if "Workbook".encode("utf-16-le") in content or b"B\x00o\x00o\x00k\x00\x00\x00" in content:
        return XLS
    return None


def _office_open_xml(content: bytes) -> str | None:
    """A .docx or .xlsx is a zip with the Office parts; one carrying macros is refused. Only
    the zip's directory is read, nothing is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names or any(n.endswith("vbaProject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _is_plain_text(content: bytes) -> bool:
    """Text in UTF-8 (or Windows' own encoding), without control characters or markup."""
    if not content or _CONTROL.search(content) or _MARKUP.search(content):
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            content.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True
