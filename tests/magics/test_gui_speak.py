"""The agent speaks as if the user had its web GUI: "click the Export button" runs the export."""

from __future__ import annotations

import copy
from types import SimpleNamespace

from IPython.utils.capture import capture_output

from nemo_jupyter.local import LocalBackend


def gui_agent(state: dict, text: str) -> SimpleNamespace:
    """Mutes the clip (a real change) and answers like the cloud agent, pointing at its GUI."""
    draft = copy.deepcopy(state["draft"])
    draft["t"][0]["sg"][0].setdefault("m", {})["volume"] = 0.0
    return SimpleNamespace(tool_name="edit_draft", tool_args={"instruction": text}, state_delta={"draft": draft},
                           text="Done! Click the Export button to download your video.", charge=True)


def test_the_agents_export_button_runs_the_export(ip, cell, tmp_path, make_clip, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with LocalBackend(data_dir=tmp_path / "backend", agent=gui_agent) as backend:
        with capture_output():
            ip.run_line_magic("nemo", f"connect --url {backend.url}")
            ip.run_line_magic("nemo", f"upload {make_clip(1.0)}")
        ip.run_line_magic("config", "NemoMagics.view = 'text'")
        result, captured = cell("%%nemo\ngui")
        assert result.success, captured.stdout
        assert "exports now" in captured.stdout
        # the reply reads as whole notebook sentences, never the raw GUI one
        assert "Done! To get the video file, run `%nemo export`." in captured.stdout
        assert "Click the Export button" not in captured.stdout
        assert result.result.path.exists() and result.result.path.stat().st_size > 0
        assert sum(1 for key in backend.stats.requests if key.startswith("POST /api/render")) == 1
        # with -o the result is stored and nothing more runs
        result, captured = cell("%%nemo -o edit\ngui")
        assert result.success and "exports now" not in captured.stdout
        assert sum(1 for key in backend.stats.requests if key.startswith("POST /api/render")) == 1
