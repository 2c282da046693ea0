/*
 * cmd_command_test.c: COMMAND (src/cmd_command.c) and its generated tables
 * (src/command_docs.c): every command kv has is documented, its table row agrees
 * with Redis's arity and key figures, the tokens are well formed, replies are the
 * bytes redis-server 7.0.15 sent (recorded once, RESP2 and RESP3), and every reply
 * bound is exact. Test code: uses the heap and stdio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/command_docs.h"
#include "kv/keyspace.h"
#include "testing.h"
#include "test_engine.h"


static struct test_engine *h_open(void) {
    struct test_engine *h = te_new();
    h->cfg.maxmemory = 1 << 20;
    h->cfg.maxkeys = 1024;
    te_start(h, 1);
    return h;
}

#define h_close te_close

/* Runs a space-separated command under protocol proto; *bound: its reply bound. */
static const struct kv_reply *run(struct test_engine *h, uint8_t proto, const char *line,
                                  uint64_t *bound) {
    static char copy[512];
    struct kv_slice argv[TE_ARGV_MAX];
    uint32_t argc = 0;
    snprintf(copy, sizeof(copy), "%s", line);
    for (char *t = strtok(copy, " "); t != NULL; t = strtok(NULL, " ")) {
        KV_ASSERT(argc < TE_ARGV_MAX);
        argv[argc++] = (struct kv_slice){(const uint8_t *)t, (uint32_t)strlen(t)};
    }
    h->s.proto = proto;
    *bound = kv_engine_cmd_bound(&h->e, &h->s, argc, argv);
    return te_exec(h, &h->s, argc, argv);
}

/* The INFO array's element i (0-based) for record rec. */
static const struct kv_doc_tok *info_elem(int32_t rec, uint32_t i) {
    uint32_t at = kv_doc_tables.recs[rec].info + 1;
    for (uint32_t e = 0; e < i; e++) at += kv_doc_tables.toks[at].span;
    return &kv_doc_tables.toks[at];
}

TEST(test_every_row_documented) {
    struct test_engine *h = h_open();
    uint32_t n = h->e.cmd_count;
    for (uint32_t i = 0; i < n; i++) {
        const struct kv_cmd *cmd = kv_engine_cmd_at(&h->e, i);
        int32_t rec = -1;
        for (uint32_t r = 0; r < kv_doc_tables.nrecs && rec < 0; r++)
            if (strcmp(kv_doc_tables.recs[r].name, cmd->name) == 0) rec = (int32_t)r;
        if (rec < 0) fprintf(stderr, "no docs for %s: ci/gen_command_docs.py\n", cmd->name);
        CHECK(rec >= 0);
        CHECK(info_elem(rec, 1)->n == cmd->arity);
        CHECK(info_elem(rec, 3)->n == cmd->keys.first);
        CHECK(info_elem(rec, 4)->n == cmd->keys.last);
        CHECK(info_elem(rec, 5)->n == cmd->keys.step);
    }
    CHECK(n > 70);
    h_close(h);
}

/* Every aggregate's span is one plus its elements' spans; records point at an INFO
 * array of 10 and a DOCS map; a subcommand's parent is a command before it. */
TEST(test_tokens_well_formed) {
    const struct kv_doc_tables *t = &kv_doc_tables;
    for (uint32_t i = 0; i < t->ntoks; i++) {
        const struct kv_doc_tok *k = &t->toks[i];
        if (k->type > KV_DOC_SET) {
            CHECK(k->span == 1);
            if (k->type == KV_DOC_BULK || k->type == KV_DOC_SIMPLE)
                CHECK(k->str < t->nstrs && strlen(t->strs[k->str]) == (size_t)k->n);
            continue;
        }
        uint32_t at = i + 1, elems = (uint32_t)k->n * (k->type == KV_DOC_MAP ? 2 : 1);
        for (uint32_t e = 0; e < elems; e++) at += t->toks[at].span;
        CHECK(at == i + k->span && at <= t->ntoks);
    }
    for (uint32_t r = 0; r < t->nrecs; r++) {
        const struct kv_cmd_doc *d = &t->recs[r];
        CHECK(t->toks[d->info].type == KV_DOC_ARRAY && t->toks[d->info].n == 10);
        CHECK(t->toks[d->docs].type == KV_DOC_MAP);
        CHECK(d->parent < (int32_t)r && (d->parent < 0) == (strchr(d->name, '|') == NULL));
    }
}

struct want {
    uint8_t proto;
    const char *cmd, *reply;
};

static const struct want recorded[] = {
    {2, "COMMAND INFO get nosuch",
     "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n"
     "+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n"
     "+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
     "*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
     "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
     ":0\r\n*0\r\n$-1\r\n"},
    {2, "COMMAND DOCS echo nosuch",
     "*2\r\n$4\r\necho\r\n*10\r\n$7\r\nsummary\r\n$21\r\nEcho the given string\r\n$5\r\n"
     "since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n"
     "$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*4\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\n"
     "type\r\n$6\r\nstring\r\n"},
    {3, "COMMAND DOCS echo",
     "%1\r\n$4\r\necho\r\n%5\r\n$7\r\nsummary\r\n$21\r\nEcho the given string\r\n$5\r\n"
     "since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n"
     "$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%2\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\n"
     "type\r\n$6\r\nstring\r\n"},
    {3, "COMMAND INFO nosuch", "*1\r\n_\r\n"},
    {2, "COMMAND GETKEYSANDFLAGS copy a b",
     "*2\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nb\r\n*2\r\n+OW\r\n"
     "+update\r\n"},
    {3, "COMMAND GETKEYSANDFLAGS lmove a b left right",
     "*2\r\n*2\r\n$1\r\na\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n~2\r\n"
     "+RW\r\n+insert\r\n"},
    {2, "COMMAND GETKEYS mset a b c d", "*2\r\n$1\r\na\r\n$1\r\nc\r\n"},
    /* a destination and counted keys: dst first by key specs, last by the fallback,
     * whose keys carry no flags */
    {2, "COMMAND GETKEYSANDFLAGS zunionstore d 2 a b",
     "*3\r\n*2\r\n$1\r\nd\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n"
     "+access\r\n*2\r\n$1\r\nb\r\n*2\r\n+RO\r\n+access\r\n"},
    {2, "COMMAND GETKEYSANDFLAGS zunionstore d 2abc a b c",
     "*3\r\n*2\r\n$1\r\na\r\n*0\r\n*2\r\n$1\r\nb\r\n*0\r\n*2\r\n$1\r\nd\r\n*0\r\n"},
    {2, "COMMAND GETKEYS zunionstore d 4 a b c e",
     "*5\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\ne\r\n"},
    {2, "COMMAND GETKEYS zunionstore d 4abc a b c e",
     "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\ne\r\n$1\r\nd\r\n"},
    {2, "COMMAND GETKEYS lmpop 0 a left",
     "-ERR Invalid arguments specified for command\r\n"},
    {2, "COMMAND GETKEYS ping x", "-ERR The command has no key arguments\r\n"},
    {2, "COMMAND GETKEYS get", "-ERR wrong number of arguments for 'command|getkeys' "
                               "command\r\n"},
    {2, "COMMAND GETKEYS nosuch x", "-ERR Invalid command specified\r\n"},
    {2, "COMMAND GETKEYS get a b", "-ERR Invalid number of arguments specified for "
                                   "command\r\n"},
    {2, "COMMAND foo", "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n"},
    {2, "COMMAND LIST FILTERBY pattern config|g*", "*1\r\n$10\r\nconfig|get\r\n"},
    {2, "COMMAND LIST FILTERBY module x", "*0\r\n"},
    {2, "COMMAND LIST FILTERBY", "-ERR syntax error\r\n"},
};

TEST(test_recorded) {
    struct test_engine *h = h_open();
    for (uint32_t i = 0; i < KV_ARRAY_LEN(recorded); i++) {
        uint64_t bound;
        const struct kv_reply *r = run(h, recorded[i].proto, recorded[i].cmd, &bound);
        CHECK_STR(r->buf, r->len, recorded[i].reply);
    }
    h_close(h);
}

/* Replies that are not errors measure exactly their bound (or fit the error room
 * every bound keeps), in both protocols. */
TEST(test_bounds_exact) {
    static const char *const cmds[] = {
        "COMMAND", "COMMAND INFO", "COMMAND DOCS", "COMMAND LIST", "COMMAND HELP",
        "COMMAND COUNT", "COMMAND INFO client config|get x", "COMMAND DOCS set Client|List",
        "COMMAND LIST FILTERBY aclcat string", "COMMAND GETKEYS del a b c",
        "COMMAND GETKEYSANDFLAGS set a b get", "COMMAND GETKEYSANDFLAGS lmpop 2 a b left",
        "COMMAND GETKEYSANDFLAGS zunionstore d 3 a b c",
        "COMMAND GETKEYSANDFLAGS zinterstore d 3abc a b c",
    };
    struct test_engine *h = h_open();
    for (uint8_t proto = 2; proto <= 3; proto++) {
        for (uint32_t i = 0; i < KV_ARRAY_LEN(cmds); i++) {
            uint64_t bound;
            const struct kv_reply *r = run(h, proto, cmds[i], &bound);
            if (r->buf[0] == '-') fprintf(stderr, "%s: %.*s", cmds[i], (int)r->len, r->buf);
            CHECK(r->buf[0] != '-');
            CHECK(r->len == bound || (bound == KV_EXEC_ERROR_ROOM && r->len < bound));
        }
    }
    h_close(h);
}

int main(void) {
    RUN(test_every_row_documented);
    RUN(test_tokens_well_formed);
    RUN(test_recorded);
    RUN(test_bounds_exact);
    TEST_SUMMARY("cmd_command");
}
