"""Both faces take one constructor, ClientCore's arguments (`timeout` last), shown whole by help()."""

from __future__ import annotations

import inspect

import httpx
import pytest

from nemo_jupyter.client import AsyncNemoClient, NemoClient
from nemo_jupyter.config import TokenCache

EXPECTED = ["api_url", "token", "client_id", "web_url", "language", "streaming", "retry_wait",
            "heartbeat_timeout", "read_timeout", "token_cache", "timeout"]


@pytest.mark.parametrize("face", [NemoClient, AsyncNemoClient])
def test_signature_lists_every_keyword(face):
    assert list(inspect.signature(face).parameters) == EXPECTED


def test_keywords_reach_the_core_and_the_http_client(tmp_path):
    cache = TokenCache(tmp_path / "tokens.json")
    with NemoClient("http://api.test", None, "cid-1", "https://web.test", language="zh", streaming=False,
                    retry_wait=0.5, heartbeat_timeout=7.0, read_timeout=8.0, timeout=9.0, token_cache=cache) as c:
        core = c._core
        assert (core.api_url, core.client_id, core.web_url, core.language) == ("http://api.test", "cid-1",
                                                                                "https://web.test", "zh")
        assert (core.streaming, core.retry_wait, core.heartbeat_timeout, core.read_timeout) == (False, 0.5, 7.0, 8.0)
        assert core._cache is cache
        assert c.timeout == 9.0 and c._http.timeout == httpx.Timeout(9.0)


def test_an_unknown_keyword_is_refused():
    with pytest.raises(TypeError, match="colour"):
        AsyncNemoClient("http://api.test", colour="red")
