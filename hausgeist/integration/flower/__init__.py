"""Flower, the federated-learning engine, carrying the federation's rounds between homes.

Flower pins versions amqtt cannot live with, so it runs from its own environment
(``scripts/install-flower``): :mod:`processes` starts its SuperLink, SuperNodes and runs, and
the Flower App in ``app/`` (a ServerApp and a ClientApp that import only Flower and numpy)
asks this program, by its command line, for each home's contribution and hands it the
aggregate to adopt.
"""
