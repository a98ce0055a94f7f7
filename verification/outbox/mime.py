"""The outbox's emails as MIME, with the headers that repeat parsed and folded once.

Django builds a message with the standard library's modern email API, whose
policy parses every header value into a tree when it is set and folds it again
when the message is written. That was half of a worker's CPU for each
confirmation email (py-spy, docs/performance.md « Confirmation emails »). Most
of those values are the same from one email to the next: the From, the
Reply-To, a kind's subject in a language, each part's Content-Type and
Content-Transfer-Encoding, MIME-Version, Auto-Submitted. This policy keeps the
latest of them, so a message's bytes are the same as with the stock policy
(tests/test_it_writes_emails_byte_for_byte.py) and only what differs (To, Message-ID,
Date) is parsed each time.

Only the SMTP and console backends write MIME; anymail's providers are given the
message's fields and never call message().
"""

import email.policy
import functools
from email.headerregistry import HeaderRegistry
from email.policy import EmailPolicy

from django.core.mail import EmailMultiAlternatives

# Enough for every header that repeats, in both languages and every kind, with
# room for the unique ones that pass through.
KEPT = 1024


class _StableRegistry(HeaderRegistry):
    """The stock registry builds a new class for each header it makes (type(...) on
    every call); this one builds it once per name, which also lets a folded header
    be recognised by its class."""

    @functools.cache  # noqa: B019 (one registry per policy, kept for the process)
    def __getitem__(self, name):
        return super().__getitem__(name)


class RepeatingHeadersPolicy(EmailPolicy):
    """An EmailPolicy whose header parses and folds are kept by (name, value)."""

    def header_store_parse(self, name, value):
        if hasattr(value, "name") or not isinstance(value, str):
            # Already a header object, or addresses as a list (To, Reply-To): as is.
            return super().header_store_parse(name, value)
        # A value with a line break raises ValueError each time (lru_cache keeps
        # no exceptions): the check against header injection stays whole.
        return self._parsed(name, value)

    def fold_binary(self, name, value):
        if not hasattr(value, "name"):  # a raw string folds differently: not kept
            return super().fold_binary(name, value)
        # The class is in the key: a header object and a plain string of the same
        # text are equal as dictionary keys.
        return self._folded(name, type(value), value)

    @functools.lru_cache(maxsize=KEPT)  # noqa: B019 (policies are few and live forever)
    def _parsed(self, name, value):
        return super().header_store_parse(name, value)

    @functools.lru_cache(maxsize=KEPT)  # noqa: B019
    def _folded(self, name, header_class, value):
        return super().fold_binary(name, value)


@functools.cache
def repeating_headers(policy: EmailPolicy) -> EmailPolicy:
    """The same settings as `policy` (email.policy.SMTP, default…), with headers kept."""
    settings = {key: value for key, value in vars(policy).items() if key != "header_factory"}
    return RepeatingHeadersPolicy(header_factory=_StableRegistry(), **settings)


class OutboxEmail(EmailMultiAlternatives):
    """An email of the outbox: Django's, written with the policy that keeps headers."""

    def message(self, *, policy=email.policy.default):
        if isinstance(policy, EmailPolicy) and not isinstance(policy, RepeatingHeadersPolicy):
            policy = repeating_headers(policy)
        return super().message(policy=policy)
