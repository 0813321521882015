"""Who did what to the data, and when: the audit log admins read."""
