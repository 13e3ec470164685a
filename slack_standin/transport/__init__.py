"""The wire: the HTTP server, request routing, WebSocket and Socket Mode, and signed delivery to the bot."""
