"""Reminder rules, bulletins, nudges and digests; engage/scheduler.py ticks them."""
