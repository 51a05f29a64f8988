"""Presence across processes, without a database: two buses stand for two worker processes that
hear each other's messages (as PostgreSQL's NOTIFY delivers them), with a clock the test moves."""

from __future__ import annotations

from portal.live.bus import EventBus, LiveEvent
from portal.live.presence import Present, Presence
from portal.live.render import presence_lines


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class LinkedBus(EventBus):
    """A bus whose messages every linked bus hears, its own included (like NOTIFY)."""

    def __init__(self, network: list[LinkedBus]):
        super().__init__()
        self.network = network
        network.append(self)

    def publish(self, events: list[LiveEvent]) -> None:
        for bus in self.network:
            for event in events:
                bus.deliver(event)


SARA = Present(1, "Sara Holm", "Jobcenter")
CAMILLA = Present(2, "Camilla Brandt", "Socialcenter")


def _two_processes() -> tuple[Presence, Presence, Clock]:
    network: list[LinkedBus] = []
    clock = Clock()
    return Presence(LinkedBus(network), clock=clock), Presence(LinkedBus(network), clock=clock), clock


def test_each_process_sees_who_has_the_plan_open_in_the_other() -> None:
    first, second, _clock = _two_processes()
    first.opened(7, SARA, object())
    second.opened(7, CAMILLA, object())
    assert [p.name for p in first.on_plan(7)] == ["Camilla Brandt", "Sara Holm"]
    assert [p.name for p in second.on_plan(7)] == ["Camilla Brandt", "Sara Holm"]
    assert first.on_plan(8) == []


def test_two_tabs_are_one_person_and_closing_one_keeps_her_there() -> None:
    first, second, _clock = _two_processes()
    tab, other_tab = object(), object()
    first.opened(7, SARA, tab)
    first.opened(7, SARA, other_tab)
    assert [p.name for p in second.on_plan(7)] == ["Sara Holm"]
    first.closed(7, tab)
    assert [p.name for p in second.on_plan(7)] == ["Sara Holm"]
    first.closed(7, other_tab)
    assert second.on_plan(7) == []


def test_a_process_that_stops_sending_heartbeats_is_forgotten() -> None:
    first, second, clock = _two_processes()
    first.opened(7, SARA, object())
    clock.now += 50
    for event in first.heartbeat():  # renewed within the minute: still there
        second.bus.deliver(event)
    clock.now += 50
    assert [p.name for p in second.on_plan(7)] == ["Sara Holm"]
    clock.now += 61  # no heartbeat for longer than the TTL: the process is taken to be gone
    assert second.on_plan(7) == []
    assert [p.name for p in first.on_plan(7)] == ["Sara Holm"], "its own streams are known to it regardless"


def test_an_edit_mark_names_the_item_only_to_whom_may_see_it_and_expires() -> None:
    first, second, clock = _two_processes()
    first.opened(7, SARA, object())

    class Staff:  # what editing() reads of a User
        id = 1
        display_name = "Sara Holm"
        department = type("Department", (), {"name": "Jobcenter"})()

    first.editing(7, Staff(), "effort:12", seconds=300)  # type: ignore[arg-type]
    present = second.on_plan(7)
    assert [p.editing for p in present] == ["effort:12"]
    sees_it = presence_lines(present, viewer_id=2, view={"effort:12": "Mentor fra jobcentret"})
    assert sees_it[0].editing == "Mentor fra jobcentret" and not sees_it[0].editing_hidden
    hidden = presence_lines(present, viewer_id=2, view={})
    assert hidden[0].editing is None and hidden[0].editing_hidden
    assert presence_lines(present, viewer_id=1, view={}) == [], "no one is told about themself"
    clock.now += 301
    assert [p.editing for p in first.on_plan(7)] == [None], "an abandoned edit form claims nothing for ever"
    first.done_editing(7, Staff())  # type: ignore[arg-type]


def test_nothing_is_sent_when_nothing_changed() -> None:
    first, second, _clock = _two_processes()
    sent: list[LiveEvent] = []
    second.bus.add_listener(sent.append)
    first.opened(7, SARA, object())
    first.opened(7, SARA, object())  # a second tab: the plan's presence is the same
    assert len([e for e in sent if e.kind == "presence"]) == 1
