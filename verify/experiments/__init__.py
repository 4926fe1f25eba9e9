"""Experiments: measured quantities reported as experiments, never as theorem verdicts.

Each experiment states what it measures, its sample sizes, its seeds and its
evidence level (``Method.SAMPLED`` or ``Method.NUMERIC``); rates carry 95 %
Wilson intervals (:mod:`verify.experiments.stats`) and every figure is written
with the data behind it (:mod:`verify.experiments.plotting`).
"""
