"""gestures stage of the vtdriver pipeline."""
