"""``learned``, ``forget``, ``feedback`` and ``history export|delete``: what the agent learned
of its household, and the household's control over it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from hausgeist.commands.common import EXIT_OK, UsageError, load
from hausgeist.config import Config
from hausgeist.errors import HistoryError
from hausgeist.history import SqlHistory
from hausgeist.home import Home
from hausgeist.learning.learner import Learner
from hausgeist.learning.listing import describe, format_learned
from hausgeist.paths import data_dir
from hausgeist.root import learner_for


def _open(config: Config) -> SqlHistory:
    if not config.history.enabled:
        raise HistoryError(
            "history is disabled in the configuration (history.enabled: false); "
            "nothing is learned or kept without it"
        )
    return SqlHistory.open(config.history.url, data_dir(config))


def _learner(config: Config, store: SqlHistory) -> Learner:
    return learner_for(Home.from_config(config), store)


def learned(args: argparse.Namespace) -> int:
    """List what was learned: phrases, habits and the household's own examples for the
    model, their evidence, how sure, when last used."""
    config, _ = load(args.config)
    with _open(config) as store:
        learner = _learner(config, store)
        now = datetime.now(UTC)
        items = describe(learner.knowledge, learner.understanding.registry, now)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        print(format_learned(items))
    return EXIT_OK


def forget(args: argparse.Namespace) -> int:
    """Forget one learned item, or everything learned."""
    if (args.item is None) == (not args.all):
        raise UsageError("say which: 'hausgeist forget ID' or 'hausgeist forget --all'")
    config, _ = load(args.config)
    with _open(config) as store:
        learner = _learner(config, store)
        knowledge = learner.knowledge
        known = {**knowledge.phrases, **knowledge.habits, **knowledge.meant}
        if args.item is not None and args.item not in known:
            hint = ", ".join(sorted(known)) or "nothing is learned yet"
            raise UsageError(f"nothing learned has the id '{args.item}' (known: {hint})")
        learner.forget(args.item, datetime.now(UTC))
    print("Forgot everything learned." if args.all else f"Forgot {args.item}.")
    return EXIT_OK


def feedback(args: argparse.Namespace) -> int:
    """Say that a request was handled right or wrong; the learner takes it as evidence."""
    config, _ = load(args.config)
    with _open(config) as store:
        entry = store.entry(args.request)
        if entry is None:
            raise UsageError(
                f"no request '{args.request}' in the history; 'hausgeist history' lists them"
            )
        changed = _learner(config, store).feedback(entry, right=args.right, when=datetime.now(UTC))
    verdict = "right" if args.right else "wrong"
    print(f"Noted: '{entry.text}' was handled {verdict}.")
    for line in changed:
        print(f"  {line}")
    return EXIT_OK


def history_export(config: Config, home: str | None) -> int:
    """Every request as JSON lines on stdout, oldest first."""
    with _open(config) as store:
        for entry in store.all_entries(home):
            sys.stdout.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")
    return EXIT_OK


def history_delete(config: Config, args: argparse.Namespace, home: str | None) -> int:
    """Delete requests, automation runs and what was learned from them, before a date."""
    if (args.before is None) == (not args.all):
        raise UsageError("say which: 'hausgeist history delete --before DATE' or '--all'")
    before = None if args.all else _date(args.before)
    with _open(config) as store:
        counts = store.delete(before, home)
    what = ", ".join(f"{n} {name}" for name, n in counts.items())
    print(f"Deleted {what}" + ("." if before is None else f" from before {before.isoformat()}."))
    return EXIT_OK


def _date(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--before {text!r} is not a date; write it like 2026-11-01") from exc
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
