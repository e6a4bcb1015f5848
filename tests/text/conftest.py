"""Put tests/text on sys.path so the suite checker module `text_roundtrip` imports."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
