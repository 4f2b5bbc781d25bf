import pytest

from signpt.errors import PoseFormatError
from signpt.pose import detect_layout, get_layout

EXPECTED = {
    "coco_wholebody_133": 133, "k79": 79, "openpose_137": 137,
    "mediapipe_holistic_543": 543, "mediapipe_holistic_553": 553,
}


@pytest.mark.parametrize("name,k", EXPECTED.items())
def test_layout_is_registered_and_consistent(name, k):
    layout = get_layout(name)
    assert layout.num_points == k
    assert len(set(layout.names)) == k
    for a, b in layout.edges:
        assert 0 <= a < k and 0 <= b < k and a != b
    for part, idx in layout.parts.items():
        assert all(0 <= i < k for i in idx), part
    for part in ("body", "left_hand", "right_hand"):
        assert len(layout.parts[part]) > 0
    assert len(layout.parts["left_hand"]) == len(layout.parts["right_hand"]) == 21


def test_holistic_parts_and_components():
    from signpt.pose.layouts import holistic

    lay = get_layout("mediapipe_holistic_553")
    assert lay.parts["left_hand"][0] == 33 + 478
    assert lay.names[15] == "left_wrist" and lay.names[33 + 478] == "left_hand_root"
    assert (15, 33 + 478) in lay.edges and (16, 33 + 478 + 21) in lay.edges
    assert [len(p) for _, p in holistic.COMPONENTS_543] == [33, 468, 21, 21]
    # mouth is the lip contour, a subset of the face
    assert set(lay.parts["mouth"]) <= set(lay.parts["face"]) and len(lay.parts["mouth"]) == 40


def test_openpose_names():
    lay = get_layout("openpose_137")
    assert lay.names[4] == "right_wrist" and lay.names[7] == "left_wrist"
    assert lay.names[95] == "left_hand_root" and lay.names[116] == "right_hand_root"
    assert (7, 95) in lay.edges and (4, 116) in lay.edges


@pytest.mark.parametrize("name,k", EXPECTED.items())
def test_detect_by_count(name, k):
    assert detect_layout(k) == name


def test_detect_unknown_count_names_source():
    with pytest.raises(PoseFormatError, match=r"clip\.npy.*100 points"):
        detect_layout(100, source="clip.npy")
