"""render_draft on the issue's reference edit, against a hand-written ffmpeg command for the same edit.

    python benchmarks/bench_render.py [--seconds 5] [--repeat 3]

Reference draft: three clips (1280x720, 30 fps, testsrc2 + a tone each) reordered to 3, 1, 2, the
middle one trimmed to 2 s, scaled and padded to 1920x1080, a 0-3 s title, music mixed at 35 %.
Baseline: one ffmpeg command written by hand for that edit (the shortest graph a person would
write), same encoder settings as the `high` preset. Also timed: the stream-copy case (three
untouched 1080p clips joined) against `ffmpeg -f concat -c copy -movflags +faststart` (the same
output: an MP4 that starts playing before it is fully downloaded). Times are the best of R runs,
the two sides alternating in the same run.

Layered reference draft (issue 12): the same three clips with handles, joined by two 0.5 s
crossfades, two muted picture-in-picture overlays (bottom left at 30 %, top left at 25 %), a logo
(PNG, top right at 15 %) over the whole video, and 6 s of music looped to the 13 s timeline (a
0.25 s crossfade at each loop) at 35 %; against one hand-written ffmpeg graph for the same output
(xfade / acrossfade, overlay, asplit + acrossfade for the music loop).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import best_times, options

from nemo_jupyter.local.media.ffmpeg import run
from nemo_jupyter.local.media.fonts import font_path
from nemo_jupyter.local.media.graph import plan_render
from nemo_jupyter.local.media.presets import PRESETS
from nemo_jupyter.local.media.probe import probe
from nemo_jupyter.local.media.render import render_draft
from nemo_jupyter.local.media.samples import make_clip, make_image, make_tone

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


def layered_draft() -> dict:
    """13 s: clips 3, 1, 2 with 0.5 s handles, two crossfades, two overlays, a logo, looping music."""
    fade = {"transition": {"type": "crossfade", "ms": 500}}
    video = [
        {"id": "s3", "st": 0, "d": 4500, "src": "c3", "in": 0},
        {"id": "s1", "st": 4500, "d": 4000, "src": "c1", "in": 500, "m": fade},
        {"id": "s2", "st": 8500, "d": 4500, "src": "c2", "in": 500, "m": fade},
    ]
    pip = {"muted": True}
    return {
        "d": 13000,
        "t": [
            {"id": "v", "tt": 0, "sg": video},
            {"id": "o1", "tt": 0, "m": {"name": "Overlay"}, "sg": [
                {"id": "p1", "st": 1000, "d": 3000, "src": "c1", "in": 0, "m": {**pip, "position": "bottom_left", "size": 0.3}}]},
            {"id": "o2", "tt": 0, "m": {"name": "Overlay"}, "sg": [
                {"id": "p2", "st": 6000, "d": 3000, "src": "c2", "in": 0, "m": {**pip, "position": "top_left", "size": 0.25}}]},
            {"id": "l", "tt": 0, "m": {"name": "Logo"}, "sg": [
                {"id": "logo", "st": 0, "d": 13000, "src": "logo", "in": 0, "m": {"position": "top_right", "size": 0.15}}]},
            {"id": "a", "tt": 1, "sg": [
                {"id": "bgm", "st": 0, "d": 6000, "src": "music", "in": 0, "m": {"volume": 0.35, "loop": True}}]},
        ],
    }


def hand_written_layered(media: dict, out: Path) -> None:
    """The layered draft as one ffmpeg command, as a person would write it (same output)."""
    fit = "scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2,setsar=1"
    graph = (
        f"[0:v]{fit}[v0];[1:v]{fit}[v1];[2:v]{fit}[v2];"
        "[v0][v1]xfade=transition=fade:duration=0.5:offset=4.25[x1];"
        "[x1][v2]xfade=transition=fade:duration=0.5:offset=8.25[x2];"
        "[0:a][1:a]acrossfade=d=0.5[a1];[a1][2:a]acrossfade=d=0.5[a2];"
        "[3:v]scale=576:-2,setpts=PTS+1/TB[p1];[x2][p1]overlay=x=43:y=H-h-43:eof_action=pass[o1];"
        "[4:v]scale=480:-2,setpts=PTS+6/TB[p2];[o1][p2]overlay=x=43:y=43:eof_action=pass[o2];"
        "[5:v]scale=288:-2[lg];[o2][lg]overlay=x=W-w-43:y=43[vout];"
        "[6:a]asplit=3[m0][m1][m2];[m0][m1]acrossfade=d=0.25[m01];"
        "[m01][m2]acrossfade=d=0.25,volume=0.35,atrim=duration=13[m];"
        "[a2][m]amix=inputs=2:duration=first:normalize=0[aout]"
    )
    high = PRESETS["high"]
    c1, c2, c3 = (media[k]["path"] for k in ("c1", "c2", "c3"))
    run(
        ["-y", "-t", "4.75", "-i", c3, "-ss", "0.25", "-t", "4.5", "-i", c1, "-ss", "0.25", "-t", "4.75", "-i", c2,
         "-t", "3", "-i", c1, "-t", "3", "-i", c2, "-i", media["logo"]["path"], "-i", media["music"]["path"],
         "-filter_complex", graph, "-map", "[vout]", "-map", "[aout]", *high.video, *high.audio, "-ac", "2",
         "-ar", "48000", "-movflags", "+faststart", "-t", "13", str(out)],
        what="hand-written layered baseline",
        timeout=600,
    )


def entry(path: Path) -> dict:
    """A media entry as the local backend keeps an upload (probed with its decode check and codec headers)."""
    return {**probe(path, decode=True), "path": str(path)}


def main(argv: list[str] | None = None) -> dict:
    args = options(__doc__, argv, seconds=(5.0, "length of each reference clip"), repeat=3)
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
        cpu, layered_cpu = [], []
        ours, theirs = best_times(
            args.repeat,
            lambda: render_draft(draft, media, HD, folder / "ours.mp4"),
            lambda: hand_written(media, folder, folder / "theirs.mp4", s),
            cpu=cpu,
        )
        same = probe(folder / "ours.mp4"), probe(folder / "theirs.mp4")

        # layered: overlays, a logo, crossfades, looping music (5 s clips, whatever --seconds says)
        layers = {f"c{i}": entry(make_clip(folder / f"l{i}.mp4", seconds=5, size=(1280, 720), tone_hz=300 + 100 * i,
                                           crf=23)) for i in (1, 2, 3)}
        layers["logo"] = entry(make_image(folder / "logo.png", (256, 256), color="red"))
        layers["music"] = entry(make_tone(folder / "loop.m4a", seconds=6, hz=220))
        layered = layered_draft()
        layered_ours, layered_theirs = best_times(
            args.repeat,
            lambda: render_draft(layered, layers, HD, folder / "layered.mp4"),
            lambda: hand_written_layered(layers, folder / "layered-hand.mp4"),
            cpu=layered_cpu,
        )
        same_layered = probe(folder / "layered.mp4"), probe(folder / "layered-hand.mp4")

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
    print(f"{'case':<34}{'render_draft s':>15}{'hand ffmpeg s':>15}{'ratio':>8}{'CPU s ours / hand':>20}{'CPU ratio':>10}")
    print(f"{'reorder+trim+title+music (encode)':<34}{ours:>15.2f}{theirs:>15.2f}{ours / theirs:>8.2f}"
          f"{cpu[0]:>11.2f} / {cpu[1]:<6.2f}{cpu[0] / cpu[1]:>10.2f}")
    print(f"{'join untouched clips (stream copy)':<34}{copy_ours:>15.3f}{copy_theirs:>15.3f}{copy_ours / copy_theirs:>8.2f}")
    print(f"{'layered (2 pip, logo, 2 xfade, loop)':<34}{layered_ours:>15.2f}{layered_theirs:>15.2f}"
          f"{layered_ours / layered_theirs:>8.2f}{layered_cpu[0]:>11.2f} / {layered_cpu[1]:<6.2f}"
          f"{layered_cpu[0] / layered_cpu[1]:>10.2f}")
    for name, pair in (("reference", same), ("layered", same_layered)):
        print(f"{name} outputs: ours {pair[0]['d']} ms {pair[0]['width']}x{pair[0]['height']}, "
              f"hand {pair[1]['d']} ms {pair[1]['width']}x{pair[1]['height']}")
    print("target ratio <= 1.2 for both encodes (wall time; CPU time too, which a busy machine disturbs less)")
    return {"encode_s": ours, "baseline_s": theirs, "ratio": ours / theirs, "copy_s": copy_ours, "copy_baseline_s": copy_theirs,
            "layered_s": layered_ours, "layered_baseline_s": layered_theirs, "layered_ratio": layered_ours / layered_theirs,
            "cpu_ratio": cpu[0] / cpu[1], "layered_cpu_ratio": layered_cpu[0] / layered_cpu[1]}


if __name__ == "__main__":
    main()
