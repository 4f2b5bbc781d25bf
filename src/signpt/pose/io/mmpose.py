"""MMPose / RTMPose outputs: the per-video pickle of the public pose-based codebases and MMPose JSON predictions."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from signpt.errors import PoseFormatError
from signpt.atomic import atomic_path
from signpt.pose.io.common import make_sequence
from signpt.pose.sequence import PoseSequence


# ---- pickle ---------------------------------------------------------------------------------------------------
def read_pickle(path: Path, *, trusted: bool, fps=None, frame_size=None) -> PoseSequence:
    """``{'keypoints': T x (P, K, 2), 'scores': T x (P, K)}`` (lists of per-frame arrays, or arrays (T, P, K, 2)
    and (T, P, K), or without the people axis); person 0. Optional keys ``fps``, ``frame_size``, ``layout``.

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
    if not isinstance(obj, dict) or "keypoints" not in obj or "scores" not in obj:
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise PoseFormatError(f"{source}: expected a dict with 'keypoints' and 'scores', got {got}")
    kp = _stack(obj["keypoints"], 4, source, "keypoints")
    sc = _stack(obj["scores"], 3, source, "scores")
    if kp.shape[:3] != sc.shape[:3] or kp.shape[-1] < 2:
        raise PoseFormatError(f"{source}: keypoints {kp.shape} and scores {sc.shape} disagree "
                              f"(expected T x (P, K, 2) and T x (P, K))")
    if kp.shape[1] < 1:
        raise PoseFormatError(f"{source}: no person in the file")
    return make_sequence(kp[:, 0, :, :2], sc[:, 0], layout=obj.get("layout"), file_fps=obj.get("fps"),
                         file_size=obj.get("frame_size"), fps=fps, frame_size=frame_size, source=source,
                         meta={"format": "pkl"})


def _stack(value, ndim: int, source: str, key: str) -> np.ndarray:
    try:
        arr = np.asarray(np.stack([np.asarray(v, dtype=np.float32) for v in value]), dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise PoseFormatError(f"{source}: '{key}' is not a list of equally shaped arrays ({e})") from None
    if arr.ndim == ndim - 1:  # no people axis
        arr = arr[:, None]
    if arr.ndim != ndim:
        raise PoseFormatError(f"{source}: '{key}' has shape {arr.shape}, expected {ndim} dimensions")
    return arr


def write_pickle(seq: PoseSequence, path: Path) -> None:
    """The per-video pickle: ``keypoints`` (T, 1, K, 2) float32, ``scores`` (T, 1, K) float32, plus ``fps``,
    ``frame_size`` and ``layout`` (extra keys the public codebases ignore)."""
    obj = {"keypoints": seq.keypoints[:, None].copy(), "scores": seq.confidence[:, None].copy(),
           "fps": seq.fps, "frame_size": tuple(seq.frame_size), "layout": seq.layout}
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        pickle.dump(obj, f, protocol=4)


# ---- JSON -----------------------------------------------------------------------------------------------------
def read_json(path: Path, *, fps=None, frame_size=None) -> PoseSequence:
    """MMPose JSON predictions, person 0 (the first instance) of each frame; a frame without instances is missing.

    Accepted shapes:

    * the inferencer's video output ``[{"frame_id": i, "instances": [{"keypoints": [[x, y], ...],
      "keypoint_scores": [...]}, ...]}, ...]``;
    * the top-down demo's ``{"meta_info": {...}, "instance_info": [<frames as above>]}`` (``meta_info`` may carry
      ``fps``, ``frame_size`` and ``layout``, as :func:`write_json` writes);
    * the inferencer's single-image output ``[{"keypoints": [[x, y], ...], "keypoint_scores": [...]}, ...]``
      (a list of instances: one frame);
    * the older COCO-results style ``[{"image_id": .., "keypoints": [x1, y1, s1, x2, ...], "score": ..}, ...]``:
      one frame per ``image_id`` (in sorted order, the highest-scoring instance), or one per entry without ids.
    """
    source = str(path)
    try:
        obj = json.loads(path.read_text())
    except OSError as e:
        raise PoseFormatError(f"{source}: cannot read ({e.strerror or e})") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise PoseFormatError(f"{source}: not valid JSON, truncated or corrupt ({e})") from None
    meta_info = {}
    if isinstance(obj, dict) and "instance_info" in obj:
        meta_info = obj.get("meta_info") or {}
        obj = obj["instance_info"]
    if not isinstance(obj, list) or not obj or not all(isinstance(x, dict) for x in obj):
        raise PoseFormatError(f"{source}: expected a non-empty list of MMPose frames or instances")
    try:
        if all("instances" in x for x in obj):
            frames = [x["instances"] for x in sorted(obj, key=lambda x: x.get("frame_id", 0))]
            frames = [[_instance(i) for i in insts[:1]] for insts in frames]
        elif all(_is_nested(x.get("keypoints")) for x in obj):
            frames = [[_instance(obj[0])]]
        elif all(isinstance(x.get("keypoints"), list) for x in obj):
            frames = _coco_results(obj)
        else:
            raise PoseFormatError(f"{source}: entries have neither 'instances' nor 'keypoints'")
    except (KeyError, TypeError, ValueError) as e:
        raise PoseFormatError(f"{source}: malformed MMPose instance ({type(e).__name__}: {e})") from None
    ks = {f[0][0].shape[0] for f in frames if f}
    if len(ks) != 1:
        raise PoseFormatError(f"{source}: " + ("no instance in any frame" if not ks else
                                               f"frames disagree on the number of keypoints {sorted(ks)}"))
    k = ks.pop()
    kp = np.zeros((len(frames), k, 2), np.float32)
    conf = np.zeros((len(frames), k), np.float32)
    for t, f in enumerate(frames):
        if f:
            kp[t], conf[t] = f[0]
    return make_sequence(kp, conf, layout=meta_info.get("layout"), file_fps=meta_info.get("fps"),
                         file_size=meta_info.get("frame_size"), fps=fps, frame_size=frame_size, source=source,
                         meta={"format": "mmpose_json"})


def _is_nested(kps) -> bool:
    return isinstance(kps, list) and bool(kps) and isinstance(kps[0], list)


def _instance(inst: dict) -> tuple[np.ndarray, np.ndarray]:
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
    return kp[:, :2], sc


def _coco_results(entries: list) -> list:
    def parse(e):
        flat = np.asarray(e["keypoints"], dtype=np.float32)
        if flat.ndim != 1 or flat.size % 3:
            raise ValueError(f"flat keypoints of length {flat.size} are not [x, y, score] triples")
        trip = flat.reshape(-1, 3)
        return trip[:, :2], trip[:, 2]

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
    "instances": [{"keypoints": [[x, y], ...], "keypoint_scores": [...]}]}]}`` (frame ids from 0)."""
    frames = [{"frame_id": t, "instances": [{"keypoints": seq.keypoints[t].tolist(),
                                             "keypoint_scores": seq.confidence[t].tolist()}]}
              for t in range(seq.num_frames)]
    obj = {"meta_info": {"fps": seq.fps, "frame_size": list(seq.frame_size), "layout": seq.layout},
           "instance_info": frames}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj))
