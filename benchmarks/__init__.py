"""`make bench`: timings of the hot paths on this machine (never asserted in tests)."""
