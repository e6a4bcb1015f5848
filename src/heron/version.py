"""Heron's version (a leaf module: the code cache names the build with it)."""
__version__ = "0.1.0"
