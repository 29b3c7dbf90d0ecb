"""Receipt images for the demo, drawn with Pillow (no data set to download)."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image, ImageDraw, ImageFont


def receipt_png(merchant: str, lines: list[tuple[str, float]], spent_on: date, number: str) -> bytes:
    """A till receipt: merchant, date, items with prices, total, VAT line."""
    width = 420
    height = 260 + 28 * len(lines)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSansMono.ttf", 16)
        big = ImageFont.truetype("DejaVuSansMono-Bold.ttf", 22)
    except OSError:
        font = big = ImageFont.load_default()
    y = 20
    draw.text((width // 2, y), merchant.upper(), font=big, fill="black", anchor="mt")
    y += 40
    draw.text((20, y), f"Date: {spent_on.isoformat()}", font=font, fill="black")
    draw.text((width - 20, y), f"No. {number}", font=font, fill="black", anchor="rt")
    y += 34
    draw.line((20, y, width - 20, y), fill="black", width=1)
    y += 12
    total = 0.0
    for item, price in lines:
        draw.text((20, y), item[:28], font=font, fill="black")
        draw.text((width - 20, y), f"{price:8.2f}", font=font, fill="black", anchor="rt")
        total += price
        y += 28
    draw.line((20, y + 4, width - 20, y + 4), fill="black", width=1)
    y += 16
    draw.text((20, y), "TOTAL EUR", font=big, fill="black")
    draw.text((width - 20, y), f"{total:.2f}", font=big, fill="black", anchor="rt")
    y += 40
    draw.text((20, y), f"incl. VAT 20%  {total / 6:.2f}", font=font, fill="black")
    draw.text((width // 2, height - 30), "Thank you!", font=font, fill="black", anchor="mt")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
