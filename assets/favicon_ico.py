"""Draws static/favicon.ico from the shape of static/favicon.svg, with the standard library only.

Browsers that ask for /favicon.ico on their own (Safari, feed readers, a PDF or JSON opened in
a tab) need a real icon there: many do not take an SVG in that place. The .ico holds a 16 and
a 32 pixel PNG of the same rounded square and white "E" as the SVG. Run from the repository:
``python assets/favicon_ico.py`` (the output is the same on every run).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BLUE = (0x00, 0x4D, 0x99)
WHITE = (0xFF, 0xFF, 0xFF)
# The SVG's path in its 32 x 32 view box: M11 8h10v3h-6.5v3.5H20v3h-5.5V21H21v3H11z
LETTER = [(11, 8), (21, 8), (21, 11), (14.5, 11), (14.5, 14.5), (20, 14.5), (20, 17.5), (14.5, 17.5),
          (14.5, 21), (21, 21), (21, 24), (11, 24)]
RADIUS = 6.0
SAMPLES = 4  # per pixel side, for smooth edges


def _in_letter(x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(LETTER, LETTER[1:] + LETTER[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _in_square(x: float, y: float) -> bool:
    cx = min(max(x, RADIUS), 32 - RADIUS)
    cy = min(max(y, RADIUS), 32 - RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2


def _pixel(px: int, py: int, size: int) -> tuple[int, int, int, int]:
    scale = 32 / size
    square = letter = 0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            x, y = (px + (sx + 0.5) / SAMPLES) * scale, (py + (sy + 0.5) / SAMPLES) * scale
            if _in_square(x, y):
                square += 1
                letter += _in_letter(x, y)
    if square == 0:
        return (0, 0, 0, 0)
    share = letter / square
    colour = tuple(round(b + (w - b) * share) for b, w in zip(BLUE, WHITE))
    return (*colour, round(255 * square / SAMPLES**2))  # type: ignore[return-value]


def png(size: int) -> bytes:
    rows = b"".join(b"\0" + bytes(v for x in range(size) for v in _pixel(x, y, size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def ico(sizes: tuple[int, ...] = (16, 32)) -> bytes:
    images = [png(size) for size in sizes]
    offset = 6 + 16 * len(images)
    directory = b""
    for size, image in zip(sizes, images):
        directory += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return struct.pack("<HHH", 0, 1, len(images)) + directory + b"".join(images)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"
    target.write_bytes(ico())
    print(f"{target}: {target.stat().st_size} bytes")
