"""Decoding our QR codes with a real decoder (zxing-cpp), from PNG and from SVG."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image, ImageDraw

SVG = "{http://www.w3.org/2000/svg}"
_SQUARE = re.compile(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H([\d.]+)z")


def decode_png(data: bytes) -> list[str]:
    image = Image.open(io.BytesIO(data)).convert("L")
    return [result.text for result in zxingcpp.read_barcodes(image)]


def rasterise_svg(data: bytes, scale: int = 8) -> Image.Image:
    """Draw an SVG of filled rectangles and axis-aligned square paths (what qrcode writes).

    A deliberately small renderer: it refuses anything else, so a change in the SVG that it
    cannot draw fails loudly rather than decoding by luck.
    """
    root = ET.fromstring(data)  # noqa: S314 - our own generated SVG
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    image = Image.new("L", (int(width * scale), int(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for element in root.iter():
        if element.tag == f"{SVG}rect":
            assert element.attrib.get("fill") == "white", element.attrib
        elif element.tag == f"{SVG}path":
            path = element.attrib["d"]
            squares = _SQUARE.findall(path)
            assert _SQUARE.sub("", path).strip() == "", "a path that is not a row of squares"
            for x0, y0, x1, y1, _x2 in squares:
                draw.rectangle([float(x0) * scale, float(y0) * scale,
                                float(x1) * scale - 1, float(y1) * scale - 1], fill=0)
        elif element.tag != f"{SVG}svg":
            raise AssertionError(f"unexpected SVG element {element.tag}")
    return image


def decode_svg(data: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(rasterise_svg(data))]
