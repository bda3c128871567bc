import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from api.middleware import asgi_body_limit  # noqa: E402 - needs the app registry ready

application = asgi_body_limit(application)
