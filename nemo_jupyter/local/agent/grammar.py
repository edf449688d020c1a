"""Instruction text -> edit commands (pure parsing: nothing here looks at a draft).

How a message is read:

1. Quoted text ("…", “…”, 「…」, ‘…’) and file names (``song.mp3``) are set aside verbatim as
   placeholders ``«0»``, ``«1»``…, so titles and names keep their case and are never re-parsed.
2. The rest is normalised: lower case, full-width forms folded (NFKC), number words and Chinese
   numerals to digits, every scene reference to ``scene N`` (``clip 2``, ``the second shot``,
   ``第2段``, ``片段2``; ``the last scene`` / ``最后一段`` to ``scene last``), every time to
   ``Ns`` (``2 seconds``, ``500ms``, ``2秒``), every percentage to ``N%`` (``百分之35``).
3. The message is cut into clauses at ``;`` ``。`` new lines, ``then`` / ``然后``, and at a comma
   or ``and`` that is followed by an edit verb (``trim scene 2 to 4s and add title "Hi"``). A
   clause without a verb borrows the one before it (``trim scene 1 to 2s and scene 2 to 3s``,
   ``add title "X" and music song.mp3``). Clauses apply one after the other, so scene numbers in
   a later clause refer to the timeline as the earlier clauses left it; several scenes in one
   clause (``remove scenes 1 and 3``) all mean the scenes as they were before that clause.
4. Each clause goes through the readers in `_READERS`, in order; the first that recognises it
   gives its commands. A clause nobody recognises is reported back in `Parsed.not_understood`.

`GRAMMAR` (below) lists every form with an example: the agent replies with it to instructions
it does not understand. It is Markdown: a list, then a paragraph after a blank line (without it,
the last sentence would read as part of the last item).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import commands as c
from .wording import SAVED, STARTS_WITH_VERB, VERBS, clauses, normalise, restore

GRAMMAR = """\
I can edit the timeline with instructions like these (scenes are numbered from 1 in timeline order; "the last / longest / shortest scene" work too):
- reorder: "reorder scenes 2,1" · "reorder to 3,1,2" · "put scene 3 first" · "move scene 3 before scene 1" · "move scene 1 to position 3" · "swap scenes 1 and 2" · "reverse the order" · "duplicate scene 2" · "add city.mp4 after scene 1" · 调换第1段和第2段 · 把第3段放到最前
- trim: "trim scene 2 to 4s" · "keep only the first 3s of scene 1" · "cut the first 2 seconds of scene 1" · "cut the last 1s of scene 2" · 把第2段剪到4秒 · 剪掉第1段的前2秒
- remove / split: "remove scene 2" · "split scene 1 at 2s" · 删除第2段 · 在2秒处分割第1段
- speed: "make scene 2 twice as fast" · "speed up scene 1 by 1.5x" · "slow scene 2 to half speed" · 第2段加速2倍
- titles and captions: "add title "Hello" from 0s to 2s at top" (top / center / bottom) · "change the title to "Hi"" · "move the title to the bottom" · "make the title bigger" (or smaller, red, bold) · "remove the title" · "add caption "Look!" from 1s to 3s" · 添加标题“你好”
- music: "add music song.mp3 at 35%" (an uploaded audio file) · "set music volume to 20%" · "remove the music" · 添加背景音乐 song.mp3
- sound: "set volume of scene 1 to 50%" · "mute scene 2" · "mute all clips" · "unmute scene 2" · 第2段静音
- canvas: "make it vertical" · "change aspect ratio to 9:16" (or 1:1, 16:9, 4:3) · "crop the clips to fill the frame" · "show the whole picture" · 改成竖屏
- fades: "fade in 1s" · "fade out 2s at the end" · "fade in scene 2 over 1s" · 淡入1秒
- layers: "add logo.png in the top right corner at 15% size" · "picture in picture scene 3 in the bottom left" · 在右上角添加logo.png，大小15% · 把第3段做成画中画放在左下角
- transitions: "crossfade 0.5s between scene 1 and 2" · "add crossfades between all scenes" · "fade to black between scene 2 and 3" · "remove the transitions" · 在第1段和第2段之间加0.5秒交叉淡化 · 所有片段之间加转场 · 第2段和第3段之间黑场过渡
- music: "loop the music" · "duck the music" (quieter under speech) · 循环播放背景音乐 · 人声时压低背景音乐
- after analysis: "split clips at scene cuts" · "split scene 1 at its scene cuts" · "split city.mp4 at scene cuts" · "remove frozen frames" · "cut the black frames" · "trim the silence at the end" · 在场景切换处分割
- "undo" · "redo" · "help" · 撤销 · 重做

Several edits can go in one message: "reorder to 3,1,2 and trim scene 2 to 4s" (each edit sees the timeline the one before left).\
"""


@dataclass(frozen=True)
class Parsed:
    commands: tuple = ()
    not_understood: tuple[str, ...] = field(default=())


def parse(text: str) -> Parsed:
    """Read a whole message: the commands of every clause, and the clauses nobody recognised."""
    normal, saved = normalise(text)
    found: list = []
    missed: list[str] = []
    previous = ""
    for clause in clauses(normal):
        result = None
        if previous and not STARTS_WITH_VERB.match(clause):
            result = _read(_lead(previous, clause) + clause, saved)
        if result is None:
            result = _read(clause, saved)
        if result is None:
            missed.append(restore(clause, saved))
        else:
            found.extend(result)
        previous = clause
    return Parsed(tuple(found), tuple(missed))


def _lead(previous: str, clause: str) -> str:
    """What a verb-less clause borrows from the one before: "trim scene 1 to 2s and scene 2 to 3s"
    reads its second half as "trim scene 2 to 3s", "add title "X" and music Y" as "add music Y"."""
    scene = _SCENE_REF.search(previous)
    if clause.startswith("scene") and scene:
        return previous[:scene.start()]
    return previous.split(" ", 1)[0] + " "


# --- pieces of a clause ---------------------------------------------------------------------------

_SCENE_REF = re.compile(r"(?<![a-z])scenes? (\d+|last|longest|shortest)(?![0-9a-z])")
_NAMED_SCENES = {"last": c.LAST, "longest": c.LONGEST, "shortest": c.SHORTEST}
_ALL = re.compile(r"\b(?:all|every|each|everything|whole)\b|全部|所有|每[段个]|整个|整体")
_TIME = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)s(?![a-z])")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")
_FACTOR = re.compile(r"(\d+(?:\.\d+)?)x(?![a-z])")
_LIST = re.compile(r"\d+(?:\s*(?:,|、|and|then|->|>|-|/|\s)\s*\d+)+")


def _scene_numbers(clause: str) -> list[int]:
    numbers = [_NAMED_SCENES[n] if n in _NAMED_SCENES else int(n) for n in _SCENE_REF.findall(clause)]
    # "scenes 1 and 2" / "scene 1, 3": the bare numbers listed after a scene word (not "2s", "50%")
    listed = re.search(r"\bscenes? \d+((?:\s*(?:,|and|&|和|与)\s*\d+(?![\d.]*[a-z%]))+)", clause)
    if listed:
        numbers += [int(n) for n in re.findall(r"\d+", listed[1])]
    return list(dict.fromkeys(numbers))


def _each(clause: str, make, descending: bool = False) -> list:
    """One command per scene the clause names ("mute scenes 1 and 3"), else one for `_scene`.

    Commands that shift later scenes (remove) go from the last scene to the first, so every number
    still means the scene the user saw.
    """
    numbers = _scene_numbers(clause)
    if len(numbers) < 2:
        return [make(_scene(clause))]
    if descending:
        numbers.sort(key=lambda n: float("inf") if n < 0 else n, reverse=True)
    return [make(n) for n in numbers]


def _scene(clause: str) -> int | None:
    numbers = _scene_numbers(clause)
    if numbers:
        return numbers[0]
    return c.ALL if _ALL.search(clause) else None


def _times(clause: str) -> list[int]:
    return [round(float(t) * 1000) for t in _TIME.findall(clause)]


def _percent(clause: str) -> float | None:
    match = _PERCENT.search(clause)
    return float(match[1]) / 100 if match else None


def _has(pattern: str, clause: str) -> bool:
    return re.search(pattern, clause) is not None


# --- readers: each returns a list of commands, or None when the clause is not its kind ----------


def _undo(clause, saved):
    if re.fullmatch(r"(?:undo|revert|go back)(?: (?:that|it|this|the last (?:edit|change|step)))?|"
                    r"(?:撤销|撤回|撤消)(?:上一步|一下|操作|修改|刚才的修改)?", clause):
        return [c.Undo()]
    if re.fullmatch(r"redo(?: (?:that|it|this))?|重做(?:一下)?|恢复(?:撤销)?", clause):
        return [c.Redo()]
    if re.fullmatch(r"(?:help|\?|commands|what can (?:you|i) (?:do|say)|how does this work|帮助|你能做什么|怎么用)",
                    clause):
        return [c.Help()]
    return None


def _analysis(clause, saved):
    scene = _scene(clause)
    if _has(r"scene (?:cuts?|changes?|boundar)|(?:场景|镜头)(?:切换|变化|转换)", clause) and _has(
            r"\bsplit|\bcut\b|\bdivide|分割|切分|拆分|切开|分开", clause):
        named = SAVED.search(clause)
        return [c.SplitAtSceneCuts(c.ALL if scene is None else scene, saved[int(named[1])] if named else None)]
    removing = _has(r"\b(?:remove|cut|delete|drop|trim|get rid)|删除|去掉|剪掉|删掉|去除|裁掉", clause)
    if removing and _has(r"\b(?:frozen|freezes?|still|static|stuck) (?:frames?|parts?|bits?|images?)|"
                         r"(?:冻结|定格|静止|卡住|卡顿)的?(?:帧|画面)", clause):
        return [c.RemoveFindings("freeze")]
    if removing and _has(r"\bblack (?:frames?|screens?|bits?|flash)|黑(?:帧|屏|场|色画面)", clause):
        return [c.RemoveFindings("black")]
    if removing and _has(r"\bsilen(?:ce|t)|静音|无声", clause):
        return [c.TrimEndSilence()]
    return None


_KIND = r"\b(title|heading|headline|caption|subtitle|text)s?\b|(标题|字幕|文字)"


def _text_kind(clause: str) -> str | None:
    """ "title", "caption", or "text" (either one: the agent picks the kind the draft has)."""
    match = re.search(_KIND, clause)
    if not match:
        return None
    word = match[1] or match[2]
    return "title" if word in ("title", "heading", "headline", "标题") else "text" if word in ("text", "文字") else "caption"


_POSITIONS = {"top": "top", "center": "center", "centre": "center", "middle": "center", "bottom": "bottom",
              "顶": "top", "上": "top", "中": "center", "居": "center", "正": "center", "底": "bottom", "下": "bottom"}
_POSITION = re.compile(r"\b(?:at|on|in|to) (?:the )?(top|center|centre|middle|bottom)\b|"
                       r"(顶部|顶端|上方|上面|上部|中间|中央|居中|正中|底部|底端|下方|下面|下部)")


def _time_range(clause: str) -> tuple[int | None, int | None]:
    """"from 1s to 3s" -> (1000, 3000); "from 2s" -> (2000, None); "for 2s" / "2s" -> (0, 2000)."""
    times = _times(clause)
    if len(times) >= 2:
        return times[0], times[1]
    if not times:
        return None, None
    if _has(r"\b(?:from|after|starting|at)\b|从", clause):
        return times[0], None
    return 0, times[0]


def _text(clause, saved):
    kind = _text_kind(clause)
    if kind is None:
        return None
    quote = SAVED.search(clause)
    words = saved[int(quote[1])] if quote else None
    rest = clause.replace(quote[0], " ") if quote else clause
    if _has(r"\b(?:remove|delete|drop|hide|clear|get rid)|删除|删掉|去掉|移除|不要|清除", rest):
        return [c.RemoveText(kind)]
    start, end = _time_range(rest)
    where = _POSITION.search(rest)
    position = _POSITIONS[where[1] or where[2][0]] if where else None
    styled = _text_style(kind, rest)
    if styled and words is None:
        return [styled]
    adding = _has(r"\b(?:add|insert|create|show|write)\b|添加|加|增加|插入", rest)
    changing = _has(r"\b(?:change|rename|replace|update|edit|set|move)\b|修改|更改|改|换|移", rest)
    if adding or (words is not None and not changing):
        return [c.AddText(kind, words or "", start, end, position)]
    if words is not None or position is not None or start is not None:
        return [c.ChangeText(kind, words, position, start, end)]
    return None


_COLORS = {"red": "red", "yellow": "yellow", "white": "white", "black": "black", "blue": "blue",
           "green": "green", "orange": "orange", "pink": "pink", "purple": "purple", "gray": "gray",
           "grey": "gray", "gold": "gold", "红": "red", "黄": "yellow", "白": "white", "黑": "black", "蓝": "blue",
           "绿": "green", "橙": "orange", "粉": "pink", "紫": "purple", "灰": "gray", "金": "gold"}
_COLOR = re.compile(r"\b(" + "|".join(w for w in _COLORS if w.isascii()) + r")\b|([红黄白黑蓝绿橙粉紫灰金])色")


def _text_style(kind: str, clause: str) -> c.StyleText | None:
    """ "make the title bigger / red / bold", "字幕改成黄色" """
    scale = 1.5 if _has(r"\b(?:bigger|larger|huge)\b|大一点|放大|变大|大些", clause) else (
        1 / 1.5 if _has(r"\b(?:smaller|tiny)\b|小一点|缩小|变小|小些", clause) else None)
    color = _COLOR.search(clause)
    font = "bold" if _has(r"\bbold\b|粗体|加粗", clause) else "regular" if _has(r"\b(?:regular|normal|not bold)\b|常规|不加粗", clause) else None
    if scale is None and color is None and font is None:
        return None
    return c.StyleText(kind, scale, _COLORS[color[1] or color[2]] if color else None, font)


_FITS = [
    (r"\bfill (?:the )?(?:frame|screen|canvas)\b|\bcrop (?:\w+ )*to fill\b|\bzoom (?:in )?to fill\b|\bno (?:black )?bars\b|填满|铺满|裁剪填充", "cover"),
    (r"\b(?:fit|show) the whole (?:picture|frame|image)\b|\bletterbox|\bdon'?t crop\b|\bblack bars\b|完整显示|加黑边", "contain"),
    (r"\bstretch\b|拉伸", "stretch"),
]


def _fit(clause, saved):
    for pattern, mode in _FITS:
        if _has(pattern, clause):
            scene = _scene(clause)
            return [c.Fit(c.ALL if scene is None else scene, mode)]
    return None


_CORNERS = (
    (r"\b(?:top|upper)[- ]?right\b|\bright[- ]top\b|右上", "top_right"),
    (r"\b(?:top|upper)[- ]?left\b|\bleft[- ]top\b|左上", "top_left"),
    (r"\b(?:bottom|lower)[- ]?right\b|\bright[- ]bottom\b|右下", "bottom_right"),
    (r"\b(?:bottom|lower)[- ]?left\b|\bleft[- ]bottom\b|左下", "bottom_left"),
    (r"\b(?:center|centre|middle)\b|中间|中央|居中|正中", "center"),
)
_PIP = r"\bpicture[- ]in[- ](?:a[- ])?picture\b|\bpip\b|画中画|小窗"
_LOGO = r"\b(?:logo|watermark|badge|corner)s?\b|水印|台标|标志|角标|logo"


def _corner(clause: str) -> str | None:
    return next((name for pattern, name in _CORNERS if _has(pattern, clause)), None)


def _layer(clause, saved):
    """ "add logo.png in the top right corner at 15% size", "picture in picture scene 3 in the bottom left" """
    corner, size = _corner(clause), _percent(clause)
    if _has(_PIP, clause):
        return [c.PictureInPicture(_scene(clause), corner or "bottom_right", size)]
    named = SAVED.search(clause)
    if named and (corner or _has(_LOGO, clause)) and _text_kind(clause) is None:
        return [c.AddOverlay(saved[int(named[1])], corner or "top_right", size)]
    return None


_CROSSFADE = r"\bcross[- ]?fad(?:e|es|ing)\b|\b(?:cross[- ])?dissolves?\b|\btransitions?\b|交叉淡化|叠化|溶解|转场|过渡"
_DIP = r"\b(?:fade|fades|fading|dip|dips|dipping) (?:to|through|into|via) black\b|黑场|渐黑|闪黑|黑色过渡"
_REMOVING = r"\b(?:remove|delete|drop|no|without|get rid of|clear)\b|删除|去掉|删掉|移除|不要|取消"


def _transition(clause, saved):
    """ "crossfade 0.5s between scene 1 and 2", "add crossfades between all scenes", "fade to black between scene 2 and 3" """
    dip, cross = _has(_DIP, clause), _has(_CROSSFADE, clause)
    numbers = _scene_numbers(clause)
    every = not numbers and _ALL.search(clause) is not None
    at_cuts = every or len(numbers) >= 2 or _has(r"\bbetween\b|\bcuts?\b|之间|之后|之前", clause)
    times = _times(clause)
    if dip and not (cross or at_cuts):  # "fade to black at the end": the video's fade out
        return [c.Fade(False, times[0] if times else 1000)]
    if not cross and not dip:
        return None
    kind = None if _has(_REMOVING, clause) else "dip_to_black" if dip else "crossfade"
    every = every or (kind is None and not numbers)  # "remove the transitions": all of them
    return [c.Transition(kind, times[0] if times else None, tuple(numbers), every,
                         after=_has(r"\bafter\b|之后|后", clause))]


def _music_setting(clause, saved):
    """ "loop the music", "duck the music (under speech)", "stop looping the music" """
    if not _has(_MUSIC, clause):
        return None
    off = _has(r"\b(?:don'?t|do not|stop|no longer|not|without|turn off)\b|\bun-?(?:loop|duck)|不要|取消|停止|关闭|不再", clause)
    if _has(r"\bloop(?:s|ed|ing)?\b|\brepeat(?:s|ed|ing)?\b|循环|重复播放", clause):
        return [c.MusicSetting("loop", not off)]
    if _has(r"\bduck(?:s|ed|ing)?\b|\bunder (?:the )?(?:speech|voices?|dialogue|talking|people)\b|"
            r"\bwhen (?:people|someone|they|anyone|somebody) (?:talks?|speaks?)\b|闪避|避让|人声|说话|讲话", clause):
        return [c.MusicSetting("duck", not off)]
    return None


_LOUDNESS = (r"\b(?:louder|quieter|softer|turn (?:it |the \w+ )?(?:up|down)|lower|raise)\b|调小|调大|小声|大声|"
             r"轻一点|响一点")
_MUSIC = r"\b(?:music|bgm|song|soundtrack|tune)\b|音乐|配乐|歌曲|bgm"


def _music(clause, saved):
    if not _has(_MUSIC, clause):
        return None
    volume = _percent(clause)
    if _has(r"\b(?:remove|delete|drop|stop|turn off|get rid|no)\b|删除|去掉|删掉|移除|关闭|不要", clause):
        return [c.RemoveMusic()]
    if _has(r"\b(?:un)?mute\b|静音", clause):
        return [c.SetVolume(None, 0.0 if not _has(r"unmute|取消", clause) else 1.0, music=True)]
    if _has(r"\b(?:add|put|use|play|insert|with)\b|添加|加上|加|配上|使用|用|插入", clause):
        name_match = SAVED.search(clause)
        name = saved[int(name_match[1])] if name_match else _music_name(clause)
        return [c.AddMusic(name, volume)]
    if volume is not None or _has(_LOUDNESS, clause):
        return [c.SetVolume(None, volume, music=True)]
    return None


def _music_name(clause: str) -> str | None:
    """An unquoted name after the music word: "add music lofi beat at 35%" -> "lofi beat"."""
    match = re.search(r"(?:music|bgm|song|soundtrack|tune|音乐|配乐)\s*(?:called |named |file |from )?(.*)", clause)
    rest = re.sub(r"\s*(?:\bat\b|\bwith\b|,|音量|volume).*$|\s*\d+(?:\.\d+)?%.*$", "", match[1]).strip() if match else ""
    return rest or None


_ORIENTATION = [
    (r"\b(?:vertical|portrait|tiktok|reels?|shorts|stories)\b|竖屏|竖版|竖向|竖的", (9, 16)),
    (r"\b(?:horizontal|landscape|widescreen|youtube)\b|横屏|横版|横向|横的", (16, 9)),
    (r"\b(?:square|instagram)\b|正方形|方形", (1, 1)),
]


def _insert(clause, saved):
    """ "add city.mp4 at the end", "insert beach.mp4 after scene 1", "把 city.mp4 加到最前" """
    named = SAVED.search(clause)
    if not named or not _has(r"\b(?:add|insert|put|append|place|use)\b|添加|加|插入|放", clause):
        return None
    numbers = _scene_numbers(clause)
    relation = re.search(r"\b(before|after)\b|(前面|之前|前|后面|之后|后)", clause)
    if relation and numbers:
        return [c.InsertClip(saved[int(named[1])], numbers[0], after=(relation[1] or relation[2]) in (
            "after", "后面", "之后", "后"))]
    if _has(r"\b(?:start|beginning|front|first)\b|最前|开头", clause):
        return [c.InsertClip(saved[int(named[1])], 1, after=False)]
    return [c.InsertClip(saved[int(named[1])])]


def _canvas(clause, saved):
    ratio = re.search(r"(?<!\d)(\d{1,2}) ?: ?(\d{1,2})(?!\d)", clause)
    if ratio and _has(r"\b(?:aspect|ratio|canvas|format|size|frame|make|change|set|convert|resize|turn|switch)\b|"
                      r"比例|画幅|画面|尺寸|改|变|转|换|设", clause):
        width, height = int(ratio[1]), int(ratio[2])
        return [canvas_command(width, height)] if width and height else None
    for pattern, (width, height) in _ORIENTATION:
        if _has(pattern, clause):
            return [canvas_command(width, height)]
    return None


def canvas_command(width: int, height: int) -> c.Canvas:
    """A canvas for an aspect ratio: the short side 1080 px, the long side at most 1920, both even."""
    short, long_ = sorted((width, height))
    long_side = min(1920, round(1080 * long_ / short))
    short_side = round(long_side * short / long_) if long_side == 1920 else 1080
    size = (long_side // 2 * 2, short_side // 2 * 2)
    return c.Canvas(*(size if width >= height else size[::-1]))


def _fade(clause, saved):
    fades = []
    if _has(r"\bfade[- ]?ins?\b|\bfade (?:it |the video |everything )?in\b|\bfade in and out\b|淡入", clause):
        fades.append(True)
    if _has(r"\bfade[- ]?outs?\b|\bfade (?:it |the video |everything )?out\b|\bin and out\b|淡出", clause):
        fades.append(False)
    if not fades:
        return None
    times = _times(clause)
    scenes = _scene_numbers(clause)
    scene = scenes[0] if scenes else None
    return [c.Fade(fade_in, times[0] if times else 1000, scene) for fade_in in fades]


_SLOW = r"\b(?:slow|slower|slowly|slowed)\b|放慢|减速|慢放|慢"


def _speed(clause, saved):
    if not _has(r"\b(?:fast|faster|quick|quicker|speed|speeds|slow|slower|slowly|tempo|pace)\b|"
                r"倍速|加速|减速|放慢|慢放|快放|速度|快|慢", clause):
        return None
    if _has(r"\b(?:normal|original|regular) speed\b|原速|正常速度", clause):
        factor = 1.0
    elif _has(r"\b(?:twice|double)\b", clause):
        factor = 2.0
    elif _has(r"\bhalf\b|一半|半速", clause):
        factor = 0.5
    elif _FACTOR.search(clause):
        factor = float(_FACTOR.search(clause)[1])
        if _has(_SLOW, clause) and factor > 1:
            factor = 1 / factor
    elif _has(r"\b(?:faster|slower|quicker|speed (?:\w+ )?up|slow (?:\w+ )?down)\b|加快|放慢|减速|加速|快一点|慢一点", clause):
        factor = None
    else:
        return None
    return _each(clause, lambda scene: c.Speed(scene, factor))


def _volume(clause, saved):
    muting = re.search(r"\b(un)?mute[ds]?\b|(取消)?静音|\bturn (off|on) (?:the )?(?:sound|audio)\b", clause)
    if muting:
        muted = not (muting[1] or muting[2] or muting[3] == "on")
        if _scene(clause) is None and _has(r"\b(?:the )?(?:video|clips|scenes)\b|视频", clause):
            return [c.Mute(c.ALL, muted)]
        return _each(clause, lambda scene: c.Mute(scene, muted))
    volume = _percent(clause)
    if volume is not None and _has(r"\b(?:volume|loudness|louder|quieter|level)\b|音量|声音", clause):
        return _each(clause, lambda scene: c.SetVolume(scene, volume))
    if _has(_LOUDNESS, clause) and (_scene_numbers(clause) or _has(r"\b(?:volume|sound|audio)\b|音量|声音", clause)):
        return _each(clause, lambda scene: c.SetVolume(scene, None))
    return None


def _order(clause, saved):
    numbers = _scene_numbers(clause)
    if not numbers and _has(r"\breverse\b.*\b(?:order|scenes)\b|倒序|反转|颠倒|倒过来", clause):
        return [c.Reverse()]
    if numbers and _has(r"\b(?:duplicate|repeat|copy)\b|复制|重复", clause):
        return _each(clause, c.Duplicate, descending=True)
    swapping = _has(r"\b(?:swap|switch|exchange|flip|trade)\b|调换|交换|互换|对调|换一下|换位置|换个位置", clause)
    if swapping and len(numbers) >= 2:
        return [c.Swap(numbers[0], numbers[1])]
    ordering = _has(r"\b(?:re-?order|rearrange|order|arrange|sequence|sort)\b|排序|顺序|排列|重排", clause)
    listed = _LIST.search(clause)
    if ordering and listed:
        return [c.Reorder(tuple(int(n) for n in re.findall(r"\d+", listed[0])))]
    if not _has(r"\b(?:put|move|place|bring|make|shift)\b|放|移|挪|调|排", clause) or not numbers:
        return None
    slot = re.search(r"\bposition (\d+)|第(\d+)位", clause)
    if slot and len(numbers) == 1:
        target = int(slot[1] or slot[2])
        return [c.Move(numbers[0], target, after=target > numbers[0])]
    relation = re.search(r"\b(before|in front of|ahead of|after|behind)\b|(前面|之前|前|后面|之后|后)", clause)
    if relation and len(numbers) >= 2:
        after = (relation[1] or relation[2]) in ("after", "behind", "后面", "之后", "后")
        return [c.Move(numbers[0], numbers[1], after=after)]
    if _has(r"\b(?:first|start|beginning|front)\b|最前|开头|最开始|scene 1\b", clause.split(f"scene {numbers[0]}", 1)[-1]):
        return [c.Move(numbers[0], 1)]
    if _has(r"\b(?:last|end)\b|最后|结尾|末尾", clause.split(f"scene {numbers[0]}", 1)[-1]):
        return [c.Move(numbers[0], c.LAST, after=True)]
    return None


def _split(clause, saved):
    if not _has(r"\bsplit|\bdivide|\bcut (?:\w+ )*in (?:half|two)\b|分割|切开|拆分|分开|切分|剪开|一分为二", clause):
        return None
    times = _times(clause)
    if times or _has(r"\bin (?:half|two|2)\b|\bin the middle\b|一分为二|从中间|两半", clause):
        return [c.Split(_scene(clause), times[0] if times else None)]
    return None


def _trim(clause, saved):
    if not _has(r"\b(?:trim|cut|shorten|chop|remove|delete|drop|take|keep|make)\b|剪|裁|截|缩短|去掉|删|保留", clause):
        return None
    times = _times(clause)
    if not times:
        return None
    edge = re.search(r"\b(first|start|beginning|last|end)\b|(前|开头|开始|最后|后|结尾|末尾)", clause)
    keeping = _has(r"\b(?:to|long|keep|only)\b|到|为|成|至|保留|只留", clause.replace("from the end", ""))
    if edge and not keeping:
        from_end = (edge[1] or edge[2]) in ("last", "end", "最后", "后", "结尾", "末尾")
        return _each(clause, lambda scene: c.Cut(scene, times[0], from_end=from_end))
    if keeping or _has(r"\bmake\b", clause):
        keep_end = bool(edge) and (edge[1] or edge[2]) in ("last", "end", "最后", "后", "结尾", "末尾")
        return _each(clause, lambda scene: c.TrimTo(scene, times[0], keep_end))
    if _has(r"\bby\b", clause):
        return _each(clause, lambda scene: c.Cut(scene, times[0], from_end=True))
    if _has(r"\b(?:off|from)\b", clause):
        return _each(clause, lambda scene: c.Cut(scene, times[0]))
    return None


def _remove(clause, saved):
    if not _has(r"\b(?:remove|delete|drop|cut|get rid of|take out|lose)\b|删除|删掉|去掉|移除|剪掉|去除|不要", clause):
        return None
    return _each(clause, c.Remove, descending=True) if _scene_numbers(clause) else None


_VAGUE = re.compile(
    r"\b(?:that|this|the(?: \w+)?) scene\b|\b(?:those|these) scenes\b|\bthe (?:long|longest|short|shortest|boring|bad|other|middle) (?:one|bit|part)\b|"
    r"那段|这段|那一段|这一段|那个片段|这个片段|那个镜头|这个镜头|长的那|短的那"
)
_EDITING = re.compile(rf"\b(?:{VERBS})\b|剪|删|去掉|移|放|调|换|加速|放慢|静音|分割")


def _ambiguous(clause, saved):
    vague = _VAGUE.search(clause)
    if vague and _EDITING.search(clause) and not _scene_numbers(clause):
        return [c.Ambiguous(vague[0])]
    return None


_READERS = (_undo, _analysis, _transition, _text, _music_setting, _music, _layer, _insert, _canvas, _fit, _fade, _speed, _volume, _order, _split, _trim, _remove,
            _ambiguous)


def _read(clause: str, saved: list[str]) -> list | None:
    for reader in _READERS:
        found = reader(clause, saved)
        if found:
            return found
    return None
