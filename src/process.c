/*
 * process.c: process facts for INFO from the operating system: the pid, the
 * resident set from /proc/self/statm, cpu time from getrusage(), the machine's
 * memory from sysconf(), the executable (/proc/self/exe) and config file paths,
 * resolved once at startup into static buffers.
 *
 * Reading /proc costs an open, a read and a close per INFO; Redis pays the same.
 * Nothing here allocates (realpath and readlink write into the static buffers).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kv/process.h"

static char exe_path[PATH_MAX];
static char config_path[PATH_MAX];

static uint64_t rss_bytes(void) {
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    unsigned long long size = 0, resident = 0;
    if (sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static double seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static void process_info(void *ctx, struct kv_process_info *out) {
    (void)ctx;
    KV_ASSERT(out != NULL);
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    (void)getrusage(RUSAGE_SELF, &ru);
    out->pid = (uint64_t)getpid();
    out->rss_bytes = rss_bytes();
    out->total_system_memory = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    out->cpu_sys_s = seconds(ru.ru_stime);
    out->cpu_user_s = seconds(ru.ru_utime);
    out->executable = exe_path;
    out->config_file = config_path;
    KV_ASSERT(out->pid > 0);
}

static const struct kv_engine_host host = {process_info, NULL};

const struct kv_engine_host *kv_process_host(const char *config_file) {
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
    exe_path[n > 0 ? n : 0] = 0;
    config_path[0] = 0;
    if (config_file != NULL && realpath(config_file, config_path) == NULL)
        snprintf(config_path, sizeof(config_path), "%s", config_file);
    KV_ASSERT(strlen(config_path) < sizeof(config_path));
    return &host;
}
