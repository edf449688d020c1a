"""`apply_command` handlers for layers: logos, picture in picture, transitions, music loop and duck.

Registered on import (apply.py imports this module last). A transition needs footage beyond the
cut on both sides (`media/transitions.py`): when a scene has too little, the agent cuts that much
off its edge so the cut-off footage becomes the handle, and the reply says which scenes got
shorter; a transition longer than a quarter of either scene is shortened (`layer_ops.room_for_transition`), and the reply says so.
"""

from __future__ import annotations

from ..media.transitions import CROSSFADE, DEFAULT_TRANSITION_MS
from . import commands as c
from . import layer_ops, ops
from .apply import Edit, _named, _number, _one, apply_command
from .speech import EditError, Say, join, seconds

WHERE = {"top_left": ("top left corner", "左上角"), "top_right": ("top right corner", "右上角"),
         "bottom_left": ("bottom left corner", "左下角"), "bottom_right": ("bottom right corner", "右下角"),
         "center": ("center", "中间")}
KINDS = {CROSSFADE: ("crossfade", "交叉淡化"), "dip_to_black": ("fade to black", "黑场过渡")}


@apply_command.register
def _(command: c.AddOverlay, edit: Edit) -> Say:
    pictures = [m for m in edit.media if m.get("type") in ("image", "video")]
    media = _named(pictures, command.name)
    if media is None:
        names = ", ".join(m.get("name", m["id"]) for m in pictures) or "none yet"
        raise EditError(f'There is no uploaded image or clip called "{command.name}"; the uploads are: {names}.',
                        f"没有名为“{command.name}”的图片或视频；已上传的有：{names}。")
    size = command.size or layer_ops.DEFAULT_LOGO_SIZE
    name, (where, zh_where) = media.get("name", media["id"]), WHERE[command.position]
    said = [Say(f"Done: added {name} in the {where} at {size:.0%} of the width, over the whole video.",
                f"完成：在{zh_where}添加了{name}，宽度为画面的{size:.0%}，覆盖整个视频。")]
    # an uploaded still is placed as a scene too: as a logo it leaves the timeline (unless it is all there is)
    placed = [n for n, s in enumerate(ops.scenes(edit.draft), 1) if s.get("src") == media["id"]]
    if media.get("type") == "image" and placed and len(placed) < len(ops.scenes(edit.draft)):
        for number in reversed(placed):
            edit.draft = ops.remove(edit.draft, number)
        numbers = ", ".join(map(str, placed))
        said.append(Say(f"It was also scene {numbers} on the timeline; it is now only the logo, and the video is "
                        f"{seconds(edit.draft['d'])} long.",
                        f"它原来也是时间线上的第{numbers}段，现在只作为标志显示，视频长{seconds(edit.draft['d'])}。"))
    edit.draft = layer_ops.add_overlay(edit.draft, media, command.position, size)
    return join(said)


@apply_command.register
def _(command: c.PictureInPicture, edit: Edit) -> Say:
    scene = _one(edit, command.scene)
    moving = ops.scenes(edit.draft)[scene - 1]
    size = command.size or layer_ops.DEFAULT_PIP_SIZE
    edit.draft = layer_ops.picture_in_picture(edit.draft, scene, command.position, size)
    placed = next(s for t in layer_ops.overlay_tracks(edit.draft) for s in t["sg"] if s["id"] == moving["id"])
    under = max(1, scene - 1)
    name, (where, zh_where) = moving.get("m", {}).get("name") or moving.get("src"), WHERE[command.position]
    start, end, total = seconds(placed["st"]), seconds(placed["st"] + placed["d"]), seconds(edit.draft["d"])
    return Say(f"Done: scene {scene} ({name}) now plays picture-in-picture in the {where} at {size:.0%} of the "
               f"width, from {start} to {end} over scene {under}; the video is now {total} long.",
               f"完成：第{scene}段（{name}）现在以画中画显示在{zh_where}，宽度为画面的{size:.0%}，从{start}到{end}，"
               f"叠在第{under}段上；视频现在长{total}。")


def _cuts(command: c.Transition, edit: Edit) -> list[int]:
    """The 0-based indices of the scenes after the cuts the command names."""
    count = len(ops.scenes(edit.draft))
    if count < 2:
        ops.scene_index(edit.draft, 1)  # raises when there are no scenes at all
        raise EditError("There is only one scene: a transition goes at a cut between two scenes.",
                        "时间线上只有一段：转场要放在两段之间。")
    if command.every:
        return list(range(1, count))
    numbers = [_number(edit, scene) for scene in command.scenes]
    if len(numbers) >= 2:
        first, second = sorted(numbers[:2])
        if second - first != 1:
            raise EditError(f"Scenes {first} and {second} are not next to each other: a transition goes between "
                            "neighbouring scenes, e.g. between scene 1 and 2.",
                            f"第{first}段和第{second}段不相邻：转场要放在相邻的两段之间。")
        return [second - 1]
    if numbers:
        cut = numbers[0] if command.after else numbers[0] - 1
        if 1 <= cut < count:
            return [cut]
        raise EditError(f"There is no cut {'after' if command.after else 'before'} scene {numbers[0]}.",
                        f"第{numbers[0]}段{'后' if command.after else '前'}没有剪辑点。")
    if count == 2:
        return [1]
    raise EditError('Between which scenes? Say for example "crossfade between scene 1 and 2" or '
                    '"add crossfades between all scenes".', "在哪两段之间？例如：“在第1段和第2段之间加交叉淡化”或“所有片段之间加转场”。")


@apply_command.register
def _(command: c.Transition, edit: Edit) -> Say:
    cuts = _cuts(command, edit)
    where, zh_where = ("all cuts", "所有剪辑点") if command.every else (
        f"scene {cuts[0]} and {cuts[0] + 1}", f"第{cuts[0]}段和第{cuts[0] + 1}段之间")
    if command.kind is None:
        for cut in cuts:
            edit.draft = layer_ops.set_transition(edit.draft, cut + 1, None)
        said = "no transitions are left" if command.every else f"a plain cut between {where}"
        return Say(f"Done: {said}.", f"完成：{zh_where}现在是直接切换。")
    ms = DEFAULT_TRANSITION_MS if command.ms is None else command.ms
    if not 0 < ms <= layer_ops.MAX_TRANSITION_MS:
        raise EditError(f"A transition can be up to {seconds(layer_ops.MAX_TRANSITION_MS)} long.",
                        f"转场最长{seconds(layer_ops.MAX_TRANSITION_MS)}。")
    before_ms = int(edit.draft.get("d") or 0)
    media = {m["id"]: m for m in edit.media}
    shortened, notes = [], []
    for cut in cuts:
        half, off_end, off_start = layer_ops.room_for_transition(ops.scenes(edit.draft), media, cut, ms)
        if half < ops.MIN_SEGMENT_MS // 2:
            raise EditError(f"Scenes {cut} and {cut + 1} are too short for a transition.",
                            f"第{cut}段和第{cut + 1}段太短，无法加转场。")
        if off_end:
            edit.draft = ops.cut(edit.draft, cut, off_end, from_end=True)
            shortened.append((cut, off_end, "end"))
        if off_start:
            edit.draft = ops.cut(edit.draft, cut + 1, off_start)
            shortened.append((cut + 1, off_start, "start"))
        edit.draft = layer_ops.set_transition(edit.draft, cut + 1, command.kind, 2 * half)
        if 2 * half < ms:
            notes.append(Say(f"The one between scene {cut} and {cut + 1} is {seconds(2 * half)}: a transition takes at "
                             "most a quarter of each scene.",
                             f"第{cut}段和第{cut + 1}段之间的转场为{seconds(2 * half)}：转场最多占每段的四分之一。"))
    kind, zh_kind = KINDS[command.kind]
    length = seconds(ms if not notes or command.every else 2 * half)
    said = [Say(f"Done: a {length} {kind} between {where}.", f"完成：{zh_where}加了{length}的{zh_kind}。")]
    said += notes[:3]
    if shortened:
        said.append(_made_room(shortened, before_ms, int(edit.draft["d"])))
    return join(said)


def _made_room(shortened: list[tuple[int, int, str]], before_ms: int, after_ms: int) -> Say:
    """Which scenes gave up footage at an edge to blend across it."""
    parts = [f"scene {scene} by {seconds(ms)} at its {edge}" for scene, ms, edge in shortened[:4]]
    zh_parts = [f"第{scene}段{'结尾' if edge == 'end' else '开头'}{seconds(ms)}" for scene, ms, edge in shortened[:4]]
    more = f" and {len(shortened) - 4} more edges" if len(shortened) > 4 else ""
    return Say(f"Some scenes had no footage beyond the cut to blend, so I shortened {', '.join(parts)}{more}; "
               f"the video went from {seconds(before_ms)} to {seconds(after_ms)}.",
               f"有的片段在剪辑点之外没有多余画面可以过渡，所以缩短了{'、'.join(zh_parts)}；"
               f"视频从{seconds(before_ms)}变为{seconds(after_ms)}。")


@apply_command.register
def _(command: c.MusicSetting, edit: Edit) -> Say:
    edit.draft = layer_ops.set_music(edit.draft, command.key, command.on)
    if command.key == "loop":
        if command.on:
            total = seconds(edit.draft["d"])
            return Say(f"Done: the music now loops to the end of the video ({total}).",
                       f"完成：背景音乐现在循环播放到视频结尾（{total}）。")
        return Say("Done: the music no longer loops.", "完成：背景音乐不再循环。")
    if command.on:
        return Say("Done: the music now ducks (gets quieter) whenever the clips' own sound, such as speech, plays.",
                   "完成：片段里有声音（如人声）时，背景音乐会自动压低。")
    return Say("Done: the music no longer ducks.", "完成：背景音乐不再自动压低。")
