"""batch(): the journal and resume, list instructions, output templates, extra columns, lazy rows."""

from __future__ import annotations

import asyncio
import json

import pandas as pd

import nemo_jupyter
from nemo_jupyter import protocol
from nemo_jupyter.batches import Journal, abatch, read_rows
from nemo_jupyter.client import AsyncNemoClient
from nemo_jupyter.session import Settings

CREATE = f"POST {protocol.PATH_CREATE_SESSION}"
FAST = Settings(render_poll_first_s=0.05, render_poll_max_s=0.2)


def journal_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_journal_records_each_row_and_a_rerun_sends_nothing_for_ok_rows(scripted_backend, make_clip, tmp_path):
    clip = make_clip(1.0)
    journal = tmp_path / "edits.jsonl"
    rows = pd.DataFrame({"clip": [str(clip), str(clip), "/no/such/clip.mp4"], "instruction": ["One", "Two", "Three"],
                         "take": [1, 2, 3]})
    first = nemo_jupyter.batch(rows, concurrency=2, api_url=scripted_backend.url, journal=journal, progress=False)
    assert list(first["status"]) == ["ok", "ok", "failed"]
    lines = journal_lines(journal)
    assert sorted(line["instruction"] for line in lines) == ["One", "Three", "Two"]
    assert {line["status"] for line in lines} == {"ok", "failed"} and all(line["finished_at"] for line in lines)

    before = scripted_backend.stats.run_sse_posts
    again = nemo_jupyter.batch(rows, concurrency=2, api_url=scripted_backend.url, journal=journal, progress=False,
                               retry_failed=False)
    assert scripted_backend.stats.run_sse_posts == before  # nothing re-sent, the failed row not retried
    assert again.drop(columns=["take"]).equals(first.drop(columns=["take"]))
    assert list(again["take"]) == [1, 2, 3]  # extra columns pass through, also for journaled rows

    retried = nemo_jupyter.batch(rows, concurrency=2, api_url=scripted_backend.url, journal=journal, progress=False)
    assert list(retried["status"]) == ["ok", "ok", "failed"]
    assert scripted_backend.stats.run_sse_posts == before  # the failed row's upload failed before the agent
    assert len(journal_lines(journal)) == 4  # the retried row appended once more


def test_a_half_written_last_line_is_skipped_and_mended(scripted_backend, make_clip, tmp_path):
    clip = make_clip(1.0)
    journal = tmp_path / "edits.jsonl"
    nemo_jupyter.batch([(str(clip), "One")], api_url=scripted_backend.url, journal=journal, progress=False)
    with journal.open("a", encoding="utf-8") as file:
        file.write('{"key": "[\\"half')  # the process died while writing this line
    assert len(Journal(journal).read()) == 1
    before = scripted_backend.stats.run_sse_posts
    results = nemo_jupyter.batch([(str(clip), "One"), (str(clip), "Two")], api_url=scripted_backend.url,
                                 journal=journal, progress=False)
    assert list(results["status"]) == ["ok", "ok"]
    assert scripted_backend.stats.run_sse_posts == before + 1
    assert len(Journal(journal).read()) == 2  # the new line was not glued to the broken one


def test_list_instructions_run_in_order_in_one_session_and_stop_at_the_first_failure(scripted_backend, make_clip):
    clip = make_clip(1.0)
    rows = [{"clip": str(clip), "instruction": ["One", "Two", "Three"]},
            {"clip": str(clip), "instruction": ["One", "x" * 20_001, "Three"]}]  # too long: refused before sending
    before = scripted_backend.stats.run_sse_posts
    results = nemo_jupyter.batch(rows, concurrency=2, api_url=scripted_backend.url, progress=False)
    ok, failed = results.iloc[0], results.iloc[1]
    assert ok["status"] == "ok" and ok["changes"] == 3
    assert ok["reply"].splitlines() == ["Added the title One.", "Added the title Two.", "Added the title Three."]
    assert failed["status"] == "failed" and failed["error"].startswith("Instruction 2 of 3 failed:")
    assert failed["reply"] == "Added the title One." and failed["changes"] == 1
    assert scripted_backend.stats.run_sse_posts - before == 4  # 3 + 1: "Three" never sent after the failure
    assert results["session_id"].nunique() == 2


def test_output_templates_and_their_mistakes(scripted_backend, make_clip, tmp_path):
    clip = make_clip(1.0)
    rows = pd.DataFrame({"clip": [str(clip), str(clip)], "instruction": ["One", "Two"], "tag": ["a", "b"],
                         "output": [str(tmp_path / "out" / "{stem}_{tag}.mp4"), str(tmp_path / "{nope}.mp4")]})
    results = nemo_jupyter.batch(rows, api_url=scripted_backend.url, quality="draft", settings=FAST, progress=False)
    assert results.loc[0, "output"] == str(tmp_path / "out" / f"{clip.stem}_a.mp4")
    assert (tmp_path / "out" / f"{clip.stem}_a.mp4").stat().st_size > 1000
    assert results.loc[1, "status"] == "failed" and "names {nope}" in results.loc[1, "error"]
    assert read_rows([(str(clip), "x")], output="{row}/{name}")[0].output == f"1/{clip.name}"


def test_rows_are_read_lazily_no_more_than_concurrency_at_a_time(scripted_backend, make_clip):
    clip = make_clip(1.0)
    seen = {"read": 0, "done": 0, "most": 0}

    def rows():
        for number in range(12):
            seen["read"] += 1
            seen["most"] = max(seen["most"], seen["read"] - seen["done"])
            yield str(clip), f"Row {number}"

    def report(kind, number, payload):
        seen["done"] += kind == "done"

    async def run():
        async with AsyncNemoClient(api_url=scripted_backend.url) as client:
            return await abatch(rows(), 3, client, report=report)

    sessions = scripted_backend.stats.requests[CREATE]
    results = asyncio.run(run())
    assert list(results["instruction"]) == [f"Row {n}" for n in range(12)] and set(results["status"]) == {"ok"}
    assert seen["most"] <= 3  # a row is read only when a worker is free
    assert scripted_backend.stats.requests[CREATE] - sessions == 12


def test_abatch_shows_its_rows_when_asked(scripted_backend, make_clip, capsys):
    clip = make_clip(1.0)

    async def run():
        async with AsyncNemoClient(api_url=scripted_backend.url) as client:
            return await abatch([(str(clip), "One"), ("/no/such.mp4", "Two")], 2, client, progress=True)

    asyncio.run(run())
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("[1/2] ok") and line.endswith(": Added the title One.") for line in lines)
    assert any(line.startswith("[2/2] failed such.mp4:") for line in lines)
    assert lines[-1].startswith("Batch: 2/2 done, 1 failed")


def test_unreadable_rows_fail_with_their_reason_and_the_others_run(scripted_backend, make_clip):
    clip = make_clip(1.0)
    results = nemo_jupyter.batch([str(clip), {"clip": str(clip)}, (str(clip), "One")], api_url=scripted_backend.url,
                                 progress=False)
    assert list(results["status"]) == ["failed", "failed", "ok"]
    assert results.loc[0, "error"].startswith("Row 1 is only") and results.loc[0, "clip"] == str(clip)
    assert results.loc[1, "error"].startswith("Row 2 needs a clip")


def test_ten_thousand_journaled_rows_come_back_without_a_request(scripted_backend, tmp_path):
    rows = pd.DataFrame({"clip": [f"/clips/{n}.mp4" for n in range(10_000)], "instruction": "trim scene 1 to 2s",
                         "take": range(10_000)})
    journal = Journal(tmp_path / "big.jsonl").open()
    for row in read_rows(rows):
        journal.append({"key": row.key, "clip": row.clip, "instruction": row.instruction, "status": "ok",
                        "reply": "Done.", "changes": 1, "output": None, "error": None, "session_id": "1"})
    journal.close()
    before = sum(scripted_backend.stats.to_dict()["requests"].values())
    results = nemo_jupyter.batch(rows, concurrency=4, api_url=scripted_backend.url, journal=journal.path,
                                 progress=False)
    assert len(results) == 10_000 and set(results["status"]) == {"ok"}
    assert list(results["take"][:3]) == [0, 1, 2] and results["take"].iloc[-1] == 9_999
    assert sum(scripted_backend.stats.to_dict()["requests"].values()) == before
