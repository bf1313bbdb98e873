"""Safety: the screen every inbound text passes at arrival (the lexicon, context and learned
layers), the safety lane that runs it, the one escalation function (cases, pages, re-pages,
the safety reply) and its reviewed wording."""
