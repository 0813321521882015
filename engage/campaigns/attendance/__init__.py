"""Attendance imports: read a meeting's attendee list, match it to organisations, record it."""
