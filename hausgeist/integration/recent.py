"""A bounded memory of recent answers by request id, in front of the outbox."""

from __future__ import annotations

from collections import OrderedDict


class RecentAnswers:
    """Least-recently-used map of request id to the answer sent for it."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._answers: OrderedDict[str, bytes] = OrderedDict()

    def get(self, request_id: str) -> bytes | None:
        """The answer given to ``request_id``, if it is still remembered."""
        answer = self._answers.get(request_id)
        if answer is not None:
            self._answers.move_to_end(request_id)
        return answer

    def put(self, request_id: str, answer: bytes) -> None:
        """Remember an answer, forgetting the oldest beyond ``size``."""
        self._answers[request_id] = answer
        self._answers.move_to_end(request_id)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)
