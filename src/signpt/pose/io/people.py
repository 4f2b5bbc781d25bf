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


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box ``a`` (4,) with boxes ``b`` (P, 4); 0 where either is NaN or empty."""
    x0, y0 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x1, y1 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = max(a[2] - a[0], 0) * max(a[3] - a[1], 0)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a + area_b - inter
    with np.errstate(all="ignore"):
        out = np.where(union > 0, inter / union, 0.0)
    return np.nan_to_num(out, nan=0.0)


def choose_signer(boxes: np.ndarray, frame_size, min_iou: float = 0.1) -> np.ndarray:
    """(T, P, 4) boxes (NaN = no such person in that frame) -> (T,) chosen person per frame, -1 for none.

    See the module docstring for the rule. With one person per frame this is that person wherever present.
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    t_count, p_count = boxes.shape[:2]
    choice = np.full(t_count, -1, np.int64)
    if p_count == 0 or t_count == 0:
        return choice
    scores = box_scores(boxes, frame_size)
    present = scores >= 0
    if p_count == 1:
        return np.where(present[:, 0], 0, -1).astype(np.int64)
    last: list[np.ndarray] = []      # last box of each track
    members: list[dict] = []         # track -> {frame: person}
    total: list[float] = []          # track -> sum of scores
    for t in range(t_count):
        people = [p for p in range(p_count) if present[t, p]]
        if not people:
            continue
        pairs = []
        if last:
            ref = np.stack(last)
            for p in people:
                ov = iou(boxes[t, p], ref)
                pairs += [(float(ov[k]), p, k) for k in range(len(last)) if ov[k] >= min_iou]
        taken_p, taken_k = set(), set()
        for ov, p, k in sorted(pairs, key=lambda x: (-x[0], x[1], x[2])):
            if p in taken_p or k in taken_k:
                continue
            taken_p.add(p)
            taken_k.add(k)
            last[k], members[k][t] = boxes[t, p], p
            total[k] += float(scores[t, p])
        for p in people:
            if p not in taken_p:
                last.append(boxes[t, p])
                members.append({t: p})
                total.append(float(scores[t, p]))
    best = int(np.argmax(total))
    for t, p in members[best].items():
        choice[t] = p
    return choice


def gather(values: np.ndarray, choice: np.ndarray) -> np.ndarray:
    """values (T, P, ...) -> (T, ...) at the chosen person; zeros where ``choice`` is -1."""
    safe = np.clip(choice, 0, None)
    out = values[np.arange(len(choice)), safe]
    out[choice < 0] = 0
    return out
