"""Just enough of PDF to read back the text Chromium (Skia) prints: pages, their fonts' ToUnicode
maps and the hex strings of Tj/TJ. Not a PDF library: it reads uncompressed object tables and
FlateDecode streams, which is what Skia writes, and nothing else."""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.DOTALL)
_STREAM = re.compile(rb"^(.*?)stream\r?\n(.*)\r?\nendstream$", re.DOTALL)
_REF = rb"(\d+) 0 R"


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (its dictionary, its decoded stream or None)."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for match in _OBJECT.finditer(data):
        body = match.group(2)
        stream = _STREAM.match(body)
        if stream is None:
            found[int(match.group(1))] = (body, None)
            continue
        head, raw = stream.group(1), stream.group(2)
        found[int(match.group(1))] = (head, zlib.decompress(raw) if b"/FlateDecode" in head else raw)
    return found


def _cmap(text: bytes) -> dict[int, str]:
    """A ToUnicode CMap's glyph -> text mapping (bfchar and bfrange)."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.DOTALL):
        for glyph, unicode in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(glyph, 16)] = bytes.fromhex(unicode.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.DOTALL):
        for start, end, first in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(first, 16)
            for offset, glyph in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[glyph] = chr(base + offset)
    return mapping


def page_texts(data: bytes) -> list[str]:
    """The text of each page, in drawing order; runs are joined without spaces, lines with newlines."""
    objects = _objects(data)
    pages = []
    for head, _stream in objects.values():
        if not re.search(rb"/Type\s*/Page\b(?!s)", head):
            continue
        fonts: dict[bytes, dict[int, str]] = {}
        font_block = re.search(rb"/Font\s*<<(.*?)>>", head, re.DOTALL)
        for name, number in re.findall(rb"/(\w+)\s+" + _REF, font_block.group(1) if font_block else b""):
            font_head = objects[int(number)][0]
            to_unicode = re.search(rb"/ToUnicode\s+" + _REF, font_head)
            fonts[name] = _cmap(objects[int(to_unicode.group(1))][1] or b"") if to_unicode else {}
        contents = re.search(rb"/Contents\s+" + _REF, head)
        content = objects[int(contents.group(1))][1] or b"" if contents else b""
        pages.append(_text_of(content, fonts))
    return pages


def _text_of(content: bytes, fonts: dict[bytes, dict[int, str]]) -> str:
    out: list[str] = []
    mapping: dict[int, str] = {}
    for token in re.finditer(rb"/(\w+)\s+[\d.]+\s+Tf|\[(.*?)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|(ET)", content, re.DOTALL):
        font, array, single, end = token.groups()
        if font is not None:
            mapping = fonts.get(font, {})
        elif end is not None:
            out.append("\n")
        else:
            for hexes in re.findall(rb"<([0-9A-Fa-f]*)>", array) if array is not None else [single]:
                for i in range(0, len(hexes), 4):
                    out.append(mapping.get(int(hexes[i:i + 4], 16), ""))
    return "".join(out)
