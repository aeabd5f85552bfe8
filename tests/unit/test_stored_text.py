"""Issue 10, defect 8: free text is stored bounded, with a marker; lists of messages too."""

from __future__ import annotations

from orchestrator.stored_text import MAX_MESSAGE_CHARS, MAX_MESSAGES, bounded_messages, bounded_text


def test_short_text_is_unchanged_and_long_text_is_cut_with_a_marker() -> None:
    assert bounded_text("boom") == "boom"
    cut = bounded_text("x" * 10_000)
    assert len(cut) == MAX_MESSAGE_CHARS
    assert cut.endswith("… [truncated: 10000 characters]")


def test_many_messages_keep_the_first_and_say_how_many_more() -> None:
    kept = bounded_messages(f"file{i}: bad" for i in range(10_000))
    assert len(kept) == MAX_MESSAGES
    assert kept[0] == "file0: bad"
    assert kept[-1] == f"… and {10_000 - MAX_MESSAGES + 1} more"
    assert bounded_messages(["a", "b"]) == ["a", "b"]
