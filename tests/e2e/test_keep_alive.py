"""An idle connection stays open longer than the clients and proxies in front of Steward keep
theirs (STEWARD_KEEP_ALIVE, 75 s by default): were Steward to close it first, a request sent on it
in that same moment would be reset, and Slack would show the person `dispatch_failed`. uvicorn's
own default is 5 s, which is also httpx's, and every load balancer's idle timeout is longer
(AWS ALB: 60 s). The bench's throughput step lost a command in 5 of 31 runs to exactly this
(httpx `ReadError`, the kernel counting TCPAbortOnClose)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from tests.e2e.conftest import Rig

#: Longer than uvicorn's default keep-alive of 5 s.
IDLE = 6.5


def _get(conn: socket.socket, host: str) -> bytes:
    conn.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        chunk = conn.recv(65536)
        if not chunk:  # the server closed the connection
            break
        answer += chunk
    return answer


def test_an_idle_connection_is_still_open_after_uvicorns_default_keep_alive(rig: Rig) -> None:
    address = urlsplit(rig.url)
    assert address.hostname is not None and address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        first = _get(conn, address.netloc)
        assert first.startswith(b"HTTP/1.1 200"), first[:200]

        time.sleep(IDLE)  # idle, as a proxy's pooled connection is between two Slack requests
        second = _get(conn, address.netloc)

    assert second.startswith(b"HTTP/1.1 200"), second[:200]  # b"" when Steward had closed it
