"""Understanding benchmark: homes, cases and a runner that drives `hausgeist ask --json -`."""
