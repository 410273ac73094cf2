"""Whatever the knowledge base holds, replies fit Discord's embed limits and never ping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discord.embeds import answer_embed, excerpt, gaps_embed, reload_embed, status_embed
from bot.qa.service import GapsReport
from bot.storage.questions import GapRow, ShownSource
from index.documents import Answer, Citation, IndexStatus, Passage, ReloadReport
from index.problems import Problem
from tests.fake_discord.models import check_embed_limits

texts = st.text(min_size=1, max_size=6000)
urls = st.one_of(st.none(), st.text(max_size=300).map(lambda s: "https://example.org/" + s))
citations = st.builds(
    Citation, title=texts, section=st.text(max_size=500), url=urls, source=st.text(max_size=200)
)
passages = st.builds(
    Passage,
    text=texts,
    score=st.floats(0, 1),
    citation=citations,
    path_id=st.none(),
    module_id=st.none(),
)


@settings(max_examples=150, deadline=None)
@given(
    question=st.text(min_size=1, max_size=600),
    found=st.lists(passages, max_size=10),
    suggestions=st.lists(st.text(max_size=400), max_size=12),
)
def test_answer_embed_within_limits(
    question: str, found: list[Passage], suggestions: list[str]
) -> None:
    answer = Answer(question, bool(found), tuple(found), tuple(suggestions))
    embed = answer_embed(answer, footer="x" * 5000).to_dict()
    assert check_embed_limits([embed]) == []
    assert embed.get("description")


def test_takeaway_leads_and_each_document_is_named_once() -> None:
    lr = Citation("Learning rates", "Picking one", "https://example.org/lr", "lr.md")
    lr_why = Citation("Learning rates", "Why it matters", "https://example.org/lr", "lr.md")
    git = Citation("Git for ML", "Large files", None, "git.md")
    text = "The learning rate sets the step size. " * 30
    answer = Answer(
        "lr?",
        True,
        (
            Passage(text, 0.9, lr, None, None),
            Passage("Use DVC for data. Keep weights out of Git.", 0.8, git, None, None),
            Passage("Too high diverges. Too low crawls.", 0.7, lr_why, None, None),
        ),
        takeaway="Start from 3e-4 for Adam.",
    )
    description = answer_embed(answer).description or ""
    lines = description.split("\n")
    assert lines[0] == "> Start from 3e-4 for Adam."
    # The title once, as a link, with both of its sections under it; then the other document.
    assert description.count("Learning rates") == 1
    assert description.count("](https://example.org/lr)") == 1
    assert lines[2] == "**[Learning rates](https://example.org/lr)**"
    assert lines[3].startswith("*Picking one* — The learning rate sets the step size.")
    assert lines[3].endswith(".")  # cut at a sentence end, not mid-word
    assert lines[4] == "*Why it matters* — Too high diverges. Too low crawls."
    assert lines[5:] == [
        "",
        "**Git for ML**",
        "*Large files* — Use DVC for data. Keep weights out of Git.",
    ]


def test_sentences_the_takeaway_shows_are_not_repeated_below() -> None:
    citation = Citation("Overfitting", "Preventing it", None, "o.md")
    text = "Hold out a validation set. Add dropout or weight decay. Stop early."
    answer = Answer(
        "how?",
        True,
        (Passage(text, 1, citation, None, None),),
        takeaway="Add dropout or weight decay.",
    )
    description = answer_embed(answer).description or ""
    assert description.count("dropout") == 1
    assert "*Preventing it* — Hold out a validation set. Stop early." in description


def test_a_follow_up_is_titled_with_the_learners_words() -> None:
    citation = Citation("Overfitting", "Preventing it", None, "o.md")
    answer = Answer(
        "how do I prevent it? (what is overfitting?)",
        True,
        (Passage("Add dropout.", 1, citation, None, None),),
    )
    embed = answer_embed(answer, asked="how do I prevent it?")
    assert embed.title == "how do I prevent it?"
    assert embed.footer.text == (
        "Read with your earlier question “what is overfitting?”. Was this helpful? Vote below."
    )
    alone = answer_embed(
        Answer("what is dropout?", True, answer.passages), asked="what is dropout?"
    )
    assert alone.title == "what is dropout?"
    assert alone.footer.text == "Was this helpful? Vote below."


def test_mentions_in_passages_are_defused() -> None:
    citation = Citation("T", "", None, "t.md")
    answer = Answer("q", True, (Passage("Hello @everyone and <@123>", 1, citation, None, None),))
    description = answer_embed(answer).description or ""
    assert "@everyone" not in description
    assert "<@123>" not in description


def test_excerpt_leaves_out_headings_and_code() -> None:
    # The citation names the section, and a cut code block helps nobody.
    assert excerpt("## Heading\n\n```python\nx = 1\n```\nText `here`.", 100) == "Text 'here'."


def test_excerpt_joins_soft_wraps_but_keeps_list_items_on_their_own_lines() -> None:
    text = (
        "Two ways to fix it:\n\n- More data, simpler models,\n  regularisation.\n"
        "- Richer features and\n  longer training.\nJudge on validation data."
    )
    assert excerpt(text, 300) == (
        "Two ways to fix it:\n• More data, simpler models, regularisation.\n"
        "• Richer features and longer training. Judge on validation data."
    )


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.builds(
            Problem,
            file=st.text(min_size=1, max_size=300).map(Path),
            line=st.one_of(st.none(), st.integers(1, 10**6)),
            message=st.text(max_size=2000),
        ),
        max_size=200,
    )
)
def test_reload_embed_within_limits(problems: list[Problem]) -> None:
    failed = ReloadReport(False, errors=tuple(problems), warnings=tuple(problems))
    ok = ReloadReport(True, documents_added=3, warnings=tuple(problems), seconds=1.5)
    for report in (failed, ok):
        assert check_embed_limits([reload_embed(report, (Path("/kb"),)).to_dict()]) == []


def test_reload_embed_names_file_line_and_reason() -> None:
    problem = Problem(Path("/kb/articles/bad.md"), 3, "invalid front matter YAML")
    embed = reload_embed(ReloadReport(False, errors=(problem,)), (Path("/kb"),)).to_dict()
    assert "still answering" in embed["title"]
    assert embed["fields"][0]["value"] == "• `articles/bad.md`, line 3: invalid front matter YAML"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=600), max_size=30))
def test_gaps_embed_within_limits(questions: list[str]) -> None:
    now = datetime.now(UTC)
    source = ShownSource("t" * 300, "s", "https://example.org", "f.md")
    rows = tuple(GapRow(q, i + 1, now, (source,) * 3, i) for i, q in enumerate(questions))
    embed = gaps_embed(GapsReport(now - timedelta(days=30), rows, rows)).to_dict()
    assert check_embed_limits([embed]) == []


def test_status_embed_within_limits() -> None:
    report = ReloadReport(False, errors=(Problem(Path("x" * 3000), 1, "y" * 3000),))
    status = IndexStatus(
        10**6,
        10**7,
        tuple(Path(f"/k{i}" * 40) for i in range(50)),
        "m" * 3000,
        datetime.now(UTC),
        report,
        datetime.now(UTC),
    )
    paths = [f"Path number {i} " * 20 for i in range(40)]
    assert check_embed_limits([status_embed(status, paths).to_dict()]) == []
