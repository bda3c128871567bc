"""URLs of the Satu Data catalogue (namespace "ckan"), mounted before the ninja API in
config.urls: CKAN's two action paths and the DCAT catalog."""

from django.urls import path

from api.catalogue import ckan, dcat

app_name = "ckan"

urlpatterns = [
    path("api/3", ckan.api_root_view, name="api_root"),
    path("api/3/action/<str:action>", ckan.action_view, name="action"),
    path("api/action/<str:action>", ckan.action_view, name="action_unversioned"),
    path("catalog.jsonld", dcat.catalog_view, name="dcat_catalog"),
]
