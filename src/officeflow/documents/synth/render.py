"""Drawn pages to files: images (Pillow), born-digital PDFs (fpdf2), and what scanning and phone
cameras do to paper: skew, blur, noise, JPEG, perspective, a desk around the page, uneven light,
a page photographed sideways and turned back by its EXIF orientation."""

from __future__ import annotations

import io
import random
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from officeflow.documents.synth.canvas import FONTS, Sheet

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")


@cache
def font_path(name: str) -> str:
    """The file of a DejaVu face (Debian: fonts-dejavu-core, fonts-dejavu-extra)."""
    for folder in FONT_DIRS:
        path = Path(folder) / FONTS[name]
        if path.is_file():
            return str(path)
    raise FileNotFoundError(
        f"{FONTS[name]} not found in {', '.join(FONT_DIRS)}: install fonts-dejavu-core and fonts-dejavu-extra"
    )


@cache
def _font(name: str, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(name), pixels)


def to_image(sheet: Sheet, dpi: float) -> Image.Image:
    scale = dpi / 72
    image = Image.new("L", (int(sheet.width * scale), int(sheet.height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for rule in sheet.rules:
        draw.line(
            [(rule.x0 * scale, rule.y0 * scale), (rule.x1 * scale, rule.y1 * scale)],
            fill=90,
            width=max(1, int(scale * 0.6)),
        )
    for text in sheet.texts:
        font = _font(text.font, max(6, round(text.size * scale)))
        width = draw.textlength(text.text, font=font)
        x = text.x * scale - (width if text.align == "r" else width / 2 if text.align == "c" else 0)
        draw.text((x, text.y * scale), text.text, font=font, fill=20)
    return image


def to_pdf(sheets: list[Sheet]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(sheets[0].width, sheets[0].height))
    pdf.set_auto_page_break(False)
    pdf.set_creator("officeflow synth")
    added: set[str] = set()
    for sheet in sheets:
        pdf.add_page(format=(sheet.width, sheet.height))
        for rule in sheet.rules:
            pdf.set_line_width(0.5)
            pdf.line(rule.x0, rule.y0, rule.x1, rule.y1)
        for text in sheet.texts:
            if text.font not in added:
                pdf.add_font(text.font, "", font_path(text.font))
                added.add(text.font)
            pdf.set_font(text.font, size=text.size)
            width = pdf.get_string_width(text.text)
            x = text.x - (width if text.align == "r" else width / 2 if text.align == "c" else 0)
            pdf.text(x, text.y + text.size * 0.8, text.text)
    return bytes(pdf.output())


def images_to_pdf(images: list[Image.Image], dpi: float) -> bytes:
    """A scanned PDF: each image a page of its size at ``dpi``."""
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def scan(image: Image.Image, rng: random.Random) -> Image.Image:
    """A flatbed scan: a small skew, a little blur and noise."""
    angle = rng.uniform(-2.5, 2.5)
    out = image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    if rng.random() < 0.5:
        out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    pixels = np.asarray(out, dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(3, 10), pixels.shape)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def photo(image: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo: the page on a desk, in perspective, turned a little, lit unevenly, blurred."""
    page = image.convert("RGB")
    w, h = page.size
    margin = int(max(w, h) * rng.uniform(0.08, 0.18))
    canvas_w, canvas_h = w + 2 * margin, h + 2 * margin
    desk_colour = tuple(int(v) for v in rng.choice([(92, 70, 52), (60, 60, 66), (140, 120, 95), (35, 38, 45)]))
    desk = Image.new("RGB", (canvas_w, canvas_h), desk_colour)
    jitter = [rng.uniform(-0.06, 0.06) * min(w, h) for _ in range(8)]
    corners = [
        (margin + jitter[0], margin + jitter[1]),
        (margin + w + jitter[2], margin + jitter[3]),
        (margin + w + jitter[4], margin + h + jitter[5]),
        (margin + jitter[6], margin + h + jitter[7]),
    ]
    coefficients = _perspective(corners, [(0, 0), (w, 0), (w, h), (0, h)])
    warped = page.transform(
        (canvas_w, canvas_h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR, fillcolor=(0, 0, 0)
    )
    mask = Image.new("L", page.size, 255).transform(
        (canvas_w, canvas_h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR, fillcolor=0
    )
    desk.paste(warped, (0, 0), mask)
    angle = rng.uniform(-6, 6)
    shot = desk.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=desk_colour)
    pixels = np.asarray(shot, dtype=np.float32)
    yy, xx = np.mgrid[0:canvas_h, 0:canvas_w]
    cx, cy = rng.uniform(0, canvas_w), rng.uniform(0, canvas_h)
    distance = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / max(canvas_w, canvas_h)
    light = 1.05 - rng.uniform(0.25, 0.5) * distance
    if rng.random() < 0.4:  # a shadow across part of the page
        edge = rng.uniform(0.3, 0.7) * canvas_w
        light = light * np.where(xx < edge, rng.uniform(0.65, 0.85), 1.0)
    pixels = pixels * light[..., None]
    pixels += np.random.default_rng(rng.randint(0, 2**31)).normal(0, 4, pixels.shape)
    out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return out.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.1)))


def _perspective(target: list[tuple[float, float]], source: list[tuple[float, float]]) -> list[float]:
    """Pillow's perspective coefficients mapping output ``target`` corners to input ``source``."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.solve(
        np.array(rows, dtype=np.float64), np.array([c for p in source for c in p], dtype=np.float64)
    )
    return [float(v) for v in solution]


def jpeg(image: Image.Image, rng: random.Random, *, sideways: bool = False) -> bytes:
    """JPEG bytes; ``sideways`` stores the pixels turned with EXIF orientation 6 to turn them back."""
    out = io.BytesIO()
    if sideways:
        turned = image.rotate(90, expand=True)
        exif = Image.Exif()
        exif[0x0112] = 6
        exif[0x010F] = "PhoneCam"
        turned.save(out, format="JPEG", quality=rng.randint(70, 90), exif=exif.tobytes())
    else:
        exif = Image.Exif()
        exif[0x010F] = "PhoneCam"
        image.save(out, format="JPEG", quality=rng.randint(70, 90), exif=exif.tobytes())
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def tiff(images: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    images[0].save(out, format="TIFF", save_all=True, append_images=images[1:], compression="tiff_deflate")
    return out.getvalue()
