// NOTE [one vocabulary]
//
// The option names of the kernels, listed once for C++: each X-macro below
// defines an enum's values, their numbers (the order), their names, the
// addon's exported name -> number objects (addon.cc), the TensorFlow ops'
// attribute values (tf_ops.cc), the messages that list the allowed values,
// and what the C++ tests and fuzzers iterate over. The
// TypeScript side has the same lists once, in lib/vocabulary.ts (its types,
// validators, layer options and JS tests); test/vocabulary.test.ts checks
// that the addon's exported objects equal them, and lib/native.ts refuses an
// addon whose lists differ (a stale build).
//
// Why two lists and a check rather than one generated from the other: the
// TypeScript types must exist before the addon is built (tsc, the typed
// consumer test), and the C++ enums must exist before any JS runs; a
// generator would be a third thing to keep in step. Each list is a few
// lines; the check makes a difference fail loudly.
//
// Adding a value: append it to its list (numbers are the order and cross
// the N-API boundary, so never reorder), then give it a kernel, a reference
// and tests; everything that only names or iterates values follows from here.
// A value some kernel does not support (a 3-D sampler without bicubic, say)
// is rejected by that kernel's own check, not by a shorter list.
#pragma once

#include <cstdint>
#include <cstring>

// X(Enumerator, "name"), in enum order.
#define STN_INTERPOLATIONS(X) \
  X(Bilinear, "bilinear")     \
  X(Nearest, "nearest")       \
  X(Bicubic, "bicubic")

#define STN_PADDINGS(X) \
  X(Zeros, "zeros")     \
  X(Border, "border")   \
  X(Reflection, "reflection")

// TensorFlow's fill modes (ImageProjectiveTransformV3, tf.image.transform):
// pixel-coordinate index maps of their own, not the sampler's paddings
// (image_transform.h says how they differ).
#define STN_FILL_MODES(X)   \
  X(Constant, "constant") \
  X(Reflect, "reflect")   \
  X(Wrap, "wrap")         \
  X(Nearest, "nearest")

// Instruction sets of the non-reference kernels, lowest first: a higher value
// is a wider vector unit (dispatch.cc compares them).
#define STN_ISAS(X) \
  X(Base, "base")   \
  X(Avx2, "avx2")   \
  X(Avx512, "avx512")

namespace stn {

#define STN_VOCAB_ENUMERATOR(e, name) e,
#define STN_VOCAB_NAME(e, name) name,
#define STN_VOCAB_COUNT(e, name) +1

// Enum E from list L: the enum, its values in order (kAll<E>) and names.
#define STN_VOCAB_ENUM(E, L)                                            \
  enum class E : int32_t { L(STN_VOCAB_ENUMERATOR) };                   \
  namespace vocab_detail {                                              \
  constexpr int32_t k##E##Count = 0 L(STN_VOCAB_COUNT);                 \
  constexpr const char* k##E##Names[k##E##Count] = {L(STN_VOCAB_NAME)}; \
  }

STN_VOCAB_ENUM(Interpolation, STN_INTERPOLATIONS)
STN_VOCAB_ENUM(Padding, STN_PADDINGS)
STN_VOCAB_ENUM(Isa, STN_ISAS)
STN_VOCAB_ENUM(FillMode, STN_FILL_MODES)

#undef STN_VOCAB_ENUM

// The vocabulary of enum E, for generic code (names, parsing, iteration).
template <class E>
struct Vocabulary;

#define STN_VOCAB_TRAITS(E, what)                                        \
  template <>                                                            \
  struct Vocabulary<E> {                                                 \
    static constexpr const char* kWhat = what;                           \
    static constexpr int32_t kCount = vocab_detail::k##E##Count;         \
    static constexpr const char* const* kNames = vocab_detail::k##E##Names; \
  };
STN_VOCAB_TRAITS(Interpolation, "mode")
STN_VOCAB_TRAITS(Padding, "padding")
STN_VOCAB_TRAITS(Isa, "isa")
STN_VOCAB_TRAITS(FillMode, "fillMode")
#undef STN_VOCAB_TRAITS

// Every value of E, in order: for (E v : all_values<E>()) ...
template <class E>
struct AllValues {
  struct Iterator {
    int32_t i;
    E operator*() const { return static_cast<E>(i); }
    Iterator& operator++() {
      ++i;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return i != o.i; }
  };
  Iterator begin() const { return {0}; }
  Iterator end() const { return {Vocabulary<E>::kCount}; }
};
template <class E>
constexpr AllValues<E> all_values() {
  return {};
}

template <class E>
constexpr int32_t value_count() {
  return Vocabulary<E>::kCount;
}

// The value's name; "?" for a number outside the list.
template <class E>
inline const char* name_of(E v) {
  const int32_t i = static_cast<int32_t>(v);
  return i >= 0 && i < Vocabulary<E>::kCount ? Vocabulary<E>::kNames[i] : "?";
}

// The value named `name`; false (and *out unchanged) when there is none.
template <class E>
inline bool parse_name(const char* name, E* out) {
  for (int32_t i = 0; i < Vocabulary<E>::kCount; ++i) {
    if (std::strcmp(name, Vocabulary<E>::kNames[i]) == 0) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

}  // namespace stn
