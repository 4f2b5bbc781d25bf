"""MMPose / RTMPose outputs: the per-video pickle of the public pose-based codebases and MMPose JSON predictions."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from signpt.errors import PoseFormatError
from signpt.atomic import atomic_path
from signpt.pose.io.common import make_sequence
from signpt.pose.io.people import boxes_from_points, choose_signer, gather
from signpt.pose.sequence import PoseSequence


# ---- pickle ---------------------------------------------------------------------------------------------------
NORMALISED_MAX = 1.5
"""Coordinates whose present points all lie within [-NORMALISED_MAX, NORMALISED_MAX] are taken as divided by
the frame size (W, H), not pixels (no real video is 2 pixels wide)."""


def read_pickle(path: Path, *, trusted: bool, fps=None, frame_size=None) -> PoseSequence:
    """A per-video pose pickle; the signer is chosen among several people (:mod:`signpt.pose.io.people`).

    Two families are read:

    * MMPose/RTMPose and Uni-Sign: ``{'keypoints': T x (P, K, 2), 'scores': T x (P, K)}`` as lists of per-frame
      arrays, nested Python lists, or arrays (T, P, K, 2) and (T, P, K), with or without the people axis; the
      number of people may change from frame to frame. Uni-Sign's writer stores each frame divided by (W, H)
      and no size (pass ``frame_size``); other copies store pixels with ``'w_h': [W, H]`` (e.g. Uni-Sign-LIS).
      Coordinates within [-1.5, 1.5] are taken as divided by (W, H) and multiplied back by the file's
      ``w_h`` or the ``frame_size`` argument. Optional keys ``fps``, ``frame_size``, ``layout`` (signpt's writer).
    * OpenHands: ``{'keypoints': (T, 75, 3), 'confidences': (T, 75)}``, MediaPipe Holistic without the face
      (33 body + 21 left hand + 21 right hand; x, y divided by (W, H), z dropped), layout
      ``mediapipe_holistic_75``; needs ``frame_size``.

    Unpickling runs code chosen by whoever wrote the file, so it needs ``trusted=True``.
    """
    source = str(path)
    if not trusted:
        raise PoseFormatError(f"{source}: refusing to unpickle: a pickle can run arbitrary code when loaded; "
                              f"read it only if you trust its source (trusted=True, CLI: --trusted)")
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f)
    except OSError as e:
        raise PoseFormatError(f"{source}: cannot read ({e.strerror or e})") from None
    except Exception as e:
        raise PoseFormatError(f"{source}: not a readable pickle, truncated or corrupt ({type(e).__name__}: {e})") \
            from None
    if isinstance(obj, dict) and "keypoints" in obj and "confidences" in obj and "scores" not in obj:
        return _openhands(obj, source, fps, frame_size)
    if not isinstance(obj, dict) or "keypoints" not in obj or "scores" not in obj:
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise PoseFormatError(f"{source}: expected a dict with 'keypoints' and 'scores' (MMPose, Uni-Sign) or "
                              f"'keypoints' and 'confidences' (OpenHands), got {got}")
    kp, sc = _people_arrays(obj["keypoints"], obj["scores"], source)
    file_size = obj.get("w_h", obj.get("frame_size"))
    normalised = _looks_normalised(kp, sc)
    if normalised:
        size = _size(file_size) or (None if isinstance(frame_size, str) else _size(frame_size))
        if size is None:
            raise PoseFormatError(f"{source}: coordinates are divided by the frame size (W, H), as Uni-Sign's writer "
                                  f"stores them, and the file has no 'w_h': pass frame_size=(width, height) "
                                  f"(CLI: --frame-size W H; recipe: frame_size)")
        kp = kp * np.asarray(size, np.float32)
    choice = choose_signer(boxes_from_points(kp, sc), _size(file_size) or _size(frame_size) or _extent(kp, sc))
    return make_sequence(gather(kp, choice), gather(sc, choice), layout=obj.get("layout"), file_fps=obj.get("fps"),
                         file_size=file_size, fps=fps, frame_size=frame_size, source=source,
                         meta={"format": "pkl", "people": int(kp.shape[1]), "divided_by_frame_size": normalised})


def _size(value) -> tuple[float, float] | None:
    if value is None or isinstance(value, str):
        return None
    try:
        w, h = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return (w, h) if w > 0 and h > 0 else None


def _extent(kp: np.ndarray, sc: np.ndarray) -> tuple[float, float]:
    present = (sc > 0) & np.isfinite(kp).all(-1)
    if not present.any():
        return (1.0, 1.0)
    pts = kp[present]
    return (max(float(pts[:, 0].max()), 1.0), max(float(pts[:, 1].max()), 1.0))


def _looks_normalised(kp: np.ndarray, sc: np.ndarray) -> bool:
    present = (sc > 0) & np.isfinite(kp).all(-1)
    return bool(present.any()) and float(np.abs(kp[present]).max()) <= NORMALISED_MAX


def _people_arrays(keypoints, scores, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame keypoints and scores -> (T, P, K, 2) and (T, P, K), P = most people in a frame; absent people
    have score 0."""
    try:
        kfr = [np.asarray(v, dtype=np.float32) for v in keypoints]
        sfr = [np.asarray(v, dtype=np.float32) for v in scores]
    except (TypeError, ValueError) as e:
        raise PoseFormatError(f"{source}: 'keypoints' and 'scores' must be per-frame arrays or lists ({e})") from None
    if len(kfr) != len(sfr):
        raise PoseFormatError(f"{source}: {len(kfr)} frames of keypoints but {len(sfr)} of scores")
    if not kfr:
        raise PoseFormatError(f"{source}: no frames in the file")
    kfr = [k[None] if k.ndim == 2 else k for k in kfr]
    sfr = [s[None] if s.ndim == 1 else s for s in sfr]
    ks = {k.shape[1] for k in kfr if k.ndim == 3 and k.shape[0]}
    if any(k.ndim != 3 or k.shape[-1] < 2 for k in kfr if k.size) or len(ks) > 1:
        shapes = sorted({k.shape for k in kfr}, key=str)[:3]
        raise PoseFormatError(f"{source}: 'keypoints' frames must be (P, K, 2) arrays with one K, got shapes {shapes}")
    if not ks:
        raise PoseFormatError(f"{source}: no person in the file")
    k = ks.pop()
    p = max(x.shape[0] for x in kfr if x.ndim == 3)
    kp = np.zeros((len(kfr), p, k, 2), np.float32)
    sc = np.zeros((len(kfr), p, k), np.float32)
    for t, (a, b) in enumerate(zip(kfr, sfr)):
        if a.size == 0:
            continue
        if b.shape != a.shape[:2]:
            raise PoseFormatError(f"{source}: frame {t}: keypoints {a.shape} and scores {b.shape} disagree "
                                  f"(expected (P, K, 2) and (P, K))")
        kp[t, : a.shape[0]] = a[..., :2]
        sc[t, : a.shape[0]] = b
    return kp, sc


def _openhands(obj: dict, source: str, fps, frame_size) -> PoseSequence:
    try:
        kp = np.asarray(obj["keypoints"], dtype=np.float32)
        conf = np.asarray(obj["confidences"], dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise PoseFormatError(f"{source}: OpenHands 'keypoints'/'confidences' are not numeric arrays ({e})") from None
    if kp.ndim != 3 or kp.shape[1:] not in ((75, 3), (75, 2)) or conf.shape != kp.shape[:2]:
        raise PoseFormatError(f"{source}: OpenHands pose pickle must hold keypoints (T, 75, 3) and confidences "
                              f"(T, 75), got {kp.shape} and {conf.shape}")
    size = None if isinstance(frame_size, str) else _size(frame_size)
    if size is None:
        raise PoseFormatError(f"{source}: OpenHands stores MediaPipe coordinates divided by the frame size and not "
                              f"the size itself: pass frame_size=(width, height) (CLI: --frame-size W H; recipe: "
                              f"frame_size)")
    xy = kp[..., :2] * np.asarray(size, np.float32)
    conf = np.where((kp[..., :2] == 0).all(-1), 0.0, conf)  # OpenHands writes undetected points as zeros
    return make_sequence(xy, conf, layout="mediapipe_holistic_75", fps=fps, frame_size=size, source=source,
                         meta={"format": "openhands_pkl"})


def write_pickle(seq: PoseSequence, path: Path) -> None:
    """The per-video pickle: ``keypoints`` (T, 1, K, 2) float32, ``scores`` (T, 1, K) float32, plus ``fps``,
    ``frame_size`` and ``layout`` (extra keys the public codebases ignore)."""
    obj = {"keypoints": seq.keypoints[:, None].copy(), "scores": seq.confidence[:, None].copy(),
           "fps": seq.fps, "frame_size": tuple(seq.frame_size), "layout": seq.layout}
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        pickle.dump(obj, f, protocol=4)


# ---- JSON -----------------------------------------------------------------------------------------------------
MAX_FRAME_GAP = 100_000
"""A frame id this far beyond the number of frames listed is taken as a corrupt file, not a gap."""


def read_json(path: Path, *, fps=None, frame_size=None) -> PoseSequence:
    """MMPose JSON predictions; the signer is chosen among several people (:mod:`signpt.pose.io.people`); a frame
    without instances is missing.

    Accepted shapes:

    * the top-down demo's ``{"meta_info": {...}, "instance_info": [{"frame_id": i, "instances": [...]}, ...]}``
      with 1-based frame ids (``meta_info`` is the model's dataset meta; signpt's writer adds ``fps``,
      ``frame_size`` and ``layout``, which are read back);
    * the inferencer's video output, a bare list ``[{"frame_id": i, "instances": [...]}, ...]`` with 0-based ids.
      Frame ids place each frame (a gap is a missing frame); a file whose ids start below the expected base
      (a 0-based demo file) is read from its smallest id;
    * each instance ``{"keypoints": [[x, y], ...], "keypoint_scores": [...], "bbox": [[x0, y0, x1, y1]] or
      [x0, y0, x1, y1], "bbox_score": s}``; the box, when present, is what the signer choice uses;
    * the inferencer's single-image output ``[{"keypoints": [[x, y], ...], "keypoint_scores": [...]}, ...]``
      (a list of instances: one frame);
    * the older COCO-results style ``[{"image_id": .., "keypoints": [x1, y1, s1, x2, ...], "score": ..}, ...]``:
      one frame per ``image_id`` (in sorted order, the highest-scoring instance), or one per entry without ids.
    """
    source = str(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PoseFormatError(f"{source}: cannot read ({e.strerror or e})") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise PoseFormatError(f"{source}: not valid JSON, truncated or corrupt ({e})") from None
    meta_info, base = {}, 0
    if isinstance(obj, dict) and "instance_info" in obj:
        meta_info = obj.get("meta_info") or {}
        obj, base = obj["instance_info"], 1
    if not isinstance(obj, list) or not obj or not all(isinstance(x, dict) for x in obj):
        raise PoseFormatError(f"{source}: expected a non-empty list of MMPose frames or instances")
    try:
        if all("instances" in x for x in obj):
            frames = _frames_by_id(obj, base, source)
        elif all(_is_nested(x.get("keypoints")) for x in obj):
            frames = [[_instance(x) for x in obj]]
        elif all(isinstance(x.get("keypoints"), list) for x in obj):
            frames = _coco_results(obj)
        else:
            raise PoseFormatError(f"{source}: entries have neither 'instances' nor 'keypoints'")
    except (KeyError, TypeError, ValueError) as e:
        raise PoseFormatError(f"{source}: malformed MMPose instance ({type(e).__name__}: {e})") from None
    ks = {inst[0].shape[0] for f in frames for inst in f}
    if len(ks) != 1:
        raise PoseFormatError(f"{source}: " + ("no instance in any frame" if not ks else
                                               f"frames disagree on the number of keypoints {sorted(ks)}"))
    k = ks.pop()
    p = max(len(f) for f in frames)
    kp = np.zeros((len(frames), p, k, 2), np.float32)
    conf = np.zeros((len(frames), p, k), np.float32)
    boxes = np.full((len(frames), p, 4), np.nan)
    for t, f in enumerate(frames):
        for i, (pts, sc, box) in enumerate(f):
            kp[t, i], conf[t, i] = pts, sc
            if box is not None:
                boxes[t, i] = box
    from_points = boxes_from_points(kp, conf)
    boxes = np.where(np.isnan(boxes).any(-1, keepdims=True), from_points, boxes)
    size = _size(meta_info.get("frame_size")) or _size(frame_size) or _extent(kp, conf)
    choice = choose_signer(boxes, size)
    return make_sequence(gather(kp, choice), gather(conf, choice), layout=meta_info.get("layout"),
                         file_fps=meta_info.get("fps"), file_size=meta_info.get("frame_size"), fps=fps,
                         frame_size=frame_size, source=source, meta={"format": "mmpose_json", "people": int(p)})


def _frames_by_id(entries: list, base: int, source: str) -> list:
    ids = [x.get("frame_id") for x in entries]
    if any(not isinstance(i, int) for i in ids):
        return [[_instance(i) for i in x["instances"]] for x in entries]  # no usable ids: list order
    base = min(base, min(ids))
    n = max(ids) - base + 1
    if n > len(entries) + MAX_FRAME_GAP:
        raise PoseFormatError(f"{source}: frame ids run to {max(ids)} for {len(entries)} listed frames")
    frames: list = [[] for _ in range(n)]
    for x, i in zip(entries, ids):
        frames[i - base] += [_instance(inst) for inst in x["instances"]]
    return frames


def _is_nested(kps) -> bool:
    return isinstance(kps, list) and bool(kps) and isinstance(kps[0], list)


def _instance(inst: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    kp = np.asarray(inst["keypoints"], dtype=np.float32)
    if kp.ndim == 3:  # some versions nest one more level: [[[x, y], ...]]
        kp = kp[0]
    if kp.ndim != 2 or kp.shape[1] < 2:
        raise ValueError(f"keypoints of shape {kp.shape}, expected (K, 2)")
    scores = inst.get("keypoint_scores")
    if scores is None:
        sc = np.ones(len(kp), np.float32)
    else:
        sc = np.asarray(scores, dtype=np.float32).reshape(-1)
    if sc.shape[0] != kp.shape[0]:
        raise ValueError(f"{kp.shape[0]} keypoints but {sc.shape[0]} scores")
    box = None
    if inst.get("bbox") is not None:
        b = np.asarray(inst["bbox"], dtype=np.float64).reshape(-1)  # [[x0, y0, x1, y1]] or [x0, y0, x1, y1]
        if b.size != 4:
            raise ValueError(f"bbox with {b.size} values, expected x0, y0, x1, y1")
        box = b
    return kp[:, :2], sc, box


def _coco_results(entries: list) -> list:
    def parse(e):
        flat = np.asarray(e["keypoints"], dtype=np.float32)
        if flat.ndim != 1 or flat.size % 3:
            raise ValueError(f"flat keypoints of length {flat.size} are not [x, y, score] triples")
        trip = flat.reshape(-1, 3)
        return trip[:, :2], trip[:, 2], None

    if all("image_id" in e for e in entries):
        best = {}
        for e in entries:
            i = e["image_id"]
            if i not in best or e.get("score", 0) > best[i].get("score", 0):
                best[i] = e
        return [[parse(best[i])] for i in sorted(best)]
    return [[parse(e)] for e in entries]


def write_json(seq: PoseSequence, path: Path) -> None:
    """The top-down demo's layout: ``{"meta_info": {fps, frame_size, layout}, "instance_info": [{"frame_id",
    "instances": [{"keypoints": [[x, y], ...], "keypoint_scores": [...]}]}]}`` (frame ids from 1, as the demo)."""
    frames = [{"frame_id": t + 1, "instances": [{"keypoints": seq.keypoints[t].tolist(),
                                             "keypoint_scores": seq.confidence[t].tolist()}]}
              for t in range(seq.num_frames)]
    obj = {"meta_info": {"fps": seq.fps, "frame_size": list(seq.frame_size), "layout": seq.layout},
           "instance_info": frames}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj))
