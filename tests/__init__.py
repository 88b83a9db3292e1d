"""vtdriver test suite (a package so tests can share helpers as tests.<module>)."""
