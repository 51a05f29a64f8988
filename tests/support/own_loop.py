"""Run a coroutine to its end on an event loop of its own, in a thread of its own.

The browser tests keep Playwright's sync API alive for the whole session, and it leaves an
event loop running in the main thread; ``asyncio.run`` refuses to start beside it. A thread has
no running loop, so the coroutine runs there exactly as it would on its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:  # handed to the caller's thread below
            error.append(exc)

    thread = threading.Thread(target=run, name="own-event-loop")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
