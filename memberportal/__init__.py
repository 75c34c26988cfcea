"""The `memberportal` command: composition of the case store, bot, scheduler and manifest."""
