"""The backend's test hooks (`/_local/faults`, `/_local/stats`) answer only callers on this machine:
they can break the server for everyone and they list every session. A backend told to listen beyond
this machine is reached here through the machine's own non-loopback address."""

from __future__ import annotations

import socket
import warnings

import httpx
import pytest

from nemo_jupyter import protocol
from nemo_jupyter.local import LocalBackend


def outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None without one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 9))
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_the_test_hooks_refuse_callers_from_another_machine(tmp_path):
    address = outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to call from")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # listening beyond this machine warns (tested in tests/local)
        backend = LocalBackend(tmp_path / "data", host="0.0.0.0")
    with backend, httpx.Client(timeout=10) as http:
        port = backend.port
        for base, allowed in ((f"http://127.0.0.1:{port}", True), (f"http://{address}:{port}", False)):
            token = http.post(base + protocol.PATH_ANON_TOKEN,
                              headers={protocol.HEADER_CLIENT_ID: "hooks"}).json()["data"]["token"]
            bearer = {"Authorization": f"Bearer {token}"}
            assert http.get(base + protocol.PATH_CREDITS, headers=bearer).status_code == 200  # the API answers
            for method, path, body in (("GET", "/_local/stats", None), ("GET", "/_local/faults", None),
                                       ("POST", "/_local/faults", {"expire_tokens": True})):
                answer = http.request(method, base + path, headers=bearer, json=body)
                assert (answer.status_code == 200) is allowed, (base, path, answer.status_code)
        assert backend.faults.tokens_expired_at is not None  # only the local caller's POST took effect
        backend.faults.reset()
