"""How the agent speaks: short sentences in English, and in Chinese too when the user wrote Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...protocol import TOKEN_PREFIX

_CJK = re.compile(r"[\u3400-\u9fff]")
_TOKEN = re.compile(re.escape(TOKEN_PREFIX) + r"[\w-]*")


def is_chinese(text: str) -> bool:
    """True when the text has any CJK ideograph: the reply is then given in Chinese and English."""
    return bool(_CJK.search(text))


def redact(text: str) -> str:
    """The user's own words as the agent may repeat or store them: never with a token in them."""
    return _TOKEN.sub(TOKEN_PREFIX + "…", text)


@dataclass(frozen=True)
class Say:
    """One sentence in both languages."""

    en: str
    zh: str

    def render(self, chinese: bool) -> str:
        return f"{self.zh}\n{self.en}" if chinese else self.en


def join(sentences: list[Say]) -> Say:
    return Say(" ".join(s.en for s in sentences), "".join(s.zh for s in sentences))


class EditError(ValueError):
    """An edit that cannot be done as asked (or needs a clarifying question): nothing changes, nothing is charged."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.say = Say(en, zh)


def seconds(ms: float) -> str:
    """'4s', '1.5s', '0.04s': a duration the way a person says it."""
    return f"{ms / 1000:.2f}".rstrip("0").rstrip(".") + "s"
