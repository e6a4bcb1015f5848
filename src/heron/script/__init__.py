"""script phase."""
