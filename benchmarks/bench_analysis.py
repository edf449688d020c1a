"""Clip analysis cost per second of video, against a plain decode of the same clip run alongside.

    python benchmarks/bench_analysis.py [--seconds S] [--sizes 320x240,1280x720,1920x1080] [--repeat R]

For each size a generated clip (testsrc2 at 30 fps + a tone, H.264/AAC) is analysed with
`analyze()` (every detector in one ffmpeg pass). Baselines: `ffmpeg -i clip -f null -` (decoding
alone: the floor any analysis pays) and the same detectors run as four separate ffmpeg passes
(scdet, freezedetect, blackdetect, silencedetect+ebur128). Times are the best of R runs.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import best_of

from nemo_jupyter.local.media.analysis import Thresholds, analyze
from nemo_jupyter.local.media.ffmpeg import run
from nemo_jupyter.local.media.samples import make_clip


def plain_decode(clip: Path) -> None:
    run(["-i", str(clip), "-f", "null", "-"], what="decode baseline")


def separate_passes(clip: Path) -> None:
    video_filters = Thresholds().video_filters().split(",")
    for video_filter in video_filters:
        run(["-i", str(clip), "-an", "-vf", video_filter, "-f", "null", "-"], what="one detector")
    run(["-i", str(clip), "-vn", "-af", Thresholds().audio_filters(), "-f", "null", "-"], what="audio detectors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sizes", default="320x240,1280x720,1920x1080")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]

    print(f"{args.seconds:g} s clips (testsrc2 30 fps + tone, H.264/AAC), best of {args.repeat}")
    header = f"{'size':<11}{'analyze s':>10}{'x clip':>9}{'decode s':>10}{'x decode':>10}"
    print(header + f"{'4 passes s':>12}{'x 1 pass':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for width, height in sizes:
            clip = make_clip(Path(folder) / f"{width}x{height}.mp4", seconds=args.seconds, size=(width, height))
            analysis = best_of(args.repeat, lambda: analyze(clip))
            decode = best_of(args.repeat, lambda: plain_decode(clip))
            passes = best_of(args.repeat, lambda: separate_passes(clip))
            print(
                f"{f'{width}x{height}':<11}{analysis:>10.3f}{analysis / args.seconds:>9.3f}{decode:>10.3f}"
                f"{analysis / decode:>10.2f}{passes:>12.3f}{passes / analysis:>10.2f}"
            )
    print("x clip = analysis time / clip duration (the cost per second of video)")


if __name__ == "__main__":
    main()
