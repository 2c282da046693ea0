/*
 * sim.h: entry point of the deterministic simulator (sim/), which runs the real
 * core (server, engine, keyspace) over a simulated io, clock and network driven by
 * one seed. src/main.c calls it for `kv sim ...`; nothing else in src/ knows sim/.
 */
#ifndef KV_SIM_H
#define KV_SIM_H

int kv_sim_main(int argc, char **argv);

#endif
