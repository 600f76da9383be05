// N-API surface: checks every argument, then calls the kernels synchronously.
// The only file that includes napi.h. Errors are thrown here, before any
// work starts; the message starts with the function name and names the
// argument, what was expected and what was received.
#include <napi.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "grid_sampler.h"
#include "kernel_calls.h"
#include "tf_ops.h"
#include "volume_sampler.h"

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
constexpr int kMaxThreads = 1024;

std::string describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return v.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_number: {
      const double d = v.As<Napi::Number>().DoubleValue();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      // The shortest form that reads back as d, as JavaScript prints it.
      char buf[32];
      for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, d);
        if (std::strtod(buf, nullptr) == d) break;
      }
      return buf;
    }
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    default: break;
  }
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array: return "an Int8Array";
      case napi_uint8_array: return "a Uint8Array";
      case napi_uint8_clamped_array: return "a Uint8ClampedArray";
      case napi_int16_array: return "an Int16Array";
      case napi_uint16_array: return "a Uint16Array";
      case napi_int32_array: return "an Int32Array";
      case napi_uint32_array: return "a Uint32Array";
      case napi_float32_array: return "a Float32Array";
      case napi_float64_array: return "a Float64Array";
      case napi_bigint64_array: return "a BigInt64Array";
      case napi_biguint64_array: return "a BigUint64Array";
      default: return "a typed array";
    }
  }
  if (v.IsArray()) return "an Array";
  if (v.IsArrayBuffer()) return "an ArrayBuffer";
  return "an object";
}

// One call's arguments, with the function name for messages.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn, size_t count)
      : info_(info), env_(info.Env()), fn_(fn) {
    if (info.Length() != count)
      throw type_error("expects " + std::to_string(count) +
                       " arguments but got " + std::to_string(info.Length()));
  }

  Napi::Error type_error(const std::string& msg) const {
    return Napi::TypeError::New(env_, std::string(fn_) + ": " + msg);
  }
  Napi::Error range_error(const std::string& msg) const {
    return Napi::RangeError::New(env_, std::string(fn_) + ": " + msg);
  }

  // A non-negative safe integer.
  int64_t size(size_t i, const std::string& name) const {
    return size_value(info_[i], name);
  }

  int64_t size_value(const Napi::Value& v, const std::string& name) const {
    if (!v.IsNumber())
      throw type_error(name + " must be a non-negative safe integer but got " +
                       describe(v));
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= kMaxSafeInteger && d == std::trunc(d)))
      throw range_error(name + " must be a non-negative safe integer but got " +
                        describe(v));
    return static_cast<int64_t>(d);
  }

  // An Array of `min_count` to `max_count` sizes.
  std::vector<int64_t> sizes(size_t i, const std::string& name, uint32_t min_count,
                             uint32_t max_count) const {
    const Napi::Value v = info_[i];
    const std::string counts = min_count == max_count
                                   ? std::to_string(min_count)
                                   : std::to_string(min_count) + " or " + std::to_string(max_count);
    if (!v.IsArray())
      throw type_error(name + " must be an Array of " + counts +
                       " non-negative safe integers but got " + describe(v));
    const auto arr = v.As<Napi::Array>();
    if (arr.Length() < min_count || arr.Length() > max_count)
      throw range_error(name + " must have " + counts + " entries but has " +
                        std::to_string(arr.Length()));
    std::vector<int64_t> out(arr.Length());
    for (uint32_t k = 0; k < arr.Length(); ++k)
      out[k] = size_value(arr.Get(k), name + "[" + std::to_string(k) + "]");
    return out;
  }

  bool boolean(size_t i, const std::string& name) const {
    const Napi::Value v = info_[i];
    if (!v.IsBoolean())
      throw type_error(name + " must be a boolean but got " + describe(v));
    return v.As<Napi::Boolean>().Value();
  }

  // An integer enum value in [0, count); `names` lists the values for messages.
  int32_t enumeration(size_t i, const std::string& name, int32_t count,
                      const std::string& names) const {
    const Napi::Value v = info_[i];
    if (!v.IsNumber())
      throw type_error(name + " must be " + names + " but got " + describe(v));
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d < count && d == std::trunc(d)))
      throw range_error(name + " must be " + names + " but got " + describe(v));
    return static_cast<int32_t>(d);
  }

  // A Float32Array of exactly `expected` elements (dims are for the message);
  // null is accepted (as a null pointer) when `nullable`.
  float* floats(size_t i, const std::string& name, int64_t expected,
                const std::vector<int64_t>& dims, bool nullable = false) {
    const Napi::Value v = info_[i];
    if (nullable && v.IsNull()) return nullptr;
    if (!v.IsTypedArray() ||
        v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw type_error(name + " must be a Float32Array" +
                       (nullable ? " or null" : "") + " but got " +
                       describe(v));
    auto arr = v.As<Napi::Float32Array>();
    const size_t length = arr.ElementLength();
    if (static_cast<uint64_t>(expected) != length)
      throw range_error(name + " must have " + std::to_string(expected) +
                        " float32 elements (shape " + stn::shape_string(dims) +
                        ") but has " + std::to_string(length));
    float* data = arr.Data();
    if (length > 0) views_.push_back({name, data, length});
    return data;
  }

  // Outputs (registered after the inputs) must not overlap any other view.
  void check_outputs_disjoint(size_t first_output) const {
    for (size_t o = first_output; o < views_.size(); ++o) {
      for (size_t k = 0; k < o; ++k) {
        const View& a = views_[o];
        const View& b = views_[k];
        if (a.data < b.data + b.length && b.data < a.data + a.length)
          throw range_error(a.name + " must not overlap " + b.name +
                            " (they share memory)");
      }
    }
  }

  size_t view_count() const { return views_.size(); }
  Napi::Env env() const { return env_; }

 private:
  struct View {
    std::string name;
    const float* data;
    size_t length;
  };
  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  const char* fn_;
  std::vector<View> views_;
};

// Product of dims; throws if it, or the product with zeros read as ones (the
// largest index the kernels form), does not fit in 53 bits.
int64_t element_count(const Args& args, const std::vector<int64_t>& dims,
                      const std::string& name) {
  const int64_t count = stn::bounded_element_count(dims);
  if (count < 0)
    throw args.range_error(name + " shape " + stn::shape_string(dims) +
                           " is too large");
  return count;
}

// A tensor argument: its name in messages, its expected dims and element
// count (checked to fit).
struct Tensor {
  std::string name;
  std::vector<int64_t> dims;
  int64_t count;
};

Tensor tensor(const Args& args, std::vector<int64_t> dims, const std::string& name) {
  const int64_t count = element_count(args, dims, name);
  return {name, std::move(dims), count};
}

// "gradInput" for "input".
std::string grad_name(const std::string& name) {
  return "grad" + std::string(1, static_cast<char>(std::toupper(name[0]))) + name.substr(1);
}

// The values of enum E (vocabulary.h) for messages: "0 (bilinear) or 1
// (nearest)", or with quoted names only: "'base', 'avx2' or 'avx512'".
template <class E>
std::string allowed_values(bool numbered) {
  std::string out;
  const int32_t count = stn::value_count<E>();
  for (E v : stn::all_values<E>()) {
    const int32_t i = static_cast<int32_t>(v);
    if (i > 0) out += i + 1 == count ? " or " : ", ";
    out += numbered ? std::to_string(i) + " (" + stn::name_of(v) + ")"
                    : std::string("'") + stn::name_of(v) + "'";
  }
  return out;
}

// An enum argument, passed as its number (the addon's exported objects).
template <class E>
E enum_arg(const Args& args, size_t i) {
  return static_cast<E>(args.enumeration(i, stn::Vocabulary<E>::kWhat,
                                         stn::value_count<E>(),
                                         allowed_values<E>(true)));
}

// The frozen object {name: number, ...} of enum E that the addon exports.
template <class E>
Napi::Object vocabulary_object(Napi::Env env) {
  Napi::Object object = Napi::Object::New(env);
  for (E v : stn::all_values<E>())
    object.Set(stn::name_of(v), static_cast<int32_t>(v));
  object.Freeze();
  return object;
}

// The calls with two inputs (the samplers' input and grid, theta or flow;
// the transform's images and transforms): name(first, second, output, ...):
template <class Run>
Napi::Value pair_forward(Args& args, const Tensor& first, const Tensor& second,
                         const Tensor& output, Run run) {
  const float* a = args.floats(0, first.name, first.count, first.dims);
  const float* b = args.floats(1, second.name, second.count, second.dims);
  const size_t outputs = args.view_count();
  float* out = args.floats(2, output.name, output.count, output.dims);
  args.check_outputs_disjoint(outputs);
  run(a, b, out);
  return args.env().Undefined();
}

// name(dy, first, second, gradFirst | null, gradSecond | null, ...), dy
// named `dy_name`:
template <class Run>
Napi::Value pair_backward(Args& args, const std::string& dy_name, const Tensor& first,
                          const Tensor& second, const Tensor& output, Run run) {
  const float* dy = args.floats(0, dy_name, output.count, output.dims);
  const float* a = args.floats(1, first.name, first.count, first.dims);
  const float* b = args.floats(2, second.name, second.count, second.dims);
  const size_t outputs = args.view_count();
  float* grad_a = args.floats(3, grad_name(first.name), first.count, first.dims, true);
  float* grad_b = args.floats(4, grad_name(second.name), second.count, second.dims, true);
  args.check_outputs_disjoint(outputs);
  run(dy, a, b, grad_a, grad_b);
  return args.env().Undefined();
}

struct SamplerArgs {
  stn::SamplerShape shape;
  stn::SamplerOptions options;
  Tensor input, grid, output, theta;
};

// shape: [n, h, w, c, ho, wo] or [n, h, w, c, ho, wo, gridN], gridN the
// batch size of the grid (theta): N, or 1 for one transform shared by the
// whole batch.
SamplerArgs sampler_args(const Args& args, size_t shape_at, size_t mode_at) {
  const auto sh = args.sizes(shape_at, "shape", 6, 7);
  SamplerArgs a;
  const int64_t n = sh[0], grid_n = sh.size() == 7 ? sh[6] : n;
  if (grid_n != n && grid_n != 1)
    throw args.range_error("shape[6] (the grid's batch size) must be N (" + std::to_string(n) +
                           ") or 1 but got " + std::to_string(grid_n));
  a.shape = {n, sh[1], sh[2], sh[3], sh[4], sh[5], grid_n != n};
  a.input = tensor(args, stn::input_dims(a.shape), "input");
  a.grid = tensor(args, stn::grid_dims(a.shape), "grid");
  a.output = tensor(args, stn::output_dims(a.shape), "output");
  a.theta = tensor(args, stn::theta_dims(grid_n), "theta");
  a.options.mode = enum_arg<stn::Interpolation>(args, mode_at);
  a.options.padding = enum_arg<stn::Padding>(args, mode_at + 1);
  a.options.align_corners = args.boolean(mode_at + 2, "alignCorners");
  return a;
}

// gridSampleForward(input, grid, output, shape, mode, padding, alignCorners)
template <class K>
Napi::Value GridSampleForward(const Napi::CallbackInfo& info) {
  Args args(info, "gridSampleForward", 7);
  const SamplerArgs a = sampler_args(args, 3, 4);
  return pair_forward(args, a.input, a.grid, a.output, [&](auto... tensors) {
    stn::call_grid_sample_forward<K>(a.shape, a.options, tensors...);
  });
}

// gridSampleBackward(gradOutput, input, grid, gradInput | null,
//                    gradGrid | null, shape, mode, padding, alignCorners)
template <class K>
Napi::Value GridSampleBackward(const Napi::CallbackInfo& info) {
  Args args(info, "gridSampleBackward", 9);
  const SamplerArgs a = sampler_args(args, 5, 6);
  return pair_backward(args, "gradOutput", a.input, a.grid, a.output, [&](auto... tensors) {
    stn::call_grid_sample_backward<K>(a.shape, a.options, tensors...);
  });
}

// affineGridForward(theta, grid, n, ho, wo, alignCorners)
template <class K>
Napi::Value AffineGridForward(const Napi::CallbackInfo& info) {
  Args args(info, "affineGridForward", 6);
  const int64_t n = args.size(2, "n"), ho = args.size(3, "ho"),
                wo = args.size(4, "wo");
  const bool align = args.boolean(5, "alignCorners");
  const std::vector<int64_t> theta_dims = stn::theta_dims(n),
                             grid_dims = {n, ho, wo, 2};
  const int64_t theta_count = element_count(args, theta_dims, "theta");
  const int64_t grid_count = element_count(args, grid_dims, "grid");
  const float* theta = args.floats(0, "theta", theta_count, theta_dims);
  const size_t outputs = args.view_count();
  float* grid = args.floats(1, "grid", grid_count, grid_dims);
  args.check_outputs_disjoint(outputs);
  stn::call_affine_grid_forward<K>(n, ho, wo, align, theta, grid);
  return info.Env().Undefined();
}

// affineGridBackward(gradGrid, gradTheta, n, ho, wo, alignCorners)
template <class K>
Napi::Value AffineGridBackward(const Napi::CallbackInfo& info) {
  Args args(info, "affineGridBackward", 6);
  const int64_t n = args.size(2, "n"), ho = args.size(3, "ho"),
                wo = args.size(4, "wo");
  const bool align = args.boolean(5, "alignCorners");
  const std::vector<int64_t> theta_dims = stn::theta_dims(n),
                             grid_dims = {n, ho, wo, 2};
  const int64_t theta_count = element_count(args, theta_dims, "gradTheta");
  const int64_t grid_count = element_count(args, grid_dims, "gradGrid");
  const float* grad_grid = args.floats(0, "gradGrid", grid_count, grid_dims);
  const size_t outputs = args.view_count();
  float* grad_theta = args.floats(1, "gradTheta", theta_count, theta_dims);
  args.check_outputs_disjoint(outputs);
  stn::call_affine_grid_backward<K>(n, ho, wo, align, grad_grid, grad_theta);
  return info.Env().Undefined();
}

// affineSampleForward(input, theta, output, shape, mode, padding, alignCorners)
template <class K>
Napi::Value AffineSampleForward(const Napi::CallbackInfo& info) {
  Args args(info, "affineSampleForward", 7);
  const SamplerArgs a = sampler_args(args, 3, 4);
  return pair_forward(args, a.input, a.theta, a.output, [&](auto... tensors) {
    stn::call_affine_sample_forward<K>(a.shape, a.options, tensors...);
  });
}

// affineSampleBackward(gradOutput, input, theta, gradInput | null,
//                      gradTheta | null, shape, mode, padding, alignCorners)
template <class K>
Napi::Value AffineSampleBackward(const Napi::CallbackInfo& info) {
  Args args(info, "affineSampleBackward", 9);
  const SamplerArgs a = sampler_args(args, 5, 6);
  return pair_backward(args, "gradOutput", a.input, a.theta, a.output, [&](auto... tensors) {
    stn::call_affine_sample_backward<K>(a.shape, a.options, tensors...);
  });
}

struct VolumeArgs {
  stn::VolumeShape shape;
  stn::SamplerOptions options;
  Tensor input, grid, output, theta;
};

// shape: [n, d, h, w, c, od, ho, wo] or with gridN appended (N or 1), as
// sampler_args; the mode must be one the volume kernels implement.
VolumeArgs volume_args(const Args& args, size_t shape_at, size_t mode_at) {
  const auto sh = args.sizes(shape_at, "shape", 8, 9);
  VolumeArgs a;
  const int64_t n = sh[0], grid_n = sh.size() == 9 ? sh[8] : n;
  if (grid_n != n && grid_n != 1)
    throw args.range_error("shape[8] (the grid's batch size) must be N (" + std::to_string(n) +
                           ") or 1 but got " + std::to_string(grid_n));
  a.shape = {n, sh[1], sh[2], sh[3], sh[4], sh[5], sh[6], sh[7], grid_n != n};
  a.input = tensor(args, stn::input_dims(a.shape), "input");
  a.grid = tensor(args, stn::grid_dims(a.shape), "grid");
  a.output = tensor(args, stn::output_dims(a.shape), "output");
  a.theta = tensor(args, stn::theta_3d_dims(grid_n), "theta");
  a.options.mode = enum_arg<stn::Interpolation>(args, mode_at);
  if (!stn::volume_mode_supported(a.options.mode))
    throw args.range_error(std::string("mode must be 0 (bilinear) or 1 (nearest) for volumes but got ") +
                           std::to_string(static_cast<int32_t>(a.options.mode)) + " (" +
                           stn::name_of(a.options.mode) + ")");
  a.options.padding = enum_arg<stn::Padding>(args, mode_at + 1);
  a.options.align_corners = args.boolean(mode_at + 2, "alignCorners");
  return a;
}

// gridSample3dForward(input, grid, output, shape, mode, padding, alignCorners)
template <class K>
Napi::Value GridSample3dForward(const Napi::CallbackInfo& info) {
  Args args(info, "gridSample3dForward", 7);
  const VolumeArgs a = volume_args(args, 3, 4);
  return pair_forward(args, a.input, a.grid, a.output, [&](auto... tensors) {
    stn::call_grid_sample_3d_forward<K>(a.shape, a.options, tensors...);
  });
}

// gridSample3dBackward(gradOutput, input, grid, gradInput | null,
//                      gradGrid | null, shape, mode, padding, alignCorners)
template <class K>
Napi::Value GridSample3dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "gridSample3dBackward", 9);
  const VolumeArgs a = volume_args(args, 5, 6);
  return pair_backward(args, "gradOutput", a.input, a.grid, a.output, [&](auto... tensors) {
    stn::call_grid_sample_3d_backward<K>(a.shape, a.options, tensors...);
  });
}

// affineSample3dForward(input, theta, output, shape, mode, padding, alignCorners)
template <class K>
Napi::Value AffineSample3dForward(const Napi::CallbackInfo& info) {
  Args args(info, "affineSample3dForward", 7);
  const VolumeArgs a = volume_args(args, 3, 4);
  return pair_forward(args, a.input, a.theta, a.output, [&](auto... tensors) {
    stn::call_affine_sample_3d_forward<K>(a.shape, a.options, tensors...);
  });
}

// affineSample3dBackward(gradOutput, input, theta, gradInput | null,
//                        gradTheta | null, shape, mode, padding, alignCorners)
template <class K>
Napi::Value AffineSample3dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "affineSample3dBackward", 9);
  const VolumeArgs a = volume_args(args, 5, 6);
  return pair_backward(args, "gradOutput", a.input, a.theta, a.output, [&](auto... tensors) {
    stn::call_affine_sample_3d_backward<K>(a.shape, a.options, tensors...);
  });
}

// affineGrid3dForward(theta, grid, n, od, ho, wo, alignCorners)
template <class K>
Napi::Value AffineGrid3dForward(const Napi::CallbackInfo& info) {
  Args args(info, "affineGrid3dForward", 7);
  const int64_t n = args.size(2, "n"), od = args.size(3, "od"), ho = args.size(4, "ho"),
                wo = args.size(5, "wo");
  const bool align = args.boolean(6, "alignCorners");
  const std::vector<int64_t> theta_dims = stn::theta_3d_dims(n), grid_dims = {n, od, ho, wo, 3};
  const int64_t theta_count = element_count(args, theta_dims, "theta");
  const int64_t grid_count = element_count(args, grid_dims, "grid");
  const float* theta = args.floats(0, "theta", theta_count, theta_dims);
  const size_t outputs = args.view_count();
  float* grid = args.floats(1, "grid", grid_count, grid_dims);
  args.check_outputs_disjoint(outputs);
  stn::call_affine_grid_3d_forward<K>(n, od, ho, wo, align, theta, grid);
  return info.Env().Undefined();
}

// affineGrid3dBackward(gradGrid, gradTheta, n, od, ho, wo, alignCorners)
template <class K>
Napi::Value AffineGrid3dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "affineGrid3dBackward", 7);
  const int64_t n = args.size(2, "n"), od = args.size(3, "od"), ho = args.size(4, "ho"),
                wo = args.size(5, "wo");
  const bool align = args.boolean(6, "alignCorners");
  const std::vector<int64_t> theta_dims = stn::theta_3d_dims(n), grid_dims = {n, od, ho, wo, 3};
  const int64_t theta_count = element_count(args, theta_dims, "gradTheta");
  const int64_t grid_count = element_count(args, grid_dims, "gradGrid");
  const float* grad_grid = args.floats(0, "gradGrid", grid_count, grid_dims);
  const size_t outputs = args.view_count();
  float* grad_theta = args.floats(1, "gradTheta", theta_count, theta_dims);
  args.check_outputs_disjoint(outputs);
  stn::call_affine_grid_3d_backward<K>(n, od, ho, wo, align, grad_grid, grad_theta);
  return info.Env().Undefined();
}

// The arguments of a displacement-field call: shape [n, h, w, c, ho, wo]
// (2-D) or [n, d, h, w, c, od, ho, wo] (volumes), mode, padding; the flow
// has the grid's dims (batch N: no shared flows). alignCorners is implied.
template <class Shape>
struct FlowArgs {
  Shape shape;
  stn::SamplerOptions options;
  Tensor input, flow, output;
};

template <class Shape>
FlowArgs<Shape> flow_args(const Args& args, size_t shape_at, size_t mode_at) {
  constexpr bool kVolume = std::is_same_v<Shape, stn::VolumeShape>;
  const auto sh = args.sizes(shape_at, "shape", kVolume ? 8 : 6, kVolume ? 8 : 6);
  FlowArgs<Shape> a;
  if constexpr (kVolume) a.shape = {sh[0], sh[1], sh[2], sh[3], sh[4], sh[5], sh[6], sh[7], false};
  else a.shape = {sh[0], sh[1], sh[2], sh[3], sh[4], sh[5], false};
  a.input = tensor(args, stn::input_dims(a.shape), "input");
  a.flow = tensor(args, stn::grid_dims(a.shape), "flow");
  a.output = tensor(args, stn::output_dims(a.shape), "output");
  a.options.mode = enum_arg<stn::Interpolation>(args, mode_at);
  if (kVolume && !stn::volume_mode_supported(a.options.mode))
    throw args.range_error(std::string("mode must be 0 (bilinear) or 1 (nearest) for volumes but got ") +
                           std::to_string(static_cast<int32_t>(a.options.mode)) + " (" +
                           stn::name_of(a.options.mode) + ")");
  a.options.padding = enum_arg<stn::Padding>(args, mode_at + 1);
  a.options.align_corners = true;
  return a;
}

// flowWarpForward(input, flow, output, shape, mode, padding) and
// flowWarp3dForward(...), by Shape.
template <class K, class Shape>
Napi::Value FlowWarpForward(const Napi::CallbackInfo& info) {
  Args args(info, std::is_same_v<Shape, stn::VolumeShape> ? "flowWarp3dForward" : "flowWarpForward", 6);
  const FlowArgs<Shape> a = flow_args<Shape>(args, 3, 4);
  return pair_forward(args, a.input, a.flow, a.output, [&](auto... tensors) {
    stn::call_flow_warp_forward<K>(a.shape, a.options, tensors...);
  });
}

// flowWarpBackward(gradOutput, input, flow, gradInput | null, gradFlow | null,
//                  shape, mode, padding), and flowWarp3dBackward.
template <class K, class Shape>
Napi::Value FlowWarpBackward(const Napi::CallbackInfo& info) {
  Args args(info, std::is_same_v<Shape, stn::VolumeShape> ? "flowWarp3dBackward" : "flowWarpBackward", 8);
  const FlowArgs<Shape> a = flow_args<Shape>(args, 5, 6);
  return pair_backward(args, "gradOutput", a.input, a.flow, a.output, [&](auto... tensors) {
    stn::call_flow_warp_backward<K>(a.shape, a.options, tensors...);
  });
}

struct TransformArgs {
  stn::TransformShape shape;
  stn::TransformOptions options;
  Tensor images, transforms, output;
};

// shape: [n, h, w, c, ho, wo, transformsN], transformsN N or 1 (one
// transform for the whole batch); then interpolation (bilinear or nearest),
// fillMode, fillValue.
TransformArgs transform_args(const Args& args, size_t shape_at, size_t mode_at,
                             const Napi::CallbackInfo& info) {
  const auto sh = args.sizes(shape_at, "shape", 7, 7);
  TransformArgs a;
  const int64_t n = sh[0], tn = sh[6];
  if (tn != n && tn != 1)
    throw args.range_error("shape[6] (the transforms' batch size) must be N (" + std::to_string(n) +
                           ") or 1 but got " + std::to_string(tn));
  a.shape = {n, sh[1], sh[2], sh[3], sh[4], sh[5], tn != n};
  a.images = tensor(args, stn::transform_images_dims(a.shape), "images");
  a.transforms = tensor(args, stn::transform_params_dims(a.shape), "transforms");
  a.output = tensor(args, stn::transform_output_dims(a.shape), "output");
  a.options.interpolation = enum_arg<stn::Interpolation>(args, mode_at);
  if (a.options.interpolation == stn::Interpolation::Bicubic)
    throw args.range_error("interpolation must be 0 (bilinear) or 1 (nearest) but got 2 (bicubic)");
  a.options.fill_mode = enum_arg<stn::FillMode>(args, mode_at + 1);
  const Napi::Value fill = info[mode_at + 2];
  if (!fill.IsNumber())
    throw args.type_error("fillValue must be a number but got " + describe(fill));
  a.options.fill_value = static_cast<float>(fill.As<Napi::Number>().DoubleValue());
  return a;
}

// imageTransformForward(images, transforms, output, shape, interpolation,
//                       fillMode, fillValue)
template <class K>
Napi::Value ImageTransformForward(const Napi::CallbackInfo& info) {
  Args args(info, "imageTransformForward", 7);
  const TransformArgs a = transform_args(args, 3, 4, info);
  return pair_forward(args, a.images, a.transforms, a.output, [&](auto... tensors) {
    stn::call_image_transform_forward<K>(a.shape, a.options, tensors...);
  });
}

// imageTransformBackward(dy, images, transforms, gradImages | null,
//                        gradTransforms | null, shape, interpolation,
//                        fillMode, fillValue)
template <class K>
Napi::Value ImageTransformBackward(const Napi::CallbackInfo& info) {
  Args args(info, "imageTransformBackward", 9);
  const TransformArgs a = transform_args(args, 5, 6, info);
  return pair_backward(args, "dy", a.images, a.transforms, a.output, [&](auto... tensors) {
    stn::call_image_transform_backward<K>(a.shape, a.options, tensors...);
  });
}

struct RotateArgs {
  stn::RotateShape shape;
  stn::Rotation rotation;
  std::vector<int64_t> dims;
  int64_t count;
};

// shape: [n, h, w, c]; rotation: a Float64Array [cos, sin, cx, cy] (any
// values: NaN or infinite ones make the output the fill).
RotateArgs rotate_args(const Args& args, size_t shape_at, const Napi::CallbackInfo& info) {
  const auto sh = args.sizes(shape_at, "shape", 4, 4);
  RotateArgs a;
  a.shape = {sh[0], sh[1], sh[2], sh[3]};
  a.dims = stn::rotate_dims(a.shape);
  a.count = element_count(args, a.dims, "images");
  const Napi::Value v = info[shape_at + 1];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw args.type_error("rotation must be a Float64Array [cos, sin, cx, cy] but got " + describe(v));
  const auto r = v.As<Napi::Float64Array>();
  if (r.ElementLength() != stn::kRotationParams)
    throw args.range_error("rotation must have 4 elements [cos, sin, cx, cy] but has " +
                           std::to_string(r.ElementLength()));
  a.rotation = {r[0], r[1], r[2], r[3]};
  return a;
}

// rotateWithOffsetForward(images, fill, output, shape, rotation): fill [c].
template <class K>
Napi::Value RotateWithOffsetForward(const Napi::CallbackInfo& info) {
  Args args(info, "rotateWithOffsetForward", 5);
  const RotateArgs a = rotate_args(args, 3, info);
  const float* images = args.floats(0, "images", a.count, a.dims);
  const float* fill = args.floats(1, "fill", a.shape.c, {a.shape.c});
  const size_t outputs = args.view_count();
  float* output = args.floats(2, "output", a.count, a.dims);
  args.check_outputs_disjoint(outputs);
  stn::call_rotate_with_offset_forward<K>(a.shape, a.rotation, fill, images, output);
  return info.Env().Undefined();
}

// rotateWithOffsetBackward(dy, gradImages, shape, rotation)
template <class K>
Napi::Value RotateWithOffsetBackward(const Napi::CallbackInfo& info) {
  Args args(info, "rotateWithOffsetBackward", 4);
  const RotateArgs a = rotate_args(args, 2, info);
  const float* dy = args.floats(0, "dy", a.count, a.dims);
  const size_t outputs = args.view_count();
  float* grad_images = args.floats(1, "gradImages", a.count, a.dims);
  args.check_outputs_disjoint(outputs);
  stn::call_rotate_with_offset_backward<K>(a.shape, a.rotation, dy, grad_images);
  return info.Env().Undefined();
}

struct CropArgs {
  stn::CropShape shape;
  stn::CropOptions options;
  std::vector<int64_t> image_dims, boxes_dims, output_dims;
  int64_t image_count, boxes_count, output_count;
};

// shape: [n, h, w, c, boxes, cropH, cropW]; then method (bilinear or nearest).
CropArgs crop_args(const Args& args, size_t shape_at, size_t method_at) {
  const auto sh = args.sizes(shape_at, "shape", 7, 7);
  CropArgs a;
  a.shape = {sh[0], sh[1], sh[2], sh[3], sh[4], sh[5], sh[6]};
  a.image_dims = stn::crop_image_dims(a.shape);
  a.boxes_dims = stn::crop_boxes_dims(a.shape);
  a.output_dims = stn::crop_output_dims(a.shape);
  a.image_count = element_count(args, a.image_dims, "image");
  a.boxes_count = element_count(args, a.boxes_dims, "boxes");
  a.output_count = element_count(args, a.output_dims, "output");
  a.options.method = enum_arg<stn::Interpolation>(args, method_at);
  if (a.options.method == stn::Interpolation::Bicubic)
    throw args.range_error("method must be 0 (bilinear) or 1 (nearest) but got 2 (bicubic)");
  return a;
}

// boxInd: an Int32Array of shape[4] values, each in [0, N) (TF's check).
const int32_t* box_indices(const Args& args, const Napi::CallbackInfo& info, size_t i,
                           const stn::CropShape& s) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw args.type_error("boxInd must be an Int32Array but got " + describe(v));
  const auto arr = v.As<Napi::Int32Array>();
  if (static_cast<uint64_t>(s.boxes) != arr.ElementLength())
    throw args.range_error("boxInd must have " + std::to_string(s.boxes) + " int32 elements but has " +
                           std::to_string(arr.ElementLength()));
  const int32_t* data = arr.Data();
  for (int64_t b = 0; b < s.boxes; ++b)
    if (data[b] < 0 || data[b] >= s.n)
      throw args.range_error("boxInd[" + std::to_string(b) + "] must be in [0, " + std::to_string(s.n) +
                             ") but got " + std::to_string(data[b]));
  return data;
}

// cropAndResizeForward(image, boxes, boxInd, output, shape, method,
//                      extrapolationValue)
template <class K>
Napi::Value CropAndResizeForward(const Napi::CallbackInfo& info) {
  Args args(info, "cropAndResizeForward", 7);
  CropArgs a = crop_args(args, 4, 5);
  const Napi::Value extrapolation = info[6];
  if (!extrapolation.IsNumber())
    throw args.type_error("extrapolationValue must be a number but got " + describe(extrapolation));
  a.options.extrapolation_value = static_cast<float>(extrapolation.As<Napi::Number>().DoubleValue());
  const float* image = args.floats(0, "image", a.image_count, a.image_dims);
  const float* boxes = args.floats(1, "boxes", a.boxes_count, a.boxes_dims);
  const int32_t* box_ind = box_indices(args, info, 2, a.shape);
  const size_t outputs = args.view_count();
  float* output = args.floats(3, "output", a.output_count, a.output_dims);
  args.check_outputs_disjoint(outputs);
  stn::call_crop_and_resize_forward<K>(a.shape, a.options, image, boxes, box_ind, output);
  return info.Env().Undefined();
}

// cropAndResizeBackward(dy, image, boxes, boxInd, gradImage | null,
//                       gradBoxes | null, shape, method)
template <class K>
Napi::Value CropAndResizeBackward(const Napi::CallbackInfo& info) {
  Args args(info, "cropAndResizeBackward", 8);
  const CropArgs a = crop_args(args, 6, 7);
  const float* dy = args.floats(0, "dy", a.output_count, a.output_dims);
  const float* image = args.floats(1, "image", a.image_count, a.image_dims);
  const float* boxes = args.floats(2, "boxes", a.boxes_count, a.boxes_dims);
  const int32_t* box_ind = box_indices(args, info, 3, a.shape);
  const size_t outputs = args.view_count();
  float* grad_image = args.floats(4, "gradImage", a.image_count, a.image_dims, true);
  float* grad_boxes = args.floats(5, "gradBoxes", a.boxes_count, a.boxes_dims, true);
  args.check_outputs_disjoint(outputs);
  stn::call_crop_and_resize_backward<K>(a.shape, a.options, dy, image, boxes, box_ind, grad_image,
                                        grad_boxes);
  return info.Env().Undefined();
}

// setIsa(name): one of vocabulary.h's ISA names, at most getBestIsa().
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Args args(info, "setIsa", 1);
  const Napi::Value v = info[0];
  const std::string names = allowed_values<stn::Isa>(false);
  if (!v.IsString())
    throw args.type_error("isa must be " + names + " but got " + describe(v));
  const std::string name = v.As<Napi::String>().Utf8Value();
  stn::Isa isa;
  if (!stn::parse_name(name.c_str(), &isa))
    throw args.range_error("isa must be " + names + " but got '" + name + "'");
  if (!stn::set_isa(isa))
    throw args.range_error("isa '" + name + "' is not supported by this CPU (best: '" +
                           stn::name_of(stn::best_isa()) + "')");
  return info.Env().Undefined();
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) {
  Args args(info, "getIsa", 0);
  return Napi::String::New(info.Env(), stn::name_of(stn::get_isa()));
}

Napi::Value GetBestIsa(const Napi::CallbackInfo& info) {
  Args args(info, "getBestIsa", 0);
  return Napi::String::New(info.Env(), stn::name_of(stn::best_isa()));
}

// setNumThreads(n): n < 1 restores the default (one per processor).
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setNumThreads", 1);
  const Napi::Value v = info[0];
  if (!v.IsNumber())
    throw args.type_error("n must be an integer but got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d == std::trunc(d) && d <= kMaxThreads))
    throw args.range_error("n must be an integer <= " +
                           std::to_string(kMaxThreads) + " but got " +
                           describe(v));
  stn::set_num_threads(d < 1 ? 0 : static_cast<int>(d));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  Args args(info, "getNumThreads", 0);
  return Napi::Number::New(info.Env(), stn::get_num_threads());
}

// attachTensorflowOps(): {state: 'active' | 'failed' | 'not-loaded', reason,
// ops: {kernelName: tfOpName}} (tf_ops.h).
Napi::Value AttachTensorflowOps(const Napi::CallbackInfo& info) {
  Args args(info, "attachTensorflowOps", 0);
  const stn::TensorflowOpsStatus status = stn::attach_tensorflow_ops();
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  const char* state = status.state == stn::TensorflowOpsState::kActive   ? "active"
                      : status.state == stn::TensorflowOpsState::kFailed ? "failed"
                                                                         : "not-loaded";
  result.Set("state", state);
  result.Set("reason", status.reason);
  Napi::Object ops = Napi::Object::New(env);
  for (const auto& [kernel, op] : stn::tensorflow_op_names()) ops.Set(kernel, op);
  result.Set("ops", ops);
  return result;
}

// tensorflowKernelsCreated(): see tf_ops.h.
Napi::Value TensorflowKernelsCreated(const Napi::CallbackInfo& info) {
  Args args(info, "tensorflowKernelsCreated", 0);
  return Napi::Number::New(info.Env(),
                           static_cast<double>(stn::tensorflow_kernels_created()));
}

// An exported function: a failed scratch allocation (kernel_calls.h), or a
// std::bad_alloc from the few small allocations of argument checking,
// becomes a RangeError naming the function.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Function exported(Napi::Env env, const char* name) {
  return Napi::Function::New(
      env,
      [](const Napi::CallbackInfo& info) -> Napi::Value {
        const std::string fn = info.Data() ? static_cast<const char*>(info.Data()) : "";
        try {
          return F(info);
        } catch (const stn::OutOfScratchMemory& e) {
          throw Napi::RangeError::New(
              info.Env(), fn + ": out of memory: the kernel needs " + std::to_string(e.bytes) +
                              " bytes of scratch memory, which could not be allocated");
        } catch (const std::bad_alloc&) {
          throw Napi::RangeError::New(info.Env(), fn + ": out of memory");
        }
      },
      name, const_cast<char*>(name));
}

template <class K>
void export_kernels(Napi::Env env, Napi::Object target) {
  target.Set("affineSampleForward", exported<AffineSampleForward<K>>(env, "affineSampleForward"));
  target.Set("affineSampleBackward", exported<AffineSampleBackward<K>>(env, "affineSampleBackward"));
  target.Set("gridSampleForward", exported<GridSampleForward<K>>(env, "gridSampleForward"));
  target.Set("gridSampleBackward", exported<GridSampleBackward<K>>(env, "gridSampleBackward"));
  target.Set("affineGridForward", exported<AffineGridForward<K>>(env, "affineGridForward"));
  target.Set("affineGridBackward", exported<AffineGridBackward<K>>(env, "affineGridBackward"));
  target.Set("gridSample3dForward", exported<GridSample3dForward<K>>(env, "gridSample3dForward"));
  target.Set("gridSample3dBackward", exported<GridSample3dBackward<K>>(env, "gridSample3dBackward"));
  target.Set("affineGrid3dForward", exported<AffineGrid3dForward<K>>(env, "affineGrid3dForward"));
  target.Set("affineGrid3dBackward", exported<AffineGrid3dBackward<K>>(env, "affineGrid3dBackward"));
  target.Set("affineSample3dForward", exported<AffineSample3dForward<K>>(env, "affineSample3dForward"));
  target.Set("affineSample3dBackward", exported<AffineSample3dBackward<K>>(env, "affineSample3dBackward"));
  target.Set("flowWarpForward", exported<FlowWarpForward<K, stn::SamplerShape>>(env, "flowWarpForward"));
  target.Set("flowWarpBackward", exported<FlowWarpBackward<K, stn::SamplerShape>>(env, "flowWarpBackward"));
  target.Set("flowWarp3dForward", exported<FlowWarpForward<K, stn::VolumeShape>>(env, "flowWarp3dForward"));
  target.Set("flowWarp3dBackward", exported<FlowWarpBackward<K, stn::VolumeShape>>(env, "flowWarp3dBackward"));
  target.Set("imageTransformForward", exported<ImageTransformForward<K>>(env, "imageTransformForward"));
  target.Set("imageTransformBackward", exported<ImageTransformBackward<K>>(env, "imageTransformBackward"));
  target.Set("rotateWithOffsetForward", exported<RotateWithOffsetForward<K>>(env, "rotateWithOffsetForward"));
  target.Set("rotateWithOffsetBackward", exported<RotateWithOffsetBackward<K>>(env, "rotateWithOffsetBackward"));
  target.Set("cropAndResizeForward", exported<CropAndResizeForward<K>>(env, "cropAndResizeForward"));
  target.Set("cropAndResizeBackward", exported<CropAndResizeBackward<K>>(env, "cropAndResizeBackward"));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  export_kernels<stn::FastKernels>(env, exports);

  Napi::Object reference = Napi::Object::New(env);
  export_kernels<stn::ReferenceKernels>(env, reference);
  reference.Freeze();
  exports.Set("reference", reference);

  exports.Set("setNumThreads",
              Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads",
              Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa, "getIsa"));
  exports.Set("getBestIsa", Napi::Function::New(env, GetBestIsa, "getBestIsa"));
  exports.Set("attachTensorflowOps",
              Napi::Function::New(env, AttachTensorflowOps, "attachTensorflowOps"));
  exports.Set("tensorflowKernelsCreated",
              Napi::Function::New(env, TensorflowKernelsCreated,
                                  "tensorflowKernelsCreated"));

  exports.Set("Interpolation", vocabulary_object<stn::Interpolation>(env));
  exports.Set("Padding", vocabulary_object<stn::Padding>(env));
  exports.Set("Isa", vocabulary_object<stn::Isa>(env));
  exports.Set("FillMode", vocabulary_object<stn::FillMode>(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(stn_native, Init)
