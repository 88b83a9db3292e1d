"""outputs stage of the vtdriver pipeline."""
