"""Registry of keypoint layouts. ``get_layout(name)`` returns a :class:`Layout`."""
from signpt.pose.layouts.base import Layout
from signpt.pose.layouts.coco133 import COCO_WHOLEBODY_133
from signpt.pose.layouts.k79 import K79

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

__all__ = ["Layout", "LAYOUTS", "register", "get_layout", "COCO_WHOLEBODY_133", "K79"]
