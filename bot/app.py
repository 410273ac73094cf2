"""The one place where Waypoint's parts are built and wired together.

The Discord client and the CLI both call `open_services`; nothing else constructs the database,
the knowledge base or the services, and nothing is global.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.admin.service import KnowledgeSync
    from bot.qa.service import QuestionService
    from bot.storage.db import Database
    from bot.study.service import StudyServices
    from index.catalog import Catalog
    from index.search import IndexConfig, KnowledgeBase

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


@dataclass
class Services:
    """What the edges (cogs, CLI verbs) call. `knowledge` and `questions` exist only when the
    index was opened, so commands that only touch SQLite never load the embedding model."""

    settings: Settings
    db: Database
    study: StudyServices
    knowledge: KnowledgeBase | None = None
    questions: QuestionService | None = None
    # False when the knowledge base was handed in already open: its owner closes it.
    owns_knowledge: bool = True
    # Keeps this process on the knowledge generation of the others (a bot starts it; CLI
    # verbs never do, so a one-off command is not counted as a running process).
    knowledge_sync: KnowledgeSync | None = None
    _closed: bool = field(default=False, repr=False)

    async def close(self) -> None:
        """Release the index's workers and the database; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self.knowledge_sync is not None:
            await self.knowledge_sync.close()
        if self.knowledge is not None and self.owns_knowledge:
            await self.knowledge.close()
        await self.db.close()


def index_config(settings: Settings) -> IndexConfig:
    """The index settings, as plain values (index/ never sees Settings)."""
    from index.links import LinkSettings
    from index.search import IndexConfig as _IndexConfig

    return _IndexConfig(
        knowledge_dirs=tuple(p.resolve() for p in settings.knowledge),
        index_dir=settings.index_dir,
        model_path=settings.model_path,
        model_name=settings.model,
        backend=settings.embedding_backend,
        models_dir=settings.models_dir,
        links=LinkSettings(tuple(settings.knowledge_links.items())),
    )


async def open_knowledge(
    settings: Settings, progress: ProgressCallback | None = None
) -> KnowledgeBase:
    """Load the persisted index for the configured folders, building it when missing or stale."""
    from index.search import KnowledgeBase as _KnowledgeBase

    return await _KnowledgeBase.open(index_config(settings), progress=progress)


async def open_services(
    settings: Settings,
    *,
    with_knowledge: bool = True,
    progress: ProgressCallback | None = None,
    knowledge: KnowledgeBase | None = None,
    catalog: Callable[[], Catalog] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Services:
    """Open the database (migrations applied) and, when asked, the knowledge base.

    `knowledge` shares a knowledge base that is already open (the caller keeps closing it);
    `catalog` and `clock` replace where roadmaps come from and what time it is (tests).
    """
    from bot.storage.db import Database
    from bot.study.service import StudyServices

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = await Database.open(settings.database_target)
    owns_knowledge = knowledge is None
    sync = None
    try:
        if knowledge is None and with_knowledge:
            if settings.knowledge_source == "database":
                sync = await _open_reader(settings, db)
                knowledge = sync.knowledge
            else:
                knowledge = await open_knowledge(settings, progress)
    except BaseException:
        await db.close()
        raise

    try:
        if catalog is None:
            catalog = _catalog_source(settings, knowledge)
        study = StudyServices.build(
            db,
            catalog,
            default_timezone=settings.default_timezone,
            clock=clock,
            room_minute_seconds=settings.study_room_minute_seconds,
        )
    except BaseException:
        if knowledge is not None and owns_knowledge:
            await knowledge.close()
        await db.close()
        raise
    questions = None
    if knowledge is not None:
        from bot.admin.service import KnowledgeSync
        from bot.qa.service import QuestionService

        sync = sync or KnowledgeSync(knowledge, db)
        questions = QuestionService(
            knowledge,
            db,
            study.plans,
            top_k=settings.top_k,
            cooldown_seconds=settings.ask_cooldown_seconds,
        )
    log.info("services ready (knowledge base %s)", "loaded" if knowledge else "not loaded")
    return Services(settings, db, study, knowledge, questions, owns_knowledge, sync)


async def _open_reader(settings: Settings, db: Database) -> KnowledgeSync:
    """Reader mode: the knowledge base another process published, downloaded into the data
    directory (this process's knowledge folders, if any, are not read)."""
    from dataclasses import replace

    from bot.admin.service import KnowledgeSync

    config = replace(index_config(settings), knowledge_dirs=())
    return await KnowledgeSync.open_reader(config, db, settings.index_dir / "published")


def _catalog_source(settings: Settings, knowledge: KnowledgeBase | None) -> Callable[[], Catalog]:
    """Roadmaps as the live index has them (they change on /kb reload), or read once from the
    YAML when the index is not loaded."""
    if knowledge is not None:
        kb = knowledge

        def live() -> Catalog:
            return kb.catalog

        return live
    from index.catalog import load_catalog

    static = load_catalog(settings.knowledge)

    def fixed() -> Catalog:
        return static

    return fixed
