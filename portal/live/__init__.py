"""Live pages: changes reach every open plan page as server-sent events, and who is on a plan.

``Live`` is built once by ``create_app`` (in the Services bundle) and started and stopped by
the app's lifespan: ``bus`` carries the events (``portal.live.bus``), ``presence`` knows who
has a plan open or is editing an item of it (``portal.live.presence``). Events are sent by
``portal.live.hooks`` after every commit that changed a plan, a consent or a power of attorney.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from portal.live import hooks
from portal.live.bus import EventBus, LiveEvent, build_bus
from portal.live.presence import Presence

__all__ = ["Live", "LiveEvent"]


class Live:
    def __init__(self, engine: Engine):
        self.bus: EventBus = build_bus(engine, heartbeat=self._heartbeat)
        self.presence = Presence(self.bus)
        hooks.register(engine, self.bus)

    def _heartbeat(self) -> list[LiveEvent]:
        return self.presence.heartbeat()

    def start(self) -> None:
        self.bus.start()

    def stop(self) -> None:
        self.bus.stop()
