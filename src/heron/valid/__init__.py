"""valid phase."""
