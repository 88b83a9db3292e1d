"""sources stage of the vtdriver pipeline."""
