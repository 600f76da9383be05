// The kernels registered as TensorFlow ops with CPU kernels, through TF's C
// API, in the libtensorflow that tfjs-node has loaded: on the 'tensorflow'
// backend the tfjs kernels run them with the backend's own op execution, so
// inputs are read and outputs written in TF-held memory.
//
// NOTE [Attaching to TensorFlow]
// - Never a second TensorFlow: dlopen(RTLD_NOLOAD) only finds a copy that is
//   already loaded, and dlsym takes the functions from it (tf_c_api.h). The
//   package links against no TensorFlow and needs none of its headers.
// - One implementation, two front doors: each compute function checks its
//   inputs as addon.cc checks its arguments (dtype, rank, shape, the size
//   bound of kernel_calls.h), then makes the same call (kernel_calls.h).
//   Errors go to TF_OpKernelContext_Failure, naming the op and the argument;
//   nothing throws across the C boundary.
// - Names carry kAbi (StnGridSampleAbi2): bump it whenever an op's inputs,
//   outputs, attributes or meaning change, so that two different copies of
//   the package in one process never share an op they disagree on.
// - Once per process: TF aborts the process when an op name is registered
//   twice. Under a lock that every copy of this code in the process shares
//   (an flock on libtensorflow's file: each open() is its own lock owner,
//   across threads and copies), each op is looked up first (TF_GraphGetOpDef)
//   and registered only when absent; present, with a kernel, means another
//   copy registered it, and its kernels serve this copy too.
// - The eager runtime keeps one kernel per distinct set of attribute values,
//   forever: attributes are discrete options only (mode, padding, corners,
//   which gradients), every per-call number (an output size) is an input.
// - A gradient that is not requested is output as an empty [0] tensor, so
//   that each op has a fixed list of outputs.
// - The addon pins itself in memory (RTLD_NODELETE) before attaching: TF
//   keeps its functions for the life of the process, longer than Node keeps
//   an addon that only worker_threads loaded.
#include "tf_ops.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#ifndef _WIN32
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#endif

#include "grid_sampler.h"
#include "kernel_calls.h"
#include "tf_c_api.h"

namespace stn {
namespace {

constexpr const char* kAbi = "Abi2";

// Filled once, before any op of this copy is registered; read by the compute
// functions, which TF calls only after that.
tf::Api api;

std::string op_name(const char* kernel) { return std::string(kernel) + kAbi; }

// Kernels TF has constructed from this copy's ops: one per distinct set of
// attribute values, each kept by the eager runtime's cache.
std::atomic<int64_t> kernels_created{0};

// ---------------------------------------------------------------- attributes

struct Attrs {
  SamplerOptions options{Interpolation::Bilinear, Padding::Zeros, false};
  bool first_grad = false, second_grad = false;  // the backward ops
  FillMode fill_mode = FillMode::Constant;        // the image transform ops
  bool same_padding = false;                      // MaxPoolGrad
};

// "mode: {'bilinear', 'nearest', ...}": enum E's names (vocabulary.h).
template <class E>
std::string choice_attr(const char* name) {
  std::string spec = std::string(name) + ": {";
  for (E v : all_values<E>())
    spec += std::string(static_cast<int32_t>(v) ? ", '" : "'") + name_of(v) + "'";
  return spec + "}";
}

// Reads the kernel's attributes; false after reporting a failure to ctx.
class AttrReader {
 public:
  explicit AttrReader(TF_OpKernelConstruction* ctx)
      : ctx_(ctx), status_(api.TF_NewStatus()) {
    ++kernels_created;
  }
  ~AttrReader() { api.TF_DeleteStatus(status_); }

  bool boolean(const char* name, bool* value) {
    unsigned char v = 0;
    api.TF_OpKernelConstruction_GetAttrBool(ctx_, name, &v, status_);
    *value = v != 0;
    return ok();
  }

  // The value of enum E the attribute names (TF has checked that it is one
  // of them; checked again here).
  template <class E>
  bool choice(const char* name, E* value) {
    char text[32] = {};  // not NUL-terminated by TF: one byte to spare
    api.TF_OpKernelConstruction_GetAttrString(ctx_, name, text,
                                              sizeof text - 1, status_);
    if (!ok()) return false;
    if (parse_name(text, value)) return true;
    api.TF_SetStatus(status_, tf::kInvalidArgument,
                     (std::string("unknown ") + name + " '" + text + "'").c_str());
    return ok();
  }

  // A displacement field's options: align_corners is implied (flow_warp.h).
  bool flow(SamplerOptions* o) {
    o->align_corners = true;
    return choice("mode", &o->mode) && choice("padding_mode", &o->padding);
  }

  bool sampler(SamplerOptions* o) {
    return choice("mode", &o->mode) && choice("padding_mode", &o->padding) &&
           boolean("align_corners", &o->align_corners);
  }

 private:
  bool ok() {
    if (api.TF_GetCode(status_) == tf::kOk) return true;
    api.TF_OpKernelConstruction_Failure(ctx_, status_);
    return false;
  }
  TF_OpKernelConstruction* ctx_;
  TF_Status* status_;
};

void* create_align(TF_OpKernelConstruction* ctx) {
  AttrReader r(ctx);
  Attrs a;
  if (!r.boolean("align_corners", &a.options.align_corners)) return nullptr;
  return new (std::nothrow) Attrs(a);
}

void* create_sampler(TF_OpKernelConstruction* ctx) {
  AttrReader r(ctx);
  Attrs a;
  if (!r.sampler(&a.options)) return nullptr;
  return new (std::nothrow) Attrs(a);
}

template <const char* kSecondGrad>
void* create_sampler_grad(TF_OpKernelConstruction* ctx) {
  AttrReader r(ctx);
  Attrs a;
  if (!r.sampler(&a.options) ||
      !r.boolean("compute_input_grad", &a.first_grad) ||
      !r.boolean(kSecondGrad, &a.second_grad))
    return nullptr;
  return new (std::nothrow) Attrs(a);
}
constexpr char kGridGrad[] = "compute_grid_grad";

void* create_flow(TF_OpKernelConstruction* ctx) {
  AttrReader r(ctx);
  Attrs a;
  if (!r.flow(&a.options)) return nullptr;
  return new (std::nothrow) Attrs(a);
}

void* create_flow_grad(TF_OpKernelConstruction* ctx) {
  AttrReader r(ctx);
  Attrs a;
  if (!r.flow(&a.options) || !r.boolean("compute_input_grad", &a.first_grad) ||
      !r.boolean("compute_flow_grad", &a.second_grad))
    return nullptr;
  return new (std::nothrow) Attrs(a);
}

// The image transform ops: interpolation and fill_mode (fill_value is an
// input: a per-call number); the backward also which gradients.
void* create_transform(TF_OpKernelConstruction* ctx) {
  AttrReader r(ctx);
  Attrs a;
  if (!r.choice("interpolation", &a.options.mode) || !r.choice("fill_mode", &a.fill_mode))
    return nullptr;
  return new (std::nothrow) Attrs(a);
}

void* create_transform_grad(TF_OpKernelConstruction* ctx) {
  AttrReader r(ctx);
  Attrs a;
  if (!r.choice("interpolation", &a.options.mode) || !r.choice("fill_mode", &a.fill_mode) ||
      !r.boolean("compute_images_grad", &a.first_grad) ||
      !r.boolean("compute_transforms_grad", &a.second_grad))
    return nullptr;
  return new (std::nothrow) Attrs(a);
}
constexpr char kThetaGrad[] = "compute_theta_grad";

// MaxPoolGrad: SAME or VALID padding (the window and strides are an input).
void* create_pool(TF_OpKernelConstruction* ctx) {
  AttrReader r(ctx);
  Attrs a;
  if (!r.boolean("same_padding", &a.same_padding)) return nullptr;
  return new (std::nothrow) Attrs(a);
}

// An op without attributes (RotateWithOffset: its numbers are inputs).
void* create_plain(TF_OpKernelConstruction* ctx) {
  AttrReader counted(ctx);  // counts the kernel, as every create does
  return new (std::nothrow) Attrs();
}

void destroy_attrs(void* attrs) { delete static_cast<Attrs*>(attrs); }

// ---------------------------------------------------------------- compute

// A bad input: thrown by the checks below, before any kernel runs, and
// caught in compute(), which reports it to TF.
struct BadInput {
  std::string message;
};

// One compute call's tensors: checks and views of the inputs, allocation of
// the outputs; releases every TF_Tensor it took.
class Call {
 public:
  Call(TF_OpKernelContext* ctx, const std::string& op)
      : ctx_(ctx), op_(op), status_(api.TF_NewStatus()) {}
  ~Call() {
    for (TF_Tensor* t : tensors_) api.TF_DeleteTensor(t);
    api.TF_DeleteStatus(status_);
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  struct Floats {
    const float* data;
    std::vector<int64_t> dims;
  };

  // Input `index`, float32 of rank `rank`; `shape` is for the message.
  Floats floats(int index, const char* name, int rank, const char* shape) {
    TF_Tensor* t = input(index, name);
    std::vector<int64_t> d = dims(t);  // moved into the result
    if (api.TF_TensorType(t) != tf::kFloat || static_cast<int>(d.size()) != rank)
      fail(std::string(name) + " must be a float32 tensor " + shape +
           " but has dtype " + std::to_string(api.TF_TensorType(t)) +
           " and shape " + shape_string(d));
    const int64_t count = bounded_element_count(d);
    if (count < 0) fail(std::string(name) + " shape " + shape_string(d) + " is too large");
    if (api.TF_TensorByteSize(t) != static_cast<size_t>(count) * sizeof(float))
      fail(std::string(name) + " holds " + std::to_string(api.TF_TensorByteSize(t)) +
           " bytes, not the " + std::to_string(count * sizeof(float)) +
           " its shape " + shape_string(d) + " needs");
    return {static_cast<const float*>(api.TF_TensorData(t)), std::move(d)};
  }

  // Input `index`: an int32 tensor [count], as its raw 32-bit words.
  const int32_t* words(int index, const char* name, int count, const char* what) {
    TF_Tensor* t = input(index, name);
    const std::vector<int64_t> d = dims(t);
    if (api.TF_TensorType(t) != tf::kInt32 || d.size() != 1 || d[0] != count ||
        api.TF_TensorByteSize(t) != count * sizeof(int32_t))
      fail(std::string(name) + " must be an int32 tensor of shape [" +
           std::to_string(count) + "] " + what + " but has dtype " +
           std::to_string(api.TF_TensorType(t)) + " and shape " + shape_string(d));
    return static_cast<const int32_t*>(api.TF_TensorData(t));
  }

  // Input `index`: `count` non-negative int32 sizes.
  std::vector<int64_t> sizes(int index, const char* name, int count,
                             const char* what) {
    const int32_t* v = words(index, name, count, what);
    std::vector<int64_t> out;
    for (int i = 0; i < count; ++i) out.push_back(v[i]);
    for (int64_t x : out)
      if (x < 0) fail(std::string(name) + " must hold sizes >= 0 " + what + " but has " + shape_string(out));
    return out;
  }

  // Output `index` of shape `dims`; nullptr when it has no elements.
  float* output(int index, const char* name, const std::vector<int64_t>& d) {
    const int64_t count = bounded_element_count(d);
    if (count < 0) fail(std::string(name) + " shape " + shape_string(d) + " is too large");
    TF_Tensor* t = api.TF_AllocateOutput(ctx_, index, tf::kFloat, d.data(),
                                         static_cast<int>(d.size()),
                                         count * sizeof(float), status_);
    if (api.TF_GetCode(status_) != tf::kOk || t == nullptr)
      fail(std::string("cannot allocate ") + name + " of shape " + shape_string(d) +
           ": " + api.TF_Message(status_), tf::kResourceExhausted);
    tensors_.push_back(t);
    return count > 0 ? static_cast<float*>(api.TF_TensorData(t)) : nullptr;
  }

  // Input `index`: a float32 scalar.
  float scalar(int index, const char* name) {
    TF_Tensor* t = input(index, name);
    const std::vector<int64_t> d = dims(t);
    if (api.TF_TensorType(t) != tf::kFloat || !d.empty() ||
        api.TF_TensorByteSize(t) != sizeof(float))
      fail(std::string(name) + " must be a float32 scalar but has dtype " +
           std::to_string(api.TF_TensorType(t)) + " and shape " + shape_string(d));
    return *static_cast<const float*>(api.TF_TensorData(t));
  }

  // An output that was not requested: an empty [0] tensor.
  void empty_output(int index, const char* name) { output(index, name, {0}); }

  [[noreturn]] void fail(const std::string& message,
                         int code = tf::kInvalidArgument) {
    code_ = code;
    throw BadInput{message};
  }

  void report(const std::string& message) {
    api.TF_SetStatus(status_, code_, (op_ + ": " + message).c_str());
    api.TF_OpKernelContext_Failure(ctx_, status_);
  }
  void report(const std::string& message, int code) {
    code_ = code;
    report(message);
  }

  const std::string& op() const { return op_; }

 private:
  TF_Tensor* input(int index, const char* name) {
    TF_Tensor* t = nullptr;
    if (index >= api.TF_NumInputs(ctx_))
      fail(std::string(name) + " (input " + std::to_string(index) + ") is missing");
    api.TF_GetInput(ctx_, index, &t, status_);
    if (api.TF_GetCode(status_) != tf::kOk || t == nullptr)
      fail(std::string("cannot read ") + name + ": " + api.TF_Message(status_));
    tensors_.push_back(t);
    return t;
  }

  std::vector<int64_t> dims(const TF_Tensor* t) {
    std::vector<int64_t> d;
    for (int i = 0; i < api.TF_NumDims(t); ++i) d.push_back(api.TF_Dim(t, i));
    return d;
  }

  TF_OpKernelContext* ctx_;
  std::string op_;
  TF_Status* status_;
  int code_ = tf::kInvalidArgument;
  std::vector<TF_Tensor*> tensors_;
};

// The sampler's shape from input [N,H,W,C], the output's spatial size and
// the grid's (theta's) batch (N, or 1: one transform for the whole batch),
// with the checks every sampler op makes.
SamplerShape checked_sampler_shape(Call& c, const std::vector<int64_t>& input,
                                   int64_t ho, int64_t wo, int64_t grid_n) {
  if (input[1] == 0 || input[2] == 0)
    c.fail("input must be non-empty in H and W but has shape " + shape_string(input));
  const SamplerShape s = sampler_shape(input, ho, wo, grid_n);
  for (const auto& d : {grid_dims(s), output_dims(s)})
    if (bounded_element_count(d) < 0) c.fail("shape " + shape_string(d) + " is too large");
  return s;
}

void require_dims(Call& c, const char* name, const std::vector<int64_t>& actual,
                  const std::vector<int64_t>& expected, const char* why) {
  if (actual != expected)
    c.fail(std::string(name) + " must have shape " + shape_string(expected) + " (" +
           why + ") but has shape " + shape_string(actual));
}

// A two-gradient op's output `index`: a tensor of `dims` when requested, else
// an empty one and null (the kernel skips that gradient).
float* requested_output(Call& c, bool requested, int index, const char* name,
                        const std::vector<int64_t>& dims) {
  if (requested) return c.output(index, name, dims);
  c.empty_output(index, name);
  return nullptr;
}

// GridSample(input [N,H,W,C], grid [N or 1,Ho,Wo,2]) -> output [N,Ho,Wo,C]
void grid_sample(Call& c, const Attrs& a) {
  const auto input = c.floats(0, "input", 4, "[N,H,W,C]");
  const auto grid = c.floats(1, "grid", 4, "[N,Ho,Wo,2]");
  const SamplerShape s =
      checked_sampler_shape(c, input.dims, grid.dims[1], grid.dims[2], grid.dims[0]);
  require_dims(c, "grid", grid.dims, grid_dims(s), "input's N or 1, (x, y) last");
  float* output = c.output(0, "output", output_dims(s));
  call_grid_sample_forward<FastKernels>(s, a.options, input.data, grid.data, output);
}

// GridSampleGrad(dy [N,Ho,Wo,C], input, grid) -> grad_input, grad_grid
void grid_sample_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 4, "[N,Ho,Wo,C]");
  const auto input = c.floats(1, "input", 4, "[N,H,W,C]");
  const auto grid = c.floats(2, "grid", 4, "[N,Ho,Wo,2]");
  const SamplerShape s =
      checked_sampler_shape(c, input.dims, grid.dims[1], grid.dims[2], grid.dims[0]);
  require_dims(c, "grid", grid.dims, grid_dims(s), "input's N or 1, (x, y) last");
  require_dims(c, "dy", dy.dims, output_dims(s), "the forward's output");
  float* grad_input = requested_output(c, a.first_grad, 0, "grad_input", input_dims(s));
  float* grad_grid = requested_output(c, a.second_grad, 1, "grad_grid", grid_dims(s));
  call_grid_sample_backward<FastKernels>(s, a.options, dy.data, input.data, grid.data,
                                         grad_input, grad_grid);
}

// AffineGrid(theta [N,2,3], size [Ho,Wo]) -> grid [N,Ho,Wo,2]
void affine_grid(Call& c, const Attrs& a) {
  const auto theta = c.floats(0, "theta", 3, "[N,2,3]");
  const auto size = c.sizes(1, "size", 2, "[Ho,Wo]");
  const int64_t n = theta.dims[0];
  require_dims(c, "theta", theta.dims, theta_dims(n), "2x3 matrices");
  float* grid = c.output(0, "grid", {n, size[0], size[1], 2});
  call_affine_grid_forward<FastKernels>(n, size[0], size[1], a.options.align_corners,
                                        theta.data, grid);
}

// AffineGridGrad(dy [N,Ho,Wo,2]) -> grad_theta [N,2,3]
void affine_grid_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 4, "[N,Ho,Wo,2]");
  require_dims(c, "dy", dy.dims, {dy.dims[0], dy.dims[1], dy.dims[2], 2}, "(x, y) last");
  float* grad_theta = c.output(0, "grad_theta", theta_dims(dy.dims[0]));
  call_affine_grid_backward<FastKernels>(dy.dims[0], dy.dims[1], dy.dims[2],
                                         a.options.align_corners, dy.data, grad_theta);
}

// AffineSample(input [N,H,W,C], theta [N or 1,2,3], size [Ho,Wo]) -> output
// [N,Ho,Wo,C]
void affine_sample(Call& c, const Attrs& a) {
  const auto input = c.floats(0, "input", 4, "[N,H,W,C]");
  const auto theta = c.floats(1, "theta", 3, "[N,2,3]");
  const auto size = c.sizes(2, "size", 2, "[Ho,Wo]");
  const SamplerShape s = checked_sampler_shape(c, input.dims, size[0], size[1], theta.dims[0]);
  require_dims(c, "theta", theta.dims, theta_dims(grid_batch(s)), "input's N or 1");
  float* output = c.output(0, "output", output_dims(s));
  call_affine_sample_forward<FastKernels>(s, a.options, input.data, theta.data, output);
}

// AffineSampleGrad(dy [N,Ho,Wo,C], input, theta) -> grad_input, grad_theta
void affine_sample_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 4, "[N,Ho,Wo,C]");
  const auto input = c.floats(1, "input", 4, "[N,H,W,C]");
  const auto theta = c.floats(2, "theta", 3, "[N,2,3]");
  const SamplerShape s =
      checked_sampler_shape(c, input.dims, dy.dims[1], dy.dims[2], theta.dims[0]);
  require_dims(c, "theta", theta.dims, theta_dims(grid_batch(s)), "input's N or 1");
  require_dims(c, "dy", dy.dims, output_dims(s), "input's N and C");
  float* grad_input = requested_output(c, a.first_grad, 0, "grad_input", input_dims(s));
  float* grad_theta = requested_output(c, a.second_grad, 1, "grad_theta", theta_dims(grid_batch(s)));
  call_affine_sample_backward<FastKernels>(s, a.options, dy.data, input.data, theta.data,
                                           grad_input, grad_theta);
}

// The volume sampler's shape from input [N,D,H,W,C], as checked_sampler_shape.
VolumeShape checked_volume_shape(Call& c, const Attrs& a, const std::vector<int64_t>& input,
                                 const std::vector<int64_t>& grid) {
  if (!volume_mode_supported(a.options.mode))
    c.fail(std::string("mode must be 'bilinear' or 'nearest' for volumes but is '") +
           name_of(a.options.mode) + "'");
  if (input[1] == 0 || input[2] == 0 || input[3] == 0)
    c.fail("input must be non-empty in D, H and W but has shape " + shape_string(input));
  const VolumeShape s = volume_shape(input, grid[1], grid[2], grid[3], grid[0]);
  for (const auto& d : {grid_dims(s), output_dims(s)})
    if (bounded_element_count(d) < 0) c.fail("shape " + shape_string(d) + " is too large");
  require_dims(c, "grid", grid, grid_dims(s), "input's N or 1, (x, y, z) last");
  return s;
}

// GridSample3d(input [N,D,H,W,C], grid [N or 1,Do,Ho,Wo,3]) -> output [N,Do,Ho,Wo,C]
void grid_sample_3d(Call& c, const Attrs& a) {
  const auto input = c.floats(0, "input", 5, "[N,D,H,W,C]");
  const auto grid = c.floats(1, "grid", 5, "[N,Do,Ho,Wo,3]");
  const VolumeShape s = checked_volume_shape(c, a, input.dims, grid.dims);
  float* output = c.output(0, "output", output_dims(s));
  call_grid_sample_3d_forward<FastKernels>(s, a.options, input.data, grid.data, output);
}

// GridSample3dGrad(dy [N,Do,Ho,Wo,C], input, grid) -> grad_input, grad_grid
void grid_sample_3d_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 5, "[N,Do,Ho,Wo,C]");
  const auto input = c.floats(1, "input", 5, "[N,D,H,W,C]");
  const auto grid = c.floats(2, "grid", 5, "[N,Do,Ho,Wo,3]");
  const VolumeShape s = checked_volume_shape(c, a, input.dims, grid.dims);
  require_dims(c, "dy", dy.dims, output_dims(s), "the forward's output");
  float* grad_input = requested_output(c, a.first_grad, 0, "grad_input", input_dims(s));
  float* grad_grid = requested_output(c, a.second_grad, 1, "grad_grid", grid_dims(s));
  call_grid_sample_3d_backward<FastKernels>(s, a.options, dy.data, input.data, grid.data,
                                            grad_input, grad_grid);
}

// AffineGrid3d(theta [N,3,4], size [Do,Ho,Wo]) -> grid [N,Do,Ho,Wo,3]
void affine_grid_3d(Call& c, const Attrs& a) {
  const auto theta = c.floats(0, "theta", 3, "[N,3,4]");
  const auto size = c.sizes(1, "size", 3, "[Do,Ho,Wo]");
  const int64_t n = theta.dims[0];
  require_dims(c, "theta", theta.dims, theta_3d_dims(n), "3x4 matrices");
  float* grid = c.output(0, "grid", {n, size[0], size[1], size[2], 3});
  call_affine_grid_3d_forward<FastKernels>(n, size[0], size[1], size[2],
                                           a.options.align_corners, theta.data, grid);
}

// AffineGrid3dGrad(dy [N,Do,Ho,Wo,3]) -> grad_theta [N,3,4]
void affine_grid_3d_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 5, "[N,Do,Ho,Wo,3]");
  const auto& d = dy.dims;
  require_dims(c, "dy", d, {d[0], d[1], d[2], d[3], 3}, "(x, y, z) last");
  float* grad_theta = c.output(0, "grad_theta", theta_3d_dims(d[0]));
  call_affine_grid_3d_backward<FastKernels>(d[0], d[1], d[2], d[3], a.options.align_corners,
                                            dy.data, grad_theta);
}

// AffineSample3d(input [N,D,H,W,C], theta [N or 1,3,4], size [Do,Ho,Wo]) ->
// output [N,Do,Ho,Wo,C]
void affine_sample_3d(Call& c, const Attrs& a) {
  const auto input = c.floats(0, "input", 5, "[N,D,H,W,C]");
  const auto theta = c.floats(1, "theta", 3, "[N,3,4]");
  const auto size = c.sizes(2, "size", 3, "[Do,Ho,Wo]");
  const int64_t gn = theta.dims[0];  // N or 1; otherwise the theta check names it
  const VolumeShape s =
      checked_volume_shape(c, a, input.dims, {gn == 1 ? 1 : input.dims[0], size[0], size[1], size[2], 3});
  require_dims(c, "theta", theta.dims, theta_3d_dims(grid_batch(s)), "input's N or 1");
  float* output = c.output(0, "output", output_dims(s));
  call_affine_sample_3d_forward<FastKernels>(s, a.options, input.data, theta.data, output);
}

// AffineSample3dGrad(dy [N,Do,Ho,Wo,C], input, theta) -> grad_input, grad_theta
void affine_sample_3d_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 5, "[N,Do,Ho,Wo,C]");
  const auto input = c.floats(1, "input", 5, "[N,D,H,W,C]");
  const auto theta = c.floats(2, "theta", 3, "[N,3,4]");
  const int64_t gn = theta.dims[0];  // N or 1; otherwise the theta check names it
  const VolumeShape s =
      checked_volume_shape(c, a, input.dims, {gn == 1 ? 1 : input.dims[0], dy.dims[1], dy.dims[2], dy.dims[3], 3});
  require_dims(c, "theta", theta.dims, theta_3d_dims(grid_batch(s)), "input's N or 1");
  require_dims(c, "dy", dy.dims, output_dims(s), "input's N and C");
  float* grad_input = requested_output(c, a.first_grad, 0, "grad_input", input_dims(s));
  float* grad_theta = requested_output(c, a.second_grad, 1, "grad_theta", theta_3d_dims(grid_batch(s)));
  call_affine_sample_3d_backward<FastKernels>(s, a.options, dy.data, input.data, theta.data,
                                              grad_input, grad_theta);
}

// FlowWarp(input [N,H,W,C], flow [N,Ho,Wo,2]) -> output [N,Ho,Wo,C]
void flow_warp(Call& c, const Attrs& a) {
  const auto input = c.floats(0, "input", 4, "[N,H,W,C]");
  const auto flow = c.floats(1, "flow", 4, "[N,Ho,Wo,2]");
  const SamplerShape s =
      checked_sampler_shape(c, input.dims, flow.dims[1], flow.dims[2], input.dims[0]);
  require_dims(c, "flow", flow.dims, grid_dims(s), "input's N, (dx, dy) last");
  float* output = c.output(0, "output", output_dims(s));
  call_flow_warp_forward<FastKernels>(s, a.options, input.data, flow.data, output);
}

// FlowWarpGrad(dy [N,Ho,Wo,C], input, flow) -> grad_input, grad_flow
void flow_warp_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 4, "[N,Ho,Wo,C]");
  const auto input = c.floats(1, "input", 4, "[N,H,W,C]");
  const auto flow = c.floats(2, "flow", 4, "[N,Ho,Wo,2]");
  const SamplerShape s =
      checked_sampler_shape(c, input.dims, flow.dims[1], flow.dims[2], input.dims[0]);
  require_dims(c, "flow", flow.dims, grid_dims(s), "input's N, (dx, dy) last");
  require_dims(c, "dy", dy.dims, output_dims(s), "the forward's output");
  float* grad_input = requested_output(c, a.first_grad, 0, "grad_input", input_dims(s));
  float* grad_flow = requested_output(c, a.second_grad, 1, "grad_flow", grid_dims(s));
  call_flow_warp_backward<FastKernels>(s, a.options, dy.data, input.data, flow.data, grad_input,
                                       grad_flow);
}

// The volume shape of a flow warp: the flow's batch must be input's N.
VolumeShape checked_flow_volume(Call& c, const Attrs& a, const std::vector<int64_t>& input,
                                const std::vector<int64_t>& flow) {
  // No shared flows: as a grid of input's N (require_dims below names a wrong
  // N). Built by push_back: a vector copy would pull in a newer libstdc++
  // symbol (see make_op_specs).
  std::vector<int64_t> as_grid;
  for (int64_t d : flow) as_grid.push_back(d);
  as_grid[0] = input[0];
  const VolumeShape s = checked_volume_shape(c, a, input, as_grid);
  require_dims(c, "flow", flow, grid_dims(s), "input's N, (dx, dy, dz) last");
  return s;
}

// FlowWarp3d(input [N,D,H,W,C], flow [N,Do,Ho,Wo,3]) -> output [N,Do,Ho,Wo,C]
void flow_warp_3d(Call& c, const Attrs& a) {
  const auto input = c.floats(0, "input", 5, "[N,D,H,W,C]");
  const auto flow = c.floats(1, "flow", 5, "[N,Do,Ho,Wo,3]");
  const VolumeShape s = checked_flow_volume(c, a, input.dims, flow.dims);
  float* output = c.output(0, "output", output_dims(s));
  call_flow_warp_forward<FastKernels>(s, a.options, input.data, flow.data, output);
}

// FlowWarp3dGrad(dy [N,Do,Ho,Wo,C], input, flow) -> grad_input, grad_flow
void flow_warp_3d_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 5, "[N,Do,Ho,Wo,C]");
  const auto input = c.floats(1, "input", 5, "[N,D,H,W,C]");
  const auto flow = c.floats(2, "flow", 5, "[N,Do,Ho,Wo,3]");
  const VolumeShape s = checked_flow_volume(c, a, input.dims, flow.dims);
  require_dims(c, "dy", dy.dims, output_dims(s), "the forward's output");
  float* grad_input = requested_output(c, a.first_grad, 0, "grad_input", input_dims(s));
  float* grad_flow = requested_output(c, a.second_grad, 1, "grad_flow", grid_dims(s));
  call_flow_warp_backward<FastKernels>(s, a.options, dy.data, input.data, flow.data, grad_input,
                                       grad_flow);
}

// The transform's shape and options from images [N,H,W,C], transforms
// [N or 1,8], the output size and fill_value, with the ops' checks.
TransformShape checked_transform_shape(Call& c, const std::vector<int64_t>& images,
                                       const std::vector<int64_t>& transforms, int64_t ho,
                                       int64_t wo) {
  const TransformShape s{images[0], images[1], images[2], images[3], ho, wo,
                         transforms[0] == 1 && images[0] != 1};
  require_dims(c, "transforms", transforms, transform_params_dims(s), "images' N or 1, 8 parameters");
  if (bounded_element_count(transform_output_dims(s)) < 0)
    c.fail("shape " + shape_string(transform_output_dims(s)) + " is too large");
  return s;
}

TransformOptions transform_options(Call& c, const Attrs& a, float fill_value) {
  if (a.options.mode == Interpolation::Bicubic)
    c.fail("interpolation must be 'bilinear' or 'nearest' but is 'bicubic'");
  return {a.options.mode, a.fill_mode, fill_value};
}

// ImageTransform(images [N,H,W,C], transforms [N or 1,8], output_shape
// [Ho,Wo], fill_value []) -> output [N,Ho,Wo,C]
void image_transform(Call& c, const Attrs& a) {
  const auto images = c.floats(0, "images", 4, "[N,H,W,C]");
  const auto transforms = c.floats(1, "transforms", 2, "[N,8]");
  const auto size = c.sizes(2, "output_shape", 2, "[Ho,Wo]");
  const TransformOptions o = transform_options(c, a, c.scalar(3, "fill_value"));
  const TransformShape s = checked_transform_shape(c, images.dims, transforms.dims, size[0], size[1]);
  float* output = c.output(0, "output", transform_output_dims(s));
  call_image_transform_forward<FastKernels>(s, o, images.data, transforms.data, output);
}

// ImageTransformGrad(dy [N,Ho,Wo,C], images, transforms, fill_value) ->
// grad_images, grad_transforms
void image_transform_grad(Call& c, const Attrs& a) {
  const auto dy = c.floats(0, "dy", 4, "[N,Ho,Wo,C]");
  const auto images = c.floats(1, "images", 4, "[N,H,W,C]");
  const auto transforms = c.floats(2, "transforms", 2, "[N,8]");
  const TransformOptions o = transform_options(c, a, c.scalar(3, "fill_value"));
  const TransformShape s = checked_transform_shape(c, images.dims, transforms.dims, dy.dims[1], dy.dims[2]);
  require_dims(c, "dy", dy.dims, transform_output_dims(s), "images' N and C");
  float* grad_images = requested_output(c, a.first_grad, 0, "grad_images", transform_images_dims(s));
  float* grad_transforms = requested_output(c, a.second_grad, 1, "grad_transforms", transform_params_dims(s));
  call_image_transform_backward<FastKernels>(s, o, dy.data, images.data, transforms.data,
                                             grad_images, grad_transforms);
}

// RotateWithOffset's rotation: [cos, sin, cx, cy] in float64, sent as the
// 8 int32 words of their bits (tfjs has no float64 tensor, and tfjs's
// kernel computes in float64).
Rotation rotation_input(Call& c, int index) {
  const int32_t* words = c.words(index, "rotation", 2 * kRotationParams, "(the bits of float64 [cos, sin, cx, cy])");
  double v[kRotationParams];
  std::memcpy(v, words, sizeof v);
  return {v[0], v[1], v[2], v[3]};
}

// RotateWithOffset(image [N,H,W,C], rotation [8] int32, fill_value [C]) ->
// output [N,H,W,C]
void rotate_with_offset(Call& c, const Attrs&) {
  const auto image = c.floats(0, "image", 4, "[N,H,W,C]");
  const Rotation r = rotation_input(c, 1);
  const auto fill = c.floats(2, "fill_value", 1, "[C]");
  const RotateShape s{image.dims[0], image.dims[1], image.dims[2], image.dims[3]};
  require_dims(c, "fill_value", fill.dims, {s.c}, "one value per channel of image");
  float* output = c.output(0, "output", rotate_dims(s));
  call_rotate_with_offset_forward<FastKernels>(s, r, fill.data, image.data, output);
}

// RotateWithOffsetGrad(dy [N,H,W,C], rotation) -> grad_image [N,H,W,C]
void rotate_with_offset_grad(Call& c, const Attrs&) {
  const auto dy = c.floats(0, "dy", 4, "[N,H,W,C]");
  const Rotation r = rotation_input(c, 1);
  const RotateShape s{dy.dims[0], dy.dims[1], dy.dims[2], dy.dims[3]};
  float* grad_image = c.output(0, "grad_image", rotate_dims(s));
  call_rotate_with_offset_backward<FastKernels>(s, r, dy.data, grad_image);
}

// MaxPoolGrad(input [N,H,W,C], dy [N,Ho,Wo,C], window [4] int32: window
// height and width, strides) -> grad_input [N,H,W,C]
void max_pool_grad_op(Call& c, const Attrs& a) {
  const auto input = c.floats(0, "input", 4, "[N,H,W,C]");
  const auto dy = c.floats(1, "dy", 4, "[N,Ho,Wo,C]");
  const auto window = c.sizes(2, "window", 4, "(window height and width, strides)");
  const auto& d = input.dims;
  PoolShape s{};
  if (!pool_shape(d[0], d[1], d[2], d[3], window[0], window[1], window[2], window[3], a.same_padding, &s))
    c.fail("window " + shape_string(window) + " must be a window and strides >= 1, the window fewer than 2^31 " +
           "elements and, with VALID padding, no larger than input " + shape_string(d) + " plus one stride");
  require_dims(c, "dy", dy.dims, pool_output_dims(s), "the pool's output");
  float* grad_input = c.output(0, "grad_input", pool_input_dims(s));
  call_max_pool_grad<FastKernels>(s, input.data, dy.data, grad_input);
}

using Body = void (*)(Call&, const Attrs&);

// The TF compute function of `kBody`: runs it, and reports what went wrong
// to TF instead of letting anything cross the C boundary.
template <Body kBody>
void compute(void* attrs, TF_OpKernelContext* ctx, const char* kernel) {
  Call c(ctx, op_name(kernel));
  try {
    kBody(c, *static_cast<const Attrs*>(attrs));
  } catch (const BadInput& e) {
    c.report(e.message);
  } catch (const OutOfScratchMemory& e) {
    c.report("out of memory: the kernel needs " + std::to_string(e.bytes) +
                 " bytes of scratch memory, which could not be allocated",
             tf::kResourceExhausted);
  } catch (const std::bad_alloc&) {
    c.report("out of memory", tf::kResourceExhausted);
  } catch (...) {
    c.report("unexpected error", tf::kInternal);
  }
}

// ---------------------------------------------------------------- the ops

// One row per op: adding a kernel to the TF path is a Body above and a row
// here, plus its KernelConfig's op call in lib/kernels/.
struct OpSpec {
  const char* kernel;  // the tfjs kernel name (lib/kernel_names.ts)
  std::vector<std::string> inputs, outputs, attrs;
  void* (*create)(TF_OpKernelConstruction*);
  void (*compute)(void*, TF_OpKernelContext*);
  const char* op_stem = nullptr;  // the TF op's name before kAbi, when not `kernel`
};

std::string op_name(const OpSpec& spec) { return op_name(spec.op_stem ? spec.op_stem : spec.kernel); }

// The sampler's attributes, then `extra`.
std::vector<std::string> sampler_attrs(const char* extra1 = nullptr,
                                       const char* extra2 = nullptr) {
  std::vector<std::string> attrs;
  attrs.push_back(choice_attr<Interpolation>("mode"));
  attrs.push_back(choice_attr<Padding>("padding_mode"));
  attrs.push_back("align_corners: bool");
  for (const char* e : {extra1, extra2})
    if (e) attrs.push_back(e);
  return attrs;
}

// A displacement field's attributes (no align_corners), then the gradient
// flags when `grad`.
std::vector<std::string> flow_attrs(bool grad = false) {
  std::vector<std::string> attrs;
  attrs.push_back(choice_attr<Interpolation>("mode"));
  attrs.push_back(choice_attr<Padding>("padding_mode"));
  if (grad) {
    attrs.push_back("compute_input_grad: bool");
    attrs.push_back("compute_flow_grad: bool");
  }
  return attrs;
}

#define STN_COMPUTE(body, kernel) \
  [](void* a, TF_OpKernelContext* ctx) { compute<body>(a, ctx, kernel); }

// Built with push_back of temporaries: copying a vector (as an
// initializer_list would) pulls in libstdc++'s GLIBCXX_3.4.29
// __throw_bad_array_new_length, newer than the prebuilt may need.
std::vector<OpSpec> make_op_specs() {
  std::vector<OpSpec> specs;
  specs.push_back({"StnGridSample", {"input: float", "grid: float"},
                   {"output: float"}, sampler_attrs(), create_sampler,
                   STN_COMPUTE(grid_sample, "StnGridSample")});
  specs.push_back({"StnGridSampleGrad", {"dy: float", "input: float", "grid: float"},
                   {"grad_input: float", "grad_grid: float"},
                   sampler_attrs("compute_input_grad: bool", "compute_grid_grad: bool"),
                   create_sampler_grad<kGridGrad>,
                   STN_COMPUTE(grid_sample_grad, "StnGridSampleGrad")});
  specs.push_back({"StnAffineGrid", {"theta: float", "size: int32"},
                   {"grid: float"}, {"align_corners: bool"}, create_align,
                   STN_COMPUTE(affine_grid, "StnAffineGrid")});
  specs.push_back({"StnAffineGridGrad", {"dy: float"}, {"grad_theta: float"},
                   {"align_corners: bool"}, create_align,
                   STN_COMPUTE(affine_grid_grad, "StnAffineGridGrad")});
  specs.push_back({"StnAffineSample", {"input: float", "theta: float", "size: int32"},
                   {"output: float"}, sampler_attrs(), create_sampler,
                   STN_COMPUTE(affine_sample, "StnAffineSample")});
  specs.push_back({"StnAffineSampleGrad", {"dy: float", "input: float", "theta: float"},
                   {"grad_input: float", "grad_theta: float"},
                   sampler_attrs("compute_input_grad: bool", "compute_theta_grad: bool"),
                   create_sampler_grad<kThetaGrad>,
                   STN_COMPUTE(affine_sample_grad, "StnAffineSampleGrad")});
  specs.push_back({"StnGridSample3d", {"input: float", "grid: float"},
                   {"output: float"}, sampler_attrs(), create_sampler,
                   STN_COMPUTE(grid_sample_3d, "StnGridSample3d")});
  specs.push_back({"StnGridSample3dGrad", {"dy: float", "input: float", "grid: float"},
                   {"grad_input: float", "grad_grid: float"},
                   sampler_attrs("compute_input_grad: bool", "compute_grid_grad: bool"),
                   create_sampler_grad<kGridGrad>,
                   STN_COMPUTE(grid_sample_3d_grad, "StnGridSample3dGrad")});
  specs.push_back({"StnAffineGrid3d", {"theta: float", "size: int32"},
                   {"grid: float"}, {"align_corners: bool"}, create_align,
                   STN_COMPUTE(affine_grid_3d, "StnAffineGrid3d")});
  specs.push_back({"StnAffineGrid3dGrad", {"dy: float"}, {"grad_theta: float"},
                   {"align_corners: bool"}, create_align,
                   STN_COMPUTE(affine_grid_3d_grad, "StnAffineGrid3dGrad")});
  specs.push_back({"StnAffineSample3d", {"input: float", "theta: float", "size: int32"},
                   {"output: float"}, sampler_attrs(), create_sampler,
                   STN_COMPUTE(affine_sample_3d, "StnAffineSample3d")});
  specs.push_back({"StnAffineSample3dGrad", {"dy: float", "input: float", "theta: float"},
                   {"grad_input: float", "grad_theta: float"},
                   sampler_attrs("compute_input_grad: bool", "compute_theta_grad: bool"),
                   create_sampler_grad<kThetaGrad>,
                   STN_COMPUTE(affine_sample_3d_grad, "StnAffineSample3dGrad")});
  specs.push_back({"StnFlowWarp", {"input: float", "flow: float"}, {"output: float"},
                   flow_attrs(), create_flow, STN_COMPUTE(flow_warp, "StnFlowWarp")});
  specs.push_back({"StnFlowWarpGrad", {"dy: float", "input: float", "flow: float"},
                   {"grad_input: float", "grad_flow: float"}, flow_attrs(true), create_flow_grad,
                   STN_COMPUTE(flow_warp_grad, "StnFlowWarpGrad")});
  specs.push_back({"StnFlowWarp3d", {"input: float", "flow: float"}, {"output: float"},
                   flow_attrs(), create_flow, STN_COMPUTE(flow_warp_3d, "StnFlowWarp3d")});
  specs.push_back({"StnFlowWarp3dGrad", {"dy: float", "input: float", "flow: float"},
                   {"grad_input: float", "grad_flow: float"}, flow_attrs(true), create_flow_grad,
                   STN_COMPUTE(flow_warp_3d_grad, "StnFlowWarp3dGrad")});
  specs.push_back({"Transform",
                   {"images: float", "transforms: float", "output_shape: int32", "fill_value: float"},
                   {"output: float"},
                   {choice_attr<Interpolation>("interpolation"), choice_attr<FillMode>("fill_mode")},
                   create_transform, STN_COMPUTE(image_transform, "StnImageTransform"),
                   "StnImageTransform"});
  specs.push_back({"StnTransformGrad",
                   {"dy: float", "images: float", "transforms: float", "fill_value: float"},
                   {"grad_images: float", "grad_transforms: float"},
                   {choice_attr<Interpolation>("interpolation"), choice_attr<FillMode>("fill_mode"),
                    "compute_images_grad: bool", "compute_transforms_grad: bool"},
                   create_transform_grad,
                   STN_COMPUTE(image_transform_grad, "StnImageTransformGrad"), "StnImageTransformGrad"});
  specs.push_back({"RotateWithOffset", {"image: float", "rotation: int32", "fill_value: float"},
                   {"output: float"}, {}, create_plain,
                   STN_COMPUTE(rotate_with_offset, "StnRotateWithOffset"), "StnRotateWithOffset"});
  specs.push_back({"StnRotateWithOffsetGrad", {"dy: float", "rotation: int32"},
                   {"grad_image: float"}, {}, create_plain,
                   STN_COMPUTE(rotate_with_offset_grad, "StnRotateWithOffsetGrad")});
  specs.push_back({"StnMaxPoolGrad", {"input: float", "dy: float", "window: int32"},
                   {"grad_input: float"}, {"same_padding: bool"}, create_pool,
                   STN_COMPUTE(max_pool_grad_op, "StnMaxPoolGrad")});
  return specs;
}

const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> specs = make_op_specs();
  return specs;
}

#undef STN_COMPUTE

// ---------------------------------------------------------------- attaching

#ifndef _WIN32

// The sonames of libtensorflow's C API, as tfjs-node loads them (Linux: the
// 2.x libraries of the CDN tarball or of the tensorflow-cpu wheel; macOS).
constexpr const char* kLibraries[] = {
    "libtensorflow_framework.so.2", "libtensorflow_cc.so.2",
    "libtensorflow.so.2",           "libtensorflow_framework.2.dylib",
    "libtensorflow.2.dylib",
};

// An exclusive flock on `path`, held until destruction.
class FileLock {
 public:
  explicit FileLock(const char* path) : fd_(open(path, O_RDONLY | O_CLOEXEC)) {
    if (fd_ >= 0)
      while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
  }
  ~FileLock() {
    if (fd_ >= 0) close(fd_);  // releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// Finds every function in the loaded libraries; kNotLoaded when none is.
TensorflowOpsStatus find_api(tf::Api* out) {
  std::vector<void*> handles;
  for (const char* name : kLibraries)
    if (void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) handles.push_back(h);
  if (handles.empty())
    return {TensorflowOpsState::kNotLoaded,
            "no libtensorflow is loaded in this process (tfjs-node loads it "
            "when @tensorflow/tfjs-node is imported)"};
  auto find = [&](const char* fn) -> void* {
    for (void* h : handles)
      if (void* p = dlsym(h, fn)) return p;
    return nullptr;
  };
  std::string missing;
#define STN_TF_FIND(ret, name, params)                              \
  out->name = reinterpret_cast<ret(*) params>(find(#name));         \
  if (!out->name) missing += std::string(missing.empty() ? "" : ", ") + #name;
  STN_TF_FUNCTIONS(STN_TF_FIND)
#undef STN_TF_FIND
  // dlopen's references are dropped: NOLOAD found libraries that stay loaded.
  for (void* h : handles) dlclose(h);
  if (!missing.empty())
    return {TensorflowOpsState::kFailed,
            "the loaded libtensorflow lacks C API functions for custom ops: " +
                missing};
  return {TensorflowOpsState::kActive, ""};
}

// Registers op `spec` unless the process has it; "" or why not.
std::string register_op(const OpSpec& spec, TF_Graph* graph, TF_Status* status,
                        bool* registered_here) {
  const std::string name = op_name(spec);
  TF_Buffer* op_def = api.TF_NewBuffer();  // must be empty for each lookup
  api.TF_GraphGetOpDef(graph, name.c_str(), op_def, status);
  api.TF_DeleteBuffer(op_def);
  if (api.TF_GetCode(status) == tf::kOk) {
    TF_Buffer* kernels = api.TF_GetRegisteredKernelsForOp(name.c_str(), status);
    const bool has_kernel = api.TF_GetCode(status) == tf::kOk && kernels && kernels->length > 0;
    if (kernels) api.TF_DeleteBuffer(kernels);
    if (!has_kernel) return "op " + name + " is registered without a kernel";
    *registered_here = false;
    return "";
  }
  if (api.TF_GetCode(status) != tf::kNotFound)
    return "looking up op " + name + " failed: " + api.TF_Message(status);

  TF_OpDefinitionBuilder* op = api.TF_NewOpDefinitionBuilder(name.c_str());
  for (const auto& s : spec.inputs) api.TF_OpDefinitionBuilderAddInput(op, s.c_str());
  for (const auto& s : spec.outputs) api.TF_OpDefinitionBuilderAddOutput(op, s.c_str());
  for (const auto& s : spec.attrs) api.TF_OpDefinitionBuilderAddAttr(op, s.c_str());
  api.TF_RegisterOpDefinition(op, status);  // frees op
  if (api.TF_GetCode(status) != tf::kOk)
    return "registering op " + name + " failed: " + api.TF_Message(status);

  TF_KernelBuilder* kernel = api.TF_NewKernelBuilder(
      name.c_str(), "CPU", spec.create, spec.compute, destroy_attrs);
  api.TF_RegisterKernelBuilder((name + "_CPU").c_str(), kernel, status);  // frees kernel
  if (api.TF_GetCode(status) != tf::kOk)
    return "registering the CPU kernel of " + name + " failed: " + api.TF_Message(status);
  *registered_here = true;
  return "";
}

// TF keeps the ops' functions (create, compute, delete) and the kernels it
// built from them for the life of the process, but Node unloads an addon when
// the last thread that loaded it (a worker_thread) exits: a later kernel, or
// TF destroying a cached one, would jump into unmapped memory. So the addon
// pins itself before it attaches; "" or why it could not.
std::string pin_this_library() {
  Dl_info self{};
  if (!dladdr(reinterpret_cast<void*>(&pin_this_library), &self) || !self.dli_fname)
    return "cannot find the addon's own file to keep it loaded (dladdr failed)";
  // NOLOAD | NODELETE marks the loaded library as never unloaded; the
  // reference is kept on purpose.
  if (!dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE)) {
    const char* why = dlerror();
    return std::string("cannot keep the addon loaded: ") + (why ? why : "dlopen failed");
  }
  return "";
}

TensorflowOpsStatus attach_once() {
  tf::Api found;
  TensorflowOpsStatus status = find_api(&found);
  if (status.state != TensorflowOpsState::kActive) return status;
  const std::string pinned = pin_this_library();
  if (!pinned.empty()) return {TensorflowOpsState::kFailed, pinned};
  api = found;

  Dl_info info{};
  const bool located = dladdr(reinterpret_cast<void*>(api.TF_RegisterOpDefinition), &info) && info.dli_fname;
  FileLock lock(located ? info.dli_fname : "/dev/null");

  TF_Graph* graph = api.TF_NewGraph();
  TF_Status* tf_status = api.TF_NewStatus();
  int here = 0, elsewhere = 0;
  std::string error;
  for (const OpSpec& spec : op_specs()) {
    bool registered_here = false;
    error = register_op(spec, graph, tf_status, &registered_here);
    if (!error.empty()) break;
    (registered_here ? here : elsewhere) += 1;
  }
  api.TF_DeleteStatus(tf_status);
  api.TF_DeleteGraph(graph);

  const std::string version = std::string("TensorFlow ") + api.TF_Version();
  if (!error.empty()) return {TensorflowOpsState::kFailed, version + ": " + error};
  if (elsewhere == 0)
    return {TensorflowOpsState::kActive,
            std::to_string(here) + " ops registered in " + version};
  if (here == 0)
    return {TensorflowOpsState::kActive,
            "the ops another copy of the package registered in " + version};
  return {TensorflowOpsState::kActive,
          std::to_string(here) + " ops registered in " + version + ", " +
              std::to_string(elsewhere) + " by another copy of the package"};
}

#else  // _WIN32

TensorflowOpsStatus attach_once() {
  return {TensorflowOpsState::kFailed, "not supported on Windows yet"};
}

#endif

}  // namespace

TensorflowOpsStatus attach_tensorflow_ops() {
  static std::mutex mutex;
  static bool done = false;
  static TensorflowOpsStatus result{TensorflowOpsState::kNotLoaded, ""};
  std::lock_guard<std::mutex> guard(mutex);
  if (done) return result;
  try {
    result = attach_once();
  } catch (const std::exception& e) {
    result = {TensorflowOpsState::kFailed, std::string("attaching failed: ") + e.what()};
  }
  done = result.state != TensorflowOpsState::kNotLoaded;
  return result;
}

int64_t tensorflow_kernels_created() { return kernels_created; }

std::vector<std::pair<std::string, std::string>> tensorflow_op_names() {
  std::vector<std::pair<std::string, std::string>> names;
  for (const OpSpec& spec : op_specs()) names.emplace_back(spec.kernel, op_name(spec));
  return names;
}

}  // namespace stn
