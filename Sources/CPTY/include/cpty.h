#ifndef CPTY_H
#define CPTY_H
#include <stddef.h>

/// Opens a new pseudo-terminal master (O_RDWR | O_NOCTTY), grants and unlocks it, and writes the
/// slave's path into `slave_path`. Returns the master fd, or -1 with errno set.
/// (posix_openpt, grantpt, unlockpt and ptsname_r are hidden from Swift's Glibc module.)
int cpty_open_master(char *slave_path, size_t len);

#endif

/// Keeps freed heap memory in the process instead of returning it to the kernel after each batch
/// (mallopt M_TRIM_THRESHOLD / M_TOP_PAD / M_MMAP_THRESHOLD; not visible from Swift's Glibc).
void cpty_keep_freed_memory(void);
