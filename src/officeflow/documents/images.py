"""Images as pages: PNG, JPEG, TIFF (every frame), upright by their EXIF orientation, checked
for size before a pixel is decoded (a decompression bomb is refused from its header)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

from PIL import Image, ImageOps, UnidentifiedImageError

from officeflow.documents.errors import DocumentRefused, DocumentUnreadable
from officeflow.documents.limits import Limits

CAMERA_TAGS = (0x010F, 0x0110)  # Make, Model


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """The image, opened lazily, its size checked; refused when beyond the pixel limit."""
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentRefused(f"the image is too large to read ({exc})") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise DocumentUnreadable(f"not a readable image ({exc})") from None
    width, height = image.size
    if width * height > limits.max_pixels:
        raise DocumentRefused(f"the image has {width * height:,} pixels, more than the {limits.max_pixels:,} allowed")
    if width < 16 or height < 16:
        raise DocumentUnreadable(f"the image is too small to read ({width}x{height} pixels)")
    return image


def frames(data: bytes, limits: Limits) -> Iterator[tuple[Image.Image, bool]]:
    """Each frame of the image upright, RGB, with whether a camera took it (EXIF make or model)."""
    image = open_image(data, limits)
    count = getattr(image, "n_frames", 1)
    if count > limits.max_pages:
        raise DocumentRefused(f"the image has {count} frames, more than the {limits.max_pages} pages allowed")
    for index in range(count):
        try:
            image.seek(index)
            width, height = image.size
            if width * height > limits.max_pixels:
                raise DocumentRefused(f"frame {index + 1} has {width * height:,} pixels, more than allowed")
            exif = image.getexif()
            camera = any(tag in exif for tag in CAMERA_TAGS)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                frame = image.convert("RGB")
                frame.info["exif"] = exif.tobytes()
                upright = ImageOps.exif_transpose(frame)
        except DocumentRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DocumentRefused(f"the image is too large to read ({exc})") from None
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise DocumentUnreadable(f"the image is damaged ({exc})") from None
        yield upright, camera
