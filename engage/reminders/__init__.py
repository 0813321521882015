"""Reminder rules, bulletins, nudges and digests, and the scheduler that ticks them."""
