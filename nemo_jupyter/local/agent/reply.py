"""`respond(state, text) -> AgentReply`: the local edit agent's one entry point.

It parses the instruction (`grammar`), applies the commands one after the other to a working copy
of the state (`apply`), and says what it did. Nothing changes and nothing is charged when the
instruction is not understood (the reply lists what the agent can do), when it needs a clarifying
question ("which scene do you mean?"), or when an edit cannot be done as asked.

History for "undo" lives in the state under `undo_stack`: a list of `{"draft", "canvas_config",
"instruction"}` as they were before each edit (newest last, at most `UNDO_DEPTH`). The reply's `state_delta`
carries the new stack whenever the draft or canvas changes; the server stores it like any key.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

from . import commands as c
from .apply import Edit, apply
from .grammar import GRAMMAR, parse
from .speech import EditError, Say, is_chinese, join, redact

TOOL_NAME = "edit_draft"
UNDO_KEY = "undo_stack"
UNDO_DEPTH = 20
DEFAULT_CANVAS = {"width": 1920, "height": 1080, "fps": 30}
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
    if parsed.not_understood or not parsed.commands:
        return _help(parsed.not_understood, chinese)
    if any(isinstance(command, c.Undo) for command in parsed.commands) and len(parsed.commands) == 1:
        return _undo(state or {}, chinese)
    return _edit(state or {}, text, parsed.commands, chinese)


def _talk(say: Say, chinese: bool) -> AgentReply:
    return AgentReply(tool_name=None, text=say.render(chinese))


def _help(missed: tuple[str, ...], chinese: bool) -> AgentReply:
    if not missed:
        return _talk(Say(GRAMMAR, "请告诉我要怎么编辑。\n" + GRAMMAR), chinese)
    quoted = ", ".join(f'"{m}"' for m in missed)
    return AgentReply(tool_name=None, text=(f"我没有理解{quoted}。\n" if chinese else "")
                      + f"I did not understand {quoted}.\n{GRAMMAR}")


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
        history = [h for h in state.get(UNDO_KEY) or [] if isinstance(h, dict)]
        delta[UNDO_KEY] = (history + [{"draft": draft, "canvas_config": canvas, "instruction": text}])[-UNDO_DEPTH:]
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


def _undo(state: dict, chinese: bool) -> AgentReply:
    history = [h for h in state.get(UNDO_KEY) or [] if isinstance(h, dict)]
    if not history:
        return _talk(Say("There is nothing to undo.", "没有可以撤销的操作。"), chinese)
    previous = history[-1]
    draft, canvas = _current(state)
    delta = {"draft": previous.get("draft") or {}, UNDO_KEY: history[:-1]}
    if previous.get("canvas_config") and previous["canvas_config"] != canvas:
        delta["canvas_config"] = previous["canvas_config"]
    undone = str(previous.get("instruction") or "the last edit")
    return AgentReply(
        tool_name=TOOL_NAME, tool_args={"instruction": "undo", "ops": [{"op": "Undo"}]}, state_delta=delta,
        text=Say(f'Done: undid "{undone}".', f"完成：已撤销“{undone}”。").render(chinese), charge=False,
    )
