"""Which keypoint layout a file holds: from the point count K or from a pose-format header."""
from __future__ import annotations

import numpy as np

from signpt.errors import PoseFormatError
from signpt.pose.layouts import LAYOUTS, get_layout
from signpt.pose.layouts import holistic, openpose

LAYOUT_BY_COUNT = {
    133: "coco_wholebody_133",
    79: "k79",
    137: "openpose_137",
    543: "mediapipe_holistic_543",
    553: "mediapipe_holistic_553",
}
"""Point count -> layout, for formats that carry no layout name (.npy, pickles, MMPose JSON)."""

HOLISTIC_COMPONENTS = ("POSE_LANDMARKS", "FACE_LANDMARKS", "LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS")
IGNORED_COMPONENTS = ("POSE_WORLD_LANDMARKS",)
"""MediaPipe's metric 3-D body landmarks: not image coordinates, dropped on reading."""
OPENPOSE_COMPONENTS = tuple(name for name, _ in openpose.COMPONENTS)


def detect_layout(spec, *, source: str = "<memory>") -> str:
    """Layout name from a point count ``K`` (int) or a pose-format ``PoseHeader``.

    Counts: 133 -> coco_wholebody_133, 79 -> k79, 137 -> openpose_137, 543/553 -> mediapipe_holistic_543/553.
    Anything else raises :class:`PoseFormatError` naming `source`.
    """
    if hasattr(spec, "components"):
        return header_mapping(spec, source=source)[0]
    k = int(spec)
    try:
        return LAYOUT_BY_COUNT[k]
    except KeyError:
        known = ", ".join(f"{n} ({c})" for c, n in LAYOUT_BY_COUNT.items())
        raise PoseFormatError(f"{source}: cannot tell the keypoint layout from {k} points per frame "
                              f"(known counts: {known})") from None


def header_mapping(header, *, source: str = "<memory>") -> tuple[str, np.ndarray]:
    """(layout name, index) for a pose-format header.

    ``index[j]`` is the position, among all points of the file (components concatenated in header order), of the
    layout's point j, or -1 where the file lacks that point (it is then missing). Rules, in order:

    * MediaPipe Holistic components (``POSE_LANDMARKS``, ``FACE_LANDMARKS``, ``LEFT/RIGHT_HAND_LANDMARKS``,
      any subset, points matched by name, so reduced files such as a 128-point face work): holistic 553 if the
      face has 478 points or names a point >= 468, else 543. ``POSE_WORLD_LANDMARKS`` is ignored.
    * OpenPose components (``pose_keypoints_2d`` ...): openpose_137, points by position (counts must be 25/70/21/21).
    * One component named like a registered layout with that many points (what :func:`write_pose` writes).
    * Otherwise the total point count (see :func:`detect_layout`), components concatenated in order.
    """
    comps = [(c.name, list(c.points)) for c in header.components]
    offsets, total = {}, 0
    for name, points in comps:
        offsets[name] = total
        total += len(points)
    names = [n for n, _ in comps]
    desc = ", ".join(f"{n} ({len(p)})" for n, p in comps)

    if any(n in HOLISTIC_COMPONENTS for n in names):
        unknown = [n for n in names if n not in HOLISTIC_COMPONENTS + IGNORED_COMPONENTS]
        if unknown:
            raise PoseFormatError(f"{source}: MediaPipe Holistic file with unexpected components {unknown} ({desc})")
        face = dict(comps).get("FACE_LANDMARKS", [])
        try:
            face_max = max((int(p) for p in face), default=-1)
        except ValueError:
            raise PoseFormatError(f"{source}: FACE_LANDMARKS point names must be mesh indices, got {face[:5]}")
        face_count = 478 if (len(face) == 478 or face_max >= 468) else 468
        if face_max >= 478:
            raise PoseFormatError(f"{source}: face mesh index {face_max} out of range (478 points at most)")
        layout_name = f"mediapipe_holistic_{33 + face_count + 42}"
        comp_points = holistic.COMPONENTS_553 if face_count == 478 else holistic.COMPONENTS_543
        return layout_name, _by_name(comps, offsets, comp_points, source)

    if any(n in OPENPOSE_COMPONENTS for n in names):
        unknown = [n for n in names if n not in OPENPOSE_COMPONENTS]
        if unknown:
            raise PoseFormatError(f"{source}: OpenPose file with unexpected components {unknown} ({desc})")
        index = []
        file_points = dict(comps)
        for cname, cpoints in openpose.COMPONENTS:
            if cname in file_points:
                if len(file_points[cname]) != len(cpoints):
                    raise PoseFormatError(f"{source}: OpenPose component {cname} has {len(file_points[cname])} "
                                          f"points, expected {len(cpoints)} (only BODY_25 + face 70 + hands 21)")
                index += range(offsets[cname], offsets[cname] + len(cpoints))
            else:
                index += [-1] * len(cpoints)
        return "openpose_137", np.asarray(index, dtype=np.int64)

    if len(comps) == 1 and comps[0][0] in LAYOUTS:
        layout = get_layout(comps[0][0])
        if len(comps[0][1]) != layout.num_points:
            raise PoseFormatError(f"{source}: component {comps[0][0]} has {len(comps[0][1])} points, "
                                  f"the layout has {layout.num_points}")
        return layout.name, np.arange(layout.num_points)

    try:
        name = detect_layout(total, source=source)
    except PoseFormatError:
        raise PoseFormatError(f"{source}: unknown keypoint layout, components: {desc}") from None
    return name, np.arange(total)


def _by_name(comps, offsets, layout_components, source) -> np.ndarray:
    file_points = dict(comps)
    index = []
    for cname, cpoints in layout_components:
        if cname not in file_points:
            index += [-1] * len(cpoints)
            continue
        where = {p: i for i, p in enumerate(file_points[cname])}
        extra = set(where) - set(cpoints)
        if extra:
            raise PoseFormatError(f"{source}: component {cname} has unknown points {sorted(extra)[:5]}")
        index += [offsets[cname] + where[p] if p in where else -1 for p in cpoints]
    return np.asarray(index, dtype=np.int64)


def pose_components(layout_name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """pose-format components (name, point names) that :func:`write_pose` uses for a layout, in storage order."""
    if layout_name == "mediapipe_holistic_543":
        return holistic.COMPONENTS_543
    if layout_name == "mediapipe_holistic_553":
        return holistic.COMPONENTS_553
    if layout_name == "openpose_137":
        return openpose.COMPONENTS
    layout = get_layout(layout_name)
    return ((layout.name, layout.names),)
