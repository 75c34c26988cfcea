"""Draw the app's two icons: `python -m manifest.make_icons` rewrites manifest/icons/*.png.

The picture is a speech bubble with a tick (an enquiry answered). Teams wants a full-colour icon
of 192×192 and an outline icon of 32×32 in white on transparent. Shapes are signed distance
functions, so edges are anti-aliased without a drawing library; the output is reproducible.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Callable
from pathlib import Path

from manifest.png import Pixel, write_png

ACCENT = (0x1D, 0x5B, 0x79)  # the manifest's accentColor, #1D5B79
WHITE = (255, 255, 255)
COLOR_SIZE = 192
OUTLINE_SIZE = 32
ICONS = Path(__file__).resolve().parent / "icons"

Point = tuple[float, float]
Distance = Callable[[float, float], float]  # negative inside, in units of the icon's side


def _rounded_box(x0: float, y0: float, x1: float, y1: float, r: float) -> Distance:
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2

    def d(x: float, y: float) -> float:
        qx, qy = abs(x - cx) - hx + r, abs(y - cy) - hy + r
        return math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0) - r
    return d


def _triangle(a: Point, b: Point, c: Point) -> Distance:
    def d(x: float, y: float) -> float:
        best, sign = math.inf, 1.0
        orient = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        inside = True
        for (px, py), (qx, qy) in ((a, b), (b, c), (c, a)):
            best = min(best, _segment_distance(x, y, (px, py), (qx, qy)))
            cross = (qx - px) * (y - py) - (qy - py) * (x - px)
            inside = inside and cross * orient >= 0
        sign = -1.0 if inside else 1.0
        return sign * best
    return d


def _segment_distance(x: float, y: float, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - a[0] - t * dx, y - a[1] - t * dy)


def _stroke(points: list[Point], width: float) -> Distance:
    segments = list(itertools.pairwise(points))

    def d(x: float, y: float) -> float:
        return min(_segment_distance(x, y, a, b) for a, b in segments) - width / 2
    return d


BUBBLE = _rounded_box(0.16, 0.20, 0.84, 0.70, 0.11)
TAIL = _triangle((0.28, 0.62), (0.46, 0.62), (0.25, 0.84))
TICK = [(0.35, 0.45), (0.46, 0.56), (0.66, 0.35)]


def _bubble(x: float, y: float) -> float:
    return min(BUBBLE(x, y), TAIL(x, y))


def _coverage(distance: float, size: int) -> float:
    """How much of a pixel a shape covers, from the distance of the pixel's centre to its edge."""
    return max(0.0, min(1.0, 0.5 - distance * size))


def _draw(size: int, shade: Callable[[float, float], Pixel]) -> list[Pixel]:
    return [shade((i + 0.5) / size, (j + 0.5) / size) for j in range(size) for i in range(size)]


def _mix(top: tuple[int, int, int], under: tuple[int, int, int], amount: float
         ) -> tuple[int, int, int]:
    r, g, b = (round(t * amount + u * (1 - amount)) for t, u in zip(top, under, strict=True))
    return r, g, b


def color_icon(size: int = COLOR_SIZE) -> list[Pixel]:
    """White bubble, tick in the accent colour, on a full square of the accent colour."""
    tick = _stroke(TICK, 0.065)

    def shade(x: float, y: float) -> Pixel:
        colour = _mix(WHITE, ACCENT, _coverage(_bubble(x, y), size))
        colour = _mix(ACCENT, colour, _coverage(tick(x, y), size))
        return (*colour, 255)
    return _draw(size, shade)


def outline_icon(size: int = OUTLINE_SIZE) -> list[Pixel]:
    """The bubble's outline and the tick, white on transparent (Teams tints it)."""
    line = 2.0 / size
    tick = _stroke(TICK, line)

    def shade(x: float, y: float) -> Pixel:
        edge = abs(_bubble(x, y)) - line / 2
        alpha = _coverage(min(edge, tick(x, y)), size)
        return (*WHITE, round(alpha * 255)) if alpha > 0 else (*WHITE, 0)
    return _draw(size, shade)


def render() -> dict[str, bytes]:
    return {
        "color.png": write_png(COLOR_SIZE, COLOR_SIZE, color_icon()),
        "outline.png": write_png(OUTLINE_SIZE, OUTLINE_SIZE, outline_icon()),
    }


def main(out: Path = ICONS) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in render().items():
        (out / name).write_bytes(data)
        print(f"wrote {out / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ICONS))
