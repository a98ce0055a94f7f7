import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _database_ok():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker_ok():
    if not settings.REDIS_URL:
        return "not used (tasks run in-process)"
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


@never_cache
def healthz(request):
    report, healthy = {}, True
    for part, check in (("database", _database_ok), ("broker", _broker_ok)):
        try:
            report[part] = check() or "ok"
        except Exception as error:
            healthy = False
            report[part] = f"failed: {type(error).__name__}"
    return JsonResponse({"status": "ok" if healthy else "failed", **report},
                        status=200 if healthy else 503)
