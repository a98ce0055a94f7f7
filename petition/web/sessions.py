"""Sessions in the database, with keys read only when they could be ours.

Django accepts any session key of eight characters or more and looks it up. A
forged cookie with a NUL byte then reaches PostgreSQL, which refuses it, and the
request ends in a 500 (found by the HTTP fuzz). The keys Django makes are 32
characters of lower-case letters and digits: anything else is no session at all,
answered as a visitor without one, and never sent to the database.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

KEY_CHARACTERS = frozenset(VALID_KEY_CHARS)
KEY_MAX_LENGTH = 40  # the session table's column


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return (super()._validate_session_key(key) and len(key) <= KEY_MAX_LENGTH
                and set(key) <= KEY_CHARACTERS)
