"""Bolt listeners: ack, parse, call one use case, render."""
