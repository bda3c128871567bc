"""The Satu Data catalogue through a real CKAN client (`ckanapi.RemoteCKAN`) against a live
server: package_list / package_show / package_search / datastore_search in CKAN's envelope
and error shape, DCAT JSON-LD, and never a record-level row or a non-open dataset."""

from __future__ import annotations

import json

import ckanapi
import httpx
import pytest
from django.conf import settings
from pyld import jsonld

from api.catalogue import metadata as md
from registry.ingest.headers import CANONICAL_FIELDS
from registry.ingest.reading import ParsedFile
from registry.linking import link
from registry.models import AccessLevel, Agency, AgencyKind, Dataset, Region, UpdateFrequency
from registry.services.imports import records_import
from registry.services.regions import regions_load

OPEN = "bappeda-penduduk-terbuka"
SUKARASA, SUKAASIH, TANAH_TINGGI = "36.71.01.1001", "36.71.01.1002", "36.71.01.1003"
KELURAHAN = {SUKARASA: "Sukarasa", SUKAASIH: "Sukaasih", TANAH_TINGGI: "Tanah Tinggi"}


def _rows(prefix: str, counts: dict[str, int], start: int) -> list[dict]:
    rows, i = [], start
    for code, n in counts.items():
        for _ in range(n):
            day, month = 1 + i % 28, 1 + (i // 28) % 12
            rows.append(
                {
                    "source_record_id": f"{prefix}-{i}",
                    "nik": f"367101{day:02d}{month:02d}79{i % 10000:04d}",
                    "full_name": f"Warga Katalog {prefix} {i}",
                    "sex": "L",
                    "birth_date": f"1979-{month:02d}-{day:02d}",
                    "address": f"Jl. Katalog No. {i}",
                    "rt": "1",
                    "rw": "2",
                    "kelurahan": KELURAHAN[code],
                    "kecamatan": "Tangerang",
                }
            )
            i += 1
    return rows


def _import(dataset: Dataset, rows: list[dict]) -> None:
    parsed = ParsedFile(
        rows=[(n + 2, {f: str(r.get(f, "")) for f in CANONICAL_FIELDS}) for n, r in enumerate(rows)]
    )
    outcome = records_import(dataset=dataset, parsed=parsed)
    assert outcome.batch.status == "imported", outcome.validation.errors


def _dataset(code: str, name: str, level: str, title: str) -> Dataset:
    agency, _ = Agency.objects.get_or_create(
        code=code, defaults={"name": code.upper(), "kind": AgencyKind.OTHER}
    )
    return Dataset.objects.create(
        agency=agency,
        name=name,
        title=title,
        description=f"{title}: deskripsi",
        producer=f"{code.upper()} Kota Tangerang",
        update_frequency=UpdateFrequency.QUARTERLY,
        access_level=level,
    )


@pytest.fixture
def catalogue_city(transactional_db):
    """An open dataset (15 / 3 / 12 rows in three kelurahan: 3 is hidden, 12 hidden with it),
    a restricted and a closed one; all linked."""
    if not Region.objects.exists():  # a transactional test before this one flushed them
        regions_load(Region, settings.REGISTRY_REGENCY_CODE)
    open_ds = _dataset("bappeda", "penduduk-terbuka", AccessLevel.OPEN, "Penduduk terbuka")
    restricted = _dataset("dinsos", "dtks-rahasia", AccessLevel.RESTRICTED, "DTKS rahasia")
    closed = _dataset("dinkes", "kasus-tertutup", AccessLevel.CLOSED, "Kasus tertutup")
    rows = {
        "open": _rows("OPN", {SUKARASA: 15, SUKAASIH: 3, TANAH_TINGGI: 12}, 0),
        "restricted": _rows("RST", {SUKARASA: 20}, 100),
        "closed": _rows("CLS", {SUKAASIH: 4}, 200),
    }
    _import(open_ds, rows["open"])
    _import(restricted, rows["restricted"])
    _import(closed, rows["closed"])
    link(full=True)
    return {"datasets": (open_ds, restricted, closed), "rows": rows}


@pytest.fixture
def ckan(live_server):
    return ckanapi.RemoteCKAN(live_server.url, user_agent="satudata-tests")


def _secrets(city) -> set[str]:
    return {
        value
        for rows in city["rows"].values()
        for row in rows
        for value in (row["nik"], row["full_name"].upper(), row["source_record_id"])
    }


def test_package_list_shows_only_open_data(catalogue_city, ckan):
    assert ckan.action.package_list() == [OPEN, md.STATISTIC_NAME]
    assert ckan.action.package_list(limit=1, offset=1) == [md.STATISTIC_NAME]
    for hidden in ("dinsos-dtks-rahasia", "dinkes-kasus-tertutup"):
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id=hidden)


def test_package_show_carries_sdi_metadata(catalogue_city, ckan):
    package = ckan.action.package_show(id=OPEN)
    assert package["name"] == OPEN and package["title"] == "Penduduk terbuka"
    assert package["organization"]["name"] == "bappeda"
    assert package["license_id"] == "cc-by" and package["isopen"] is True
    sdi = package["sdi"]
    assert sdi["produsen_data"] == "BAPPEDA Kota Tangerang"
    assert sdi["deskripsi"] == "Penduduk terbuka: deskripsi"
    assert sdi["frekuensi_pemutakhiran"] == "quarterly"
    assert sdi["tingkat_akses"] == "open"
    assert sdi["kode_wilayah"] == ["36.71", "36.71.01"]
    assert sdi["periode_referensi"] and sdi["periode_awal"] and sdi["periode_akhir"]
    variables = {v["nama"]: v for v in sdi["variabel"]}
    assert set(variables) == {
        "kode_wilayah", "nama_wilayah", "jumlah_baris_data", "jumlah_orang", "disembunyikan"
    }  # fmt: skip
    for v in variables.values():
        assert v["konsep"] and v["definisi"], v
    assert variables["jumlah_orang"]["satuan"] == "orang"
    assert "Kemendagri" in variables["kode_wilayah"]["klasifikasi"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["tingkat_akses"] == "open" and json.loads(extras["kode_wilayah"])[0] == "36.71"
    # by id as well, and each resource is a datastore table
    assert ckan.action.package_show(id=package["id"])["name"] == OPEN
    assert [r["datastore_active"] for r in package["resources"]] == [True, True]

    stat = ckan.action.package_show(id=md.STATISTIC_NAME)
    assert {v["nama"] for v in stat["sdi"]["variabel"]} >= {
        "jumlah_penduduk", "jumlah_keluarga", "jumlah_penerima_bantuan"
    }  # fmt: skip
    assert stat["sdi"]["kode_wilayah"][0] == "36.71"


def test_ckan_errors_in_ckan_shape(catalogue_city, ckan, live_server):
    with pytest.raises(ckanapi.ValidationError) as missing:
        ckan.action.package_show()
    assert missing.value.error_dict["id"] == ["Missing value"]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="tidak-ada")
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(fq="nik:3671")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id="tidak-ada")
    with pytest.raises(ckanapi.ValidationError):
        resource = ckan.action.package_show(id=OPEN)["resources"][0]["id"]
        ckan.action.datastore_search(resource_id=resource, filters={"nik": "1"})
    # the envelope, over plain HTTP on CKAN's versioned path
    r = httpx.get(f"{live_server.url}/api/3/action/package_show", params={"id": "tidak-ada"})
    assert r.status_code == 404
    body = r.json()
    assert set(body) == {"help", "success", "error"} and body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    r = httpx.post(f"{live_server.url}/api/3/action/package_create", json={"name": "x"})
    assert r.status_code == 400 and r.json()["success"] is False
    r = httpx.get(f"{live_server.url}/api/3/action/package_list")
    assert set(r.json()) == {"help", "success", "result"} and r.json()["success"] is True
    assert httpx.get(f"{live_server.url}/api/3").json() == {"version": 3}


def test_package_search(catalogue_city, ckan):
    everything = ckan.action.package_search()
    assert everything["count"] == 2
    assert {p["name"] for p in everything["results"]} == {OPEN, md.STATISTIC_NAME}
    found = ckan.action.package_search(q="penduduk terbuka")
    assert [p["name"] for p in found["results"]] == [OPEN]
    assert ckan.action.package_search(q="rahasia")["count"] == 0
    by_org = ckan.action.package_search(fq="organization:bappeda")
    assert [p["name"] for p in by_org["results"]] == [OPEN]
    assert ckan.action.package_search(fq="organization:dinsos")["count"] == 0
    recent = ckan.action.package_search(fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")
    assert recent["count"] == 2
    paged = ckan.action.package_search(rows=1, start=1, sort="name asc")
    assert paged["count"] == 2 and [p["name"] for p in paged["results"]] == [md.STATISTIC_NAME]


def test_datastore_search_serves_suppressed_aggregates(catalogue_city, ckan):
    package = ckan.action.package_show(id=OPEN)
    by_level = {r["name"].rsplit(" ", 1)[-1]: r["id"] for r in package["resources"]}
    kel = ckan.action.datastore_search(resource_id=by_level["kelurahan"], limit=500)
    rows = {r["kode_wilayah"]: r for r in kel["records"]}
    assert rows[SUKARASA]["jumlah_baris_data"] == 15
    assert rows[SUKARASA]["jumlah_orang"] == 15
    # 3 is hidden (primary); 12 is hidden with it, else 30 - 15 - 12 gives the 3 back
    assert rows[SUKAASIH]["jumlah_baris_data"] is None
    assert rows[TANAH_TINGGI]["jumlah_baris_data"] is None
    assert "jumlah_baris_data" in rows[SUKAASIH]["disembunyikan"]
    assert kel["total"] == len(kel["records"])
    field_ids = [f["id"] for f in kel["fields"]]
    assert field_ids == [
        "_id", "kode_wilayah", "nama_wilayah", "jumlah_baris_data", "jumlah_orang",
        "disembunyikan",
    ]  # fmt: skip
    assert all(set(r) == set(field_ids) for r in kel["records"])
    one = ckan.action.datastore_search(
        resource_id=by_level["kelurahan"], filters={"kode_wilayah": SUKARASA}
    )
    assert [r["nama_wilayah"] for r in one["records"]] == ["Sukarasa"]
    kec = ckan.action.datastore_search(resource_id=by_level["kecamatan"], limit=500)
    tangerang = next(r for r in kec["records"] if r["kode_wilayah"] == "36.71.01")
    assert tangerang["jumlah_baris_data"] == 30
    paged = ckan.action.datastore_search(
        resource_id=by_level["kecamatan"], limit=2, offset=1, sort="kode_wilayah desc"
    )
    assert len(paged["records"]) == 2 and paged["records"][0]["_id"] != 1

    # GET-only clients (CKAN's GET form, filters as a JSON string) get the same answer
    getter = ckanapi.RemoteCKAN(ckan.address, get_only=True)
    same = getter.action.datastore_search(
        resource_id=by_level["kelurahan"], filters=json.dumps({"kode_wilayah": SUKARASA})
    )
    assert same["records"] == one["records"]


def test_no_record_level_data_leaves(catalogue_city, ckan, live_server):
    """Every answer of every action, on every resource, holds no NIK, name or record id."""
    secrets = _secrets(catalogue_city)
    bodies = []
    client = httpx.Client(base_url=f"{live_server.url}/api/3/action", timeout=60)
    bodies.append(client.get("/package_list").text)
    search = client.get("/package_search", params={"rows": 1000})
    bodies.append(search.text)
    for package in search.json()["result"]["results"]:
        bodies.append(client.get("/package_show", params={"id": package["name"]}).text)
        for resource in package["resources"]:
            answer = client.get(
                "/datastore_search", params={"resource_id": resource["id"], "limit": 32000}
            )
            bodies.append(answer.text)
            for record in answer.json()["result"]["records"]:
                for key, value in record.items():
                    # counts are never a small number: 1-10 is always hidden
                    if key.startswith("jumlah_") and value is not None:
                        assert value == 0 or value > 10, (resource["name"], record)
    bodies.append(httpx.get(f"{live_server.url}/catalog.jsonld").text)
    text = "\n".join(bodies).upper()
    assert not sorted(s for s in secrets if s.upper() in text)
    for hidden in ("DTKS RAHASIA", "KASUS TERTUTUP", "DTKS-RAHASIA", "KASUS-TERTUTUP"):
        assert hidden not in text


def test_dcat_catalog_is_valid_json_ld(catalogue_city, live_server):
    r = httpx.get(f"{live_server.url}/catalog.jsonld")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    expanded = jsonld.expand(r.json())
    dcat = "http://www.w3.org/ns/dcat#"
    dct = "http://purl.org/dc/terms/"
    (catalog,) = [n for n in expanded if f"{dcat}Catalog" in n.get("@type", [])]
    datasets = catalog[f"{dcat}dataset"]
    assert len(datasets) == 2
    titles = {d[f"{dct}title"][0]["@value"] for d in datasets}
    assert titles == {"Penduduk terbuka", md.statistic_package().title}
    for d in datasets:
        assert d["@type"] == [f"{dcat}Dataset"]
        assert d[f"{dct}accrualPeriodicity"][0]["@id"].startswith("http://purl.org/cld/freq/")
        assert d[f"{dct}temporal"][0][f"{dcat}startDate"]
        assert len(d[f"{dcat}distribution"]) == 2
        for dist in d[f"{dcat}distribution"]:
            url = dist[f"{dcat}accessURL"][0]["@id"]
            assert httpx.get(url).json()["success"] is True


def test_one_small_cell_threshold_for_every_publication():
    """Issue 17: the open statistics (and so the catalogue) and the planner's tables share
    one suppression rule (tests/web_dashboards/test_suppression_callers.py pins the callers)."""
    from api.services import stats
    from registry.reports import suppression

    assert stats.suppress_areas is suppression.suppress_areas
    hidden_kel, _hidden_kec = suppression.suppress_areas(
        {"36.71.01.1001": 10, "36.71.01.1002": 11}, {"36.71.01": 21}
    )
    assert "36.71.01.1001" in hidden_kel
    assert suppression.suppress_counts([10, 11])[0][0] is None
    assert suppression.suppress_areas(
        {"36.71.01.1001": 11, "36.71.01.1002": 11}, {"36.71.01": 22}
    ) == (set(), set())


def test_catalogue_pages_for_everyone(catalogue_city, client):
    """The public pages: no login, open packages only, hidden cells shown as <11."""
    from django.urls import reverse

    index = client.get(reverse("catalogue:index"))
    assert index.status_code == 200
    text = index.content.decode()
    assert "Penduduk terbuka" in text and "Statistik penduduk" in text
    assert "DTKS rahasia" not in text and "Kasus tertutup" not in text
    detail = client.get(reverse("catalogue:detail", kwargs={"name": OPEN}))
    page = detail.content.decode()
    assert "Triwulanan" in page and "36.71.01" in page and "&lt;11" in page
    assert "Baris data" in page  # a variable's concept heads its column
    assert not sorted(s for s in _secrets(catalogue_city) if s.upper() in page.upper())
    for hidden in ("dinsos-dtks-rahasia", "dinkes-kasus-tertutup", "tidak-ada"):
        assert client.get(reverse("catalogue:detail", kwargs={"name": hidden})).status_code == 404
