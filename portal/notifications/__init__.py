"""Telling people that something is waiting: the durable outbox, its sender and channels,
the citizen's choices of where to be told, and the private calendar feed."""
