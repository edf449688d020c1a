"""Every route the backend serves, read from the app itself (so a new route cannot slip by), refuses a
caller without a valid bearer token; only the anonymous token, the unguessable file URLs and the identity do not ask."""

from __future__ import annotations

import re

import httpx
import pytest

from nemo_jupyter import protocol

FILES = "/cdn/{key}/"  # file URLs (a file, or frames of it) behind an unguessable key: open, 404 for a wrong key
IDENTITY = "/_local/identity"  # open: who listens on this port (service name, random instance id), nothing private
FILLERS = {"session_id": "1234567890123456789", "render_id": "render_1", "key": "0" * 32, "name": "x.mp4",
           "frames": "poster.jpg"}


def served_routes(backend) -> list[tuple[str, str]]:
    routes = []
    for route in backend.backend.routes():
        for method in sorted(route.methods - {"HEAD"}):
            routes.append((method, route.path))
    return routes


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: FILLERS.get(m.group(1), "1"), path)


def test_the_route_list_is_not_empty(backend):
    assert len(served_routes(backend)) >= 14


@pytest.mark.parametrize("authorization", [None, "Bearer nmv_usr_forged", "Bearer", "Token nmv_usr_forged"])
def test_every_route_but_the_open_ones_needs_a_valid_bearer(backend, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in served_routes(backend):
        answer = httpx.request(method, backend.url + concrete(path), headers=headers, json={}, timeout=10)
        if path == protocol.PATH_ANON_TOKEN:
            assert answer.status_code == 400, (method, path)  # no client id
        elif path.startswith(FILES):
            assert answer.status_code == 404, (method, path)  # no file under a made-up key
        elif path == IDENTITY:
            assert answer.status_code == 200 and set(answer.json()) == {"service", "instance"}, (method, path)
        else:
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert answer.json()["code"] == protocol.CODE_TOKEN_INVALID
