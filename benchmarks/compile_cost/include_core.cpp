// Compile-cost benchmark (benchmarks/compile_cost.sh): the price of including the lean header
// <deepnet/core.hpp> alone, compared with include_eigen.cpp.
#include <deepnet/core.hpp>

int main() { return 0; }
