"""Use cases: load, decide (domain), save, and leave Slack work to durable jobs."""
