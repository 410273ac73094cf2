"""A question about using the bot opens on the section of the command that does it.

The generated article (knowledge/waypoint/using-waypoint.md) gives each command its own
passage and says what a learner would use it for, so "how can I see my streak" opens on
/progress (not on /remind, which also says "streak") and "remind me to study every evening"
on /remind (not on a study-habits article). Real knowledge base, real model, real index.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from index.embedder import Embedder
from index.search import IndexConfig, KnowledgeBase
from tests.conftest import SESSION_LOOP
from tests.knowledge_base.conftest import BACKEND, model_path

pytestmark = SESSION_LOOP

REPO = Path(__file__).resolve().parents[2]
ARTICLE = "waypoint/using-waypoint.md"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def knowledge(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, onnx_models: Path
) -> AsyncIterator[KnowledgeBase]:
    """Our own knowledge folder, indexed once for this module."""
    index = tmp_path_factory.mktemp("bot-questions") / "index"
    config = IndexConfig(
        ((REPO / "knowledge").resolve(),), index, model_path(), "embedded", BACKEND, onnx_models
    )
    kb = await KnowledgeBase.open(config)
    yield kb
    await kb.close()


@pytest.mark.parametrize(
    ("question", "command"),
    [
        ("how can I see my streak", "/progress"),
        ("remind me to study every evening", "/remind"),
        ("how do I skip a module in my plan", "/plan"),
        ("who is top of the study leaderbord this weak", "/leaderboard"),
    ],
)
async def test_a_question_about_the_bot_opens_on_the_command_that_does_it(
    knowledge: KnowledgeBase, question: str, command: str
) -> None:
    answer = await knowledge.ask(question)
    assert answer.answered
    best = answer.passages[0]
    assert best.citation.source == ARTICLE
    # A group's passage or one of its subcommands' ("/plan › /plan done").
    assert best.citation.section.split(" › ")[0] == command


async def test_a_subcommand_is_a_passage_of_its_own(knowledge: KnowledgeBase) -> None:
    # Not the whole /remind group: the passage of the subcommand that stops it.
    answer = await knowledge.ask("how do i turn the streak reminder off")
    assert answer.answered
    assert answer.passages[0].citation.section == "/remind › /remind off"
