"""Files: the versioned instance format and counterexample records."""
