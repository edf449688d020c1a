"""Every documented form, in English and Chinese, parses to the command it names (pure parsing)."""

from __future__ import annotations

import re

import pytest

from nemo_jupyter.local.agent import GRAMMAR, grammar
from nemo_jupyter.local.agent import commands as c

FORMS = [
    # reorder
    ("reorder scenes 2,1", [c.Reorder((2, 1))]),
    ("reorder to 3,1,2", [c.Reorder((3, 1, 2))]),
    ("Reorder the clips to 3, 1, 2.", [c.Reorder((3, 1, 2))]),
    ("put scene 3 first", [c.Move(3, 1)]),
    ("move scene 3 before scene 1", [c.Move(3, 1)]),
    ("move scene 1 after scene 3", [c.Move(1, 3, after=True)]),
    ("put the second scene last", [c.Move(2, c.LAST, after=True)]),
    ("move scene 1 to position 3", [c.Move(1, 3, after=True)]),
    ("move scene 3 to position 2", [c.Move(3, 2)]),
    ("put scene 3 second", [c.Move(3, 2)]),
    ("move clip 1 to the third place", [c.Move(1, 3, after=True)]),
    ("把第3段移到第1位", [c.Move(3, 1)]),
    ("swap scenes 1 and 2", [c.Swap(1, 2)]),
    ("swap the first and third clips", [c.Swap(1, 3)]),
    ("reverse the order of the scenes", [c.Reverse()]),
    ("duplicate scene 2", [c.Duplicate(2)]),
    ("repeat scenes 1 and 3", [c.Duplicate(3), c.Duplicate(1)]),
    ("复制第2段", [c.Duplicate(2)]),
    ("add city.mp4 at the end", [c.InsertClip("city.mp4")]),
    ("insert Beach.MOV after scene 1", [c.InsertClip("Beach.MOV", 1, after=True)]),
    ('put "night" before the first scene', [c.InsertClip("night", 1, after=False)]),
    ("把 city.mp4 加到最前面", [c.InsertClip("city.mp4", 1, after=False)]),
    ("把顺序倒过来", [c.Reverse()]),
    ("第一段和第二段换一下位置", [c.Swap(1, 2)]),
    ("swap scene one with scene three", [c.Swap(1, 3)]),
    ("调换第1段和第2段", [c.Swap(1, 2)]),
    ("把第3段放到最前", [c.Move(3, 1)]),
    ("把第三段放到最前面", [c.Move(3, 1)]),
    ("把第1段放到第3段后面", [c.Move(1, 3, after=True)]),
    ("把第一段放到最后", [c.Move(1, c.LAST, after=True)]),
    ("按3、1、2的顺序排列", [c.Reorder((3, 1, 2))]),
    ("顺序改为三，一，二", [c.Reorder((3, 1, 2))]),
    # trim
    ("trim scene 2 to 4s", [c.TrimTo(2, 4000)]),
    ("keep only the first 3 seconds of scene 1", [c.TrimTo(1, 3000)]),
    ("keep the last 3 seconds of scene 1", [c.TrimTo(1, 3000, keep_end=True)]),
    ("第1段只保留最后2秒", [c.TrimTo(1, 2000, keep_end=True)]),
    ("make the first scene 3 seconds", [c.TrimTo(1, 3000)]),
    ("shorten scene 1 by 1s", [c.Cut(1, 1000, from_end=True)]),
    ("trim clip 2 down to 2.5 seconds", [c.TrimTo(2, 2500)]),
    ("cut the first 2 seconds of scene 1", [c.Cut(1, 2000)]),
    ("cut the last 1s of scene 2", [c.Cut(2, 1000, from_end=True)]),
    ("cut 500ms off the end of scene 2", [c.Cut(2, 500, from_end=True)]),
    ("把第2段剪到4秒", [c.TrimTo(2, 4000)]),
    ("剪掉第1段的前2秒", [c.Cut(1, 2000)]),
    ("剪掉第2段的最后1秒", [c.Cut(2, 1000, from_end=True)]),
    # remove, split
    ("remove scene 2", [c.Remove(2)]),
    ("trim the longest scene to 2s", [c.TrimTo(c.LONGEST, 2000)]),
    ("remove the shortest clip", [c.Remove(c.SHORTEST)]),
    ("删除最短的那段", [c.Remove(c.SHORTEST)]),
    ("delete the last clip", [c.Remove(c.LAST)]),
    ("删除第2段", [c.Remove(2)]),
    ("split scene 1 at 2s", [c.Split(1, 2000)]),
    ("split the first clip in half", [c.Split(1, None)]),
    ("把第1段一分为二", [c.Split(1, None)]),
    ("在2秒处分割第1段", [c.Split(1, 2000)]),
    # speed
    ("make scene 2 twice as fast", [c.Speed(2, 2.0)]),
    ("speed up scene 1 by 1.5x", [c.Speed(1, 1.5)]),
    ("slow scene 2 to half speed", [c.Speed(2, 0.5)]),
    ("slow down scene 3 by 2x", [c.Speed(3, 0.5)]),
    ("make scene 2 slower", [c.Speed(2, None)]),
    ("第2段加速2倍", [c.Speed(2, 2.0)]),
    ("第2段放慢到0.5倍速", [c.Speed(2, 0.5)]),
    # titles and captions
    ('add title "Hello" from 0s to 2s at top', [c.AddText("title", "Hello", 0, 2000, "top")]),
    ('add a title "Big News" at the bottom', [c.AddText("title", "Big News", None, None, "bottom")]),
    ('change the title to "Hi There"', [c.ChangeText("title", "Hi There")]),
    ("remove the title", [c.RemoveText("title")]),
    ("move the title to the bottom", [c.ChangeText("title", position="bottom")]),
    ("show the caption from 1s to 2.5s", [c.AddText("caption", "", 1000, 2500)]),
    ("change the caption to start at 2s", [c.ChangeText("caption", start_ms=2000)]),
    ("add title", [c.AddText("title", "")]),
    ("把标题移到顶部", [c.ChangeText("title", position="top")]),
    ("make the title bigger", [c.StyleText("title", scale=1.5)]),
    ("make the captions smaller and yellow", [c.StyleText("caption", scale=1 / 1.5, color="yellow")]),
    ("make the title bold", [c.StyleText("title", font="bold")]),
    ("字幕改成黄色", [c.StyleText("caption", color="yellow")]),
    # fit
    ("crop the clips to fill the frame", [c.Fit(c.ALL, "cover")]),
    ("show the whole picture of scene 2", [c.Fit(2, "contain")]),
    ("stretch scene 1", [c.Fit(1, "stretch")]),
    ("画面填满", [c.Fit(c.ALL, "cover")]),
    ('add caption "Look!" from 1s to 3s', [c.AddText("caption", "Look!", 1000, 3000, None)]),
    ("add a caption 'Don't stop' from 1 to 3 seconds", [c.AddText("caption", "Don't stop", 1000, 3000, None)]),
    ("put a title 'Summer' on the first 2 seconds", [c.AddText("title", "Summer", 0, 2000, None)]),
    ('add title "Go" 1-2.5s at the center', [c.AddText("title", "Go", 1000, 2500, "center")]),
    ("添加字幕“好”从1到2秒", [c.AddText("caption", "好", 1000, 2000, None)]),
    ("添加标题“你好”", [c.AddText("title", "你好")]),
    ("添加字幕「看这里」从1秒到3秒，在底部", [c.AddText("caption", "看这里", 1000, 3000, "bottom")]),
    ("把标题改为“再见”", [c.ChangeText("title", "再见")]),
    ("删除标题", [c.RemoveText("title")]),
    # music and volume
    ("add music song.mp3 at 35%", [c.AddMusic("song.mp3", 0.35)]),
    ('add background music "Lofi Beat.mp3"', [c.AddMusic("Lofi Beat.mp3", None)]),
    ("add music lofi at 20%", [c.AddMusic("lofi", 0.2)]),
    ("add some background music", [c.AddMusic(None, None)]),
    ("添加背景音乐 song.mp3 音量35%", [c.AddMusic("song.mp3", 0.35)]),
    ("背景音乐用lofi.mp3，音量30%", [c.AddMusic("lofi.mp3", 0.3)]),
    ("添加背景音乐“夏日.mp3”", [c.AddMusic("夏日.mp3", None)]),
    ("set music volume to 20%", [c.SetVolume(None, 0.2, music=True)]),
    ("背景音乐音量调到百分之二十", [c.SetVolume(None, 0.2, music=True)]),
    ("remove the music", [c.RemoveMusic()]),
    ("make the music quieter", [c.SetVolume(None, None, music=True)]),
    ("背景音乐调小一点", [c.SetVolume(None, None, music=True)]),
    ("make scene 2 louder", [c.SetVolume(2, None)]),
    ("set volume of scene 1 to 50%", [c.SetVolume(1, 0.5)]),
    ("第1段音量设为50%", [c.SetVolume(1, 0.5)]),
    ("mute scene 2", [c.Mute(2)]),
    ("mute all clips", [c.Mute(c.ALL)]),
    ("unmute scene 2", [c.Mute(2, muted=False)]),
    ("第2段静音", [c.Mute(2)]),
    ("turn off the sound of scene 2", [c.Mute(2)]),
    ("整体静音", [c.Mute(c.ALL)]),
    ("所有片段静音", [c.Mute(c.ALL)]),
    # canvas
    ("make it vertical", [c.Canvas(1080, 1920)]),
    ("change aspect ratio to 9:16", [c.Canvas(1080, 1920)]),
    ("change aspect ratio to 1:1", [c.Canvas(1080, 1080)]),
    ("change aspect ratio to 16:9", [c.Canvas(1920, 1080)]),
    ("set the aspect ratio to 4:3", [c.Canvas(1440, 1080)]),
    ("改成竖屏", [c.Canvas(1080, 1920)]),
    ("画面比例改为1:1", [c.Canvas(1080, 1080)]),
    # fades
    ("fade in 1s", [c.Fade(True, 1000)]),
    ("fade out 2s at the end", [c.Fade(False, 2000)]),
    ("fade in scene 2 over 0.5s", [c.Fade(True, 500, 2)]),
    ("fade in and out", [c.Fade(True, 1000), c.Fade(False, 1000)]),
    ("开头淡入1秒", [c.Fade(True, 1000)]),
    ("结尾淡出2秒", [c.Fade(False, 2000)]),
    # undo
    ("undo", [c.Undo()]),
    ("Undo that.", [c.Undo()]),
    ("撤销", [c.Undo()]),
    ("redo", [c.Redo()]),
    ("重做", [c.Redo()]),
    ("What can you do?", [c.Help()]),
    ("帮助", [c.Help()]),
    # after analysis
    ("split clips at scene cuts", [c.SplitAtSceneCuts(c.ALL)]),
    ("split scene 2 at its scene cuts", [c.SplitAtSceneCuts(2)]),
    ("split clip City.mp4 at its scene cuts", [c.SplitAtSceneCuts(c.ALL, "City.mp4")]),
    ("remove frozen frames", [c.RemoveFindings("freeze")]),
    ("cut the black frames", [c.RemoveFindings("black")]),
    ("trim the silence at the end", [c.TrimEndSilence()]),
    ("在场景切换处分割", [c.SplitAtSceneCuts(c.ALL)]),
    ("删除冻结帧", [c.RemoveFindings("freeze")]),
    ("去掉黑屏", [c.RemoveFindings("black")]),
    ("剪掉结尾的静音", [c.TrimEndSilence()]),
    # ambiguous
    ("trim the long scene", [c.Ambiguous("the long scene")]),
    ("remove that scene", [c.Ambiguous("that scene")]),
    ("删掉那段", [c.Ambiguous("那段")]),
]


@pytest.mark.parametrize("text, expected", FORMS, ids=[text for text, _ in FORMS])
def test_form(text, expected):
    parsed = grammar.parse(text)
    assert parsed.not_understood == ()
    assert list(parsed.commands) == expected


@pytest.mark.parametrize("text, expected", [
    ('reorder to 3,1,2 and trim scene 2 to 4s, then add title "A, and B"',
     [c.Reorder((3, 1, 2)), c.TrimTo(2, 4000), c.AddText("title", "A, and B")]),
    ("删除第2段，把第3段放到最前", [c.Remove(2), c.Move(3, 1)]),
    ("淡入1秒，淡出2秒", [c.Fade(True, 1000), c.Fade(False, 2000)]),
    ("remove scenes 1 and 3", [c.Remove(3), c.Remove(1)]),
    ("delete scene 1, 3 and the last scene", [c.Remove(c.LAST), c.Remove(3), c.Remove(1)]),
    ("删除第1段和第3段", [c.Remove(3), c.Remove(1)]),
    ("mute scenes 2 and 3", [c.Mute(2), c.Mute(3)]),
    ("trim scene 1 to 2s and scene 2 to 3s", [c.TrimTo(1, 2000), c.TrimTo(2, 3000)]),
    ("set volume of scene 1 to 50% and scene 2 to 20%", [c.SetVolume(1, 0.5), c.SetVolume(2, 0.2)]),
    ('add title "Hi" and music song.mp3 at 20%', [c.AddText("title", "Hi"), c.AddMusic("song.mp3", 0.2)]),
    ("remove the title and the music", [c.RemoveText("title"), c.RemoveMusic()]),
    ("swap scene 1 and scene 2 then trim scene 1 to 2s", [c.Swap(1, 2), c.TrimTo(1, 2000)]),
    ("make scenes 1 and 2 twice as fast", [c.Speed(1, 2.0), c.Speed(2, 2.0)]),
    ("swap scenes 1 and 2; make it square", [c.Swap(1, 2), c.Canvas(1080, 1080)]),
])
def test_several_edits_in_one_message(text, expected):
    assert list(grammar.parse(text).commands) == expected


def test_quoted_text_keeps_its_case_and_is_not_parsed():
    parsed = grammar.parse('add title "Remove Scene 2 at 50%" at top')
    assert parsed.commands == (c.AddText("title", "Remove Scene 2 at 50%", None, None, "top"),)


@pytest.mark.parametrize("text", ["make me a sandwich", "what is the weather", "scene 2", "the title", "trim"])
def test_unknown_clauses_are_reported_back(text):
    parsed = grammar.parse(text)
    assert parsed.commands == () and parsed.not_understood == (text,)


def test_one_unknown_clause_among_known_ones_is_reported():
    parsed = grammar.parse("remove scene 2 and make it sparkle")
    assert parsed.commands == (c.Remove(2),) and parsed.not_understood == ("make it sparkle",)


def test_grammar_help_shows_an_example_of_every_command_kind():
    """Each documented example in GRAMMAR parses; together they cover every command class."""
    examples = re.findall(r'"((?:[^"]|"[^"]*")*?)"(?= ·|$| \(|\n)', GRAMMAR, flags=re.M)
    examples += re.findall(r"· ([\u3400-\u9fff][^\s·]*)", GRAMMAR)
    seen = set()
    for example in examples:
        parsed = grammar.parse(example)
        assert parsed.not_understood == (), example
        seen.update(type(command) for command in parsed.commands)
    documented = {getattr(c, name) for name in c.__dict__ if isinstance(getattr(c, name), type)
                  and getattr(c, name).__module__ == c.__name__}
    assert documented - seen == {c.Ambiguous}, documented - seen


def test_the_help_text_is_one_markdown_list_then_a_paragraph():
    """The help reply renders as a list (the widget's and Jupyter's Markdown): one run of items,
    and the closing sentence after a blank line, not swallowed by the last item."""
    lines = GRAMMAR.splitlines()
    items = [number for number, line in enumerate(lines) if line.startswith("- ")]
    assert len(items) > 5 and items == list(range(items[0], items[-1] + 1))
    assert lines[items[0] - 1].endswith(":") and lines[items[-1] + 1] == "" and lines[items[-1] + 2]
