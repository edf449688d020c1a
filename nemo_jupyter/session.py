"""The product rules of PROTOCOL.md over the client: edits, silent replies, recovery, 1002, export.

Every rule is written once, as a *plan*: a generator that yields what it needs done (`Call` a client
method, `Sleep`, `Stream` an instruction) and receives the answers. `Session` runs plans on the sync
`NemoClient`, `AsyncSession` awaits them on the `AsyncNemoClient`; neither holds a rule of its own.
Exceptions (including KeyboardInterrupt and task cancellation) are thrown back into the plan at the
step that raised, so a plan can clean up, e.g. cancel its render on the server.
"""

from __future__ import annotations

import asyncio
import html
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Generator, Optional

import pandas as pd

from . import protocol
from .client.errors import BackendError, ConnectionFailed, NemoError, RateLimited, SessionNotFound, StreamError
from .draft import Change, Draft, describe_changes
from .render_journal import DELIVERED, NOT_STARTED, RenderJournal
from .render_policy import PollTimings, Sample, next_poll
from .gui_speak import translate_gui
from .routing import CREDITS, EXPORT, STATUS, UPLOAD, clean_reply, route

INTERRUPTED_EDIT = ("Interrupted: the reply stream is closed, but the edit may still be applied on the "
                    "server; check with `%nemo status`.")
PREVIEW_DIR = "nemo_previews"  # under the notebook's folder, so that Jupyter can serve the <video>
INTERRUPTED_EXPORT = "Interrupted: the render was cancelled on the server."
MAX_INSTRUCTION_CHARS = 20_000  # longer is a pasted document, not an instruction the agent can follow
MAX_LISTED_RENDERS = 50  # `renders()` asks the server about the newest this many
RENDER_COLUMNS = ["render_id", "session_id", "status", "progress", "delivered", "started", "path", "error"]
Progress = Callable[[str, float], None]  # (stage "render" | "download" | "preview" | "frames", percent 0-100)


class SessionReplaced(NemoError):
    """1002: the session was gone, a new one was started (its clips and timeline are empty)."""


class BadInstruction(NemoError):
    """An empty instruction, or one too long to be one; nothing was sent."""


class NothingToExport(NemoError):
    """The draft has no track with segments."""


class RenderFailed(NemoError):
    """The render failed twice (or never finished), or once for a reason a retry cannot change."""


class FramesFailed(NemoError):
    """A frame could not be drawn: a time outside the draft, a bad count, unreadable media."""


class EditNotConfirmed(StreamError):
    """The stream dropped and polling the state never showed a change."""


@dataclass
class Settings:
    """Timings of the rules; the defaults are PROTOCOL.md's, tests make them short."""

    recovery_first_s: float = 30.0
    recovery_every_s: float = 60.0
    recovery_polls: int = 5
    render_poll_first_s: float = 1.0
    render_poll_max_s: float = 30.0
    render_poll_growth: float = 1.5  # while the server reports no progress
    render_poll_blind_max_s: float = 4.0  # longest gap between polls while there is no progress to go by
    render_timeout_s: float = 1800.0
    render_attempts: int = 2  # a failed render is retried once with a new id
    render_poll_retries: int = 3  # status polls in a row that may fail (network, 5xx): the render goes on

    def poll_timings(self) -> PollTimings:
        """The render poll policy's timings (`render_policy.py`), within these settings' bounds."""
        return PollTimings(first_s=self.render_poll_first_s, growth=self.render_poll_growth,
                           blind_max_s=min(self.render_poll_blind_max_s, self.render_poll_max_s),
                           max_s=self.render_poll_max_s)


# --- results ----------------------------------------------------------------------------------
@dataclass
class EditResult:
    """What one instruction did: the reply, the tool calls, the draft before and after, the changes."""

    text: str
    before: Draft
    after: Draft
    changes: list[Change]
    tool_calls: list[Any] = field(default_factory=list)
    silent: bool = False  # the agent said nothing: `text` is the description of the changes
    recovered: bool = False  # the stream dropped; the change was found by polling the state
    actions: tuple[str, ...] = ()  # what the agent's GUI-speak asked for (export / status / credits)
    raw_text: str = ""
    session_id: str | None = None

    @property
    def timeline(self) -> pd.DataFrame:
        return self.after.to_dataframe()

    @property
    def summary(self) -> str:
        return self.after.summary()

    def __str__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        from .views import final_markdown  # the one layout of a finished reply, also the live views' last frame

        return final_markdown(self)


@dataclass
class Render:
    """An exported video: the server's URL, the local file, and a player when displayed."""

    id: str
    url: str | None
    path: Path | None
    session_id: str | None = None

    def source(self) -> str:
        """Where a notebook's <video> finds the file: the local file if under the cwd, else the URL."""
        from .static_forms import notebook_relative

        return notebook_relative(self.path) or self.url or (self.path.as_posix() if self.path else "")

    def _repr_html_(self) -> str:
        label = html.escape(str(self.path or self.url or self.id))
        return (f'<video src="{html.escape(self.source())}" controls style="max-width: 640px"></video>'
                f"<div>Exported: {label}</div>")

    def player(self) -> Any:
        from IPython.display import HTML

        return HTML(self._repr_html_())

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.player())


# --- steps a plan asks for ----------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Stream:
    session_id: str
    text: str
    on_event: Optional[Callable[[Any], None]] = None


class Reply:
    """The text and tool calls of one stream, each text shown once (chunks, then the whole)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.chunks: list[str] = []
        self.tool_calls: list[Any] = []
        self.error: StreamError | None = None

    def add(self, event: Any) -> None:
        kind = getattr(event, "kind", None)
        if kind == "text_chunk":
            self.chunks.append(event.text)
        elif kind == "text":
            self.texts.append(event.text)
            self.chunks = []
        elif kind == "tool_call":
            self.tool_calls.append(event)

    @property
    def text(self) -> str:
        pending = "".join(self.chunks)
        return "\n\n".join(t for t in [*self.texts, pending] if t.strip())


@dataclass(frozen=True)
class Work:
    """Local blocking work (ffmpeg): run as is by `Session`, in a thread by `AsyncSession`."""

    function: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


Plan = Generator[Any, Any, Any]


def new_render_id() -> str:
    return f"render_{time.time_ns() // 1000}"


# --- the rules --------------------------------------------------------------------------------
class _Rules:
    """The plans both faces run; `_run(plan)` is the only thing a face adds, and `client_class`, the
    name of the client (in `nemo_jupyter.client`) that it builds from the environment if given none."""

    client_class: str

    def __init__(self, client: Any = None, session_id: str | None = None, settings: Settings | None = None,
                 **overrides: float) -> None:
        from . import client as clients

        face = getattr(clients, self.client_class)
        if client is None:
            client = face.from_env()
        elif isinstance(client, clients.base.BaseNemoClient) and not isinstance(client, face):
            raise TypeError(f"{type(self).__name__} works with {self.client_class}, not {type(client).__name__}.")
        self.client = client
        self.session_id = session_id
        self.task_id: str | None = None
        self.settings = replace(settings or Settings(), **overrides)
        self.journal = RenderJournal()  # the renders started from this machine (config dir)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.session_id or '(not started)'}>"

    @classmethod
    def resume(cls, session_id: str, client: Any = None, **options: Any) -> Any:
        """The session `session_id`, checked on the server (`SessionNotFound` if it is not this client's);
        on `AsyncSession`, await the result."""
        session = cls(client, session_id, **options)
        return session._run(session._resume_plan())

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Plan:
        return (yield from self._ask(Call(name, args, kwargs)))

    def _ask(self, step: Call | Stream) -> Plan:
        """One step on the server; 1002 starts a new session and says so."""
        try:
            return (yield step)
        except SessionNotFound as gone:
            old = self.session_id
            yield from self._new_session()
            raise SessionReplaced(
                f"Session {old} no longer exists on the server, so a new session {self.session_id} was "
                "started: upload your clips again, then repeat the instruction.", gone.code, gone.status) from None

    def _new_session(self) -> Plan:
        data = yield Call("create_session")
        self.session_id, self.task_id = str(data["session_id"]), data.get("task_id")
        return self.session_id

    def _ensure_session(self) -> Plan:
        if not self.session_id:
            yield from self._new_session()
        return self.session_id

    def _state_plan(self) -> Plan:
        yield from self._ensure_session()
        data = yield from self._call("state", self.session_id)
        data = data if isinstance(data, dict) else {}
        self.task_id = self.task_id or data.get("task_id")
        inner = data.get("state")
        return inner if isinstance(inner, dict) else {}

    def _draft_plan(self) -> Plan:
        return Draft.from_state((yield from self._state_plan()))

    def _edit_plan(self, text: str, on_event: Callable[[Any], None] | None) -> Plan:
        _check_instruction(text)
        before = yield from self._draft_plan()
        reply = yield from self._ask(Stream(self.session_id, text, on_event))
        recovered = reply.error is not None
        # An error frame from the agent (the client marks it `dropped=False`) is a definite failure:
        # nothing to wait for. A broken connection may still be applied: poll, never re-send.
        if recovered and not getattr(reply.error, "dropped", True):
            raise reply.error
        after = (yield from self._recover_plan(before, reply)) if recovered else (yield from self._draft_plan())
        changes = before.diff(after)
        said = clean_reply(reply.text).strip()
        translation = translate_gui(said)
        shown = translation.text if said and not recovered else describe_changes(changes)
        if recovered:
            heard = f"{translation.text}…\n\n" if said else ""
            shown = (f"{heard}The connection dropped; checking the timeline found these changes:\n{shown}")
        return EditResult(text=shown, before=before, after=after, changes=changes, tool_calls=reply.tool_calls,
                          silent=not said, recovered=recovered, actions=translation.actions, raw_text=reply.text,
                          session_id=self.session_id)

    def _send_plan(self, text: str, on_event: Callable[[Any], None] | None) -> Plan:
        """The router first: export / credits / status / upload words never reach the agent."""
        found = route(text)
        if found.intent == EXPORT:
            return (yield from self._export_plan(None, "high", None))
        if found.intent == CREDITS:
            return (yield Call("credits"))
        if found.intent == STATUS:
            return (yield from self._draft_plan())
        if found.intent == UPLOAD:
            if not found.targets:
                raise NemoError("Name the files or URLs to upload, e.g. `upload clip.mp4`.")
            return (yield from self._upload_plan(found.targets, None))
        return (yield from self._edit_plan(text, on_event))

    def _recover_plan(self, before: Draft, reply: Reply) -> Plan:
        """A dropped stream: never re-send; poll the state until the draft changes, or give up."""
        settings = self.settings
        delay = settings.recovery_first_s
        for _ in range(settings.recovery_polls):
            yield Sleep(delay)
            after = yield from self._draft_plan()
            if after != before:
                return after
            delay = settings.recovery_every_s
        raise EditNotConfirmed(
            f"The reply stream broke off ({reply.error}) and the timeline had not changed after "
            f"{settings.recovery_polls} checks. The instruction was not sent again (it would be charged twice): "
            "check later with `%nemo status`.", partial_text=reply.text)

    def _upload_plan(self, items: tuple, progress: Callable[[int, int], None] | None) -> Plan:
        if not items:  # else nothing would be sent and nothing said
            raise ValueError("upload() needs at least one file path or URL.")
        yield from self._ensure_session()
        urls = [str(item) for item in items if str(item).lower().startswith(("http://", "https://"))]
        paths = [item for item in items if str(item) not in urls]
        files: list = []
        answer: dict = {}
        if paths:
            answer = (yield from self._call("upload", self.session_id, *paths, progress=progress)) or {}
            files += answer.get("files") or []
        if urls:
            answer = (yield from self._call("upload_urls", self.session_id, urls)) or {}
            files += answer.get("files") or []
        return {**answer, "files": files}

    def _resume_plan(self) -> Plan:
        """Read a session named by the user; one that is not theirs (or a typo) is not replaced by a new one."""
        try:
            data = yield Call("state", (self.session_id,))
        except SessionNotFound as missing:
            raise SessionNotFound(f"Session {self.session_id} was not found for this client: check the id "
                                  "(nothing was changed).", missing.code, missing.status) from None
        self.task_id = data.get("task_id") if isinstance(data, dict) else None
        return self

    def _link_plan(self) -> Plan:
        if not self.task_id:
            yield from self._state_plan()
        return (yield Call("claim_link", (self.task_id, self.session_id)))

    def _export_plan(self, path: str | os.PathLike | None, quality: str, progress: Progress | None) -> Plan:
        draft = yield from self._draft_plan()
        if not draft.has_segments:
            raise NothingToExport("The timeline is empty, so there is nothing to export: upload a clip and "
                                  "add it to the timeline first.")
        _export_path(path, "")  # a folder that cannot be made fails now, not after the render
        job = target = None
        for attempt in range(1, self.settings.render_attempts + 1):
            render_id = new_render_id()
            target = _export_path(path, render_id)
            self.journal.record(render_id, session_id=self.session_id, api_url=self.client.api_url, draft=draft.raw,
                                path=target, quality=quality)  # before asking: a kill right after loses nothing
            try:
                job = yield from self._call("render", self.session_id, draft.raw, quality=quality,
                                            render_id=render_id)
            except NemoError:
                self.journal.update(render_id, status=NOT_STARTED)
                raise
            except (KeyboardInterrupt, asyncio.CancelledError):  # the server may have started it already
                try:
                    yield Call("render_cancel", (render_id,))
                except NemoError:
                    pass  # it never started: nothing to cancel
                self.journal.update(render_id, status=protocol.RENDER_CANCELLED)
                raise
            if job.id and job.id != render_id:  # a server that names renders itself
                self.journal.rename(render_id, job.id)
            job = yield from self._watch_render_plan(job, progress, cancel_on_interrupt=True)
            if job.ok or job.permanent:
                break
        if job is None or not job.ok:
            raise _render_failure(job, self.settings.render_attempts)
        return (yield from self._deliver_plan(job, target, progress))

    def _watch_render_plan(self, job: Any, progress: Progress | None, cancel_on_interrupt: bool,
                           started_ago: float | None = None) -> Plan:
        """Poll until the render ends; its end goes in the journal. Ctrl-C cancels it on the server when
        `cancel_on_interrupt` (an export), else leaves it running (`attach` only stopped watching)."""
        try:
            job = yield from self._poll_render_plan(job, progress, started_ago)
        except (KeyboardInterrupt, asyncio.CancelledError):
            if cancel_on_interrupt:
                yield Call("render_cancel", (job.id,))
                self.journal.update(job.id, status=protocol.RENDER_CANCELLED)
            raise
        self.journal.update(job.id, status=job.status, error=job.error)
        return job

    def _deliver_plan(self, job: Any, target: Path, progress: Progress | None) -> Plan:
        report = None if progress is None else (lambda done, total: progress("download", 100.0 * done / (total or 1)))
        saved = yield from self._call("download", job, target, progress=report)
        self.journal.update(job.id, status=DELIVERED)
        return Render(id=job.id, url=job.url, path=Path(saved), session_id=self.session_id)

    def _poll_render_plan(self, job: Any, progress: Progress | None, started_ago: float | None = None) -> Plan:
        """Status polls placed by `render_policy.next_poll` (around the finish the progress predicts),
        through up to `render_poll_retries` failed polls in a row, a `Retry-After` being a floor."""
        settings, timings = self.settings, self.settings.poll_timings()
        start = time.monotonic()
        samples = [Sample(-started_ago, 0.0)] if started_ago else []
        samples.append(Sample(0.0, float(job.progress)))
        failures, retry_after, blind, waited = 0, None, None, 0.0
        while not job.done:
            now = time.monotonic() - start
            if waited >= settings.render_timeout_s:  # the time slept (as before), not slow answers
                yield Call("render_cancel", (job.id,))
                raise RenderFailed(f"The render {job.id} did not finish in {settings.render_timeout_s:g} s, so it was "
                                   "cancelled: try again later (or allow it longer with render_timeout_s).")
            delay, blind = next_poll(samples, now, timings, retry_after, blind)
            yield Sleep(delay)
            waited += delay
            try:
                job = yield from self._call("render_status", job.id)
            except (ConnectionFailed, BackendError, RateLimited) as failed:  # one poll failed; the render goes on
                failures += 1
                if failures > settings.render_poll_retries:
                    raise
                retry_after = getattr(failed, "retry_after", None)
                continue
            failures, retry_after = 0, None
            samples.append(Sample(time.monotonic() - start, float(job.progress)))
            if progress is not None:
                progress("render", float(job.progress))
        return job

    def _attach_plan(self, render_id: str | None, path: str | os.PathLike | None, progress: Progress | None) -> Plan:
        """A render asked for earlier (by id, else the newest of this session): poll it while it runs,
        download it once done; never render again."""
        entry = (self.journal.find(render_id) if render_id
                 else self.journal.newest(self.client.api_url, self.session_id))
        if entry is None and not render_id:
            raise NothingToExport("No render started from this machine to resume on this API: export with "
                                  "`%nemo export` (see `%nemo renders`).")
        entry = entry or {"id": render_id}
        job = yield from self._render_status_plan(entry["id"])
        started = entry.get("started")
        job = yield from self._watch_render_plan(job, progress, cancel_on_interrupt=False,
                                                 started_ago=time.time() - started if started else None)
        if not job.ok:
            raise _render_failure(job, attempts=1)
        target = _export_path(path if path is not None else entry.get("path"), job.id)
        render = yield from self._deliver_plan(job, target, progress)
        return replace(render, session_id=entry.get("session_id") or self.session_id)

    def _render_status_plan(self, render_id: str) -> Plan:
        try:
            return (yield Call("render_status", (render_id,)))
        except NemoError as error:
            if error.status != 404:
                raise
            raise NemoError(f"The server does not know the render {render_id} (for this client): check the id "
                            "with `%nemo renders`.", error.code, error.status) from None

    def _renders_plan(self) -> Plan:
        """The journal's renders on this API, newest first, each with its status asked of the server now."""
        rows = []
        for entry in reversed(self.journal.entries(self.client.api_url)[-MAX_LISTED_RENDERS:]):
            try:
                job = yield Call("render_status", (entry["id"],))
                status, progress, error = job.status, job.progress, job.error
            except NemoError as failed:  # an old render the server forgot, or a network error: say which
                status, progress, error = ("unknown" if failed.status != 404 else "not found"), None, str(failed)
            rows.append({"render_id": entry["id"], "session_id": entry.get("session_id"), "status": status,
                         "progress": progress, "delivered": entry.get("status") == DELIVERED,
                         "started": pd.Timestamp(entry["started"], unit="s", tz="UTC"), "path": entry.get("path"),
                         "error": error})
        return pd.DataFrame(rows, columns=RENDER_COLUMNS)

    def _preview_plan(self, path: str | os.PathLike | None, progress: Progress | None) -> Plan:
        """A quick local render of the timeline (the `draft` preset), without the server's render queue."""
        state = yield from self._state_plan()
        draft = Draft.from_state(state)
        if not draft.has_segments:
            raise NothingToExport("The timeline is empty, so there is nothing to preview: upload a clip first.")
        try:
            from .local.media.preview import preview_draft
        except ImportError:
            raise NemoError("Preview needs the local media tools (nemo_jupyter.local.media.preview).") from None
        target = _export_path(path if path is not None else Path.cwd() / PREVIEW_DIR, f"preview_{self.session_id}")
        report = None if progress is None else (lambda percent: progress("preview", percent))
        saved = yield Work(preview_draft, (draft.raw, state.get("video_infos") or [], state.get("canvas_config"),
                                           target), {"progress": report})
        return Render(id=f"preview_{self.session_id}", url=None, path=Path(saved), session_id=self.session_id)

    def _frames_plan(self, drawing: str, **request: Any) -> Plan:
        """A frame (`draft_frame`) or contact sheet (`draft_frames`) of the timeline, drawn here by the
        local media tools from the renderer's graph, whatever backend holds the draft (media fetched once)."""
        state = yield from self._state_plan()
        draft = Draft.from_state(state)
        if not draft.has_segments:
            raise NothingToExport("The timeline is empty, so there is no frame to show: upload a clip first.")
        from .local.media import MediaError, frames

        try:
            return (yield Work(getattr(frames, drawing), (draft.raw, state.get("video_infos") or [],
                                                          state.get("canvas_config")), request))
        except MediaError as failed:
            raise FramesFailed(str(failed)) from None

    def _analysis_plan(self, scenes: bool) -> Plan:
        from .findings import findings_dataframe, media_names, scenes_dataframe

        state = yield from self._state_plan()
        analyses, names = state.get("video_analyses"), media_names(state.get("video_infos"))
        return scenes_dataframe(analyses, names=names) if scenes else findings_dataframe(analyses, names)


def _render_failure(job: Any, attempts: int) -> RenderFailed:
    """The one line for a render that did not complete: a permanent failure names the server's reason
    and says that trying again will not help; another says how often it was tried."""
    if job is None:
        return RenderFailed("The render was not started: try again later.")
    reason = job.error or job.status
    if job.permanent:
        return RenderFailed(f"The render {job.id} failed and would fail again as it is, so it was not retried: "
                            f"{reason}. Fix that (e.g. replace the file), then export again.")
    if job.status == protocol.RENDER_CANCELLED:
        return RenderFailed(f"The render {job.id} was cancelled on the server: export again to render anew.")
    tries = f"{attempts} times" if attempts > 1 else "on the server"
    return RenderFailed(f"The render failed {tries} ({reason}): try again later.")


def _stage(progress: Progress | None, stage: str) -> Callable[[float], None] | None:
    """`progress` as a percent-only callback for one stage of work."""
    return None if progress is None else (lambda percent: progress(stage, percent))


def _check_instruction(text: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise BadInstruction("The instruction is empty: say what to change, e.g. \"trim the first 2 seconds\".")
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise BadInstruction(f"The instruction is {len(text):,} characters long, over the {MAX_INSTRUCTION_CHARS:,} "
                             "an instruction may have: shorten it, or split it into several.")


def _export_path(path: str | os.PathLike | None, render_id: str) -> Path:
    """`path` as given, `<dir>/<render_id>.mp4` for a directory, `./<render_id>.mp4` by default; its
    folder is made here, so that a path that cannot be written fails before anything renders."""
    name = f"{render_id}.mp4"
    if path is None:
        return Path.cwd() / name
    target = Path(path).expanduser()
    folder = target if target.is_dir() or not target.suffix else target.parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name if folder == target else target


# --- the two faces ------------------------------------------------------------------------------
def _step(plan: Plan, value: Any, error: BaseException | None) -> tuple[bool, Any]:
    """Advance a plan: (True, result) when it is finished, else (False, the next step)."""
    try:
        return False, (plan.throw(error) if error is not None else plan.send(value))
    except StopIteration as stop:
        return True, stop.value


class Session(_Rules):
    """A NemoVideo editing session on the sync client. `Session()` reads the client from the environment."""

    client_class = "NemoClient"

    def _run(self, plan: Plan) -> Any:
        value, error = None, None
        while True:
            finished, step = _step(plan, value, error)
            if finished:
                return step
            try:
                value, error = self._execute(step), None
            except (Exception, KeyboardInterrupt) as raised:
                value, error = None, raised

    def _execute(self, step: Any) -> Any:
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            return None
        if isinstance(step, Work):
            return step.function(*step.args, **step.kwargs)
        if isinstance(step, Stream):
            reply = Reply()
            events = self.client.stream(step.session_id, step.text)
            try:
                for event in events:
                    reply.add(event)
                    if step.on_event is not None:
                        step.on_event(event)
            except StreamError as broken:
                reply.error = broken
            finally:
                getattr(events, "close", lambda: None)()
            return reply
        return getattr(self.client, step.name)(*step.args, **step.kwargs)

    def start(self) -> str:
        return self._run(self._ensure_session())

    def edit(self, text: str, on_event: Callable[[Any], None] | None = None) -> EditResult:
        return self._run(self._edit_plan(text, on_event))

    def send(self, text: str, on_event: Callable[[Any], None] | None = None) -> Any:
        """Route `text`: a Render, the credits, the Draft, the upload answer, or an EditResult."""
        return self._run(self._send_plan(text, on_event))

    def upload(self, *paths_or_urls: str | os.PathLike, progress: Callable[[int, int], None] | None = None) -> dict:
        return self._run(self._upload_plan(paths_or_urls, progress))

    def state(self) -> dict:
        return self._run(self._state_plan())

    @property
    def draft(self) -> Draft:
        return self._run(self._draft_plan())

    @property
    def timeline(self) -> pd.DataFrame:
        return self.draft.to_dataframe()

    def credits(self) -> dict:
        return self.client.credits()

    def export(self, path: str | os.PathLike | None = None, quality: str = "high",
               progress: Progress | None = None) -> Render:
        return self._run(self._export_plan(path, quality, progress))

    def attach(self, render_id: str | None = None, path: str | os.PathLike | None = None,
               progress: Progress | None = None) -> Render:
        """A render asked for earlier (even by a kernel since gone): poll it, download it; no new render.
        Without an id: the newest of this session (else the newest on this API not yet downloaded)."""
        return self._run(self._attach_plan(render_id, path, progress))

    def renders(self) -> pd.DataFrame:
        """The renders started from this machine on this API, newest first, with their status now."""
        return self._run(self._renders_plan())

    def preview(self, path: str | os.PathLike | None = None, progress: Progress | None = None) -> Render:
        return self._run(self._preview_plan(path, progress))

    def frame(self, t: float, width: int = 640) -> Any:
        """The composited timeline at `t` seconds as a PIL image, `width` px wide (no video rendered)."""
        return self._run(self._frames_plan("draft_frame", t_s=t, width=width))

    def frames(self, n: int | None = None, every: float | None = None, times: Any = None, width: int = 320,
               progress: Progress | None = None) -> Any:
        """A contact sheet (PIL image): `n` frames spread evenly (12 by default), one `every` seconds, or at `times`."""
        return self._run(self._frames_plan("draft_frames", n=n, every=every, times=times, width=width,
                                           progress=_stage(progress, "frames")))

    @property
    def analysis(self) -> pd.DataFrame:
        """The findings of the video analyses (cuts, freezes, black, silence, loudness)."""
        return self._run(self._analysis_plan(scenes=False))

    @property
    def scenes(self) -> pd.DataFrame:
        return self._run(self._analysis_plan(scenes=True))

    def link(self) -> str:
        return self._run(self._link_plan())


class AsyncSession(_Rules):
    """The same session for `await`; build it on an `AsyncNemoClient`."""

    client_class = "AsyncNemoClient"

    async def _run(self, plan: Plan) -> Any:
        value, error = None, None
        while True:
            finished, step = _step(plan, value, error)
            if finished:
                return step
            try:
                value, error = await self._execute(step), None
            except (Exception, asyncio.CancelledError) as raised:
                value, error = None, raised

    async def _execute(self, step: Any) -> Any:
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            return None
        if isinstance(step, Work):
            return await asyncio.to_thread(step.function, *step.args, **step.kwargs)
        if isinstance(step, Stream):
            reply = Reply()
            events = self.client.stream(step.session_id, step.text)
            try:
                async for event in events:
                    reply.add(event)
                    if step.on_event is not None:
                        step.on_event(event)
            except StreamError as broken:
                reply.error = broken
            finally:
                close = getattr(events, "aclose", None)
                if close is not None:
                    await close()
            return reply
        return await getattr(self.client, step.name)(*step.args, **step.kwargs)

    async def start(self) -> str:
        return await self._run(self._ensure_session())

    async def edit(self, text: str, on_event: Callable[[Any], None] | None = None) -> EditResult:
        return await self._run(self._edit_plan(text, on_event))

    async def send(self, text: str, on_event: Callable[[Any], None] | None = None) -> Any:
        return await self._run(self._send_plan(text, on_event))

    async def upload(self, *paths_or_urls: str | os.PathLike,
                     progress: Callable[[int, int], None] | None = None) -> dict:
        return await self._run(self._upload_plan(paths_or_urls, progress))

    async def state(self) -> dict:
        return await self._run(self._state_plan())

    async def draft(self) -> Draft:
        return await self._run(self._draft_plan())

    async def timeline(self) -> pd.DataFrame:
        return (await self.draft()).to_dataframe()

    async def credits(self) -> dict:
        return await self.client.credits()

    async def export(self, path: str | os.PathLike | None = None, quality: str = "high",
                     progress: Progress | None = None) -> Render:
        return await self._run(self._export_plan(path, quality, progress))

    async def attach(self, render_id: str | None = None, path: str | os.PathLike | None = None,
                     progress: Progress | None = None) -> Render:
        return await self._run(self._attach_plan(render_id, path, progress))

    async def renders(self) -> pd.DataFrame:
        return await self._run(self._renders_plan())

    async def preview(self, path: str | os.PathLike | None = None, progress: Progress | None = None) -> Render:
        return await self._run(self._preview_plan(path, progress))

    async def frame(self, t: float, width: int = 640) -> Any:
        return await self._run(self._frames_plan("draft_frame", t_s=t, width=width))

    async def frames(self, n: int | None = None, every: float | None = None, times: Any = None,
                     width: int = 320, progress: Progress | None = None) -> Any:
        return await self._run(self._frames_plan("draft_frames", n=n, every=every, times=times, width=width,
                                                 progress=_stage(progress, "frames")))

    async def analysis(self) -> pd.DataFrame:
        return await self._run(self._analysis_plan(scenes=False))

    async def scenes(self) -> pd.DataFrame:
        return await self._run(self._analysis_plan(scenes=True))

    async def link(self) -> str:
        return await self._run(self._link_plan())
