"""The Web API half: methods, their arguments and errors, rate tiers, faults, and the call recorder."""
