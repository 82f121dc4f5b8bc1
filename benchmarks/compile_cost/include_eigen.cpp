// Compile-cost benchmark (benchmarks/compile_cost.sh): the price of including <Eigen/Dense>
// alone, the reference for include_core.cpp.
#include <Eigen/Dense>

int main() { return 0; }
