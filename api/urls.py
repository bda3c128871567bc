from api.main import api

urlpatterns, _app_name, _namespace = api.urls
app_name = api.urls_namespace
