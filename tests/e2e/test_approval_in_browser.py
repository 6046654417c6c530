"""The approval clicked in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium, headless),
only localhost reachable, on the LocalExecutor Airflow of tests/e2e/conftest.py.

An approver (alice) logs into the Airflow UI, opens the pending gate of a wave run, sees the evidence table
(the checks of the test instances), clicks Approve and sees the run go on; a user who is not an approver
(mallory) cannot approve it. Screenshots are saved in the test's tmp_path (printed; pytest keeps the last
three runs under /tmp/pytest-of-<user>/).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from tests.e2e.fast_gates import dag_id, server_id
from tests.e2e.fast_stack import BROWSER_WAVE, task_states

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("airflow_fast_gates")]

CHROMIUM = Path("/usr/bin/chromium")
GATE = "approve_cutover"


def _wait(predicate, what: str, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)
    return value


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run devstack/e2e_services.sh (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


def _page(browser, outside: list[str]):
    """A fresh session whose requests anywhere but 127.0.0.1 are refused (and listed in `outside`)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def only_localhost(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    context.route("**/*", only_localhost)
    return context.new_page()


def _snapshot(page, path: Path) -> None:
    """A screenshot and the DOM it shows (PNG and HTML side by side)."""
    page.screenshot(path=str(path), full_page=True)
    path.with_suffix(".html").write_text(page.content())


def _log_in(page, base_url: str, user: str, password: str, next_path: str) -> None:
    page.goto(f"{base_url}/auth/login?next={quote(next_path)}")
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url, timeout=30_000)


@pytest.mark.timeout(420)
@pytest.mark.parametrize("waves", ["local"], indirect=True)
def test_an_approver_approves_in_the_browser_and_others_cannot(waves, browser, tmp_path):
    admin, dag = waves.user("admin"), dag_id(BROWSER_WAVE)
    run = admin.trigger(dag)["dag_run_id"]
    _wait(lambda: admin.task_instance(dag, run, GATE)["state"] == "awaiting_input", "the gate to wait")
    gate_path = f"/dags/{dag}/runs/{run}/tasks/{GATE}/required_actions"
    outside: list[str] = []
    print(f"screenshots in {tmp_path}")

    # mallory is a user of this Airflow but not an approver of the plan: her click records nothing
    page = _page(browser, outside)
    _log_in(page, waves.stack.base_url, "mallory", waves.stack.password("mallory"), gate_path)
    page.get_by_text("3 of 3 checks passed").wait_for(timeout=30_000)  # she can read the gate
    page.wait_for_timeout(1000)
    approve = page.get_by_test_id("hitl-option-Approve")
    print(f"mallory sees an Approve button: {approve.count() > 0}")
    if approve.count() and approve.is_enabled():
        approve.click()
        page.wait_for_timeout(2000)
    _snapshot(page, tmp_path / "1-mallory-cannot-approve.png")
    gate = admin.request("GET", f"/dags/{dag}/dagRuns/{run}/taskInstances/{GATE}/-1/hitlDetails")
    assert gate["response_received"] is False, gate
    assert admin.task_instance(dag, run, GATE)["state"] == "awaiting_input"
    page.context.close()

    # alice, an approver, sees the evidence and approves
    page = _page(browser, outside)
    _log_in(page, waves.stack.base_url, "alice", waves.stack.password("alice"), gate_path)
    evidence = page.get_by_role("table").filter(has_text="detail")
    evidence.wait_for(timeout=30_000)
    rows = evidence.locator("tbody tr")
    assert rows.count() == 3  # instance, http, tcp of the wave's one server
    assert {rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)} == {"instance", "http", "tcp"}
    for i in range(3):
        cells = rows.nth(i).locator("td")
        assert cells.nth(0).inner_text() == server_id(BROWSER_WAVE) and cells.nth(3).inner_text() == "yes"
    page.get_by_text("3 of 3 checks passed").wait_for()
    _snapshot(page, tmp_path / "2-alice-sees-the-evidence.png")
    page.get_by_test_id("hitl-option-Approve").click()

    # the answer is recorded as hers, and the run goes on past the gate
    gate = _wait(
        lambda: (
            (g := admin.request("GET", f"/dags/{dag}/dagRuns/{run}/taskInstances/{GATE}/-1/hitlDetails"))[
                "response_received"
            ]
            and g
        ),
        "the answer",
    )
    assert (gate["chosen_options"], gate["responded_by_user"]["id"]) == (["Approve"], "alice")
    _wait(lambda: task_states(admin, dag, run).get("terminate_test_instances") == "success", "the run")
    page.goto(f"{waves.stack.base_url}/dags/{dag}/runs/{run}/tasks/{GATE}")
    page.get_by_text("Success").first.wait_for(timeout=30_000)
    _snapshot(page, tmp_path / "3-the-run-goes-on.png")
    states = task_states(admin, dag, run)
    assert states[GATE] == "success" and states["ready_for_cutover"] == "success", states
    page.context.close()
    print(f"requests refused (not localhost): {outside}")  # the UI above worked without them
