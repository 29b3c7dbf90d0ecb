"""Making a page image fit for OCR, keeping the way back to the page's coordinates.

1. Grey scale, scaled so the page's long side is 1,400-2,600 pixels (small text grows, huge
   photos shrink).
2. A photo (a camera's EXIF, or a background that is not paper-white and even) is cropped to the
   document: the largest four-cornered contour covering a fifth of the picture or more is
   warped to a rectangle (perspective).
3. Uneven light is evened out: the image is divided by its background (a large median blur), a
   contrast normalisation that keeps text black on white under shadows and gradients.
4. Skew is measured by the projection profile (the angle at which text rows make the sharpest
   row sums, within ±15 degrees) and turned away.

Every step is a 3x3 matrix; the product's inverse maps the OCR's boxes back to the upright page.
Quarter turns (a page scanned sideways) are found by Tesseract's orientation detection in ``ocr``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

Matrix = NDArray[np.float64]
Gray = NDArray[np.uint8]
LONG_SIDE_MIN = 1400
LONG_SIDE_MAX = 2600


@dataclass(frozen=True)
class Prepared:
    """The image OCR reads and the matrix from its pixels back to the upright page."""

    gray: Gray
    to_page: Matrix
    photo: bool
    skew: float
    scale: float
    """The factor the page was scaled by before OCR (the reading frame is the OCR image over it)."""


def _scale(factor: float) -> Matrix:
    return np.array([[factor, 0, 0], [0, factor, 0], [0, 0, 1]], dtype=np.float64)


def looks_like_photo(gray: Gray) -> bool:
    """True when the border is not even paper: darker than paper, or uneven (a desk, a shadow)."""
    h, w = gray.shape
    band = max(4, min(h, w) // 20)
    border = np.concatenate(
        [gray[:band].ravel(), gray[-band:].ravel(), gray[:, :band].ravel(), gray[:, -band:].ravel()]
    )
    return bool(np.median(border) < 200 or np.std(border) > 40)


def _document_quad(gray: Gray) -> NDArray[np.float32] | None:
    small_factor = 800 / max(gray.shape)
    small = cv2.resize(gray, None, fx=small_factor, fy=small_factor, interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    edges = cv2.Canny(blurred, 40, 120)
    edges = cv2.dilate(edges, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    area = small.shape[0] * small.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.03 * cv2.arcLength(hull, True), True)
        if len(approx) == 4 and 0.2 * area < cv2.contourArea(approx) < 0.97 * area:
            corners: NDArray[np.float32] = (approx.reshape(4, 2) / small_factor).astype(np.float32)
            return corners
    return None


def _order(quad: NDArray[np.float32]) -> NDArray[np.float32]:
    s, d = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    return np.array([quad[np.argmin(s)], quad[np.argmin(d)], quad[np.argmax(s)], quad[np.argmax(d)]], dtype=np.float32)


def _warp(gray: Gray) -> tuple[Gray, Matrix] | None:
    quad = _document_quad(gray)
    if quad is None:
        return None
    tl, tr, br, bl = _order(quad)
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    if width < 200 or height < 200:
        return None
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl]), target)
    warped = cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)
    return warped.astype(np.uint8), matrix.astype(np.float64)


def even_light(gray: Gray) -> Gray:
    """Divide by the background so shadows and gradients become white paper."""
    k = max(31, (min(gray.shape) // 16) | 1)
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    background = cv2.medianBlur(small, max(3, (k // 4) | 1))
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    normalised = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return np.clip(normalised, 0, 255).astype(np.uint8)


def measure_skew(gray: Gray) -> float:
    """The text's angle in degrees (positive: counter-clockwise) by the projection profile."""
    factor = 600 / max(gray.shape)
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ink = (small < 140).astype(np.float32)
    if ink.sum() < 50:
        return 0.0
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, rotation, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        rows = turned.sum(axis=1)
        return float(np.sum(np.diff(rows) ** 2))

    coarse = max(np.arange(-15, 15.1, 1.0), key=sharpness)
    fine = max(np.arange(coarse - 1, coarse + 1.01, 0.2), key=sharpness)
    return float(-fine)


def prepare(image: Image.Image, *, camera: bool = False) -> Prepared:
    """The OCR-ready grey image of an upright page image, and its way back to the page."""
    gray: Gray = np.asarray(image.convert("L"), dtype=np.uint8)
    forward = np.eye(3)
    long_side = max(gray.shape)
    factor = 1.0
    if long_side < LONG_SIDE_MIN:
        factor = LONG_SIDE_MIN / long_side
    elif long_side > LONG_SIDE_MAX:
        factor = LONG_SIDE_MAX / long_side
    if factor != 1.0:
        interpolation = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interpolation).astype(np.uint8)
        forward = _scale(factor) @ forward
    photo = camera or looks_like_photo(gray)
    if photo:
        warped = _warp(gray)
        if warped is not None:
            gray, matrix = warped
            forward = matrix @ forward
        gray = even_light(gray)
    skew = measure_skew(gray)
    if abs(skew) >= 0.4:
        h, w = gray.shape
        rotation = cv2.getRotationMatrix2D((w / 2, h / 2), -skew, 1.0)
        gray = cv2.warpAffine(gray, rotation, (w, h), flags=cv2.INTER_LINEAR, borderValue=255).astype(np.uint8)
        forward = np.vstack([rotation, [0, 0, 1]]) @ forward
    to_page: Matrix = np.linalg.inv(forward).astype(np.float64)
    return Prepared(gray=gray, to_page=to_page, photo=photo, skew=skew, scale=factor)


def map_box(matrix: Matrix, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The page box around a box of the prepared image."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=np.float64).T
    mapped = matrix @ corners
    xs, ys = mapped[0] / mapped[2], mapped[1] / mapped[2]
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())
