"""Pure rules of the escalation bot: no Slack, no SQL, no reading the clock."""
