"""The engine's handlers, one module per concern: answers, browsing, digest settings, documents.

Each handler reads and writes state itself and leaves the wording to a view
(:mod:`bot.views`); :class:`bot.engine.Engine` routes messages and buttons to them.
"""
