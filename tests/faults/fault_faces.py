"""The two faces a user meets, driven the same way by the matrix: the `Session` API and the magics.

`run(operation)` returns `(outcome, message)`: outcome "ok" / "recovered" / the class name of the
error the user was shown, message the one line they saw (empty when all went well).
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from fault_world import FAST, STREAM_TIMEOUT_S, TIMEOUT_S
from IPython.utils.capture import capture_output

from nemo_jupyter.client import NemoClient
from nemo_jupyter.client.errors import NemoError
from nemo_jupyter.config import TokenCache
from nemo_jupyter.draft import Draft
from nemo_jupyter.session import Session

_numbers = itertools.count(1)
EXPORTS = ("export", "poll", "download")  # operations that are an export, broken at different steps


def next_instruction() -> str:
    return f"caption c{next(_numbers)}"


class SessionFace:
    name = "Session API"

    def __init__(self, url: str, clip: Path, out_dir: Path) -> None:
        self.url, self.clip, self.out_dir = url, clip, out_dir
        self.client = NemoClient(api_url=url, retry_wait=0.05, timeout=TIMEOUT_S, read_timeout=STREAM_TIMEOUT_S,
                                 heartbeat_timeout=STREAM_TIMEOUT_S)
        self.session = Session(self.client, **FAST)

    @property
    def session_id(self) -> str:
        return self.session.session_id

    def prepare(self, operation: str) -> None:
        self.session.start()
        if operation in EXPORTS:
            self.session.upload(self.clip)
        self.session.edit(next_instruction())

    def run(self, operation: str) -> tuple[str, str]:
        try:
            if operation == "edit":
                return ("recovered" if self.session.edit(next_instruction()).recovered else "ok"), ""
            if operation == "upload":
                self.session.upload(self.clip)
            elif operation == "state":
                self.session.state()
            else:
                self.session.export(self.out_dir / "export.mp4", quality="draft")
        except NemoError as error:
            return type(error).__name__, str(error)
        return "ok", ""

    def before_download(self, callback) -> None:
        original = self.client.download

        def download(*args, **kwargs):  # once: the next export finds the server back
            self.client.download = original
            callback()
            return original(*args, **kwargs)

        self.client.download = download

    def server_draft(self, session_id: str) -> dict:
        return Draft.from_state(self.client.state(session_id).get("state") or {}).raw

    def token(self) -> str | None:
        cached = TokenCache().load(self.url)
        return cached[0] if cached else None

    def close(self) -> None:
        self.client.close()


MAGICS_CONFIG = {**FAST, "retry_wait": 0.05, "timeout": TIMEOUT_S, "read_timeout": STREAM_TIMEOUT_S,
                 "heartbeat_timeout": STREAM_TIMEOUT_S, "view": "text"}


class MagicsFace:
    name = "magics"

    def __init__(self, ip, url: str, clip: Path, out_dir: Path) -> None:
        self.ip, self.url, self.clip, self.out_dir = ip, url, clip, out_dir
        self.magics = ip.magics_manager.registry["NemoMagics"]
        self.outputs: list[str] = []
        result, _ = self.cell(f"%nemo connect --url {url}")
        assert result.success

    @property
    def session_id(self) -> str:
        return self.magics.session.session_id

    def cell(self, source: str):
        with capture_output() as captured:
            result = self.ip.run_cell(source)
        self.outputs.append(captured.stdout + captured.stderr + "".join(str(o.data) for o in captured.outputs))
        return result, captured

    def prepare(self, operation: str) -> None:
        if operation in EXPORTS:
            assert self.cell(f"%nemo upload {self.clip}")[0].success
        assert self.cell(f"%%nemo\n{next_instruction()}")[0].success

    def run(self, operation: str) -> tuple[str, str]:
        source = {
            "edit": f"%%nemo -o fault_edit\n{next_instruction()}",
            "upload": f"%nemo upload {self.clip}",
            "state": "%nemo status",
            "export": f"%nemo export --out {self.out_dir / 'export.mp4'} --quality draft",
        }["export" if operation in EXPORTS else operation]
        result, captured = self.cell(source)
        if result.success:
            edit = self.ip.user_ns.pop("fault_edit", None) if operation == "edit" else None
            return ("recovered" if edit is not None and edit.recovered else "ok"), ""
        error = result.error_in_exec
        shown = [line for line in captured.stdout.splitlines() if line.startswith("NemoVideo: ")]
        assert len(shown) == 1, captured.stdout
        assert "Traceback" not in captured.stdout + captured.stderr
        assert error._render_traceback_() == shown
        cause = error.__context__ if isinstance(error.__context__, NemoError) else error
        return type(cause).__name__, shown[0]

    def before_download(self, callback) -> None:
        client = self.magics.client
        original = client.download

        async def download(*args, **kwargs):  # once: the next export finds the server back
            client.download = original
            await asyncio.to_thread(callback)
            return await original(*args, **kwargs)

        client.download = download

    def server_draft(self, session_id: str) -> dict:
        data = self.magics._wait(self.magics.client.state(session_id))
        return Draft.from_state(data.get("state") or {}).raw

    def token(self) -> str | None:
        cached = TokenCache().load(self.url)
        return cached[0] if cached else None

    def close(self) -> None:
        self.magics.close()
