from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("api.catalogue.urls")),  # CKAN-compatible catalogue, before the API
    path("api/", include("api.urls")),
]
urlpatterns += i18n_patterns(
    path("katalog/", include(("api.catalogue.pages", "catalogue"))),  # public open-data pages
    path("", include("registry.urls")),
    prefix_default_language=False,
)

handler400 = "config.error_pages.bad_request"
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.page_not_found"
handler500 = "config.error_pages.server_error"
