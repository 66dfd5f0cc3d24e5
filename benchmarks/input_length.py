"""How the deterministic core's time grows with the length of what is said.

``hausgeist ask`` reads at most 2000 characters (``MAX_TEXT_CHARS``); this prints, for a
few shapes of long text, the core's time at 250, 500, 1000 and 2000 characters (and twice
the limit, to show the trend past it), and the time per 100 characters. A cost that grows
linearly keeps the last column flat.

Long requests cost more than linear time where the intent rules are searched over long
text: a rule such as ``turn .* down`` that fails costs the length of the text for every
``turn`` in it, and a clause whose verb has not come yet is searched again at every
``and``. The clause splitter therefore searches the whole text only for the rules that
must read it whole (the to-do list rules) and never copies the rest of the text at each
``and``; what is left grows with clauses that have no verb (``targets``, ``no verb``).

Usage: ``python benchmarks/input_length.py [--repeat 5] [--lengths 250 500 1000 2000 4000]``
(CPU time of this process, the least of the repeats; the LLM stage is not involved).
"""

from __future__ import annotations

import argparse
import time

from hausgeist.config import load_config
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.paths import example_config
from hausgeist.understanding import Request, Understanding

SHAPES = {
    "clauses": "turn on the kitchen light and ",
    "commas": "dim the desk lamp to 40 percent, ",
    "targets": "turn off the kitchen light and the hall ",
    "no verb": "the kitchen light and the hall lamp then ",
    "prose": "we have people staying over tonight so it would be nice ",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lengths", type=int, nargs="+", default=[250, 500, 1000, 2000, 4000])
    args = parser.parse_args()
    config = load_config(example_config())
    registry = DeviceRegistry.from_config(config)
    core = Understanding(registry, config.policy)
    states = StateStore.from_registry(registry)
    print(f"{'shape':<10}" + "".join(f"{n:>10}" for n in args.lengths) + "   ms/100 chars")
    for shape, unit in SHAPES.items():
        times = []
        for length in args.lengths:
            text = (unit * (length // len(unit) + 1))[:length]
            request = Request(text, None, None, None, None, channel="cli")
            best = float("inf")
            for _ in range(args.repeat):
                started = time.process_time()
                core.decide(request, states)
                best = min(best, time.process_time() - started)
            times.append(best * 1000)
        per = " ".join(f"{t / n * 100:.2f}" for t, n in zip(times, args.lengths, strict=True))
        print(f"{shape:<10}" + "".join(f"{t:>8.1f}ms" for t in times) + f"   {per}")


if __name__ == "__main__":
    main()
