"""The agent's GUI-speak, read sentence by sentence (PROTOCOL.md: translate, don't forward).

The cloud agent talks as if the user had its web editor ("Click the Export button", "drag the music
clip to the audio track", "点击右上角的导出按钮"). `sentences.sentences()` cuts a reply into sentences
(English and Chinese punctuation); `read_sentence()` replaces a sentence that tells the user to use the GUI
by a whole notebook sentence and names what the notebook may do instead (export / credits / status);
every other sentence stays byte for byte. A GUI sentence whose meaning is unclear is kept, with a
short hint after it. `translate_gui()` does a whole reply, `LiveTranslation` a reply still streaming
(whole sentences only; a growing one after `HOLD_S`, and only when nothing in it looks like GUI talk).
The phrase knowledge is data: `Words` lists (verbs, elements, topics) in English and Chinese.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable

from .routing import CREDITS, EXPORT, STATUS, UPLOAD
from .sentences import sentences

HOLD_S = 1.5  # how long a growing sentence waits before it is shown as it is
_CJK = re.compile(r"[\u3400-\u9fff]")


# --- phrase knowledge -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Words:
    """Phrases in English (whole words, any case) and Chinese (anywhere)."""

    en: tuple[str, ...]
    zh: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern:
        english = r"\b(?:" + "|".join(r"[\s-]+".join(map(re.escape, word.split())) for word in self.en) + r")\b"
        return re.compile("|".join([english] * bool(self.en) + [re.escape(word) for word in self.zh]), re.IGNORECASE)


# Verbs that alone tell the user to work a GUI, verbs that do when a GUI element follows, and drags.
STRONG_VERBS = Words(("click", "clicking", "double-click", "right-click", "tap", "tapping", "press", "pressing"),
                     ("点击", "单击", "双击", "点一下", "轻触", "按下"))
WEAK_VERBS = Words(("hit", "select", "use", "using", "choose", "go to", "going to", "head to", "head over to",
                    "navigate to", "open", "visit", "check", "find", "switch to", "toggle", "scroll to", "preview",
                    "view", "see", "look at", "top up"),
                   ("选择", "选中", "使用", "打开", "进入", "前往", "切换到", "找到", "查看", "预览", "按一下"))
DRAG_VERBS = Words(("drag and drop", "drag", "dragging"), ("拖拽", "拖动", "拖放", "拖到", "拖入", "拖"))
# "drop" is a drag only with a place after its object ("drop it onto the timeline", not "to drop it, say…").
_DROP = r"\bdrop\s+(?:it|them|(?:the|your|this)\s+[\w\s.-]{1,40}?)\s+(?:on|onto|into|in|at|here|there)\b"
# GUI elements; the timeline is one only when a verb works it (the notebook has a timeline too).
WIDGETS = Words(("button", "buttons", "menu", "tab", "panel", "icon", "sidebar", "side bar", "toolbar", "window",
                 "dropdown", "drop-down", "settings", "corner", "slider", "checkbox", "dashboard", "top right",
                 "top-right", "upper right", "top left", "bottom right", "dialog", "upload area", "media library",
                 "page", "toolbox"),
                ("按钮", "按键", "菜单", "标签页", "选项卡", "面板", "图标", "侧边栏", "工具栏", "窗口", "页面", "右上角",
                 "左上角", "右下角", "左下角", "界面", "弹窗"))
ELEMENTS = Words(WIDGETS.en + ("timeline", "screen"), WIDGETS.zh + ("时间轴", "时间线"))
# Idioms that use those verbs without a GUI.
IDIOMS = Words(("tap into", "press on", "press ahead", "hit the beat", "hit the mark", "hit the ground running"))
# What a GUI sentence is about decides what the notebook does.
TOPICS = {
    EXPORT: Words(("export", "exporting", "download", "downloading", "save video", "save the video", "save your video",
                   "save the final video", "render"), ("导出", "下载", "保存视频", "保存")),
    CREDITS: Words(("account", "balance", "billing", "credits", "credit", "subscription", "top up", "recharge",
                    "upgrade", "pricing"), ("账户", "账号", "余额", "积分", "充值", "账单", "订阅", "升级会员")),
    UPLOAD: Words(("upload", "uploads", "upload area", "media library", "import"), ("上传", "导入", "素材库")),
    STATUS: Words(("timeline", "preview", "panel", "tab", "sidebar", "layers", "tracks"),
                  ("时间轴", "时间线", "预览", "面板", "轨道", "侧边栏")),
}
# Goals too vague to write as an instruction ("Click Generate to start"): the sentence is kept with a hint.
VAGUE_GOALS = Words(("start", "begin", "get started", "continue", "proceed", "confirm", "finish", "apply", "apply it",
                     "apply the changes", "save", "save it", "save the changes", "save your changes", "do this",
                     "do that", "do so"), ("开始", "继续", "确认", "完成", "应用", "保存"))
# A goal that is about looking at the edit.
LOOK_GOALS = Words(("preview", "see", "view", "check", "look at", "review", "watch", "play"), ("预览", "查看", "看"))

_STRONG, _WEAK, _WIDGET, _ELEMENT, _LOOK = (words.pattern() for words in (
    STRONG_VERBS, WEAK_VERBS, WIDGETS, ELEMENTS, LOOK_GOALS))
_DRAG = re.compile(f"{DRAG_VERBS.pattern().pattern}|{_DROP}", re.IGNORECASE)
_TOPIC = {action: words.pattern() for action, words in TOPICS.items()}
_VAGUE = re.compile(rf"^(?:{VAGUE_GOALS.pattern().pattern})$", re.IGNORECASE)
_IDIOM = IDIOMS.pattern()

# The agent speaking of itself ("I'll open the panel", "我打开了…") or "as you can see" is no instruction.
_AGENT_SPEAKS = re.compile(r"(?:\b(?:I|I'll|I’ll|I've|I’ve|I'd|I have|I will|we|we'll|we’ve)\s+(?:\w+\s+){0,2}|"
                           r"\bme\s+to\s+|\bas\s+you\s+(?:can\s+)?|\b(?:nothing|anything|something)\s+to\s+|"
                           r"我们?\S{0,3})$",
                           re.IGNORECASE)
_CLAUSE_START = re.compile(r"[,;:，；：]|\b(?:and|then|or)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+")
_LEAD_IN = frozenset("you please just simply then now also first next finally can could may might should need needs "
                     "want will ll to have go ahead feel free easily quickly try recommend suggest always don t "
                     "forget remember make be sure".split())
_MARKUP = re.compile(r"[*_`\[\]\"“”「」『』]")
_FILLER_EN = re.compile(r"^(?:(?:you can|you could|you may|you might want to|you'll need to|you will need to|"
                        r"feel free to|go ahead and|simply|just|then|now|next|finally|first|also|please|"
                        r"afterwards|after that|once done|when you're ready|when you are ready|to finish|ok|okay)"
                        r"\b[\s,]*)+", re.IGNORECASE)
_FILLER_ZH = re.compile(r"^(?:你可以|您可以|你也可以|请|只需|只要|直接|然后|接着|最后|现在|之后|再)+")
_ENDING = re.compile(r"[\s.!?。！？…]+$")

# Notebook sentences (English, Chinese).
SAY = {
    EXPORT: ("To get the video file, run `%nemo export`.", "要获取视频文件，请运行 `%nemo export`。"),
    CREDITS: ("To see your credit balance, run `%nemo credits`.", "要查看积分余额，请运行 `%nemo credits`。"),
    STATUS: ("To see the timeline, run `%nemo status`.", "要查看时间轴，请运行 `%nemo status`。"),
    UPLOAD: ("To add files, run `%nemo upload` with their paths (with no path it shows a drop zone).",
             "要添加素材，请运行 `%nemo upload` 并写上文件路径（不写路径会显示拖放区）。"),
    "goal": ("To {goal}, say so in a `%%nemo` cell, e.g. `{example}`.",
             "要{goal}，请在 `%%nemo` 单元格里直接说，例如 `{example}`。"),
    "hint": (" (In the notebook, say what you want in a `%%nemo` cell instead.)",
             "（在笔记本里，请在 `%%nemo` 单元格中用文字说明要做什么。）"),
}
ACTIONS = (EXPORT, CREDITS, STATUS)  # what the notebook can do by itself (UPLOAD needs the user's files)


@dataclass(frozen=True)
class Reading:
    text: str
    actions: tuple[str, ...] = ()


def is_gui_talk(sentence: str) -> bool:
    """Does the sentence tell the user to work a GUI (click, drag, open a panel, check the account…)?"""
    if "%nemo" in sentence:  # already notebook speak
        return False
    plain = _IDIOM.sub(" ", _MARKUP.sub("", sentence))
    if _user_does(_DRAG, plain) or _user_does(_STRONG, plain):
        return True
    if _told(_WEAK, plain) and any(found.search(plain) for found in (_ELEMENT, _TOPIC[EXPORT], _TOPIC[CREDITS])):
        return True
    return _WIDGET.search(plain) is not None and _addresses_user(plain)  # "You can export it from the Export menu"


def _user_does(verbs: re.Pattern, plain: str) -> bool:
    return any(not _AGENT_SPEAKS.search(plain[max(0, found.start() - 40):found.start()])
               for found in verbs.finditer(plain))


def _told(verbs: re.Pattern, plain: str) -> bool:
    """A verb the user is told to do: first in its clause, after at most a lead-in ("You can also check…");
    not "The open response", "chunks go to"."""
    for found in verbs.finditer(plain):
        clause = _CLAUSE_START.split(plain[:found.start()])[-1]
        if _CJK.match(found.group()) or set(_WORD.findall(clause.lower())) <= _LEAD_IN:
            if not _AGENT_SPEAKS.search(plain[max(0, found.start() - 40):found.start()]):
                return True
    return False


def _addresses_user(plain: str) -> bool:
    return bool(_FILLER_EN.match(plain) or _FILLER_ZH.match(plain) or re.search(r"\byou\b", plain, re.IGNORECASE))


def read_sentence(sentence: str) -> Reading:
    """The notebook's version of one sentence: itself, a whole new sentence, or itself plus a hint."""
    if not is_gui_talk(sentence):
        return Reading(sentence)
    zh = _CJK.search(sentence) is not None
    readings = [_read_gui(clause, zh) for clause in _gui_clauses(sentence)]
    if len(readings) == 1:
        return readings[0]
    if not any(reading.text.endswith(SAY["hint"][zh]) for reading in readings):
        # "You can open the panel, drag the clip…, or check your account.": one notebook sentence
        said = list(dict.fromkeys(_ENDING.sub("", reading.text) for reading in readings))
        joined = ("；" if zh else "; ").join([said[0]] + [text[:1].lower() + text[1:] for text in said[1:]])
        return Reading(joined + ("。" if zh else "."), tuple(dict.fromkeys(a for r in readings for a in r.actions)))
    return _read_gui(sentence, zh)


def _read_gui(sentence: str, zh: bool) -> Reading:
    """One GUI instruction: the action it names, the goal behind it, or the sentence and a hint."""
    plain = _ENDING.sub("", _MARKUP.sub("", sentence)).strip()
    goal = (_drag_zh if zh else _drag_en)(plain) if _user_does(_DRAG, plain) else None
    for action in (EXPORT, CREDITS, UPLOAD):
        if _TOPIC[action].search(plain):
            return Reading(SAY[action][zh], (action,) if action in ACTIONS else ())
    goal = goal or (_goal_zh if zh else _goal_en)(plain)
    if goal and _VAGUE.match(goal):
        goal = None
    if goal and _LOOK.match(goal):
        return Reading(SAY[STATUS][zh], (STATUS,))
    if goal:
        return Reading(SAY["goal"][zh].format(goal=goal, example=_example(goal)))
    if _TOPIC[STATUS].search(plain) and (_WEAK.search(plain) or _STRONG.search(plain)):
        return Reading(SAY[STATUS][zh], (STATUS,))
    return Reading(sentence + SAY["hint"][zh])


_CLAUSE_BREAK = re.compile(r"\s*(?:[,;，；]\s*(?:(?:and|or|then|and then)\s+)?|\s+(?:and|or)\s+(?:then\s+)?)")


def _gui_clauses(sentence: str) -> list[str]:
    """The clauses of a sentence when each one is GUI talk of its own (with the sentence's "You can")."""
    filler = _FILLER_EN.match(sentence) or _FILLER_ZH.match(sentence)
    head = filler.group() if filler else ""
    clauses = [part for part in _CLAUSE_BREAK.split(sentence[len(head):]) if part.strip()]
    if len(clauses) < 2 or _SELECT_THEN_PRESS.search(sentence):
        return [sentence]
    if not all(is_gui_talk(head + clause) for clause in clauses):
        return [sentence]
    return [head + clause for clause in clauses]


def _example(goal: str) -> str:
    return re.sub(r"\byour\b", "the", re.sub(r"\bYour\b", "The", goal)).replace("你的", "").replace("您的", "")


# --- goals: what the user wanted to do through the GUI --------------------------------------------
_DETERMINER = (r"(?:the|a|an|your|this|that|these|those|its|their|track|position|scene|layer|where|wherever|"
               r"anywhere|\d)")
_PLACE = re.compile(rf"\s+(?:(?:over|down|up|back|right|all the way)\s+)?(to|into|onto|on to|on|over|before|after|"
                    rf"behind|in front of|next to|above|below|between)\s+(?={_DETERMINER}\b|(?-i:[A-Z])|\d)",
                    re.IGNORECASE)
_PURPOSE_EN = re.compile(r"\s+(?:in order\s+)?to\s+(?!" + _DETERMINER + r"\b)(?=[a-z])", re.IGNORECASE)
_NOT_PURPOSE = re.compile(r"\b(?:go|going|head|head over|navigate|switch|scroll|next|up|back|down|close|due|want|"
                          r"need|like|how)$", re.IGNORECASE)
_LEADING_GOAL_EN = re.compile(r"^(?:(?:so\s+)?to|in order to|if you (?:want|would like|'d like|’d like|wish) to)\s+"
                              r"(?P<goal>[^,]+?),\s*", re.IGNORECASE)
_BY_DOING = re.compile(r"^(?P<goal>.+?)\s+by\s+(?:click|tapp|tap|press|select|us|choos|go|head|dragg|open|hitt)\w*\b",
                       re.IGNORECASE)
_SELECT_THEN_PRESS = re.compile(r"\b(?:select|right-click|click on|tap on)\s+(?P<thing>.+?)\s+"
                                r"(?:(?:on|in)\s+the\s+timeline\s+)?(?:,\s*)?(?:and|then)\s+(?:then\s+)?"
                                r"(?:press|click|hit|tap|choose|select|pick)\s+(?:the\s+)?(?P<button>[A-Za-z]+)\b",
                                re.IGNORECASE)
_DIRECTION = re.compile(r"\s+(?P<dir>(?:to the\s+)?(?:left|right)|earlier|later|forward|backward|up|down)"
                        r"(?P<rest>\s+(?:by|a bit|a little|slightly|\d)[^,]*)?$", re.IGNORECASE)
_OF_PHRASE = re.compile(r"\bof\s+(?P<whole>(?:the|your)\s+[\w\s-]+)$", re.IGNORECASE)
_LOCATIVE = re.compile(r"\s+(?:in|from|under|on|via|through|inside|at)\s+(?:the\s+)?(?:[\w'’-]+\s+){0,3}?"
                       r"(?:" + "|".join(re.escape(word) for word in ELEMENTS.en) + r")s?\b(?:\s+(?:on|at|in)\s+the\s+"
                       r"(?:top|bottom|left|right|upper|lower)[\w -]*)?", re.IGNORECASE)


def _goal_en(plain: str) -> str | None:
    leading = _LEADING_GOAL_EN.match(plain)
    if leading:
        return _clean_goal(leading.group("goal"))
    named = _SELECT_THEN_PRESS.search(plain)
    goal = named and _clean_goal(f"{named.group('button').lower()} {named.group('thing')}")
    if goal:  # "Select the clip and press Delete" → "delete the clip"
        return goal
    rest = _FILLER_EN.sub("", plain)
    by_doing = _BY_DOING.match(rest)
    if by_doing:
        return _clean_goal(by_doing.group("goal"))
    verb = _STRONG.search(plain) or _WEAK.search(plain)
    for purpose in _PURPOSE_EN.finditer(plain, verb.end() if verb else 0):
        if not _NOT_PURPOSE.search(plain[:purpose.start()]):
            return _clean_goal(plain[purpose.end():])
    if verb is None and _LOCATIVE.search(rest) and rest != plain:  # "You can change the font in the Text panel"
        return _clean_goal(_LOCATIVE.sub("", rest))
    return None


_CONDITION = re.compile(r"\s+(?:if|when|once|whenever|so that|until)\s+.*$", re.IGNORECASE)


def _clean_goal(goal: str) -> str | None:
    goal = _CONDITION.sub("", _LOCATIVE.sub("", goal))
    goal = re.sub(r"\s+(?:here|there|with one click|in one click|easily|instantly|in the editor)$", "", goal.strip(),
                  flags=re.IGNORECASE)
    goal = _ENDING.sub("", goal).strip(" ,，")
    if not goal or _ELEMENT.search(goal) or _STRONG.search(goal):
        return None
    return goal[:1].lower() + goal[1:] if goal[:2] != goal[:2].upper() else goal


def _drag_en(plain: str) -> str | None:
    verb = list(_DRAG.finditer(plain))[-1] if _DRAG.search(plain) else None
    start = verb.end() if verb else 0
    if verb is not None and verb.group().lower().startswith("drop "):  # "drop it" / "drop the …": keep the object
        start = verb.start() + len("drop ")
    rest = plain[start:].strip()
    purpose, goal_tail = _split_purpose(rest)
    if goal_tail:  # "drag the end of the clip to trim it": the goal, about the thing dragged
        whole = _OF_PHRASE.search(purpose)
        thing = whole.group("whole") if whole else purpose
        return _clean_goal(re.sub(r"\b(?:it|them)\b", thing, goal_tail)) if thing else goal_tail
    place = _PLACE.search(purpose)
    if place:
        thing, where = purpose[:place.start()].strip(), _CONDITION.sub("", purpose[place.end():]).strip()
        preposition = place.group(1).lower()
        onto = preposition in ("to", "into", "onto", "on", "on to", "over")
        timeline = onto and re.search(r"\btimeline\b", where, re.IGNORECASE)
        verb_word, preposition = ("add" if timeline else "move"), ("to" if onto else preposition)
        if thing and re.match(r"(?:where|wherever|anywhere)\b", where, re.IGNORECASE):
            return f"move {thing}"  # the agent does not know where: the user says it
        if thing and where:
            return f"{verb_word} {thing} {preposition} {where}"
    direction = _DIRECTION.search(purpose)
    if direction and purpose[:direction.start()].strip():
        rest = direction.group("rest") or ""
        return f"move {purpose[:direction.start()].strip()} {direction.group('dir').lower()}{rest}"
    return None


def _split_purpose(rest: str) -> tuple[str, str | None]:
    """ "the edge of the clip to trim it" → ("the edge of the clip", "trim it")."""
    for purpose in _PURPOSE_EN.finditer(rest):
        if not _NOT_PURPOSE.search(rest[:purpose.start()]):
            return rest[:purpose.start()].strip(), _clean_goal(rest[purpose.end():])
    return rest, None


_DRAG_ZH = re.compile(r"(?:把|将)?(?P<thing>[^，,。]*?)(?:拖拽|拖动|拖放|拖)(?:到|至|进|入)(?P<where>[^，,。]+?)"
                      r"(?:上|中|里|内|上面|里面)?(?:即可|就可以了|就行了?|就好)?$")
_DRAG_ZH_AFTER = re.compile(r"(?:拖拽|拖动|拖放)(?P<thing>[^，,。]+?)(?:到|至)(?P<where>[^，,。]+?)"
                            r"(?:上|中|里|内|上面|里面)?(?:即可|就可以了|就行了?|就好)?$")
_LEADING_GOAL_ZH = re.compile(r"^(?:如果|若)?(?:你)?(?:要|想要|想|如需|需要)(?P<goal>[^，,]+)[，,]")
_PURPOSE_ZH = re.compile(r"(?:来|以|即可|就可以|就能|便可)(?P<goal>[^，,。！？]+)$")


def _drag_zh(plain: str) -> str | None:
    said = _FILLER_ZH.sub("", plain)
    found = _DRAG_ZH_AFTER.search(said) or _DRAG_ZH.search(said)
    if found is None or not found.group("thing").strip() or not found.group("where").strip():
        return None
    thing = _FILLER_ZH.sub("", found.group("thing").strip())
    return f"把{_spaced(thing)}移到{_spaced(found.group('where').strip())}".strip()


def _spaced(words: str) -> str:
    """Latin words among Chinese ones keep a space on their side ("把 city.mp4 移到时间轴")."""
    return (" " if words[:1].isascii() else "") + words + (" " if words[-1:].isascii() else "")


def _goal_zh(plain: str) -> str | None:
    found = _LEADING_GOAL_ZH.match(_FILLER_ZH.sub("", plain)) or _PURPOSE_ZH.search(plain)
    if found is None:
        return None
    goal = found.group("goal").strip().removesuffix("了")
    return None if not goal or _ELEMENT.search(goal) or _STRONG.search(goal) else goal


# --- whole replies ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Translation:
    text: str
    actions: tuple[str, ...] = field(default_factory=tuple)


def translate_gui(text: str) -> Translation:
    """The reply with each GUI sentence read for the notebook; `actions` what the notebook may do itself."""
    live = LiveTranslation()
    live.feed(text)
    live.close()
    return Translation(live.shown(), tuple(live.actions))


class LiveTranslation:
    """A reply that grows chunk by chunk, shown translated: whole sentences, never a raw GUI sentence.

    `feed(chunk)` takes text; `shown()` is what may be shown now; `close()` ends the reply. A sentence
    still growing after `hold_s` is shown as it is (but for its last, maybe cut, word) unless it looks
    like GUI talk; the sentence that ends it replaces it.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, hold_s: float = HOLD_S) -> None:
        self.clock, self.hold_s = clock, hold_s
        self.unread = ""  # the text not read yet, after the last character read (which tells a line start)
        self.start = 0  # where the unread text begins in `unread` (0 at the start of the reply, then 1)
        self._settled = ""  # the read sentences and the gaps between them
        self.actions: list[str] = []
        self.closed = False
        self.in_code = False  # inside a ``` fenced block, where nothing is translated
        self.waiting_since: float | None = None  # when the unread tail began to wait

    def feed(self, chunk: str) -> None:
        self.unread += chunk
        self._read(final=False)

    def close(self) -> None:
        self._read(final=True)
        self._settled += self.unread[self.start:]
        self.unread, self.closed = self.unread[-1:], True
        self.start = len(self.unread)

    def _read(self, final: bool) -> None:
        end = self.start
        for sentence in sentences(self.unread, self.start, final):
            fence = sentence.text.startswith("```")
            self.in_code ^= fence
            reading = Reading(sentence.text) if self.in_code or fence else read_sentence(sentence.text)
            self._settled += sentence.gap + reading.text
            self.actions += [action for action in reading.actions if action not in self.actions]
            end = sentence.end
        moved = end != self.start
        if moved:  # keep the last character read: a list marker must follow a line start
            self.unread, self.start = self.unread[end - 1:], 1
        if not self.unread[self.start:].strip():
            self.waiting_since = None
        elif moved or self.waiting_since is None:  # a new sentence began to grow
            self.waiting_since = self.clock()

    def settled(self) -> str:
        """The read sentences only (what a terminal, which cannot take text back, may print)."""
        return self._settled

    def shown(self) -> str:
        """The read sentences, and the growing one once it has waited `hold_s` and looks harmless."""
        tail = self.unread[self.start:]
        if self.closed or self.waiting_since is None or self.clock() - self.waiting_since < self.hold_s:
            return self.settled()
        words = tail[: len(tail) - len(re.split(r"\s", tail)[-1])]  # whole words only
        if not words.strip() or is_gui_talk(words) or _looks_like_gui_start(words):
            return self.settled()
        return self.settled() + words.rstrip()


def _looks_like_gui_start(words: str) -> bool:
    """A cut sentence that may grow into GUI talk ("You can now click", "拖"): hold it back."""
    plain = _MARKUP.sub("", words)
    return any(pattern.search(plain) for pattern in (_STRONG, _WEAK, _DRAG, _ELEMENT, _TOPIC[EXPORT],
                                                     _TOPIC[CREDITS]))
