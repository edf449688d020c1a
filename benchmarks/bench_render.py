"""render_draft on the issue's reference edit, against a hand-written ffmpeg command for the same edit.

    python benchmarks/bench_render.py [--seconds 5] [--repeat 3]

Reference draft: three clips (1280x720, 30 fps, testsrc2 + a tone each) reordered to 3, 1, 2, the
middle one trimmed to 2 s, scaled and padded to 1920x1080, a 0-3 s title, music mixed at 35 %.
Baseline: one ffmpeg command written by hand for that edit (the shortest graph a person would
write), same encoder settings as the `high` preset. Also timed: the stream-copy case (three
untouched 1080p clips joined) against `ffmpeg -f concat -c copy -movflags +faststart` (the same
output: an MP4 that starts playing before it is fully downloaded). Times are the best of R runs,
the two sides alternating in the same run.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import best_times

from nemo_jupyter.local.media.ffmpeg import run
from nemo_jupyter.local.media.fonts import font_path
from nemo_jupyter.local.media.graph import plan_render
from nemo_jupyter.local.media.presets import PRESETS
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.media.render import render_draft
from nemo_jupyter.local.media.samples import make_clip, make_tone

HD = {"width": 1920, "height": 1080, "fps": 30}
TITLE = "Urban Dreams"


def reference_draft(seconds: float) -> dict:
    ms = round(seconds * 1000)
    video = [
        {"id": "s3", "st": 0, "d": ms, "src": "c3", "in": 0},
        {"id": "s1", "st": ms, "d": 2000, "src": "c1", "in": 0},
        {"id": "s2", "st": ms + 2000, "d": ms, "src": "c2", "in": 0},
    ]
    total = 2 * ms + 2000
    return {
        "d": total,
        "t": [
            {"id": "v", "tt": 0, "sg": video},
            {"id": "t", "tt": 7, "sg": [{"id": "title", "st": 0, "d": 3000, "m": {"text": TITLE, "position": "center"}}]},
            {"id": "a", "tt": 1, "sg": [{"id": "bgm", "st": 0, "d": total, "src": "music", "in": 0, "m": {"volume": 0.35}}]},
        ],
    }


def hand_written(media: dict, folder: Path, out: Path, seconds: float) -> None:
    """The same edit as one ffmpeg command, as a person would write it."""
    title_file = folder / "title.txt"
    title_file.write_text(TITLE)
    fit = "scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2,setsar=1"
    graph = (
        f"[0:v]{fit}[v0];[1:v]{fit}[v1];[2:v]{fit}[v2];"
        "[v0][0:a][v1][1:a][v2][2:a]concat=n=3:v=1:a=1[v][a];"
        f"[v]drawtext=fontfile={font_path()}:textfile={title_file}:expansion=none:fontsize=72:fontcolor=white"
        ":x=(w-tw)/2:y=(h-th)/2:enable='between(t,0,3)'[vt];"
        "[3:a]volume=0.35[m];[a][m]amix=inputs=2:duration=first:normalize=0[ao]"
    )
    high = PRESETS["high"]
    run(
        ["-y", "-i", media["c3"]["path"], "-t", "2", "-i", media["c1"]["path"], "-i", media["c2"]["path"],
         "-i", media["music"]["path"], "-filter_complex", graph, "-map", "[vt]", "-map", "[ao]",
         *high.video, *high.audio, "-t", str(2 * seconds + 2), str(out)],
        what="hand-written baseline",
        timeout=600,
    )


def entry(path: Path) -> dict:
    return {**probe(path), "path": str(path)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each reference clip")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    s = args.seconds
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        folder = Path(tmp)
        media = {
            f"c{i}": entry(make_clip(folder / f"c{i}.mp4", seconds=s, size=(1280, 720), tone_hz=300 + 100 * i,
                                     crf=23))
            for i in (1, 2, 3)
        }
        media["music"] = entry(make_tone(folder / "music.m4a", seconds=2 * s + 2, hz=220))
        draft = reference_draft(s)
        assert plan_render(draft, media, HD, folder / "x.mp4").mode == "encode"
        ours, theirs = best_times(
            args.repeat,
            lambda: render_draft(draft, media, HD, folder / "ours.mp4"),
            lambda: hand_written(media, folder, folder / "theirs.mp4", s),
        )
        same = probe(folder / "ours.mp4"), probe(folder / "theirs.mp4")

        # stream copy: untouched, compatible 1080p clips joined end to end
        hd = {f"h{i}": entry(make_clip(folder / f"h{i}.mp4", seconds=s, size=(1920, 1080), crf=30)) for i in (1, 2, 3)}
        joined = {"t": [{"tt": 0, "sg": [{"src": k, "st": i * round(s * 1000), "d": hd[k]["d"]} for i, k in enumerate(hd)]}]}
        assert plan_render(joined, hd, HD, folder / "x.mp4").mode == "copy"
        (folder / "list.txt").write_text("".join(f"file '{m['path']}'\n" for m in hd.values()))
        copy_ours, copy_theirs = best_times(
            args.repeat,
            lambda: render_draft(joined, hd, HD, folder / "joined.mp4"),
            lambda: run(["-y", "-f", "concat", "-safe", "0", "-i", str(folder / "list.txt"), "-c", "copy",
                         "-movflags", "+faststart", str(folder / "joined-hand.mp4")], what="concat baseline"),
        )

    print(f"reference edit: 3 x {s:g} s 720p clips -> 1920x1080, {2 * s + 2:g} s out; best of {args.repeat}")
    print(f"{'case':<34}{'render_draft s':>15}{'hand ffmpeg s':>15}{'ratio':>8}")
    print(f"{'reorder+trim+title+music (encode)':<34}{ours:>15.2f}{theirs:>15.2f}{ours / theirs:>8.2f}")
    print(f"{'join untouched clips (stream copy)':<34}{copy_ours:>15.3f}{copy_theirs:>15.3f}{copy_ours / copy_theirs:>8.2f}")
    print(f"outputs: ours {same[0]['d']} ms {same[0]['width']}x{same[0]['height']}, "
          f"hand {same[1]['d']} ms {same[1]['width']}x{same[1]['height']} (target ratio <= 1.2)")
    return {"encode_s": ours, "baseline_s": theirs, "ratio": ours / theirs, "copy_s": copy_ours, "copy_baseline_s": copy_theirs}


if __name__ == "__main__":
    main()
