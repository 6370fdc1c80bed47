"""Names only the hosts file or the system's resolver knows (issue 13 item 16).

The hosts file is a temporary one (outagetray.core.hostsfile.hosts_path is pointed at
it), DNS is a LoopbackDns server that says NXDOMAIN for every unknown name, and web
servers listen on 127.0.0.1. The test guard makes socket.getaddrinfo refuse every name
that is not a loopback name, which plays "the system does not know it either"; tests
that need a system resolver that knows a split-DNS name replace getaddrinfo themselves.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from outagetray.core import hostsfile
from outagetray.core.model import SourceSpec
from outagetray.core.probes import ProbeResult, dns_probe, http_probe
from tests.support.dnsserver import LoopbackDns

ONLY_IN_HOSTS = "only-in-hosts.test"
SPLIT = "intranet.corp.test"


@pytest.fixture(autouse=True)
def _no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


@pytest.fixture
def hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty hosts file that the probes read instead of the system's."""
    path = tmp_path / "hosts"
    path.write_text("# empty\n")
    monkeypatch.setattr(hostsfile, "hosts_path", lambda: path)
    return path


@pytest.fixture
def dns() -> Iterator[LoopbackDns]:
    with LoopbackDns() as server:
        yield server


def probe(url: str, dns: LoopbackDns, timeout: float = 3.0) -> ProbeResult:
    return http_probe(SourceSpec("http_probe", url), dns.config(timeout=0.5), timeout=timeout)


def write(path: Path, text: str) -> None:
    """Rewrite the hosts file so that its modification time visibly changes."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


# -- the hosts file -------------------------------------------------------------------------------


def test_a_name_only_the_hosts_file_knows_is_reached(hosts: Path, dns: LoopbackDns, web: HTTPServer) -> None:
    write(hosts, f"127.0.0.1   {ONLY_IN_HOSTS} alias.test  # a test entry\n")
    web.expect_request("/").respond_with_data("intranet home")
    result = probe(f"http://{ONLY_IN_HOSTS}:{web.port}/", dns)
    assert (result.outcome, result.kind) == ("healthy", "ok"), result.detail
    assert web.log[0][0].headers["Host"] == f"{ONLY_IN_HOSTS}:{web.port}"
    assert dns.queries == []  # the hosts file answers first, as on the system


def test_localhost_comes_from_the_hosts_file_not_from_dns(
    hosts: Path, dns: LoopbackDns, web: HTTPServer
) -> None:
    write(hosts, "127.0.0.1 localhost\n::1 localhost ip6-localhost\n")
    web.expect_request("/").respond_with_data("ok")
    result = probe(f"http://localhost:{web.port}/", dns)
    assert (result.outcome, result.kind) == ("healthy", "ok"), result.detail
    assert dns.queries == []


def test_a_name_the_hosts_file_blocks_is_blocked_locally_not_down(hosts: Path, dns: LoopbackDns) -> None:
    write(hosts, "0.0.0.0 www.platform.test\n")
    dns.answer("www.platform.test", "157.240.1.35")
    result = probe("http://www.platform.test/", dns)
    assert (result.outcome, result.kind) == ("ambiguous", "blocked_locally"), result.detail
    assert "hosts file" in result.detail


def test_a_failure_at_an_address_from_the_hosts_file_names_the_hosts_file(
    hosts: Path, dns: LoopbackDns
) -> None:
    """Not "probably blocked on this network": this computer's own hosts file sent the probe there."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: the connection is refused
    write(hosts, "127.0.0.1 www.platform.test\n")
    result = probe(f"http://www.platform.test:{port}/", dns)
    assert (result.outcome, result.kind) == ("ambiguous", "blocked_locally"), result.detail
    assert "this computer's hosts file points www.platform.test to 127.0.0.1" in result.detail
    assert "on this network" not in result.detail


def test_changes_to_the_hosts_file_are_seen(hosts: Path, dns: LoopbackDns, web: HTTPServer) -> None:
    web.expect_request("/").respond_with_data("ok")
    url = f"http://{ONLY_IN_HOSTS}:{web.port}/"
    assert probe(url, dns).kind == "nxdomain"
    write(hosts, f"127.0.0.1 {ONLY_IN_HOSTS}\n")
    assert probe(url, dns).kind == "ok"
    write(hosts, "\n")
    assert probe(url, dns).kind == "nxdomain"


def test_the_hosts_file_is_parsed_like_the_system_does(hosts: Path) -> None:
    write(
        hosts,
        "# comment line\n"
        "127.0.0.1\tLocalHost.  loopback\n"
        "  ::1 localhost # trailing comment\n"
        "not-an-address  broken.test\n"
        "10.0.0.1\n"
        "fe80::1%eth0 linklocal.test\n",
    )
    assert hostsfile.addresses("localhost") == ("127.0.0.1", "::1")
    assert hostsfile.addresses("LOOPBACK.") == ("127.0.0.1",)
    assert hostsfile.addresses("broken.test") == ()
    assert hostsfile.addresses("linklocal.test") == ("fe80::1",)
    assert hostsfile.addresses("") == ()


def test_a_missing_hosts_file_leaves_names_to_dns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostsfile, "hosts_path", lambda: tmp_path / "absent")
    assert hostsfile.addresses("localhost") == ()


def test_the_hosts_file_is_found_where_each_system_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert hostsfile.hosts_path() == Path("/etc/hosts")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("SYSTEMROOT", "D:\\Win")
    assert hostsfile.hosts_path() == Path("D:\\Win") / "System32" / "drivers" / "etc" / "hosts"


def test_dns_probe_ignores_the_hosts_file_on_purpose(hosts: Path, dns: LoopbackDns) -> None:
    """dns_probe measures the platform's DNS: a hosts-file entry must not hide an NXDOMAIN."""
    write(hosts, f"127.0.0.1 {ONLY_IN_HOSTS}\n")
    result = dns_probe(SourceSpec("dns_probe", ONLY_IN_HOSTS), dns.config(timeout=0.5))
    assert (result.outcome, result.kind) == ("unhealthy", "nxdomain")


# -- the system's resolver ------------------------------------------------------------------------


@pytest.fixture
def system_knows(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A system resolver that knows SPLIT (split DNS) and refuses everything else, as the guard does."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(str(host))
        if host == SPLIT:
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_split_dns_name_dns_cannot_answer_is_asked_of_the_system(
    hosts: Path, dns: LoopbackDns, web: HTTPServer, system_knows: list[str]
) -> None:
    web.expect_request("/").respond_with_data("intranet")
    result = probe(f"http://{SPLIT}:{web.port}/", dns)
    assert (result.outcome, result.kind) == ("healthy", "ok"), result.detail
    assert (SPLIT, "A") in dns.queries
    assert SPLIT in system_knows


def test_a_name_without_address_in_dns_is_asked_of_the_system(
    hosts: Path, dns: LoopbackDns, web: HTTPServer, system_knows: list[str]
) -> None:
    dns.answer(SPLIT)  # the name exists but has no address (NOERROR, no answer)
    web.expect_request("/").respond_with_data("intranet")
    result = probe(f"http://{SPLIT}:{web.port}/", dns)
    assert (result.outcome, result.kind) == ("healthy", "ok"), result.detail


def test_nxdomain_stays_an_outage_signal_when_the_system_does_not_know_the_name_either(
    hosts: Path, dns: LoopbackDns, system_knows: list[str]
) -> None:
    """2021-10-04: facebook.com did not exist for anyone. That must still read as unhealthy."""
    dns.nxdomain("www.platform.test")
    result = probe("https://www.platform.test/", dns)
    assert (result.outcome, result.kind) == ("unhealthy", "nxdomain"), result.detail
    assert "www.platform.test" in system_knows


def test_servfail_is_not_asked_again_of_the_system(
    hosts: Path, dns: LoopbackDns, system_knows: list[str]
) -> None:
    dns.servfail(SPLIT)
    result = probe(f"http://{SPLIT}/", dns)
    assert (result.outcome, result.kind) == ("unhealthy", "servfail")
    assert system_knows == []


def test_a_hanging_system_resolver_cannot_stretch_the_probe(
    hosts: Path, dns: LoopbackDns, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hangs(*args: Any, **kwargs: Any) -> Any:
        time.sleep(3)
        raise socket.gaierror(socket.EAI_NONAME, "no")

    monkeypatch.setattr(socket, "getaddrinfo", hangs)
    started = time.monotonic()
    result = probe(f"http://{SPLIT}/", dns, timeout=1.0)
    assert time.monotonic() - started < 1.5
    assert (result.outcome, result.kind) == ("unhealthy", "nxdomain")


def test_without_any_dns_server_the_system_resolves(
    hosts: Path, web: HTTPServer, system_knows: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dns.resolver

    def no_config(*args: object, **kwargs: object) -> None:
        raise dns.resolver.NoResolverConfiguration("no nameservers")  # type: ignore[no-untyped-call]

    monkeypatch.setattr(dns.resolver.Resolver, "read_resolv_conf", no_config)
    monkeypatch.setattr(dns.resolver.Resolver, "read_registry", no_config, raising=False)
    web.expect_request("/").respond_with_data("ok")
    result = http_probe(SourceSpec("http_probe", f"http://{SPLIT}:{web.port}/"), timeout=3.0)
    assert (result.outcome, result.kind) == ("healthy", "ok"), result.detail
