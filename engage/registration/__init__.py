"""Sign-up for webinars and training sessions: the public registration page, the waiting list,
confirmations and cancellations, and the manager's list of registrants."""
