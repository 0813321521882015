"""The email outbox, its backends (SendGrid, local mailbox), the SendGrid webhook and unsubscribe."""
