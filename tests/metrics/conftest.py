from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).parents[1].parent.parent / "shared" / "data"
PHOENIX = SHARED_DATA / "annotations" / "phoenix2014t"


@pytest.fixture
def phoenix_dir() -> Path:
    if not PHOENIX.is_dir():
        pytest.skip(f"real PHOENIX-2014-T annotations not found at {PHOENIX} (../shared/data is absent)")
    return PHOENIX
