"""Population (Gaussian-input, teacher-student) risk landscapes.

* :mod:`~verify.population.kernel` — the Gaussian ReLU (arc-cosine) kernel, its
  gradient and Hessian blocks, linear moments; float64 and Arb balls, with a
  smoothness margin.
* :mod:`~verify.population.models` — ``two_layer_relu``, ``conv_relu`` (Du et al.),
  ``conv_relu_shortcut`` (Liu et al., reconstruction).
* :mod:`~verify.population.objective` — :class:`PopulationRisk`, the closed-form
  ``½E[(f_student − f_teacher)²]`` behind the duck-typed ``Objective`` interface.
* :mod:`~verify.population.conv` — vectorised conv closed forms; Du et al.'s spurious
  point certified by the profile-loss argument.
* :mod:`~verify.classification` — :func:`classify` for any objective.
* :mod:`~verify.population.spec` — the population instance JSON contract.
"""
