"""MediaPipe flat vectors (per-sequence (T, D) arrays and per-frame folders) and Kaggle ISLR parquet: hand-made
cases with known values, then the real files of ../shared/data/real."""
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from signpt.errors import PoseFormatError
from signpt.pose import read_pose, to_k79
from signpt.pose.io.mediapipe_vectors import POSE11, parse_blocks, vectors_to_sequence
from signpt.pose.layouts.holistic import POSE33

REAL = Path(__file__).parents[1].parent.parent / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real training data {REAL} is absent (../shared)")
LH0, RH0 = 501, 522  # hands in mediapipe_holistic_543
W, H = 640, 480


def block(points, width, value):
    """A block whose point p holds (value + p/100, value + p/1000, 0.5[, 0.8]) : every point distinguishable."""
    p = np.arange(points)[:, None]
    v = np.concatenate([value + p / 100, value + p / 1000, np.full((points, 1), 0.5)], 1)
    if width == 4:
        v = np.concatenate([v, np.full((points, 1), 0.8)], 1)
    return v.ravel()


def test_258_values_pixels_and_confidence():
    pose, left, right = block(33, 4, 0.1), block(21, 3, 0.3), block(21, 3, 0.6)
    frame0 = np.concatenate([pose, left, right])
    frame1 = np.concatenate([pose, np.zeros(63), right])  # left hand not detected
    seq = vectors_to_sequence(np.stack([frame0, frame1]))
    assert seq.layout == "mediapipe_holistic_543" and seq.frame_size == (W, H)
    assert seq.meta["frame_size_assumed"] and seq.meta["blocks"] == "pose|left|right"
    # body point 15 (left wrist): x = (0.1 + 0.15) * 640, y = (0.1 + 0.015) * 480, confidence = visibility
    np.testing.assert_allclose(seq.keypoints[0, 15], [0.25 * W, 0.115 * H], rtol=1e-6)
    assert seq.confidence[0, 15] == pytest.approx(0.8)
    np.testing.assert_allclose(seq.keypoints[0, LH0 + 4], [0.34 * W, 0.304 * H], rtol=1e-6)
    np.testing.assert_allclose(seq.keypoints[0, RH0 + 20], [0.8 * W, 0.62 * H], rtol=1e-6)
    assert (seq.confidence[0, LH0:RH0 + 21] == 1).all()
    assert (seq.confidence[1, LH0:LH0 + 21] == 0).all() and (seq.confidence[1, RH0:RH0 + 21] == 1).all()
    assert (seq.confidence[:, 33:501] == 0).all()  # no face block: the face is missing
    k = to_k79(seq)  # k79 9 = left wrist, 37 = left hand root, 58 = right hand root
    np.testing.assert_allclose(k.keypoints[0, 9], seq.keypoints[0, 15])
    np.testing.assert_allclose(k.keypoints[0, 58], seq.keypoints[0, RH0])


def test_block_orders_170_and_one_hand():
    pose11, left, right = block(11, 4, 0.1), block(21, 3, 0.3), block(21, 3, 0.6)
    seq = vectors_to_sequence(np.concatenate([pose11, left, right])[None])
    for j, p in enumerate(POSE11):  # the 11 points land on their MediaPipe indices
        np.testing.assert_allclose(seq.keypoints[0, p, 0], (0.1 + j / 100) * W, rtol=1e-6)
    others = sorted(set(range(33)) - set(POSE11))
    assert (seq.confidence[0, others] == 0).all()
    assert POSE33[POSE11[5]] == "LEFT_WRIST"
    # declared order pose|right|left: the first hand block is the right hand
    swapped = vectors_to_sequence(np.concatenate([block(33, 4, 0.1), right, left])[None], blocks="pose|R|L")
    np.testing.assert_allclose(swapped.keypoints[0, RH0], [0.6 * W, 0.6 * H], rtol=1e-6)
    np.testing.assert_allclose(swapped.keypoints[0, LH0], [0.3 * W, 0.3 * H], rtol=1e-6)
    # a {dim: order} mapping applies to its dimension only
    same = vectors_to_sequence(np.concatenate([left, right])[None], blocks={258: "left|right|pose"})
    np.testing.assert_allclose(same.keypoints[0, LH0], [0.3 * W, 0.3 * H], rtol=1e-6)
    one = vectors_to_sequence(left[None])
    assert one.meta["one_hand"] == "right" and (one.confidence[0, RH0:RH0 + 21] == 1).all()
    assert (one.confidence[0, :RH0] == 0).all()
    lefty = vectors_to_sequence(left[None], one_hand="left")
    assert (lefty.confidence[0, LH0:LH0 + 21] == 1).all() and (lefty.confidence[0, RH0:] == 0).all()
    sized = vectors_to_sequence(left[None], frame_size=(100, 50))
    np.testing.assert_allclose(sized.keypoints[0, RH0], [30, 15], rtol=1e-6)
    assert "frame_size_assumed" not in sized.meta


def test_parse_blocks_and_bad_vectors(tmp_path):
    assert parse_blocks("pose | R | L") == ("pose", "right", "left")
    assert parse_blocks(["lh", "rh"]) == ("left", "right")
    for bad in ("pose|hat", "left|left", "hand|left", "pose|pose11"):
        with pytest.raises(PoseFormatError):
            parse_blocks(bad)
    with pytest.raises(PoseFormatError, match="100 values per frame is not a known"):
        vectors_to_sequence(np.zeros((3, 100)), source="x.npy")
    with pytest.raises(PoseFormatError, match="has 126 values per frame, the data has 258"):
        vectors_to_sequence(np.zeros((3, 258)), blocks="left|right")
    v = np.ones((4, 126))
    v[2, 7] = np.nan
    path = tmp_path / "nan.npy"
    np.save(path, v)
    with pytest.raises(PoseFormatError, match=r"nan\.npy: holds 1 NaN/inf value\(s\) \(first at frame 2, value 7\)"):
        read_pose(path)
    np.save(tmp_path / "empty.npy", np.zeros((0, 258)))
    with pytest.raises(PoseFormatError, match="empty.npy: empty sequence"):
        read_pose(tmp_path / "empty.npy")
    np.save(tmp_path / "good.npy", np.ones((30, 258)))
    data = (tmp_path / "good.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(PoseFormatError, match="cut.npy: not a readable .npy array, truncated or corrupt"):
        read_pose(tmp_path / "cut.npy")
    np.save(tmp_path / "frame.npy", np.ones(258))
    with pytest.raises(PoseFormatError, match="holds one frame"):
        read_pose(tmp_path / "frame.npy")


def test_frame_folder_numeric_order(tmp_path):
    seq_dir = tmp_path / "hello" / "0"
    seq_dir.mkdir(parents=True)
    for n in range(12):  # 0..11: lexicographic order would put 10 and 11 after 1
        v = np.zeros(126)
        v[:63] = block(21, 3, n / 100)
        np.save(seq_dir / f"{n}.npy", v)
    seq = read_pose(seq_dir)
    assert seq.num_frames == 12 and seq.meta["frames_from"] == "per-frame files"
    np.testing.assert_allclose(seq.keypoints[:, LH0, 0], np.arange(12) / 100 * W, atol=1e-4)
    np.save(seq_dir / "12.npy", np.zeros(258))  # another D in the same folder
    with pytest.raises(PoseFormatError, match=r"12\.npy: 258 values, but 0\.npy has 126"):
        read_pose(seq_dir)


def _kaggle_rows(frames=(20, 21), nan_hand=True):
    rows = []
    for f in frames:
        for typ, n in (("face", 468), ("left_hand", 21), ("pose", 33), ("right_hand", 21)):
            for i in range(n):
                x = np.nan if (nan_hand and typ == "left_hand" and f == frames[0]) else (f - 20) / 10 + i / 1000
                rows.append({"frame": f, "row_id": f"{f}-{typ}-{i}", "type": typ, "landmark_index": i,
                             "x": x, "y": 0.5, "z": 0.0})
    return rows


def _write_parquet(path, rows):
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_kaggle_parquet_by_type_and_index_not_position(tmp_path):
    rows = _kaggle_rows()
    a = read_pose(_write_parquet(tmp_path / "a.parquet", rows))
    shuffled = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]
    b = read_pose(_write_parquet(tmp_path / "b.parquet", shuffled))
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
    np.testing.assert_array_equal(a.confidence, b.confidence)
    assert a.num_frames == 2 and a.layout == "mediapipe_holistic_543"
    np.testing.assert_allclose(a.keypoints[1, 15], [(0.1 + 0.015) * W, 0.5 * H], rtol=1e-6)  # pose 15
    np.testing.assert_allclose(a.keypoints[1, 33 + 7], [(0.1 + 0.007) * W, 0.5 * H], rtol=1e-6)  # face 7
    np.testing.assert_allclose(a.keypoints[1, RH0 + 3], [(0.1 + 0.003) * W, 0.5 * H], rtol=1e-6)
    assert (a.confidence[0, LH0:LH0 + 21] == 0).all() and (a.confidence[1, LH0:LH0 + 21] == 1).all()  # NaN


def test_kaggle_parquet_errors(tmp_path):
    rows = _kaggle_rows(frames=(0,), nan_hand=False)
    bad_type = [dict(r, type="hand") if r["type"] == "left_hand" else r for r in rows]
    with pytest.raises(PoseFormatError, match=r"t\.parquet: unknown landmark type\(s\) \['hand'\]"):
        read_pose(_write_parquet(tmp_path / "t.parquet", bad_type))
    bad_index = [dict(r, landmark_index=21) if r["row_id"] == "0-right_hand-3" else r for r in rows]
    with pytest.raises(PoseFormatError, match="landmark_index 21 is outside 0..20"):
        read_pose(_write_parquet(tmp_path / "i.parquet", bad_index))
    with pytest.raises(PoseFormatError, match="occurs twice"):
        read_pose(_write_parquet(tmp_path / "d.parquet", rows + rows[:1]))
    with pytest.raises(PoseFormatError, match=r"missing column\(s\) \['landmark_index'\]"):
        read_pose(_write_parquet(tmp_path / "c.parquet", [{k: v for k, v in r.items() if k != "landmark_index"}
                                                          for r in rows]))
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(PoseFormatError, match="junk.parquet: not a readable parquet file"):
        read_pose(tmp_path / "junk.parquet")


# ------------------------------------------------------------------------------------------------ real files

def _wrist_gap(seq, side: str) -> np.ndarray:
    """Distance (pixels) of a hand block's root to the body wrist of `side`, per frame where both are present."""
    k = to_k79(seq)
    body = 9 if side == "left" else 10
    other = 37 if side == "left" else 58
    ok = (k.confidence[:, body] > 0.5) & (k.confidence[:, other] > 0)
    return np.linalg.norm(k.keypoints[ok, body] - k.keypoints[ok, other], axis=-1)


@needs_real
def test_real_per_frame_folder_equals_the_crowd_array():
    """The per-frame originals (float64, one file per frame) and the crowd's (T, D) float16 stack agree."""
    folder = REAL / "crowd_original" / "akashcodes23__Realtime-Sign-LanguageDetection" / "MP_Data" / "hello" / "0"
    array = REAL / "crowd" / "akashcodes23__Realtime-Sign-LanguageDetection" / "hello" / "0.npy"
    a, b = read_pose(folder), read_pose(array)
    raw = np.stack([np.load(folder / f"{n}.npy") for n in range(30)])
    assert raw.shape == (30, 1662) and a.num_frames == 30
    np.testing.assert_allclose(a.keypoints[:, LH0, 0] / W, raw[:, 1536], atol=1e-6)
    present = (a.confidence > 0) & (b.confidence > 0)
    assert (a.confidence > 0).sum() == (b.confidence > 0).sum()
    assert np.abs(a.keypoints - b.keypoints)[present].max() < 1e-3 * W  # float16 rounding of fractions


@needs_real
def test_real_hand_blocks_sit_at_their_body_wrists():
    """Standard 1662 and 258 files: the left-hand block's root is next to the body's left wrist. The collection
    that writes pose|right|left reads right only when declared."""
    for path in [REAL / "crowd_original" / "tamtridung__ASL_SignWish" / "MP_Data" / "hello" / "0",
                 REAL / "crowd" / "ADDY-AK__SIGN-LANGUAGE-RECOGNITION" / "hello" / "0.npy"]:
        seq = read_pose(path)
        near = np.concatenate([_wrist_gap(seq, "left"), _wrist_gap(seq, "right")])
        assert len(near) and np.median(near) < 30, path
    coll = REAL / "crowd" / "Abdel-Rahman-Emam__Grad-Proj-DL"
    files = sorted(coll.glob("*/*.npy"))[:40]
    as_declared = [read_pose(f, blocks="pose|right|left") for f in files]
    as_default = [read_pose(f) for f in files]
    gap_declared = np.concatenate([_wrist_gap(s, side) for s in as_declared for side in ("left", "right")])
    gap_default = np.concatenate([_wrist_gap(s, side) for s in as_default for side in ("left", "right")])
    assert np.median(gap_declared) < 30 < np.median(gap_default)


@needs_real
def test_real_layouts_of_the_crowd_read():
    """One file of every vector size in the crowd reads, with the parts its blocks hold."""
    seen = {}
    for f in sorted((REAL / "crowd").glob("*/*/0.npy")):
        d = np.load(f, mmap_mode="r").shape[1]
        if d not in seen:
            seen[d] = read_pose(f)
        if len(seen) == 5:
            break
    assert set(seen) == {1662, 258, 170, 126, 63}
    face = slice(33, 501)
    assert (seen[1662].confidence[:, face] > 0).any() and not (seen[258].confidence[:, face] > 0).any()
    assert not (seen[126].confidence[:, :33] > 0).any() and (seen[170].confidence[:, 15] > 0).any()
    assert seen[63].meta["blocks"] == "hand"


@needs_real
def test_real_kaggle_parquet_and_signbridge_pose():
    """SILFA's file orders rows pose, face, left, right (Kaggle: face, left, pose, right): read by type."""
    path = REAL / "silfa" / "train_landmark_files" / "100" / "1015.parquet"
    table = pq.read_table(path).to_pylist()
    assert table[0]["type"] == "pose"
    seq = read_pose(path)
    assert seq.num_frames == 1 and seq.layout == "mediapipe_holistic_543"
    r = next(r for r in table if r["type"] == "right_hand" and r["landmark_index"] == 8)
    np.testing.assert_allclose(seq.keypoints[0, RH0 + 8], [r["x"] * W, r["y"] * H], rtol=1e-5)
    sentence = read_pose(REAL / "sentences_signbridge" / "chair-black-tall" / "capture.pose")
    assert sentence.layout == "mediapipe_holistic_543" and sentence.frame_size == (640, 480)
    assert sentence.num_frames == 160


@needs_real
def test_real_files_through_convert_and_show(tmp_path):
    """`signpt convert` and `signpt show` take a per-frame folder, a (T, D) array with a declared block order,
    and a Kaggle parquet, like any pose file."""
    from signpt.cli.main import main

    folder = REAL / "crowd_original" / "tamtridung__ASL_SignWish" / "MP_Data" / "thank you" / "1"
    assert main(["convert", str(folder), str(tmp_path / "t.pose")]) == 0
    back = read_pose(tmp_path / "t.pose")
    np.testing.assert_allclose(back.keypoints, read_pose(folder).keypoints, atol=1e-3)
    array = sorted((REAL / "crowd" / "Abdel-Rahman-Emam__Grad-Proj-DL").glob("*/0.npy"))[0]
    assert main(["convert", str(array), str(tmp_path / "a.npz"), "--layout", "k79", "--blocks", "pose|right|left"]) == 0
    k = read_pose(tmp_path / "a.npz")
    np.testing.assert_allclose(k.keypoints, to_k79(read_pose(array, blocks="pose|right|left")).keypoints, atol=1e-3)
    parquet = REAL / "silfa" / "train_landmark_files" / "100" / "1015.parquet"
    assert main(["show", str(parquet), "--out", str(tmp_path / "s.png"), "--layout", "k79"]) == 0
    assert (tmp_path / "s.png").stat().st_size > 1000
