"""The two commands that load a whole city through bulk_load: `demo_setup` (behind `make demo`)
and `bench_pipeline`, run end to end on a small generated city."""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from registry.models import (
    AidReceipt,
    Dataset,
    DatasetKind,
    Household,
    HouseholdDecile,
    ImportBatch,
    Person,
    RecordLink,
    SourceRecord,
)
from tests.registry.conftest import indexes_and_constraints

pytestmark = pytest.mark.django_db

TABLES = (SourceRecord._meta.db_table, AidReceipt._meta.db_table)


@pytest.fixture
def every_load_is_bulk(monkeypatch):
    """A small city takes the path of a large one: indexes dropped, built once at the end."""
    monkeypatch.setattr("registry.services.bulk_load.IMPORT_REBUILD_MIN_ROWS", 1)


def test_demo_setup_loads_links_and_opens_a_login_per_role(tmp_path, every_load_is_bulk):
    before = [indexes_and_constraints(table) for table in TABLES]
    out = io.StringIO()
    call_command("demo_setup", persons=300, seed=3, dir=str(tmp_path / "city"), stdout=out)
    assert [indexes_and_constraints(table) for table in TABLES] == before
    batches = ImportBatch.objects.all()
    # five agency files, then the DTSEN extract of two quarters (issue 18 item 1)
    assert batches.count() == 7 and not batches.filter(status="rejected").exists()
    dtsen = Dataset.objects.get(kind=DatasetKind.DTSEN)
    assert (dtsen.agency.code, dtsen.access_level) == ("dinsos", "restricted")
    quarters = set(HouseholdDecile.objects.values_list("quarter", flat=True))
    assert quarters == {"2026-Q2", "2026-Q3"}
    # every household of the city has its DTSEN history, and some deciles moved
    facts = HouseholdDecile.objects.filter(is_current=True)
    assert facts.filter(quarter="2026-Q2").count() == facts.filter(quarter="2026-Q3").count()
    assert facts.values("kk_number").distinct().count() >= 0.9 * Household.objects.count()
    by_kk = {}
    for kk, quarter, decile in facts.values_list("kk_number", "quarter", "decile"):
        by_kk.setdefault(kk, {})[quarter] = decile
    assert any(d["2026-Q2"] != d["2026-Q3"] for d in by_kk.values())
    current = SourceRecord.objects.filter(is_current=True).count()
    assert current > 600
    assert RecordLink.objects.count() == current  # every record placed with a person
    assert 250 <= Person.objects.count() <= 400
    assert AidReceipt.objects.exists()
    lines = out.getvalue().splitlines()
    for username in ("walidata", "auditor", "analis.dinsos", "perencana", "operator.dinsos"):
        assert authenticate(username=username, password="satudata-demo-2026") is not None
        # One line per login, with its password: copy-paste ready.
        (line,) = [x for x in lines if x.startswith("Login:") and f" {username} " in x]
        assert "satudata-demo-2026" in line
    assert "API docs:   http://127.0.0.1:8000/api/docs" in lines
    (token_line,) = [x for x in lines if x.startswith("API token:")]
    assert "manage.py api_token create --agency dinsos" in token_line
    # The demo board shows a late agency: registered, expected to submit, nothing sent.
    from registry.reports.board import late_agencies
    from registry.selectors import viewer_for

    walidata = get_user_model().objects.get(username="walidata")
    late = late_agencies(viewer_for(walidata))
    assert [a.code for a in late] == ["disnaker"]
    assert authenticate(username="operator.disnaker", password="satudata-demo-2026")


def test_bench_pipeline_prints_every_figure(tmp_path, monkeypatch, every_load_is_bulk):
    monkeypatch.chdir(tmp_path)  # the command keeps its city under ./var
    out = io.StringIO()
    call_command("bench_pipeline", persons=300, seed=3, singles=5, stdout=out)
    printed = out.getvalue()
    assert "import: " in printed and "records/s" in printed
    assert "link --full: " in printed and "peak RSS" in printed
    assert "single record submit+link (5 records)" in printed
    assert "joined the person of the row they vary" in printed
    assert SourceRecord.objects.filter(is_current=True).count() > 600
