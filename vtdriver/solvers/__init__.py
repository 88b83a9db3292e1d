"""solvers stage of the vtdriver pipeline."""
