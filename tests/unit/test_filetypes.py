"""What a file is, from its bytes: the signatures, and the reasons a member is told."""

from __future__ import annotations

import io
import zipfile

import pytest

from casestore import filetypes as ft
from casestore.config import Attachments

ALLOWED = Attachments().allowed_types
PDF = b"%PDF-1.7\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def office_zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def compound_file(*streams: str) -> bytes:
    """The start of an OLE2 compound file, with directory entries named `streams`."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"".join(
        s.encode("utf-16-le") + b"\0\0" for s in streams)


@pytest.mark.parametrize(("content", "expected"), [
    (PDF, ft.PDF), (PNG, ft.PNG), (JPEG, ft.JPEG), (b"GIF89a\x01\x00", ft.GIF),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", ft.WEBP),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", ft.HEIC),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00", ft.HEIF),
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00", None),  # a video
    (office_zip("[Content_Types].xml", "word/document.xml"), ft.DOCX),
    (office_zip("[Content_Types].xml", "xl/workbook.xml"), ft.XLSX),
    (office_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), None),
    (office_zip("payload.exe"), None),
    (compound_file("Root Entry", "WordDocument"), ft.DOC),
    (compound_file("Root Entry", "Workbook"), ft.XLS),
    (compound_file("Root Entry", "SummaryInformation"), None),  # an installer, say
    ("Pothole outside no. 14 — £40 repair\r\n".encode(), ft.TEXT),
    ("Café on the corner £5".encode("cp1252"), ft.TEXT),
    (b"text with a \x00 NUL", None), (b"\x1b[31mterminal codes", None),
    (HTML, None), (b"  <svg onload=alert(1)>", None), (b"Dear Sir <script>x</script>", None),
    (EXE, None), (b"\x7fELF\x02\x01", None), (b"", None),
])
def test_a_file_is_identified_by_its_signature(content: bytes, expected: str | None) -> None:
    assert ft.identify(content) == expected


@pytest.mark.parametrize(("content", "claimed", "stored"), [
    (PDF, "application/pdf", ft.PDF),
    (PNG, "image/png", ft.PNG),
    (PNG, "image/jpeg", ft.PNG),  # a photo named .jpg that is a PNG is still a photo
    (JPEG, "image/*", ft.JPEG),  # Teams' pasted image
    (PDF, "application/octet-stream", ft.PDF),  # a name that claims nothing
    (office_zip("[Content_Types].xml", "word/document.xml"), ft.DOC, ft.DOCX),
])
def test_the_stored_type_is_what_the_bytes_say(content: bytes, claimed: str,
                                               stored: str) -> None:
    assert ft.stored_type(content, claimed=claimed, allowed=ALLOWED) == stored


@pytest.mark.parametrize(("content", "claimed", "reason"), [
    (HTML, "application/pdf", "its name says it is a PDF, but it is a web page"),
    (EXE, "image/png", "its name says it is a photo, but it is a program"),
    (PDF, "image/png", "its name says it is a photo, but it is a PDF"),
    (PNG, ft.DOCX, "its name says it is a Word document, but it is a photo"),
    (PDF, "text/plain", "its name says it is a text file, but it is a PDF"),
    (office_zip("a.txt"), ft.XLSX,
     "its name says it is an Excel spreadsheet, but it is a compressed archive"),
    (compound_file("Root Entry"), ft.DOC, "its name says it is a Word document, but it is an "
                                          "installer or another kind of Office file"),
    (EXE, "application/octet-stream", "it is a program, which I can't accept"),
    (PDF, "application/x-msdownload", "this type of file is not accepted"),
    (b"GIF89a\x01\x00", "image/gif", "this type of file is not accepted"),  # not on the list
])
def test_a_file_that_is_not_what_it_claims_is_refused_with_the_reason(
    content: bytes, claimed: str, reason: str,
) -> None:
    with pytest.raises(ft.NotAllowed) as refused:
        ft.stored_type(content, claimed=claimed, allowed=ALLOWED)
    assert refused.value.reason == reason


@pytest.mark.parametrize(("size", "label"), [(10 * 1024 * 1024, "10 MB"),
                                            (1536 * 1024, "1.5 MB"), (1024, "1 KB")])
def test_sizes_are_given_in_kb_and_mb(size: int, label: str) -> None:
    assert ft.size_label(size) == label
    assert ft.too_large(size) == f"it is larger than the {label} limit"
