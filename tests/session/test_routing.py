"""The router, GUI-speak translation and the trailing temporary-issue rule (pure)."""

from __future__ import annotations

import pytest

from nemo_jupyter.gui_speak import translate_gui
from nemo_jupyter.routing import clean_reply, route


@pytest.mark.parametrize("text, intent", [
    ("export", "export"), ("导出", "export"), ("please export the video", "export"), ("download it", "export"),
    ("send me the video", "export"), ("credits", "credits"), ("what's my balance?", "credits"), ("积分", "credits"),
    ("余额", "credits"), ("status", "status"), ("状态", "status"), ("show tracks", "status"),
    ("upload", "upload"), ("上传", "upload"), ("upload clip.mp4", "upload"), ("上传 clip.mp4", "upload"),
    ("https://example.com/a.mp4", "upload"),
    ("reorder scenes 2,1", "edit"), ("trim scene 1 to 2s", "edit"), ("add music song.mp3 at 35%", "edit"),
    ('add title "status"', "edit"), ("剪短第一段", "edit"), ("x" * 300 + ".mp4", "edit"),  # too long for a path
    ("trim the first scene to two seconds and then export the whole thing", "edit"),
])
def test_route(text, intent):
    assert route(text).intent == intent


def test_an_existing_file_alone_is_an_upload(tmp_path):
    clip = tmp_path / "clip.mp4"
    assert route(str(clip)).intent == "edit"  # not there yet: an instruction that looks like a name
    clip.write_bytes(b"x")
    found = route(str(clip))
    assert found.intent == "upload" and found.targets == (str(clip),)


def test_gui_speak_is_translated_into_notebook_actions():
    said = ("Done! Click the Export button to download it. You can open the Effects panel, drag the clip "
            "to the timeline, or check your account.")
    translation = translate_gui(said)
    assert translation.text == (
        "Done! To get the video file, run `%nemo export`. To see the timeline, run `%nemo status`; to add the clip "
        "to the timeline, say so in a `%%nemo` cell, e.g. `add the clip to the timeline`; to see your credit "
        "balance, run `%nemo credits`.")
    assert translation.actions == ("export", "status", "credits")
    assert translate_gui("Trimmed scene 1 to 2 s.").text == "Trimmed scene 1 to 2 s."


def test_trailing_temporary_issue_is_dropped_only_after_normal_text():
    assert clean_reply("Trimmed the clip. I encountered a temporary issue, please retry.") == "Trimmed the clip."
    assert clean_reply("I encountered a temporary issue.") == "I encountered a temporary issue."
    assert clean_reply("All good.") == "All good."
