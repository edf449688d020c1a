"""`nemo-jupyter demo` end to end: local backend, sample clips, edits over /run_sse, 1080p export."""

from __future__ import annotations

import os

from mediacheck import count_pixels

from nemo_jupyter import demo, protocol
from nemo_jupyter.local.media.probe import probe


def test_demo_edits_exports_and_reports(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(protocol.ENV_TOKEN, "nmv_usr_real_cloud_token_must_not_leak")
    assert demo.main(["--dir", str(tmp_path), "--seconds", "2.5"]) == 0
    printed = capsys.readouterr().out
    out = tmp_path / "nemo-demo.mp4"
    assert f"exported: {out}" in printed
    assert 'Timeline (3 tracks): 1. Video: neon_grid.mp4, city_dusk.mp4, deep_zoom.mp4 (0-7s)' in printed
    assert '"Urban Dreams" (0-3s)' in printed and "lofi_tone.m4a (0-7s, 35%)" in printed
    assert printed.count("[tool: edit_draft]") == len(demo.INSTRUCTIONS)
    info = probe(out)
    assert (info["width"], info["height"], info["has_audio"]) == (1920, 1080, True)
    assert abs(info["d"] - 7000) <= 60  # 2.5 s + scene 2 trimmed to 2 s + 2.5 s
    # the title (white, top band) shows during its 0-3 s range only
    white = lambda rgb: min(rgb) > 235  # noqa: E731
    band = (600, 40, 1320, 200)
    assert count_pixels(out, 1.0, white, box=band) > count_pixels(out, 4.0, white, box=band) + 500
    # the environment is left as it was; the demo succeeding shows the (unknown) cloud token was
    # not sent: the local backend would have refused it
    assert os.environ[protocol.ENV_TOKEN] == "nmv_usr_real_cloud_token_must_not_leak"
    assert "nmv_usr_" not in printed
