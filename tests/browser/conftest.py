"""Fixtures of the browser tests: one JupyterLab for all of them, one headless Chromium page,
and one notebook (made by `notebook_cells`) run once per module."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from labtools import CHROMIUM, CHROMIUM_ARGS, Lab

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_backend(tmp_path_factory):
    """A backend of the browser tests' own: faults other tests set on the shared one never reach it."""
    from nemo_jupyter.local import LocalBackend

    with LocalBackend(data_dir=tmp_path_factory.mktemp("lab-backend")) as running:
        yield running


@pytest.fixture(scope="session")
def lab(lab_backend, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    folder = tmp_path_factory.mktemp("lab")
    env = {"NEMO_API_URL": lab_backend.url, "NEMO_CONFIG_DIR": str(folder / "nemo-config")}
    env.pop("NEMO_TOKEN", None)
    running = Lab(folder, env)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def copy_into():
    def copy(source: Path, folder: Path, name: str) -> Path:
        target = folder / name
        shutil.copyfile(source, target)
        return target

    return copy
