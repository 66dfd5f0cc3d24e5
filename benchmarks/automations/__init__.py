"""The automations benchmarks: the engine's speed, and rules made from plain words judged by
what they do on replayed events."""
