"""Presenters: what the bot says, as Telegram HTML with buttons, built from data handed in.

Nothing here reads the database or changes anything: a view can be called
twice with the same arguments and says the same thing, so the handlers
decide what is saved and when, and tests can check wording without state.
"""
