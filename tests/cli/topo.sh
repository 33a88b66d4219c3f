#!/bin/sh
# topo.sh: `dmlhog topo` prints the topology and the placement plan; plans
# for simulated machines say so; bad topologies are usage errors (64) or
# missing input (66), never a silent plan for this machine; an inherited
# mask (taskset) is never escaped.
. "${top_srcdir:-.}/tests/cli/lib.sh"

unset HWLOC_SYNTHETIC HWLOC_XMLFILE DMLHOG_THREADS OMP_NUM_THREADS SLURM_CPUS_PER_TASK DMLHOG_BIND
SYN="package:2 numa:2 core:2 pu:2"

# hwloc_distrib scatters 4 threads over the packages, then the nodes.
run "$DMLHOG" topo --topology "$SYN" --threads 4 --bind spread
exit_is 0 "topo --topology '$SYN' --bind spread"
sed -n '/^thread /p' "$T/out" >"$T/plan"
cat >"$T/want" <<'EOF'
thread 0  pu 0  core 0  numa 0  package 0  replica 0  mask 0x00000001
thread 1  pu 4  core 2  numa 1  package 0  replica 0  mask 0x00000010
thread 2  pu 8  core 4  numa 2  package 1  replica 0  mask 0x00000100
thread 3  pu 12  core 6  numa 3  package 1  replica 0  mask 0x00001000
EOF
is "$(cat "$T/plan")" "$(cat "$T/want")" "spread plan: one thread per NUMA node, packages 0,0,1,1"
has "$T/out" "machine: 2 packages, 4 NUMA nodes, 8 cores, 16 PUs" "the topology's counts"
has "$T/out" "numa 2: package 1, cores 4-5, pus 8-11, cpus 8-11, os 2" "a NUMA node line"
has "$T/out" "binding: plan only (simulated topology)" "a synthetic topology is plan only"
is "$(cat "$T/err")" "" "nothing on stderr"

# replicas node: one per NUMA node that has a thread
run "$DMLHOG" topo --topology "$SYN" --threads 6 --bind numa --replicas node
has "$T/out" "replicas node (4 on numa 0,1,2,3)" "--replicas node: 4 replicas for 4 nodes"
has "$T/out" "thread 5  pu 6  core 3  numa 1  package 0  replica 1  mask 0x000000f0" "thread 5 floats in node 1"

# --threads auto: the simulated machine's PUs (cores with --no-smt)
run "$DMLHOG" topo --topology "$SYN" --threads auto --no-smt
is "$(grep -c '^thread ' "$T/out")" 8 "--threads auto --no-smt: one thread per core (8)"
run "$DMLHOG" topo --topology "$SYN" --threads 20
has "$T/err" "warning: 20 threads on 16 PUs" "oversubscription is warned about"
has "$T/out" "oversubscribed" "and shown in the plan line"

# The environment: HWLOC_SYNTHETIC is a simulated machine, DMLHOG_THREADS counts
run env HWLOC_SYNTHETIC="$SYN" DMLHOG_THREADS=3 "$DMLHOG" topo
exit_is 0 "HWLOC_SYNTHETIC=... dmlhog topo"
has "$T/out" "topology: synthetic '$SYN' (simulated)" "HWLOC_SYNTHETIC is reported as simulated"
has "$T/out" "plan only (simulated topology)" "and planned only"
has "$T/out" "plan: 3 threads (from DMLHOG_THREADS)" "DMLHOG_THREADS sets the thread count"
run env HWLOC_SYNTHETIC="package:2 nonsense:4" "$DMLHOG" topo
exit_is 64 "a malformed HWLOC_SYNTHETIC"
has "$T/err" "HWLOC_SYNTHETIC='package:2 nonsense:4': not a valid hwloc synthetic description" "names the variable"
is "$(cat "$T/out")" "" "and plans nothing (not this machine instead)"
run env HWLOC_XMLFILE="$top_srcdir/tests/topo/two-socket-ht.xml" "$DMLHOG" topo --threads 2 --no-smt --bind compact
has "$T/out" "thread 1  pu 2  core 1  numa 0  package 0  replica 0  mask 0x00000002" "HWLOC_XMLFILE: P#0/P#16 siblings, --no-smt skips P#16"

# Errors
run "$DMLHOG" topo --topology "package:2 bogus:2"
exit_is 64 "a bad --topology"
has "$T/err" "--topology='package:2 bogus:2': not a valid hwloc synthetic description" "quoted in the message"
is "$(cat "$T/out")" "" "and nothing planned"
run "$DMLHOG" topo --topology "$T/absent.xml"
exit_is 66 "a missing XML topology file"
run "$DMLHOG" topo --bind sideways
exit_is 64 "a bad --bind"
has "$T/err" "--bind=sideways: expected auto|inherit|compact|spread|numa|none" "lists the policies"
run "$DMLHOG" topo --replicas socket
exit_is 64 "a bad --replicas"
run "$DMLHOG" topo --threads 0
exit_is 64 "--threads 0"
run "$DMLHOG" topo extra
exit_is 64 "an unexpected argument"

# JSON: one object, the plan as an array
run "$DMLHOG" topo --topology "$SYN" --threads 2 --bind numa --replicas thread --json
exit_is 0 "--json"
if have_python; then
	is "$(json_get n_replicas)" 2 "JSON: n_replicas"
	is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["topology"]["numa_nodes"], d["plan"][1]["numa"], d["plan"][1]["mask"])' "$T/out")" \
		"4 1 0x000000f0" "JSON: topology and plan"
else
	skip "python3 not installed (JSON checks)"
	skip "python3 not installed (JSON checks)"
fi

# This machine: never escape an inherited mask
run "$DMLHOG" topo
exit_is 0 "dmlhog topo on this machine"
has "$T/out" "topology: this machine" "this machine is not simulated"
# libgomp binds the main thread to the first OpenMP place when OMP_PLACES
# is set; the plan must still see the whole mask.
pus=$(grep -c '^thread ' "$T/out")
run env OMP_PLACES=cores OMP_PROC_BIND=close "$DMLHOG" topo --threads auto
is "$(grep -c '^thread ' "$T/out")" "$pus" "OMP_PLACES/OMP_PROC_BIND do not shrink the mask ($pus PUs)"
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
	run taskset -c 0 "$DMLHOG" topo --threads auto
	exit_is 0 "taskset -c 0 dmlhog topo --threads auto"
	is "$(grep -c '^thread ' "$T/out")" 1 "plans 1 thread under taskset -c 0"
	has "$T/out" "restricted to cpus 0" "says the mask is restricted"
	has "$T/out" "bind inherit (auto)" "bind auto is inherit under a restricted mask"
	has "$T/out" "thread 0  pu 0  core 0  numa 0  package 0  replica 0  mask inherit" "the plan line"
else
	for i in 1 2 3 4 5; do skip "taskset not available"; done
fi

done_testing
