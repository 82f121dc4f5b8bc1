/// \file distributed/mpi.hpp
/// Data-parallel training over MPI (docs/distributed.md): `deepnet::mpi::Communicator`, the
/// `Collective` of training/collective.hpp over an MPI communicator, and `Environment`, which
/// starts and ends MPI. Link the CMake target `deepnet::mpi` (deepnet and MPI's C++ flags and
/// libraries); `deepnet::deepnet` alone needs no MPI.
///
/// \code
///   int main(int argc, char** argv) {
///     deepnet::mpi::Environment mpi(argc, argv);
///     deepnet::mpi::Communicator world;  // MPI_COMM_WORLD
///     const deepnet::ItemRange shard = deepnet::ItemRange::shard(world.rank(), world.size());
///     auto [X, labels] = deepnet::collectively(world, [&] {
///       return deepnet::load_idx_pair<float>(images, label_file, shard);
///     });
///     deepnet::DeepNet<float> net({784, 128, 10}, deepnet::Activation::ReLU,
///                                 deepnet::Activation::Softmax);
///     net.initialize(deepnet::Init::He, 1);
///     net.fit(deepnet::scale_to_unit(X, 255), labels,
///             deepnet::FitOptions().batch_size(128).epochs(5).data_parallel(world));
///   }
/// \endcode
/// Run it with `mpirun -np 2 program` (or `srun` under Slurm).
#ifndef DEEPNET_DISTRIBUTED_MPI_HPP
#define DEEPNET_DISTRIBUTED_MPI_HPP

#include "../training/collective.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace deepnet {
namespace mpi {

/// A failed MPI call (the communicator's error handler must be MPI_ERRORS_RETURN for MPI to
/// report one instead of ending the program, see `Communicator`).
class Error : public std::runtime_error {
 public:
  /// \param message the full message, naming the call and MPI's own text
  /// \param code    MPI's error code
  Error(const std::string& message, int code) : std::runtime_error(message), m_code(code) {}
  /// MPI's error code.
  int code() const noexcept { return m_code; }

 private:
  int m_code;
};

namespace detail {

inline void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("deepnet::mpi: ") + call + " failed: " + std::string(text, length), code);
}

// MPI counts are int: larger buffers go in pieces.
constexpr Index kMaxCount = INT_MAX / 2;

}  // namespace detail

/// Starts MPI (MPI_Init_thread, a single thread calling MPI) and ends it (MPI_Finalize) when it
/// goes out of scope; one per program, first thing in main. When MPI is already running (the
/// program or another library started it), it does neither.
class Environment {
 public:
  /// \param argc,argv main's, which MPI may read and change
  Environment(int& argc, char**& argv) { start(&argc, &argv); }
  /// Without main's arguments.
  Environment() { start(nullptr, nullptr); }
  ~Environment() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (m_owner && !finalized) MPI_Finalize();
  }
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  void start(int* argc, char*** argv) {
    int running = 0;
    MPI_Initialized(&running);
    if (running) return;
    int provided = 0;
    detail::check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    m_owner = true;
  }

  bool m_owner = false;
};

/// The processes of an MPI communicator (MPI_COMM_WORLD by default) as a `Collective`, for
/// `FitOptions::data_parallel`. Sums are MPI_Allreduce with MPI_SUM, in place; the gradients of
/// a step are one call over the network's contiguous gradient buffer. MPI must be running
/// (`Environment`). The communicator's error handler becomes MPI_ERRORS_RETURN, so that a failed
/// call throws `mpi::Error` instead of ending the program.
class Communicator final : public Collective {
 public:
  /// \throws StateError when MPI is not running
  explicit Communicator(MPI_Comm comm = MPI_COMM_WORLD) : m_comm(comm) {
    int running = 0;
    MPI_Initialized(&running);
    if (!running) {
      throw StateError(
          "deepnet::mpi::Communicator: MPI is not running; create a deepnet::mpi::Environment "
          "(or call MPI_Init) first");
    }
    detail::check(MPI_Comm_set_errhandler(m_comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    detail::check(MPI_Comm_rank(m_comm, &m_rank), "MPI_Comm_rank");
    detail::check(MPI_Comm_size(m_comm, &m_size), "MPI_Comm_size");
  }

  int rank() const override { return m_rank; }
  int size() const override { return m_size; }
  void sum(float* values, Index count) override { reduce(values, count, MPI_FLOAT, MPI_SUM); }
  void sum(double* values, Index count) override { reduce(values, count, MPI_DOUBLE, MPI_SUM); }
  void max(int* values, Index count) override { reduce(values, count, MPI_INT, MPI_MAX); }
  void broadcast(void* data, std::size_t bytes, int root) override {
    auto* at = static_cast<char*>(data);
    while (bytes > 0) {
      const std::size_t piece = std::min<std::size_t>(bytes, detail::kMaxCount);
      detail::check(MPI_Bcast(at, static_cast<int>(piece), MPI_BYTE, root, m_comm), "MPI_Bcast");
      at += piece;
      bytes -= piece;
    }
  }

  /// The MPI communicator.
  MPI_Comm comm() const noexcept { return m_comm; }

 private:
  template <class T>
  void reduce(T* values, Index count, MPI_Datatype type, MPI_Op op) {
    while (count > 0) {
      const Index piece = std::min(count, detail::kMaxCount);
      detail::check(MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(piece), type, op, m_comm),
                    "MPI_Allreduce");
      values += piece;
      count -= piece;
    }
  }

  MPI_Comm m_comm;
  int m_rank = 0, m_size = 1;
};

}  // namespace mpi
}  // namespace deepnet

#endif  // DEEPNET_DISTRIBUTED_MPI_HPP
