"""The send path: outbox, sender loop, receive endpoints, 2-way conversation sessions."""
