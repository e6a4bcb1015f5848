"""runtime phase."""
