"""compile phase."""
