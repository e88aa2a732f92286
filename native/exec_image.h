/*
 * An exec image: everything one execve needs (the path, argv and envp) laid out in a private
 * anonymous mapping of its own, at an address drawn from getrandom(), and then made
 * read-only.
 *
 * Why: a seccomp filter cannot read the path execve is given, only the pointer. A launcher
 * that loads a filter and then execs a program (seccomp-node run, sandbox.spawn) allows that
 * one execve by pinning the path's address. The pin stays in the filter for the life of the
 * program, so the address must be one the program cannot know or guess: not a heap or stack
 * address, which follows the launcher's layout (and repeats when ASLR is off), but a fresh
 * random one, which disappears with the launcher's address space at the exec. A wrong guess
 * is a forbidden execve, which kills the program.
 *
 * Plain C with no dependencies, so that a native launcher can use it as well as the addon.
 */
#ifndef SECCOMP_NODE_EXEC_IMAGE_H_
#define SECCOMP_NODE_EXEC_IMAGE_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exec_image {
  void* base;        /* the mapping */
  size_t size;       /* its length in bytes (whole pages) */
  const char* path;  /* the address to pin: execve's first argument */
  char* const* argv; /* NULL-terminated, pointing into the mapping */
  char* const* envp; /* NULL-terminated, pointing into the mapping */
  void* scratch;     /* writable pages after the image (NULL when none were asked for) */
};

/*
 * Builds the image of execve(path, argv, envp) (argv and envp NULL-terminated). Returns 0,
 * or an errno value with *image zeroed: EAGAIN when no free random address was found,
 * E2BIG when the strings are too long, or what getrandom, mmap or mprotect reported.
 */
int exec_image_build(struct exec_image* image, const char* path, const char* const* argv,
                     const char* const* envp);

/*
 * The same, with `scratch_size` bytes of writable, zeroed memory in the same mapping right
 * after the image's read-only pages (image->scratch, page-aligned). The launcher keeps there
 * what else it pins by address: its last system calls before the exec name structures at
 * secret addresses, as execve names the path.
 */
int exec_image_build_with_scratch(struct exec_image* image, const char* path,
                                  const char* const* argv, const char* const* envp,
                                  size_t scratch_size);

/* Unmaps the image (it is gone anyway once the exec succeeds). Safe on a zeroed image. */
void exec_image_release(struct exec_image* image);

#ifdef __cplusplus
}
#endif

#endif /* SECCOMP_NODE_EXEC_IMAGE_H_ */
