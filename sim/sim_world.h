/*
 * sim_world.h: the simulated world's shared state: the server under test, the
 * simulated network and clock, the reference model, the clients and their
 * per-connection tracks, the knobs drawn from the seed, counters and the trace.
 * Test code (heap allowed); only the network (sim_io.c) follows the core's
 * allocate-at-startup rule.
 */
#ifndef KV_SIM_WORLD_H
#define KV_SIM_WORLD_H

#include <xxhash.h>

#include "kv/config.h"
#include "kv/server.h"
#include "sim_buf.h"
#include "sim_io.h"
#include "sim_model.h"
#include "sim_workload.h"

#define SIM_REJECT_MSG "-ERR max number of clients reached\r\n"
/* Redis 7.0.15's protected-mode refusal, as redis-server sends it to a remote peer. */
extern const char sim_denied_msg[];

enum sim_req_kind {
    SIM_REQ_NORMAL = 0,
    SIM_REQ_MALFORMED = 1,  /* expects "-ERR Protocol error: ..." then EOF */
    SIM_REQ_OVERSIZE = 2,   /* larger than a large buffer: EOF, no reply */
    SIM_REQ_PARTIAL = 3,    /* the client vanished while sending it */
    SIM_REQ_QUIT = 4,
};

#define SIM_KEEP_NONE UINT64_MAX

/* A request sent on one connection and not yet answered. */
struct sim_sent {
    struct sim_req req;
    uint64_t wire_len;
    uint64_t wire_end;      /* the connection's bytes up to this frame's end, as the
                             * client queued them (bytes between frames included) */
    uint8_t kind;
    bool observed;          /* the engine executed it */
    bool quiet;             /* sent in the quiet phase: must be answered */
    uint64_t sent_tick;     /* when the client queued it (liveness, sim_hostile.c) */
};

/* One client connection, from connect until both sides are done with it. */
struct sim_track {
    uint64_t serial;
    uint32_t slot;          /* sim_net connection slot */
    uint32_t client;
    uint64_t session;       /* engine session id, 0 until accepted */
    bool rejected;          /* maxclients: expects SIM_REJECT_MSG then EOF */
    bool client_done;       /* the client detached */
    bool ended;             /* the client saw EOF or a reset */
    bool reset;
    bool corrupted;         /* request bytes were flipped: lenient from here */
    bool exec_running;      /* EXEC replays are being reported */
    bool half_closed;
    bool oversize;
    bool remote;            /* connected from 10.0.0.x (sim_session.c: protected mode) */
    bool denied;            /* rejected by protected mode: expects sim_denied_msg, EOF */
    bool hostile;           /* a hostile client's: it may be closed with replies unsent
                             * and its requests are not owed (sim_hostile.c) */
    uint64_t replies;       /* whole replies received */
    uint64_t last_reply_tick;
    uint64_t held_tick;     /* input waits (sim_check_input_waits): the last tick the
                             * model had it blocked, the net's wait last tick, and the
                             * ticks of it a CLIENT PAUSE was in force */
    uint64_t input_wait;
    uint64_t input_paused;
    bool cut;               /* disconnected by the hold rule (server.c): lenient */
    uint64_t wire_pos;      /* bytes the client queued on this connection */
    uint64_t keep_from;     /* where the open MULTI's first queued frame starts
                             * (SIM_KEEP_NONE: none), as server.c keep_start */
    struct sim_sent *reqs;  /* ring of sent, unanswered requests */
    uint32_t reqs_cap;
    uint32_t reqs_head;
    uint32_t reqs_len;
    uint32_t next_obs;      /* offset from head of the next request to be executed */
    struct sim_buf expected; /* reply bytes the core produced; received up to exp_off */
    uint64_t exp_off;
    struct sim_buf rx;       /* received bytes not yet split into whole replies */
    uint64_t rx_off;
    struct sim_buf extra;    /* bytes beyond what any command produced */
    /* The whole replies owed, in stream order (sim_check.c take_frame): n > 0, the n
     * frames of a request's reply; n < 0, -n frames of messages published to it. */
    int32_t *frames;
    uint32_t frames_cap;
    uint32_t frames_head;
    uint32_t frames_len;
    const char *extra_want;  /* what those may be (a prefix of it), NULL: any protocol error */
    uint64_t received;
    struct sim_track *next;
};

struct sim_client_faults {
    uint32_t half_close_ppm;  /* per client tick */
    uint32_t vanish_ppm;
    uint32_t corrupt_ppm;
    uint32_t malformed_ppm;
    uint32_t oversize_ppm;
    uint32_t quit_ppm;
    uint32_t slow_ppm;
    uint32_t slow_ticks_max;
    uint32_t multi_pct;       /* % of batches that are MULTI blocks */
    uint32_t inline_pct;      /* % of requests sent inline */
    uint32_t jump_ppm;        /* per tick: realtime jumps forward */
    uint32_t jump_ms_max;
    uint32_t edge_multi_pct;  /* % of EXECs led by an ECHO that fills the query limit */
};

struct sim_client {
    uint32_t id;
    struct kv_prng prng;
    struct sim_track *track;  /* current connection, NULL when disconnected */
    uint64_t next_connect;    /* tick */
    uint64_t slow_until;      /* tick: not reading before */
    uint32_t pipeline_max;
    uint32_t batch_max;
    uint32_t multi_left;      /* commands still to queue in the open MULTI block */
    uint64_t multi_from;      /* the track's wire_pos after the open MULTI */
    bool in_multi;
    bool closing;             /* sends nothing more; reads until EOF */
    struct sim_buf out;       /* encoded bytes not yet accepted by the network */
    struct sim_hostile *hostile; /* NULL: a well-behaved client (sim_hostile.c) */
    int32_t auth_in;          /* sim_session.c: requests before its AUTH (-1: none owed) */
    uint8_t hello_owed;       /* sim_session.c: HELLO 2 or 3 to send next (0: none) */
    bool unauthed;            /* sim_unauth.c: may be unauthenticated at its next frame */
    uint8_t reply_off_left;   /* sim_workload_cfg.c: requests until its CLIENT REPLY ON */
    bool reset_next;          /* sim_workload_cfg.c: RESET right after a CLIENT REPLY SKIP */
};

/* Sessions (sim_session.c): RESP3, requirepass and protected-mode draws. 0: off. */
struct sim_session_knobs {
    uint32_t resp3_pct;       /* % of connections that open with HELLO 3 */
    uint32_t switch_pm;       /* per mille of requests that are HELLO 2/3 or AUTH */
    uint32_t noauth_pct;      /* requirepass: % of connections sending commands before AUTH */
    uint32_t wrongpass_pct;   /* % of AUTHs with a wrong password */
    uint32_t remote_pct;      /* % of connections from a remote address */
};

/* Faults; settle (faults off, traffic on, stuck connections time out); quiet
 * (requests must be answered); drain (no new requests); close. Ordered. */
enum sim_phase { SIM_PHASE_FAULTS, SIM_PHASE_SETTLE, SIM_PHASE_QUIET, SIM_PHASE_DRAIN,
                 SIM_PHASE_CLOSE };

struct sim_world {
    uint64_t seed;
    uint64_t ticks;           /* fault-phase ticks */
    bool stats_out;
    struct kv_config cfg;
    struct sim_clock clock;
    struct kv_clock kvclock;
    struct sim_net *net;
    struct sim_faults faults;
    struct sim_client_faults cfaults;
    struct kv_layout layout;
    struct kv_arena arena;
    struct kv_server *server;
    struct kv_engine_observer observer;
    struct sim_model *model;
    struct sim_workload wl;
    struct sim_session_knobs sess;
    bool no_session;             /* --no-session: no RESP3, requirepass or remote draws */
    uint64_t remote_denied;      /* remote connections refused by protected mode */
    uint64_t resp3_commands;     /* commands run for a RESP3 session */
    uint64_t noauth_replies;     /* -NOAUTH replies (requirepass) */
    uint64_t replies_dropped;    /* replies CLIENT REPLY OFF/SKIP dropped (sim_check.c) */
    uint32_t cfg_pm;             /* per mille of requests from sim_workload_cfg.c (0: none) */
    struct kv_prng cfg_prng;     /* its draws: a stream of its own */
    uint64_t pause_over_tick;    /* last tick a CLIENT PAUSE held (liveness, sim_hostile.c) */
    uint64_t cfg_sets;           /* CONFIG SETs answered +OK (--stats) */
    /* Run-time requirepass and timeout (sim_workload_cfg.c): the change waiting to be
     * undone (1: timeout, 2: requirepass; 0: none) and after how many cfg requests,
     * the idle timeout in force and the largest ever in force (the checker's idle
     * rules and the settle phase), and how many of each change were answered +OK. */
    bool cfg_changes;            /* one cfg seed in two, from a stream of its own */
    bool cfg_pass;               /* --cfg-pass: requirepass is lifted too (off: kv diverges) */
    struct kv_prng change_prng;
    uint8_t cfg_restore;
    uint8_t cfg_restore_left;
    /* the drawn values the changes return to (w->cfg is the server's own config:
     * CONFIG SET writes it, so it always holds the values in force) */
    uint64_t timeout_drawn_s;
    char pass_drawn[sizeof(((struct kv_config *)0)->requirepass)];
    uint64_t timeout_now_s;
    uint64_t timeout_max_s;
    uint64_t timeout_sets;
    uint64_t pass_sets;
    uint64_t pass_free_sessions; /* accepted while a drawn requirepass was lifted */
    uint64_t pauses;             /* CLIENT PAUSEs answered +OK (--stats) */
    uint64_t client_lists;       /* CLIENT LIST/INFO answered with text (--stats) */
    struct sim_client *clients;
    uint32_t client_count;
    struct sim_track *tracks;   /* every live track */
    struct sim_track **by_session;
    uint64_t by_session_cap;
    struct sim_track **by_slot;  /* the track of each sim_net slot */
    uint64_t last_accepted;      /* kv stats seen at the last accept */
    uint64_t last_rejected;
    uint64_t tick;
    enum sim_phase phase;
    struct kv_prng prng;         /* the world's own draws (clock jumps) */
    struct kv_prng edge;         /* draws of the edge-seeking MULTIs (sim_client.c) */
    uint32_t canary;             /* 1: flip a received byte; 2: the model's INCR is off;
                                    3: a server recv never completes (sim_net_plant_stall) */
    bool crowd;                  /* --crowd: 96 clients or more */
    bool no_multishot;           /* --no-multishot: recv_buffers 0 whatever the seed */
    bool no_edge_multi;          /* --no-edge-multi: no EXEC padded to the query limit */
    bool no_newer;               /* --no-newer: no COPY/INCRBYFLOAT/CLIENT/CONFIG/COMMAND */
    bool no_block;               /* --no-block: no blocking pops */
    bool hostile_forced;         /* --hostile: a hostile population whatever the seed */
    bool no_hostile;             /* --no-hostile: none whatever the seed */
    uint32_t pipe_bytes;         /* per direction of a connection (sim_net_config) */
    uint32_t hostile_count;      /* the last hostile_count clients are hostile */
    uint32_t hostile_kinds;      /* bit per enum sim_hostile_kind */
    uint64_t liveness_from;      /* tick the liveness check starts (quiet phase) */
    uint64_t calm_from;          /* tick the calm phases start (settle; input waits) */
    uint64_t liveness_wait_max;  /* longest wait a well-behaved client saw (--stats) */
    uint64_t input_wait_max;     /* longest calm input wait (sim_check_input_waits; --stats) */
    uint64_t hostile_acts;
    uint64_t hostile_closed;     /* acts the server ended by closing the connection */
    bool canary_fired;
    bool shutdown_live;          /* end with kv_server_shutdown under traffic */
    bool stopping;               /* kv_server_shutdown was called */
    bool server_stopped;         /* kv_server_run_once returned false */
    /* counters */
    uint64_t requests;
    uint64_t replies_checked;
    uint64_t commands;
    uint64_t client_faults;
    uint64_t pubsub_messages;    /* messages the model predicted for other sessions */
    uint64_t pubsub_closed;      /* subscribed sessions the server closed */
    uint64_t pubsub_refused;     /* SUBSCRIBEs refused at a pubsub-max-* limit */
    uint64_t backlog_peak;       /* the pub/sub backlog's most bytes in use, seen */
    uint64_t lagging_peak;       /* its most lagging subscribers at once, seen */
    uint64_t connects;
    uint64_t rejections;
    uint64_t clock_jumps;
    uint64_t edge_multis;        /* ECHOs that filled a MULTI to the limit */
    uint64_t exec_overflows;     /* MULTIs failed by EXEC's own bytes (sim_check.c) */
    uint64_t blocks;             /* blocking pops the core blocked (and re-blocked) */
    uint64_t block_defers;       /* woken ones whose reply found no room (retried) */
    uint64_t hold_cuts;          /* sessions the hold rule disconnected (server.c) */
    uint64_t watch_full;         /* WATCHes that filled a session to watch-max-keys */
    uint64_t watch_refused;      /* WATCHes refused one past it */
    uint64_t used_memory_max;    /* peak of the keyspace's used memory */
    XXH3_state_t *trace;
    struct sim_buf expected;     /* scratch: the model's reply */
    bool failed;
    char failure[4096];
};

/* sim_check.c: tracks, the engine observer, reply checks. */
void sim_fail(struct sim_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_trace(struct sim_world *w, uint32_t kind, const void *p, uint64_t n);
struct sim_track *sim_track_new(struct sim_world *w, uint32_t client, uint32_t slot);
struct sim_sent *sim_track_push(struct sim_world *w, struct sim_track *t);
void sim_track_received(struct sim_world *w, struct sim_track *t, const uint8_t *p, uint64_t n);
void sim_track_end(struct sim_world *w, struct sim_track *t, bool reset);
void sim_tracks_reap(struct sim_world *w);
uint32_t sim_track_outstanding(const struct sim_track *t, bool quiet_only);
void sim_on_accept(void *ctx, uint32_t slot);
void sim_on_trace(void *ctx, const void *p, uint32_t n);
void sim_observer_init(struct sim_world *w);
/* Every open connection's session is blocked in the core exactly when the model has
 * it blocked (sim_model_block.c); after every turn. */
void sim_check_blocked(struct sim_world *w);
/* Lost wake-ups in the calm phases: no well-behaved connection's delivered input may
 * wait unread longer than the server's own waits explain (sim_check.c); each tick. */
void sim_check_input_waits(struct sim_world *w);

/* sim_session.c: draws (before the server starts: requirepass), describes, and the
 * clients' session requests (false: none now) and connection setup. */
void sim_session_draw(struct sim_world *w);
uint32_t sim_session_describe(const struct sim_world *w, char *buf, uint32_t cap);
bool sim_session_next(struct sim_world *w, struct sim_client *c, struct sim_req *r);
void sim_session_connect(struct sim_world *w, struct sim_client *c);
/* sim_unauth.c: cuts r to what an unauthenticated client may send; follows AUTH/RESET. */
void sim_unauth_fit(struct sim_world *w, struct sim_client *c, struct sim_req *r);
/* With requirepass, sometimes an AUTH to queue in the open MULTI (true: r holds it). */
bool sim_unauth_in_multi(struct sim_world *w, struct sim_client *c, struct sim_req *r);
/* The error an oversize frame of argc arguments of bulk bytes gets (NULL: silence). */
const char *sim_unauth_oversize_error(const struct sim_client *c, uint64_t argc,
                                      uint64_t bulk);

/* sim_workload_cfg.c: draws (cfg_pm); CLIENT REPLY/PAUSE/LIST/INFO and CONFIG SET
 * requests (false: none now; never inside MULTI). */
void sim_cfg_draw(struct sim_world *w);
bool sim_cfg_next(struct sim_world *w, struct sim_client *c, struct sim_req *r);
void sim_cfg_observe(struct sim_world *w, uint32_t argc, const struct kv_slice *argv,
                     const uint8_t *reply, uint32_t reply_len);

/* sim_client.c: the clients. */
void sim_clients_init(struct sim_world *w);
void sim_clients_tick(struct sim_world *w);
void sim_clients_free(struct sim_world *w);
void sim_clients_leave(struct sim_world *w);
/* For the hostile clients (sim_hostile.c). */
void sim_client_connect(struct sim_world *w, struct sim_client *c);
void sim_client_read(struct sim_world *w, struct sim_client *c);
void sim_client_flush(struct sim_world *w, struct sim_client *c, uint64_t limit);
void sim_client_detach(struct sim_world *w, struct sim_client *c, bool reset_it);

#endif
