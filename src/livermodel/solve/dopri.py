"""The coefficients of the explicit Runge-Kutta pair of Dormand & Prince (1980, J Comput Appl
Math 6:19, doi:10.1016/0771-050X(80)90013-3) and of Shampine's (1986, Math Comp 46:135,
doi:10.1090/S0025-5718-1986-0815836-3) continuous extension of order 4, which the compiled
integrators (:mod:`livermodel.solve.kernels`, :mod:`livermodel.solve.kernel_galn`) share.
"""

# Dormand & Prince (1980) 5(4) pair; the 5th-order solution is propagated (local extrapolation)
A21 = 1.0 / 5.0
A31, A32 = 3.0 / 40.0, 9.0 / 40.0
A41, A42, A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
A51, A52, A53, A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
A61, A62, A63 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0
A64, A65 = 49.0 / 176.0, -5103.0 / 18656.0
B1, B3, B4, B5, B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
C2, C3, C4, C5 = 0.2, 0.3, 0.8, 8.0 / 9.0
# the 5th- minus the embedded 4th-order weights
E1, E3, E4 = 71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0
E5, E6, E7 = -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0
# Shampine's (1986) continuous extension of order 4
D1, D3, D4 = -12715105075.0 / 11282082432.0, 87487479700.0 / 32700410799.0, -10690763975.0 / 1880347072.0
D5, D6, D7 = 701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0, 69997945.0 / 29380423.0
