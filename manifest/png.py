"""A small PNG writer and reader in pure Python (zlib and struct), for the app's icons.

The writer makes 8-bit RGBA images; the reader decodes the non-interlaced 8-bit RGB and RGBA
images most tools write (all five row filters), which is all the package check needs.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGBA = 6
RGB = 2

Pixel = tuple[int, int, int, int]


class PngError(ValueError):
    """The bytes are not a PNG this reader understands; the message says why."""


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    pixels: tuple[Pixel, ...]  # row by row, RGBA

    def pixel(self, x: int, y: int) -> Pixel:
        return self.pixels[y * self.width + x]


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def write_png(width: int, height: int, pixels: Sequence[Pixel]) -> bytes:
    """Encode `pixels` (row by row, RGBA, 0 to 255) as a PNG, each row with filter 0."""
    if len(pixels) != width * height:
        raise ValueError(f"expected {width * height} pixels, got {len(pixels)}")
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for r, g, b, a in pixels[y * width:(y + 1) * width]:
            raw += bytes((r, g, b, a))
    header = struct.pack(">IIBBBBB", width, height, 8, RGBA, 0, 0, 0)
    return (SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + _chunk(b"IEND", b""))


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(kind: int, row: bytearray, prior: bytes, bpp: int) -> None:
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        up = prior[i]
        corner = prior[i - bpp] if i >= bpp else 0
        if kind == 1:
            row[i] = (row[i] + left) & 0xFF
        elif kind == 2:
            row[i] = (row[i] + up) & 0xFF
        elif kind == 3:
            row[i] = (row[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            row[i] = (row[i] + _paeth(left, up, corner)) & 0xFF
        elif kind != 0:
            raise PngError(f"unknown row filter {kind}")


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(SIGNATURE):
        raise PngError("not a PNG file (bad signature)")
    found: list[tuple[bytes, bytes]] = []
    at = len(SIGNATURE)
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        if len(body) != length or at + 12 + length > len(data):
            raise PngError(f"chunk {kind!r} is truncated")
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise PngError(f"chunk {kind!r} has a bad checksum")
        found.append((kind, body))
        at += 12 + length
        if kind == b"IEND":
            break
    return found


def read_png(data: bytes) -> Image:
    chunks = _chunks(data)
    if not chunks or chunks[0][0] != b"IHDR":
        raise PngError("the first chunk is not IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or colour not in (RGB, RGBA) or interlace:
        raise PngError(f"unsupported PNG (bit depth {depth}, colour type {colour}, "
                       f"interlace {interlace})")
    bpp = 4 if colour == RGBA else 3
    try:
        raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    except zlib.error as exc:
        raise PngError(f"the image data cannot be decompressed: {exc}") from None
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise PngError("the image data does not match the declared size")
    pixels: list[Pixel] = []
    prior = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = bytearray(raw[start + 1:start + 1 + stride])
        _unfilter(raw[start], row, prior, bpp)
        for x in range(0, stride, bpp):
            alpha = row[x + 3] if bpp == 4 else 255
            pixels.append((row[x], row[x + 1], row[x + 2], alpha))
        prior = bytes(row)
    return Image(width, height, tuple(pixels))
