"""Commands -> a new draft (or canvas), and the sentence that says what was done.

`apply(command, edit)` resolves the command's scene references against the current draft, calls
the pure operation in `ops.py` (one `apply_command` handler per command), stores the result in
`edit` and returns a `Say`. A command that cannot be done, or that needs the user to say which
scene, raises `EditError`. When an edit makes the video longer, background music that played to
its old end follows it (as far as the music file goes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch

from . import commands as c
from . import findings, layer_ops, ops
from .speech import EditError, Say, seconds

TAIL_TOLERANCE_MS = 150  # a silence ending this close to the clip's end runs to its end


@dataclass
class Edit:
    """The working copy of the state while one instruction is applied."""

    draft: dict
    canvas: dict
    media: list[dict] = field(default_factory=list)
    analyses: dict = field(default_factory=dict)


# --- scenes ------------------------------------------------------------------------------------


def scene_list(draft: dict) -> Say:
    parts = [(i, s.get("m", {}).get("name") or s.get("src") or "clip", seconds(s.get("d", 0)))
             for i, s in enumerate(ops.scenes(draft), 1)]
    return Say(", ".join(f"{i}. {name} ({length})" for i, name, length in parts),
               "，".join(f"{i}. {name}（{length}）" for i, name, length in parts))


def which_scene(draft: dict, phrase: str | None = None) -> EditError:
    listed = scene_list(draft)
    said = f'By "{phrase}", which scene do you mean? ' if phrase else "Which scene do you mean? "
    return EditError(
        f'{said}The timeline has {listed.en}. Say it with the number, e.g. "trim scene 2 to 4s".',
        f"您指的是哪一段？时间线上有：{listed.zh}。请用编号说明，例如“把第2段剪到4秒”。",
    )


def _number(edit: Edit, scene: int) -> int:
    """The scene number a reference means now: `LAST`, `LONGEST`, `SHORTEST` resolved, range checked."""
    segments = ops.scenes(edit.draft)
    if scene in (c.LONGEST, c.SHORTEST) and segments:
        pick = max if scene == c.LONGEST else min
        length = pick(s["d"] for s in segments)
        tied = [n for n, s in enumerate(segments, 1) if s["d"] == length]
        if len(tied) > 1:
            word = "longest" if scene == c.LONGEST else "shortest"
            raise which_scene(edit.draft, f"the {word} scene")
        return tied[0]
    return ops.scene_index(edit.draft, scene) + 1  # raises when out of range


def _one(edit: Edit, scene: int | None) -> int:
    """A scene number for a command about one scene: the only scene when none was named."""
    count = len(ops.scenes(edit.draft))
    if scene is None or scene == c.ALL:
        if count == 1:
            return 1
        if count == 0:
            ops.scene_index(edit.draft, 1)  # raises: nothing to edit yet
        raise which_scene(edit.draft)
    return _number(edit, scene)


def _one_or_all(edit: Edit, scene: int | None) -> int:
    """For sound and speed, naming no scene means the whole video."""
    return c.ALL if scene in (None, c.ALL) else _one(edit, scene)


def _order(before: list[str], draft: dict) -> Say:
    numbers = ", ".join(str(before.index(s["id"]) + 1) for s in ops.scenes(draft) if s["id"] in before)
    return Say(f"Done: scenes are now in the order {numbers}.", f"完成：片段顺序现在是 {numbers}。")


def _called(scene: int) -> tuple[str, str]:
    """How a reply names a scene (or every scene), in English and Chinese."""
    return ("every scene", "所有片段") if scene == c.ALL else (f"scene {scene}", f"第{scene}段")


def _ids(draft: dict) -> list[str]:
    return [s["id"] for s in ops.scenes(draft)]


def _length(draft: dict, scene: int) -> str:
    return seconds(ops.scenes(draft)[scene - 1]["d"])


# --- one handler per command ---------------------------------------------------------------------


def apply(command, edit: Edit) -> Say:
    before = int(edit.draft.get("d") or 0)
    said = apply_command(command, edit)
    if int(edit.draft.get("d") or 0) > before and ops.music_segments(edit.draft):
        lengths = {m["id"]: int(m.get("d") or 0) for m in edit.media if "id" in m}
        edit.draft = ops.extend_music(edit.draft, before, lengths)
    if int(edit.draft.get("d") or 0) > before and layer_ops.overlay_tracks(edit.draft):
        clips = {m["id"]: int(m.get("d") or 0) for m in edit.media if m.get("type") == "video"}
        edit.draft = layer_ops.extend_overlays(edit.draft, before, clips)
    return said


@singledispatch
def apply_command(command, edit: Edit) -> Say:
    raise TypeError(f"no handler for {type(command).__name__}")


@apply_command.register
def _(command: c.Reorder, edit: Edit) -> Say:
    before = _ids(edit.draft)
    edit.draft = ops.reorder(edit.draft, list(command.order))
    return _order(before, edit.draft)


@apply_command.register
def _(command: c.Reverse, edit: Edit) -> Say:
    before = _ids(edit.draft)
    edit.draft = ops.reorder(edit.draft, list(range(len(before), 0, -1)))
    return _order(before, edit.draft)


@apply_command.register
def _(command: c.Move, edit: Edit) -> Say:
    before = _ids(edit.draft)
    edit.draft = ops.move(edit.draft, _one(edit, command.scene), _number(edit, command.anchor), after=command.after)
    return _order(before, edit.draft)


@apply_command.register
def _(command: c.InsertClip, edit: Edit) -> Say:
    media = _named(edit.media, command.name)
    if media is None:
        names = ", ".join(m.get("name", m["id"]) for m in edit.media) or "none yet"
        raise EditError(f'There is no upload called "{command.name}"; the uploads are: {names}.',
                        f"没有名为“{command.name}”的上传文件；已上传的有：{names}。")
    if media.get("type") == "audio":
        return apply_command(c.AddMusic(media.get("name"), None), edit)
    count = len(ops.scenes(edit.draft))
    if command.anchor is None:
        position = count + 1
    else:
        position = _number(edit, command.anchor) + (1 if command.after else 0)
    edit.draft = ops.insert_clip(edit.draft, media, position)
    name, total = media.get("name", media["id"]), seconds(edit.draft["d"])
    return Say(f"Done: added {name} as scene {position}; the video is now {total} long.",
               f"完成：把{name}加为第{position}段，视频现在长{total}。")


@apply_command.register
def _(command: c.Duplicate, edit: Edit) -> Say:
    scene = _one(edit, command.scene)
    edit.draft = ops.duplicate(edit.draft, scene)
    return Say(f"Done: scene {scene} now plays twice (scenes {scene} and {scene + 1}); the video is now "
               f"{seconds(edit.draft['d'])} long.",
               f"完成：第{scene}段现在播放两次（第{scene}段和第{scene + 1}段），视频现在长{seconds(edit.draft['d'])}。")


@apply_command.register
def _(command: c.Swap, edit: Edit) -> Say:
    before = _ids(edit.draft)
    edit.draft = ops.swap(edit.draft, _number(edit, command.first), _number(edit, command.second))
    return _order(before, edit.draft)


@apply_command.register
def _(command: c.TrimTo, edit: Edit) -> Say:
    scene = _one(edit, command.scene)
    edit.draft = ops.trim_to(edit.draft, scene, command.keep_ms, command.keep_end)
    return Say(f"Done: scene {scene} is now {_length(edit.draft, scene)} long.",
               f"完成：第{scene}段现在长{_length(edit.draft, scene)}。")


@apply_command.register
def _(command: c.Cut, edit: Edit) -> Say:
    if command.scene is None:  # "cut the first 2s": the start of the video (the end for "the last 2s")
        scene = len(ops.scenes(edit.draft)) if command.from_end else 1
        ops.scene_index(edit.draft, max(scene, 1))  # raises when there is nothing to cut
    else:
        scene = _one(edit, command.scene)
    edit.draft = ops.cut(edit.draft, scene, command.cut_ms, from_end=command.from_end)
    edge, zh_edge = ("last", "最后") if command.from_end else ("first", "前")
    cut, left = seconds(command.cut_ms), _length(edit.draft, scene)
    return Say(f"Done: cut the {edge} {cut} of scene {scene}; it is now {left} long.",
               f"完成：剪掉了第{scene}段的{zh_edge}{cut}，现在长{left}。")


@apply_command.register
def _(command: c.Remove, edit: Edit) -> Say:
    scene = _one(edit, command.scene)
    name = ops.scenes(edit.draft)[scene - 1].get("m", {}).get("name", "")
    edit.draft = ops.remove(edit.draft, scene)
    total = seconds(edit.draft.get("d", 0))
    return Say(f"Done: removed scene {scene} ({name}); the video is now {total} long.",
               f"完成：删除了第{scene}段（{name}），视频现在长{total}。")


@apply_command.register
def _(command: c.Split, edit: Edit) -> Say:
    scene = _one(edit, command.scene)
    at_ms = command.at_ms if command.at_ms is not None else ops.scenes(edit.draft)[scene - 1]["d"] // 2
    edit.draft = ops.split(edit.draft, scene, at_ms)
    at = seconds(at_ms)
    return Say(f"Done: split scene {scene} at {at} into scenes {scene} and {scene + 1}.",
               f"完成：在{at}处把第{scene}段分成了第{scene}段和第{scene + 1}段。")


@apply_command.register
def _(command: c.Speed, edit: Edit) -> Say:
    if command.factor is None:
        raise EditError('How much? Say for example "make scene 2 1.5x faster" or "slow scene 2 to half speed".',
                        "要调到多少？例如：“第2段加速1.5倍”或“第2段放慢到0.5倍速”。")
    scene = _one_or_all(edit, command.scene)
    numbers = range(1, len(ops.scenes(edit.draft)) + 1) if scene == c.ALL else [scene]
    for number in numbers:
        edit.draft = ops.set_speed(edit.draft, number, command.factor)
    which, zh_which = _called(scene)
    total = seconds(edit.draft.get("d", 0))
    return Say(f"Done: {which} now plays at {command.factor:g}x; the video is now {total} long.",
               f"完成：{zh_which}现在以{command.factor:g}倍速播放，视频现在长{total}。")


_KIND_ZH = ops.KIND_ZH


def _text_kind(edit: Edit, kind: str, adding: bool = False) -> str:
    """ "text" means the titles or the captions, whichever the draft has (a new text is a caption)."""
    if kind != "text":
        return kind
    has = {k for k in ("title", "caption") if ops.text_segments(edit.draft, k)}
    if adding or not has:
        return "caption"
    if len(has) > 1:
        raise EditError("Do you mean the title or the caption?", "您指的是标题还是字幕？")
    return has.pop()
_POSITION_ZH = {"top": "顶部", "center": "中间", "bottom": "底部"}


@apply_command.register
def _(command: c.AddText, edit: Edit) -> Say:
    kind = _text_kind(edit, command.kind, adding=True)
    edit.draft = ops.add_text(edit.draft, kind, command.text, command.start_ms, command.end_ms,
                              command.position)
    added = ops.text_segments(edit.draft, kind)
    segment = next(s for s in reversed(added) if s["m"]["text"] == command.text)
    start, end = seconds(segment["st"]), seconds(segment["st"] + segment["d"])
    where = segment["m"]["position"]
    return Say(f'Done: added the {kind} "{command.text}" from {start} to {end} at the {where}.',
               f"完成：添加了{_KIND_ZH[kind]}“{command.text}”，从{start}到{end}，位于{_POSITION_ZH[where]}。")


@apply_command.register
def _(command: c.ChangeText, edit: Edit) -> Say:
    kind = _text_kind(edit, command.kind)
    edit.draft = ops.change_text(edit.draft, kind, command.text, command.position, command.start_ms,
                                 command.end_ms)
    segment = ops.text_segments(edit.draft, kind)[0]
    start, end = seconds(segment["st"]), seconds(segment["st"] + segment["d"])
    words, where = segment["m"].get("text", ""), segment["m"].get("position", "center")
    return Say(f'Done: the {kind} "{words}" now shows from {start} to {end} at the {where}.',
               f"完成：{_KIND_ZH[kind]}“{words}”现在从{start}到{end}显示，位于{_POSITION_ZH.get(where, where)}。")


@apply_command.register
def _(command: c.StyleText, edit: Edit) -> Say:
    kind = _text_kind(edit, command.kind)
    edit.draft = ops.style_text(edit.draft, kind, command.scale, command.color, command.font)
    meta = ops.text_segments(edit.draft, kind)[0]["m"]
    size = meta.get("size", ops.DEFAULT_TEXT_SIZE[kind])
    looks = f"{meta.get('font', 'regular')}, {meta.get('color', 'white')}, size {size}"
    return Say(f"Done: the {kind} is now {looks}.", f"完成：{_KIND_ZH[kind]}现在是 {looks}。")


@apply_command.register
def _(command: c.Fit, edit: Edit) -> Say:
    scene = _one_or_all(edit, command.scene)
    edit.draft = ops.set_fit(edit.draft, scene, command.mode)
    which, zh_which = _called(scene)
    how, zh_how = {"contain": ("now shows its whole picture", "完整显示画面"), "cover": ("now fills the frame", "填满画面"),
                   "stretch": ("is now stretched to the frame", "拉伸到画面大小")}[command.mode]
    return Say(f"Done: {which} {how}.", f"完成：{zh_which}现在{zh_how}。")


@apply_command.register
def _(command: c.RemoveText, edit: Edit) -> Say:
    kind = _text_kind(edit, command.kind)
    edit.draft = ops.remove_text(edit.draft, kind)
    return Say(f"Done: removed the {kind}.", f"完成：删除了{_KIND_ZH[kind]}。")


def _audio_media(edit: Edit) -> list[dict]:
    return [m for m in edit.media if m.get("type") == "audio"]


def _named(candidates: list[dict], name: str) -> dict | None:
    """The one media item called `name`: exactly, without its extension, or as part of its name."""
    wanted = name.lower()
    for match in (lambda n: n == wanted, lambda n: n.rsplit(".", 1)[0] == wanted, lambda n: wanted in n):
        found = [m for m in candidates if match(str(m.get("name", "")).lower())]
        if len(found) == 1:
            return found[0]
    return None


def _find_music(edit: Edit, name: str | None) -> dict:
    audio = _audio_media(edit)
    if not audio:
        raise EditError("Upload an audio file first (mp3, wav, m4a or aac), then say: add music <its name> at 35%.",
                        "请先上传音频文件（mp3、wav、m4a 或 aac），再说：添加背景音乐 <文件名>。")
    if name is None:
        if len(audio) == 1:
            return audio[0]
        names = ", ".join(m.get("name", m["id"]) for m in audio)
        raise EditError(f"Which music do you mean: {names}?", f"您要用哪一首音乐：{names}？")
    found = _named(audio, name)
    if found:
        return found
    names = ", ".join(m.get("name", m["id"]) for m in audio)
    raise EditError(f'There is no uploaded audio file called "{name}"; the uploads are: {names}.',
                    f"没有名为“{name}”的音频文件；已上传的有：{names}。")


@apply_command.register
def _(command: c.AddMusic, edit: Edit) -> Say:
    media = _find_music(edit, command.name)
    volume = ops.DEFAULT_MUSIC_VOLUME if command.volume is None else command.volume
    edit.draft = ops.add_music(edit.draft, media, volume)
    name, percent = media.get("name", media["id"]), f"{volume * 100:g}%"
    return Say(f'Done: added "{name}" as background music at {percent} volume.',
               f"完成：添加了背景音乐“{name}”，音量{percent}。")


@apply_command.register
def _(command: c.RemoveMusic, edit: Edit) -> Say:
    edit.draft = ops.remove_music(edit.draft)
    return Say("Done: removed the background music.", "完成：删除了背景音乐。")


@apply_command.register
def _(command: c.SetVolume, edit: Edit) -> Say:
    if command.volume is None:
        example, zh_example = ("set music volume to 20%", "背景音乐音量调到20%") if command.music else (
            "set volume of scene 1 to 50%", "第1段音量设为50%")
        raise EditError(f'To what level? Say for example "{example}".', f"调到多少？例如：“{zh_example}”。")
    percent = f"{command.volume * 100:g}%"
    if command.music:
        edit.draft = ops.set_music_volume(edit.draft, command.volume)
        return Say(f"Done: the music volume is now {percent}.", f"完成：背景音乐音量现在是{percent}。")
    scene = _one_or_all(edit, command.scene)
    edit.draft = ops.set_scene_volume(edit.draft, scene, command.volume)
    which, zh_which = _called(scene)
    return Say(f"Done: the volume of {which} is now {percent}.", f"完成：{zh_which}的音量现在是{percent}。")


@apply_command.register
def _(command: c.Mute, edit: Edit) -> Say:
    scene = _one_or_all(edit, command.scene)
    edit.draft = ops.mute(edit.draft, scene, command.muted)
    which, zh_which = _called(scene)
    if command.muted:
        return Say(f"Done: muted {which}.", f"完成：{zh_which}已静音。")
    return Say(f"Done: unmuted {which}.", f"完成：{zh_which}已取消静音。")


@apply_command.register
def _(command: c.Canvas, edit: Edit) -> Say:
    edit.canvas = {**edit.canvas, "width": command.width, "height": command.height}
    shape = "vertical" if command.height > command.width else "square" if command.height == command.width else "horizontal"
    zh_shape = {"vertical": "竖屏", "square": "方形", "horizontal": "横屏"}[shape]
    size = f"{command.width}×{command.height}"
    return Say(f"Done: the canvas is now {shape}, {size}.", f"完成：画布现在是{zh_shape}，{size}。")


@apply_command.register
def _(command: c.Fade, edit: Edit) -> Say:
    if command.scene is None:
        scene = 1 if command.fade_in else len(ops.scenes(edit.draft)) or 1
        which, zh_which = "the video", "视频"
    else:
        scene = _one(edit, command.scene)
        which, zh_which = _called(scene)
    edit.draft = ops.set_fade(edit.draft, scene, command.fade_in, command.ms)
    length = seconds(command.ms)
    if command.fade_in:
        return Say(f"Done: {which} now fades in over {length}.", f"完成：{zh_which}现在开头淡入{length}。")
    return Say(f"Done: {which} now fades out over {length}.", f"完成：{zh_which}现在结尾淡出{length}。")


@apply_command.register
def _(command: c.Ambiguous, edit: Edit) -> Say:
    raise which_scene(edit.draft, command.phrase)


@apply_command.register(c.Undo)
@apply_command.register(c.Redo)
@apply_command.register(c.Help)
def _(command, edit: Edit) -> Say:
    word, zh_word = {c.Undo: ("undo", "撤销"), c.Redo: ("redo", "重做"), c.Help: ("help", "帮助")}[type(command)]
    raise EditError(f'Say "{word}" on its own, as a separate instruction.', f"请单独发送“{zh_word}”。")


# --- edits from the clip analysis ---------------------------------------------------------------


def _media(edit: Edit, media_id: str | None) -> dict:
    return next((m for m in edit.media if m.get("id") == media_id), {})


def _is_still(edit: Edit, media_id: str | None) -> bool:
    """Stills are not analysed (they have no scenes, freezes or sound): analysis edits skip them."""
    return _media(edit, media_id).get("type") == "image"


def _analysed(edit: Edit, media_id: str) -> None:
    state = findings.status(edit.analyses, media_id)
    name = _media(edit, media_id).get("name") or media_id
    if state == findings.RUNNING:
        raise EditError(f"{name} is still being analysed: try again in a moment.", f"{name}还在分析中，请稍后再试。")
    if state != findings.DONE:
        raise EditError(f"{name} has no analysis ({state}), so I do not know what is in it.",
                        f"{name}没有分析结果，无法识别其中的内容。")


def _numbers(edit: Edit, scene: int) -> list[int]:
    """The scenes an analysis edit works on: every video scene (ALL), or the one named."""
    segments = ops.scenes(edit.draft)
    if not segments:
        ops.scene_index(edit.draft, 1)  # raises
    if scene == c.ALL:
        return [n for n, s in enumerate(segments, 1) if not _is_still(edit, s.get("src"))]
    number = _one(edit, scene)
    if _is_still(edit, segments[number - 1].get("src")):
        raise EditError(f"Scene {number} is a still image: it has no scene cuts.", f"第{number}段是静态图片，没有场景切换。")
    return [number]


@apply_command.register
def _(command: c.SplitAtSceneCuts, edit: Edit) -> Say:
    before = len(ops.scenes(edit.draft))
    numbers = _numbers(edit, command.scene)
    if command.clip is not None:
        clip = _named([m for m in edit.media if m.get("type") == "video"], command.clip) or {}
        numbers = [n for n in numbers if ops.scenes(edit.draft)[n - 1].get("src") == clip.get("id")]
        if not numbers:
            raise EditError(f'No scene on the timeline shows a clip called "{command.clip}".',
                            f"时间线上没有名为“{command.clip}”的片段。")
    for number in reversed(numbers):
        source = ops.scenes(edit.draft)[number - 1].get("src")
        _analysed(edit, source)
        edit.draft = ops.split_at_source_times(edit.draft, number, findings.cuts(edit.analyses, source))
    added = len(ops.scenes(edit.draft)) - before
    if not added:
        raise EditError("No scene cuts were found inside those scenes: nothing to split.",
                        "这些片段里没有检测到场景切换，无需分割。")
    return Say(f"Done: split at {added} scene cut{'s' if added > 1 else ''}; the timeline now has "
               f"{before + added} scenes: {scene_list(edit.draft).en}.",
               f"完成：在{added}个场景切换处分割，时间线现在有{before + added}段：{scene_list(edit.draft).zh}。")


_FINDING_WORDS = {"freeze": ("frozen frames", "冻结帧"), "black": ("black frames", "黑帧"),
                  "silence": ("silence at the end", "结尾的静音")}


def _remove_ranges(edit: Edit, kind: str, pick) -> Say:
    """Cut the source ranges `pick(media_id)` out of every scene showing that media."""
    before = edit.draft.get("d", 0)
    for src in dict.fromkeys(s.get("src") for s in ops.scenes(edit.draft) if not _is_still(edit, s.get("src"))):
        _analysed(edit, src)
        edit.draft = ops.remove_source_ranges(edit.draft, src, pick(src))
    removed = before - edit.draft.get("d", 0)
    words, zh_words = _FINDING_WORDS[kind]
    if removed <= 0:
        raise EditError(f"No {words} were found in the clips on the timeline.", f"时间线上的片段里没有发现{zh_words}。")
    return Say(f"Done: cut {seconds(removed)} of {words}; the video is now {seconds(edit.draft['d'])} long.",
               f"完成：剪掉了{seconds(removed)}的{zh_words}，视频现在长{seconds(edit.draft['d'])}。")


@apply_command.register
def _(command: c.RemoveFindings, edit: Edit) -> Say:
    return _remove_ranges(edit, command.kind, lambda src: findings.ranges(edit.analyses, src, command.kind))


@apply_command.register
def _(command: c.TrimEndSilence, edit: Edit) -> Say:
    def trailing(src: str) -> list[tuple[int, int]]:
        end = int(_media(edit, src).get("d") or 0)
        return [(a, b) for a, b in findings.ranges(edit.analyses, src, "silence") if end and b >= end - TAIL_TOLERANCE_MS]

    return _remove_ranges(edit, "silence", trailing)


from . import layer_edits  # noqa: E402,F401  (registers the layer commands' handlers; it imports this module)
