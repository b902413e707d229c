"""The package's errors: one base class, and one subclass per way a send can fail."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import List, Sequence


class InvalidationQueueError(Exception):
    """Base class of every error this package raises."""


class InvalidInvalidationError(InvalidationQueueError, ValueError):
    """The paths, URLs or fields break a rule of the message contract; nothing was sent.

    ``field`` names the argument (``paths``, ``urls``, ``source``, ...) and ``value`` holds the bad value.
    """

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


@dataclass(frozen=True)
class FailedEntry:
    """One message SendMessageBatch did not accept: ``index`` is its position among the messages of the call."""

    index: int
    code: str
    message: str
    sender_fault: bool


class SendInvalidationError(InvalidationQueueError):
    """SendMessageBatch reported failed entries. The other messages were sent: their ids are in ``message_ids``."""

    def __init__(self, failed: Sequence[FailedEntry], message_ids: Sequence[str], total: int) -> None:
        codes = ", ".join(f"{code} (x{count})" if count > 1 else code for code, count in Counter(f.code for f in failed).items())
        super().__init__(f"SendMessageBatch failed for {len(failed)} of {total} messages: {codes}")
        self.failed: List[FailedEntry] = list(failed)
        self.message_ids: List[str] = list(message_ids)
