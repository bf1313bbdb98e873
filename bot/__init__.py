"""The gateway in front of the Rasa engine, the engine client and (later) the scheduler.

The Rasa assistant's own config lives here too: config.yml, domain.yml, endpoints.yml.
"""
