"""Every QR code made is decoded with zxing-cpp and gives back exactly its URL."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from engage.links.codes import new_code
from engage.links.qr import QUIET_ZONE, qr_png, qr_svg
from tests.links.qr_decode import decode_png, decode_svg, rasterise_svg

URLS = [
    "http://127.0.0.1:5000/q/ABC2345",
    "https://oh-engage.example.nhs.uk/q/" + new_code(),
    "https://a-much-longer-public-address.example.org/with/a/path/q/ZZZZZZZ",
]


@pytest.mark.parametrize("url", URLS)
def test_png_decodes_to_exactly_its_url(url):
    assert decode_png(qr_png(url)) == [url]


@pytest.mark.parametrize("url", URLS)
def test_svg_decodes_to_exactly_its_url(url):
    assert decode_svg(qr_svg(url)) == [url]


def test_error_correction_is_m_or_higher():
    image = Image.open(io.BytesIO(qr_png(URLS[0]))).convert("L")
    result = zxingcpp.read_barcodes(image)[0]
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    assert result.ec_level in ("M", "Q", "H")


def test_png_has_a_four_module_quiet_zone():
    box = 10
    image = Image.open(io.BytesIO(qr_png(URLS[0], box_size=box))).convert("L")
    width, height = image.size
    margin = QUIET_ZONE * box
    for x in range(width):
        for y in list(range(margin)) + list(range(height - margin, height)):
            assert image.getpixel((x, y)) == 255
    # The first dark module starts right after the quiet zone (the finder pattern's corner).
    assert image.getpixel((margin, margin)) == 0


def test_svg_has_a_white_background_and_a_quiet_zone():
    image = rasterise_svg(qr_svg(URLS[0]), scale=1)
    width, _ = image.size
    assert all(image.getpixel((x, y)) == 255 for x in range(width) for y in range(QUIET_ZONE))
    assert image.getpixel((QUIET_ZONE, QUIET_ZONE)) == 0
