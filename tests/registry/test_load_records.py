"""load_records: the whole city's current records, copied out as CSV and parsed by pandas,
give the same frame as the rows read directly (the incremental linker's path)."""

import pandas as pd
import pytest
from django.core.management import call_command

from registry.citygen import CityConfig, generate_city
from registry.linking import records
from tests.registry.conftest import import_generated_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported_city(tmp_path):
    out = tmp_path / "city"
    generate_city(out, CityConfig(persons=500, seed=5))
    import_generated_city(out)
    call_command("link", verbosity=0)  # some records linked, so person_id is not all null


def test_piped_load_equals_a_direct_read(imported_city):
    piped = records.load_records()
    direct = records.load_records_where("true", [])
    assert len(piped) > 1_000
    assert list(piped.columns) == list(direct.columns)
    for column in piped.columns:
        left, right = piped[column], direct[column]
        if column == "created_at":
            left, right = left.dt.tz_localize(None), right.dt.tz_convert(None)
        pd.testing.assert_series_equal(left, right, check_dtype=False, check_names=False)
    assert piped["person_id"].notna().all()
