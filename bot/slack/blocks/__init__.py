"""Block Kit builders: `build_*` functions that return payloads and do no I/O."""
