"""pytest fixtures for tests that run python-telegram-bot against `FakeTelegram`.

Register them in a test module with::

    pytest_plugins = ["tests.fakes.telegram_fixtures"]

and do not import this module directly (pytest must import it first to rewrite its asserts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def fake_telegram(tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    """A started `FakeTelegram` in cloud mode, its local-mode files under the test's temp dir;
    stopped after the test."""
    async with FakeTelegram(files_dir=tmp_path / "telegram-files") as fake:
        yield fake


@pytest.fixture
async def fake_telegram_local(tmp_path: Path) -> AsyncIterator[FakeTelegram]:
    """A started `FakeTelegram` in local mode (as a self-hosted ``--local`` Bot API server)."""
    async with FakeTelegram(local_mode=True, files_dir=tmp_path / "telegram-files") as fake:
        yield fake
