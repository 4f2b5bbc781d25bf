"""Drawing pose sequences for people to look at: animated ``.gif`` / ``.mp4`` or a ``.png`` grid of frames.

Each part of the layout gets its own colour (body, face, mouth, left hand, right hand); missing points and any
edge touching one are not drawn. Image coordinates: x to the right, y downwards, as in the source video. The
view is the box of all present points of the sequence (the whole frame if none is present), with a 5 % margin. Drawn with Pillow; ``.mp4`` is encoded with PyAV
(installed with pose-format), H.264 when available.
"""
from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from signpt.errors import PoseFormatError
from signpt.pose.layouts import get_layout
from signpt.pose.sequence import PoseSequence

PART_COLOURS = {
    "left_hand": (46, 160, 67),
    "right_hand": (52, 101, 214),
    "mouth": (214, 39, 40),
    "nose": (230, 120, 20),
    "face_contour": (230, 120, 20),
    "face": (230, 120, 20),
    "feet": (110, 110, 110),
    "body": (90, 90, 90),
}
"""Part -> RGB; earlier parts win where parts overlap (a lip point is drawn as mouth, not face)."""
OTHER_COLOUR = (150, 150, 150)
BACKGROUND = (255, 255, 255)


def point_colours(layout_name: str) -> np.ndarray:
    """(K, 3) uint8 colour of each point of a layout (parts not in :data:`PART_COLOURS` are grey)."""
    layout = get_layout(layout_name)
    colours = np.tile(np.asarray(OTHER_COLOUR, np.uint8), (layout.num_points, 1))
    assigned = np.zeros(layout.num_points, bool)
    for part, rgb in PART_COLOURS.items():
        idx = [i for i in layout.parts.get(part, ()) if not assigned[i]]
        colours[idx] = rgb
        assigned[idx] = True
    return colours


def _edge_colour(a: int, b: int, colours: np.ndarray, layout) -> tuple:
    """Colour of the end that lies in a hand (the wrist-to-hand link is drawn as hand), else of end a."""
    for part in ("left_hand", "right_hand"):
        if b in layout.parts.get(part, ()):
            return tuple(int(c) for c in colours[b])
    return tuple(int(c) for c in colours[a])


def render_frames(seq: PoseSequence, *, max_frames: int | None = None, size: int = 480) -> list[Image.Image]:
    """One RGB image per frame (the first `max_frames`), longest side `size` pixels."""
    layout = get_layout(seq.layout)
    kp, conf = seq.keypoints, seq.confidence
    if max_frames is not None:
        kp, conf = kp[:max_frames], conf[:max_frames]
    present = conf > 0
    w, h = seq.frame_size
    lo = np.asarray([0.0, 0.0])
    hi = np.asarray([float(w), float(h)])
    if present.any():
        pts = kp[present]
        lo, hi = pts.min(0).astype(np.float64), pts.max(0).astype(np.float64)
        hi = np.maximum(hi, lo + 1.0)
    pad = 0.05 * (hi - lo).max()
    lo, hi = lo - pad, hi + pad
    scale = size / (hi - lo).max()
    cw, ch = (int(math.ceil(v * scale / 2) * 2) for v in (hi - lo))  # even sides for video encoders
    colours = point_colours(seq.layout)
    edges = [(a, b, _edge_colour(a, b, colours, layout)) for a, b in layout.edges]
    radius = max(1.0, size / 240)
    line = max(1, round(size / 240))
    images = []
    for t in range(kp.shape[0]):
        img = Image.new("RGB", (cw, ch), BACKGROUND)
        draw = ImageDraw.Draw(img)
        xy = (kp[t] - lo) * scale
        p = present[t]
        for a, b, rgb in edges:
            if p[a] and p[b]:
                draw.line([tuple(xy[a]), tuple(xy[b])], fill=rgb, width=line)
        for i in np.flatnonzero(p):
            x, y = xy[i]
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=tuple(int(c) for c in colours[i]))
        images.append(img)
    return images


def render(seq: PoseSequence, out_path: str | os.PathLike, *, fps: float | None = None,
           max_frames: int | None = None, size: int = 480, grid_frames: int = 8) -> Path:
    """Write `seq` as ``.gif`` or ``.mp4`` (animated at `fps`, default the sequence's) or ``.png`` (a grid of
    `grid_frames` evenly spaced frames, 4 per row). Returns the path."""
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".mp4", ".png"):
        raise PoseFormatError(f"{out}: can render to .gif, .mp4 or .png, not {suffix!r}")
    fps = float(fps or seq.fps)
    out.parent.mkdir(parents=True, exist_ok=True)
    from signpt.atomic import atomic_path

    if suffix == ".png":
        n = seq.num_frames if max_frames is None else min(max_frames, seq.num_frames)
        picks = np.unique(np.linspace(0, n - 1, min(grid_frames, n)).round().astype(int))
        frames = render_frames(seq, max_frames=n, size=size // 2 if len(picks) > 1 else size)
        tiles = [frames[i] for i in picks]
        for i, tile in zip(picks, tiles):
            ImageDraw.Draw(tile).text((4, 4), f"frame {i}", fill=(0, 0, 0))
        cols = min(4, len(tiles))
        rows = math.ceil(len(tiles) / cols)
        tw, th = tiles[0].size
        grid = Image.new("RGB", (cols * tw, rows * th), BACKGROUND)
        for j, tile in enumerate(tiles):
            grid.paste(tile, ((j % cols) * tw, (j // cols) * th))
        with atomic_path(out) as tmp:
            grid.save(tmp, format="PNG")
        return out

    frames = render_frames(seq, max_frames=max_frames, size=size)
    if suffix == ".gif":
        with atomic_path(out) as tmp:
            frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                           duration=max(20, round(1000 / fps)), loop=0)
        return out
    with atomic_path(out) as tmp:
        _write_mp4(frames, tmp, fps)
    return out


def _write_mp4(frames: list[Image.Image], path: Path, fps: float) -> None:
    import av

    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = frames[0].size
        stream.pix_fmt = "yuv420p"
        for img in frames:
            for packet in stream.encode(av.VideoFrame.from_image(img)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
