from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDGETS = ("timeline", "player", "stream_view", "upload")
REMOTE_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["'](?:https?:)?//""")
BARE_IMPORT = re.compile(r"""\bfrom\s*["'][^"']+["']|\bimport\s*["'][^"']+["']""")


@pytest.mark.slow
def test_the_wheel_carries_the_widget_bundles(tmp_path):
    pytest.importorskip("build")
    # With the build hook installed here, build in this environment; else in an isolated one.
    isolation = [] if importlib.util.find_spec("hatch_jupyter_builder") is None else ["--no-isolation"]
    subprocess.run([sys.executable, "-m", "build", "--wheel", *isolation, "--outdir", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("nemo_jupyter-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for widget in WIDGETS:
        assert f"nemo_jupyter/static/{widget}.js" in names
        assert f"nemo_jupyter/static/{widget}.css" in names
        assert f"nemo_jupyter/widgets/{widget}.py" in names
    assert not any(name.startswith(("js/", "tests/")) for name in names)
    # the server extension that saves notebooks with the widgets' static forms is enabled on install
    assert any(name.endswith(".data/data/etc/jupyter/jupyter_server_config.d/nemo_jupyter.json") for name in names)
    assert "nemo_jupyter/server_ext.py" in names
    for widget in WIDGETS:  # everything bundled: no import from a CDN or any other module
        bundle = zipfile.ZipFile(wheel).read(f"nemo_jupyter/static/{widget}.js").decode()
        assert not REMOTE_IMPORT.search(bundle), widget
        assert not BARE_IMPORT.search(bundle), widget
