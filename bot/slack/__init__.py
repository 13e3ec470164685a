"""The Slack surface: app factory, listeners, Block Kit builders, the Web API client."""
