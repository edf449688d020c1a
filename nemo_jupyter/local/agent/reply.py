"""`respond(state, text) -> AgentReply`: the local edit agent's one entry point.

It parses the instruction (`grammar`), applies the commands one after the other to a working copy
of the state (`apply`), and says what it did. Nothing changes and nothing is charged when the
instruction is not understood (the reply lists what the agent can do), when it needs a clarifying
question ("which scene do you mean?"), or when an edit cannot be done as asked.

History for "undo" lives in the state under `undo_stack`: a list of `{"draft", "canvas_config",
"instruction"}` as they were before each edit (newest last, at most `UNDO_DEPTH`); "undo" moves the
newest entry to `redo_stack`, "redo" moves it back, and a new edit empties `redo_stack`. The
reply's `state_delta` carries the stacks whenever they change; the server stores them like any key.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

from ..media.presets import DEFAULT_CANVAS
from . import commands as c
from .apply import Edit, apply
from .grammar import GRAMMAR, parse
from .speech import EditError, Say, is_chinese, join, redact

TOOL_NAME = "edit_draft"
UNDO_KEY = "undo_stack"
REDO_KEY = "redo_stack"
UNDO_DEPTH = 20
ECHO_CHARS = 80  # how much of a clause it did not understand the reply repeats
HISTORY_KEYS = (UNDO_KEY, REDO_KEY)  # the agent's own memory: kept in the session, not shown to clients
_SLOW_COMMANDS = (c.SplitAtSceneCuts, c.RemoveFindings, c.TrimEndSilence)


@dataclass
class AgentReply:
    """What the agent did. `tool_name` is None when it only talked (help, a question, a refusal)."""

    tool_name: str | None
    tool_args: dict = field(default_factory=dict)
    state_delta: dict = field(default_factory=dict)  # changed state keys; empty when nothing changed
    text: str = ""
    charge: bool = False  # True only when the draft (or canvas) changed
    long_running: bool = False  # a hint for the server's heartbeats


def respond(state: dict, text: str) -> AgentReply:
    text = redact(text or "")
    chinese = is_chinese(text)
    parsed = parse(text)
    if parsed.not_understood or not parsed.commands or parsed.commands == (c.Help(),):
        return _help(parsed.not_understood, chinese)
    if parsed.commands in ((c.Undo(),), (c.Redo(),)):
        return _travel(state or {}, chinese, back=parsed.commands == (c.Undo(),))
    return _edit(state or {}, text, parsed.commands, chinese)


def _talk(say: Say, chinese: bool) -> AgentReply:
    return AgentReply(tool_name=None, text=say.render(chinese))


def _help(missed: tuple[str, ...], chinese: bool) -> AgentReply:
    if not missed:
        return _talk(Say(GRAMMAR, "请告诉我要怎么编辑。\n" + GRAMMAR), chinese)
    quoted = ", ".join(f'"{_shortened(m)}"' for m in missed)
    return AgentReply(tool_name=None, text=(f"我没有理解{quoted}。\n" if chinese else "")
                      + f"I did not understand {quoted}.\n{GRAMMAR}")


def _shortened(clause: str, most: int = ECHO_CHARS) -> str:
    """A clause as the reply repeats it: long ones cut, so a pasted essay does not come back whole."""
    return clause if len(clause) <= most else clause[: most - 1].rstrip() + "…"


def _current(state: dict) -> tuple[dict, dict]:
    draft = state.get("draft") if isinstance(state.get("draft"), dict) else {}
    canvas = state.get("canvas_config") if isinstance(state.get("canvas_config"), dict) else DEFAULT_CANVAS
    return draft, canvas


def _edit(state: dict, text: str, commands: tuple, chinese: bool) -> AgentReply:
    draft, canvas = _current(state)
    media = [m for m in state.get("video_infos") or [] if isinstance(m, dict) and "id" in m]
    analyses = state.get("video_analyses") if isinstance(state.get("video_analyses"), dict) else {}
    edit = Edit(copy.deepcopy(draft), dict(canvas), media, analyses)
    try:
        said = [apply(command, edit) for command in commands]
    except EditError as refusal:
        return _talk(refusal.say, chinese)
    delta = {}
    if edit.draft != draft:
        delta["draft"] = edit.draft
    if edit.canvas != canvas:
        delta["canvas_config"] = edit.canvas
    if delta:
        delta[UNDO_KEY] = (_history(state, UNDO_KEY) + [_snapshot(draft, canvas, text)])[-UNDO_DEPTH:]
        if _history(state, REDO_KEY):
            delta[REDO_KEY] = []
    return AgentReply(
        tool_name=TOOL_NAME,
        tool_args={"instruction": text, "ops": [_describe(command) for command in commands]},
        state_delta=delta,
        text=join(said).render(chinese),
        charge=bool(delta),
        long_running=any(isinstance(command, _SLOW_COMMANDS) for command in commands),
    )


def _describe(command) -> dict:
    return {"op": type(command).__name__, **asdict(command)}


def _history(state: dict, key: str) -> list[dict]:
    return [entry for entry in state.get(key) or [] if isinstance(entry, dict)]


def _snapshot(draft: dict, canvas: dict, instruction: str) -> dict:
    return {"draft": draft, "canvas_config": canvas, "instruction": instruction}


def _travel(state: dict, chinese: bool, back: bool) -> AgentReply:
    """Undo (back) or redo: swap the current draft and canvas with the newest entry of one stack."""
    source, target = (UNDO_KEY, REDO_KEY) if back else (REDO_KEY, UNDO_KEY)
    word, zh_word = ("undo", "撤销") if back else ("redo", "重做")
    history = _history(state, source)
    if not history:
        return _talk(Say(f"There is nothing to {word}.", f"没有可以{zh_word}的操作。"), chinese)
    entry, (draft, canvas) = history[-1], _current(state)
    instruction = str(entry.get("instruction") or "the last edit")
    delta = {"draft": entry.get("draft") or {}, source: history[:-1],
             target: (_history(state, target) + [_snapshot(draft, canvas, instruction)])[-UNDO_DEPTH:]}
    if entry.get("canvas_config") and entry["canvas_config"] != canvas:
        delta["canvas_config"] = entry["canvas_config"]
    done, zh_done = ("undid", "撤销") if back else ("redid", "重做")
    return AgentReply(
        tool_name=TOOL_NAME, tool_args={"instruction": word, "ops": [{"op": word.title()}]}, state_delta=delta,
        text=Say(f'Done: {done} "{instruction}".', f"完成：已{zh_done}“{instruction}”。").render(chinese), charge=False,
    )
