"""Passages as saved: what a restart reads back is what was built, whatever the text, and a save
after a reload (bytes of unchanged passages copied) writes what a fresh save would."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunk_file import FILES, EncodedChunks, encode_chunks, read_chunks, write_chunks
from index.documents import Chunk, Citation

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
maybe = st.none() | text


@st.composite
def chunks(draw: st.DrawFn) -> Chunk:
    embed = draw(text)
    return Chunk(
        key=draw(st.text("0123456789abcdef", min_size=1, max_size=24)),
        folder=draw(st.integers(0, 3)),
        citation=Citation(draw(text), draw(text), draw(maybe), draw(text)),
        text=draw(text),
        embed_text=embed,
        lexical_text=draw(st.just(embed) | text),
        line=draw(st.integers(0, 10_000)),
        path_id=draw(maybe),
        module_id=draw(maybe),
    )


def _saved(folder: Path, encoded: EncodedChunks) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    write_chunks(folder, encoded)
    return {name: (folder / name).read_bytes() for name in FILES}


@settings(max_examples=40, deadline=None)
@given(st.lists(chunks(), max_size=12), st.data())
def test_saved_passages_read_back_equal_and_resave_the_same_bytes(
    tmp_path_factory: pytest.TempPathFactory, built: list[Chunk], data: st.DataObject
) -> None:
    root = tmp_path_factory.mktemp("g")
    first = _saved(root / "a", encode_chunks(built))
    restored, encoded = read_chunks(root / "a")
    assert restored == built  # texts read on demand compare like built chunks
    assert [hash(c) for c in restored] == [hash(c) for c in built]
    assert [c.lexical_text for c in restored] == [c.lexical_text for c in built]

    # A reload: some passages kept (copied as bytes from the saved file), some new.
    added = data.draw(st.lists(chunks(), max_size=4))
    kept = data.draw(st.lists(st.integers(0, max(0, len(built) - 1)), max_size=len(built)))
    kept = sorted(set(kept)) if built else []
    after = [restored[i] for i in kept] + added
    rows = [*kept, *([-1] * len(added))]
    copied = _saved(root / "b", encode_chunks(after, encoded, rows))
    fresh = _saved(root / "c", encode_chunks([*(built[i] for i in kept), *added]))
    assert copied == fresh
    assert first == _saved(root / "d", encode_chunks(built))
    again, _ = read_chunks(root / "b")
    assert again == [*(built[i] for i in kept), *added]
