import json
from pathlib import Path

import pytest

from evidence.services import studies_load

DATA_DIR = Path(__file__).resolve().parents[2] / "evidence" / "data"


def data_records() -> list[dict]:
    with (DATA_DIR / "studies.json").open(encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def studies(db):
    """The real catalogue, loaded the way ``manage.py load_studies`` loads it."""
    return studies_load()
