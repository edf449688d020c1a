"""What translating GUI-speak while streaming costs a live view, against the raw transcript.

    python benchmarks/bench_gui_speak.py [--sentences N] [--repeat R]

A cloud-like reply of N sentences (one in four GUI talk, English and Chinese) arrives in the local
backend's 3-word chunks; each chunk goes through `views.Transcript` (translated, as every view shows
it) and through a baseline that only appends the raw chunk (what the views did before). Also the
whole reply through `translate_gui` once. Times are the best of R runs.
"""

from __future__ import annotations

from _common import best_times, options

from nemo_jupyter.client.events import Text, TextChunk
from nemo_jupyter.gui_speak import translate_gui
from nemo_jupyter.local.sse import text_chunks
from nemo_jupyter.views import Transcript

SENTENCES = ["Trimmed scene 2 to 0.5s and added a fade (e.g. 1 s) to city.mp4.",
             "Click the Export button in the top-right corner to download your video.",
             "The lo-fi track now plays at 35% under the title.", "已把片头剪到 2 秒。",
             "Drag the music clip to the audio track if you want it under the title.",
             "Anything else?", "点击右上角的导出按钮即可下载视频。", "I added a crossfade between scenes 1 and 2."]


def reply(count: int) -> str:
    return " ".join(SENTENCES[index % len(SENTENCES)] for index in range(count))


def through_transcript(chunks: list[str], whole: str) -> str:
    transcript = Transcript(clock=lambda: 0.0)
    for chunk in chunks:
        transcript.add(TextChunk(chunk))
    transcript.add(Text(whole, streamed=True))
    return transcript.markdown()


def raw_appends(chunks: list[str], whole: str) -> str:
    text = ""
    for chunk in chunks:
        text += chunk
    return text


def main() -> None:
    args = options(__doc__, None, sentences=2_000, repeat=5)
    whole = reply(args.sentences)
    chunks = text_chunks(whole)
    translated, raw, once = best_times(args.repeat, lambda: through_transcript(chunks, whole),
                                       lambda: raw_appends(chunks, whole), lambda: translate_gui(whole))
    print(f"reply: {len(whole)} chars, {args.sentences} sentences, {len(chunks)} chunks")
    print(f"streamed through Transcript: {translated * 1e3:.1f} ms, {translated / len(chunks) * 1e6:.1f} µs/chunk "
          f"(raw appends {raw * 1e3:.2f} ms)")
    print(f"translate_gui on the whole reply: {once * 1e3:.1f} ms, {once / args.sentences * 1e6:.1f} µs/sentence")


if __name__ == "__main__":
    main()
