/*
 * A stand-in libcuda.so.1 for machines without an NVIDIA driver: the CUDA 13 driver API functions
 * Hyperweave calls, over host memory. Device pointers are host addresses of tracked allocations;
 * streams and events complete at once; module loads and launches go to a kernel runner registered
 * from Java through FFM upcalls (the PTX interpreter). Including cuda.h makes the compiler check every
 * signature against the real one.
 *
 * Built by build.sh; -DPTXVM_OLD_DRIVER makes a variant that looks like a CUDA 12.4 driver (older
 * version, and no cuEventElapsedTime_v2, which 12.8 added).
 */
#include <cuda.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

#ifdef PTXVM_OLD_DRIVER
#define DEFAULT_VERSION 12040
#else
#define DEFAULT_VERSION 13000
#endif

#define TOTAL_MEMORY (40ULL << 30)
#define MAX_SHARED_OPTIN (99 * 1024)
#define DETAIL_BYTES 1024

/* ---- control state -------------------------------------------------------------------------- */

typedef int (*ptxvm_load_fn)(const char *ptx, int64_t *module_id, char *log, size_t log_size);
typedef int (*ptxvm_unload_fn)(int64_t module_id);
typedef int (*ptxvm_function_fn)(int64_t module_id, const char *name, int64_t *function_id, char *log, size_t log_size);
typedef int (*ptxvm_attribute_fn)(int64_t function_id, int attribute, int *value);
typedef int (*ptxvm_launch_fn)(int64_t function_id, const uint32_t *grid3, const uint32_t *block3, uint32_t shared_bytes,
                               void **params, char *log, size_t log_size);

static struct {
    ptxvm_load_fn load;
    ptxvm_unload_fn unload;
    ptxvm_function_fn function;
    ptxvm_attribute_fn attribute;
    ptxvm_launch_fn launch;
} runner;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static int driver_version = DEFAULT_VERSION;
static int fail_next_alloc;
static int fail_next_launch; /* a CUresult, or 0 */

/* The most recent failure on this thread that came with an explanation. */
static __thread CUresult detail_code;
static __thread char detail[DETAIL_BYTES];
static __thread char error_text[DETAIL_BYTES + 128];

static CUresult fail(CUresult code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    detail_code = code;
    return code;
}

#define REQUIRE_INIT() do { if (!initialized) return CUDA_ERROR_NOT_INITIALIZED; } while (0)

/* ---- handles -------------------------------------------------------------------------------- */

enum { MAGIC_CTX = 0x43545831, MAGIC_MOD = 0x4d4f4431, MAGIC_FUN = 0x46554e31, MAGIC_STREAM = 0x53545231,
       MAGIC_EVENT = 0x45564e31, MAGIC_DEAD = 0x44454144 };

struct CUctx_st { int magic; int refs; };
struct CUmod_st { int magic; int64_t runner_id; char *ptx; };
struct CUfunc_st { int magic; struct CUmod_st *module; int64_t runner_id; struct CUfunc_st *next; char name[]; };
struct CUstream_st { int magic; };
struct CUevent_st { int magic; int recorded; double millis; };

static struct CUctx_st primary = {MAGIC_CTX, 0};
static __thread CUcontext current;

/* Functions are remembered per module so unloading frees them (lookups return the same handle). */
static struct CUfunc_st *functions;

#define CHECK_HANDLE(h, m) do { if ((h) == NULL || (h)->magic != (m)) return fail(CUDA_ERROR_INVALID_HANDLE, "not a live handle: %p", (void *)(h)); } while (0)

static CUresult require_context(void) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (current == NULL || current->magic != MAGIC_CTX || current->refs == 0) {
        return fail(CUDA_ERROR_INVALID_CONTEXT, "no current context on this thread (cuCtxSetCurrent)");
    }
    return CUDA_SUCCESS;
}
#define REQUIRE_CONTEXT() do { CUresult r_ = require_context(); if (r_ != CUDA_SUCCESS) return r_; } while (0)

/* ---- allocations ---------------------------------------------------------------------------- */

struct allocation { uint64_t base, size; };
static struct allocation *allocs;
static size_t alloc_count, alloc_cap;
static uint64_t live_bytes;

/* The index of the allocation holding [addr, addr+bytes), or -1. Caller holds lock. */
static long find_range(uint64_t addr, uint64_t bytes) {
    for (size_t i = 0; i < alloc_count; i++) {
        struct allocation a = allocs[i];
        if (addr >= a.base && addr - a.base <= a.size && bytes <= a.size - (addr - a.base)) return (long) i;
    }
    return -1;
}

static CUresult check_range(const char *what, CUdeviceptr p, size_t bytes) {
    pthread_mutex_lock(&lock);
    long i = find_range(p, bytes);
    pthread_mutex_unlock(&lock);
    if (i < 0) {
        return fail(CUDA_ERROR_INVALID_VALUE, "%s: device range [0x%llx, +%zu bytes) is not inside one live allocation",
                    what, (unsigned long long) p, bytes);
    }
    return CUDA_SUCCESS;
}

/* ---- control API for Java --------------------------------------------------------------------- */

EXPORT void ptxvm_register_runner(ptxvm_load_fn l, ptxvm_unload_fn u, ptxvm_function_fn f, ptxvm_attribute_fn a,
                                  ptxvm_launch_fn x) {
    pthread_mutex_lock(&lock);
    runner.load = l;
    runner.unload = u;
    runner.function = f;
    runner.attribute = a;
    runner.launch = x;
    pthread_mutex_unlock(&lock);
}

EXPORT void ptxvm_fail_next_alloc(void) { fail_next_alloc = 1; }
EXPORT void ptxvm_fail_next_launch(int result) { fail_next_launch = result; }
EXPORT void ptxvm_set_driver_version(int version) { driver_version = version; }
EXPORT void ptxvm_reset_faults(void) {
    fail_next_alloc = 0;
    fail_next_launch = 0;
    driver_version = DEFAULT_VERSION;
}
EXPORT const char *ptxvm_last_detail(void) { return detail; }

EXPORT int64_t ptxvm_live_allocations(void) {
    pthread_mutex_lock(&lock);
    int64_t n = (int64_t) alloc_count;
    pthread_mutex_unlock(&lock);
    return n;
}

EXPORT uint64_t ptxvm_live_bytes(void) {
    pthread_mutex_lock(&lock);
    uint64_t n = live_bytes;
    pthread_mutex_unlock(&lock);
    return n;
}

EXPORT int ptxvm_find_allocation(uint64_t address, uint64_t *base, uint64_t *size) {
    pthread_mutex_lock(&lock);
    long i = find_range(address, 1);
    if (i >= 0) {
        if (base) *base = allocs[i].base;
        if (size) *size = allocs[i].size;
    }
    pthread_mutex_unlock(&lock);
    return i >= 0;
}

/* Copies up to max live allocations into bases/sizes; returns how many there are in all. */
EXPORT int64_t ptxvm_allocations(uint64_t *bases, uint64_t *sizes, int64_t max) {
    pthread_mutex_lock(&lock);
    int64_t n = (int64_t) alloc_count;
    for (int64_t i = 0; i < n && i < max; i++) {
        bases[i] = allocs[i].base;
        sizes[i] = allocs[i].size;
    }
    pthread_mutex_unlock(&lock);
    return n;
}

/* ---- errors --------------------------------------------------------------------------------- */

static const struct { CUresult code; const char *name, *text; } errors[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {CUDA_ERROR_DEINITIALIZED, "CUDA_ERROR_DEINITIALIZED", "driver shutting down"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {CUDA_ERROR_JIT_COMPILER_NOT_FOUND, "CUDA_ERROR_JIT_COMPILER_NOT_FOUND", "PTX JIT compiler library not found"},
    {CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the provided PTX was compiled with an unsupported toolchain."},
    {CUDA_ERROR_INVALID_SOURCE, "CUDA_ERROR_INVALID_SOURCE", "device kernel image is invalid"},
    {CUDA_ERROR_FILE_NOT_FOUND, "CUDA_ERROR_FILE_NOT_FOUND", "file not found"},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {CUDA_ERROR_NOT_READY, "CUDA_ERROR_NOT_READY", "device not ready"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
    {CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"},
    {CUDA_ERROR_LAUNCH_TIMEOUT, "CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated"},
    {CUDA_ERROR_HARDWARE_STACK_ERROR, "CUDA_ERROR_HARDWARE_STACK_ERROR", "hardware stack error"},
    {CUDA_ERROR_ILLEGAL_INSTRUCTION, "CUDA_ERROR_ILLEGAL_INSTRUCTION", "an illegal instruction was encountered"},
    {CUDA_ERROR_MISALIGNED_ADDRESS, "CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address"},
    {CUDA_ERROR_INVALID_ADDRESS_SPACE, "CUDA_ERROR_INVALID_ADDRESS_SPACE", "operation not supported on global/shared address space"},
    {CUDA_ERROR_INVALID_PC, "CUDA_ERROR_INVALID_PC", "invalid program counter"},
    {CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {CUDA_ERROR_NOT_PERMITTED, "CUDA_ERROR_NOT_PERMITTED", "operation not permitted"},
    {CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

static int error_index(CUresult code) {
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) if (errors[i].code == code) return (int) i;
    return -1;
}

EXPORT CUresult cuGetErrorName(CUresult error, const char **pStr) {
    if (pStr == NULL) return CUDA_ERROR_INVALID_VALUE;
    int i = error_index(error);
    if (i < 0) {
        *pStr = NULL;
        return CUDA_ERROR_INVALID_VALUE;
    }
    *pStr = errors[i].name;
    return CUDA_SUCCESS;
}

/* The standard text, with this thread's last explanation appended when it was for the same code. */
EXPORT CUresult cuGetErrorString(CUresult error, const char **pStr) {
    if (pStr == NULL) return CUDA_ERROR_INVALID_VALUE;
    int i = error_index(error);
    if (i < 0) {
        *pStr = NULL;
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (error != CUDA_SUCCESS && error == detail_code && detail[0]) {
        snprintf(error_text, sizeof error_text, "%s (ptxvm: %s)", errors[i].text, detail);
        *pStr = error_text;
    } else {
        *pStr = errors[i].text;
    }
    return CUDA_SUCCESS;
}

/* ---- init, version, devices ------------------------------------------------------------------- */

EXPORT CUresult cuInit(unsigned int Flags) {
    if (Flags != 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuInit flags must be 0, got %u", Flags);
    initialized = 1;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDriverGetVersion(int *driverVersion) {
    if (driverVersion == NULL) return CUDA_ERROR_INVALID_VALUE;
    *driverVersion = driver_version;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetCount(int *count) {
    REQUIRE_INIT();
    if (count == NULL) return CUDA_ERROR_INVALID_VALUE;
    *count = 1;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
    REQUIRE_INIT();
    if (device == NULL) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal != 0) return fail(CUDA_ERROR_INVALID_DEVICE, "the stand-in has one device, 0; asked for %d", ordinal);
    *device = 0;
    return CUDA_SUCCESS;
}

#define CHECK_DEVICE(d) do { if ((d) != 0) return fail(CUDA_ERROR_INVALID_DEVICE, "no device %d", (int) (d)); } while (0)

EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice dev) {
    REQUIRE_INIT();
    CHECK_DEVICE(dev);
    if (name == NULL || len <= 0) return CUDA_ERROR_INVALID_VALUE;
    snprintf(name, (size_t) len, "%s", "Hyperweave PTX VM (stand-in)");
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev) {
    REQUIRE_INIT();
    CHECK_DEVICE(dev);
    if (bytes == NULL) return CUDA_ERROR_INVALID_VALUE;
    *bytes = TOTAL_MEMORY;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev) {
    REQUIRE_INIT();
    CHECK_DEVICE(dev);
    if (pi == NULL || attrib <= 0 || attrib >= CU_DEVICE_ATTRIBUTE_MAX) {
        return fail(CUDA_ERROR_INVALID_VALUE, "no device attribute %d", (int) attrib);
    }
    int v = 0;
    switch (attrib) {
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: v = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: v = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: v = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: v = 64; break;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: v = 2147483647; break;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: v = 65535; break;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: v = 65535; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: v = 48 * 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: v = MAX_SHARED_OPTIN; break;
        case CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: v = 65536; break;
        case CU_DEVICE_ATTRIBUTE_WARP_SIZE: v = 32; break;
        case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: v = 65536; break;
        case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: v = 1410000; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: v = 108; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: v = 8; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: v = 0; break;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: v = 2048; break;
        default: v = 0; break;
    }
    *pi = v;
    return CUDA_SUCCESS;
}

/* ---- contexts ------------------------------------------------------------------------------- */

EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev) {
    REQUIRE_INIT();
    CHECK_DEVICE(dev);
    if (pctx == NULL) return CUDA_ERROR_INVALID_VALUE;
    pthread_mutex_lock(&lock);
    primary.refs++;
    pthread_mutex_unlock(&lock);
    *pctx = &primary;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
    REQUIRE_INIT();
    CHECK_DEVICE(dev);
    pthread_mutex_lock(&lock);
    int ok = primary.refs > 0;
    if (ok) primary.refs--;
    pthread_mutex_unlock(&lock);
    return ok ? CUDA_SUCCESS : fail(CUDA_ERROR_INVALID_CONTEXT, "the primary context is not retained");
}

EXPORT CUresult cuCtxSetCurrent(CUcontext ctx) {
    REQUIRE_INIT();
    if (ctx != NULL && ctx->magic != MAGIC_CTX) return fail(CUDA_ERROR_INVALID_CONTEXT, "not a context: %p", (void *) ctx);
    current = ctx;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxGetCurrent(CUcontext *pctx) {
    REQUIRE_INIT();
    if (pctx == NULL) return CUDA_ERROR_INVALID_VALUE;
    *pctx = current;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSynchronize(void) {
    REQUIRE_CONTEXT();
    return CUDA_SUCCESS;
}

/* ---- memory --------------------------------------------------------------------------------- */

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) {
    REQUIRE_CONTEXT();
    if (dptr == NULL) return CUDA_ERROR_INVALID_VALUE;
    if (bytesize == 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc of 0 bytes");
    if (fail_next_alloc) {
        fail_next_alloc = 0;
        return fail(CUDA_ERROR_OUT_OF_MEMORY, "injected fault: out of memory on this allocation of %zu bytes", bytesize);
    }
    pthread_mutex_lock(&lock);
    if (bytesize > TOTAL_MEMORY - live_bytes) {
        pthread_mutex_unlock(&lock);
        return fail(CUDA_ERROR_OUT_OF_MEMORY, "%zu bytes requested, %llu of %llu in use", bytesize,
                    (unsigned long long) live_bytes, (unsigned long long) TOTAL_MEMORY);
    }
    void *p = aligned_alloc(256, (bytesize + 255) / 256 * 256);
    if (p == NULL) {
        pthread_mutex_unlock(&lock);
        return fail(CUDA_ERROR_OUT_OF_MEMORY, "the host could not provide %zu bytes", bytesize);
    }
    if (alloc_count == alloc_cap) {
        size_t cap = alloc_cap ? alloc_cap * 2 : 64;
        struct allocation *grown = realloc(allocs, cap * sizeof *allocs);
        if (grown == NULL) {
            free(p);
            pthread_mutex_unlock(&lock);
            return CUDA_ERROR_OUT_OF_MEMORY;
        }
        allocs = grown;
        alloc_cap = cap;
    }
    allocs[alloc_count++] = (struct allocation){(uint64_t) (uintptr_t) p, bytesize};
    live_bytes += bytesize;
    pthread_mutex_unlock(&lock);
    *dptr = (CUdeviceptr) (uintptr_t) p;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr) {
    REQUIRE_CONTEXT();
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < alloc_count; i++) {
        if (allocs[i].base == dptr) {
            live_bytes -= allocs[i].size;
            allocs[i] = allocs[--alloc_count];
            pthread_mutex_unlock(&lock);
            free((void *) (uintptr_t) dptr);
            return CUDA_SUCCESS;
        }
    }
    pthread_mutex_unlock(&lock);
    return fail(CUDA_ERROR_INVALID_VALUE, "cuMemFree: 0x%llx is not the start of a live allocation", (unsigned long long) dptr);
}

EXPORT CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total) {
    REQUIRE_CONTEXT();
    if (free_bytes == NULL || total == NULL) return CUDA_ERROR_INVALID_VALUE;
    pthread_mutex_lock(&lock);
    *free_bytes = TOTAL_MEMORY - live_bytes;
    pthread_mutex_unlock(&lock);
    *total = TOTAL_MEMORY;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount) {
    REQUIRE_CONTEXT();
    if (ByteCount == 0) return CUDA_SUCCESS;
    if (srcHost == NULL) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemcpyHtoD: NULL host pointer");
    CUresult r = check_range("cuMemcpyHtoD destination", dstDevice, ByteCount);
    if (r != CUDA_SUCCESS) return r;
    memcpy((void *) (uintptr_t) dstDevice, srcHost, ByteCount);
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount) {
    REQUIRE_CONTEXT();
    if (ByteCount == 0) return CUDA_SUCCESS;
    if (dstHost == NULL) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemcpyDtoH: NULL host pointer");
    CUresult r = check_range("cuMemcpyDtoH source", srcDevice, ByteCount);
    if (r != CUDA_SUCCESS) return r;
    memcpy(dstHost, (const void *) (uintptr_t) srcDevice, ByteCount);
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount) {
    REQUIRE_CONTEXT();
    if (ByteCount == 0) return CUDA_SUCCESS;
    CUresult r = check_range("cuMemcpyDtoD source", srcDevice, ByteCount);
    if (r == CUDA_SUCCESS) r = check_range("cuMemcpyDtoD destination", dstDevice, ByteCount);
    if (r != CUDA_SUCCESS) return r;
    memmove((void *) (uintptr_t) dstDevice, (const void *) (uintptr_t) srcDevice, ByteCount);
    return CUDA_SUCCESS;
}

static CUresult check_stream(CUstream s) {
    if (s != NULL && s != CU_STREAM_LEGACY && s != CU_STREAM_PER_THREAD) CHECK_HANDLE(s, MAGIC_STREAM);
    return CUDA_SUCCESS;
}
#define CHECK_STREAM(s) do { CUresult r_ = check_stream(s); if (r_ != CUDA_SUCCESS) return r_; } while (0)

EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream) {
    REQUIRE_CONTEXT();
    CHECK_STREAM(hStream);
    return cuMemcpyHtoD_v2(dstDevice, srcHost, ByteCount);
}

EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) {
    REQUIRE_CONTEXT();
    CHECK_STREAM(hStream);
    return cuMemcpyDtoH_v2(dstHost, srcDevice, ByteCount);
}

EXPORT CUresult cuMemsetD8_v2(CUdeviceptr dstDevice, unsigned char uc, size_t N) {
    REQUIRE_CONTEXT();
    if (N == 0) return CUDA_SUCCESS;
    CUresult r = check_range("cuMemsetD8", dstDevice, N);
    if (r != CUDA_SUCCESS) return r;
    memset((void *) (uintptr_t) dstDevice, uc, N);
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemsetD32_v2(CUdeviceptr dstDevice, unsigned int ui, size_t N) {
    REQUIRE_CONTEXT();
    if (dstDevice % 4 != 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemsetD32: 0x%llx is not 4-byte aligned", (unsigned long long) dstDevice);
    if (N == 0) return CUDA_SUCCESS;
    if (N > SIZE_MAX / 4) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemsetD32: %zu words overflow", N);
    CUresult r = check_range("cuMemsetD32", dstDevice, N * 4);
    if (r != CUDA_SUCCESS) return r;
    unsigned int *p = (unsigned int *) (uintptr_t) dstDevice;
    for (size_t i = 0; i < N; i++) p[i] = ui;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream) {
    REQUIRE_CONTEXT();
    CHECK_STREAM(hStream);
    return cuMemsetD32_v2(dstDevice, ui, N);
}

/* ---- streams and events (everything completes at once) ---------------------------------------- */

EXPORT CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags) {
    REQUIRE_CONTEXT();
    if (phStream == NULL || Flags > CU_STREAM_NON_BLOCKING) return CUDA_ERROR_INVALID_VALUE;
    struct CUstream_st *s = malloc(sizeof *s);
    if (s == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    s->magic = MAGIC_STREAM;
    *phStream = s;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamDestroy_v2(CUstream hStream) {
    REQUIRE_CONTEXT();
    CHECK_HANDLE(hStream, MAGIC_STREAM);
    hStream->magic = MAGIC_DEAD; /* leaked on purpose: a stale handle stays detectable */
    return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamSynchronize(CUstream hStream) {
    REQUIRE_CONTEXT();
    CHECK_STREAM(hStream);
    return CUDA_SUCCESS;
}

EXPORT CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags) {
    REQUIRE_CONTEXT();
    if (phEvent == NULL || Flags > 0xf) return CUDA_ERROR_INVALID_VALUE;
    struct CUevent_st *e = calloc(1, sizeof *e);
    if (e == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    e->magic = MAGIC_EVENT;
    *phEvent = e;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuEventDestroy_v2(CUevent hEvent) {
    REQUIRE_CONTEXT();
    CHECK_HANDLE(hEvent, MAGIC_EVENT);
    hEvent->magic = MAGIC_DEAD; /* leaked on purpose, as streams */
    return CUDA_SUCCESS;
}

EXPORT CUresult cuEventRecord(CUevent hEvent, CUstream hStream) {
    REQUIRE_CONTEXT();
    CHECK_HANDLE(hEvent, MAGIC_EVENT);
    CHECK_STREAM(hStream);
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    hEvent->millis = t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
    hEvent->recorded = 1;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuEventSynchronize(CUevent hEvent) {
    REQUIRE_CONTEXT();
    CHECK_HANDLE(hEvent, MAGIC_EVENT);
    return CUDA_SUCCESS;
}

#ifndef PTXVM_OLD_DRIVER
EXPORT CUresult cuEventElapsedTime_v2(float *pMilliseconds, CUevent hStart, CUevent hEnd) {
    REQUIRE_CONTEXT();
    if (pMilliseconds == NULL) return CUDA_ERROR_INVALID_VALUE;
    CHECK_HANDLE(hStart, MAGIC_EVENT);
    CHECK_HANDLE(hEnd, MAGIC_EVENT);
    if (!hStart->recorded || !hEnd->recorded) return fail(CUDA_ERROR_NOT_READY, "an event was never recorded");
    *pMilliseconds = (float) (hEnd->millis - hStart->millis);
    return CUDA_SUCCESS;
}
#endif

/* ---- modules, functions, launches ------------------------------------------------------------ */

EXPORT CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int numOptions, CUjit_option *options,
                                   void **optionValues) {
    REQUIRE_CONTEXT();
    if (module == NULL || image == NULL || (numOptions > 0 && (options == NULL || optionValues == NULL))) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    char *errlog = NULL;
    size_t errlog_size = 0;
    for (unsigned i = 0; i < numOptions; i++) {
        if (options[i] == CU_JIT_ERROR_LOG_BUFFER) errlog = optionValues[i];
        if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) errlog_size = (size_t) (uintptr_t) optionValues[i];
    }
    if (errlog && errlog_size) errlog[0] = 0;
    const char *ptx = image;
    if (strstr(ptx, ".entry") == NULL && strstr(ptx, ".version") == NULL) {
        return fail(CUDA_ERROR_INVALID_IMAGE, "the stand-in loads PTX text only (no .version or .entry found)");
    }
    struct CUmod_st *m = calloc(1, sizeof *m);
    if (m == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    m->magic = MAGIC_MOD;
    m->ptx = strdup(ptx);
    if (m->ptx == NULL) {
        free(m);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (runner.load) {
        char log[4096] = "";
        int r = runner.load(ptx, &m->runner_id, log, sizeof log);
        if (r != CUDA_SUCCESS) {
            if (errlog && errlog_size) {
                snprintf(errlog, errlog_size, "%s", log);
                for (unsigned i = 0; i < numOptions; i++) {
                    if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) optionValues[i] = (void *) (uintptr_t) (strlen(errlog) + 1);
                }
            }
            free(m->ptx);
            free(m);
            return fail((CUresult) r, "%s", log);
        }
    }
    *module = m;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleUnload(CUmodule hmod) {
    REQUIRE_CONTEXT();
    CHECK_HANDLE(hmod, MAGIC_MOD);
    if (runner.unload && hmod->runner_id) runner.unload(hmod->runner_id);
    pthread_mutex_lock(&lock);
    for (struct CUfunc_st *f = functions; f; f = f->next) {
        if (f->module == hmod) f->magic = MAGIC_DEAD; /* handles stay detectable as stale */
    }
    pthread_mutex_unlock(&lock);
    hmod->magic = MAGIC_DEAD;
    free(hmod->ptx);
    hmod->ptx = NULL;
    return CUDA_SUCCESS;
}

/* Without a runner: is there an ".entry name" followed by a delimiter in the text? */
static int has_entry(const char *ptx, const char *name) {
    size_t n = strlen(name);
    for (const char *p = strstr(ptx, ".entry"); p; p = strstr(p + 6, ".entry")) {
        const char *q = p + 6;
        while (*q == ' ' || *q == '\t') q++;
        if (strncmp(q, name, n) == 0 && (q[n] == '(' || q[n] == ' ' || q[n] == '\t' || q[n] == '\n' || q[n] == '\r')) return 1;
    }
    return 0;
}

EXPORT CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name) {
    REQUIRE_CONTEXT();
    if (hfunc == NULL || name == NULL) return CUDA_ERROR_INVALID_VALUE;
    CHECK_HANDLE(hmod, MAGIC_MOD);
    pthread_mutex_lock(&lock);
    for (struct CUfunc_st *f = functions; f; f = f->next) {
        if (f->module == hmod && f->magic == MAGIC_FUN && strcmp(f->name, name) == 0) {
            pthread_mutex_unlock(&lock);
            *hfunc = f;
            return CUDA_SUCCESS;
        }
    }
    pthread_mutex_unlock(&lock);
    int64_t id = 0;
    if (runner.function && hmod->runner_id) {
        char log[1024] = "";
        int r = runner.function(hmod->runner_id, name, &id, log, sizeof log);
        if (r != CUDA_SUCCESS) return fail((CUresult) r, "%s", log[0] ? log : name);
    } else if (!has_entry(hmod->ptx, name)) {
        return fail(CUDA_ERROR_NOT_FOUND, "no .entry %s in the module", name);
    }
    struct CUfunc_st *f = calloc(1, sizeof *f + strlen(name) + 1);
    if (f == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    f->magic = MAGIC_FUN;
    f->module = hmod;
    f->runner_id = id;
    strcpy(f->name, name);
    pthread_mutex_lock(&lock);
    f->next = functions;
    functions = f;
    pthread_mutex_unlock(&lock);
    *hfunc = f;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuFuncGetAttribute(int *pi, CUfunction_attribute attrib, CUfunction hfunc) {
    REQUIRE_CONTEXT();
    if (pi == NULL || attrib < 0 || attrib >= CU_FUNC_ATTRIBUTE_MAX) return CUDA_ERROR_INVALID_VALUE;
    CHECK_HANDLE(hfunc, MAGIC_FUN);
    if (runner.attribute && hfunc->runner_id) return runner.attribute(hfunc->runner_id, (int) attrib, pi);
    *pi = attrib == CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK ? 1024 : 0;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                               unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                               unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra) {
    REQUIRE_CONTEXT();
    CHECK_HANDLE(f, MAGIC_FUN);
    CHECK_STREAM(hStream);
    if (extra != NULL) return fail(CUDA_ERROR_NOT_SUPPORTED, "the stand-in takes kernelParams, not extra");
    if (gridDimX == 0 || gridDimY == 0 || gridDimZ == 0 || blockDimX == 0 || blockDimY == 0 || blockDimZ == 0) {
        return fail(CUDA_ERROR_INVALID_VALUE, "%s: zero launch extent: grid (%u, %u, %u), block (%u, %u, %u)", f->name,
                    gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ);
    }
    if (gridDimX > 2147483647u || gridDimY > 65535 || gridDimZ > 65535 || blockDimX > 1024 || blockDimY > 1024 ||
        blockDimZ > 64 || (unsigned long long) blockDimX * blockDimY * blockDimZ > 1024) {
        return fail(CUDA_ERROR_INVALID_VALUE, "%s: launch extents beyond the device limits: grid (%u, %u, %u), block (%u, %u, %u)",
                    f->name, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ);
    }
    if (sharedMemBytes > MAX_SHARED_OPTIN) {
        return fail(CUDA_ERROR_INVALID_VALUE, "%s: %u bytes of dynamic shared memory, the limit is %d", f->name,
                    sharedMemBytes, MAX_SHARED_OPTIN);
    }
    if (fail_next_launch) {
        int r = fail_next_launch;
        fail_next_launch = 0;
        return fail((CUresult) r, "injected fault: this launch of %s fails", f->name);
    }
    if (runner.launch == NULL || f->runner_id == 0) {
        return fail(CUDA_ERROR_NOT_SUPPORTED, "no kernel runner is registered: the stand-in driver cannot execute PTX "
                    "until one is (StandinDriver.registerRunner); launch of %s", f->name);
    }
    uint32_t grid[3] = {gridDimX, gridDimY, gridDimZ}, block[3] = {blockDimX, blockDimY, blockDimZ};
    char log[4096] = "";
    int r = runner.launch(f->runner_id, grid, block, sharedMemBytes, kernelParams, log, sizeof log);
    if (r != CUDA_SUCCESS) return fail((CUresult) r, "%s", log[0] ? log : f->name);
    return CUDA_SUCCESS;
}
