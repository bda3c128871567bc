"""URLs of the web app (Indonesian paths; /en/... serves the same pages in English).

The dashboards pages are included below with one line each owner adds.
"""

from django.urls import include, path  # noqa: F401 - include is for the dashboards line

from registry.web import auth, home, identity, people, purpose, uploads

urlpatterns = [
    path("", home.home_view, name="home"),
    path("masuk/", auth.LoginView.as_view(), name="login"),
    path("keluar/", auth.LogoutView.as_view(), name="logout"),
    path("tujuan/", purpose.purpose_view, name="purpose"),
    path("cari/", people.person_search_view, name="person_search"),
    path("orang/<str:public_id>/", people.person_detail_view, name="person_detail"),
    path("orang/<str:public_id>/gabung/", identity.person_merge_view, name="person_merge"),
    path("orang/<str:public_id>/pisah/", identity.person_unmerge_view, name="person_unmerge"),
    path("keluarga/<str:public_id>/", people.household_detail_view, name="household_detail"),
    path("unggah/", uploads.upload_view, name="upload"),
    path("unggah/<str:token>/laporan/", uploads.upload_report_view, name="upload_report"),
    path("unggah/<str:token>/konfirmasi/", uploads.upload_confirm_view, name="upload_confirm"),
    path("impor/", uploads.batch_list_view, name="batch_list"),
    path("impor/<int:pk>/", uploads.batch_detail_view, name="batch_detail"),
    # Dashboards (aid targeting, planning, board, auditor, review): one include line here.
    path("", include("registry.web.dashboards_urls")),
    path("privasi/", include(("registry.privacy.views", "privacy"))),  # UU PDP pack
]
