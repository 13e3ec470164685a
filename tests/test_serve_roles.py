"""`serve --role web|worker`: web processes take Slack's requests and file jobs, worker processes run them.

Real processes on one store: a case filed through the web process (signed HTTP, as Slack sends it) is
paged by the worker process, the web process runs no job at all, and the worker answers no Slack request.
On Postgres the worker hears of the web process's jobs by NOTIFY; on SQLite by its fallback interval.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services.paging import ESCALATE, SEND
from slack_standin import SlackStandIn
from tests.conftest import postgres_schema_url
from tests.paging_procs import PRIMARY, SECRET, TOKEN, BotProcess, job_rows, page_dms, running, wait_until, write_config
from tests.test_paging_processes import file_sev1

pytestmark = [pytest.mark.timeout(90), pytest.mark.usefixtures("bots_on_the_wall_clock")]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as running_standin:
        yield running_standin


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
    else:
        yield from postgres_schema_url()


def test_a_case_filed_through_the_web_role_is_paged_by_the_worker_role(
    standin: SlackStandIn, tmp_path: Path, store_url: str
):
    config = write_config(tmp_path / "config", waits=("30s", "30s", "30s"), tick_seconds=0.5)
    web = BotProcess(config, store_url, standin.api_url, tmp_path / "web.log", role="web")
    worker = BotProcess(config, store_url, standin.api_url, tmp_path / "worker.log", role="worker")
    with running(web, worker):
        web.start().wait_healthy()
        worker.start().wait_healthy()
        standin.bot_url = web.url
        file_sev1(standin)
        [page] = wait_until(lambda: page_dms(standin), timeout=20)
        assert (page.level, page.user) == (1, PRIMARY)
        rows = job_rows(store_url, [ESCALATE, SEND])
        workers = {r.claimed_by for r in rows if r.state == "done"}
        assert workers and all(f":{worker.pid}:" in name for name in workers), workers
        # The worker process serves its probes, never Slack's requests.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(worker.url, data=b"x"), timeout=5)
        assert refused.value.code == 404
        web.stop()
        worker.stop()
    assert "running jobs (role worker)" in worker.output()
    assert "job_done" not in web.output() and "tick" not in web.output().lower()


def test_two_web_processes_share_one_port_with_reuse_port_and_every_case_is_filed_once(
    standin: SlackStandIn, tmp_path: Path, store_url: str
):
    """`serve --reuse-port`: two web processes listen on the same port (SO_REUSEPORT) and the kernel
    spreads Slack's connections over both (each submission is its own connection, as Slack's are); every
    case is filed once and paged by the worker. A process binding that port without the option is refused."""
    config = write_config(tmp_path / "config", waits=("30s", "30s", "30s"), tick_seconds=0.5)
    first = BotProcess(
        config, store_url, standin.api_url, tmp_path / "web1.log", role="web", serve_args=("--reuse-port",)
    )
    second = BotProcess(
        config,
        store_url,
        standin.api_url,
        tmp_path / "web2.log",
        port=first.port,
        role="web",
        serve_args=("--reuse-port",),
    )
    alone = BotProcess(config, store_url, standin.api_url, tmp_path / "alone.log", port=first.port, role="web")
    worker = BotProcess(config, store_url, standin.api_url, tmp_path / "worker.log", role="worker")
    with running(first, second, worker, alone):
        first.start().wait_healthy()
        second.start().wait_healthy()
        worker.start().wait_healthy()
        alone.start()
        assert alone.process is not None and alone.process.wait(timeout=30) == 2
        assert "cannot listen on" in alone.output()
        standin.bot_url = first.url
        advertisers = [f"Brand{n} Foods" for n in range(16)]
        for advertiser in advertisers:
            file_sev1(standin, advertiser=advertiser)

        def all_paged() -> list:
            found = page_dms(standin)
            return found if len(found) >= 16 else []

        pages = wait_until(all_paged, timeout=30)
        assert len(pages) == 16
        filed = [first.output().count("case_opened"), second.output().count("case_opened")]
        assert sum(filed) == 16 and all(filed), filed  # both processes took submissions
        assert not standin.failed_deliveries()
        first.stop()
        second.stop()
        worker.stop()
