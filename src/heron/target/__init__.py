"""target phase."""
