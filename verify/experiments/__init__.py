"""Experiments: measured quantities reported as experiments, never as theorem verdicts.

Each experiment states what it measures, its sample sizes, its seeds and its
evidence level (``Method.SAMPLED`` or ``Method.NUMERIC``); rates carry 95 %
Wilson intervals (:mod:`verify.experiments.stats`) and every figure is written
with the data behind it (:mod:`verify.experiments.plotting`).

Every experiment module has ``run(budget="quick" | "deep", seed=0) -> result`` (the
result has ``to_dict()``, strict JSON) and ``plot(result, path) -> (png, json)``:

* :mod:`~verify.experiments.near_identity` — Y3 derived bound vs depth, blocks drawn
  (certified per instance); :mod:`~verify.experiments.near_identity_critical` — the
  same at trained full critical points with alpha measured (plot with
  ``near_identity.plot``);
* :mod:`~verify.experiments.rademacher` — Y4 sampled lower estimate vs the bound;
* :mod:`~verify.experiments.stationarity` — S2 slack along GD paths;
* :mod:`~verify.experiments.sgd` — S3 substitute experiment (plain SGD vs R_lin);
* :mod:`~verify.experiments.figures` — dichotomy scatter and Hessian spectrum.

Note: ``save_figure(path, ...)`` writes ``path.png`` *and* ``path.json``; store a
result's ``to_dict()`` under a different stem.
"""
