"""The command line: parses arguments and hands them to a command. Nothing else."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hausgeist import __version__
from hausgeist.commands import (
    ask,
    automations,
    federate,
    info,
    learned,
    model,
    mqtt,
    tune,
    voice,
)
from hausgeist.commands.common import fail
from hausgeist.errors import HausgeistError

Command = Callable[[argparse.Namespace], int]


def _config_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: $HAUSGEIST_CONFIG, "
        "./config.yaml, or the embedded example home)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="hausgeist", description="A local-first home agent for MQTT homes."
    )
    parser.add_argument("--version", action="version", version=f"hausgeist {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _info_commands(sub)
    _ask_command(sub)
    _mqtt_commands(sub)
    _model_commands(sub)
    _automation_commands(sub)
    _federate_commands(sub)
    p = sub.add_parser(
        "wyoming", help="serve as a Wyoming conversation agent (Home Assistant voice)"
    )
    _config_flag(p)
    p.add_argument(
        "--uri", default="tcp://0.0.0.0:10700", help="where to listen (default tcp://0.0.0.0:10700)"
    )
    p.set_defaults(func=voice.wyoming)
    return parser


def _automation_commands(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("automations", help="rules that turn events into actions")
    rules_sub = p.add_subparsers(dest="automations_command", metavar="ACTION", required=True)

    def sources(q: argparse.ArgumentParser) -> None:
        _config_flag(q)
        q.add_argument("--rules", metavar="FILE", help="a file of rules in Home Assistant's format")

    q = rules_sub.add_parser("check", help="validate the rules and list them")
    sources(q)
    q.set_defaults(func=automations.check)
    q = rules_sub.add_parser(
        "replay", help="JSON lines of timed events in, every action the rules take out"
    )
    sources(q)
    q.add_argument("--json", action="store_true", help="one JSON object per action")
    q.add_argument("events", nargs="?", default="-", help="events file ('-': stdin, the default)")
    q.set_defaults(func=automations.run_replay)
    q = rules_sub.add_parser(
        "reload", help="check the rules and have the running agent reload them"
    )
    sources(q)
    q.set_defaults(func=automations.reload)
    q = rules_sub.add_parser("list", help="the rules, on or off, and when each last ran")
    sources(q)
    q.add_argument("--json", action="store_true", help="one JSON object per rule")
    q.set_defaults(func=automations.list_rules)
    q = rules_sub.add_parser("show", help="one rule: as written, in words, its last runs")
    sources(q)
    q.add_argument("id", help="the rule's id")
    q.set_defaults(func=automations.show)
    q = rules_sub.add_parser("trace", help="a rule's last runs, step by step")
    sources(q)
    q.add_argument("id", help="the rule's id")
    q.add_argument("--last", type=int, default=5, metavar="N", help="how many runs (default 5)")
    q.add_argument("--json", action="store_true", help="one JSON object per run")
    q.set_defaults(func=automations.trace)
    for name, on, words in (("enable", True, "switch a rule on"), ("disable", False, "off")):
        q = rules_sub.add_parser(name, help=words if on else "switch a rule off")
        sources(q)
        q.add_argument("id", help="the rule's id")
        q.set_defaults(func=automations.switch, on=on)
    q = rules_sub.add_parser(
        "test", help="run one rule alone on events and say what it would do (nothing is sent)"
    )
    sources(q)
    q.add_argument("id", help="the rule's id")
    q.add_argument(
        "--event",
        action="append",
        default=[],
        metavar="JSON",
        help='an event as for replay, e.g. \'{"at": "2026-01-10T18:00", "state": '
        '{"entity_id": "binary_sensor.motion", "state": "on"}}\' (repeatable)',
    )
    q.add_argument("--events", metavar="FILE", help="events as JSON lines ('-': stdin)")
    q.add_argument("--json", action="store_true", help="JSON lines: actions, then traces")
    q.set_defaults(func=automations.test_rule)
    q = rules_sub.add_parser("add", help="make a rule from plain words; saved after a yes")
    _config_flag(q)
    q.add_argument(
        "--json", action="store_true", help="one JSON object: status, automation, summary, reply"
    )
    q.add_argument("--yes", action="store_true", help="save without asking")
    q.add_argument(
        "text", help='e.g. "when the hallway motion sensor sees motion, turn on the hallway light"'
    )
    q.set_defaults(func=automations.add)


Subparsers = argparse._SubParsersAction  # noqa: SLF001 (argparse names no public type for it)


def _info_commands(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="validate a configuration and say what it holds")
    _config_flag(p)
    p.set_defaults(func=info.check)

    p = sub.add_parser("devices", help="print the device registry")
    _config_flag(p)
    p.set_defaults(func=info.devices)

    p = sub.add_parser(
        "history",
        help="list recent requests and what was decided; export or delete them",
    )
    _config_flag(p)
    p.add_argument(
        "action",
        nargs="?",
        choices=["list", "export", "delete"],
        default="list",
        help="list (default); export: every request as JSON lines; delete: with --before or --all",
    )
    p.add_argument("--before", metavar="DATE", help="delete: what is older than DATE (ISO 8601)")
    p.add_argument(
        "--all", action="store_true", help="delete: everything, and all that was learned"
    )
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    p.add_argument("--session", metavar="ID", help="only this conversation")
    p.add_argument(
        "--all-homes",
        action="store_true",
        help="every home's requests, with a HOME column (default: this configuration's home)",
    )
    p.set_defaults(func=info.history)

    p = sub.add_parser("learned", help="what the agent learned of this household, and from what")
    _config_flag(p)
    p.add_argument("--json", action="store_true", help="as JSON")
    p.set_defaults(func=learned.learned)

    p = sub.add_parser("forget", help="forget one learned item (its id from 'learned'), or all")
    _config_flag(p)
    p.add_argument("item", nargs="?", metavar="ID")
    p.add_argument("--all", action="store_true", help="everything learned")
    p.set_defaults(func=learned.forget)

    p = sub.add_parser("feedback", help="tell the agent it handled a request right or wrong")
    _config_flag(p)
    p.add_argument("--request", required=True, metavar="ID", help="the request's id")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--right", dest="right", action="store_true")
    verdict.add_argument("--wrong", dest="right", action="store_false")
    p.set_defaults(func=learned.feedback)


def _ask_command(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ask", help="ask the agent something (text, or '-' for JSON lines on stdin)")
    _config_flag(p)
    p.add_argument("--area", metavar="AREA_ID", help="the area the request comes from")
    p.add_argument("--device", metavar="DEVICE_ID", help="the device the request comes from")
    p.add_argument(
        "--state",
        metavar="FILE",
        help="YAML/JSON {entity_id: {state, attributes}} overriding known state",
    )
    p.add_argument("--session", metavar="ID", help="conversation id, for a follow-up 'yes'")
    p.add_argument("--dry-run", action="store_true", help="decide and answer, carry nothing out")
    p.add_argument("--json", action="store_true", help="one JSON object per request on stdout")
    p.add_argument(
        "--explain", action="store_true", help="show how the text was resolved, step by step"
    )
    p.add_argument("--no-history", action="store_true", help="do not record the request")
    p.add_argument("text", nargs="+", metavar="TEXT", help="what to ask, or '-' to read JSON lines")
    p.set_defaults(func=ask.run)


def _mqtt_commands(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run the agent on the MQTT broker until stopped")
    _config_flag(p)
    p.add_argument("--broker-port", type=int, help="port of the embedded broker (no mqtt: section)")
    p.set_defaults(func=mqtt.run)

    p = sub.add_parser("demo", help="the agent, a simulated home and a prompt, all on this machine")
    _config_flag(p)
    p.add_argument("--broker-port", type=int, help="port of the embedded broker")
    p.add_argument(
        "--simulate", action="store_true", help="simulate the devices even on a real broker"
    )
    p.set_defaults(func=mqtt.demo)

    p = sub.add_parser("discover", help="print config entries for devices announced on the broker")
    _config_flag(p)
    p.add_argument("--seconds", type=float, default=3.0, help="how long to listen (default 3)")
    p.add_argument("--z2m-base", default="zigbee2mqtt", help="Zigbee2MQTT's base topic")
    p.set_defaults(func=mqtt.discover)


def _federate_commands(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "federate",
        help="share what this home learned with other homes, privately (hausgeist[federated])",
    )
    fed = p.add_subparsers(dest="federate_command", metavar="ACTION", required=True)
    p = fed.add_parser("export", help="write this home's noised contribution for one round")
    _config_flag(p)
    p.add_argument("--out", required=True, metavar="FILE", help="where ('-': stdout)")
    p.add_argument(
        "--server-noise",
        type=float,
        metavar="Z",
        help="add no noise here: the server adds Z times the clip to the round's sum (Flower)",
    )
    p.add_argument(
        "--expect", metavar="W/M/SALT/L", help="refuse unless federation: has these settings"
    )
    p.add_argument("--to", metavar="WHERE", help="where it goes, for the record")
    p.set_defaults(func=federate.export)
    p = fed.add_parser("aggregate", help="sum contributions (a round) and aggregates (rounds)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--out", required=True, metavar="FILE", help="where ('-': stdout)")
    p.set_defaults(func=federate.aggregate)
    p = fed.add_parser("import", help="adopt what an aggregate shows at least k homes share")
    _config_flag(p)
    p.add_argument("file", metavar="FILE", help="an aggregate ('-': stdin)")
    p.set_defaults(func=federate.adopt)
    p = fed.add_parser("revert", help="take back what an aggregate (default: every one) brought")
    _config_flag(p)
    p.add_argument("origin", nargs="?", metavar="AGGREGATE", help="its id ('federate status')")
    p.set_defaults(func=federate.revert)
    p = fed.add_parser("status", help="privacy spent, budget left, what was adopted")
    _config_flag(p)
    p.set_defaults(func=federate.status)
    p = fed.add_parser("server", help="run a federation's rounds on Flower (SuperLink + ServerApp)")
    _config_flag(p)
    p.add_argument("--host", default="127.0.0.1", help="where homes reach it (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=9092, help="its port (default 9092)")
    p.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    p.add_argument("--min-homes", type=int, default=2, help="homes a round waits for (default 2)")
    p.add_argument(
        "--round-timeout", type=float, default=120.0, help="seconds a round waits (default 120)"
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="also write the aggregate here")
    p.add_argument("--certfile", type=Path, help="TLS certificate (with --keyfile and --ca)")
    p.add_argument("--keyfile", type=Path)
    p.add_argument("--ca", type=Path, help="the CA certificate homes check the server with")
    p.add_argument("--log", type=Path, metavar="FILE", help="Flower's own log")
    p.set_defaults(func=federate.server)
    p = fed.add_parser("join", help="answer a federation's rounds until stopped (SuperNode)")
    _config_flag(p)
    p.add_argument("--server", required=True, metavar="HOST:PORT", help="the federation server")
    p.add_argument("--ca", type=Path, help="the server's CA certificate (default: insecure)")
    p.add_argument("--log", type=Path, metavar="FILE", help="Flower's own log")
    p.set_defaults(func=federate.join)


def _model_commands(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("model", help="the local LLM: what it is and what it costs")
    model_sub = p.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    p = model_sub.add_parser("info", help="load the configured model once and describe it")
    _config_flag(p)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=model.info)
    p = model_sub.add_parser(
        "tune",
        help="distil this home's language into the local model (pip install hausgeist[tune])",
    )
    _config_flag(p)
    tune.add_arguments(p)
    p.set_defaults(func=tune.run)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hausgeist`` program."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    func: Command | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return func(args)
    except HausgeistError as exc:
        return fail(exc)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `hausgeist ask ... | head`: the reader went away
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
