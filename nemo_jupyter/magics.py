"""`%nemo` / `%%nemo`: the notebook face of a Session.

Network I/O runs on a background asyncio loop (`background.BackgroundLoop`); every display call
is made from the cell's own thread, which drains a queue of events between waits. Errors a user
causes are one line (`NemoCellError._render_traceback_`) and still fail the cell.
"""

from __future__ import annotations

import argparse
import queue
import re
import shlex
import tempfile
import time
from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.display import Markdown, display
from traitlets import Bool, Enum, Float, Int, Unicode
from traitlets.config import Configurable

from . import routing
from .background import BackgroundLoop
from .client.errors import NemoError
from .session import INTERRUPTED_EDIT, INTERRUPTED_EXPORT, AsyncSession, Settings
from .views import MarkdownStreamView, ProgressBar, StreamViewProtocol, TextStreamView, default_view, in_notebook

STOPPED = "Stopped (see the error line)."
FRAMES_BAR_AFTER_S = 1.0  # `%nemo frames` shows a progress line only for work that takes longer
INTERRUPTED_RESUME = "Stopped waiting: the render goes on on the server; `%nemo export --resume` picks it up again."
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

HELP = """\
%nemo connect [--local | --url URL]   connect (--local: the local backend, started or reused in the background)
%nemo upload PATH|URL ...             upload clips, images or music to the session
%nemo upload                          (notebook) a drop zone to upload files from the browser
%nemo status                          the timeline summary and its DataFrame
%nemo timeline                        the visual timeline (in a notebook) and its DataFrame (t = … keeps both)
%nemo credits                         available / frozen / total credits
%nemo export [--out FILE] [--quality Q]  render, download and play the video
%nemo export --resume [ID]            finish a render started earlier (even by a kernel since gone)
%nemo renders                         the renders started from this machine, with their status now
%nemo preview                         a quick local preview of the timeline
%nemo frames [N | T1 T2 …] [--every S]  a contact sheet of the timeline (12 frames, N, or at T1 T2 … s)
%nemo link                            a browser link to this session (no token in it)
%nemo session [new|ID]                show, start or resume a session
%nemo analysis                        the video analysis findings as a DataFrame
%nemo logout                          forget the cached token
%nemo help                            this text
%%nemo [-o VAR]                       the cell is an instruction to the agent; {{name}} inserts a variable"""


class NemoCellError(Exception):
    """An error the user can fix: shown as one line, and the cell still fails."""

    def _render_traceback_(self) -> list[str]:
        return [f"NemoVideo: {self}"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit the kernel
        raise UsageError(f"{message}. See `%nemo help`.")

    def parse_line(self, line: str) -> argparse.Namespace:
        """The magic's line split as a shell would (quotes keep spaces) and parsed; an unclosed quote
        is a usage error, like any other mistake on the line."""
        try:
            words = shlex.split(line)
        except ValueError as error:  # shlex: "No closing quotation", "No escaped character"
            self.error(f"{error} in {self.prog} {line.strip()}")
        return self.parse_args(words)


def _line_parser() -> _Parser:
    parser = _Parser(prog="%nemo", add_help=False)
    commands = parser.add_subparsers(dest="command")
    connect = commands.add_parser("connect", add_help=False)
    where = connect.add_mutually_exclusive_group()
    where.add_argument("--local", action="store_true")
    where.add_argument("--url")
    commands.add_parser("upload", add_help=False).add_argument("targets", nargs="*")
    export = commands.add_parser("export", add_help=False)
    export.add_argument("--out")
    export.add_argument("--quality", default="high")
    export.add_argument("--resume", nargs="?", const="", default=None, metavar="ID")
    commands.add_parser("renders", add_help=False)
    commands.add_parser("session", add_help=False).add_argument("which", nargs="?")
    frames = commands.add_parser("frames", add_help=False)
    frames.add_argument("values", nargs="*")
    frames.add_argument("--every", type=float)
    for name in ("status", "timeline", "credits", "preview", "link", "logout", "analysis", "help"):
        commands.add_parser(name, add_help=False)
    return parser


def _cell_parser() -> _Parser:
    parser = _Parser(prog="%%nemo", add_help=False)
    parser.add_argument("-o", "--out", dest="variable")
    return parser


def frames_request(values: list[str], every: float | None) -> dict:
    """`%nemo frames` words as `frames()` keywords: none → 12 frames, one whole number → that many,
    else times in seconds."""
    if every is not None:
        if values:
            raise NemoCellError("Give either --every or a count / times, e.g. `%nemo frames --every 2`.")
        return {"every": every}
    if len(values) == 1 and re.fullmatch(r"[+-]?\d+", values[0]):
        return {"n": int(values[0])}
    try:
        return {"times": [float(value) for value in values]} if values else {}
    except ValueError:
        raise NemoCellError(f"`%nemo frames` takes a count (12) or times in seconds (1.5 3 7.25), not "
                            f"{' '.join(values)!r}.") from None


def expand_placeholders(text: str, namespace: dict) -> str:
    """Replace each `{{name}}` with the value of `name` in the notebook; nothing else is expanded."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in namespace:
            raise NemoCellError(f"{{{{{name}}}}} in the instruction, but no variable named {name!r} is defined.")
        return str(namespace[name])

    return _PLACEHOLDER.sub(value, text)


@magics_class
class NemoMagics(Magics, Configurable):
    """`%nemo` and `%%nemo`; settings through `%config NemoMagics.<name> = …`."""

    api_url = Unicode(None, allow_none=True, config=True, help="API base URL (default: NEMO_API_URL or the cloud)")
    backend = Enum(["cloud", "local"], "cloud", config=True, help="`%nemo connect` without options uses this")
    language = Unicode("en", config=True, help="the agent's language for new sessions")
    streaming = Bool(True, config=True, help="ask the agent for partial text chunks")
    view = Enum(["auto", "widget", "markdown", "text"], "auto", config=True,
                help="how streaming replies are shown (auto: the widget in a notebook, text elsewhere)")
    retry_wait = Float(30.0, config=True, help="seconds to wait before the one retry after HTTP 429")
    recovery_first_s = Float(30.0, config=True, help="after a dropped stream, first state poll (s)")
    recovery_every_s = Float(60.0, config=True, help="then one poll every … seconds")
    recovery_polls = Int(5, config=True, help="unchanged polls before giving up")
    render_poll_first_s = Float(1.0, config=True, help="first render status poll (s)")
    render_poll_max_s = Float(30.0, config=True, help="longest wait between render polls (s)")
    render_timeout_s = Float(1800.0, config=True, help="give up (and cancel) a render after … seconds")
    timeout = Float(60.0, config=True, help="seconds to wait for an ordinary API answer")
    read_timeout = Float(600.0, config=True, help="seconds without any byte before a reply stream times out")
    heartbeat_timeout = Float(600.0, config=True, help="seconds of heartbeats only before a reply stream times out")
    export_dir = Unicode("", config=True, help="where exports go when --out is not given (default: cwd)")

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        Configurable.__init__(self, config=shell.config if shell is not None else None)
        Magics.__init__(self, shell=shell, **kwargs)
        if shell is not None:
            shell.configurables.append(self)
        self._loop: BackgroundLoop | None = None
        self.client: Any = None
        self.session: AsyncSession | None = None
        self.local: Any = None  # a LocalBackend started by `%nemo connect --local`
        self._line = _line_parser()
        self._cell = _cell_parser()

    # --- plumbing ---------------------------------------------------------------------------
    @property
    def loop(self) -> BackgroundLoop:
        if self._loop is None:
            self._loop = BackgroundLoop()
        return self._loop

    def _settings(self) -> Settings:
        return Settings(recovery_first_s=self.recovery_first_s, recovery_every_s=self.recovery_every_s,
                        recovery_polls=self.recovery_polls, render_poll_first_s=self.render_poll_first_s,
                        render_poll_max_s=self.render_poll_max_s, render_timeout_s=self.render_timeout_s)

    def _wait(self, coro: Any, inbox: queue.SimpleQueue | None = None,
              handlers: dict[str, Callable[..., None]] | None = None) -> Any:
        """Run `coro` in the background; meanwhile hand queued items to their handlers on this thread."""
        def drain() -> None:
            while inbox is not None:
                try:
                    kind, *payload = inbox.get_nowait()
                except queue.Empty:
                    break
                handlers[kind](*payload)
            tick = (handlers or {}).get("tick")
            if tick is not None:
                tick()

        try:
            return self.loop.run(coro, while_waiting=drain)
        except (NemoError, OSError, ValueError) as error:  # OSError: a missing, unreadable or unnamable file
            raise NemoCellError(str(error)) from None

    def _wait_with_bars(self, coro: Any, bars: list[ProgressBar], inbox: queue.SimpleQueue,
                        handlers: dict[str, Callable[..., None]]) -> Any:
        """`_wait`, ending the progress lines shown so far when it fails (the error gets its own line)."""
        try:
            return self._wait(coro, inbox, handlers)
        except BaseException:
            for bar in bars:
                bar.fail()
            raise

    def _require_session(self) -> AsyncSession:
        if self.session is None:
            raise NemoCellError("Not connected yet: run `%nemo connect --local` (or `%nemo connect`) first.")
        return self.session

    def _notebook(self) -> bool:
        return in_notebook(self.shell)

    def _widgets(self) -> Any:
        from . import widgets

        return widgets

    def _blocking(self, session: AsyncSession) -> Any:
        """The session as the widgets call it: synchronously, waiting on the background loop."""
        return self._widgets().BlockingSession(session, self._wait)

    def _stream_view(self) -> StreamViewProtocol:
        if self.view == "widget" or (self.view == "auto" and self._notebook()):
            return self._widgets().StreamView()
        if self.view == "markdown":
            return MarkdownStreamView()
        if self.view == "text":
            return TextStreamView()
        return default_view(self.shell)

    # --- %nemo ----------------------------------------------------------------------------------
    @line_magic("nemo")
    def nemo_line(self, line: str) -> Any:
        """`%nemo <command>`; `$x` / `{x}` expand here as in any line magic (handy for paths)."""
        args = self._line.parse_line(line)
        command = args.command or "help"
        return getattr(self, f"_cmd_{command}")(args)

    @no_var_expand
    @cell_magic("nemo")
    def nemo_cell(self, line: str, cell: str) -> Any:
        """`%%nemo [-o VAR]`: the cell, sent as written; only `{{name}}` is filled in from the notebook."""
        return self._instruction(line, cell)

    def _cmd_help(self, args: Any) -> None:
        print(HELP)

    def _cmd_connect(self, args: Any) -> None:
        url = args.url or self.api_url
        local = args.local or (not url and self.backend == "local")
        client = None if local else self._wait(self._make_client(url))  # a bad URL fails before anything closes
        self.close()
        where = "NemoVideo"
        if local:
            url, where = self._local_backend()
            client = self._wait(self._make_client(url))
        self.client = client
        self.session = AsyncSession(self.client, settings=self._settings())
        session_id = self._wait(self.session.start())
        print(f"Connected to {where} at {self.client.api_url}; session {session_id}.")

    def _local_backend(self) -> tuple[str, str]:
        """(URL, how to name it) of the local backend: the one in the background on the persistent data
        dir (started, or found through its discovery file), or with NEMO_LOCAL_INPROCESS=1 (tests, CI) one
        inside this kernel, its data in a temporary folder."""
        from .local import discovery

        if discovery.inprocess_wanted():
            from .local import LocalBackend

            self.local = LocalBackend(data_dir=tempfile.mkdtemp(prefix="nemo-local-")).start()
            return self.local.url, "the local backend (in this kernel)"
        try:
            info, started = discovery.ensure()
        except (discovery.DiscoveryError, OSError) as error:
            raise NemoCellError(f"The local backend could not start: {error}") from None
        since = time.strftime("%H:%M", time.localtime(info.started))
        if started:
            return info.url, (f"the local backend (started in the background, data in {info.data_dir}; it "
                              "outlives the kernel, `nemo-jupyter serve --stop` stops it)")
        return info.url, (f"the local backend (running since {since}, data in {info.data_dir}: earlier sessions "
                          "are kept, `%nemo session ID` resumes one, `%nemo renders` lists their renders)")

    async def _make_client(self, url: str | None) -> Any:
        from .client import AsyncNemoClient

        return AsyncNemoClient(api_url=url, language=self.language, streaming=self.streaming,
                               retry_wait=self.retry_wait, timeout=self.timeout, read_timeout=self.read_timeout,
                               heartbeat_timeout=self.heartbeat_timeout)

    def _cmd_upload(self, args: Any) -> dict:
        session = self._require_session()
        if not args.targets:
            if not self._notebook():
                raise NemoCellError("Name the files or URLs to upload, e.g. `%nemo upload clip.mp4`.")
            display(self._widgets().UploadWidget(self._blocking(session)))
            return None
        bar = ProgressBar("Uploading", self._notebook())
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        progress = lambda sent, total: inbox.put(("progress", 100.0 * sent / (total or 1)))  # noqa: E731
        answer = self._wait_with_bars(session.upload(*args.targets, progress=progress), [bar], inbox,
                                      {"progress": bar.update})
        files = answer.get("files") or []
        bar.update(100.0)
        bar.close(f"{len(files)} file(s): " + ", ".join(str(f.get("filename", "?")) for f in files))
        return None

    def _cmd_status(self, args: Any) -> Any:
        draft = self._wait(self._require_session().draft())
        display(Markdown(f"`{draft.summary()}`"))
        return draft.to_dataframe()

    def _cmd_timeline(self, args: Any) -> Any:
        if not self._notebook():
            return self._wait(self._require_session().timeline())
        widgets = self._widgets()  # t = %nemo timeline: t.widget, t.selected, t.dataframe; shown when last
        return widgets.TimelineView(widgets.TimelineWidget(self._blocking(self._require_session())))

    def _cmd_credits(self, args: Any) -> None:
        credits = self._wait(self._require_session().credits())
        print(f"Credits: {credits.get('available', '?')} available, {credits.get('frozen', 0)} reserved by running "
              f"work, {credits.get('total', '?')} in total.")

    def _cmd_export(self, args: Any) -> Any:
        session = self._require_session()
        bars = {stage: ProgressBar(label, self._notebook()) for stage, label in
                (("render", "Rendering"), ("download", "Downloading"))}
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        progress = lambda stage, percent: inbox.put(("progress", stage, percent))  # noqa: E731
        out = args.out or (self.export_dir or None)
        resume = args.resume  # "" : the newest render of this session; None: a new render
        work = (session.export(out, quality=args.quality, progress=progress) if resume is None
                else session.attach(resume or None, args.out, progress=progress))
        try:
            render = self._wait_with_bars(work, list(bars.values()), inbox,
                                          {"progress": lambda stage, percent: bars[stage].update(percent)})
        except KeyboardInterrupt:
            print(INTERRUPTED_EXPORT if resume is None else INTERRUPTED_RESUME)
            raise
        bars["render"].update(100.0)
        bars["render"].close()  # a saved notebook shows each bar in its final state
        bars["download"].update(100.0)
        bars["download"].close(f"saved to {render.path}")
        if self._notebook() and render.session_id == session.session_id:  # a resumed render may be another's
            widgets = self._widgets()
            return widgets.ExportView(render, widgets.TimelineWidget(self._blocking(session)))
        return render

    def _cmd_renders(self, args: Any) -> Any:
        renders = self._wait(self._require_session().renders())
        if renders.empty:
            print("No render was started from this machine on this API yet.")
        return renders

    def _cmd_preview(self, args: Any) -> Any:
        bar = ProgressBar("Preview", self._notebook())
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        progress = lambda stage, percent: inbox.put(("progress", percent))  # noqa: E731
        render = self._wait_with_bars(self._require_session().preview(self.export_dir or None, progress=progress),
                                      [bar], inbox, {"progress": bar.update})
        bar.close(f"saved to {render.path}")
        return render

    def _cmd_frames(self, args: Any) -> Any:
        """A contact sheet as a PIL image: shown as a plain PNG, which the saved notebook keeps. A
        progress line shows only when it takes a while (media to fetch, proxies to make)."""
        request = frames_request(args.values, args.every)
        started, bars = time.monotonic(), []

        def update(percent: float) -> None:
            if not bars and time.monotonic() - started >= FRAMES_BAR_AFTER_S:
                bars.append(ProgressBar("Frames", self._notebook()))
            for bar in bars:
                bar.update(percent)

        inbox: queue.SimpleQueue = queue.SimpleQueue()
        progress = lambda stage, percent: inbox.put(("progress", percent))  # noqa: E731
        sheet = self._wait_with_bars(self._require_session().frames(**request, progress=progress), bars, inbox,
                                     {"progress": update})
        for bar in bars:
            bar.close("drawn")
        return sheet

    def _cmd_link(self, args: Any) -> None:
        print(self._wait(self._require_session().link()))

    def _cmd_session(self, args: Any) -> None:
        session = self._require_session()
        if args.which == "new":
            self.session = AsyncSession(self.client, settings=self._settings())
            print(f"New session {self._wait(self.session.start())}.")
        elif args.which:
            self.session = self._wait(AsyncSession.resume(args.which, self.client, settings=self._settings()))
            print(f"Resumed session {self.session.session_id}.")
        else:
            print(f"Session {session.session_id}.")

    def _cmd_analysis(self, args: Any) -> Any:
        """The findings as a DataFrame, after a compact picture of them (one bar row per clip and kind)."""
        from .findings import FindingsPlot

        findings = self._wait(self._require_session().analysis())
        display(FindingsPlot(findings))
        return findings

    def _cmd_logout(self, args: Any) -> None:
        if self.client is not None:
            self.client.logout()
        self.session = None
        print("Logged out: the cached token is forgotten; `%nemo connect` starts afresh.")

    # --- %%nemo ---------------------------------------------------------------------------------
    def _instruction(self, line: str, cell: str) -> Any:
        args = self._cell.parse_line(line)
        text = expand_placeholders(cell, self.shell.user_ns).strip()
        if not text:
            raise NemoCellError("The cell is empty: write an instruction for the agent below `%%nemo`.")
        found = routing.route(text)
        if found.intent != routing.EDIT:
            answer = self._routed(found)  # -o keeps what the routed command gives (a Render, a DataFrame…)
            if args.variable:
                self.shell.user_ns[args.variable] = answer
                return None
            return answer
        session = self._require_session()
        view = self._stream_view()
        view.start()
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        handlers = {"event": view.event, "tick": getattr(view, "tick", None)}
        try:
            result = self._wait(session.edit(text, on_event=lambda ev: inbox.put(("event", ev))), inbox, handlers)
        except KeyboardInterrupt:
            view.fail(INTERRUPTED_EDIT)
            raise
        except NemoCellError:
            view.fail(STOPPED)  # the error itself is the cell's one error line
            raise
        view.finish(result)
        if routing.CREDITS in result.actions:
            self._cmd_credits(None)
        if args.variable:
            self.shell.user_ns[args.variable] = result
        elif routing.EXPORT in result.actions:  # PROTOCOL: the agent's "Export button" → run the export
            print("The agent pointed at its Export button, so the notebook exports now.")
            return self._cmd_export(argparse.Namespace(out=None, quality="high", resume=None))
        return None

    def _routed(self, found: routing.Route) -> Any:
        if found.intent == routing.UPLOAD:
            if not found.targets:
                raise NemoCellError("Name the files or URLs to upload, e.g. `upload clip.mp4`.")
            return self._cmd_upload(argparse.Namespace(targets=list(found.targets)))
        if found.intent == routing.EXPORT:
            return self._cmd_export(argparse.Namespace(out=None, quality="high", resume=None))
        if found.intent == routing.CREDITS:
            return self._cmd_credits(None)
        return self._cmd_status(None)

    # --- lifetime ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the client and stop a local backend started here."""
        if self.client is not None:
            client, self.client, self.session = self.client, None, None
            try:
                self.loop.run(client.close())
            except Exception:  # noqa: BLE001 - closing must not fail a reconnect
                pass
        if self.local is not None:
            self.local.stop()
            self.local = None

    def stop_loop(self) -> None:
        """Stop the background loop's thread (a later command would start a new one)."""
        if self._loop is not None:
            self._loop.stop()
            self._loop = None


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(NemoMagics(ipython))


def unload_ipython_extension(ipython: Any) -> None:
    magics = ipython.magics_manager.registry.get("NemoMagics")
    if magics is not None:
        magics.close()
        magics.stop_loop()  # else every %reload_ext would leave a thread behind
