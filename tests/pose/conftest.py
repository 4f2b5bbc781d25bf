from pathlib import Path

import pytest

DATA = Path(__file__).parents[1].parent.parent / "shared" / "data"
POSES = DATA / "poses"


@pytest.fixture(scope="session")
def poses_dir() -> Path:
    if not POSES.is_dir():
        pytest.skip(f"real pose files not found at {POSES} (../shared/data is absent)")
    return POSES


@pytest.fixture(scope="session")
def fingerspelling(poses_dir) -> list[Path]:
    files = sorted((poses_dir / "fingerspelling").glob("*/*.pose"))
    if not files:
        pytest.skip(f"no fingerspelling clips in {poses_dir / 'fingerspelling'}")
    return files
