"""notebooks/02_explore.ipynb in a real JupyterLab (loopback server, Debian's Chromium), with every
request off the loopback blocked: the charts saved in the notebook draw when it is reopened, and
running it draws the live sync chart (a FigureWidget) as well."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from playwright.sync_api import Page, sync_playwright

from .sandbox.test_link_browser import CHROMIUM_ARGS, chromium_path
from .test_notebook_explore_export import EXPLORE, stored_chart_titles

pytestmark = pytest.mark.browser

TOKEN = "codat-nb-lab-test"
TIMEOUT_MS = 60_000
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},  # never write test outputs back
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},  # render every cell
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab server on a copy of the notebook; yields its base URL."""
    root, settings = tmp_path_factory.mktemp("lab_root"), tmp_path_factory.mktemp("lab_settings")
    shutil.copy(EXPLORE, root / EXPLORE.name)
    for plugin, values in SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        (settings / package).mkdir(parents=True, exist_ok=True)
        (settings / package / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    port = _free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp_path_factory.mktemp('lab_workspaces')}",
        "--LabApp.news_url=None",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("CODAT_API_KEY", None)  # the notebook must run on the embedded Sandbox
    env.pop("PLOTLY_RENDERER", None)
    log = (root.parent / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/status", headers={"Authorization": f"token {TOKEN}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{(root.parent / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.25)
        yield url
    finally:
        try:
            httpx.post(f"{url}/api/shutdown", headers={"Authorization": f"token {TOKEN}"}, timeout=5)
            server.wait(timeout=20)
        except (httpx.HTTPError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        log.close()


@pytest.fixture
def page(lab: str) -> Iterator[tuple[Page, list[str]]]:
    """Chromium on the notebook; requests that leave the loopback server are aborted and recorded."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.set_default_timeout(TIMEOUT_MS)
            blocked: list[str] = []

            def only_loopback(route: Any) -> None:
                if route.request.url.startswith(lab):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", only_loopback)
            opened = context.new_page()
            opened.goto(f"{lab}/lab/tree/{EXPLORE.name}?reset&token={TOKEN}")
            opened.wait_for_selector(".jp-Notebook .jp-Cell")
            yield opened, blocked
        finally:
            browser.close()


DRAWN = """() => [...document.querySelectorAll('.jp-Notebook .js-plotly-plot')]
    .filter(gd => gd.querySelector('svg.main-svg'))
    .map(gd => ({title: (gd.querySelector('.gtitle') || {}).textContent, points: gd.querySelectorAll('.point').length,
                 bars: (gd.data || []).reduce((n, trace) => n + ((trace.y || []).length), 0)}))"""


def _drawn(page: Page, at_least: int) -> list[dict[str, Any]]:
    page.wait_for_function(f"() => ({DRAWN})().length >= {at_least}")
    return page.evaluate(DRAWN)


def _wait_for_an_idle_kernel(page: Page) -> None:
    """The kernel has started and is idle: the indicator says so and the status bar ends "| Idle"
    (the indicator alone is idle before a kernel is connected, and Run All then does nothing)."""
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    page.wait_for_function("() => [...document.querySelectorAll('.jp-StatusBar-Item')].some(item => item.textContent.trim().endsWith('| Idle'))")


def test_reopened__the_saved_charts_draw_offline(page: tuple[Page, list[str]]) -> None:
    opened, blocked = page
    titles = stored_chart_titles(EXPLORE)
    drawn = _drawn(opened, len(titles))
    assert [chart["title"] for chart in drawn] == titles
    assert all(chart["points"] >= 2 for chart in drawn), drawn
    assert not blocked, f"JupyterLab tried to reach the network: {blocked}"


def test_run_all__the_live_sync_chart_draws_and_no_cell_fails(page: tuple[Page, list[str]]) -> None:
    opened, blocked = page
    _wait_for_an_idle_kernel(opened)
    # Stored prompts already look done, so watch for the run's own "[*]" from before the click.
    opened.evaluate(
        """() => {
            window.sawRunning = false;
            const running = () => [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
            new MutationObserver(() => { if (running()) window.sawRunning = true; })
                .observe(document.body, {subtree: true, childList: true, characterData: true});
        }"""
    )
    opened.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    opened.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    opened.wait_for_function("() => window.sawRunning")
    opened.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))", timeout=180_000
    )
    _wait_for_an_idle_kernel(opened)
    errors = opened.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert errors.count() == 0, errors.all_inner_texts()
    titles = stored_chart_titles(EXPLORE)
    drawn = _drawn(opened, len(titles) + 1)
    live = drawn[0]  # the FigureWidget comes first, fed by wait_for_sync's progress callback
    assert live["title"] == titles[0] and live["bars"] == 17, drawn[0]
    assert [chart["title"] for chart in drawn[1:]] == titles
    assert not blocked, f"JupyterLab tried to reach the network: {blocked}"
