"""Normalising instruction text (numbers, units, scene references, quotes) and cutting it into clauses."""

from __future__ import annotations

import pytest

from nemo_jupyter.local.agent.wording import clauses, normalise, restore


@pytest.mark.parametrize("text, normal", [
    ("把第十二段剪到十五秒", "把 scene 12 剪到15s"),
    ("第二十一段", "scene 21"),
    ("第2段加速两倍", "scene 2 加速2x"),
    ("音乐音量百分之三十五", "音乐音量35%"),
    ("删掉最后一段", "删掉 scene last"),
    ("片段3静音", "scene 3 静音"),
    ("cut 1.5 minutes", "cut 90s"),
    ("trim scene 2 to 500ms", "trim scene 2 to 0.5s"),
    ("Trim Scene Two to 2.5 Seconds", "trim scene 2 to 2.5s"),
    ("move clip #3 first", "move scene 3 first"),
    ("Put the Second Shot last", "put scene 2 last"),
    ("swap the first and third clips", "swap scenes 1 and 3"),
    ("remove the longest one", "remove scene longest"),
    ("fade out over half a second", "fade out over 0.5s"),
    ("set it to 35 percent", "set it to 35%"),
    ("from 1 to 3 seconds", "from 1s to 3s"),
    ("add caption 1-2.5s", "add caption 1s to 2.5s"),
    ("Ｓｃｅｎｅ　２，ｔｏ　４ｓ", "scene 2,to 4s"),
])
def test_normalise(text, normal):
    assert normalise(text)[0] == normal


def test_quotes_and_file_names_are_kept_verbatim_and_restored():
    normal, saved = normalise('Add title "Two Seconds" and music My_Song.MP3, caption \'Don\'t\' and 「你好」')
    assert saved == ["Two Seconds", "Don't", "你好", "My_Song.MP3"]
    assert normal == "add title «0» and music «3» , caption «1» and «2»"
    assert restore(normal, saved) == 'add title "Two Seconds" and music "My_Song.MP3" , caption "Don\'t" and "你好"'


@pytest.mark.parametrize("text, parts", [
    ("reorder to 3,1,2 and trim scene 2 to 4s, then add title «0»",
     ["reorder to 3,1,2", "trim scene 2 to 4s", "add title «0»"]),
    ("swap scenes 1 and 2; make it square", ["swap scenes 1 and 2", "make it square"]),
    ("please remove scene 2.", ["remove scene 2"]),
    ("okay, now trim scene 1 to 2s", ["trim scene 1 to 2s"]),
    ("nowhere to go", ["nowhere to go"]),
    ("reorder to 2,1. trim scene 1 to 2.5s. thanks", ["reorder to 2,1", "trim scene 1 to 2.5s"]),
    ("删除 scene 2 ,把 scene 3 放到最前", ["删除 scene 2", "把 scene 3 放到最前"]),
    ("淡入1s,淡出2s", ["淡入1s", "淡出2s"]),
    ("trim scene 1 to 2s and scene 2 to 3s", ["trim scene 1 to 2s", "scene 2 to 3s"]),
    ("remove scene 1 and scene 3", ["remove scene 1 and scene 3"]),
    ("fade in and out", ["fade in and out"]),
])
def test_clauses(text, parts):
    assert clauses(text) == parts
