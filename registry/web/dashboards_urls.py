"""URLs of the dashboards (aid targeting, planning and household query, walidata board,
auditor pages, review queue), mounted by registry.web.urls with one include line."""

from django.urls import include, path

from registry.web import administration, auditor, board, planning, review, targeting

urlpatterns = [
    path("sasaran-bansos/", include((targeting.urlpatterns, "targeting"))),
    path("perencanaan/", include((planning.urlpatterns, "planning"))),
    path("walidata/kelola/", include((administration.urlpatterns, "manage"))),
    path("walidata/", include((board.urlpatterns, "board"))),
    path("audit/", include((auditor.urlpatterns, "auditor"))),
    path("tinjauan/", include((review.urlpatterns, "review"))),
]
