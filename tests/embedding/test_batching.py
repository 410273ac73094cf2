"""`plan_batches`: every text once, little padding, within the token budget."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from index.onnx_embedder import plan_batches


@given(
    lengths=st.lists(st.integers(min_value=2, max_value=256), max_size=200),
    batch_tokens=st.integers(min_value=1, max_value=4096),
    max_batch=st.integers(min_value=1, max_value=64),
)
def test_batches_cover_every_text_once_within_the_budget(
    lengths: list[int], batch_tokens: int, max_batch: int
) -> None:
    batches = plan_batches(lengths, batch_tokens=batch_tokens, max_batch=max_batch)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        assert 1 <= len(batch) <= max_batch
        widths = [lengths[i] for i in batch]
        assert widths == sorted(widths)
        # A lone text may exceed the budget (it cannot be split); a group never does.
        assert len(batch) == 1 or len(batch) * max(widths) <= batch_tokens
    ordered = [lengths[i] for batch in batches for i in batch]
    assert ordered == sorted(lengths)


def test_long_texts_go_a_few_at_a_time_and_short_ones_together() -> None:
    lengths = [256] * 8 + [12] * 70
    batches = plan_batches(lengths, batch_tokens=1024, max_batch=64)
    assert [len(b) for b in batches] == [64, 6, 4, 4]
