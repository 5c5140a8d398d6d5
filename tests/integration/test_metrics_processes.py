"""Multiprocess metrics: counters moved in separate processes add up in one scrape, as with
``karo serve --workers N`` and ``karo worker`` sharing PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os
import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families

COUNT_A_HOP = "from bot import metrics; metrics.HOPS.labels('ussd', 'con').inc({n})"
SCRAPE = (
    "from bot.bootstrap import bootstrap; from bot.metrics import exposition;"
    "from bot.settings import Settings; import sys; sys.stdout.write(exposition(bootstrap(Settings(database_url='sqlite://')))[0].decode())"
)


def run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_hops_counted_in_two_processes_add_up_in_a_third_ones_scrape(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    run(COUNT_A_HOP.format(n=2), env)
    run(COUNT_A_HOP.format(n=3), env)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(run(SCRAPE, env))
        for s in family.samples
    }
    assert samples[("karo_hops_total", (("channel", "ussd"), ("outcome", "con")))] == 5
    assert (
        samples[("karo_state_up", ())] == 0
    )  # no outbox table in that empty database: the scrape still answers
