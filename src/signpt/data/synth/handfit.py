"""Fitting the hand model to real 3-D hands: Procrustes alignment, mean shapes, joint angles and hand geometry.

Shapes are (21, 3) joint positions in the MediaPipe / COCO order (``hand.hand_points``). Two shapes are compared
after the best similarity transform: both centred and scaled to unit RMS radius, then the best proper rotation
(Kabsch, no reflection); the Procrustes distance is the RMS distance of the 21 joints that remains, in units of
the RMS radius (0 = the same shape seen from another side, at another size).

- ``mean_shape``: generalised Procrustes mean of many shapes (one letter's frames or clips).
- ``fit_angles``: the 20 joint angles (``hand.JOINT_LIMITS``) whose ``hand_points`` is nearest to a target shape
  (bounded L-BFGS-B from several starts, a weak pull towards the first start).
- ``fit_geometry``: the joint positions and bone lengths (``hand.HandGeometry``) nearest to several targets at
  once, their angles held.
"""
from __future__ import annotations

import numpy as np

from signpt.data.synth.hand import JOINT_LIMITS, MODEL_GEOMETRY, HandGeometry, hand_points

PRIOR = 0.002
"""Weight of the pull towards the start angles (per radian squared, mean over the 20 angles) against the squared
Procrustes distance: small, it only settles angles the shape does not determine (a finger's spread in a fist)."""


def normalise(p: np.ndarray) -> np.ndarray:
    """(..., 21, 3) -> centred, unit RMS radius."""
    p = np.asarray(p, dtype=np.float64)
    c = p - p.mean(-2, keepdims=True)
    r = np.sqrt((c ** 2).sum(-1).mean(-1))[..., None, None]
    return c / np.maximum(r, 1e-12)


def align(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Align shape(s) a (..., 21, 3) onto b (..., 21, 3), both ``normalise``d first -> (a rotated and scaled onto
    b (..., 21, 3), Procrustes distance (...,))."""
    a, b = normalise(a), normalise(b)
    m = np.swapaxes(a, -1, -2) @ b                                  # (..., 3, 3)
    u, s, vt = np.linalg.svd(m)
    d = np.sign(np.linalg.det(u @ vt))
    s = s.copy()
    s[..., -1] *= d
    u = u.copy()
    u[..., :, -1] *= d[..., None]
    rot = u @ vt                                                   # proper rotation taking a onto b
    scale = (s.sum(-1) / (a ** 2).sum((-1, -2)))[..., None, None]   # least-squares scale
    out = scale * (a @ rot)
    return out, np.sqrt(((out - b) ** 2).sum(-1).mean(-1))


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Procrustes distance (...,) between shapes a and b (..., 21, 3)."""
    return align(a, b)[1]


def mean_shape(shapes: np.ndarray, iters: int = 20) -> np.ndarray:
    """Generalised Procrustes mean (21, 3), unit RMS radius, of (N, 21, 3) shapes (frames with NaN are left
    out): start from the first shape, align every shape onto the mean, average, repeat."""
    x = np.asarray(shapes, dtype=np.float64)
    x = x[np.isfinite(x).all(axis=(1, 2))]
    if len(x) == 0:
        raise ValueError("mean_shape: no complete shape")
    mean = normalise(x[0])
    for _ in range(iters):
        new = normalise(align(x, np.broadcast_to(mean, x.shape))[0].mean(0))
        if np.abs(new - mean).max() < 1e-9:
            break
        mean = new
    return mean


def _objective(target: np.ndarray, geometry: HandGeometry, prior: np.ndarray, weight: float):
    eps = 1e-6

    def f(theta: np.ndarray) -> float:
        return float(_costs(theta[None], target, geometry, prior, weight)[0])

    def grad(theta: np.ndarray) -> np.ndarray:
        th = theta[None] + np.vstack([np.zeros(20), eps * np.eye(20)])
        c = _costs(th, target, geometry, prior, weight)
        return (c[1:] - c[0]) / eps

    return f, grad


def _costs(theta: np.ndarray, target, geometry, prior, weight) -> np.ndarray:
    pts = hand_points(theta.reshape(-1, 5, 4), geometry=geometry)
    d = distance(pts, np.broadcast_to(target, pts.shape))
    return d ** 2 + weight * ((theta - prior) ** 2).mean(-1)


def fit_angles(target: np.ndarray, starts, geometry: HandGeometry | None = None, prior: float = PRIOR
               ) -> tuple[np.ndarray, float]:
    """Joint angles (5, 4) radians within ``JOINT_LIMITS`` whose hand (``hand_points`` with `geometry`) is
    nearest to `target` (21, 3) after Procrustes alignment, and that Procrustes distance. `starts`: one or more
    (5, 4) start angles; the first is also what the weak prior (`prior`, see ``PRIOR``) pulls towards.
    Deterministic."""
    from scipy.optimize import minimize

    geometry = geometry or MODEL_GEOMETRY
    starts = [np.asarray(s, dtype=np.float64).reshape(20) for s in np.atleast_3d(np.asarray(starts))
              .reshape(-1, 5, 4)]
    target = normalise(target)
    f, grad = _objective(target, geometry, starts[0], prior)
    bounds = list(map(tuple, JOINT_LIMITS.reshape(20, 2)))
    best = None
    for s in starts:
        r = minimize(f, np.clip(s, *JOINT_LIMITS.reshape(20, 2).T), jac=grad, method="L-BFGS-B", bounds=bounds,
                     options={"maxiter": 500})
        if best is None or r.fun < best.fun:
            best = r
    theta = np.clip(best.x, *JOINT_LIMITS.reshape(20, 2).T).reshape(5, 4)
    return theta, float(distance(hand_points(theta, geometry=geometry), target))


def geometry_vector(g: HandGeometry) -> np.ndarray:
    """(30,) finger_base, thumb_base, finger_len, thumb_len flattened."""
    return np.concatenate([a.ravel() for a in g.arrays()])


def geometry_from_vector(v: np.ndarray) -> HandGeometry:
    v = np.asarray(v, dtype=np.float64)

    def tup(a):
        return tuple(map(tuple, a)) if a.ndim == 2 else tuple(a)
    return HandGeometry(tup(v[:12].reshape(4, 3)), tup(v[12:15]), tup(v[15:27].reshape(4, 3)), tup(v[27:30]))


def palm_length(g: HandGeometry) -> float:
    """Wrist to middle-finger knuckle (metres)."""
    return float(np.linalg.norm(np.asarray(g.finger_base[1])))


def fit_geometry(targets: np.ndarray, angles: np.ndarray, start: HandGeometry | None = None,
                 weights=None) -> tuple[HandGeometry, np.ndarray]:
    """Hand geometry nearest to (K, 21, 3) `targets` made with (K, 5, 4) `angles` (held): minimises the
    (weighted) mean squared Procrustes distance over the targets. Joint positions may move 2.5 cm, bone lengths
    0.6-1.6 times the start's; the result is rescaled to the start's palm length (size is a signer's
    ``hand_size``). -> (geometry, Procrustes distance per target (K,))."""
    from scipy.optimize import minimize

    start = start or MODEL_GEOMETRY
    v0 = geometry_vector(start)
    w = np.ones(len(targets)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    tg = normalise(targets)
    angles = np.asarray(angles, dtype=np.float64)
    eps = 1e-7

    def costs(vs: np.ndarray) -> np.ndarray:
        out = []
        for v in vs:
            d = distance(hand_points(angles, geometry=geometry_from_vector(v)), tg)
            out.append(float((w * d ** 2).sum()))
        return np.asarray(out)

    def grad(v):
        c = costs(np.vstack([v, v + eps * np.eye(30)]))
        return (c[1:] - c[0]) / eps

    lo = np.concatenate([v0[:15] - 0.025, v0[15:] * 0.6])
    hi = np.concatenate([v0[:15] + 0.025, v0[15:] * 1.6])
    r = minimize(lambda v: float(costs(v[None])[0]), v0, jac=grad, method="L-BFGS-B",
                 bounds=list(zip(lo, hi)), options={"maxiter": 300})
    g = geometry_from_vector(r.x)
    g = geometry_from_vector(r.x * palm_length(start) / palm_length(g))
    return g, distance(hand_points(angles, geometry=g), tg)


# ---------------------------------------------------------------- from real hands to fitted handshapes
KEEP = 0.8
"""``robust_mean`` keeps this fraction of the shapes, those nearest to the first mean (a clip's frames include the
hand arriving; a person's clips include a wrong one)."""
STARTS = ("5", "S", "C", "O", "1", "L", "Y", "X", "F")
"""Handshapes whose angles, after the letter's own, start the first angle fit of every letter."""


def robust_mean(shapes: np.ndarray, keep: float = KEEP) -> np.ndarray:
    """``mean_shape`` of the fraction `keep` of (N, 21, 3) shapes nearest (Procrustes) to the mean of all."""
    x = np.asarray(shapes, dtype=np.float64)
    x = x[np.isfinite(x).all(axis=(1, 2))]
    m = mean_shape(x)
    if len(x) < 3:
        return m
    d = distance(x, np.broadcast_to(m, x.shape))
    near = np.argsort(d, kind="stable")[:max(2, int(np.ceil(keep * len(x))))]
    return mean_shape(x[np.sort(near)])


def letter_targets(shapes: dict, keep: float = KEEP) -> dict:
    """{letter: {person: (N, 21, 3) shapes}} -> {letter: (21, 3) target}: each person's ``robust_mean``, then
    the Procrustes mean over the people (every person counts once)."""
    out = {}
    for letter, people in shapes.items():
        means = [robust_mean(s, keep) for s in people.values() if np.isfinite(s).all(axis=(1, 2)).any()]
        if means:
            out[letter] = mean_shape(np.stack(means))
    return out


def fit_inventory(targets: dict, start_angles, rounds: int = 2, starts=STARTS, geometry: HandGeometry | None = None,
                  fit_geom: bool = True, progress=None) -> tuple[dict, HandGeometry, dict]:
    """Fit handshapes to {name: (21, 3) target}. `start_angles(name)` -> (5, 4): each shape's own angles (first
    start and prior), `starts`: names of further first-round starts. Round 1 fits every shape's angles; then
    (`rounds` - 1 times) the hand geometry to all shapes (``fit_geometry``, skipped without `fit_geom`) and
    each shape's angles again from its last fit. -> ({name: angles (5, 4)}, geometry, {name: Procrustes
    distance})."""
    g = geometry or MODEL_GEOMETRY
    names = sorted(targets)
    angles, dist = {}, {}
    for n in names:
        th, d = fit_angles(targets[n], [start_angles(n)] + [start_angles(s) for s in starts], g)
        angles[n], dist[n] = th, d
        if progress:
            progress(f"round 1 {n}: {d:.3f}")
    for r in range(1, rounds):
        if fit_geom:
            g, _ = fit_geometry(np.stack([targets[n] for n in names]), np.stack([angles[n] for n in names]), g)
        for n in names:
            th, d = fit_angles(targets[n], [start_angles(n), angles[n]], g)
            angles[n], dist[n] = th, d
        if progress:
            progress(f"round {r + 1}: mean distance {np.mean(list(dist.values())):.3f}")
    return angles, g, dist


def rank_shapes(queries: np.ndarray, gallery: np.ndarray) -> np.ndarray:
    """Procrustes distances (Q, G) of (Q, 21, 3) query shapes to (G, 21, 3) gallery shapes."""
    q, g = np.asarray(queries, dtype=np.float64), np.asarray(gallery, dtype=np.float64)
    return np.stack([distance(np.broadcast_to(x, g.shape), g) for x in q])


MIRROR = np.array([-1.0, 1.0, 1.0])


def looks_mirrored(shapes: dict, model_angles) -> tuple[bool, int, int]:
    """Whether one person's hands are left hands: {letter: (N, 21, 3) shapes} (letters the model has) vote
    by whether the mirror image (x -> -x) of their ``robust_mean`` is nearer (Procrustes, rotations only) to
    the model's handshape of the same name (`model_angles(letter)` -> (5, 4)). -> (mirrored, votes for the
    mirror, letters)."""
    votes = 0
    for letter, s in shapes.items():
        m = robust_mean(s)
        model = hand_points(model_angles(letter))
        votes += int(distance(m * MIRROR, model) < distance(m, model))
    return votes * 2 > len(shapes), votes, len(shapes)
