"""The drill's DNS server: real DNS over UDP and TCP on 127.0.0.1, answering as the scenario says.

The probes must meet the same failures a real outage shows (2021-10-04 was SERVFAIL for
every Meta name), so the drill answers real DNS queries rather than faking the probe.
dnspython is a runtime dependency and reads and writes the messages; the sockets are the
standard library's servers on daemon threads, so a drill never holds up quitting.

Per query a ``decide(name)`` callback (the player, reading the scenario at the scenario's
current moment) says what to do: ``"answer"`` (an A record for 127.0.0.1; AAAA gets an
empty NOERROR, as for an IPv4-only name), ``"servfail"``, ``"nxdomain"``, ``"refused"``
(at once: a user whose link is gone, where a real computer fails fast with "no route"), or
``"drop"`` (no answer at all, so the client times out: a resolver that is gone).
"""

from __future__ import annotations

import logging
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from typing import Literal

log = logging.getLogger(__name__)

Answer = Literal["answer", "servfail", "nxdomain", "refused", "drop"]
Decide = Callable[[str], Answer]

LOOPBACK = "127.0.0.1"
#: Seconds a TCP client may take to send its query before the connection is dropped.
TCP_READ_TIMEOUT = 2.0
TTL = 30


def reply(wire: bytes, decide: Decide) -> bytes | None:
    """The answer to one query in wire format, or None for no answer (dropped or unreadable)."""
    import dns.exception
    import dns.flags
    import dns.message
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset

    try:
        query = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return None
    if not query.question:
        return None
    question = query.question[0]
    name = question.name.to_text().rstrip(".").lower()
    what = decide(name)
    if what == "drop":
        return None
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    if what == "servfail":
        response.set_rcode(dns.rcode.SERVFAIL)
    elif what == "nxdomain":
        response.set_rcode(dns.rcode.NXDOMAIN)
    elif what == "refused":
        response.set_rcode(dns.rcode.REFUSED)
    elif question.rdtype == dns.rdatatype.A and question.rdclass == dns.rdataclass.IN:
        response.answer.append(dns.rrset.from_text(question.name, TTL, "IN", "A", LOOPBACK))
    # Any other type: NOERROR without records, as a real server says for a name with no such record.
    wire_out: bytes = response.to_wire()
    return wire_out


class _Udp(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = False


class _Tcp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = False


class PlayerDns:
    """A DNS server on one free port of 127.0.0.1, UDP and TCP, asking ``decide`` for every name."""

    def __init__(self, decide: Decide) -> None:
        self._decide = decide
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []
        self.port = 0

    @property
    def address(self) -> str:
        """``"127.0.0.1:PORT"``, the form ``DnsConfig.nameservers`` takes."""
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> None:
        """Bind UDP and TCP on the same free port (another is tried when TCP's is taken) and serve."""
        decide = self._decide

        class UdpHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                answer = _safe_reply(data, decide)
                if answer is not None:
                    sock.sendto(answer, self.client_address)

        class TcpHandler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(TCP_READ_TIMEOUT)
                try:
                    while True:
                        head = _read_exactly(conn, 2)
                        if head is None:
                            return
                        data = _read_exactly(conn, struct.unpack("!H", head)[0])
                        if data is None:
                            return
                        answer = _safe_reply(data, decide)
                        if answer is None:
                            continue  # dropped: the client waits for its own timeout
                        conn.sendall(struct.pack("!H", len(answer)) + answer)
                except OSError:
                    return

        last: OSError | None = None
        for _ in range(20):
            udp = _Udp((LOOPBACK, 0), UdpHandler)
            port = udp.server_address[1]
            try:
                tcp = _Tcp((LOOPBACK, port), TcpHandler)
            except OSError as exc:  # free for UDP, taken for TCP: try another port
                udp.server_close()
                last = exc
                continue
            self.port = port
            self._servers = [udp, tcp]
            break
        else:
            raise OSError(f"no free port for the drill's DNS server on {LOOPBACK}: {last}")
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"drill-dns-{type(server).__name__.strip('_').lower()}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=2.0)
        self._servers, self._threads = [], []


def _safe_reply(data: bytes, decide: Decide) -> bytes | None:
    """One reply; a bug in deciding costs that query its answer (logged), never the server."""
    try:
        return reply(data, decide)
    except Exception:
        log.exception("the drill's DNS server could not answer a query")
        return None


def _read_exactly(conn: socket.socket, size: int) -> bytes | None:
    """``size`` bytes from a TCP connection, or None when it closed first."""
    chunks = b""
    while len(chunks) < size:
        chunk = conn.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return chunks
