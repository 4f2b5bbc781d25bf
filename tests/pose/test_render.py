import numpy as np
from PIL import Image

from signpt.pose import PoseSequence, read_pose, render, to_k79
from signpt.pose.render import PART_COLOURS, point_colours, render_frames


def _colour_pixels(img: Image.Image, rgb) -> int:
    a = np.asarray(img.convert("RGB")).astype(int)
    return int((np.abs(a - np.asarray(rgb)).sum(-1) < 30).sum())


def test_gif_png_mp4(poses_dir, tmp_path):
    seq = read_pose(poses_dir / "openpose.pose")
    gif = render(seq, tmp_path / "a.gif", max_frames=10)
    with Image.open(gif) as im:
        assert im.n_frames == 10
    png = render(to_k79(seq), tmp_path / "a.png")
    with Image.open(png) as im:
        assert im.size[0] > 100 and _colour_pixels(im, PART_COLOURS["right_hand"]) > 0
    mp4 = render(seq, tmp_path / "a.mp4", max_frames=12)
    import av

    with av.open(str(mp4)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 12


def test_missing_points_not_drawn():
    kp = np.zeros((1, 79, 2), np.float32)
    conf = np.zeros((1, 79), np.float32)
    kp[0, 5], kp[0, 6] = (100, 100), (300, 100)        # shoulders present
    conf[0, [5, 6]] = 1
    kp[0, 37:58] = np.random.default_rng(0).uniform(150, 250, (21, 2))   # left hand, present
    conf[0, 37:58] = 1
    seq = PoseSequence(kp, conf, 25, "k79", (400, 400))
    img = render_frames(seq)[0]
    assert _colour_pixels(img, PART_COLOURS["left_hand"]) > 0
    assert _colour_pixels(img, PART_COLOURS["right_hand"]) == 0       # missing right hand: nothing drawn
    assert _colour_pixels(img, PART_COLOURS["mouth"]) == 0
    # the shoulder line is drawn, in body colour, along y of the shoulders
    assert _colour_pixels(img, PART_COLOURS["body"]) > 50


def test_every_layout_has_colours():
    from signpt.pose.layouts import LAYOUTS

    for name in LAYOUTS:
        c = point_colours(name)
        assert c.shape == (LAYOUTS[name].num_points, 3)
    k = point_colours("k79")
    assert tuple(k[37]) == PART_COLOURS["left_hand"] and tuple(k[30]) == PART_COLOURS["mouth"]
