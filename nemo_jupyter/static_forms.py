"""What lasts of a widget's result: the static form a saved notebook, a reopen without a kernel and
nbconvert show in place of the live widget.

Jupyter does not fall back to another mime type when a widget's model is gone (JupyterLab 4 and
Notebook 7 write "Error displaying widget: model not found"). So each nemo widget's output carries,
next to its widget-view, a static form (`text/html` or `text/markdown`) and a stable `text/plain`,
and is marked in its output metadata (`MARKED`). The save hook (`server_ext.py`, through
`freeze_notebook`) drops the widget-view of marked outputs and the widgets' models from the file:
the page keeps its live widgets, the file keeps the static forms.

Pictures are SVG inside an `<img>` data URI: no sanitizer strips it, and its own light card keeps
it readable in light and dark themes alike. Text here never holds a memory address or a clock, so
a notebook saved twice diffs clean.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any, Iterable

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MARK = "nemo_jupyter"
MARKED = {MARK: {"static": True}}
OUR_WIDGETS = "nemo_jupyter."  # anywidget's `_anywidget_id` of our widgets starts so

CARD, INK, RULE = "#f6f7f9", "#1f2328", "#5b616b"  # a light card: dark ink reads the same in any theme
LANE_COLOURS = {"video": "#2f5f9e", "audio": "#2b6e47", "text": "#7146a8"}  # white text on each ≥ 4.5:1
OTHER_LANE = "#5b616b"
FONT = "font-family=\"'DejaVu Sans', Arial, sans-serif\""


def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def svg_img(svg: str, alt: str, width: int | None = None) -> str:
    """An `<img>` showing `svg` (a data URI: it survives every HTML sanitizer and nbconvert)."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    size = f' width="{width}"' if width else ""
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(alt)}"{size} style="max-width: 100%">'


def _fit(label: str, pixels: float, char_px: float = 6.6) -> str:
    """`label` cut to what fits in `pixels` (with an ellipsis), or "" when not even two letters fit."""
    room = int(pixels // char_px)
    if room < 2:
        return ""
    return label if len(label) <= room else label[: room - 1] + "…"


def _ticks(end: float) -> list[float]:
    step = next((s for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if end / s <= 10), 1200)
    return [i * step for i in range(int(end / step) + 1)]


def _blocks(segments: list, left: float, scale: float) -> list[tuple[float, float, str]]:
    """(x, width, label) of each block to draw, in time order: segments closer than a pixel to the
    block before become part of it (unlabelled), so 10 000 segments stay a small picture."""
    blocks: list[list] = []
    for start, duration, label, *_ in sorted(segments, key=lambda s: s[0]):
        x, w = left + start * scale, max(2.0, duration * scale)
        if blocks and x < blocks[-1][0] + blocks[-1][1] + 1 and (w < 8 or blocks[-1][1] < 8):
            blocks[-1][1], blocks[-1][2] = max(blocks[-1][1], x + w - blocks[-1][0]), ""
        else:
            blocks.append([x, w, label])
    return [(x, w, label) for x, w, label in blocks]


def timeline_svg(tracks: list[dict], width: int = 720) -> str:
    """The lanes of a timeline (TimelineWidget's `tracks`) as an SVG: names, segments and labels."""
    gutter, ruler, lane, gap = 96, 20, 26, 4
    end = max((s[0] + s[1] for track in tracks for s in track.get("segments", [])), default=0.0) or 1.0
    scale = (width - gutter - 8) / end
    height = ruler + len(tracks) * (lane + gap) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT} font-size="11">',
             f'<rect width="{width}" height="{height}" rx="4" fill="{CARD}" stroke="#c9ced6"/>']
    for tick in _ticks(end):
        x = gutter + tick * scale
        anchor = "end" if x > width - 40 else "start"  # near the end, the label goes left of its line
        parts.append(f'<line x1="{x:.1f}" y1="{ruler - 4}" x2="{x:.1f}" y2="{height - 4}" stroke="#d9dde3"/>'
                     f'<text x="{x - 2 if anchor == "end" else x + 2:.1f}" y="{ruler - 7}" fill="{RULE}" '
                     f'font-size="10" text-anchor="{anchor}">{tick:g} s</text>')
    for index, track in enumerate(tracks):
        y = ruler + index * (lane + gap)
        colour = LANE_COLOURS.get(str(track.get("type")), OTHER_LANE)
        parts.append(f'<text x="6" y="{y + lane / 2 + 4}" fill="{INK}" font-weight="bold">'
                     f'{escape(_fit(str(track.get("name", "")), gutter - 10, 7.2))}</text>')
        for x, w, label in _blocks(track.get("segments", []), gutter, scale):
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{lane}" rx="3" fill="{colour}" '
                         'stroke="#ffffff" stroke-width="1"/>')
            text = _fit(str(label), w - 8)
            if text:
                parts.append(f'<text x="{x + 4:.1f}" y="{y + lane / 2 + 4}" fill="#ffffff">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def timeline_text(tracks: list[dict]) -> str:
    """One stable line: `Timeline: 2 tracks, 3 segments, 0-4 s` (then each lane's labels)."""
    segments = [s for track in tracks for s in track.get("segments", [])]
    end = max((s[0] + s[1] for s in segments), default=0.0)
    lanes = "; ".join(f"{track.get('name', '')}: " + _listed([str(s[2]) for s in track.get("segments", [])])
                      for track in tracks)
    return f"Timeline: {len(tracks)} track(s), {len(segments)} segment(s), 0-{end:g} s" + (f" ({lanes})" if lanes else "")


def _listed(labels: list[str], most: int = 12) -> str:
    return ", ".join(labels[:most]) + (f" and {len(labels) - most} more" if len(labels) > most else "")


def timeline_html(tracks: list[dict]) -> str:
    return svg_img(timeline_svg(tracks), timeline_text(tracks))


def video_html(src: str, poster: str = "", note: str = "") -> str:
    """A playable `<video>` (src relative to the notebook, or a URL) with its poster, or `note` alone."""
    line = f'<div style="font-size: 0.9em">{escape(note)}</div>' if note else ""
    if not src:
        return line
    cover = f' poster="{escape(poster)}"' if poster else ""
    return (f'<video src="{escape(src)}"{cover} controls preload="metadata" '
            f'style="max-width: 100%; width: 640px"></video>{line}')


def notebook_relative(path: Path | None) -> str:
    """A file's path relative to the notebook's folder (the kernel's cwd), "" when it is elsewhere."""
    if path is not None and Path(path).is_file():
        try:
            return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            pass
    return ""


def lasting_source(path: Path | None, url: str = "") -> str:
    """Where a reopened notebook finds a video: its path relative to the notebook's folder, else a
    URL that outlives this machine's backend; "" when there is neither."""
    lasting_url = url if url and not url.startswith(("http://127.", "http://localhost", "http://[::1]", "blob:")) else ""
    return notebook_relative(path) or lasting_url


POSTER_WIDTH = 480


def poster_frame(video: Path) -> tuple[Path | None, float]:
    """A JPEG frame of `video` written next to it (`out.mp4` → `out.poster.jpg`, remade when the
    video is newer) and the video's width/height; (None, 0.0) for what cannot be read."""
    try:
        from .local.media.probe import probe
        from .local.media.thumbs import frame_at

        info = probe(video)
        width, height = info.get("width") or 0, info.get("height") or 0
        aspect = width / height if width and height else 0.0
        target = video.with_name(f"{video.stem}.poster.jpg")
        if not target.is_file() or target.stat().st_mtime < video.stat().st_mtime:
            at_s = min(1.0, (info.get("d") or 0) / 10000.0)  # a tenth of the way in, at most 1 s
            frame_at(video, at_s, min(POSTER_WIDTH, width) or POSTER_WIDTH).save(target, "JPEG", quality=75)
        return target, aspect
    except Exception:  # noqa: BLE001 - no poster is not an error: the video still plays
        return None, 0.0


def data_uri(path: Path, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def size_text(size: Any) -> str:
    size = float(size or 0)
    for unit in ("bytes", "KB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return ""


def upload_rows(files: Iterable[dict]) -> list[str]:
    """One line per file: `clip.mp4 (1.2 MB): done` (and the error, if any)."""
    rows = []
    for row in files:
        line = f"{row.get('name', '?')} ({size_text(row.get('size'))}): {row.get('status', '')}"
        rows.append(f"{line} ({row['error']})" if row.get("error") else line)
    return rows


def upload_html(files: list[dict]) -> str:
    rows = upload_rows(files)
    if not rows:
        return "<div>Upload: no file was dropped here.</div>"
    return "<div>Uploaded here:</div><ul>" + "".join(f"<li>{escape(row)}</li>" for row in rows) + "</ul>"


def upload_text(files: list[dict]) -> str:
    rows = upload_rows(files)
    return "Upload: " + ("; ".join(rows) if rows else "no file was dropped here.")


# --- the save hook's work -------------------------------------------------------------------------
def _references(value: Any) -> set[str]:
    """Model ids a widget state names (`IPY_MODEL_<id>`, in any nesting)."""
    if isinstance(value, str):
        return {value[len("IPY_MODEL_"):]} if value.startswith("IPY_MODEL_") else set()
    if isinstance(value, dict):
        return set().union(*(_references(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value)) if value else set()
    return set()


def _freeze_outputs(cells: list) -> set[str]:
    """Drop the widget-view of marked outputs; the model ids they showed."""
    dropped = set()
    for cell in cells:
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            data, metadata = output.get("data"), output.get("metadata")
            if isinstance(data, dict) and isinstance(metadata, dict) and (metadata.get(MARK) or {}).get("static") \
                    and WIDGET_VIEW in data:
                dropped.add(str((data.pop(WIDGET_VIEW) or {}).get("model_id", "")))
    return dropped - {""}


def _shown_models(cells: list) -> set[str]:
    """Model ids that outputs still show."""
    return {str(output["data"][WIDGET_VIEW].get("model_id", "")) for cell in cells if isinstance(cell, dict)
            for output in cell.get("outputs", []) if isinstance((output.get("data") or {}).get(WIDGET_VIEW), dict)}


def _freeze_widget_state(metadata: dict, dropped: set[str], shown: set[str]) -> bool:
    """Drop our models (each would store its whole bundle), the links to them, and the models only
    they used (their layouts), from the notebook's saved widget state. True if anything went."""
    saved = (metadata.get("widgets") or {}).get(WIDGET_STATE)
    models = saved.get("state") if isinstance(saved, dict) else None
    if not isinstance(models, dict):
        return False
    ours = {mid for mid, model in models.items()
            if str(((model or {}).get("state") or {}).get("_anywidget_id", "")).startswith(OUR_WIDGETS)} | dropped
    links = {mid for mid, model in models.items()
             if str((model or {}).get("model_name", "")).endswith("LinkModel") and _references(model) & ours}
    gone = ours | links
    kept_refs = _references([m for mid, m in models.items() if mid not in gone]) | shown
    only_ours = _references([models[mid] for mid in ours if mid in models]) - kept_refs  # their layouts
    removed = (gone | only_ours) & models.keys()
    for mid in removed:
        del models[mid]
    if not models:
        metadata["widgets"].pop(WIDGET_STATE)
        if not metadata["widgets"]:
            metadata.pop("widgets")
        return True
    return bool(removed)


def freeze_notebook(notebook: dict) -> bool:
    """Make a notebook (nbformat 4 JSON, changed in place) keep the static forms of our widgets:
    no widget-view on our outputs, none of our models in its widget state. True if anything changed."""
    if not isinstance(notebook, dict):
        return False
    dropped = _freeze_outputs(notebook.get("cells") or [])
    frozen = isinstance(notebook.get("metadata"), dict) and _freeze_widget_state(
        notebook["metadata"], dropped, _shown_models(notebook.get("cells") or []))
    return bool(dropped) or frozen


def nbconvert_preprocessor(notebook: Any, resources: Any) -> tuple[Any, Any]:
    """`freeze_notebook` as an nbconvert preprocessor, for a notebook whose outputs kept their
    widget-views outside a Jupyter server (run in a kernel with signs of a UI, or by an older
    version; a headless kernel shows the static forms alone, `widgets/frontend.py`), since nbconvert
    would draw the live widgets, which need a CDN: `jupyter nbconvert --to html
    --Exporter.preprocessors='["nemo_jupyter.static_forms.nbconvert_preprocessor"]' run.ipynb`."""
    freeze_notebook(notebook)
    return notebook, resources
