"""binary phase."""
