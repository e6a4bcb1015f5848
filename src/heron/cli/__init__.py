"""cli phase."""
