"""Block Kit as Slack checks it: the limits as tables, the checks, element state, and a plain-text rendering."""
