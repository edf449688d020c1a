"""GUI-speak, sentence by sentence: the phrase table (agent text → notebook text, EN + 中文), the
sentence splitter, and the live views, which never show a raw GUI sentence while a reply streams.
"""

from __future__ import annotations

import copy
import io
import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from nemo_jupyter.client.events import Text, TextChunk, ToolCall
from nemo_jupyter.gui_speak import HOLD_S, LiveTranslation, is_gui_talk, translate_gui
from nemo_jupyter.sentences import sentences
from nemo_jupyter.session import Session
from nemo_jupyter.views import MarkdownStreamView, TextStreamView
from nemo_jupyter.widgets import StreamView

EXPORT = "To get the video file, run `%nemo export`."
EXPORT_ZH = "要获取视频文件，请运行 `%nemo export`。"
CREDITS = "To see your credit balance, run `%nemo credits`."
CREDITS_ZH = "要查看积分余额，请运行 `%nemo credits`。"
STATUS = "To see the timeline, run `%nemo status`."
STATUS_ZH = "要查看时间轴，请运行 `%nemo status`。"

# (what the agent said, what the notebook shows, what the notebook may do itself)
PHRASES = [
    ('Click Export.', EXPORT, ('export',)),
    ('Click on the Export button in the top-right corner.', EXPORT, ('export',)),
    ("Press the Export button when you're happy with it.", EXPORT, ('export',)),
    ('Tap Export to save the video to your device.', EXPORT, ('export',)),
    ('Hit the Download button.', EXPORT, ('export',)),
    ('Select Export from the File menu.', EXPORT, ('export',)),
    ('Use the Download icon to get the MP4.', EXPORT, ('export',)),
    ('Choose "Export video" in the menu.', EXPORT, ('export',)),
    ('Go to the Export tab and pick 1080p.', EXPORT, ('export',)),
    ('Head to the top-right corner and click Export.', EXPORT, ('export',)),
    ("Once you're happy, hit Save Video.", EXPORT, ('export',)),
    ('You can download the final video from the Export panel.', EXPORT, ('export',)),
    ('Click the Export icon in the toolbar.', EXPORT, ('export',)),
    ('Use the Export button above the preview.', EXPORT, ('export',)),
    ('Click the Download button to save your video.', EXPORT, ('export',)),
    ('You can export it from the Export menu.', EXPORT, ('export',)),
    ('Please check your account balance.', CREDITS, ('credits',)),
    ('Open your account settings to see your balance.', CREDITS, ('credits',)),
    ('Go to Billing to top up your credits.', CREDITS, ('credits',)),
    ('Head to your account page to check your credits.', CREDITS, ('credits',)),
    ('Check the billing tab for your plan.', CREDITS, ('credits',)),
    ('Visit the account page.', CREDITS, ('credits',)),
    ('Open the Layers panel.', STATUS, ('status',)),
    ('Click the Timeline tab to see all tracks.', STATUS, ('status',)),
    ('Go to the timeline to review the cut.', STATUS, ('status',)),
    ('Switch to the Preview tab.', STATUS, ('status',)),
    ('Open the sidebar on the left.', STATUS, ('status',)),
    ('Preview it in the timeline.', STATUS, ('status',)),
    ('Drag the music clip to the audio track.',
     'To move the music clip to the audio track, say so in a `%%nemo` cell, e.g. `move the music clip to the '
     'audio track`.', ()),
    ('Drag the title to the top of the video.',
     'To move the title to the top of the video, say so in a `%%nemo` cell, e.g. `move the title to the top '
     'of the video`.', ()),
    ('Drag and drop the logo onto the second scene.',
     'To move the logo to the second scene, say so in a `%%nemo` cell, e.g. `move the logo to the second '
     'scene`.', ()),
    ('Drag the music clip onto the audio track.',
     'To move the music clip to the audio track, say so in a `%%nemo` cell, e.g. `move the music clip to the '
     'audio track`.', ()),
    ('Drag the clip to the left.',
     'To move the clip to the left, say so in a `%%nemo` cell, e.g. `move the clip to the left`.', ()),
    ('Drag the clip left by 2 seconds.',
     'To move the clip left by 2 seconds, say so in a `%%nemo` cell, e.g. `move the clip left by 2 seconds`.', ()),
    ('Drag the second clip before the first one.',
     'To move the second clip before the first one, say so in a `%%nemo` cell, e.g. `move the second clip '
     'before the first one`.', ()),
    ('Drop it onto the timeline.',
     'To add it to the timeline, say so in a `%%nemo` cell, e.g. `add it to the timeline`.', ()),
    ('Drag the right edge of the clip to shorten it.',
     'To shorten the clip, say so in a `%%nemo` cell, e.g. `shorten the clip`.', ()),
    ('Drag the end of the clip to trim it.',
     'To trim the clip, say so in a `%%nemo` cell, e.g. `trim the clip`.', ()),
    ('Simply drag and drop your files into the upload area.',
     'To add files, run `%nemo upload` with their paths (with no path it shows a drop zone).', ()),
    ('Use the toolbar to add a text overlay.',
     'To add a text overlay, say so in a `%%nemo` cell, e.g. `add a text overlay`.', ()),
    ('Click the Text icon in the sidebar to add a caption.',
     'To add a caption, say so in a `%%nemo` cell, e.g. `add a caption`.', ()),
    ('Press the Split button to cut the clip at the playhead.',
     'To cut the clip at the playhead, say so in a `%%nemo` cell, e.g. `cut the clip at the playhead`.', ()),
    ('Tap the speaker icon to mute the clip.',
     'To mute the clip, say so in a `%%nemo` cell, e.g. `mute the clip`.', ()),
    ('Use the Filters menu to make it black and white.',
     'To make it black and white, say so in a `%%nemo` cell, e.g. `make it black and white`.', ()),
    ('To add a transition, click the Transitions tab.',
     'To add a transition, say so in a `%%nemo` cell, e.g. `add a transition`.', ()),
    ('Go to the Effects panel to add a blur to scene 2.',
     'To add a blur to scene 2, say so in a `%%nemo` cell, e.g. `add a blur to scene 2`.', ()),
    ('You can add music by clicking the Audio tab.',
     'To add music, say so in a `%%nemo` cell, e.g. `add music`.', ()),
    ('Use the slider to set the volume to 50%.',
     'To set the volume to 50%, say so in a `%%nemo` cell, e.g. `set the volume to 50%`.', ()),
    ('You can change the font in the Text panel.',
     'To change the font, say so in a `%%nemo` cell, e.g. `change the font`.', ()),
    ('Select the clip on the timeline and press Delete.',
     'To delete the clip, say so in a `%%nemo` cell, e.g. `delete the clip`.', ()),
    ('Select the second scene, then click Duplicate.',
     'To duplicate the second scene, say so in a `%%nemo` cell, e.g. `duplicate the second scene`.', ()),
    ('Click Apply.', 'Click Apply. (In the notebook, say what you want in a `%%nemo` cell instead.)', ()),
    ('Click the gear icon.',
     'Click the gear icon. (In the notebook, say what you want in a `%%nemo` cell instead.)', ()),
    ('Choose a font from the dropdown menu.',
     'Choose a font from the dropdown menu. (In the notebook, say what you want in a `%%nemo` cell instead.)', ()),
    ("I'll open the Effects panel and add a blur.", "I'll open the Effects panel and add a blur.", ()),
    ("**Tip:** Click Export in the top-right corner.", EXPORT, ("export",)),
    ("Go to File > Export > MP4.", EXPORT, ("export",)),
    ("Click “Export”, then choose 1080p.", EXPORT, ("export",)),
    ("Need more credits? Click the Upgrade button.", f"Need more credits? {CREDITS}", ("credits",)),
    ("Right-click the clip and choose Delete.",
     "To delete the clip, say so in a `%%nemo` cell, e.g. `delete the clip`.", ()),
    ("Double-click the title to edit the text.",
     "To edit the text, say so in a `%%nemo` cell, e.g. `edit the text`.", ()),
    ("Tip: You can drag clips on the timeline to reorder them.",
     "To reorder clips, say so in a `%%nemo` cell, e.g. `reorder clips`.", ()),
    ("Click on 'Generate' to start.",
     "Click on 'Generate' to start. (In the notebook, say what you want in a `%%nemo` cell instead.)", ()),
    ("Your video is ready! You can preview it in the player on the right, and when you're happy, click **Export**.",
     f"Your video is ready! {EXPORT}", ("export",)),
    ("Don't forget to check your balance.", CREDITS, ("credits",)),
    ('点击导出按钮。', EXPORT_ZH, ('export',)),
    ('单击右上角的下载按钮即可保存视频。', EXPORT_ZH, ('export',)),
    ('点击右上角的“导出”。', EXPORT_ZH, ('export',)),
    ('完成后，点击导出按钮下载视频。', EXPORT_ZH, ('export',)),
    ('请在右上角点击下载按钮。', EXPORT_ZH, ('export',)),
    ('打开账户页面查看余额。', CREDITS_ZH, ('credits',)),
    ('前往账户设置充值积分。', CREDITS_ZH, ('credits',)),
    ('打开时间轴面板。', STATUS_ZH, ('status',)),
    ('在时间轴中预览效果。', STATUS_ZH, ('status',)),
    ('点击预览按钮查看效果。', STATUS_ZH, ('status',)),
    ('把背景音乐拖到音频轨道上。', '要把背景音乐移到音频轨道，请在 `%%nemo` 单元格里直接说，例如 `把背景音乐移到音频轨道`。', ()),
    ('将标题拖拽到第二个场景上。', '要把标题移到第二个场景，请在 `%%nemo` 单元格里直接说，例如 `把标题移到第二个场景`。', ()),
    ('拖动片段到时间轴的开头。', '要把片段移到时间轴的开头，请在 `%%nemo` 单元格里直接说，例如 `把片段移到时间轴的开头`。', ()),
    ('你可以直接把 city.mp4 拖到时间轴上。', '要把 city.mp4 移到时间轴，请在 `%%nemo` 单元格里直接说，例如 `把 city.mp4 移到时间轴`。', ()),
    ('拖拽字幕到视频顶部即可。', '要把字幕移到视频顶部，请在 `%%nemo` 单元格里直接说，例如 `把字幕移到视频顶部`。', ()),
    ('点击文字图标来添加字幕。', '要添加字幕，请在 `%%nemo` 单元格里直接说，例如 `添加字幕`。', ()),
    ('使用侧边栏中的转场工具来添加淡入淡出。', '要添加淡入淡出，请在 `%%nemo` 单元格里直接说，例如 `添加淡入淡出`。', ()),
    ('单击“应用”。', '单击“应用”。（在笔记本里，请在 `%%nemo` 单元格中用文字说明要做什么。）', ()),
    ('Done! Click the Export button to download your video.',
     'Done! To get the video file, run `%nemo export`.', ('export',)),
    ("I added the BGM at 35%. You can preview it in the timeline, then hit Download when you're ready. Let me "
     'know!',
     'I added the BGM at 35%. To see the timeline, run `%nemo status`; to get the video file, run `%nemo '
     'export`. Let me know!', ('status', 'export')),
    ('Trimmed the intro to 2 s and added a fade.\n\nNext steps:\n- Click **Export** in the top-right '
     'corner.\n- Drag the music clip to the audio track if you want it under the title.\n\nAnything else?',
     'Trimmed the intro to 2 s and added a fade.\n\nNext steps:\n- To get the video file, run `%nemo '
     'export`.\n- To move the music clip to the audio track, say so in a `%%nemo` cell, e.g. `move the music '
     'clip to the audio track`.\n\nAnything else?', ('export',)),
    ('我已经把音乐调低到 35%。点击右上角的导出按钮就可以下载了。还需要别的调整吗？', '我已经把音乐调低到 35%。要获取视频文件，请运行 `%nemo export`。还需要别的调整吗？', ('export',)),
    ('已添加标题。请在右上角打开面板查看。', '已添加标题。要查看时间轴，请运行 `%nemo status`。', ('status',)),
    ('Cut scene 2 to 0.5s (e.g. the skyline shot from city.mp4)... then added a crossfade. Open the '
     'Transitions panel to tweak it. Anything else?',
     'Cut scene 2 to 0.5s (e.g. the skyline shot from city.mp4)... then added a crossfade. To tweak it, say '
     'so in a `%%nemo` cell, e.g. `tweak it`. Anything else?', ()),
]

# A reply as the cloud agent writes it: GUI talk between normal sentences, a list, Chinese.
CLOUD_REPLY = ("Done! I trimmed the intro to 2.5s and added the lo-fi track at 35% (e.g. under the city.mp4 "
               "shot)... then a fade-out.\n\nNext steps:\n- Click the **Export** button in the top-right corner "
               "to download your video.\n- Drag the music clip to the audio track if you want it under the "
               "title.\n\nYou can also check your account balance in the sidebar. 点击右上角的导出按钮即可下载视频。"
               "Anything else?")
RAW_GUI = [sentence.text for sentence in sentences(CLOUD_REPLY) if is_gui_talk(sentence.text)]
GUI_WORDS = re.compile(r"Click|Drag|check your account|sidebar|点击|按钮")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def assert_no_raw_gui(updates: list[str]) -> None:
    assert updates
    for update in updates:
        assert not any(raw in update for raw in RAW_GUI), update
        assert not GUI_WORDS.search(update), update


def pieces(text: str, size: int) -> list[str]:
    """`text` cut every `size` characters: mid-word, mid-sentence."""
    return [text[at:at + size] for at in range(0, len(text), size)]


# --- the phrase table ---------------------------------------------------------------------------
@pytest.mark.parametrize("said, shown, actions", PHRASES)
def test_each_phrasing_reads_as_a_whole_notebook_sentence(said, shown, actions):
    translation = translate_gui(said)
    assert translation.text == shown
    assert translation.actions == actions


def test_the_table_varies_verbs_elements_drags_chinese_and_mixed_replies():
    assert len(PHRASES) >= 60
    said = " ".join(row[0] for row in PHRASES).lower()
    for word in ("click", "press", "tap", "hit", "select", "use", "choose", "go to", "head to", "button", "menu",
                 "tab", "panel", "icon", "sidebar", "toolbar", "the timeline", "drag", "drop", "点击", "单击", "打开",
                 "拖拽", "拖动", "导出按钮", "下载按钮", "右上角", "时间轴", "面板"):
        assert word in said, word
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", row[0])) for row in PHRASES) >= 15
    assert sum(len(list(sentences(row[0]))) >= 3 for row in PHRASES) >= 4  # mixed replies


def test_a_gui_sentence_is_replaced_whole_or_kept_with_a_hint_after_it():
    hints = (" (In the notebook, say what you want in a `%%nemo` cell instead.)", "（在笔记本里")
    for said, shown, _ in PHRASES:
        for sentence in sentences(said):
            if is_gui_talk(sentence.text) and sentence.text in shown:
                assert any(sentence.text + hint in shown for hint in hints), said


@pytest.mark.parametrize("said", [
    "Trimmed scene 1 to 0.5s.  Added a fade-in (e.g. 1.5 s) to city.mp4... then normalised the audio.",
    "Here is the plan:\n\n1. Cut the intro.\n2. Add the title \"Urban Dreams\".\n   - keep it 3 s\n\nDone.",
    "已把片头剪到 2 秒。背景音乐音量调到 35%！需要我再加字幕吗？",
    "The export will be 1080p at 30 fps, and your balance covers it.",
    "Would you like me to open with the skyline shot?",
    "Tap into the energy of the city with a faster cut. I placed the logo in the top right corner.",
    "Select a style you like and I'll apply it. Your video is ready to export.",
    "As you can see on the timeline, the title now starts at 2 s.",
    "There is nothing to preview yet: the timeline is empty. The open download link expires in 24 hours.",
    "Scene 2 is shorter than one frame: to drop it, say remove scene 2 (see the timeline summary).",
    "In Python:\n```python\n# click the Export button\nsession.export('out.mp4')  # drag it to the timeline\n```\nDone.",
    "你可以设置音量为 50%。请按照时间轴的顺序告诉我。",
    "I'll drop the last scene.\tNothing else changed.\n",
    "  I used the timeline's second track for the music.   ",
])
def test_sentences_without_gui_talk_stay_byte_for_byte(said):
    assert translate_gui(said) == translate_gui(said)  # pure
    assert translate_gui(said).text == said and translate_gui(said).actions == ()


# --- sentences --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Trimmed to 0.5s. Then added city.mp4 as scene 2.", ["Trimmed to 0.5s.", "Then added city.mp4 as scene 2."]),
    ("Use a fade, e.g. `fade in 1 s`. Done!", ["Use a fade, e.g. `fade in 1 s`.", "Done!"]),
    ("Rendering... then export. Wait... Done.", ["Rendering... then export.", "Wait...", "Done."]),
    ("Steps:\n1. Cut the intro.\n2. Add music.\n- Fade out", ["Steps:", "Cut the intro.", "Add music.", "Fade out"]),
    ("已完成。点击导出按钮！好的？OK.", ["已完成。", "点击导出按钮！", "好的？", "OK."]),
    ("He said “Done.” Then left.", ["He said “Done.”", "Then left."]),
    ("**Done.** Next, export it.", ["**Done.**", "Next, export it."]),
    ("Version 2.5 is out.Really", ["Version 2.5 is out.Really"]),
])
def test_sentences_end_at_their_punctuation_only(text, expected):
    found = list(sentences(text))
    assert [sentence.text for sentence in found] == expected
    assert "".join(sentence.gap + sentence.text for sentence in found) + text[found[-1].end:] == text


def test_a_sentence_once_complete_never_changes_as_more_text_comes():
    whole = [(sentence.gap, sentence.text) for sentence in sentences(CLOUD_REPLY)]
    for cut in range(len(CLOUD_REPLY) + 1):
        partial = [(sentence.gap, sentence.text) for sentence in sentences(CLOUD_REPLY[:cut], final=False)]
        assert partial == whole[:len(partial)], CLOUD_REPLY[:cut]


# --- while streaming --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [1, 2, 5, 13])
def test_a_streamed_reply_shows_only_translated_sentences(size):
    live = LiveTranslation(clock=Clock())
    shown = []
    for piece in pieces(CLOUD_REPLY, size):
        live.feed(piece)
        shown.append(live.shown())
    live.close()
    final = translate_gui(CLOUD_REPLY)
    assert live.shown() == final.text and tuple(live.actions) == final.actions == ("export", "credits")
    assert_no_raw_gui(shown + [live.shown()])
    assert all(final.text.startswith(text) for text in shown)  # nothing shown is taken back


def test_a_growing_sentence_shows_after_the_hold_unless_it_may_be_gui_talk():
    clock = Clock()
    live = LiveTranslation(clock)
    live.feed("Trimmed the intro. Now adding the lo-fi tra")
    assert live.shown() == "Trimmed the intro."
    clock.now += HOLD_S
    assert live.shown() == "Trimmed the intro. Now adding the lo-fi"  # whole words only
    live.feed("ck. You can now cli")
    assert live.shown() == "Trimmed the intro. Now adding the lo-fi track."  # a new sentence waits again
    clock.now += HOLD_S
    assert live.shown() == "Trimmed the intro. Now adding the lo-fi track. You can now"
    live.feed("ck the Export button.")
    clock.now += HOLD_S
    assert live.shown() == "Trimmed the intro. Now adding the lo-fi track."  # may be GUI talk: held back
    live.feed(" Bye.")
    live.close()
    assert live.shown() == f"Trimmed the intro. Now adding the lo-fi track. {EXPORT} Bye."


def test_a_view_shows_a_pausing_sentence_after_the_hold_on_its_tick_but_never_gui_talk():
    clock = Clock()
    view = StreamView(display=False, clock=clock)
    view.start()
    view.event(TextChunk("Working on the intro now, it takes a"))
    view.tick()
    assert view.text == ""
    clock.now += HOLD_S
    view.tick()  # no event came: the tick shows it
    assert view.text == "Working on the intro now, it takes"
    view.event(TextChunk(" moment. Then click the Export"))
    clock.now += 5 * HOLD_S
    view.tick()
    assert view.text == "Working on the intro now, it takes a moment."


def result_for(raw: str) -> SimpleNamespace:
    translation = translate_gui(raw)
    return SimpleNamespace(text=translation.text, raw_text=raw, actions=translation.actions, changes=[],
                           summary="Timeline (0 tracks): empty", silent=False, recovered=False)


def feed(view, clock: Clock, size: int = 7) -> None:
    view.start()
    view.event(ToolCall("edit_draft", {"instruction": "add music"}))
    for piece in pieces(CLOUD_REPLY, size):
        clock.now += 0.05
        view.event(TextChunk(piece))
        view.tick() if hasattr(view, "tick") else None
    view.event(Text(CLOUD_REPLY, streamed=True))
    clock.now += 1
    view.tick() if hasattr(view, "tick") else None
    view.finish(result_for(CLOUD_REPLY))


def test_the_markdown_view_never_shows_raw_gui_talk():
    InteractiveShell.instance()
    with capture_output() as captured:
        feed(MarkdownStreamView(clock=(clock := Clock())), clock)
    updates = [output.data["text/markdown"] for output in captured.outputs]
    assert_no_raw_gui(updates)
    final = translate_gui(CLOUD_REPLY).text
    assert updates[-2].endswith(final) and updates[-1].startswith(final)  # the last live frame, then the reply


def test_the_terminal_view_prints_each_translated_sentence_once():
    out = io.StringIO()
    feed(TextStreamView(out=out, clock=(clock := Clock())), clock)
    printed = out.getvalue()
    assert_no_raw_gui([printed])
    assert printed.count(translate_gui(CLOUD_REPLY).text) == 1


def test_the_widget_never_syncs_raw_gui_talk_and_saves_what_it_showed():
    view = StreamView(display=False, clock=(clock := Clock()))
    synced = []
    view.observe(lambda change: synced.append(change["new"]), names="text")
    feed(view, clock)
    assert_no_raw_gui(synced)
    final = translate_gui(CLOUD_REPLY).text
    assert view.text == final and view.markdown().startswith(final)


# --- a cloud-like reply through the local backend ---------------------------------------------------
def cloud_agent(state: dict, text: str) -> SimpleNamespace:
    """Adds a title and answers like the cloud agent, GUI talk and all."""
    draft = copy.deepcopy(state.get("draft") or {"d": 0, "m": {}, "t": []})
    draft.setdefault("t", []).append({"id": "trk_titles", "tt": 7, "m": {"name": "Title"},
                                      "sg": [{"id": "seg_t0", "st": 0, "d": 1000, "m": {"text": text}}]})
    return SimpleNamespace(tool_name="edit_draft", tool_args={"instruction": text}, state_delta={"draft": draft},
                           text=CLOUD_REPLY, charge=True)


@pytest.fixture(scope="module")
def cloud_backend(start_backend):
    with start_backend("gui_cloud", agent=cloud_agent) as running:
        yield running


def test_a_cloud_like_reply_streamed_by_the_local_backend_is_shown_translated(cloud_backend, client_on, fast):
    InteractiveShell.instance()
    out = io.StringIO()
    markdown, terminal, widget = MarkdownStreamView(), TextStreamView(out=out), StreamView(display=False)
    synced, chunks = [], []
    widget.observe(lambda change: synced.append(change["new"]), names="text")

    def on_event(ev):
        chunks.append(ev) if ev.kind == "text_chunk" else None
        for view in (markdown, terminal, widget):
            view.event(ev)

    with client_on(cloud_backend) as client, capture_output() as captured:
        for view in (markdown, terminal, widget):
            view.start()
        result = Session(client, **fast).edit("Add a title", on_event=on_event)
        for view in (markdown, terminal, widget):
            view.finish(result)
    assert len(chunks) >= 10  # streamed as partial chunks
    assert result.raw_text == CLOUD_REPLY and result.text == translate_gui(CLOUD_REPLY).text
    assert result.actions == ("export", "credits")
    assert_no_raw_gui([output.data["text/markdown"] for output in captured.outputs] + synced + [out.getvalue()])
    assert captured.outputs[-1].data["text/markdown"].startswith(result.text)
    assert widget.text == result.text and widget.markdown().startswith(result.text)  # saved as shown
    assert out.getvalue().count(result.text) == 1


# --- any reply, any chunking ----------------------------------------------------------------------
_FRAGMENTS = [row[0] for row in PHRASES[::7]] + [
    "Trimmed scene 1 to 0.5s.", "e.g. ", "city.mp4", "... ", "\n", "\n\n- ", "1. ", "  ", "已完成。", "好的？",
    "Done!", "Click", " the ", "Export", " button", ".", "拖", "到时间轴", "Anything else?", "“Done.”", "**", "`x`",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=12), st.lists(st.integers(1, 9), min_size=1, max_size=20))
def test_any_reply_streamed_in_any_chunks_reads_as_the_whole_reply(fragments, sizes):
    reply = "".join(fragments)
    whole = translate_gui(reply)
    live, at, index = LiveTranslation(clock=Clock()), 0, 0
    while at < len(reply):
        size = sizes[index % len(sizes)]
        live.feed(reply[at:at + size])
        assert whole.text.startswith(live.shown())  # nothing shown is taken back
        at, index = at + size, index + 1
    live.close()
    assert live.shown() == whole.text and tuple(live.actions) == whole.actions
    for sentence in sentences(reply):  # every sentence without GUI talk is in the reply as written
        assert is_gui_talk(sentence.text) or sentence.text in whole.text
