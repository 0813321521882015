"""Users, roles, log-in and the access rules every route declares."""
