"""Errors in a notebook lead with the message: IPython hides codat_nb's own frames (__tracebackhide__),
and the subpackages are reachable as attributes of codat_nb."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import io, contextlib
    from IPython.testing.globalipapp import start_ipython
    shell = start_ipython()
    shell.run_cell("import codat_nb; sandbox = codat_nb.Sandbox(browser_links=False); client = sandbox.client(retries=False)")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        shell.run_cell("client.get_company('8a210b68-6988-11ed-a1eb-0242ac120002')")
        shell.run_cell("import asyncio; asyncio.run(sandbox.async_client(retries=False).get_company('8a210b68-6988-11ed-a1eb-0242ac120002'))")
    print(out.getvalue())
    """
)


def test_an_api_error_in_ipython_shows_the_message_not_the_clients_machinery() -> None:
    shown = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True).stdout
    assert shown.count("NotFoundError: No company was found with ID 8a210b68-6988-11ed-a1eb-0242ac120002") == 2
    for internal in ("_blocking", "_steps", "in _BaseClient._send", "in Client._send", "in Client._run", "_awaitable", "in AsyncClient._run", "in AsyncClient._send"):
        assert internal not in shown, internal
    assert "skipping hidden" in shown


def test_subpackages_are_attributes_loaded_on_first_use() -> None:
    script = "import sys, codat_nb; assert 'codat_nb.frames' not in sys.modules; codat_nb.frames.tables; codat_nb.charts; codat_nb.export; print(sorted(set(dir(codat_nb)) & {'frames', 'charts', 'widgets'}))"
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True).stdout
    assert shown.strip() == "['charts', 'frames', 'widgets']"
