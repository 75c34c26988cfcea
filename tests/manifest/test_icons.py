"""The icons: the sizes Teams requires, white-on-transparent outline, reproducible drawing."""

from __future__ import annotations

import pytest

from manifest import make_icons
from manifest.package import load_icons
from manifest.png import PngError, read_png, write_png


def test_the_colour_icon_is_192_square_and_opaque() -> None:
    image = read_png(load_icons()["color"])
    assert (image.width, image.height) == (192, 192)
    assert all(a == 255 for *_, a in image.pixels)
    assert image.pixel(0, 0)[:3] == make_icons.ACCENT


def test_the_outline_icon_is_32_square_white_on_transparent() -> None:
    image = read_png(load_icons()["outline"])
    assert (image.width, image.height) == (32, 32)
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in image.pixels)
    assert any(a == 255 for *_, a in image.pixels)  # something is drawn
    assert image.pixel(0, 0)[3] == 0  # the corners are transparent


def test_the_committed_icons_are_what_the_generator_draws() -> None:
    for name, data in make_icons.render().items():
        assert read_png(data) == read_png(load_icons()[name.removesuffix(".png")]), name


def test_the_png_reader_reads_what_the_writer_wrote_and_rejects_junk() -> None:
    pixels = [(x * 40, y * 40, 7, 128) for y in range(3) for x in range(5)]
    assert read_png(write_png(5, 3, pixels)).pixels == tuple(pixels)
    with pytest.raises(PngError):
        read_png(b"GIF89a")
    corrupt = bytearray(write_png(2, 2, [(0, 0, 0, 0)] * 4))
    corrupt[-20] ^= 0xFF
    with pytest.raises(PngError):
        read_png(bytes(corrupt))


def _filtered_png(width: int, height: int, pixels: list[tuple[int, int, int, int]]) -> bytes:
    """A PNG whose rows use filters 1 to 4 in turn, as other tools write them."""
    import struct
    import zlib

    from manifest.png import SIGNATURE, _chunk, _paeth

    stride, raw, prior = width * 4, bytearray(), bytes(width * 4)
    for y in range(height):
        row = bytes(v for p in pixels[y * width:(y + 1) * width] for v in p)
        kind = 1 + y % 4
        out = bytearray()
        for i, v in enumerate(row):
            left = row[i - 4] if i >= 4 else 0
            up, corner = prior[i], (prior[i - 4] if i >= 4 else 0)
            predictor = {1: left, 2: up, 3: (left + up) // 2, 4: _paeth(left, up, corner)}[kind]
            out.append((v - predictor) & 0xFF)
        raw += bytes([kind]) + out
        prior = row
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    assert len(raw) == height * (stride + 1)
    return (SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(raw)))
            + _chunk(b"IEND", b""))


def test_the_png_reader_undoes_every_row_filter() -> None:
    pixels = [((x * 37 + y) % 256, (y * 53) % 256, (x * y) % 256, 255 - x)
              for y in range(8) for x in range(6)]
    assert read_png(_filtered_png(6, 8, pixels)).pixels == tuple(pixels)
