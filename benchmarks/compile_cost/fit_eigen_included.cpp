// Compile-cost benchmark (benchmarks/compile_cost.sh): fit_eigen.cpp's hand-written training,
// in a program that also includes <deepnet/deepnet.hpp> but uses none of it. It is the floor
// under fit_deepnet.cpp: what reading deepnet's headers costs plus what Eigen's kernels cost,
// with no deepnet code generated. fit_deepnet's time above this is what deepnet's own fit,
// predict and checks cost.
#include <deepnet/deepnet.hpp>

#include "fit_eigen.cpp"
