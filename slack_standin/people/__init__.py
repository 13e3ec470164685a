"""The people half: members who type commands, click, pick and submit, and what Slack sends the bot for it."""
