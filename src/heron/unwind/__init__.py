"""unwind phase."""
