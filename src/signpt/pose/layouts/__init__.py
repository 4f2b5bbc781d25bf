"""Registry of keypoint layouts. ``get_layout(name)`` returns a :class:`Layout`."""
from signpt.pose.layouts.base import Layout
from signpt.pose.layouts.coco133 import COCO_WHOLEBODY_133
from signpt.pose.layouts.holistic import MEDIAPIPE_HOLISTIC_543, MEDIAPIPE_HOLISTIC_553
from signpt.pose.layouts.holistic75 import MEDIAPIPE_HOLISTIC_75
from signpt.pose.layouts.k79 import K79
from signpt.pose.layouts.openpose import OPENPOSE_137

LAYOUTS: dict[str, Layout] = {}


def register(layout: Layout) -> Layout:
    LAYOUTS[layout.name] = layout
    return layout


def get_layout(name: str) -> Layout:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise KeyError(f"unknown keypoint layout {name!r} (known: {', '.join(sorted(LAYOUTS))})") from None


register(COCO_WHOLEBODY_133)
register(K79)
register(MEDIAPIPE_HOLISTIC_543)
register(MEDIAPIPE_HOLISTIC_553)
register(MEDIAPIPE_HOLISTIC_75)
register(OPENPOSE_137)

__all__ = [
    "Layout", "LAYOUTS", "register", "get_layout", "COCO_WHOLEBODY_133", "K79", "MEDIAPIPE_HOLISTIC_543",
    "MEDIAPIPE_HOLISTIC_553", "MEDIAPIPE_HOLISTIC_75", "OPENPOSE_137",
]
