"""MediaPipe keypoints as sign-recognition projects store them: one flat vector per frame.

Thousands of public projects (the popular "action detection" tutorial and its descendants) save MediaPipe
Holistic results with ``np.save`` as one flat float vector per frame, concatenating blocks in this order::

    pose   33 x (x, y, z, visibility)   132 values
    face  468 x (x, y, z)              1404 values
    left   21 x (x, y, z)                63 values      (MediaPipe's "left_hand_landmarks")
    right  21 x (x, y, z)                63 values

and write a zero block for a part that was not detected. The dimension D tells which blocks a file holds
(:data:`DEFAULT_BLOCKS`): 1662 = pose | face | left | right, 258 = pose | left | right (no face),
170 = pose11 | left | right (pose points 0, 11-16, 23-26 only), 126 = left | right, 63 = one hand.
Other block orders (e.g. ``pose|right|left``) are declared with ``blocks`` (:func:`parse_blocks`).

Reading: x, y are fractions of the image, multiplied by the frame size to give pixels; z is dropped. A block
that is all zero in a frame is missing there (confidence 0). The body's confidence is MediaPipe's visibility;
a present face or hand point has confidence 1. NaN or inf values are not something MediaPipe writes: they
make the file an error. The result is a ``mediapipe_holistic_543`` :class:`PoseSequence` (absent blocks
missing), which :func:`signpt.pose.to_k79` maps to the paper's 79 points like any MediaPipe input.

Frame size: these files do not record it. Unless told (``frame_size``), :data:`ASSUMED_FRAME_SIZE` =
640 x 480 is assumed, the capture size of OpenCV's ``VideoCapture(0)`` that the tutorial uses, and the sequence's
``meta["frame_size_assumed"]`` is True. Only the aspect ratio matters downstream: body and face are divided by
the frame size again at normalisation (so they come back as the stored fractions), while each hand is
normalised in a square box in pixels, whose shape depends on the width : height ratio
(``benchmarks/mp_vectors.py`` estimates that ratio per collection from hand anatomy).

One hand of unknown side (D = 63): put in the right-hand slot by default (``one_hand="right"``), the hand that
is present in more frames in 60 of the 77 crowd collections that store both hands (``benchmarks/mp_vectors.py``).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from signpt.errors import PoseFormatError
from signpt.pose.io.common import make_sequence
from signpt.pose.layouts.holistic import FACE0, MEDIAPIPE_HOLISTIC_543
from signpt.pose.sequence import PoseSequence

ASSUMED_FRAME_SIZE = (640, 480)
"""(width, height) assumed for x, y fractions of an unrecorded frame: OpenCV's default webcam capture."""

POSE11 = (0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26)
"""The MediaPipe pose landmarks of the 170-value layout (nose, shoulders, elbows, wrists, hips, knees)."""

LHAND0 = FACE0 + 468
RHAND0 = LHAND0 + 21

BLOCKS: dict[str, tuple[int, int, tuple[int, ...]]] = {
    # name: (points, values per point, target points in mediapipe_holistic_543)
    "pose": (33, 4, tuple(range(33))),
    "pose11": (11, 4, POSE11),
    "face": (468, 3, tuple(range(FACE0, FACE0 + 468))),
    "left": (21, 3, tuple(range(LHAND0, LHAND0 + 21))),
    "right": (21, 3, tuple(range(RHAND0, RHAND0 + 21))),
    "hand": (21, 3, ()),  # one hand of unknown side: its slot is `one_hand`
}
"""Block name -> (points, values per point, target indices in the 543-point Holistic layout)."""

ALIASES = {"l": "left", "lh": "left", "left_hand": "left", "r": "right", "rh": "right", "right_hand": "right",
           "body": "pose", "pose33": "pose", "one_hand": "hand"}

DEFAULT_BLOCKS: dict[int, tuple[str, ...]] = {
    1662: ("pose", "face", "left", "right"),
    258: ("pose", "left", "right"),
    170: ("pose11", "left", "right"),
    126: ("left", "right"),
    63: ("hand",),
}
"""Vector dimension -> the block order the tutorial and its descendants write."""

ONE_HAND = ("right", "left")


def block_dim(blocks) -> int:
    """Values per frame of a block order."""
    return sum(BLOCKS[b][0] * BLOCKS[b][1] for b in blocks)


def parse_blocks(spec) -> tuple[str, ...]:
    """``"pose|R|L"``, ``"pose, right, left"`` or a list of names -> a validated tuple of block names.

    Names: pose, pose11, face, left (L, lh), right (R, rh), hand (one hand of unknown side); each at most once."""
    if isinstance(spec, str):
        parts = [p for p in re.split(r"[|,\s]+", spec.strip()) if p]
    else:
        parts = [str(p) for p in spec]
    names = []
    for p in parts:
        name = ALIASES.get(p.lower(), p.lower())
        if name not in BLOCKS:
            raise PoseFormatError(f"unknown MediaPipe block {p!r} in {spec!r} (known: {', '.join(BLOCKS)}; "
                                  f"aliases {', '.join(sorted(ALIASES))})")
        names.append(name)
    if not names:
        raise PoseFormatError(f"empty MediaPipe block order {spec!r}")
    if len(set(names)) != len(names):
        raise PoseFormatError(f"MediaPipe block order {spec!r} names a block twice")
    if "hand" in names and ({"left", "right"} & set(names)):
        raise PoseFormatError(f"MediaPipe block order {spec!r}: 'hand' (side unknown) cannot go with left/right")
    if {"pose", "pose11"} <= set(names):
        raise PoseFormatError(f"MediaPipe block order {spec!r}: 'pose' and 'pose11' exclude each other")
    return tuple(names)


def resolve_blocks(dim: int, blocks=None, *, source: str = "<memory>") -> tuple[str, ...]:
    """The block order for vectors of `dim` values: `blocks` (a spec, or a {dim: spec} mapping, where dims
    without an entry keep their default) checked against `dim`, else :data:`DEFAULT_BLOCKS`."""
    if isinstance(blocks, dict):
        blocks = blocks.get(dim, blocks.get(str(dim)))
    if blocks is None:
        try:
            return DEFAULT_BLOCKS[dim]
        except KeyError:
            known = ", ".join(f"{d} ({'|'.join(b)})" for d, b in DEFAULT_BLOCKS.items())
            raise PoseFormatError(f"{source}: {dim} values per frame is not a known MediaPipe vector layout "
                                  f"(known: {known})") from None
    order = parse_blocks(blocks)
    if block_dim(order) != dim:
        raise PoseFormatError(f"{source}: block order {'|'.join(order)} has {block_dim(order)} values per frame, "
                              f"the data has {dim}")
    return order


def vectors_to_sequence(vectors, *, blocks=None, one_hand: str = "right", frame_size=None, fps=None,
                        source: str = "<memory>", meta: dict | None = None) -> PoseSequence:
    """(T, D) flat MediaPipe vectors -> a ``mediapipe_holistic_543`` :class:`PoseSequence` (see the module)."""
    arr = np.asarray(vectors)
    if arr.ndim != 2:
        raise PoseFormatError(f"{source}: expected (frames, values) MediaPipe vectors, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise PoseFormatError(f"{source}: empty sequence (0 frames)")
    if not np.issubdtype(arr.dtype, np.number):
        raise PoseFormatError(f"{source}: expected numbers, got dtype {arr.dtype}")
    if one_hand not in ONE_HAND:
        raise PoseFormatError(f"{source}: one_hand must be one of {ONE_HAND}, got {one_hand!r}")
    order = resolve_blocks(arr.shape[1], blocks, source=source)
    arr = arr.astype(np.float32)
    bad = ~np.isfinite(arr)
    if bad.any():
        t, d = (int(v[0]) for v in np.nonzero(bad))
        raise PoseFormatError(f"{source}: holds {int(bad.sum())} NaN/inf value(s) (first at frame {t}, value {d}); "
                              f"MediaPipe vectors mark a missing part with zeros, so the file is corrupt")
    size = tuple(frame_size) if frame_size not in (None, "infer") else ASSUMED_FRAME_SIZE
    w, h = (float(v) for v in size)
    frames = arr.shape[0]
    kp = np.zeros((frames, MEDIAPIPE_HOLISTIC_543.num_points, 2), np.float32)
    conf = np.zeros((frames, MEDIAPIPE_HOLISTIC_543.num_points), np.float32)
    offset = 0
    for name in order:
        points, width, target = BLOCKS[name]
        block = arr[:, offset: offset + points * width].reshape(frames, points, width)
        offset += points * width
        if name == "hand":
            target = BLOCKS[one_hand][2]
        present = np.any(block != 0, axis=(1, 2))                    # (T,) an all-zero block is missing
        idx = np.asarray(target)
        kp[:, idx, 0] = block[:, :, 0] * w
        kp[:, idx, 1] = block[:, :, 1] * h
        c = block[:, :, 3] if width == 4 else np.ones((frames, points), np.float32)
        conf[:, idx] = np.clip(c, 0.0, 1.0) * present[:, None]
    info = {"format": "mediapipe_vectors", "blocks": "|".join(order), **(meta or {})}
    if "hand" in order:
        info["one_hand"] = one_hand
    if frame_size in (None, "infer"):
        info["frame_size_assumed"] = True
    return make_sequence(kp, conf, layout=MEDIAPIPE_HOLISTIC_543.name, file_size=size, fps=fps,
                         source=source, meta=info)


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except OSError as e:
        raise PoseFormatError(f"{path}: cannot read ({e})") from None
    except (ValueError, EOFError) as e:
        raise PoseFormatError(f"{path}: not a readable .npy array, truncated or corrupt ({e})") from None


def read_vector_file(path: Path, **kw) -> PoseSequence:
    """One ``.npy`` holding a whole sequence, shape (T, D)."""
    return vectors_to_sequence(_load_npy(path), source=str(path), **kw)


_FRAME = re.compile(r"^(\d+)\.npy$")


def frame_files(folder: Path) -> list[Path]:
    """The per-frame files ``<n>.npy`` of a sequence folder in numeric order (0, 1, ..., 10, not 0, 1, 10).
    Raises when there are none, or when other ``.npy`` files sit beside them."""
    numbered, other = [], []
    for p in folder.iterdir():
        m = _FRAME.match(p.name)
        if m and p.is_file():
            numbered.append((int(m.group(1)), p))
        elif p.suffix.lower() == ".npy":
            other.append(p.name)
    if not numbered:
        raise PoseFormatError(f"{folder}: no per-frame files named <number>.npy")
    if other:
        raise PoseFormatError(f"{folder}: .npy files not named by a frame number: {sorted(other)[:3]}")
    return [p for _, p in sorted(numbered)]


def read_frame_folder(folder: Path, **kw) -> PoseSequence:
    """A sequence folder of per-frame vectors ``0.npy, 1.npy, ...`` (each shape (D,)), stacked in numeric order.
    A gap in the numbering is kept as a gap (the frames are simply stacked) and counted in ``meta["missing_frames"]``."""
    files = frame_files(folder)
    rows = []
    for f in files:
        v = _load_npy(f)
        if v.ndim != 1:
            raise PoseFormatError(f"{f}: a per-frame file must hold one vector (D,), got shape {v.shape}")
        if rows and v.shape != rows[0].shape:
            raise PoseFormatError(f"{f}: {v.shape[0]} values, but {files[0].name} has {rows[0].shape[0]}")
        rows.append(v)
    numbers = [int(f.stem) for f in files]
    gaps = numbers[-1] - numbers[0] + 1 - len(numbers)
    meta = {"frames_from": "per-frame files"} | ({"missing_frames": gaps} if gaps else {})
    return vectors_to_sequence(np.stack(rows), source=str(folder), meta=meta, **kw)


def npy_kind(path: Path) -> str:
    """What an ``.npy`` holds, from its header only: "frame" (1-D), "vectors" (2-D) or "points" (3-D)."""
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise PoseFormatError(f"{path}: not a readable .npy array, truncated or corrupt ({e})") from None
    return {1: "frame", 2: "vectors", 3: "points"}.get(arr.ndim, f"{arr.ndim}-d")


def is_frame_folder(folder: Path) -> bool:
    """True when `folder` holds per-frame files ``<n>.npy`` (1-D vectors)."""
    for p in folder.iterdir():
        if _FRAME.match(p.name) and p.is_file():
            try:
                return npy_kind(p) == "frame"
            except PoseFormatError:
                return True  # a frame folder with a corrupt file: reading it names the file
    return False
