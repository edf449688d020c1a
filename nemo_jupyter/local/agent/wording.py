"""Instruction text -> normal form and clauses (the first half of `grammar`'s reading).

Quoted text and file names are set aside verbatim as placeholders ``«0»``, ``«1»``…; the rest is
lower-cased, NFKC-folded, and every scene reference, time, percentage and speed factor is
rewritten to one spelling (``scene N`` / ``scene last``, ``Ns``, ``N%``, ``Nx``), English and
Chinese alike. `clauses` then cuts the message where one edit ends and the next begins.
"""

from __future__ import annotations

import re
import unicodedata

from ...protocol import ACCEPTED_EXTENSIONS, EXTENSION_ALIASES

_QUOTED = re.compile(
    r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』|‘([^’]*)’|《([^》]*)》'
    r"|(?<![\w'])'(.+?)'(?!\w)"  # 'single quotes', but not the apostrophe in "scene 2's"
)
_EXTENSIONS = "|".join(ACCEPTED_EXTENSIONS + tuple(EXTENSION_ALIASES))
# a file name is Latin letters, digits and -_.(); a name in Chinese characters needs quotes, since
# Chinese runs into the words around it ("背景音乐用lofi.mp3")
_FILE_NAME = re.compile(rf"[A-Za-z0-9_\-.()]+\.(?:{_EXTENSIONS})\b", re.IGNORECASE)
SAVED = re.compile(r"«(\d+)»")

_WORD_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_ORDINALS = {w: str(i) for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth".split())}
_ORDINALS.update(last="last", final="last")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(
    r"(?<=第)[零一二两三四五六七八九十]+|(?<=百分之)[零一二两三四五六七八九十]+|(?<=[,、])[零一二两三四五六七八九十]+$"
    r"|[零一二两三四五六七八九十]+"
    r"(?=\s*(?:段|秒|倍|个|处|号|%|分钟|毫秒|和|与|跟|、|,|，|到|至|的顺序|顺序))"
)
SCENE_WORD = r"(?:scene|clip|segment|shot)"
_WORDS = "|".join(_WORD_NUMBERS)
# a number word only where a number is expected: "scene two", "two seconds", "three, one, two"
_NUMBER_WORD = re.compile(
    rf"(?<=scene )({_WORDS})\b|(?<=scenes )({_WORDS})\b"
    rf"|\b({_WORDS})\b(?=\s*(?:s\b|secs?\b|seconds?\b|minutes?\b|ms\b|x\b|times\b|%|percent|,|and\b|then\b|$))"
)

_REWRITES = [
    (re.compile(rf"\b{SCENE_WORD}(s?)\b"), r"scene\1"),
    (re.compile(r"\bvideos? (?=\d)"), "scene "),
    (re.compile(r"\bscenes? (?:#|no\.? ?|number )(?=\d)"), "scene "),
    (re.compile(r"(?:最后|最末)\s*1?\s*个?(?:段|片段|镜头|场景|视频)"), " scene last "),
    (re.compile(r"最长的(?:那|这)?1?(?:段|个片段|个镜头|个场景)?"), " scene longest "),
    (re.compile(r"最短的(?:那|这)?1?(?:段|个片段|个镜头|个场景)?"), " scene shortest "),
    (re.compile(r"第\s*(\d+)\s*个?(?:段|片段|镜头|场景|视频|条|幕|个)"), r" scene \1 "),
    (re.compile(r"(?:片段|场景|镜头|视频)\s*(\d+)"), r" scene \1 "),
    (re.compile(r"百分之\s*(\d+(?:\.\d+)?)"), r"\1%"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b|pct\b)"), r"\1%"),
    (re.compile(r"\bhalf a second\b"), "0.5s"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:ms|milliseconds?|毫秒)(?![a-z])"),
     lambda m: f"{float(m[1]) / 1000:g}s"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:mins?|minutes?|分钟)(?![a-z])"), lambda m: f"{float(m[1]) * 60:g}s"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?|秒钟|秒)(?![a-z])"), r"\1s"),
    # ranges with one unit: "from 1 to 3s", "1-3s", "从1到3秒"
    (re.compile(r"\bfrom (\d+(?:\.\d+)?) ?(?:to|until|till|-|–|~) ?(\d+(?:\.\d+)?)s(?![a-z])"), r"from \1s to \2s"),
    (re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?) ?(?:-|–|~) ?(\d+(?:\.\d+)?)s(?![a-z])"), r"\1s to \2s"),
    (re.compile(r"从 ?(\d+(?:\.\d+)?) ?(?:到|至|-) ?(\d+(?:\.\d+)?)s"), r"从\1s到\2s"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:x|×|times)(?![a-z])"), r"\1x"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*倍速?"), r"\1x"),
]


def _cn_number(text: str) -> str:
    if text.startswith("十"):
        text = "一" + text
    tens, _, ones = text.partition("十")
    if "十" not in text:
        return "".join(str(_CN_DIGITS[ch]) for ch in text)
    return str(_CN_DIGITS.get(tens, 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def normalise(text: str) -> tuple[str, list[str]]:
    """The text in normal form, and the quoted texts / file names its placeholders stand for."""
    saved: list[str] = []

    def keep(match: re.Match) -> str:
        saved.append(next(g for g in match.groups() if g is not None) if match.groups() else match[0])
        return f" «{len(saved) - 1}» "

    text = _QUOTED.sub(keep, text)
    text = _FILE_NAME.sub(keep, text)
    text = unicodedata.normalize("NFKC", text).lower()
    ordinals = "|".join(_ORDINALS)
    text = re.sub(rf"\b(?:the )?({ordinals}) and (?:the )?({ordinals}) {SCENE_WORD}s\b",
                  lambda m: f"scenes {_ORDINALS[m[1]]} and {_ORDINALS[m[2]]}", text)
    text = re.sub(rf"\b(?:the )?({ordinals}) (?:one )?{SCENE_WORD}s?\b",
                  lambda m: f"scene {_ORDINALS[m[1]]}", text)
    text = re.sub(rf"\bthe (longest|shortest)(?: {SCENE_WORD}| one)?\b", r"scene \1", text)
    # "put scene 3 second" is a position, not a duration
    text = re.sub(rf"\b({SCENE_WORD}s? \d+) (?:to |in |at )?(?:the )?(second|third|fourth|fifth|sixth|seventh|eighth|"
                  r"ninth|tenth)(?: place| position| spot)?\b", lambda m: f"{m[1]} to position {_ORDINALS[m[2]]}", text)
    text = _NUMBER_WORD.sub(lambda m: _WORD_NUMBERS[m[1] or m[2] or m[3]], text)
    text = _CN_NUMBER.sub(lambda m: _cn_number(m[0]), text)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip(), saved


def restore(clause: str, saved: list[str]) -> str:
    """A clause with its placeholders put back (in double quotes), to show to the user."""
    return SAVED.sub(lambda m: f'"{saved[int(m[1])]}"', clause)


VERBS = (
    r"reorder|rearrange|put|move|place|swap|switch|trim|cut|shorten|remove|delete|drop|split|make|speed|"
    r"slow|play|add|insert|change|set|turn|lower|raise|mute|unmute|fade|undo|use"
)
_ZH_VERBS = r"把|删除|删掉|去掉|添加|加上|调换|交换|剪掉|裁剪|分割|静音|设置|撤销|淡入|淡出|修改|移动|改成|改为"
_SPLIT = re.compile(
    r"\s*(?:[;。\n!?]|\.\s+(?=[a-z\u3400-\u9fff])|\bthen\b|然后|接着)\s*"
    rf"|\s*(?:,\s*(?:and\s+|also\s+)?|\s+and\s+(?:also\s+)?)(?=(?:{VERBS})\b)"
    rf"|\s*(?:,\s*(?:并且|并|再|还要|同时)?|并且|并|再|还要|同时)\s*(?=(?:{_ZH_VERBS}))"
    # "… and scene 2 to 3s", "… and music …": a clause that borrows the verb before it (see `_lead`)
    r"|\s+and\s+(?=scenes? (?:\d+|last) (?:to |at |by |for |over )?[\d.]+ ?(?:s|%|x)(?![a-z]))"
    r"|\s+and\s+(?=(?:a |an |the |some )?(?:background )?(?:music|bgm|titles?|captions?|subtitles?)\b)"
)
STARTS_WITH_VERB = re.compile(rf"(?:{VERBS}|un-?mute|re-?order|slow|speed|{_ZH_VERBS})")
_FILLER = re.compile(
    r"^(?:(?:please|pls|can you|could you|now|and|also|okay|ok|thanks|thank you|thx|帮我|请|麻烦|谢谢)(?![a-z])\s*,?\s*)+"
    r"|[\s,.]+$|\s*please$"
)


def clauses(text: str) -> list[str]:
    """A normalised message cut into clauses, one edit each (see `grammar`'s docstring)."""
    pieces = (_FILLER.sub("", piece.strip()) for piece in _SPLIT.split(text))
    return [piece.strip() for piece in pieces if piece and piece.strip()]
