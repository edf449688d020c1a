"""Sentences of a reply, English and Chinese, found the same way whether the reply is whole or still growing.

`sentences(text, start, final)` yields each sentence with the gap before it (spaces, newlines, a
Markdown list marker); with `final=False` it yields only the sentences more text cannot change, so a
streamed reply is cut exactly where the whole reply is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

_CJK_ENDS = "。！？"
_ENDS = re.compile(r"\n|[。！？]+|\.{3}|[.!?…]+")
_CLOSERS = "\"'”’」』）)]*_`"
_GAP = re.compile(r"\s*")
_LIST_MARKER = re.compile(r"(?:[-*+•]|\d{1,3}[.)]|#{1,6}|>)[ \t]+")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "eg", "ie", "vs", "approx", "cf", "mr", "mrs", "ms", "dr", "no"})


@dataclass(frozen=True)
class Sentence:
    gap: str  # what stands before it: spaces, newlines, a Markdown list marker
    text: str  # the sentence, without the whitespace around it
    end: int  # where it ends in the reply


def sentences(text: str, start: int = 0, final: bool = True) -> Iterator[Sentence]:
    """The sentences of `text` from `start`. With `final=False` only those more text cannot change.

    A sentence ends at a newline, at 。！？, or at . ! ? … followed by a space and not by a lowercase
    word; "0.5s", "city.mp4", "e.g. `trim`", "1. " list markers and "... then" do not end one.
    """
    pos = start
    while pos < len(text):
        body = _GAP.match(text, pos).end()
        if pos == 0 or text[pos - 1] == "\n" or "\n" in text[pos:body]:
            marker = _LIST_MARKER.match(text, body)
            body = marker.end() if marker else body
        end = _sentence_end(text, body, final)
        if end is None:
            return
        yield Sentence(text[pos:body], text[body:end], end)
        pos = end


def _sentence_end(text: str, begin: int, final: bool) -> int | None:
    size = len(text)
    if begin >= size:
        return None
    for mark in _ENDS.finditer(text, begin):
        at, end = mark.span()
        if mark.group() == "\n":
            return begin + len(text[begin:at].rstrip())
        while end < size and text[end] in _CLOSERS:
            end += 1
        if end == size:
            return end if final else None
        if mark.group()[0] in _CJK_ENDS:
            return end
        if not text[end].isspace() or (mark.group() == "." and _abbreviation(text[begin:at])):
            continue
        after = _GAP.match(text, end).end()
        newline = "\n" in text[end:after]
        if after == size and not newline:
            return end if final else None
        if mark.group()[0] in ".…" and not newline and text[after].islower():
            continue
        return end
    return begin + len(text[begin:].rstrip()) if final else None


def _abbreviation(before: str) -> bool:
    """"e.g" / "vs" before a dot, or a number that is all the sentence so far (a "1." list marker)."""
    word = _WORD_BEFORE.search(before[-12:])
    if word is None:
        return False
    return word.group(1).lower() in _ABBREVIATIONS or (word.group(1).isdigit() and before.strip() == word.group(1))
