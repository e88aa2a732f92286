/*
 * See exec_image.h. The image is one mapping:
 *
 *   [random gap < 1 page][path\0][argv strings][envp strings][pad][argv pointers][envp pointers]
 *   [scratch pages, writable (only when asked for)]
 *
 * The mapping's page is random within the usable address space, and the gap puts the path
 * at a random byte within its first page, so the pinned pointer has about 47 bits of
 * entropy on x86_64 (35 for the page, 12 for the offset).
 */
#define _GNU_SOURCE
#include "exec_image.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* Linux 4.17; older kernels take it as a hint */
#endif

enum {
  MAX_ATTEMPTS = 64,
  /* Addresses are drawn from [LOW, 2^bits): above the first 4 GiB (where small programs and
   * brk heaps live), below the top of a 47-bit user address space, narrowed when the kernel
   * says an address is beyond its limit (a 39-bit aarch64 kernel, say). */
  LOW_BITS = 32,
  HIGH_BITS = 47,
  MIN_HIGH_BITS = 36,
};

static int random_u64(uint64_t* out) {
  size_t done = 0;
  unsigned char* bytes = (unsigned char*)out;
  while (done < sizeof(*out)) {
    ssize_t n = getrandom(bytes + done, sizeof(*out) - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += (size_t)n;
  }
  return 0;
}

/* Maps `size` bytes (whole pages) read-write at a random free address. */
static int map_at_random(size_t size, size_t page, void** out) {
  unsigned bits = HIGH_BITS;
  for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    uint64_t r;
    int err = random_u64(&r);
    if (err != 0) return err;
    const uint64_t low = (uint64_t)1 << LOW_BITS;
    const uint64_t span = ((uint64_t)1 << bits) - low - size;
    const uint64_t address = (low + r % span) & ~(uint64_t)(page - 1);
    void* hint = (void*)(uintptr_t)address;
    void* mapped = mmap(hint, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (mapped == hint) {
      *out = mapped;
      return 0;
    }
    if (mapped != MAP_FAILED) {
      munmap(mapped, size); /* a kernel that took the flag as a hint put it elsewhere */
    } else if (errno == ENOMEM || errno == EINVAL) {
      if (bits > MIN_HIGH_BITS) bits--; /* beyond this kernel's address space */
    } else if (errno != EEXIST) {
      return errno;
    }
  }
  return EAGAIN;
}

static size_t count(const char* const* list) {
  size_t n = 0;
  while (list[n] != NULL) n++;
  return n;
}

/* Adds n to *total, reporting overflow. */
static int add(size_t* total, size_t n) {
  if (*total > SIZE_MAX - n) return E2BIG;
  *total += n;
  return 0;
}

static char* copy(char** cursor, const char* s) {
  char* at = *cursor;
  size_t n = strlen(s) + 1;
  memcpy(at, s, n);
  *cursor += n;
  return at;
}

int exec_image_build(struct exec_image* image, const char* path, const char* const* argv,
                     const char* const* envp) {
  return exec_image_build_with_scratch(image, path, argv, envp, 0);
}

int exec_image_build_with_scratch(struct exec_image* image, const char* path,
                                  const char* const* argv, const char* const* envp,
                                  size_t scratch_size) {
  memset(image, 0, sizeof(*image));
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t argc = count(argv);
  const size_t envc = count(envp);

  uint64_t r;
  int err = random_u64(&r);
  if (err != 0) return err;
  const size_t gap = (size_t)(r % page);

  size_t strings = 0;
  err = add(&strings, strlen(path) + 1);
  for (size_t i = 0; err == 0 && i < argc; i++) err = add(&strings, strlen(argv[i]) + 1);
  for (size_t i = 0; err == 0 && i < envc; i++) err = add(&strings, strlen(envp[i]) + 1);
  size_t size = gap;
  if (err == 0) err = add(&size, strings);
  if (err == 0) err = add(&size, sizeof(char*) - 1); /* alignment of the pointer arrays */
  if (err == 0) err = add(&size, (argc + envc + 2) * sizeof(char*));
  if (err == 0) err = add(&size, page - 1);
  if (err != 0) return err;
  size &= ~(page - 1);
  const size_t image_size = size;
  if (scratch_size > 0) {
    err = add(&size, scratch_size);
    if (err == 0) err = add(&size, page - 1);
    if (err != 0) return err;
    size &= ~(page - 1);
  }

  void* base = NULL;
  err = map_at_random(size, page, &base);
  if (err != 0) return err;

  char* cursor = (char*)base + gap;
  const uintptr_t after_strings = (uintptr_t)cursor + strings;
  char** pointers = (char**)((after_strings + sizeof(char*) - 1) & ~(uintptr_t)(sizeof(char*) - 1));
  const char* pinned = copy(&cursor, path);
  char** argv_out = pointers;
  char** envp_out = pointers + argc + 1;
  for (size_t i = 0; i < argc; i++) argv_out[i] = copy(&cursor, argv[i]);
  argv_out[argc] = NULL;
  for (size_t i = 0; i < envc; i++) envp_out[i] = copy(&cursor, envp[i]);
  envp_out[envc] = NULL;

  /* Nothing may change the strings between the filter check and the exec. */
  if (mprotect(base, image_size, PROT_READ) != 0) {
    err = errno;
    munmap(base, size);
    return err;
  }
  image->base = base;
  image->size = size;
  image->path = pinned;
  image->argv = argv_out;
  image->envp = envp_out;
  image->scratch = scratch_size > 0 ? (char*)base + image_size : NULL;
  return 0;
}

void exec_image_release(struct exec_image* image) {
  if (image->base != NULL) munmap(image->base, image->size);
  memset(image, 0, sizeof(*image));
}
