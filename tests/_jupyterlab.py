"""A real JupyterLab for browser tests: a server on loopback over a folder of notebooks (optionally
under a URL prefix, as JupyterHub and Binder serve it), and the notebook actions the tests share."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

TOKEN = "codat-nb-lab-test"
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},  # never write test outputs back
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},  # render every cell
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def jupyterlab(
    root: Path, state: Path, base_url: str = "/", env: Mapping[str, str] | None = None, python: str = sys.executable
) -> Iterator[str]:
    """JupyterLab serving ``root``; yields its URL (with ``base_url``, ending in '/'). ``state``
    holds its settings, workspaces and log; ``python`` (by default this venv's) runs the server and
    the notebooks' kernels."""
    settings, workspaces = state / "settings", state / "workspaces"
    for plugin, values in SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        (settings / package).mkdir(parents=True, exist_ok=True)
        (settings / package / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    workspaces.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        python, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}",
        f"--ServerApp.base_url={base_url}", f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workspaces}",
        "--LabApp.news_url=None",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    environ = {**os.environ, "PATH": f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for name in [n for n in environ if n.startswith("CODAT_")] + ["PLOTLY_RENDERER"]:
        environ.pop(name, None)  # the notebooks must run on the embedded Sandbox, with the default renderer
    environ.update(env or {})
    log_path = state / "lab.log"
    url = f"http://127.0.0.1:{port}{base_url}"
    with log_path.open("w") as log:
        server = subprocess.Popen(command, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_serving(server, f"{url}api/status", log_path, "JupyterLab", {"Authorization": f"token {TOKEN}"}, ok=200)
            yield url
        finally:
            try:
                httpx.post(f"{url}api/shutdown", headers={"Authorization": f"token {TOKEN}"}, timeout=5)
                server.wait(timeout=20)
            except (httpx.HTTPError, subprocess.TimeoutExpired):
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=10)


def wait_until_serving(
    server: subprocess.Popen[Any], probe: str, log_path: Path, what: str, headers: Mapping[str, str] | None = None, ok: int | None = None
) -> None:
    """Until ``probe`` answers (with status ``ok`` if given, else without a server error); fails with
    the log's end if the server dies or 60 s pass first."""
    deadline = time.monotonic() + 60
    while True:
        try:
            status = httpx.get(probe, headers=dict(headers or {}), timeout=2).status_code
            if status == ok if ok is not None else status < 500:
                return
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.25)


@contextmanager
def chromium(allowed: str, timeout_ms: int, viewport: tuple[int, int] = (1280, 1000)) -> Iterator[tuple[BrowserContext, list[str]]]:
    """Debian's Chromium where every request not starting with ``allowed`` is aborted and recorded."""
    from .sandbox.test_link_browser import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            context.set_default_timeout(timeout_ms)
            blocked: list[str] = []

            def only_allowed(route: Any) -> None:
                if route.request.url.startswith(allowed):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", only_allowed)
            yield context, blocked
        finally:
            browser.close()


def notebook_url(lab: str, name: str) -> str:
    return f"{lab}lab/tree/{name}?reset&token={TOKEN}"


def wait_for_an_idle_kernel(page: Page) -> None:
    """The kernel has started and is idle: the indicator says so and the status bar ends "| Idle"
    (the indicator alone is idle before a kernel is connected, and Run All then does nothing)."""
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    page.wait_for_function("() => [...document.querySelectorAll('.jp-StatusBar-Item')].some(item => item.textContent.trim().endsWith('| Idle'))")


def run_all(page: Page, timeout_ms: int = 180_000) -> None:
    """Run All from the menu and wait until every cell has run (no prompt shows ``*``)."""
    wait_for_an_idle_kernel(page)
    # Stored prompts already look done, so watch for the run's own "[*]" from before the click.
    page.evaluate(
        """() => {
            window.sawRunning = false;
            const running = () => [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
            new MutationObserver(() => { if (running()) window.sawRunning = true; })
                .observe(document.body, {subtree: true, childList: true, characterData: true});
        }"""
    )
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    page.wait_for_function("() => window.sawRunning")
    page.wait_for_function("() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))", timeout=timeout_ms)
    wait_for_an_idle_kernel(page)


def error_outputs(page: Page) -> list[str]:
    return page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
