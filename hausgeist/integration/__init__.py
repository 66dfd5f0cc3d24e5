"""MQTT: the agent's client loop, topics and payload codecs, outbox, device adapters.

The pieces, one concern each:

- ``topics``: the agent's topics and the one rule for where it may publish;
- ``payloads``: command, answer and availability codecs;
- ``outbox``: the durable SQLite outbox (commands, answers, device publishes);
- ``recent``: a bounded memory of recent answers, in front of the outbox;
- ``link``: one broker connection (the agent's only contact with aiomqtt and paho);
- ``backoff``: reconnect delays;
- ``dispatcher``: the agent's Dispatcher, turning actions into stored device publishes;
- ``commands``: commands in, one at a time through the agent, answers stored;
- ``sender``: the outbox out to the broker, marked done on PUBACK;
- ``state_feed``: device reports into the agent's live state;
- ``service``: ``AgentService``, which runs all of it on a broker;
- ``broker``: the embedded broker for a configuration without ``mqtt:``;
- ``console``: the prompt of ``hausgeist demo``;
- ``runner``: ``hausgeist run`` and ``hausgeist demo``;
- ``adapters``, ``discovery``, ``simulator``: how devices are spoken to, found, simulated.

Nothing is imported here, so that importing one piece does not pull in the others.
"""
