"""Which person is the signer, in files that hold several people per frame.

Pose estimators list the people of each frame in no stable order (detection order), so "person 0 of every
frame" jumps between the signer and whoever else is in view (an interpreter inset, a presenter, a passer-by).
:func:`choose_signer` picks the same person in every frame:

1. Each person's box is the file's box when it has one (MMPose ``bbox``), else the box of their points with
   confidence >= ``min_conf``. Score = box area / frame area x (1 - distance of the box centre from the frame
   centre / half the frame diagonal): large and central scores high.
2. People are linked into tracks frame by frame: a person joins the track whose last box overlaps theirs most
   (IoU >= ``min_iou``, greedily, best overlaps first, one person per track and frame; a track survives frames
   in which it is not seen); a person overlapping no track starts a new one.
3. The signer is the track with the highest sum of scores over the file: the person whose box stays largest
   and most central. Frames where that track has no person give -1 (the points are missing there, rather
   than taken from someone else).
"""
from __future__ import annotations

import warnings

import numpy as np


def boxes_from_points(keypoints: np.ndarray, confidence: np.ndarray, min_conf: float = 0.3) -> np.ndarray:
    """(T, P, K, 2) points and (T, P, K) confidences -> (T, P, 4) boxes ``x0, y0, x1, y1``; NaN for a person
    with fewer than two points of confidence >= ``min_conf`` (then any point with confidence > 0 counts)."""
    ok = confidence >= min_conf
    few = ok.sum(-1) < 2
    ok = np.where(few[..., None], confidence > 0, ok)
    ok &= np.isfinite(keypoints).all(-1)
    x = np.where(ok, keypoints[..., 0], np.nan)
    y = np.where(ok, keypoints[..., 1], np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: people without points
        boxes = np.stack([np.nanmin(x, -1), np.nanmin(y, -1), np.nanmax(x, -1), np.nanmax(y, -1)], -1)
    boxes[ok.sum(-1) < 2] = np.nan
    return boxes.astype(np.float64)


def box_scores(boxes: np.ndarray, frame_size) -> np.ndarray:
    """(..., 4) boxes -> size x centrality scores in [0, 1] (NaN boxes score -1)."""
    w, h = (float(v) for v in frame_size)
    area = np.clip(boxes[..., 2] - boxes[..., 0], 0, None) * np.clip(boxes[..., 3] - boxes[..., 1], 0, None)
    cx, cy = (boxes[..., 0] + boxes[..., 2]) / 2, (boxes[..., 1] + boxes[..., 3]) / 2
    dist = np.hypot(cx - w / 2, cy - h / 2) / (np.hypot(w, h) / 2)
    score = np.minimum(area / (w * h), 1.0) * np.clip(1.0 - dist, 0.0, 1.0)
    return np.where(np.isnan(boxes).any(-1), -1.0, score)


def choose_signer(boxes: np.ndarray, frame_size, min_iou: float = 0.1) -> np.ndarray:
    """(T, P, 4) boxes (NaN = no such person in that frame) -> (T,) chosen person per frame, -1 for none.

    See the module docstring for the rule. A file with one person slot (P = 1: the writer kept one person a
    frame) is taken as it is wherever present, as is a single track of at most one person a frame.
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    t_count, p_count = boxes.shape[:2]
    choice = np.full(t_count, -1, np.int64)
    if p_count == 0 or t_count == 0:
        return choice
    scores = box_scores(boxes, frame_size)
    present = scores >= 0
    if p_count == 1 or present.sum(1).max() <= 1 and _one_track(boxes, present, min_iou):
        return np.where(present.any(1), np.argmax(present, 1), -1).astype(np.int64)
    # plain Python floats: a few people a frame, many frames (numpy's per-call cost would dominate)
    blist, slist, plist = boxes.tolist(), scores.tolist(), present.tolist()
    last: list[list[float]] = []        # last box of each track
    members: list[dict] = []            # track -> {frame: person}
    total: list[float] = []             # track -> sum of scores
    for t in range(t_count):
        people = [p for p in range(p_count) if plist[t][p]]
        if not people:
            continue
        pairs = [(_iou(blist[t][p], box), p, k) for p in people for k, box in enumerate(last)]
        pairs = sorted((x for x in pairs if x[0] >= min_iou), key=lambda x: (-x[0], x[1], x[2]))
        taken_p, taken_k = set(), set()
        for _, p, k in pairs:
            if p in taken_p or k in taken_k:
                continue
            taken_p.add(p)
            taken_k.add(k)
            last[k], members[k][t] = blist[t][p], p
            total[k] += slist[t][p]
        for p in people:
            if p not in taken_p:
                last.append(blist[t][p])
                members.append({t: p})
                total.append(slist[t][p])
    best = max(range(len(total)), key=lambda k: (total[k], -k))
    for t, p in members[best].items():
        choice[t] = p
    return choice


def _iou(a: list[float], b: list[float]) -> float:
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = max(a[2] - a[0], 0) * max(a[3] - a[1], 0) + max(b[2] - b[0], 0) * max(b[3] - b[1], 0) - inter
    return inter / union if union > 0 else 0.0


def _one_track(boxes: np.ndarray, present: np.ndarray, min_iou: float) -> bool:
    """True when every frame has at most one person and consecutive detections overlap (a single track)."""
    idx = np.flatnonzero(present.any(1))
    if idx.size < 2:
        return True
    seq = boxes[idx, np.argmax(present[idx], 1)]
    a, b = seq[:-1], seq[1:]
    x0, y0 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x1, y1 = np.minimum(a[:, 2], b[:, 2]), np.minimum(a[:, 3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = ((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter)
    with np.errstate(all="ignore"):
        return bool((np.where(union > 0, inter / union, 0.0) >= min_iou).all())


def gather(values: np.ndarray, choice: np.ndarray) -> np.ndarray:
    """values (T, P, ...) -> (T, ...) at the chosen person; zeros where ``choice`` is -1."""
    safe = np.clip(choice, 0, None)
    out = values[np.arange(len(choice)), safe]
    out[choice < 0] = 0
    return out
