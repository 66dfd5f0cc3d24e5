"""The federated update hook: what a home learned, generalized into patterns no home can be
told from, counted across homes in a private sketch, and adopted below the home's own.

Pure apart from :mod:`lexicon` (which reads the public word list of ``hausgeist[federated]``):
the transports (files, MQTT, Flower) live in :mod:`hausgeist.integration` and the commands.
"""
