"""Page images made fit for OCR: EXIF orientation, skew measured and turned away, a photo's
page found and flattened, and the way back from the OCR image to the page's coordinates."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from officeflow.documents.errors import DocumentRefused
from officeflow.documents.images import frames
from officeflow.documents.limits import Limits
from officeflow.documents.preprocess import map_box, measure_skew, prepare
from officeflow.documents.synth import render
from officeflow.documents.synth.canvas import Sheet


def text_page(width: int = 900, height: int = 1200) -> Image.Image:
    sheet = Sheet(width * 72 / 150, height * 72 / 150, y=30)
    for n in range(24):
        sheet.text(30, f"Line {n} of a page with enough text to measure 12,50 EUR", 9)
        sheet.line(9, 1.8)
    return render.to_image(sheet, 150)


def test_a_jpeg_with_exif_orientation_6_is_turned_upright() -> None:
    upright = Image.new("RGB", (300, 500), "white")
    stored = upright.rotate(90, expand=True)  # the camera stored it sideways: 500 x 300
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, format="JPEG", exif=exif.tobytes())
    (image, camera), *_ = list(frames(out.getvalue(), Limits()))
    assert image.size == (300, 500)
    assert camera is False


def test_every_tiff_frame_is_a_page_and_too_many_are_refused() -> None:
    pages = [Image.new("L", (100, 140), 255) for _ in range(3)]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    assert len(list(frames(out.getvalue(), Limits()))) == 3
    with pytest.raises(DocumentRefused, match="3 frames"):
        list(frames(out.getvalue(), Limits(max_pages=2)))


@pytest.mark.parametrize("angle", [-6.0, -2.0, 1.4, 4.0])
def test_skew_is_measured_within_half_a_degree(angle: float) -> None:
    page = text_page().rotate(angle, expand=True, fillcolor=255)
    gray = np.asarray(page.convert("L"), dtype=np.uint8)
    assert measure_skew(gray) == pytest.approx(angle, abs=0.5)


def test_boxes_map_back_from_the_prepared_image_to_the_skewed_page() -> None:
    """A dark square on a skewed page: its box in the deskewed OCR image maps back onto it."""
    page = text_page()
    ImageDraw.Draw(page).rectangle((600, 1050, 700, 1150), fill=0)  # below the text
    skewed = page.rotate(3.0, expand=True, fillcolor=255)
    prepared = prepare(skewed)
    ink = np.argwhere(prepared.gray[int(0.8 * prepared.gray.shape[0]) :] < 60)
    y0, x0 = ink.min(axis=0)
    y1, x1 = ink.max(axis=0)
    offset = int(0.8 * prepared.gray.shape[0])
    box = map_box(prepared.to_page, (float(x0), float(y0 + offset), float(x1), float(y1 + offset)))
    region = np.asarray(skewed.convert("L"))[int(box[1]) : int(box[3]), int(box[0]) : int(box[2])]
    assert region.size > 0
    assert (region < 60).mean() > 0.5


def test_a_photo_is_cropped_to_its_page_and_its_light_evened() -> None:
    photo = render.photo(text_page(), random.Random(3))
    prepared = prepare(photo, camera=True)
    assert prepared.photo
    border = prepared.gray[:20].astype(float)
    assert border.mean() > 200  # paper, not the desk
