// The kernels as TensorFlow ops, for tfjs-node's 'tensorflow' backend (see
// the NOTE in tf_ops.cc). Plain C++: no N-API; addon.cc exports it to JS.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace stn {

enum class TensorflowOpsState {
  kNotLoaded,  // no libtensorflow in this process (yet): try again later
  kActive,     // every op is registered (by this copy or another)
  kFailed,     // a libtensorflow is loaded, but the ops cannot be used
};

struct TensorflowOpsStatus {
  TensorflowOpsState state;
  std::string reason;  // why, in a sentence
};

// Attaches to the libtensorflow already loaded in the process and registers
// the ops, once per process. Thread-safe; kActive and kFailed are final,
// kNotLoaded is retried on the next call.
TensorflowOpsStatus attach_tensorflow_ops();

// How many kernels TF has constructed from the ops this copy registered: one
// per distinct set of attribute values, which the eager runtime caches.
int64_t tensorflow_kernels_created();

// (tfjs kernel name, TensorFlow op name) of every op, in registration order.
std::vector<std::pair<std::string, std::string>> tensorflow_op_names();

}  // namespace stn
