/*
 * replay_main.c: a plain main() for the fuzz targets, so that every target also
 * builds with gcc (no libFuzzer) and replays its committed corpus on any machine.
 *
 * Usage: <target> PATH...  where each PATH is a file or a directory (whose regular
 * files are replayed in name order, so runs are reproducible). Every input is
 * passed to LLVMFuzzerTestOneInput exactly as libFuzzer would pass it: a heap
 * buffer of exactly its size, so ASan catches reads past the end.
 *
 * Test code: heap and stdio allowed. Memory: one buffer per input, freed after it.
 * Output ends with "replay: N inputs, M failed"; a crashing input aborts the whole
 * process (ASan/UBSan/KV_ASSERT), after "replay: running <path>" names it.
 * Never: mutates inputs, skips files silently (unreadable files count as failed).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_FILES_MAX 100000u
#define REPLAY_INPUT_MAX (16u << 20)

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    uint8_t *buf = malloc(REPLAY_INPUT_MAX);
    size_t n = buf != NULL ? fread(buf, 1, REPLAY_INPUT_MAX, f) : 0;
    int bad = buf == NULL || ferror(f) || n == REPLAY_INPUT_MAX;
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s (at most %u bytes)\n", path, REPLAY_INPUT_MAX);
        free(buf);
        return -1;
    }
    /* Exactly n bytes, as libFuzzer does, so a read past the end is caught. */
    uint8_t *exact = malloc(n > 0 ? n : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    fprintf(stderr, "replay: running %s\n", path);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of dir in name order; adds to *count and *failed. */
static void replay_dir(const char *dir, unsigned *count, unsigned *failed) {
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open directory %s\n", dir);
        (*failed)++;
        return;
    }
    char **names = calloc(REPLAY_FILES_MAX, sizeof(char *));
    unsigned n = 0;
    struct dirent *e;
    while (names != NULL && n < REPLAY_FILES_MAX && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (names == NULL) return;
    qsort(names, n, sizeof(char *), cmp_names);
    for (unsigned i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        snprintf(path, len, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            (*count)++;
            if (replay_file(path) != 0) (*failed)++;
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv) {
    unsigned count = 0, failed = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            replay_dir(argv[i], &count, &failed);
        } else {
            count++;
            if (replay_file(argv[i]) != 0) failed++;
        }
    }
    printf("replay: %u inputs, %u failed\n", count, failed);
    return failed == 0 && count > 0 ? 0 : 1;
}
