// Fuzz target for the model file reader (io/model_file.hpp, io/checkpoint.hpp, the metadata of
// io/model_metadata.hpp and tools/classifier.hpp, the Sequential files of io/sequential_file.hpp):
// any bytes, read from a seekable stream (as `load` reads a file) and from a stream that cannot
// seek (a pipe), as double and as float. The reader may only succeed or throw FormatError; what it
// accepts must predict, and must be written back as the very bytes it was read from.
#include "fuzz_support.hpp"

#include <deepnet/deepnet.hpp>
#include <deepnet/io/sequential_file.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <streambuf>
#include <string>

namespace {

using deepnet_fuzz::check;

// A stream buffer over the bytes that hands them out a few at a time and cannot seek, like a
// pipe: the reader must then grow its buffer only as bytes arrive.
class PipeBuffer : public std::streambuf {
 public:
  PipeBuffer(const char* data, std::size_t size) : m_data(data), m_size(size) {}

 protected:
  int_type underflow() override {
    if (m_at >= m_size) return traits_type::eof();
    const std::size_t n = std::min<std::size_t>(7, m_size - m_at);
    std::memcpy(m_chunk, m_data + m_at, n);
    m_at += n;
    setg(m_chunk, m_chunk, m_chunk + n);
    return traits_type::to_int_type(m_chunk[0]);
  }

 private:
  const char* m_data;
  std::size_t m_size;
  std::size_t m_at = 0;
  char m_chunk[7] = {};
};

template <class Scalar>
void use(const deepnet::DeepNet<Scalar>& net) {
  // Two examples of ones: whatever the file held, predict must give finite values or throw
  // NumericalError (weights so large that Z overflows are finite in the file).
  const deepnet::Matrix<Scalar> X = deepnet::Matrix<Scalar>::Ones(net.dims().front(), 2);
  try {
    const deepnet::Matrix<Scalar> A = net.predict(X);
    check(A.rows() == net.dims().back() && A.cols() == 2, "predict: A[L] has the wrong shape");
    check(A.allFinite(), "predict returned NaN or infinity without NumericalError");
  } catch (const deepnet::NumericalError&) {
  }
}

template <class Scalar>
void read_seekable(const std::string& bytes, bool convert) {
  std::istringstream in(bytes);
  try {
    const auto net =
        deepnet::read<Scalar>(in, deepnet::LoadOptions().convert_scalar(convert), "fuzz.dnet");
    if (!convert && bytes.size() >= 12 && bytes[8] == 1) {
      // Without conversion the file held exactly these values: writing them gives back the
      // bytes that were read (the stream stops right after the checksum). A checkpoint
      // (version 2) is written back by read_checkpoint below, a model with metadata (version 3)
      // by read_metadata.
      const auto consumed = static_cast<std::size_t>(in.tellg());
      std::ostringstream out;
      deepnet::write(net, out);
      check(out.str() == bytes.substr(0, consumed), "write(read(bytes)) differs from bytes");
    }
    use(net);
  } catch (const deepnet::FormatError&) {
  }
}

// The same bytes as a checkpoint: a version 2 file's training state is decoded too, and what
// is accepted is written back as the very bytes it was read from.
template <class Scalar>
void read_checkpoint(const std::string& bytes) {
  std::istringstream in(bytes);
  try {
    const auto saved = deepnet::read_checkpoint<Scalar>(in, deepnet::LoadOptions(), "fuzz.dnet");
    const auto consumed = static_cast<std::size_t>(in.tellg());
    std::ostringstream out;
    if (saved.has_state) {
      deepnet::write_checkpoint(saved.net, saved.state, out);
    } else if (bytes[8] == 3) {
      return;  // its metadata is written back by read_metadata
    } else {
      deepnet::write(saved.net, out);
    }
    check(out.str() == bytes.substr(0, consumed),
          "write_checkpoint(read_checkpoint(bytes)) differs from bytes");
    use(saved.net);
  } catch (const deepnet::FormatError&) {
  }
}

// The same bytes with their metadata (version 3), and as a Classifier: what is accepted is
// written back as the very bytes it was read from.
template <class Scalar>
void read_metadata(const std::string& bytes) {
  std::istringstream in(bytes);
  try {
    deepnet::ModelMetadata metadata;
    const auto net = deepnet::read<Scalar>(in, metadata, deepnet::LoadOptions(), "fuzz.dnet");
    const auto consumed = static_cast<std::size_t>(in.tellg());
    check(metadata.class_names.empty() ||
              metadata.class_names.size() ==
                  static_cast<std::size_t>(std::max<deepnet::Index>(net.dims().back(), 2)),
          "the class names do not fit n[L]");
    check(metadata.mean.empty() ||
              metadata.mean.size() == static_cast<std::size_t>(net.dims().front()),
          "the standardisation does not fit n[0]");
    if (bytes[8] != 2) {  // a checkpoint is written back by read_checkpoint
      std::ostringstream out;
      deepnet::write(net, metadata, out);
      check(out.str() == bytes.substr(0, consumed), "write(read(bytes, metadata)) differs");
    }
    std::istringstream again(bytes);
    try {
      const auto model = deepnet::Classifier<Scalar>::read(again, deepnet::LoadOptions(), "fuzz");
      std::ostringstream out;
      model.write(out);
      check(bytes[8] == 2 || out.str() == bytes.substr(0, consumed),
            "Classifier::write(Classifier::read(bytes)) differs");
      const deepnet::Matrix<Scalar> X = deepnet::Matrix<Scalar>::Ones(net.dims().front(), 2);
      try {
        check(model.classify_names(X).size() == 2, "classify_names: one name per example");
      } catch (const deepnet::NumericalError&) {
      }
    } catch (const deepnet::FormatError&) {  // not a classifier's output
    }
  } catch (const deepnet::FormatError&) {
  }
}

// The same bytes as a Sequential (version 4, io/sequential_file.hpp): what is accepted
// predicts with the right shape, and without conversion is written back as the very bytes it
// was read from.
template <class Scalar>
void read_sequential(const std::string& bytes, bool convert) {
  std::istringstream in(bytes);
  try {
    auto net = deepnet::read_sequential<Scalar>(in, deepnet::LoadOptions().convert_scalar(convert),
                                                "fuzz.dnet");
    const auto consumed = static_cast<std::size_t>(in.tellg());
    if (!convert) {
      std::ostringstream out;
      deepnet::write(net, out);
      check(out.str() == bytes.substr(0, consumed), "write(read_sequential(bytes)) differs");
    }
    // Two examples of ones; the values may overflow (weights that are finite in the file).
    const deepnet::Matrix<Scalar> X = deepnet::Matrix<Scalar>::Ones(net.input_size(), 2);
    const deepnet::Matrix<Scalar> A = net.predict(X);
    check(A.rows() == net.output_size() && A.cols() == 2, "predict: A[K] has the wrong shape");
  } catch (const deepnet::FormatError&) {
  }
  PipeBuffer buffer(bytes.data(), bytes.size());
  std::istream pipe(&buffer);
  try {
    (void)deepnet::read_sequential<Scalar>(pipe, deepnet::LoadOptions().convert_scalar(true),
                                           "<pipe>");
  } catch (const deepnet::FormatError&) {
  }
}

template <class Scalar>
void read_pipe(const std::string& bytes) {
  PipeBuffer buffer(bytes.data(), bytes.size());
  std::istream in(&buffer);
  try {
    use(deepnet::read<Scalar>(in, deepnet::LoadOptions().convert_scalar(true), "<pipe>"));
  } catch (const deepnet::FormatError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  read_seekable<double>(bytes, false);
  read_seekable<double>(bytes, true);
  read_seekable<float>(bytes, true);
  read_pipe<double>(bytes);
  read_checkpoint<double>(bytes);
  read_checkpoint<float>(bytes);
  read_metadata<double>(bytes);
  read_sequential<double>(bytes, false);
  read_sequential<float>(bytes, true);
  return 0;
}
