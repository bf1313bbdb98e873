"""The conversation: the Rasa assistant's own files (config.yml, domain.yml, endpoints.yml,
credentials.yml), the engine client, turns and the pool that runs them, and the record
writes the engine asks for (payloads). Training data is in data/, custom actions in actions/.
"""
