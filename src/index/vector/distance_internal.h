// The per-level kernel tables behind distance.h, for distance.cc and tests.
//
// distance_avx2.cc and distance_avx512.cc are compiled with wider
// instruction sets than the rest of the build (see CMakeLists.txt). Nothing
// in them may run before DetectSimdLevel() has seen the features, so they
// hold no static initialisers and call no inline functions from shared
// headers (the linker could keep their wide copy for the whole program);
// they only expose the constant tables below.
//
// Thread-safety: the tables are constants.
#pragma once

#include <optional>
#include <string_view>

#include "index/vector/distance.h"

namespace quiver::index::internal {

// The portable kernels (any CPU).
const DistanceKernels& ScalarKernels();

#if defined(__x86_64__) || defined(__i386__)
#define QUIVER_DISTANCE_X86 1
// AVX2 + FMA + F16C (+ POPCNT). Call only when the CPU has them.
const DistanceKernels& Avx2Kernels();
// AVX-512 F, BW, VL, DQ, VPOPCNTDQ plus the AVX2 set. Call only when the CPU has them.
const DistanceKernels& Avx512Kernels();
#endif

// The level a QUIVER_SIMD value ("scalar", "avx2", "avx512", any case)
// caps detection at; nullopt for an unknown value.
std::optional<SimdLevel> ParseSimdLevel(std::string_view name);

}  // namespace quiver::index::internal
