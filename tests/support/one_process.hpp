// OneProcess: a Collective (training/collective.hpp) of one process, without MPI, so that the
// data-parallel code of the trainer runs in the single-process test executables too: over a
// group of one, it must train the bits that fit trains without a group.
#ifndef DEEPNET_TESTS_SUPPORT_ONE_PROCESS_HPP
#define DEEPNET_TESTS_SUPPORT_ONE_PROCESS_HPP

#include <deepnet/training/collective.hpp>

namespace deepnet_test {

class OneProcess final : public deepnet::Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  // The sum, the largest value and the broadcast over one process are the values themselves.
  void sum(float*, deepnet::Index count) override { sums += count; }
  void sum(double*, deepnet::Index count) override { sums += count; }
  void max(int*, deepnet::Index) override {}
  void broadcast(void*, std::size_t, int) override {}

  deepnet::Index sums = 0;  // how many values were summed: the collective calls were made
};

}  // namespace deepnet_test

#endif  // DEEPNET_TESTS_SUPPORT_ONE_PROCESS_HPP
