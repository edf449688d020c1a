"""Upload -> background analysis -> agent edits that use the findings -> render, over real HTTP."""

from __future__ import annotations

import time

import pytest

from nemo_jupyter.findings import findings_dataframe
from nemo_jupyter.local.media.analysis import analyze

TOLERANCE_S = 0.1  # the render re-times to its own frame rate


def finished_analyses(client, session_id, timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    while True:
        analyses = client.state(session_id)["state"].get("video_analyses") or {}
        if analyses and all(entry.get("status") != "running" for entry in analyses.values()):
            return analyses
        assert time.monotonic() < deadline, f"analysis still running: {analyses}"
        time.sleep(0.05)


def edit(client, session_id, text):
    list(client.stream(session_id, text))
    return client.state(session_id)["state"]["draft"]


def render(client, session_id, draft, path):
    job = client.render(session_id, draft, quality="draft")
    deadline = time.monotonic() + 120
    while job.status not in ("completed", "failed"):
        assert time.monotonic() < deadline, "render did not finish"
        time.sleep(0.1)
        job = client.render_status(job.id)
    assert job.status == "completed", job.error
    return client.download(job, path)


def video_segments(draft):
    return [(seg["in"], seg["d"]) for track in draft["t"] if track["tt"] == 0 for seg in track["sg"]]


def test_split_at_cuts_reorder_and_render(client, fault_clip, tmp_path):
    clip = fault_clip([("testsrc2", 0.6), ("testsrc", 1.0), ("negative", 0.4)], [("tone", 2.0)])
    session_id = client.create_session()["session_id"]
    client.upload(session_id, clip)
    analyses = finished_analyses(client, session_id)
    (entry,) = analyses.values()
    assert entry["status"] == "done" and entry["cuts"] == pytest.approx([0.6, 1.6], abs=0.05)
    assert findings_dataframe(analyses)["kind"].tolist() == ["scene", "scene", "scene"]

    assert video_segments(edit(client, session_id, "split clips at scene cuts")) == [(0, 600), (600, 1000), (1600, 400)]
    draft = edit(client, session_id, "reorder scenes 3,1,2")
    assert video_segments(draft) == [(1600, 400), (0, 600), (600, 1000)]

    rendered = analyze(render(client, session_id, draft, tmp_path / "reordered.mp4"))
    assert rendered["duration_s"] == pytest.approx(2.0, abs=TOLERANCE_S)
    assert rendered["cuts"] == pytest.approx([0.4, 1.0], abs=TOLERANCE_S)


def test_faults_are_cut_and_the_render_is_shorter_by_them(client, fault_clip, tmp_path):
    clip = fault_clip([("testsrc2", 0.8), ("black", 0.4), ("testsrc", 0.8), ("freeze", 0.6)], [("tone", 2.6)])
    session_id = client.create_session()["session_id"]
    client.upload(session_id, clip)
    (entry,) = finished_analyses(client, session_id).values()
    assert {f["kind"] for f in entry["findings"]} == {"scene", "black", "freeze"}, entry["findings"]

    edit(client, session_id, "cut the black frames")
    draft = edit(client, session_id, "remove frozen frames")
    kept_ms = sum(d for _, d in video_segments(draft))
    assert kept_ms == pytest.approx(1600, abs=100)  # 2.6 s minus 0.4 s black and ~0.6 s frozen
    rendered = analyze(render(client, session_id, draft, tmp_path / "cleaned.mp4"))
    assert rendered["duration_s"] == pytest.approx(kept_ms / 1000, abs=TOLERANCE_S)
    assert not [f for f in rendered["findings"] if f["kind"] in ("black", "freeze")]



def test_each_scene_has_a_thumbnail_from_its_own_shot(client, fault_clip):
    """session.scenes' thumbnails are real frames from the middle of each detected scene."""
    import io

    import httpx
    from PIL import Image, ImageStat

    from nemo_jupyter import Session

    clip = fault_clip([("black", 0.6), ("testsrc2", 1.0)], [("tone", 1.6)])
    session = Session(client)
    session.upload(clip)
    finished_analyses(client, session.session_id)
    scenes = session.scenes
    assert scenes["scene"].tolist() == [1, 2]
    brightness = []
    for url in scenes["thumbnail"]:
        answer = httpx.get(url)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
        brightness.append(ImageStat.Stat(Image.open(io.BytesIO(answer.content)).convert("L")).mean[0])
    assert brightness[0] < 10 < 40 < brightness[1]  # the black shot's frame is black, the test card's is not
