"""Every fault × every operation, through the Session API and through the magics, over real HTTP.

Each cell checks what the user sees (the expected outcome; one line, no traceback, no token), that
no instruction reached the agent twice (the backend's own count of POSTs to /run_sse), that the
session's draft lost nothing and gained at most the one change asked for, and that the same
operation works again once the fault is gone. The table is printed at the end of the run.
"""

from __future__ import annotations

import time

import pytest
from fault_cells import CELLS, REFUSED, expected, fault_settings, posts_allowed
from fault_faces import MAGICS_CONFIG, MagicsFace, SessionFace
from fault_world import MATRIX, STALL_S
from IPython.core.interactiveshell import InteractiveShell

STALLING = ("stall", "heartbeats only")
CHANGES = {"edit", "upload"}  # operations that add one segment when they go through


@pytest.fixture(scope="module")
def ip():
    """The IPython shell with the extension, set to this module's short timings (restored afterwards)."""
    shell = InteractiveShell.instance()
    if "NemoMagics" not in shell.magics_manager.registry:
        shell.run_line_magic("load_ext", "nemo_jupyter")
    magics = shell.magics_manager.registry["NemoMagics"]
    saved = {name: getattr(magics, name) for name in MAGICS_CONFIG}
    for name, value in MAGICS_CONFIG.items():
        shell.run_line_magic("config", f"NemoMagics.{name} = {value!r}")
    yield shell
    magics.close()
    for name, value in saved.items():
        shell.run_line_magic("config", f"NemoMagics.{name} = {value!r}")


@pytest.fixture
def clip(make_clip):
    return make_clip(1.0, (320, 240))


def segment_ids(draft: dict) -> list[str]:
    return [str(seg.get("id")) for track in draft.get("t") or [] for seg in track.get("sg") or []]


def check_draft_intact(before: dict, after: dict, operation: str, outcome: str) -> None:
    old, new = segment_ids(before), segment_ids(after)
    assert set(old) <= set(new), "a segment was lost"
    added = len(new) - len(old)
    if operation in CHANGES and outcome in ("ok", "recovered"):
        assert added == 1, f"{operation} applied {added} times"
    else:
        assert added in ((0, 1) if operation in CHANGES else (0,)), f"{operation} applied {added} times"


@pytest.mark.parametrize("fault,operation", CELLS, ids=[f"{f}-{o}".replace(" ", "_") for f, o in CELLS])
@pytest.mark.parametrize("face_kind", ["session", "magics"])
def test_fault_cell(face_kind, fault, operation, healthy, request, clip, tmp_path):
    world = healthy
    face = (SessionFace(world.url, clip, tmp_path) if face_kind == "session"
            else MagicsFace(request.getfixturevalue("ip"), world.url, clip, tmp_path))
    try:
        face.prepare(operation)
        session_id = face.session_id
        before = face.server_draft(session_id)
        tokens = {face.token()}
        stats = world.backend.stats
        posts, seen = stats.run_sse_posts, stats.run_sse_by_session[session_id]

        if fault == REFUSED and operation == "download":
            face.before_download(world.down)  # the server goes away as the file transfer starts
        elif fault == REFUSED:
            world.down()
        else:
            world.backend.faults.set(**fault_settings(fault, operation))
        outcome, message = face.run(operation)
        MATRIX[(face.name, fault, operation)] = outcome

        if world.backend is None:  # refused: nothing reached the server; bring it back
            world.up()
            posts_added = seen_added = 0
        else:
            posts_added = stats.run_sse_posts - posts
            seen_added = stats.run_sse_by_session[session_id] - seen
            world.backend.faults.reset()
        if fault in STALLING:
            time.sleep(STALL_S)  # the stalled handler finishes (or is cancelled) before the draft is read
        tokens.add(face.token())

        # 1. what the user sees
        assert outcome == expected(fault, operation), message
        if message:
            assert message.strip() and "\n" not in message and "Traceback" not in message
        shown = message + "".join(getattr(face, "outputs", []))
        assert not any(token and token in shown for token in tokens)
        # 2. no instruction twice: the agent saw an edit at most once; refusals before any event aside
        assert seen_added <= 1 and posts_added <= (posts_allowed(fault) if operation == "edit" else 0)
        if operation == "edit" and outcome in ("ok", "recovered"):
            assert seen_added == 1
        # 3. the session's draft on the server: nothing lost, nothing doubled
        check_draft_intact(before, face.server_draft(session_id), operation, outcome)
        # 4. the next operation works (on the new session, if the old one was reported gone)
        if face.session_id != session_id:
            face.prepare(operation)
        again, message = face.run(operation)
        assert again == "ok", message
    finally:
        face.close()
