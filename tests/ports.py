"""A free TCP port on loopback, for the servers the tests and the bench start.

Here rather than in conftest.py so the bench can import it without pytest's
fixtures, and not in the apps: production never needs it.
"""

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
