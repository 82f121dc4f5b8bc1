// Compile-cost benchmark (benchmarks/compile_cost.sh): the price of including all of deepnet
// through the umbrella header <deepnet/deepnet.hpp>.
#include <deepnet/deepnet.hpp>

int main() { return 0; }
