// The part of TensorFlow's C API that tf_ops.cc uses, declared here so that
// building the package needs neither TensorFlow's headers nor its libraries.
// The functions are looked up at run time (dlsym) in the libtensorflow that
// tfjs-node has already loaded. The C API is a stable extern "C" ABI of
// opaque pointers, int enums and one plain struct (TF_Buffer); the
// declarations follow TF 2.21's headers, named beside each group, and the
// functions are older than TF 2.9 (the attribute getters date from ~2.5).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
struct TF_Status;
struct TF_Tensor;
struct TF_Graph;
struct TF_OpDefinitionBuilder;
struct TF_KernelBuilder;
struct TF_OpKernelConstruction;
struct TF_OpKernelContext;

// tensorflow/c/tf_buffer.h
struct TF_Buffer {
  const void* data;
  size_t length;
  void (*data_deallocator)(void* data, size_t length);
};
}

namespace stn {
namespace tf {

// tensorflow/c/tf_datatype.h (TF_DataType)
constexpr int kFloat = 1;
constexpr int kInt32 = 3;

// tensorflow/c/tf_status.h (TF_Code, i.e. TSL_Code)
constexpr int kOk = 0;
constexpr int kInvalidArgument = 3;
constexpr int kNotFound = 5;
constexpr int kResourceExhausted = 8;
constexpr int kInternal = 13;

// X(return type, name, parameters) for every function used, in the library
// that holds it on Linux (TF 2.x): libtensorflow_framework.so.2, except the
// c_api.h ones (libtensorflow_cc.so.2, or libtensorflow.so.2).
#define STN_TF_FUNCTIONS(X)                                                   \
  /* tensorflow/c/tf_status.h */                                              \
  X(TF_Status*, TF_NewStatus, ())                                             \
  X(void, TF_DeleteStatus, (TF_Status*))                                      \
  X(void, TF_SetStatus, (TF_Status*, int code, const char* message))          \
  X(int, TF_GetCode, (const TF_Status*))                                      \
  X(const char*, TF_Message, (const TF_Status*))                              \
  /* tensorflow/c/tf_buffer.h */                                              \
  X(TF_Buffer*, TF_NewBuffer, ())                                             \
  X(void, TF_DeleteBuffer, (TF_Buffer*))                                      \
  /* tensorflow/c/tf_tensor.h */                                              \
  X(void, TF_DeleteTensor, (TF_Tensor*))                                      \
  X(int, TF_TensorType, (const TF_Tensor*))                                   \
  X(int, TF_NumDims, (const TF_Tensor*))                                      \
  X(int64_t, TF_Dim, (const TF_Tensor*, int dim_index))                       \
  X(size_t, TF_TensorByteSize, (const TF_Tensor*))                            \
  X(void*, TF_TensorData, (const TF_Tensor*))                                 \
  /* tensorflow/c/ops.h */                                                    \
  X(TF_OpDefinitionBuilder*, TF_NewOpDefinitionBuilder, (const char* name))   \
  X(void, TF_DeleteOpDefinitionBuilder, (TF_OpDefinitionBuilder*))            \
  X(void, TF_OpDefinitionBuilderAddInput,                                     \
    (TF_OpDefinitionBuilder*, const char* input_spec))                        \
  X(void, TF_OpDefinitionBuilderAddOutput,                                    \
    (TF_OpDefinitionBuilder*, const char* output_spec))                       \
  X(void, TF_OpDefinitionBuilderAddAttr,                                      \
    (TF_OpDefinitionBuilder*, const char* attr_spec))                         \
  X(void, TF_RegisterOpDefinition, (TF_OpDefinitionBuilder*, TF_Status*))     \
  /* tensorflow/c/kernels.h */                                                \
  X(TF_KernelBuilder*, TF_NewKernelBuilder,                                   \
    (const char* op_name, const char* device_name,                            \
     void* (*create)(TF_OpKernelConstruction*),                               \
     void (*compute)(void*, TF_OpKernelContext*), void (*destroy)(void*)))    \
  X(void, TF_KernelBuilder_HostMemory, (TF_KernelBuilder*, const char* arg))  \
  X(void, TF_RegisterKernelBuilder,                                           \
    (const char* kernel_name, TF_KernelBuilder*, TF_Status*))                 \
  X(void, TF_DeleteKernelBuilder, (TF_KernelBuilder*))                        \
  X(void, TF_OpKernelConstruction_GetAttrString,                              \
    (TF_OpKernelConstruction*, const char* name, char* value,                 \
     size_t max_length, TF_Status*))                                          \
  X(void, TF_OpKernelConstruction_GetAttrBool,                                \
    (TF_OpKernelConstruction*, const char* name, unsigned char* value,        \
     TF_Status*))                                                             \
  X(void, TF_OpKernelConstruction_Failure,                                    \
    (TF_OpKernelConstruction*, TF_Status*))                                   \
  X(int, TF_NumInputs, (TF_OpKernelContext*))                                 \
  X(void, TF_GetInput,                                                        \
    (TF_OpKernelContext*, int index, TF_Tensor** tensor, TF_Status*))         \
  X(TF_Tensor*, TF_AllocateOutput,                                            \
    (TF_OpKernelContext*, int index, int dtype, const int64_t* dims,          \
     int num_dims, size_t byte_length, TF_Status*))                           \
  X(void, TF_OpKernelContext_Failure, (TF_OpKernelContext*, TF_Status*))      \
  /* tensorflow/c/c_api.h */                                                  \
  X(const char*, TF_Version, ())                                              \
  X(TF_Graph*, TF_NewGraph, ())                                               \
  X(void, TF_DeleteGraph, (TF_Graph*))                                        \
  X(void, TF_GraphGetOpDef,                                                   \
    (TF_Graph*, const char* op_name, TF_Buffer* op_def, TF_Status*))          \
  X(TF_Buffer*, TF_GetRegisteredKernelsForOp, (const char* name, TF_Status*))

// The functions, found in the loaded libtensorflow.
struct Api {
#define STN_TF_MEMBER(ret, name, params) ret(*name) params = nullptr;
  STN_TF_FUNCTIONS(STN_TF_MEMBER)
#undef STN_TF_MEMBER
};

}  // namespace tf
}  // namespace stn
