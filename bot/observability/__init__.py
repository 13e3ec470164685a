"""Metrics (Prometheus text on /metrics) and structured, redacted logs; no Slack or SQL in here."""
