"""Keypoint layouts: point names, named parts and within-frame skeleton edges."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """A keypoint layout.

    names: one name per keypoint, in storage order.
    parts: part name -> tuple of keypoint indices (parts may overlap only where documented).
    edges: undirected skeleton edges (i, j) between keypoint indices, within one frame.
    """

    name: str
    names: tuple[str, ...]
    parts: dict
    edges: tuple[tuple[int, int], ...]

    @property
    def num_points(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def part_edges(self, part: str) -> tuple[tuple[int, int], ...]:
        """Edges with both ends in `part`, re-indexed to the part's own order."""
        idx = {k: i for i, k in enumerate(self.parts[part])}
        return tuple((idx[a], idx[b]) for a, b in self.edges if a in idx and b in idx)


def chain(indices) -> list[tuple[int, int]]:
    """Edges joining consecutive indices."""
    indices = list(indices)
    return list(zip(indices[:-1], indices[1:]))


def loop(indices) -> list[tuple[int, int]]:
    """Edges joining consecutive indices and the last to the first."""
    indices = list(indices)
    return chain(indices) + [(indices[-1], indices[0])]


HAND_NAMES = (
    "root",
    "thumb1", "thumb2", "thumb3", "thumb4",
    "forefinger1", "forefinger2", "forefinger3", "forefinger4",
    "middle_finger1", "middle_finger2", "middle_finger3", "middle_finger4",
    "ring_finger1", "ring_finger2", "ring_finger3", "ring_finger4",
    "pinky_finger1", "pinky_finger2", "pinky_finger3", "pinky_finger4",
)
"""The 21-joint hand shared by COCO-WholeBody, MediaPipe and OpenPose (wrist, then 4 joints per finger
from the palm out: MCP/CMC, PIP, DIP, tip)."""


def hand_edges(offset: int) -> list[tuple[int, int]]:
    """Skeleton of a 21-joint hand whose root is at `offset`."""
    edges = []
    for f in range(5):
        first = offset + 1 + 4 * f
        edges.append((offset, first))
        edges += chain(range(first, first + 4))
    return edges
