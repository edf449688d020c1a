"""Frames of a layered draft (frames.py) against rendering the draft preset and extracting the same frames.

    python benchmarks/bench_frames.py [--seconds 5] [--repeat 3]

Reference draft (1920x1080, 30 fps): three 1280x720 clips (testsrc2 + a tone, x264's default
keyframe interval) joined by a crossfade and a dip to black, a picture-in-picture clip with a fade
in, a logo in a corner, a title and a caption, looping music. Its media are served over HTTP (as a
backend's state names them), so the cold case includes the fetch.

- one frame at 640 px: `draft_frame` at 12 times spread over the draft (median and worst), and at
  a time inside a transition, against `preview_draft` + `thumbs.frame_at` of that time;
- a 12-frame sheet (`draft_frames(n=12)`, 320 px frames) against `preview_draft` + `frame_at` of the
  same 12 times;
- cold: the first frame with an empty cache (download, probe, proxy of the clips it shows), and the
  first sheet after it (the remaining proxies).

Times are the best of R runs (warm) and the two sides alternate in the same run.
"""

from __future__ import annotations

import functools
import os
import statistics
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import best_times, cpu_seconds, options

from nemo_jupyter.local.media.frames import draft_frame, draft_frames, sheet_times
from nemo_jupyter.local.media.preview import preview_draft
from nemo_jupyter.local.media.samples import make_clip, make_image, make_tone
from nemo_jupyter.local.media.thumbs import frame_at

HD = {"width": 1920, "height": 1080, "fps": 30}


def layered_draft(seconds: float) -> dict:
    ms = round(seconds * 1000)
    main = [
        {"id": "s1", "st": 0, "d": ms - 500, "src": "c1", "in": 0},
        {"id": "s2", "st": ms - 500, "d": ms - 1000, "src": "c2", "in": 500,
         "m": {"transition": {"type": "crossfade", "ms": 600}}},
        {"id": "s3", "st": 2 * ms - 1500, "d": ms - 500, "src": "c3", "in": 500,
         "m": {"transition": {"type": "dip_to_black", "ms": 400}}},
    ]
    total = 3 * ms - 2000
    return {"d": total, "t": [
        {"id": "v", "tt": 0, "sg": main},
        {"id": "pip", "tt": 0, "sg": [{"id": "p", "st": 1000, "d": ms, "src": "pip", "in": 0,
                                        "m": {"position": "bottom_left", "size": 0.3, "fade_in_ms": 400}}]},
        {"id": "logo", "tt": 0, "sg": [{"id": "l", "st": 0, "d": total, "src": "logo",
                                         "m": {"position": "top_right", "size": 0.1, "opacity": 0.8}}]},
        {"id": "text", "tt": 7, "sg": [
            {"id": "title", "st": 0, "d": 2500, "m": {"text": "Frames in milliseconds"}},
            {"id": "cap", "st": 3000, "d": total - 3000, "m": {"text": "a caption at the bottom", "style": "caption",
                                                                "position": "bottom"}}]},
        {"id": "music", "tt": 1, "sg": [{"id": "bgm", "st": 0, "d": total, "src": "music", "m": {"loop": True,
                                                                                                "volume": 0.4}}]},
    ]}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class FileServer:
    """A real HTTP server over a folder: the media URLs of a backend's state."""

    def __init__(self, folder: Path):
        handler = functools.partial(QuietHandler, directory=str(folder))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


def cpu_of(work) -> float:
    """CPU seconds `work` takes in this process and the ffmpeg processes it runs (it waits for them)."""
    before = cpu_seconds()
    work()
    return cpu_seconds() - before


def main(argv: list[str] | None = None) -> dict:
    args = options(__doc__, argv, seconds=(5.0, "length of each main clip"), repeat=3)
    s = args.seconds
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as tmp:
        folder = Path(tmp)
        sources = folder / "cdn"
        for i in (1, 2, 3):
            make_clip(sources / f"c{i}.mp4", seconds=s, size=(1280, 720), tone_hz=300 + 100 * i, crf=23)
        make_clip(sources / "pip.mp4", seconds=s, size=(640, 360), pattern="smptehdbars", audio=False, crf=23)
        make_image(sources / "logo.png", (128, 128), color="yellow")
        make_tone(sources / "music.m4a", seconds=3.0, hz=220)
        server = FileServer(sources)
        names = {"c1": "c1.mp4", "c2": "c2.mp4", "c3": "c3.mp4", "pip": "pip.mp4", "logo": "logo.png",
                 "music": "music.m4a"}
        infos = [{"id": key, "name": name, "url": f"{server.url}/{name}"} for key, name in names.items()]
        draft = layered_draft(s)
        duration_s = draft["d"] / 1000
        cache = folder / "cache"
        times = sheet_times(draft["d"], n=12)
        in_transition = (2 * s * 1000 - 1500 + 100) / 1000  # 0.1 s into the dip to black

        cold_frame, _ = timed(lambda: draft_frame(draft, infos, HD, times[0], cache_dir=cache))
        cold_sheet, _ = timed(lambda: draft_frames(draft, infos, HD, n=12, cache_dir=cache))

        one = {t: best_times(args.repeat, lambda t=t: draft_frame(draft, infos, HD, t, cache_dir=cache))[0]
               for t in times}
        transition_s = best_times(args.repeat, lambda: draft_frame(draft, infos, HD, in_transition, cache_dir=cache))[0]
        video = folder / "preview.mp4"
        sheet_s, render_s = best_times(
            args.repeat,
            lambda: draft_frames(draft, infos, HD, n=12, cache_dir=cache),
            lambda: preview_draft(draft, infos, HD, video, cache_dir=cache),
        )
        extract_one = statistics.median(best_times(args.repeat, lambda t=t: frame_at(video, t))[0] for t in times[:3])
        extract_all = best_times(args.repeat, lambda: [frame_at(video, t) for t in times])[0]
        cpu_frame = cpu_of(lambda: [draft_frame(draft, infos, HD, t, cache_dir=cache) for t in times]) / len(times)
        cpu_sheet = cpu_of(lambda: draft_frames(draft, infos, HD, n=12, cache_dir=cache))
        cpu_baseline = cpu_of(lambda: (preview_draft(draft, infos, HD, video, cache_dir=cache),
                                       [frame_at(video, t) for t in times]))
        server.close()

    frame_median, frame_worst = statistics.median(one.values()), max(one.values())
    baseline_one, baseline_sheet = render_s + extract_one, render_s + extract_all
    print(f"layered draft: 3 x {s:g} s 720p clips, crossfade + dip to black, picture in picture, logo, title, caption,"
          f" looping music -> 1920x1080 30 fps, {duration_s:g} s; warm: best of {args.repeat}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'case':<42}{'frames s':>10}{'render+extract s':>18}{'ratio':>8}  target")
    print(f"{'one frame 640 px, median of 12 times':<42}{frame_median:>10.3f}{baseline_one:>18.3f}"
          f"{frame_median / baseline_one:>8.3f}  <= 0.150 s")
    print(f"{'one frame 640 px, worst of 12 times':<42}{frame_worst:>10.3f}{baseline_one:>18.3f}"
          f"{frame_worst / baseline_one:>8.3f}  <= 0.150 s")
    print(f"{'one frame 640 px, inside a transition':<42}{transition_s:>10.3f}{baseline_one:>18.3f}"
          f"{transition_s / baseline_one:>8.3f}")
    print(f"{'12-frame sheet (320 px frames)':<42}{sheet_s:>10.3f}{baseline_sheet:>18.3f}"
          f"{sheet_s / baseline_sheet:>8.3f}  <= 1.0 s")
    print(f"cold (empty cache): first frame {cold_frame:.2f} s (fetch, probe, proxies of the clips it shows), "
          f"then the first sheet {cold_sheet:.2f} s (the other proxies)")
    print(f"baseline: preview_draft (draft preset) {render_s:.2f} s, then frame_at: one frame {extract_one:.3f} s, "
          f"12 frames {extract_all:.3f} s")
    print(f"CPU s (this process + its ffmpeg): one frame {cpu_frame:.3f} (mean of the 12 times), sheet {cpu_sheet:.3f}, "
          f"render + 12 frame_at {cpu_baseline:.3f} (ratio sheet / that {cpu_sheet / cpu_baseline:.3f})")
    return {"frame_s": frame_median, "frame_worst_s": frame_worst, "sheet_s": sheet_s, "render_s": render_s,
            "cold_frame_s": cold_frame, "cold_sheet_s": cold_sheet, "cpu_frame_s": cpu_frame, "cpu_sheet_s": cpu_sheet}


if __name__ == "__main__":
    main()
