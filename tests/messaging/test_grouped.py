"""The group writer behind arriving texts and delivery statuses: an unexpected error in one
group fails that group's webhooks (they answer 503) and the writer goes on storing."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

from messaging.grouped import GroupWriter, settle


@dataclass(frozen=True)
class Item:
    name: str
    stored: Future[str] = field(default_factory=Future, compare=False)


def test_a_group_that_raises_fails_its_items_and_the_writer_carries_on() -> None:
    def store(group: list[Item]) -> None:
        for item in group:
            if item.name == "poison":
                raise RuntimeError("the database went away mid-group")
            settle(item.stored, item.name)

    writer: GroupWriter[Item] = GroupWriter("test-writer", store)
    try:
        first, poison = Item("first"), Item("poison")
        writer.put(first)
        writer.put(poison)
        assert poison.stored.exception(timeout=10) is not None  # its webhook answers 503
        assert first.stored.result(timeout=10) == "first"  # settled before the error: kept
        later = Item("later")
        writer.put(later)
        assert later.stored.result(timeout=10) == "later"  # the same writer, still alive
    finally:
        writer.close()


def test_a_webhook_that_gave_up_does_not_break_settling() -> None:
    future: Future[str] = Future()
    future.cancel()  # the request was cancelled while it waited
    settle(future, "stored anyway")  # no InvalidStateError
    assert future.cancelled()
