"""A real DNS server on loopback (dnslib, UDP and TCP) for the MX checks.

It answers every name with an MX record, so that the addresses tests sign
with (@mairie-exemple.fr, @ville.fr…) receive mail without the internet,
except the names under .test, which each show one case:

    with-mx.test       MX 10 mail.with-mx.test
    a-only.test        no MX, an A record (RFC 5321 fallback)
    aaaa-only.test     no MX, an AAAA record
    null-mx.test       MX 0 . (RFC 7505)
    no-address.test    exists (TXT) with neither MX nor A/AAAA
    servfail.test      SERVFAIL
    denied.test        NXDOMAIN without the SOA that proves it, as a resolver
                       that denies every name gives
    silent.test        never answers: the query is dropped
    anything-else.test NXDOMAIN

`behave(name, case)` makes a name behave like one of those cases for a while.
"""

import socket
import threading
from collections import Counter

from dnslib import AAAA, MX, QTYPE, RCODE, RR, SOA, TXT, A, DNSError, DNSLabel
from dnslib.server import DNSLogger, DNSServer

CASES = {
    "with-mx.test": "mx",
    "a-only.test": "a_only",
    "aaaa-only.test": "aaaa_only",
    "null-mx.test": "null_mx",
    "no-address.test": "no_address",
    "servfail.test": "servfail",
    "denied.test": "nxdomain_without_soa",
    "silent.test": "silent",
}


class Resolver:
    def __init__(self):
        self.cases = dict(CASES)
        self.queries = Counter()  # (name, type) -> how many queries arrived
        self.lock = threading.Lock()

    def case_of(self, name: str) -> str:
        if name in self.cases:
            return self.cases[name]
        return "nxdomain" if name.endswith(".test") else "mx"

    def resolve(self, request, handler):
        qname = request.q.qname
        name = str(qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        with self.lock:
            self.queries[(name, qtype)] += 1
        case = self.case_of(name)
        reply = request.reply()
        if case == "silent":
            raise DNSError("dropped on purpose")  # dnslib's handler then sends nothing
        if case == "servfail":
            reply.header.rcode = RCODE.SERVFAIL
        elif case == "nxdomain":
            reply.header.rcode = RCODE.NXDOMAIN
            # The proof of absence every authoritative server gives (RFC 2308).
            reply.add_auth(RR("test.", QTYPE.SOA, ttl=60, rdata=SOA(
                "ns.test.", "hostmaster.test.", (1, 3600, 600, 86400, 60))))
        elif case == "nxdomain_without_soa":
            reply.header.rcode = RCODE.NXDOMAIN
        elif qtype == "MX" and case == "mx":
            reply.add_answer(RR(qname, QTYPE.MX, rdata=MX(DNSLabel(f"mail.{name}"), 10), ttl=60))
        elif qtype == "MX" and case == "null_mx":
            reply.add_answer(RR(qname, QTYPE.MX, rdata=MX(DNSLabel("."), 0), ttl=60))
        elif qtype == "A" and case == "a_only":
            reply.add_answer(RR(qname, QTYPE.A, rdata=A("192.0.2.1"), ttl=60))
        elif qtype == "AAAA" and case == "aaaa_only":
            reply.add_answer(RR(qname, QTYPE.AAAA, rdata=AAAA("2001:db8::1"), ttl=60))
        elif qtype == "TXT" and case == "no_address":
            reply.add_answer(RR(qname, QTYPE.TXT, rdata=TXT("exists"), ttl=60))
        # Anything else: NOERROR with no answer, the name exists without that type.
        return reply


class LoopbackDNS:
    def __init__(self):
        self.resolver = Resolver()
        self.port = self._free_udp_and_tcp_port()
        quiet = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        self.servers = [DNSServer(self.resolver, port=self.port, address="127.0.0.1",
                                  tcp=tcp, logger=quiet) for tcp in (False, True)]

    @staticmethod
    def _free_udp_and_tcp_port() -> int:
        for _ in range(50):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.bind(("127.0.0.1", 0))
                port = udp.getsockname()[1]
                with socket.socket() as tcp:
                    try:
                        tcp.bind(("127.0.0.1", port))
                    except OSError:
                        continue
            return port
        raise RuntimeError("no port free for both UDP and TCP")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self):
        for server in self.servers:
            server.start_thread()
        return self

    def stop(self):
        for server in self.servers:
            server.stop()

    def queries_for(self, name: str) -> int:
        with self.resolver.lock:
            return sum(count for (qname, _), count in self.resolver.queries.items()
                       if qname == name)

    def behave(self, name: str, case: str):
        self.resolver.cases[name] = case

    def reset(self):
        self.resolver.cases = dict(CASES)
        with self.resolver.lock:
            self.resolver.queries.clear()
