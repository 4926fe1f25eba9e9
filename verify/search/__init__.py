"""Counterexample search: the Hypothesis engine, public strategies and settings profiles."""
