"""The walidata board speaks Bahasa Indonesia: access levels and batch statuses are labels,
not codes, and a producing agency that sent nothing this quarter is listed as late."""

from django.urls import reverse

from registry.models import Agency, AgencyKind, ImportBatch


def test_board_translates_statuses_and_lists_a_late_agency(client, city):
    ImportBatch.objects.filter(pk=city.batches["bpjs"].pk).update(status=ImportBatch.Status.PARTIAL)
    Agency.objects.create(code="disnaker", name="Dinas Tenaga Kerja", kind=AgencyKind.OTHER)
    client.force_login(city.users["walidata"])
    page = client.get(reverse("board:index")).content.decode()
    assert "<td>tertutup</td>" in page and ">closed<" not in page
    assert "Sebagian diimpor" in page and "Diimpor" in page
    assert ">imported<" not in page and ">partial<" not in page
    late = page.split('id="late-h"', 1)[1].split("</section>", 1)[0]
    assert "Dinas Tenaga Kerja" in late
