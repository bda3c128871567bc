"""`manage.py link` and `evaluate_links` show the largest persons and persons holding
conflicting hard identifiers: counts and ids, never a name or a NIK."""

import io
import re

import pytest
from django.core.management import call_command

from registry.citygen import CityConfig, generate_city
from registry.models import LinkDecision, RecordLink, SourceRecord
from tests.registry.conftest import import_generated_city

pytestmark = pytest.mark.django_db

SIXTEEN_DIGITS = re.compile(r"\d{16}")


def test_link_and_evaluate_links_print_cluster_diagnostics(tmp_path):
    out_dir = tmp_path / "city"
    generate_city(out_dir, CityConfig(persons=400, seed=9, adversarial=True))
    import_generated_city(out_dir)
    out = io.StringIO()
    call_command("link", "--full", stdout=out)
    text = out.getvalue()
    assert "largest persons: person " in text
    assert "persons with two civil-registry NIKs: 0" in text
    assert not SIXTEEN_DIGITS.search(text)

    # two civil-registry records of different people forced into one person: reported
    civil = SourceRecord.objects.filter(is_current=True, agency__kind="civil_registry")
    first, second = civil.order_by("id")[:2]
    person = RecordLink.objects.get(record=first).person_id
    RecordLink.objects.filter(record=second).update(person_id=person)
    out = io.StringIO()
    call_command("evaluate_links", str(out_dir / "truth.csv"), stdout=out)
    text = out.getvalue()
    assert "persons with two civil-registry NIKs: 1" in text
    assert f"person {person}: records " in text
    assert str(first.id) in text and str(second.id) in text
    assert "precision" in text
    assert not SIXTEEN_DIGITS.search(text)


def test_reviewer_same_on_two_civil_registry_niks_is_listed_as_a_double_registration(tmp_path):
    """A reviewer's "same" on two civil-registry records with different NIKs wins over the
    civil-registry split (docs/decisions/0005): one person, listed as a confirmed double
    civil registration, not counted as a civil conflict."""
    out_dir = tmp_path / "city"
    generate_city(out_dir, CityConfig(persons=300, seed=4))
    import_generated_city(out_dir)
    call_command("link", "--full", verbosity=0)
    civil = SourceRecord.objects.filter(
        is_current=True, agency__kind="civil_registry", nik_reliable=True
    ).order_by("id")
    first = civil.first()
    second = civil.exclude(nik=first.nik).exclude(link__person=first.link.person).first()
    LinkDecision.objects.create(
        agency_a_id=first.agency_id, source_record_id_a=first.source_record_id,
        agency_b_id=second.agency_id, source_record_id_b=second.source_record_id,
        decision=LinkDecision.Decision.SAME, reason="registered twice",
    )  # fmt: skip
    out = io.StringIO()
    call_command("link", "--full", stdout=out)
    text = out.getvalue()
    person = RecordLink.objects.get(record=first).person_id
    assert RecordLink.objects.get(record=second).person_id == person
    assert "persons with two civil-registry NIKs: 0" in text
    assert 'persons confirmed as double civil registrations (a reviewer\'s "same"): 1' in text
    assert f"person {person}: records " in text
    assert not SIXTEEN_DIGITS.search(text)

    out = io.StringIO()
    call_command("evaluate_links", str(out_dir / "truth.csv"), stdout=out)
    assert 'double civil registrations (a reviewer\'s "same"): 1' in out.getvalue()
