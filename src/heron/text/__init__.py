"""text phase."""
