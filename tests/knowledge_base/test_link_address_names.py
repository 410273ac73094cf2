"""A tool the knowledge base names only in a link's address is still a tool it mentions.

Resource lists name a tool by what it does and the tool's own name only in the address:
`[Medical image analysis](https://github.com/Project-MONAI/MONAI)`. The plain text the model and
BM25 read drops URLs, so before issue 12's eleventh round a learner's "monai" was a word the
knowledge base never uses (refused as not covered, or "corrected" into another word). The
addresses' names are now words of their passage (index/address_words.py); the web's own words
("github", "docs", "com") and video ids are not, so a question about GitHub Actions is still
refused by a corpus that merely links repositories on GitHub. The real model, FAISS and BM25.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from index.address_words import address_words
from index.search import IndexConfig, KnowledgeBase
from tests.knowledge_base.conftest import titled_pages

Config = Callable[..., IndexConfig]

# Written for the test: a resource page in the shape of an awesome list, and a few topic pages.
PAGES = {
    "resources.md": (
        "Resources for applied machine learning",
        "What is worth bookmarking once the basics are in place? This list is where we send "
        "learners who ask which tools and books to use next:\n\n"
        "- [Medical image analysis](https://github.com/Project-MONAI/MONAI): a framework for "
        "segmentation and classification of scans.\n"
        "- [Experiment tracking](https://docs.wandb.ai/): log every run's settings and metrics.\n"
        "- [Forecasting: Principles and Practice](https://otexts.com/fpp3/): a free textbook "
        "on forecasting with seasonal data.\n"
        "- [Streaming events](https://kafka.apache.org/quickstart): publish and consume a "
        "stream of records.\n"
        "- [A talk on model cards](https://www.youtube.com/watch?v=dQw4w9WgXcQ)\n"
        "- [Notebook examples](https://github.com/example-org/notebooks/blob/main/README.md)",
    ),
    "overfitting.md": (
        "Overfitting",
        "A model overfits when it learns the noise of its training data: training error keeps "
        "falling while validation error rises. Regularisation, more data and early stopping "
        "help.",
    ),
    "cross-validation.md": (
        "Cross-validation",
        "Cross-validation splits the data into folds, trains on all but one and scores on the "
        "held-out fold, in turn, so that every row is used for validation once.",
    ),
    "feature-scaling.md": (
        "Feature scaling",
        "Gradient descent and distance-based models need features on similar scales: "
        "standardise each column to zero mean and unit variance, or scale it into [0, 1].",
    ),
}


def test_an_address_gives_the_names_it_holds_and_not_the_web_s_own_words() -> None:
    found = address_words(PAGES["resources.md"][1])
    for name in ("monai", "wandb", "otexts", "kafka", "quickstart"):
        assert name in found
    for noise in ("github", "docs", "com", "www", "https", "youtube", "watch", "blob", "readme"):
        assert noise not in found
    # A video id is no name, whatever letters it holds.
    assert not any("dqw" in word or "wgxcq" in word for word in found)
    assert address_words("Plain prose with no link at all.") == []


@given(st.text(alphabet=st.sampled_from("ab:/.?#[]()<>%-_ Ahttps"), max_size=80))
def test_any_text_gives_lower_case_words_and_never_an_error(text: str) -> None:
    for word in address_words(text):
        assert word.isalpha()
        assert word.islower()
        assert len(word) >= 3


async def test_a_name_written_only_in_a_link_address_is_answered_from_its_page(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(titled_pages(tmp_path / "kb", PAGES)))
    for question in ("monai", "what is wandb", "otexts", "kafka quickstart tutorial"):
        answer = await kb.ask(question)
        assert answer.answered, question
        assert answer.passages[0].citation.source == "resources.md", question
    await kb.close()


async def test_a_link_s_host_or_a_tool_no_address_names_stays_not_covered(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(titled_pages(tmp_path / "kb", PAGES)))
    # The pages link GitHub repositories and docs sites; they explain neither GitHub nor Svelte.
    for question in ("how do I set up github actions", "what is github", "what is svelte"):
        answer = await kb.ask(question)
        assert not answer.answered, question
    await kb.close()
