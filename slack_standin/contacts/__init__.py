"""Stand-ins for the other contact methods: Twilio (SMS, calls), SMTP, PagerDuty and Opsgenie."""
