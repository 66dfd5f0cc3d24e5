"""``federate export|aggregate|import|revert|status``: the federated update hook by files, for
homes that share through a person rather than a server."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from hausgeist.commands.common import EXIT_OK, UsageError, load
from hausgeist.commands.learned import _learner, _open
from hausgeist.config import Config
from hausgeist.errors import FederationError
from hausgeist.federation import hook
from hausgeist.federation.lexicon import english
from hausgeist.federation.payload import Payload
from hausgeist.history import SqlHistory
from hausgeist.history.learned import EventKind, LearningEvent
from hausgeist.home import Home
from hausgeist.integration.flower import processes
from hausgeist.learning.learner import Learner


def contribution(
    config: Config,
    store: SqlHistory,
    learner: Learner,
    to: str,
    now: datetime,
    server_noise: float | None = None,
) -> hook.Contribution:
    """This home's contribution for one round, checked by the scanner (not yet recorded)."""
    registry = learner.understanding.registry
    texts = [e.text for e in store.recent(hook.HISTORY_READ, home=config.home)]
    guard = hook.guard_of(registry, config.home, texts, english(config.federation.lexicon_size))
    return hook.contribute(
        learner.knowledge,
        registry,
        config.federation,
        guard,
        now=now,
        to=to,
        rng=np.random.default_rng(),
        home=config.home,
        server_noise=server_noise,
    )


def _expect(config: Config, expected: str) -> None:
    f = config.federation
    mine = f"{f.width}/{f.most}/{f.salt}/{f.lexicon_size}"
    if expected != mine:
        raise FederationError(
            f"the federation counts with width/most/salt/lexicon_size {expected}, this home's "
            f"configuration with {mine}: set federation: to the federation's values"
        )


def export(args: argparse.Namespace) -> int:
    """Write this home's clipped, noised contribution for one round."""
    config, _ = load(args.config)
    if args.expect is not None:
        _expect(config, args.expect)
    now = datetime.now(UTC)
    to = args.to or args.out
    with _open(config) as store:
        learner = _learner(config, store)
        made = contribution(config, store, learner, to, now, args.server_noise)
        _write(args.out, made.payload.text())
        store.record_learning([made.event])
    p = made.payload
    noise = "added by the server" if args.server_noise is not None else "added here"
    print(
        f"Wrote {args.out}: {len(made.patterns)} pattern(s) in a sketch of 3x{p.shape.width} "
        f"cells, noise multiplier {p.noise_multiplier:g} ({noise}), ε {p.epsilon:.2f} at δ {p.delta:g} "
        f"this round; ε {made.epsilon_total:.2f} of {config.federation.budget_epsilon:g} spent in "
        "365 days.",
        file=sys.stderr,
    )
    for d in made.dropped:
        print(f"  not shared: '{d.phrase}' ({d.reason})", file=sys.stderr)
    return EXIT_OK


def aggregate(args: argparse.Namespace) -> int:
    """Sum contributions (one round) and earlier aggregates (more rounds) into an aggregate."""
    payloads = [_read(f) for f in args.files]
    total = hook.combine(payloads)
    _write(args.out, total.text())
    print(
        f"Wrote {args.out}: {total.rounds} round(s), homes per round {total.homes}.",
        file=sys.stderr,
    )
    return EXIT_OK


def adopt(args: argparse.Namespace) -> int:
    """Read an aggregate and adopt what at least k homes share, below this home's own."""
    config, _ = load(args.config)
    aggregate = _read(args.file)
    if aggregate.kind != "aggregate":
        raise UsageError(
            f"{args.file} is one home's contribution; adopt an aggregate "
            "('hausgeist federate aggregate FILES --out FILE' makes one)"
        )
    now = datetime.now(UTC)
    with _open(config) as store:
        learner = _learner(config, store)
        result = hook.adopt(
            aggregate,
            learner.knowledge,
            learner.understanding.registry,
            config.federation,
            english(aggregate.lexicon_size),
            now=now,
            home=config.home,
            reads=hook.core_reads(Home.from_config(config)),
        )
        if result.origin in learner.knowledge.reverted:
            raise UsageError(f"aggregate {result.origin} was reverted; it is not adopted again")
        store.record_learning(result.events)
    summed = (
        "summed under secure aggregation (SecAgg+)"
        if aggregate.secure_aggregation
        else "summed from contributions each home noised"
    )
    print(
        f"Aggregate {result.origin} ({aggregate.rounds} round(s), {summed}): "
        f"{len(result.found)} pattern(s) held by at least "
        f"{result.threshold:.1f} homes; {len(result.events)} phrase(s) and idiom(s) adopted for this home."
    )
    for f in result.found:
        print(f"  '{f.pattern.phrase}' for {f.pattern.target} ({f.homes:.1f} homes)")
    for e in result.events:
        if "idiom" in e.data:
            idiom = e.data["idiom"]
            room = " <room>" if idiom["slot"] else ""
            where = "in the room named" if idiom["slot"] else "in the room it is said in"
            print(
                f"  adopted idiom: '{' '.join(idiom['words'])}{room}' is {idiom['action']} {where}"
            )
            continue
        where = e.data["area"] or "anywhere"
        print(f"  adopted: '{e.data['phrase']}' is {e.data['entity_id']} ({where})")
    return EXIT_OK


def revert(args: argparse.Namespace) -> int:
    """Take back what an aggregate (or every aggregate) brought."""
    config, _ = load(args.config)
    now = datetime.now(UTC)
    with _open(config) as store:
        learner = _learner(config, store)
        origins = sorted(learner.knowledge.origins)
        if args.origin is not None and args.origin not in origins:
            known = ", ".join(origins) or "nothing was adopted"
            raise UsageError(f"no adopted aggregate '{args.origin}' (adopted: {known})")
        data: dict[str, object] = {"all": True} if args.origin is None else {"origin": args.origin}
        store.record_learning([LearningEvent(EventKind.REVERT, now, data, home=config.home)])
    what = args.origin or ", ".join(origins) or "nothing"
    print(f"Reverted what was adopted from: {what}.")
    return EXIT_OK


def status(args: argparse.Namespace) -> int:
    """The privacy budget and what was adopted."""
    config, _ = load(args.config)
    now = datetime.now(UTC)
    with _open(config) as store:
        learner = _learner(config, store)
        s = hook.spent(learner.knowledge, config.federation, now)
        adopted = [p for p in learner.knowledge.phrases.values() if p.origin]
    print(f"Rounds contributed in 365 days: {s.rounds}")
    print(f"ε spent (δ = 1e-5): {s.epsilon:.2f} of {s.budget:g}")
    if s.allows:
        print(f"Next round: ε {s.next_round:.2f} in total")
    else:
        until = f" until {s.until:%Y-%m-%d}" if s.until else ""
        print(f"Budget spent: this home does not contribute{until}")
    print(f"Adopted phrases: {len(adopted)}")
    for p in adopted:
        print(f"  '{p.phrase}' is {p.entity_id} ({p.area or 'anywhere'}; from {p.origin})")
    return EXIT_OK


def _read(name: str) -> Payload:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise FederationError(f"cannot read {name}: {exc.strerror or exc}") from exc
    return Payload.read(text, name)


def _write(name: str, text: str) -> None:
    if name == "-":
        sys.stdout.write(text + "\n")
        return
    try:
        Path(name).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise FederationError(f"cannot write {name}: {exc.strerror or exc}") from exc


def server(args: argparse.Namespace) -> int:
    """Run a federation's rounds on Flower: a SuperLink, the ServerApp, then stop."""
    config, _ = load(args.config, devices=False)
    tls = processes.Tls(args.certfile, args.keyfile, args.ca)
    if (tls.certfile is None) != (tls.keyfile is None) or (tls.certfile and not tls.ca):
        raise UsageError("TLS needs --certfile, --keyfile and --ca together (or none: insecure)")
    options = processes.ServerOptions(
        host=args.host,
        port=args.port,
        rounds=args.rounds,
        min_homes=args.min_homes,
        round_timeout_s=args.round_timeout,
        out=args.out,
        tls=tls,
    )
    print(
        f"Federation on {args.host}:{args.port}: {args.rounds} round(s), at least "
        f"{args.min_homes} homes, noise multiplier {config.federation.noise_multiplier:g}",
        file=sys.stderr,
    )
    code = processes.serve(options, config.federation, args.log)
    if code != 0:
        raise FederationError(f"the Flower run ended with code {code}; see --log for why")
    if args.out is not None:
        print(f"Aggregate written to {args.out}", file=sys.stderr)
    return EXIT_OK


def join(args: argparse.Namespace) -> int:
    """Answer a federation's rounds with this home's contributions until stopped."""
    config_path = Path(args.config).resolve() if args.config else None
    load(args.config)  # a configuration that does not load is said now, not in a round
    data = os.environ.get("HAUSGEIST_DATA_DIR")
    member = processes.Member(
        args.server, config_path, Path(data) if data else None, processes.Tls(ca=args.ca)
    )
    node = processes.join(member, args.log)
    print(f"Joined the federation at {args.server}; Ctrl-C to leave.", file=sys.stderr)

    def leave(signum: int, frame: object) -> None:
        del signum, frame
        raise KeyboardInterrupt

    # Stopped (Ctrl-C, or SIGTERM from a service manager), the SuperNode goes with it.
    signal.signal(signal.SIGTERM, leave)
    try:
        return node.wait()
    except KeyboardInterrupt:
        node.terminate()
        try:
            node.wait(10)
        except subprocess.TimeoutExpired:
            node.kill()
        return EXIT_OK
