"""URLs of the web app (Indonesian paths; /en/... serves the same pages in English).

The dashboards pages are included below with one line each owner adds.
"""

from django.urls import include, path, register_converter  # noqa: F401 - include: dashboards

from registry.web import auth, home, identity, people, purpose, uploads


class PublicIdConverter:
    """A person's or household's public id: letters, digits, '-', '_' and '.'. Anything else
    (a NUL, which PostgreSQL cannot even compare, a slash, ...) is simply not a page: 404."""

    regex = r"[A-Za-z0-9_.-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicIdConverter, "pid")

urlpatterns = [
    path("", home.home_view, name="home"),
    path("masuk/", auth.LoginView.as_view(), name="login"),
    path("keluar/", auth.LogoutView.as_view(), name="logout"),
    path("tujuan/", purpose.purpose_view, name="purpose"),
    path("cari/", people.person_search_view, name="person_search"),
    path("orang/<pid:public_id>/", people.person_detail_view, name="person_detail"),
    path("orang/<pid:public_id>/gabung/", identity.person_merge_view, name="person_merge"),
    path("orang/<pid:public_id>/pisah/", identity.person_unmerge_view, name="person_unmerge"),
    path("keluarga/<pid:public_id>/", people.household_detail_view, name="household_detail"),
    path("unggah/", uploads.upload_view, name="upload"),
    path("unggah/<str:token>/laporan/", uploads.upload_report_view, name="upload_report"),
    path("unggah/<str:token>/konfirmasi/", uploads.upload_confirm_view, name="upload_confirm"),
    path("unggah/pekerjaan/<uuid:public_id>/", uploads.upload_job_view, name="upload_job"),
    path("impor/", uploads.batch_list_view, name="batch_list"),
    path("impor/<int:pk>/", uploads.batch_detail_view, name="batch_detail"),
    path("impor/<int:pk>/perbaikan.xlsx", uploads.batch_fix_list_view, name="batch_fix_list"),
    path("unggah/<str:token>/perbaikan.xlsx", uploads.upload_fix_list_view, name="upload_fix_list"),
    # Dashboards (aid targeting, planning, board, auditor, review): one include line here.
    path("", include("registry.web.dashboards_urls")),
    path("privasi/", include(("registry.privacy.views", "privacy"))),  # UU PDP pack
    path("dtsen/", include(("registry.welfare.views", "welfare"))),  # usulan and sanggahan
]
