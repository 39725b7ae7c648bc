/*
 * cpulinear_native: the one thing managed code cannot do portably, reading and writing the calling
 * thread's floating-point control register (x86-64 MXCSR, ARM64 FPCR). Everything else, including the
 * decision which bits to set and the promise to restore them, lives in C# (FloatEnvironment).
 * The functions are trivial and never block, so C# calls them with [SuppressGCTransition].
 */
#include <stdint.h>

#if defined(_WIN32)
#define CPULINEAR_EXPORT __declspec(dllexport)
#else
#define CPULINEAR_EXPORT __attribute__((visibility("default")))
#endif

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#include <immintrin.h>
/* MXCSR: FTZ (bit 15) flushes tiny results, DAZ (bit 6) reads subnormal inputs as zero. */
#define CPULINEAR_FTZ_BITS 0x8000u
#define CPULINEAR_DAZ_BITS 0x0040u
static uint64_t read_control(void) { return _mm_getcsr(); }
static void write_control(uint64_t value) { _mm_setcsr((unsigned int)value); }
#elif defined(_M_ARM64)
#include <intrin.h>
/* FPCR.FZ (bit 24) flushes inputs and outputs alike: ARM64 has no separate DAZ bit. */
#define CPULINEAR_FTZ_BITS (1u << 24)
#define CPULINEAR_DAZ_BITS (1u << 24)
#define CPULINEAR_FPCR ARM64_SYSREG(3, 3, 4, 4, 0)
static uint64_t read_control(void) { return (uint64_t)_ReadStatusReg(CPULINEAR_FPCR); }
static void write_control(uint64_t value) { _WriteStatusReg(CPULINEAR_FPCR, (__int64)value); }
#elif defined(__aarch64__)
#define CPULINEAR_FTZ_BITS (1u << 24)
#define CPULINEAR_DAZ_BITS (1u << 24)
static uint64_t read_control(void) { uint64_t v; __asm__ __volatile__("mrs %0, fpcr" : "=r"(v)); return v; }
static void write_control(uint64_t value) { __asm__ __volatile__("msr fpcr, %0" : : "r"(value)); }
#else
#error "cpulinear_native supports x86-64 and ARM64 only"
#endif

/* The raw control register of the calling thread. */
CPULINEAR_EXPORT uint64_t cpulinear_get_control(void) { return read_control(); }

/* Writes the raw control register of the calling thread; the caller owns every bit it passes. */
CPULINEAR_EXPORT void cpulinear_set_control(uint64_t value) { write_control(value); }

/* The bit(s) that flush tiny results to zero (x86 FTZ, ARM64 FZ). */
CPULINEAR_EXPORT uint64_t cpulinear_flush_output_bits(void) { return CPULINEAR_FTZ_BITS; }

/* The bit(s) that read subnormal inputs as zero (x86 DAZ; on ARM64 the same FZ bit as above). */
CPULINEAR_EXPORT uint64_t cpulinear_flush_input_bits(void) { return CPULINEAR_DAZ_BITS; }
