"""%nemo / %%nemo through a real IPython InteractiveShell against the local backend over HTTP."""

from __future__ import annotations

import _thread
import threading
import time
from types import SimpleNamespace

import httpx
import pandas as pd
import pytest

from nemo_jupyter.magics import NemoMagics, unload_ipython_extension
from nemo_jupyter.session import EditResult, Render


def session_of(ip):
    return ip.magics_manager.registry["NemoMagics"].session


def posts(backend, ip) -> int:
    return backend.stats.run_sse_by_session[session_of(ip).session_id]


def interrupt_when(condition, then_wait: float = 0.2, limit_s: float = 60.0) -> None:
    """Press Ctrl-C (in the main thread) once `condition()` holds, as a user watching the cell would."""
    def watch() -> None:
        deadline = time.monotonic() + limit_s
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(then_wait)
        _thread.interrupt_main()

    threading.Thread(target=watch, daemon=True).start()


def one_line_error(result, captured, *words):
    assert not result.success, "the cell should fail"
    lines = [line for line in captured.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("NemoVideo: "), captured.stdout
    for word in words:
        assert word in lines[0]


def test_help_and_not_connected(ip, cell):
    ip.magics_manager.registry["NemoMagics"].close()
    result, captured = cell("%nemo help")
    assert result.success and "%nemo connect" in captured.stdout and "{{name}}" in captured.stdout
    one_line_error(*cell("%nemo status"), "Not connected", "%nemo connect")
    one_line_error(*cell("%%nemo\nreorder scenes 2,1"), "Not connected")
    result, captured = cell("%nemo bogus")
    shown = captured.stdout + captured.stderr
    assert not result.success and "See `%nemo help`" in shown and "Traceback" not in shown


def test_connect_local_starts_a_backend(ip, cell):
    result, captured = cell("%nemo connect --local")
    assert result.success and "local backend" in captured.stdout
    magics = ip.magics_manager.registry["NemoMagics"]
    local = magics.local
    result, captured = cell("%nemo status")
    assert "Timeline (0 tracks): empty" in str(captured.outputs[0].data) and isinstance(result.result, pd.DataFrame)
    magics.close()
    assert magics.local is None
    with pytest.raises(httpx.ConnectError):
        httpx.get(local.url + "/api/credits/balance/simple", timeout=2)


def test_upload_status_timeline_credits(nemo, cell, make_clip):
    clip = make_clip(1.0)
    result, captured = cell(f"%nemo upload {clip}")
    assert result.success and clip.name in captured.stdout and "100.0%" in captured.stdout
    result, captured = cell("%nemo status")
    assert "1. Video:" in str(captured.outputs[0].data)
    assert result.result["track_type"].tolist() == ["video"]
    result, _ = cell("%nemo timeline")
    assert isinstance(result.result, pd.DataFrame) and len(result.result) == 1
    result, captured = cell("%nemo credits")
    assert result.success and "available" in captured.stdout
    one_line_error(*cell("%nemo upload /no/such/clip.mp4"), "/no/such/clip.mp4")
    one_line_error(*cell("%nemo upload notes.txt"), "accepted formats")


def test_edit_streams_then_shows_changes_and_summary(nemo, cell, backend):
    result, captured = cell('%%nemo\nadd title "Hello" from 0s to 1s')
    assert result.success and result.result is None
    out = captured.stdout
    assert "What changed:" in out and 'Added text "Hello"' in out and 'Title: "Hello"' in out.splitlines()[-1]
    assert posts(backend, nemo) == 1


def test_chinese_instruction_goes_to_the_agent(nemo, cell, backend):
    result, captured = cell("%%nemo -o zh\n添加标题“你好”")
    assert result.success and posts(backend, nemo) == 1
    assert nemo.user_ns["zh"].timeline["text"].tolist() == ["你好"]


def test_output_variable_holds_the_edit_result(nemo, cell):
    result, _ = cell('%%nemo -o edit\nadd title "Stored" from 0s to 1s')
    assert result.success
    edit = nemo.user_ns["edit"]
    assert isinstance(edit, EditResult) and edit.timeline["text"].tolist() == ["Stored"]


def test_only_double_braces_expand(nemo, cell):
    nemo.user_ns.update(title_text="Sunset", x="EXPANDED")
    assert cell('%%nemo\nadd title "{{title_text}} $HOME {x}" from 0s to 1s')[0].success
    assert session_of(nemo).__class__  # still connected
    result, _ = cell("%nemo timeline")
    assert result.result["text"].tolist() == ["Sunset $HOME {x}"]


def test_unknown_placeholder_is_a_clear_error_and_sends_nothing(nemo, cell, backend):
    one_line_error(*cell('%%nemo\nadd title "{{nope}}"'), "{{nope}}", "'nope'")
    assert posts(backend, nemo) == 0


def test_router_words_skip_the_agent_in_both_languages(nemo, cell, backend):
    for words, expected in [("credits", "available"), ("余额", "available"), ("积分", "available"),
                            ("status", "Timeline ("), ("状态", "Timeline ("), ("show tracks", "Timeline (")]:
        result, captured = cell(f"%%nemo\n{words}")
        shown = captured.stdout + "".join(str(o.data) for o in captured.outputs)
        assert result.success and expected in shown, words
    result, _ = cell("%%nemo -o tracks\nstatus")
    assert result.success and result.result is None and isinstance(nemo.user_ns["tracks"], pd.DataFrame)
    one_line_error(*cell("%%nemo\nexport"), "empty")
    one_line_error(*cell("%%nemo\n导出"), "empty")
    assert posts(backend, nemo) == 0


def test_silent_reply_is_described_from_the_diff(nemo, cell, backend):
    backend.faults.set(session_id=session_of(nemo).session_id, silent_share=1.0)
    result, captured = cell('%%nemo -o quiet\nadd title "Quiet" from 0s to 1s')
    assert result.success and nemo.user_ns["quiet"].silent
    assert 'Added text "Quiet"' in captured.stdout


def test_dropped_stream_is_not_resent(nemo, cell, backend):
    backend.faults.set(session_id=session_of(nemo).session_id, drop_after_events=1)
    result, captured = cell('%%nemo\nadd title "Dropped" from 0s to 1s')
    assert result.success and "connection dropped" in captured.stdout
    assert posts(backend, nemo) == 1


def test_session_not_found_starts_a_new_one(nemo, cell, backend):
    old = session_of(nemo).session_id
    backend.faults.set(error_code=1002, error_paths=["/api/state"], error_times=1)
    one_line_error(*cell("%nemo status"), old, "new session")
    assert session_of(nemo).session_id != old
    assert cell("%nemo status")[0].success


def test_interrupt_closes_the_stream_and_says_so(nemo, cell, backend):
    backend.faults.set(session_id=session_of(nemo).session_id, event_delay_s=0.3)
    interrupt_when(lambda: posts(backend, nemo) == 1)
    result, captured = cell('%%nemo\nadd title "Slow" from 0s to 1s')
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert "may still be applied" in captured.stdout
    assert posts(backend, nemo) == 1
    backend.faults.reset()
    assert cell("%nemo credits")[0].success  # the background loop still works


def test_export_link_session_logout(nemo, cell, make_clip, tmp_path):
    cell(f"%nemo upload {make_clip(1.0)}")
    target = tmp_path / "cut.mp4"
    result, captured = cell(f"%nemo export --out {target} --quality draft")
    assert result.success and isinstance(result.result, Render) and target.stat().st_size > 1000
    assert "<video" in result.result._repr_html_()
    result, captured = cell("%nemo link")
    assert "/workspace/claim?ct=clm_" in captured.stdout
    first = session_of(nemo).session_id
    result, captured = cell("%nemo session new")
    second = session_of(nemo).session_id
    assert second != first and second in captured.stdout
    result, captured = cell(f"%nemo session {first}")
    assert session_of(nemo).session_id == first and "Resumed" in captured.stdout
    result, captured = cell("%nemo session")
    assert first in captured.stdout
    result, captured = cell("%nemo logout")
    assert result.success and "Logged out" in captured.stdout
    one_line_error(*cell("%nemo timeline"), "Not connected")


def test_line_magic_expands_variables_for_paths(nemo, cell, make_clip):
    nemo.user_ns["clip"] = make_clip(1.0)
    result, captured = cell("%nemo upload {clip}")
    assert result.success and nemo.user_ns["clip"].name in captured.stdout


def test_interrupting_an_export_cancels_the_render(nemo, cell, backend, make_clip, tmp_path):
    cell(f"%nemo upload {make_clip(1.0)}")
    backend.faults.render_never_completes = True
    cancels = sum(n for key, n in backend.stats.requests.items() if key.endswith("/cancel"))
    renders = backend.stats.requests["POST /api/render/proxy/lambda"]
    interrupt_when(lambda: backend.stats.requests["POST /api/render/proxy/lambda"] > renders)
    result, captured = cell(f"%nemo export --out {tmp_path / 'never.mp4'}")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert "render was cancelled" in captured.stdout
    assert sum(n for key, n in backend.stats.requests.items() if key.endswith("/cancel")) == cancels + 1
    assert not (tmp_path / "never.mp4").exists()


def test_preview_and_analysis(nemo, cell, make_clip, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cell(f"%nemo upload {make_clip(1.0)}")
    result, captured = cell("%nemo preview")
    assert result.success and isinstance(result.result, Render) and result.result.path.stat().st_size > 1000
    assert result.result.path.parent == tmp_path / "nemo_previews"
    assert 'src="nemo_previews/' in result.result._repr_html_()
    result, captured = cell("%nemo analysis")
    assert result.success and isinstance(result.result, pd.DataFrame)
    (picture,) = [o.data for o in captured.outputs if "image/svg+xml" in o.data]
    assert picture["image/svg+xml"].count("<rect") == (result.result["kind"] == "scene").sum()
    assert "clip analysis:" in picture["text/plain"]


def test_a_failed_edit_is_one_error_line_after_the_partial_reply(nemo, cell, backend):
    backend.faults.set(session_id=session_of(nemo).session_id, drop_after_events=0)
    result, captured = cell("%%nemo\nremove scene 9")  # nothing changes, so recovery gives up
    assert not result.success
    errors = [line for line in captured.stdout.splitlines() if line.startswith("NemoVideo: ")]
    assert len(errors) == 1 and "not sent again" in errors[0] and "Stopped" in captured.stdout
    assert posts(backend, nemo) == 1


def test_connecting_to_nothing_is_one_line(ip, cell):
    one_line_error(*cell("%nemo connect --url http://127.0.0.1:9"), "Cannot reach", "http://127.0.0.1:9")


def test_unloading_the_extension_stops_its_background_thread():
    magics = NemoMagics(None)
    thread = magics.loop._thread
    assert thread.is_alive()
    unload_ipython_extension(SimpleNamespace(magics_manager=SimpleNamespace(registry={"NemoMagics": magics})))
    thread.join(5)
    assert not thread.is_alive()
