"""The local edit agent: instruction text -> draft edits, answered like the cloud agent.

`respond(state, text) -> AgentReply` (in `reply.py`) is all the server needs. Inside:
`grammar.py` parses text into `commands.py` objects (pure), `apply.py` resolves them against the
state and calls `ops.py` (pure draft -> draft functions; layers, transitions and music settings in
`layer_ops.py`, their handlers in `layer_edits.py`), `speech.py` words the replies, and
`findings.py` reads the clip analysis for "split at scene cuts" and friends.
"""

from __future__ import annotations

from .grammar import GRAMMAR, parse
from .reply import AgentReply, respond

__all__ = ["GRAMMAR", "AgentReply", "parse", "respond"]
