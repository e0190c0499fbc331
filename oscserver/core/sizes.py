"""Frame sizes as performers write them: ``1280x720``, ``720p``, ``1080p``, ``square``,
``portrait``, or one number for a square. Every way a size can be wrong is one line."""

from __future__ import annotations

PRESETS = {
    "720p": (1280, 720),
    "1080p": (1920, 1080),
    "square": (1080, 1080),
    "portrait": (1080, 1920),
}
MAX_SIZE = (7680, 4320)
"""8K UHD: the largest output (either way round)."""
MIN_SIDE = 8
RENDER_SCALES = (0.25, 1.0)
"""The render scales a generator can draw at (``--render-scale``)."""


class SizeError(ValueError):
    """A size that is not one; the message names what was given and what is accepted."""


def parse_size(text: str, flag: str = "--size") -> tuple[int, int]:
    """(width, height) of ``text``; :class:`SizeError` in one line for anything else."""
    cleaned = text.strip().lower()
    if cleaned in PRESETS:
        return PRESETS[cleaned]
    width, sep, height = cleaned.partition("x")
    try:
        size = (int(width), int(height if sep else width))
    except ValueError:
        raise SizeError(
            f"{flag} {text!r}: expected WIDTHxHEIGHT (1280x720), one number (512) or "
            f"{', '.join(PRESETS)}"
        ) from None
    if min(size) < MIN_SIDE:
        raise SizeError(f"{flag} {text!r}: width and height must be at least {MIN_SIDE}")
    if max(size) > max(MAX_SIZE) or min(size) > min(MAX_SIZE):
        raise SizeError(f"{flag} {text!r}: at most {MAX_SIZE[0]}x{MAX_SIZE[1]} (either way round)")
    return size


def check_even(size: tuple[int, int], why: str, flag: str = "--size") -> None:
    """Video encoders need even sizes (4:2:0 chroma): :class:`SizeError` naming ``why``."""
    if size[0] % 2 or size[1] % 2:
        raise SizeError(f"{flag} {size[0]}x{size[1]}: {why} needs an even width and height")


def scaled(size: tuple[int, int], factor: float) -> tuple[int, int]:
    """``size`` times ``factor``, each side rounded to an even number of at least 8."""
    width, height = (max(MIN_SIDE, 2 * round(side * factor / 2)) for side in size)
    return width, height


def check_render_scale(value: object, flag: str = "--render-scale") -> float:
    """``value`` as a render scale; :class:`SizeError` in one line if it is none."""
    try:
        scale = float(str(value))
    except ValueError:
        scale = float("nan")
    if not RENDER_SCALES[0] <= scale <= RENDER_SCALES[1]:
        low, high = RENDER_SCALES
        raise SizeError(f"{flag} {value}: a number from {low:g} to {high:g}")
    return scale
