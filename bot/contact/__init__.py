"""Reaching people beyond Slack: Twilio (SMS, voice), SMTP, PagerDuty, Opsgenie — out and back in."""
