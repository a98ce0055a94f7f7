"""Sessions in the database, with keys read only when they could be ours, written once.

Django accepts any session key of eight characters or more and looks it up. A
forged cookie with a NUL byte then reaches PostgreSQL, which refuses it, and the
request ends in a 500 (found by the HTTP fuzz). The keys Django makes are 32
characters of lower-case letters and digits: anything else is no session at all,
answered as a visitor without one, and never sent to the database.

Two statements fewer on the signing POST, which saves the session inside its own
transaction (one commit for the signature and the session):

- a new key is not looked up first: 32 random characters are never taken, and
  if one were, the INSERT (ON CONFLICT DO NOTHING, without a savepoint) says so
  and create() draws another;
- saving again what was just saved writes nothing: the session middleware saves
  every modified session after the view, in a transaction of its own.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import router
from django.db.models.constants import OnConflict
from django.utils.crypto import get_random_string

KEY_CHARACTERS = frozenset(VALID_KEY_CHARS)
KEY_MAX_LENGTH = 40  # the session table's column


class SessionStore(DatabaseSessionStore):
    _saved = None  # (key, serialised data) as last written by this store

    def _validate_session_key(self, key):
        return (super()._validate_session_key(key) and len(key) <= KEY_MAX_LENGTH
                and set(key) <= KEY_CHARACTERS)

    def _get_new_session_key(self):
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create=False):
        if must_create and self.session_key is not None:
            self._insert()
        elif self._saved is None or self._saved != self._state_now():
            super().save(must_create)
        self._saved = self._state_now()

    def _insert(self):
        """INSERT … ON CONFLICT DO NOTHING: a key already taken is CreateError, as in
        Django's save, without its savepoint around the INSERT (the signing POST's
        transaction holds it)."""
        row = self.create_model_instance(self._get_session(no_load=True))
        meta = self.model._meta
        if not self.model.objects._insert(
                [row], fields=meta.local_concrete_fields, returning_fields=[meta.pk],
                on_conflict=OnConflict.IGNORE, using=router.db_for_write(self.model)):
            raise CreateError

    def _state_now(self):
        # The data as written (a dict changed in place shows); a set_expiry is in it too.
        return self._session_key, self.serializer().dumps(self._get_session())
