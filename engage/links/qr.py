"""QR codes for short links: SVG for print, PNG for download.

Error correction M (15% of the code can be damaged and it still reads: a scuffed poster, a
pin through it) and the standard four-module quiet zone around the code.

qrcode (and Pillow behind it) is imported when a code is drawn, not at every start-up.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import qrcode

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks


def _code(url: str) -> qrcode.QRCode:
    import qrcode
    import qrcode.constants

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_svg(url: str) -> bytes:
    """The QR code of `url` as SVG, black on a white background that includes the quiet zone."""
    from qrcode.image.svg import SvgPathFillImage

    image = _code(url).make_image(image_factory=SvgPathFillImage)
    return image.to_string(encoding="unicode").encode()


def qr_png(url: str, box_size: int = 10) -> bytes:
    """The QR code of `url` as a PNG, `box_size` pixels per module."""
    from qrcode.image.pil import PilImage

    code = _code(url)
    code.box_size = box_size
    image = code.make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
