"""The virtual workspace: members, channels, user groups, messages, views and files, and a ready-made team."""
