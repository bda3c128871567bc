"""The project's URLs plus views that fail on purpose (tests/web/test_error_pages.py)."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def _boom(request):
    raise RuntimeError("a bug")


def _bad(request):
    raise BadRequest("malformed")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("uji/boom/", _boom),
    path("uji/bad/", _bad),
    path("uji/forbidden/", _forbidden),
    path("api/uji/boom/", _boom),
    *urlpatterns,
]
