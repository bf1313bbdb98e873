"""Outreach the app starts between sessions: check-ins, appointment and refill nudges,
re-engagement. `planner` decides what is owed, `politeness` whether it may go now, and
`scheduler` sends it through the conversation (Rasa's trigger_intent) into the outbox."""
