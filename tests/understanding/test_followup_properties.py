"""Properties of follow-ups: whatever is pending, a new verb is never turned into its opposite,
and a question never acts.

The pending states come from the test homes: a "which one?" among several devices that can
do an on/off/open/close/lock/unlock action, or a "say yes" for a sensitive call (an unlock,
opening a garage door or gate, disarming). The follow-ups are built from a verb, a device
name (or "it", "everything", a candidate's name) and words said around them."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from test_followups import home_core

from hausgeist.config.models import PolicyLevel
from hausgeist.devices import StateStore
from hausgeist.devices.actions import ServiceCall
from hausgeist.understanding import Conversation, Decision, Request, Understanding
from hausgeist.understanding.intents import Action, Intent
from hausgeist.understanding.plan import PlanError, fits, plan
from hausgeist.understanding.policy import is_sensitive
from hausgeist.understanding.sessions import PendingClarify, PendingConfirm

HOMES = (
    ("test", None),
    ("test", '{"pin": "2468", "domains": {"alarm_control_panel": "pin"}}'),
    ("house", None),
)
VERBS = {
    # verb: (ways to say it before the device, ways to say it around the device, opposites)
    "on": (
        ("turn on", "switch on", "put on"),
        (("turn", "on"), ("switch", "on")),
        {"turn_off", "close_cover", "close_valve"},
    ),
    "off": (
        ("turn off", "switch off", "shut off"),
        (("turn", "off"), ("switch", "off")),
        {"turn_on", "open_cover", "open_valve"},
    ),
    "open": (("open",), (), {"close_cover", "close_valve", "lock", "turn_off"}),
    "close": (("close", "shut"), (), {"open_cover", "open_valve", "unlock", "turn_on"}),
    "lock": (("lock",), (), {"unlock", "open_cover"}),
    "unlock": (("unlock",), (), {"lock", "close_cover"}),
}
ACTIONS = {
    "on": Action.ON,
    "off": Action.OFF,
    "open": Action.OPEN,
    "close": Action.CLOSE,
    "lock": Action.LOCK,
    "unlock": Action.UNLOCK,
}
BEFORE = ("", "ok ", "actually ", "no, ", "yes, ", "please ", "now ", "no wait, ", "um, ", "sorry ")
# Asides that open a sentence without changing what it asks ("actually is the lamp on" once
# switched the lamp on).
ASIDES = (
    *("actually ", "actually, ", "also ", "and ", "but ", "wait, ", "btw ", "anyway, "),
    *("sorry, ", "by the way ", "by the way, ", "quick question, ", "just wondering, "),
    *("one more thing, ", "oh and ", "on second thought, "),
)
AFTER = ("", " please", " now", " instead", " thanks", " right away")
QUESTIONS = (
    "is the {name} on",
    "is the {name} off?",
    "is the {name} locked",
    "is the {name} open?",
    "is the {name} closed",
    "are the {name} on",
    "what is the {name} doing",
    "did I lock the {name}",
    "what is the temperature in the {area}",
    "how warm is it in the {area}",
    "what's the humidity in the {area}",
    "which lights are on in the {area}",
    "is anything on in the {area}?",
)
_RUN_ONLY = frozenset({"scene", "script"})
EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@cache
def _clarify_states(home: int) -> tuple[PendingClarify, ...]:
    """Every action x the devices that can do it, as a pending "which one?" among them."""
    core = home_core(*HOMES[home])
    states = StateStore.from_registry(core.registry)
    out = []
    for action in ACTIONS.values():
        intent = Intent(action)
        able = []
        for device in core.registry:
            if not fits(intent, device):
                continue
            try:
                plan(intent, device, states.get(device.entity_id))
            except PlanError:
                continue
            able.append(device.entity_id)
        if len(able) >= 2:
            out.append(PendingClarify(intent, tuple(able)))
    return tuple(out)


@cache
def _sensitive_calls(home: int) -> tuple[ServiceCall, ...]:
    """Every sensitive call the home's devices can be asked for."""
    core = home_core(*HOMES[home])
    states = StateStore.from_registry(core.registry)
    out = []
    for action in (Action.UNLOCK, Action.OPEN, Action.DISARM):
        intent = Intent(action)
        for device in core.registry:
            if not fits(intent, device):
                continue
            try:
                service, data = plan(intent, device, states.get(device.entity_id))
            except PlanError:
                continue
            call = ServiceCall(service=service, entity_id=device.entity_id, data=data)
            if is_sensitive(call, core.registry):
                out.append(call)
    return tuple(out)


@st.composite
def pending(draw: st.DrawFn) -> tuple[Understanding, Conversation]:
    """A home's core and a conversation with a "which one?" or a "say yes" open."""
    home = draw(st.sampled_from(range(len(HOMES))))
    core = home_core(*HOMES[home])
    if draw(st.booleans()):
        clarify = draw(st.sampled_from(_clarify_states(home)))
        count = draw(st.integers(2, min(5, len(clarify.candidates))))
        chosen = draw(st.permutations(clarify.candidates))[:count]
        return core, Conversation(clarify=PendingClarify(clarify.intent, tuple(chosen)))
    call = draw(st.sampled_from(_sensitive_calls(home)))
    needs_pin = core.policy.level(call) is PolicyLevel.PIN
    return core, Conversation(
        confirm=PendingConfirm((call,), needs_pin), previous=(call.entity_id,)
    )


def _names(core: Understanding) -> list[str]:
    """What a follow-up may call a device: any name or alias, or words that point back."""
    names = ["it", "them", "everything", "all the lights", "both", "the lot"]
    for device in core.registry:
        names += [device.name.lower(), *(a.lower() for a in device.aliases)]
    return names


@st.composite
def commanded(draw: st.DrawFn, core: Understanding, conversation: Conversation) -> tuple[str, str]:
    """A follow-up with a verb of its own, and that verb."""
    verb = draw(st.sampled_from(sorted(VERBS)))
    before, around, _ = VERBS[verb]
    name = draw(st.sampled_from(_names(core)))
    the = (
        "" if name in {"it", "them", "everything", "both"} else draw(st.sampled_from(["the ", ""]))
    )
    if around and draw(st.booleans()):
        first, second = draw(st.sampled_from(around))
        said = f"{first} {the}{name} {second}"
    else:
        said = f"{draw(st.sampled_from(before))} {the}{name}"
    return f"{draw(st.sampled_from(BEFORE))}{said}{draw(st.sampled_from(AFTER))}", verb


@st.composite
def asked(draw: st.DrawFn, core: Understanding) -> str:
    """A question about a device or a room of the home."""
    devices = [d.name.lower() for d in core.registry]
    areas = [a.name.lower() for a in core.registry.areas.values()]
    template = draw(st.sampled_from(QUESTIONS))
    text = template.format(name=draw(st.sampled_from(devices)), area=draw(st.sampled_from(areas)))
    return f"{draw(st.sampled_from(('', 'ok ', 'hey, ', 'so ', 'well, ', *ASIDES)))}{text}"


def _follow(core: Understanding, conversation: Conversation, text: str) -> Decision:
    states = StateStore.from_registry(core.registry)
    decision, _ = core.decide(Request(text, session="s"), states, conversation)
    return decision


@EXAMPLES
@given(st.data())
def test_a_verb_in_a_follow_up_is_never_turned_into_its_opposite(data: st.DataObject) -> None:
    core, conversation = data.draw(pending())
    text, verb = data.draw(commanded(core, conversation))
    decision = _follow(core, conversation, text)
    opposite = VERBS[verb][2]
    # A scene or script has no off: its turn_on runs it (the bare-name rule of the core
    # runs one said by name whatever the verb), no opposite of anything.
    calls = [c for c in (*decision.actions, *decision.pending) if c.domain not in _RUN_ONLY]
    done = [c for c in calls if c.name in opposite]
    assert not done, f"{text!r} after {conversation}: {decision.status.value} {done}"


@EXAMPLES
@given(st.data())
def test_a_question_as_a_follow_up_never_acts(data: st.DataObject) -> None:
    core, conversation = data.draw(pending())
    text = data.draw(asked(core))
    decision = _follow(core, conversation, text)
    said = f"{text!r} after {conversation}: {decision.status.value} {decision.reply}"
    assert decision.actions == (), said
    assert decision.pending == (), said
