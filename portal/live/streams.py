"""One live stream: wait for events of the plan, look again with the viewer's rights, send what changed.

The page names the content_version it was rendered at (``?v=``); after a dropped connection the
browser names the last event it got (``Last-Event-ID``). Event ids are content versions, so a
stream that starts behind the plan sends the current fragments at once: no change is missed.

Every event is only a cue to look again. ``look`` runs in a short read transaction with the
viewer's rights loaded afresh (a withdrawn consent, a caseworker taken off the plan, a revoked
or expired power of attorney, a logout, an ended session, a deactivated account all show there;
each is announced on a topic the stream listens to, so it is seen at once) and renders the
page's fragments in the viewer's language; only fragments that differ from what the page
already shows are sent, and each such update is announced in the page's ``role="status"``
region. When ``look`` refuses, the stream sends a last event that tells the page, and ends.
Without any event the rights are looked at again every ``RECHECK_SECONDS``, so what ends by
time alone (a power of attorney that runs out at midnight, a login's idle timeout) ends too.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

import anyio
from sse_starlette.sse import ServerSentEvent
from starlette.requests import Request

from portal.live.bus import PRESENCE, EventBus
from portal.web import recheck

RECHECK_SECONDS = 60.0


@dataclass(frozen=True)
class Fragments:
    """What a page shows at one content version: sse event name -> HTML of that part."""

    version: int
    parts: dict[str, str]
    # The parts' names as the status region says them ("advarsler"); parts without one are not announced.
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class LiveStream:
    request: Request
    bus: EventBus
    topics: Iterable[str]
    since: int
    look: Callable[[Request], Fragments | None]
    # Rendered in the viewer's language: the status line for changed parts, the last event's text.
    announce: Callable[[list[str]], str]
    ended: Callable[[], tuple[str, str]]
    # A part that changes without the plan changing (who has it open), rendered without the database.
    presence_part: Callable[[], tuple[str, str] | None] | None = None
    on_open: Callable[[], None] | None = None
    on_close: Callable[[], None] | None = None
    # A client that did not ask for an event stream gets what it missed, and the stream ends.
    once: bool = False
    _shown: dict[str, str] = field(default_factory=dict)

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        subscription = self.bus.subscribe(self.topics)
        opened = False
        try:
            if self.on_open is not None and not self.once:
                await anyio.to_thread.run_sync(self.on_open)
                opened = True
            # Subscribed before the first look: a change committed meanwhile is seen either way.
            fragments = await recheck(self.request, self.look)
            async for event in self._send(fragments, first=True):
                yield event
            if fragments is None or self.once:
                return
            while True:
                events = await subscription.next(RECHECK_SECONDS)
                if events and all(event.kind == PRESENCE for event in events):
                    presence = self._presence()
                    if presence is not None:
                        yield presence
                    continue
                fragments = await recheck(self.request, self.look)
                ended = False
                async for event in self._send(fragments, first=False):
                    yield event
                    ended = ended or event.event == "ended"
                if ended:
                    return
        finally:
            subscription.close()
            if opened and self.on_close is not None:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(self.on_close)

    async def _send(self, fragments: Fragments | None, *, first: bool) -> AsyncIterator[ServerSentEvent]:
        if fragments is None:
            status, notice = await anyio.to_thread.run_sync(self.ended)
            yield ServerSentEvent(data=status, event="status")
            yield ServerSentEvent(data=notice, event="ended")
            return
        behind = fragments.version > self.since
        changed: list[str] = []
        for name, html in fragments.parts.items():
            digest = _digest(html)
            if first and not behind:
                # The page was rendered at this version: it shows these parts already.
                self._shown[name] = digest
                continue
            if self._shown.get(name) != digest:
                self._shown[name] = digest
                changed.append(name)
                yield ServerSentEvent(data=html, event=name, id=str(fragments.version))
        announced = [fragments.labels[name] for name in changed if name in fragments.labels]
        if announced:
            status = await anyio.to_thread.run_sync(self.announce, announced)
            yield ServerSentEvent(data=status, event="status", id=str(fragments.version))
        elif behind and not changed:
            # Nothing this viewer sees changed; the id alone moves the browser's resume point on.
            yield ServerSentEvent(id=str(fragments.version))
        self.since = max(self.since, fragments.version)
        if first and self.presence_part is not None and not self.once:
            event = self._presence()
            if event is not None:
                yield event

    def _presence(self) -> ServerSentEvent | None:
        if self.presence_part is None:
            return None
        part = self.presence_part()
        if part is None:
            return None
        name, html = part
        digest = _digest(html)
        if self._shown.get(name) == digest:
            return None
        self._shown[name] = digest
        return ServerSentEvent(data=html, event=name)


def _digest(html: str) -> str:
    return hashlib.blake2b(html.encode("utf-8"), digest_size=16).hexdigest()


def resume_point(request: Request) -> int:
    """The content version the page shows: the last event's id after a reconnect, or the page's own."""
    for raw in (request.headers.get("last-event-id"), request.query_params.get("v")):
        if raw is not None and raw.isdigit() and len(raw) < 12:
            return int(raw)
    return 0


def wants_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")
