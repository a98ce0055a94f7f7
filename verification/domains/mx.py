"""Can a domain receive email? Asked of DNS once a day, answered within 2 seconds.

RFC 5321 §5.1: mail goes to the domain's MX hosts or, when it has no MX
record, to the domain's own address (A/AAAA). RFC 7505: a lone "0 ." MX
record says the domain accepts no mail at all.

The answers are kept in the shared cache. While it is unreachable, a signer's
domain is not asked of DNS at all: without the cache every signer of a big
domain would wait for its own lookup. It is marked "unchecked", as when DNS
does not answer, and beat checks it again later (domains.recheck_unchecked).
"""

import hashlib
import time

import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from django.conf import settings
from django.core.cache import cache

from petition.cache_backend import CacheUnavailable
from petition.web import pagecache

from .models import DomainCheck as Check

# The whole question (MX, then A and AAAA) must be answered within this.
TOTAL_SECONDS = 2.0
CACHE_SECONDS = 24 * 3600
# Not answered: ask again soon, but not for every signer of the same domain
# while our resolver is down, since each would wait the full 2 seconds.
UNCHECKED_CACHE_SECONDS = 60


# Each web process also keeps the answers it read, for as long as the pages' version
# stands (at most a minute): the same few domains sign over and over, and each read
# was a round trip to Redis on every POST. A domain not answered is never kept.
_answers = pagecache.VersionedMemo(size=1024)


def check_mail_domain(domain: str, *, fresh=False) -> str:
    """ok, no_mail or unchecked, from the cache unless fresh."""
    if fresh:
        _answers.forget(domain)
        return _ask_and_keep(domain)
    return _answers.get(domain, lambda: _cached_or_asked(domain),
                        keep=lambda outcome: outcome != Check.UNCHECKED)


def _key(domain):
    return "mx:" + hashlib.sha256(domain.encode()).hexdigest()[:32]


def _cached_or_asked(domain: str) -> str:
    try:
        if cached := cache.get(_key(domain)):
            return cached
    except CacheUnavailable:
        return Check.UNCHECKED
    return _ask_and_keep(domain)


def _ask_and_keep(domain: str) -> str:
    key = _key(domain)
    outcome = ask_dns(domain)
    try:
        cache.set(key, outcome, UNCHECKED_CACHE_SECONDS if outcome == Check.UNCHECKED
                  else CACHE_SECONDS)
    except CacheUnavailable:
        pass  # asked again next time
    return outcome


def ask_dns(domain: str) -> str:
    try:
        name = dns.name.from_text(domain)
    except (dns.exception.DNSException, ValueError):
        return Check.CANNOT_RECEIVE  # no such name can exist in DNS
    try:
        resolver = make_resolver()
    except dns.resolver.NoResolverConfiguration:
        return Check.UNCHECKED
    deadline = time.monotonic() + TOTAL_SECONDS
    try:
        exchanges = _ask(resolver, name, "MX", deadline)
        if exchanges is not None:
            null_mx = all(record.exchange == dns.name.root for record in exchanges)
            return Check.CANNOT_RECEIVE if null_mx else Check.OK
        for rdtype in ("A", "AAAA"):
            if _ask(resolver, name, rdtype, deadline) is not None:
                return Check.OK
        return Check.CANNOT_RECEIVE
    except dns.resolver.NXDOMAIN as nxdomain:
        return Check.CANNOT_RECEIVE if proves_absence(nxdomain) else Check.UNCHECKED
    except dns.exception.DNSException:
        # Timeout, SERVFAIL, refused, garbled answer: our trouble, not the signer's.
        return Check.UNCHECKED


def proves_absence(nxdomain: dns.resolver.NXDOMAIN) -> bool:
    """A real NXDOMAIN carries its zone's SOA (RFC 2308 §3).

    One without it comes from a resolver that denies every name (no network,
    a captive portal, a sandbox): that is our trouble, not the signer's.
    """
    return any(rrset.rdtype == dns.rdatatype.SOA
               for response in nxdomain.responses().values()
               for rrset in response.authority)


def _ask(resolver, name, rdtype, deadline):
    """The answer, or None when the name exists without records of that type."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise dns.exception.Timeout
    try:
        return resolver.resolve(name, rdtype, lifetime=remaining, search=False)
    except dns.resolver.NoAnswer:
        return None


def make_resolver() -> dns.resolver.Resolver:
    servers = settings.DNS_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = [nameserver(text) for text in servers]
    # A lost UDP packet gets a second try inside the 2 seconds.
    resolver.timeout = TOTAL_SECONDS / 2
    return resolver


def nameserver(text: str) -> dns.nameserver.Do53Nameserver:
    """An IP address, optionally with a port: "9.9.9.9", "127.0.0.1:5353", "[::1]:5353"."""
    text = text.strip()
    if text.startswith("["):
        address, _, port = text[1:].partition("]")
        port = port.lstrip(":")
    elif text.count(":") == 1:
        address, _, port = text.partition(":")
    else:
        address, port = text, ""
    return dns.nameserver.Do53Nameserver(address, int(port) if port else 53)
