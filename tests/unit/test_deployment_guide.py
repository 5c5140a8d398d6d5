"""docs/deployment.md stays true to the code: every setting, every webhook the app serves, and the
Procfile's processes as `karo` commands."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.cli import cli
from bot.settings import ENV_PREFIX, Settings
from tests.e2e.test_webhook_fuzz import paths

ROOT = Path(__file__).parents[2]
GUIDE = (ROOT / "docs" / "deployment.md").read_text()


def test_the_guide_names_every_setting() -> None:
    names = {ENV_PREFIX + field.upper() for field in Settings.model_fields}
    missing = sorted(name for name in names if f"`{name}`" not in GUIDE)
    assert names and missing == []


def test_the_webhooks_to_register_are_the_ones_the_app_serves() -> None:
    section = GUIDE.split("## Webhooks to register", 1)[1].split("\n## ", 1)[0]
    listed = {
        url.replace("TOKEN", "{token}")
        for url in re.findall(r"https://karo\.example\.co\.ke(/\S+?)`", section)
    }
    app = create_app(bootstrap(Settings(database_url="sqlite://")))
    served = {path for path in paths(app.routes) if path.startswith(("/at/", "/twilio/", "/daraja/"))}
    assert len(served) == 11 and listed == served


def test_the_procfile_runs_karo_commands_the_guide_describes() -> None:
    procfile = (ROOT / "Procfile").read_text()
    processes = dict(line.split(": ", 1) for line in procfile.splitlines() if line.strip())
    assert set(processes) == {"web", "worker", "scheduler"}
    for command in processes.values():
        for step in command.split(" && "):
            words = step.split()
            assert words[0] == "karo" and words[1] in cli.commands, step
            assert f"`{step.split(' --')[0]}" in GUIDE or words[1] == "db", step
    assert "karo db upgrade" in processes["web"] and "upgrade" in cli.commands["db"].commands
    assert procfile.strip() in GUIDE
