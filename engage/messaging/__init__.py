"""The email outbox, its backends (SendGrid, local mailbox), the webhook and unsubscribe."""
