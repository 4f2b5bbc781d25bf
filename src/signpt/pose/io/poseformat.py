"""pose-format ``.pose`` files, read and written through the ``pose-format`` package."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.ma as ma

from signpt.errors import PoseFormatError
from signpt.pose.detect import header_mapping, pose_components
from signpt.atomic import atomic_path
from signpt.pose.io.common import make_sequence
from signpt.pose.layouts import get_layout
from signpt.pose.sequence import PoseSequence


def read_pose_file(path: Path, *, fps=None, frame_size=None) -> PoseSequence:
    """A ``.pose`` file: person 0, x and y only (z dropped); masked points are missing.

    The layout comes from the header (see :func:`signpt.pose.detect.header_mapping`); points of the layout the
    file lacks are missing. fps and frame size come from the header (width, height) when they are positive.
    """
    from pose_format import Pose

    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise PoseFormatError(f"{source}: cannot read ({e.strerror or e})") from None
    try:
        check_body_size(data)
        pose = Pose.read(data)
    except PoseFormatError as e:
        raise PoseFormatError(f"{source}: {e}") from None
    except Exception as e:  # pose-format raises struct.error, ValueError, UnicodeDecodeError ... on bad bytes
        raise PoseFormatError(f"{source}: not a readable pose-format file, truncated or corrupt "
                              f"({type(e).__name__}: {e})") from None
    body = pose.body
    arr = body.data
    if arr.ndim != 4 or arr.shape[-1] < 2:
        raise PoseFormatError(f"{source}: pose body has shape {arr.shape}, expected (frames, people, points, dims)")
    if arr.shape[1] < 1:
        raise PoseFormatError(f"{source}: the file holds no person")
    layout_name, index = header_mapping(pose.header, source=source)
    if arr.shape[2] != sum(len(c.points) for c in pose.header.components):
        raise PoseFormatError(f"{source}: body has {arr.shape[2]} points, the header {len(index)}")
    xy = np.asarray(ma.getdata(arr)[:, 0, :, :2], dtype=np.float32)
    mask = ma.getmaskarray(arr)[:, 0, :, :2].any(-1)
    conf = np.asarray(body.confidence[:, 0], dtype=np.float32)
    conf = np.where(mask, 0.0, conf)
    present = index >= 0
    safe = np.where(present, index, 0)
    kp = xy[:, safe] * present[None, :, None]
    cf = conf[:, safe] * present[None, :]
    dims = pose.header.dimensions
    meta = {"format": "pose", "pose_components": [c.name for c in pose.header.components]}
    if not present.all():
        meta["absent_points"] = int((~present).sum())
    # v0.2 stores fps as float32 (29.97 -> 29.9699993...): keep 4 decimals so that values round-trip
    file_fps = round(float(body.fps), 4)
    return make_sequence(kp, cf, layout=layout_name, file_fps=file_fps, file_size=(dims.width, dims.height),
                         fps=fps, frame_size=frame_size, source=source, meta=meta)


def check_body_size(data: bytes) -> None:
    """Raise :class:`PoseFormatError` unless the body after the header has exactly the bytes its frame count says.

    pose-format itself does not check this: for v0.1 files it derives the frame count from the bytes left, so a
    truncated file reads without error and with confidences taken from the middle of the coordinates.
    """
    from pose_format.pose_header import PoseHeader
    from pose_format.utils.reader import BufferReader, ConstStructs

    reader = BufferReader(data)
    header = PoseHeader.read(reader)
    points = sum(len(c.points) for c in header.components)
    dims = header.num_dims()
    if header.version < 0.15:  # v0.1: ushort fps, ushort frames (may have wrapped past 65535)
        _, frames = reader.unpack(ConstStructs.double_ushort)
    else:  # v0.2: float fps, uint frames
        reader.unpack(ConstStructs.float)
        frames = reader.unpack(ConstStructs.uint)
    people = reader.unpack(ConstStructs.ushort)
    per_frame = people * points * (dims + 1) * 4  # float32 coordinates, then float32 confidences
    left = reader.bytes_left()
    if per_frame == 0:
        raise PoseFormatError(f"no points or no people in the header ({people} people, {points} points)")
    if header.version < 0.15:
        # like pose-format, tolerate trailing bytes shorter than one frame (its own test file openpose.pose has 370)
        whole = (left // per_frame) % 65536 == frames
        expected = f"{frames} frames (mod 65536)"
    else:
        whole = left == frames * per_frame
        expected = f"{frames} frames = {frames * per_frame} bytes"
    if not whole:
        raise PoseFormatError(f"truncated or corrupt pose-format body: {left} bytes after the header, the header "
                              f"announces {expected} of {people} people x {points} points")


def write_pose_file(seq: PoseSequence, path: Path) -> None:
    """Write a ``.pose`` file (pose-format 0.2, one person, format XYC): MediaPipe Holistic and OpenPose
    layouts with pose-format's own component and point names, other layouts as one component named after
    the layout. Missing points are masked with confidence 0."""
    from pose_format import Pose
    from pose_format.numpy import NumPyPoseBody
    from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

    layout = get_layout(seq.layout)
    components, start = [], 0
    for cname, cpoints in pose_components(seq.layout):
        stop = start + len(cpoints)
        limbs = [(a - start, b - start) for a, b in layout.edges if start <= a < stop and start <= b < stop]
        colors = [(255, 255, 255)] * len(limbs)
        components.append(PoseHeaderComponent(cname, list(cpoints), limbs, colors, "XYC"))
        start = stop
    assert start == layout.num_points
    w, h = seq.frame_size
    header = PoseHeader(0.2, PoseHeaderDimensions(w, h, 0), components)
    missing = seq.confidence <= 0
    data = ma.masked_array(seq.keypoints[:, None].astype(np.float32),
                           mask=np.repeat(missing[:, None, :, None], 2, axis=-1))
    body = NumPyPoseBody(seq.fps, data, seq.confidence[:, None].astype(np.float32))
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        Pose(header, body).write(f)
