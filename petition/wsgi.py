import os

from django.core.wsgi import get_wsgi_application

from .checks import refuse_to_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "petition.settings")
application = get_wsgi_application()
# gunicorn (or any WSGI server) stops here on a configuration error (petition/checks.py).
refuse_to_start("The web server")
