"""The pose layer: sequences, layouts, readers/writers, mapping to 79 points, normalisation and rendering."""
from signpt.pose.convert import to_k79
from signpt.pose.detect import detect_layout
from signpt.pose.io import read_pose, write_pose
from signpt.pose.layouts import get_layout
from signpt.pose.normalise import NormInfo, denormalise, load_normalised, normalise, save_normalised
from signpt.pose.render import render
from signpt.pose.sequence import PoseSequence

__all__ = [
    "PoseSequence", "read_pose", "write_pose", "to_k79", "normalise", "denormalise", "NormInfo", "render",
    "get_layout", "detect_layout", "save_normalised", "load_normalised",
]
