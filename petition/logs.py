"""Structured logs: one JSON object per line on stdout, for the container's log collector.

Also gunicorn's access log, in the same shape, without the client's IP address and
with the secret parts of URLs (confirmation, withdrawal and password links) blanked.
No library: the format is a dozen lines, and it must never log what it should not.
"""

import json
import logging
import re
import time

from gunicorn.glogging import Logger

# Links whose last segments are secrets: the token must not reach a log.
SECRET_PATHS = re.compile(r"/(confirm|withdraw|password)/\S*")


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            # Django logs 4xx answers with their path ("Not Found: /confirm/<token>/").
            "message": redact(record.getMessage()),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def redact(path: str) -> str:
    return SECRET_PATHS.sub(lambda match: f"/{match.group(1)}/…", path)


class AccessLogger(Logger):
    """gunicorn's logger, with JSON access lines: no IP, no query string, no tokens."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in [*self.access_log.handlers, *self.error_log.handlers]:
            handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        method, path = environ.get("REQUEST_METHOD"), redact(environ.get("PATH_INFO", ""))
        self.access_log.info("%s %s %s", method, path, status, extra={"fields": {
            "method": method, "path": path, "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "ms": round(request_time.total_seconds() * 1000, 1),
        }})
