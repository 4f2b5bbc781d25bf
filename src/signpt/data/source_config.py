"""What one recipe source says: the configuration that dataset adapters read (parsed by :mod:`signpt.data.recipe`).

Kept apart from the recipe parser so that adapters (:mod:`signpt.data.sources`) depend on this small module
and the parser may depend on the adapters' registry without an import circle.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TEMPLATES = {
    "en": "This word is {gloss}.",
    "de": "Dieses Wort ist {gloss}.",
    "zh": "这个词是{gloss}。",
}
"""The paper's constant template ("apple" -> "This word is apple."), with German and Chinese equivalents."""


@dataclass
class HandsConfig:
    """A second, hand-specialised estimator's per-video outputs (paper: InterWild)."""

    poses: Path
    pose_format: str = "auto"
    mode: str = "add"
    """``add``: keep the body-estimator sample and add a refined copy (id suffix ``+hands``), as the paper
    does to expand SL-1.5M; ``replace``: write only the refined sample."""


@dataclass
class SourceConfig:
    name: str
    adapter: str
    annotations: Path
    poses: Path | None
    pose_format: str = "auto"
    layout: str | None = None
    sign_language: str | None = None
    spoken_language: str | None = None
    split_map: dict = field(default_factory=dict)
    template: str | None = None
    fps: float | None = None
    frame_size: tuple[int, int] | str | None = None
    trusted: bool = False
    require_text: bool | None = None
    hands: HandsConfig | None = None
    options: dict = field(default_factory=dict)
    dominant_hand: str | None = None
    """"right" / "left": a sample whose other hand is present in more frames is mirrored left-right
    (``signpt.pose.mirror``), so that the hand that signs is always on that side (collections disagree on
    which label MediaPipe gives the signing hand); None = as estimated."""
    split: str | None = None
    """Every record of the source goes to this split (e.g. a folder of people kept for test), whatever its
    annotations say; None = the annotations' split through ``split_map``."""
