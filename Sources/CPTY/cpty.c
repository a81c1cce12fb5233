#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "cpty.h"

int cpty_open_master(char *slave_path, size_t len) {
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (grantpt(fd) || unlockpt(fd) || ptsname_r(fd, slave_path, len)) {
        close(fd);
        return -1;
    }
    return fd;
}

#include <malloc.h>

void cpty_keep_freed_memory(void) {
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
}
