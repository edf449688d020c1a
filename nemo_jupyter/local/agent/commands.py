"""The agent's vocabulary: one frozen dataclass per edit the grammar can ask for.

`grammar.parse` turns text into these; `apply.apply_command` turns them into draft operations.
Scenes are numbered from 1 in timeline order on the main video track. A scene reference is an
int: a scene number, `LAST` for the last scene, `LONGEST` / `SHORTEST` for the longest / shortest
one (asked about when two tie), `ALL` for every scene, or `None` when the user
named none (then the agent uses the only scene, or asks which one). Times are milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

LAST = -1
LONGEST = -2
SHORTEST = -3
ALL = 0


@dataclass(frozen=True)
class Reorder:
    order: tuple[int, ...]  # scene numbers in their new order; unlisted scenes follow in place


@dataclass(frozen=True)
class Reverse:
    """Play the scenes in the opposite order."""


@dataclass(frozen=True)
class Move:
    scene: int | None
    anchor: int  # scene number to move next to (LAST for the end)
    after: bool = False


@dataclass(frozen=True)
class Duplicate:
    """Repeat a scene: a copy (new id) plays right after it."""

    scene: int | None


@dataclass(frozen=True)
class InsertClip:
    """Put an uploaded file on the timeline (again): at the end, or next to scene `anchor`."""

    name: str
    anchor: int | None = None
    after: bool = True


@dataclass(frozen=True)
class Swap:
    first: int
    second: int


@dataclass(frozen=True)
class TrimTo:
    scene: int | None
    keep_ms: int
    keep_end: bool = False  # keep the last `keep_ms` instead of the first


@dataclass(frozen=True)
class Cut:
    scene: int | None
    cut_ms: int
    from_end: bool = False


@dataclass(frozen=True)
class Remove:
    scene: int | None


@dataclass(frozen=True)
class Split:
    scene: int | None
    at_ms: int | None  # None: in the middle


@dataclass(frozen=True)
class Speed:
    scene: int | None
    factor: float | None  # None: "faster" / "slower" without saying how much (the agent asks)


@dataclass(frozen=True)
class AddText:
    kind: str  # "title" | "caption" | "text" (whichever the draft has; a new one is a caption)
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    position: str | None = None  # "top" | "center" | "bottom"


@dataclass(frozen=True)
class ChangeText:
    """Change the (only) title or caption: its words, position or time range, whichever is given."""

    kind: str
    text: str | None = None
    position: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class RemoveText:
    kind: str


@dataclass(frozen=True)
class StyleText:
    """Bigger / smaller (`scale`), another colour, bold or regular, for every title (or caption)."""

    kind: str
    scale: float | None = None
    color: str | None = None
    font: str | None = None


@dataclass(frozen=True)
class Fit:
    """How a scene's picture fills a canvas of another shape: "contain" | "cover" | "stretch"."""

    scene: int | None
    mode: str


@dataclass(frozen=True)
class AddMusic:
    name: str | None
    volume: float | None = None


@dataclass(frozen=True)
class RemoveMusic:
    pass


@dataclass(frozen=True)
class SetVolume:
    scene: int | None  # None with music=True: the music
    volume: float | None  # None: "louder" / "quieter" without a level (the agent asks)
    music: bool = False


@dataclass(frozen=True)
class Mute:
    scene: int | None
    muted: bool = True


@dataclass(frozen=True)
class Canvas:
    width: int
    height: int


@dataclass(frozen=True)
class Fade:
    fade_in: bool
    ms: int
    scene: int | None = None  # None: the start (fade in) or the end (fade out) of the video


@dataclass(frozen=True)
class AddOverlay:
    """An uploaded image (a logo) or clip painted over the whole video at a corner, `size` × the width."""

    name: str
    position: str = "top_right"  # top_left | top_right | bottom_left | bottom_right | center
    size: float | None = None  # None: the default for a logo


@dataclass(frozen=True)
class PictureInPicture:
    """A scene leaves the main track and plays small in a corner over the scene before it."""

    scene: int | None
    position: str = "bottom_right"
    size: float | None = None


@dataclass(frozen=True)
class Transition:
    """A transition at cuts: between two named scenes, into one scene, or at every cut (`every`)."""

    kind: str | None  # "crossfade" | "dip_to_black"; None removes the transitions
    ms: int | None = None  # None: the default length
    scenes: tuple[int, ...] = ()
    every: bool = False
    after: bool = False  # one scene named: the cut after it ("after scene 1") rather than before it


@dataclass(frozen=True)
class MusicSetting:
    """Loop the music to the end of the video ("loop"), or duck it under the clips' speech ("duck")."""

    key: str
    on: bool = True


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Redo:
    pass


@dataclass(frozen=True)
class Help:
    """"What can you do?": the agent answers with its grammar."""


@dataclass(frozen=True)
class SplitAtSceneCuts:
    scene: int  # ALL for every scene
    clip: str | None = None  # only the scenes showing this uploaded file ("split city.mp4 at scene cuts")


@dataclass(frozen=True)
class RemoveFindings:
    kind: str  # "freeze" | "black"


@dataclass(frozen=True)
class TrimEndSilence:
    """Cut the silence that runs to the end of a clip, in every scene showing that clip."""


@dataclass(frozen=True)
class Ambiguous:
    """The user pointed at a scene without saying which ("the long scene", "that clip")."""

    phrase: str


Command = (
    Reorder | Reverse | Move | Duplicate | InsertClip | Swap | TrimTo | Cut | Remove | Split | Speed | AddText | ChangeText | RemoveText
    | StyleText | Fit
    | AddMusic | RemoveMusic | SetVolume | Mute | Canvas | Fade | Undo | Redo | Help | SplitAtSceneCuts
    | RemoveFindings | TrimEndSilence | Ambiguous | AddOverlay | PictureInPicture | Transition | MusicSetting
)
