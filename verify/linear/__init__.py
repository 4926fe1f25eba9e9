"""Linear ResNets h(x) = (I + A_l)...(I + A_1) x (Hardt & Ma 2017): exact risk, gradient
and Hessian, certified spectral-norm bounds, exact global optimality, and a float search
for critical points snapped to exact ones."""
