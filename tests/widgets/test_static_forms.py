"""What lasts of the widgets: their static forms, and the save hook that keeps only those in the file."""

from __future__ import annotations

import base64
import copy
import re

import nbformat
import pytest

from nemo_jupyter import static_forms
from nemo_jupyter.server_ext import _load_jupyter_server_extension, pre_save
from nemo_jupyter.static_forms import WIDGET_STATE, WIDGET_VIEW, freeze_notebook
from nemo_jupyter.widgets import StreamView, TimelineView, TimelineWidget, UploadWidget


def picture(html: str) -> str:
    """The SVG inside a static form's `<img>` data URI."""
    return base64.b64decode(re.search(r'data:image/svg\+xml;base64,([^"]+)"', html).group(1)).decode()


def test_a_timeline_lasts_as_a_picture_of_its_lanes_with_readable_names(draft_json):
    timeline = TimelineWidget(draft_json(scenes=("city", "beach"), title="Urban <Dreams>"))
    data, metadata = timeline._repr_mimebundle_()
    assert metadata == {"nemo_jupyter": {"static": True}} and WIDGET_VIEW in data
    svg = picture(data["text/html"])
    assert svg.startswith("<svg") and svg.count('fill="#2f5f9e"') == 2  # the two scenes on the video lane
    assert ">city</text>" in svg and ">beach</text>" in svg and ">Video</text>" in svg and ">BGM</text>" in svg
    assert "Urban &lt;Dreams&gt;" in svg  # escaped, never markup
    assert data["text/plain"] == repr(timeline) == static_forms.timeline_text(timeline.tracks)
    assert data["text/plain"].startswith("Timeline: 3 track(s), 4 segment(s), 0-4 s")
    assert data == TimelineWidget(draft_json(scenes=("city", "beach"), title="Urban <Dreams>"))._repr_mimebundle_()[0] | {
        WIDGET_VIEW: data[WIDGET_VIEW]}, "the same draft gives the same text: saved notebooks diff clean"


def test_a_timeline_refreshes_its_saved_form_and_its_table_when_the_order_changes(draft_json, monkeypatch):
    published = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, **kw: published.append(("display", obj, kw.get("display_id"))))
    monkeypatch.setattr("IPython.display.update_display",
                        lambda obj, **kw: published.append(("update", obj, kw.get("display_id"))))
    view = TimelineView(TimelineWidget(draft_json()))
    view._ipython_display_()
    assert [kind for kind, *_ in published] == ["display", "display"]  # the widget, then its DataFrame
    widget_id, table_id = published[0][2], published[1][2]
    assert widget_id and table_id and widget_id != table_id
    view.widget.show(draft_json(scenes=("b", "a", "c")))
    updates = {display_id: obj for kind, obj, display_id in published if kind == "update"}
    assert "&gt;" not in picture(updates[widget_id]["text/html"]) and ">b</text>" in picture(updates[widget_id]["text/html"])
    assert updates[table_id]["name"].tolist()[:3] == ["b", "a", "c"]  # no view in the cell keeps the old order
    assert view.dataframe["name"].tolist()[:3] == ["b", "a", "c"] and view.selected == ""


def test_an_upload_lasts_as_its_list_of_files_once_none_is_in_flight(monkeypatch):
    updates = []
    monkeypatch.setattr("IPython.display.update_display", lambda obj, **kw: updates.append(obj))
    widget = UploadWidget(session=type("S", (), {"upload": lambda *a, **k: {}})())
    widget._shown = True
    widget._add({"id": "1", "name": "a.mp4", "size": 1_500_000, "status": "sending", "error": ""})
    widget._add({"id": "2", "name": "b.wav", "size": 10, "status": "sending", "error": ""})
    widget._update("1", status="done")
    assert updates == []  # b.wav is still in flight: the live view is not redrawn under it
    widget._update("2", status="error", error="Too big.")
    assert updates[-1]["text/html"] == ("<div>Uploaded here:</div><ul><li>a.mp4 (1.5 MB): done</li>"
                                        "<li>b.wav (10 bytes): error (Too big.)</li></ul>")
    assert updates[-1]["text/plain"] == "Upload: a.mp4 (1.5 MB): done; b.wav (10 bytes): error (Too big.)"


def test_a_reply_lasts_as_markdown():
    data, metadata = StreamView(display=False)._repr_mimebundle_()
    assert set(data) == {WIDGET_VIEW, "text/markdown", "text/plain"} and metadata["nemo_jupyter"]["static"]


def saved_notebook(draft_json) -> dict:
    """A notebook as JupyterLab sends it to be saved: outputs of our widgets and of another one,
    with "save widget state" on (each anywidget model carries its whole bundle)."""
    timeline = TimelineWidget(draft_json())
    data, metadata = timeline._repr_mimebundle_()
    ours, theirs, link, layout, other_layout = "a" * 32, "b" * 32, "c" * 32, "d" * 32, "e" * 32
    data[WIDGET_VIEW]["model_id"] = ours
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%nemo timeline", outputs=[
        nbformat.v4.new_output("display_data", data=data, metadata=metadata),
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": theirs, "version_major": 2},
                                                     "text/plain": "IntSlider(value=3)"})])]
    nb.metadata["widgets"] = {WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": {
        ours: {"model_name": "AnyModel", "state": {"_anywidget_id": "nemo_jupyter.widgets.timeline.TimelineWidget",
                                                   "_esm": "x" * 35_000, "layout": f"IPY_MODEL_{layout}"}},
        layout: {"model_name": "LayoutModel", "state": {}},
        link: {"model_name": "LinkModel", "state": {"source": [f"IPY_MODEL_{ours}", "playhead"],
                                                    "target": [f"IPY_MODEL_{theirs}", "value"]}},
        theirs: {"model_name": "IntSliderModel", "state": {"value": 3, "layout": f"IPY_MODEL_{other_layout}"}},
        other_layout: {"model_name": "LayoutModel", "state": {}},
    }}}
    return {"type": "notebook", "content": nbformat.from_dict(copy.deepcopy(dict(nb)))}


def test_the_save_hook_keeps_the_static_forms_and_drops_our_widgets_only(draft_json):
    model = saved_notebook(draft_json)
    pre_save(model=model, path="x.ipynb", contents_manager=None)
    nb = model["content"]
    ours, theirs = (output["data"] for output in nb["cells"][0]["outputs"])
    assert WIDGET_VIEW not in ours and "<img src=\"data:image/svg+xml" in ours["text/html"]
    assert theirs[WIDGET_VIEW]["model_id"] == "b" * 32  # another library's widget is left alone
    state = nb["metadata"]["widgets"][WIDGET_STATE]["state"]
    assert set(state) == {"b" * 32, "e" * 32}  # ours, its layout and the link to it are gone
    assert "x" * 1000 not in str(nb)
    nbformat.validate(nbformat.from_dict(nb))
    assert freeze_notebook(nb) is False  # a second save changes nothing


def test_the_save_hook_removes_the_widget_state_when_only_ours_was_in_it(draft_json):
    model = saved_notebook(draft_json)
    del model["content"]["cells"][0]["outputs"][1]
    state = model["content"]["metadata"]["widgets"][WIDGET_STATE]["state"]
    for mid in ("b" * 32, "c" * 32, "e" * 32):
        del state[mid]
    pre_save(model=model)
    assert "widgets" not in model["content"]["metadata"]
    pre_save(model={"type": "file", "content": "text"})  # other files pass untouched
    pre_save(model={"type": "notebook", "content": None})


def test_the_server_extension_registers_the_hook():
    registered = []
    app = type("App", (), {"contents_manager": type("CM", (), {"register_pre_save_hook": registered.append})(),
                           "log": type("Log", (), {"info": lambda *a: None})()})()
    _load_jupyter_server_extension(app)
    assert registered == [pre_save]


@pytest.mark.parametrize("text", ["", "ab", "a much longer label than fits"])
def test_labels_are_cut_to_their_box(text):
    fitted = static_forms._fit(text, 40)
    assert len(fitted) * 6.6 <= 40 and (fitted == text or fitted.endswith("…") or fitted == "")


def test_the_timeline_picture_is_redrawn_once_an_edit_is_over(draft_json, monkeypatch):
    updates = []
    monkeypatch.setattr("IPython.display.update_display", lambda obj, **kw: updates.append(obj))
    widget = TimelineWidget(draft_json())
    widget._shown = True
    widget.busy = True
    widget.show(draft_json(scenes=("b", "a", "c")))
    assert updates == []  # mid-edit: the live view is not restarted under the user's drag
    widget.busy = False
    assert len(updates) == 1 and ">b</text>" in picture(updates[0]["text/html"])
    widget.busy = True
    widget.busy = False
    assert len(updates) == 1, "an edit that changed nothing redraws nothing"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return sum(k * (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
               for k, c in zip((0.2126, 0.7152, 0.0722), channels))


def contrast(one: str, two: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_analysis_picture_names_clips_by_file_and_reads_in_any_theme():
    from nemo_jupyter.findings import FindingsPlot, findings_dataframe, media_names

    analyses = {"med_1": {"findings": [{"kind": "scene", "start_s": 0, "end_s": 1}, {"kind": "black", "start_s": 1, "end_s": 1.5}]}}
    names = media_names([{"id": "med_1", "name": "beach.mp4"}, {"id": "med_2"}])
    found = findings_dataframe(analyses, names)
    assert list(found[["clip", "media"]].iloc[0]) == ["beach.mp4", "med_1"]  # the id stays, as a column
    assert findings_dataframe(analyses)["clip"].tolist() == ["med_1", "med_1"]  # no name known: the id
    svg = FindingsPlot(found)._repr_svg_()
    assert ">beach.mp4 · scene</text>" in svg and "med_1" not in svg
    ink = re.search(r'<svg [^>]*fill="(#[0-9a-f]{6})"', svg).group(1)
    ground = re.search(r'<svg [^>]*style="background: (#[0-9a-f]{6})"', svg).group(1)
    assert contrast(ink, ground) >= 4.5  # its own ground: the dark theme's background never shows through


def test_the_timeline_picture_reads_in_any_theme():
    svg = static_forms.timeline_svg([{"name": "Video", "type": "video", "segments": [[0, 1, "a", "s"]]}])
    assert contrast(static_forms.INK, static_forms.CARD) >= 4.5 and contrast(static_forms.RULE, static_forms.CARD) >= 4.5
    assert all(contrast("#ffffff", colour) >= 4.5 for colour in [*static_forms.LANE_COLOURS.values(), static_forms.OTHER_LANE])
    assert f'fill="{static_forms.CARD}"' in svg


def test_ten_thousand_segments_stay_a_small_picture():
    tracks = [{"name": "Video", "type": "video", "segments": [[i * 0.1, 0.1, f"seg {i}", f"s{i}"] for i in range(10_000)]}]
    assert len(static_forms.timeline_html(tracks)) < 5_000  # blocks closer than a pixel are one block
    assert static_forms.timeline_text(tracks).endswith("seg 11 and 9988 more)")
    roomy = [{"name": "Video", "type": "video", "segments": [[0, 1, "a", "s1"], [1, 1, "b", "s2"]]}]
    assert static_forms.timeline_svg(roomy).count('fill="#2f5f9e"') == 2  # wide blocks side by side stay two


def test_the_analysis_picture_also_comes_as_an_image_for_untrusted_notebooks():
    from nemo_jupyter.findings import FindingsPlot, findings_dataframe

    plot = FindingsPlot(findings_dataframe({"m": {"findings": [{"kind": "scene", "start_s": 0, "end_s": 1}]}}))
    assert picture(plot._repr_html_()) == plot._repr_svg_() and 'alt="&lt;clip analysis: 1 scene' in plot._repr_html_()
