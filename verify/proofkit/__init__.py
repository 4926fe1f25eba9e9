"""The proof kit: machine-checked proof steps, SymPy checks, and claims of example scripts."""
