"""Which part of an image the figures show: its centre, at most one screen-sized square, so
that a reader compares details pixel for pixel."""

from __future__ import annotations


def centre_window(shape: tuple[int, ...], size: int) -> tuple[slice, slice]:
    """The centre crop of at most `size` × `size` of an image of `shape`."""
    height, width = shape[:2]
    crop_h, crop_w = min(size, height), min(size, width)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return slice(top, top + crop_h), slice(left, left + crop_w)
