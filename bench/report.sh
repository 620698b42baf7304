#!/bin/bash
# report.sh DIR - turns the raw data bench.sh left in DIR into the table
# (stdout and DIR/summary.txt), DIR/bench.json and DIR/per-container.png.
# Medians throughout; ratios are of medians of the same run, but for the
# datapath's (the median of each round's paired ratio).
set -u
R=${1:?usage: report.sh DIR}
cd "$R" || exit 1

# median of the values of KEY in raw.txt (microseconds or Mbit/s)
med() {
	awk -v k="$1" '$1 == k {print $2}' raw.txt | sort -n |
		awk '{a[NR] = $1} END {if (!NR) print "nan"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
# median of SYSTEM's sweep cost over containers FROM..TO
smed() {
	awk -v s="$1" -v f="$2" -v t="$3" '$1 == s && $2 >= f && $2 <= t {print $3}' sweep.txt | sort -n |
		awk '{a[NR] = $1} END {if (!NR) print "nan"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
ms() { awk -v v="$1" 'BEGIN {if (v == "nan") print "nan"; else printf "%.2f", v / 1000}'; }
calc() { awk "BEGIN {x = $1; printf \"%.2f\", x}" 2>/dev/null || echo nan; }

declare -A M
for k in cfsnet_attach cfsnet_detach ip_attach ip_detach ip_detach_netns cni_netns cni_add cni_del cni_netns_del \
	run_cfsnet run_crun run_unshare sweep_cfsnet_detach sweep_ip_detach sweep_cni_del \
	sweep_cni_netns_del; do
	M[$k]=$(med $k)
done
for k in dp_cfsnet dp_hand dp_loopback; do M[$k]=$(med $k); done
# The datapath goal: the median of each round's ratio (cfsnet / by hand,
# the two runs of a round back to back), which the machine's slow drift
# in throughput does not move as it moves the two medians.
dp_ratio=$(awk '$1 == "dp_cfsnet" {c[++nc] = $2} $1 == "dp_hand" {h[++nh] = $2}
	END {n = nc < nh ? nc : nh; m = 0
		for (i = 1; i <= n; i++) if (h[i] > 0) r[++m] = c[i] / h[i]
		if (!m) {print "nan"; exit}
		for (i = 2; i <= m; i++) {v = r[i]; j = i - 1; while (j > 0 && r[j] > v) {r[j + 1] = r[j]; j--} r[j + 1] = v}
		printf "%.2f", (m % 2) ? r[(m + 1) / 2] : (r[m / 2] + r[m / 2 + 1]) / 2}' raw.txt)
cni_attach=$(calc "${M[cni_netns]} + ${M[cni_add]}")
cni_detach=$(calc "${M[cni_del]} + ${M[cni_netns_del]}")
N=$(awk '$1 == "cfsnet" {n = $2} END {print n + 0}' sweep.txt 2>/dev/null)
declare -A F L
for s in cfsnet ip cni cfsnet_solo; do
	F[$s]=$(smed $s 1 50)
	L[$s]=$(smed $s $((N - 49)) "$N")
done
rules() { awk -v s="$1" -v n="$N" '$2 == s {printf "%.2f", ($4 - $3) / (n ? n : 1)}' rules.txt; }

# goal rows: name|ratio|op|target
goals=(
	"attach vs the ip walkthrough|$(calc "${M[ip_attach]} / ${M[cfsnet_attach]}")|>=|10"
	"attach vs CNI ADD (+ its netns)|$(calc "$cni_attach / ${M[cfsnet_attach]}")|>=|6"
	"detach vs the ip walkthrough|$(calc "${M[ip_detach]} / ${M[cfsnet_detach]}")|>=|5"
	"detach vs ip netns del alone (for information)|$(calc "${M[ip_detach_netns]} / ${M[cfsnet_detach]}")|info|0"
	"detach vs CNI DEL (+ its netns)|$(calc "$cni_detach / ${M[cfsnet_detach]}")|>=|5"
	"N=$N: last 50 / first 50, cfsnet alone|$(calc "${L[cfsnet_solo]} / ${F[cfsnet_solo]}")|<=|1.3"
	"N=$N: last 50 / first 50, cfsnet in turns with ip and CNI|$(calc "${L[cfsnet]} / ${F[cfsnet]}")|<=|1.3"
	"firewall rules per container, cfsnet|$(rules cfsnet)|<=|0"
	"run /bin/true vs unshare + chroot|$(calc "${M[run_cfsnet]} / ${M[run_unshare]}")|<=|1.3"
	"run /bin/true vs crun|$(calc "${M[run_cfsnet]} / ${M[run_crun]}")|<=|0.5"
	"datapath through cfsnet's link vs by hand (median of round ratios)|$dp_ratio|>=|0.95"
)
met() { awk -v r="$1" -v op="$2" -v t="$3" 'BEGIN {if (op == "info") print "-"; else if (r == "nan") print "?"; else if (op == ">=") print (r + 0 >= t + 0) ? "yes" : "NO"; else print (r + 0 <= t + 0) ? "yes" : "NO"}'; }

{
	echo "cfsnet benchmark - medians, one private world, peers in turns"
	sed 's/^/  /' env.txt
	echo
	printf '| %-44s | %9s | %9s | %9s | %9s | %9s |\n' "work (ms; datapath Mbit/s)" cfsnet ip CNI crun unshare
	printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" ----------- ----------- ----------- ----------- -----------
	row() { printf '| %-44s | %9s | %9s | %9s | %9s | %9s |\n' "$@"; }
	row "attach one container" "$(ms "${M[cfsnet_attach]}")" "$(ms "${M[ip_attach]}")" \
		"$(ms "$cni_attach")" - -
	row "  CNI: ip netns add + ADD" - - "$(ms "${M[cni_netns]}")+$(ms "${M[cni_add]}")" - -
	row "detach one container" "$(ms "${M[cfsnet_detach]}")" "$(ms "${M[ip_detach]}")" \
		"$(ms "$cni_detach")" - -
	row "  CNI: DEL + ip netns del" - - "$(ms "${M[cni_del]}")+$(ms "${M[cni_netns_del]}")" - -
	row "  ip: ip netns del alone (veth left async)" - "$(ms "${M[ip_detach_netns]}")" - - -
	row "attach, N=$N: first 50" "$(ms "${F[cfsnet]}")" "$(ms "${F[ip]}")" "$(ms "${F[cni]}")" - -
	row "attach, N=$N: last 50" "$(ms "${L[cfsnet]}")" "$(ms "${L[ip]}")" "$(ms "${L[cni]}")" - -
	row "attach, N=$N, cfsnet alone: first / last 50" "$(ms "${F[cfsnet_solo]}")/$(ms "${L[cfsnet_solo]}")" - - - -
	row "detach at N=$N (command only)" "$(ms "${M[sweep_cfsnet_detach]}")" \
		"$(ms "${M[sweep_ip_detach]}")" \
		"$(ms "$(calc "${M[sweep_cni_del]} + ${M[sweep_cni_netns_del]}")")" - -
	row "firewall rules added per container" "$(rules cfsnet)" "$(rules ip)" "$(rules cni)" - -
	row "start /bin/true in a busybox root" "$(ms "${M[run_cfsnet]}")" - - \
		"$(ms "${M[run_crun]}")" "$(ms "${M[run_unshare]}")"
	row "datapath container -> bridge" "${M[dp_cfsnet]}" "${M[dp_hand]}" - - -
	row "  loopback, for reference" "${M[dp_loopback]}" - - - -
	echo
	printf '| %-58s | %7s | %-6s | %-4s |\n' goal ratio target met
	printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" --------- -------- ------
	for g in "${goals[@]}"; do
		IFS='|' read -r name ratio op target <<<"$g"
		printf '| %-58s | %7s | %-6s | %-4s |\n' "$name" "$ratio" "$op $target" \
			"$(met "$ratio" "$op" "$target")"
	done
	if [ -s errors.txt ]; then
		echo
		echo "errors ($(wc -l <errors.txt) lines, first 5; all in errors.txt):"
		head -5 errors.txt | sed 's/^/  /'
	fi
} | tee summary.txt

# ---- JSON ---------------------------------------------------------------------------
jnum() { [ "$1" = nan ] && echo null || echo "$1"; }
{
	echo "{"
	echo '  "env": {'
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' env.txt |
		awk '{i = index($0, ": "); k = i ? substr($0, 1, i - 1) : "note " NR; v = i ? substr($0, i + 2) : $0
			printf "%s    \"%s\": \"%s\"", (NR > 1 ? ",\n" : ""), k, v} END {print ""}'
	echo '  },'
	echo '  "median_us": {'
	first=1
	for k in "${!M[@]}"; do
		[[ $k == dp_* ]] && continue
		[ $first = 1 ] || echo ","
		printf '    "%s": %s' "$k" "$(jnum "${M[$k]}")"
		first=0
	done
	echo
	echo '  },'
	printf '  "datapath_mbit_s": {"cfsnet": %s, "hand": %s, "loopback": %s},\n' \
		"$(jnum "${M[dp_cfsnet]}")" "$(jnum "${M[dp_hand]}")" "$(jnum "${M[dp_loopback]}")"
	printf '  "sweep": {"n": %s' "$N"
	for s in cfsnet ip cni cfsnet_solo; do
		printf ', "%s": {"first50_us": %s, "last50_us": %s}' "$s" "$(jnum "${F[$s]}")" "$(jnum "${L[$s]}")"
	done
	echo "},"
	printf '  "rules_per_container": {"cfsnet": %s, "ip": %s, "cni": %s},\n' \
		"$(rules cfsnet)" "$(rules ip)" "$(rules cni)"
	echo '  "goals": ['
	n=0
	for g in "${goals[@]}"; do
		IFS='|' read -r name ratio op target <<<"$g"
		[ $n -gt 0 ] && echo ","
		printf '    {"goal": "%s", "ratio": %s, "op": "%s", "target": %s, "met": %s}' \
			"$name" "$(jnum "$ratio")" "$op" "$target" \
			"$([ "$(met "$ratio" "$op" "$target")" = yes ] && echo true || echo false)"
		n=$((n + 1))
	done
	echo
	echo "  ]"
	echo "}"
} >bench.json

# ---- the plot: per-container cost against N (median of each 20) ------------------
awk '{print $1, int(($2 - 1) / 20), $3}' sweep.txt | sort -k1,1 -k2,2n -k3,3n |
	awk 'function flush() { if (n) m[key] = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2; n = 0 }
	{ k = $1 " " $2; if (k != key) { flush(); key = k }; a[++n] = $3; if ($2 > nb) nb = $2 }
	END {
		flush()
		split("cfsnet cfsnet_solo ip cni", sys, " ")
		for (j = 0; j <= nb; j++) {
			printf "%d", j * 20 + 10
			for (x = 1; x <= 4; x++)
				printf " %s", ((sys[x] " " j) in m) ? m[sys[x] " " j] / 1000 : "NaN"
			printf "\n"
		}
	}' >per-container.dat
if command -v gnuplot >/dev/null; then
	gnuplot <<EOF
set terminal pngcairo size 900,540 font ",11"
set output "per-container.png"
set title "Attaching one more container to a bridge of N (median of each 20; $(nproc) CPUs)"
set xlabel "N (containers already on the network)"
set ylabel "ms per container"
set logscale y
set grid
set key top left
plot "per-container.dat" using 1:4 with linespoints pt 7 ps 0.5 title "ip walkthrough", \
     "per-container.dat" using 1:5 with linespoints pt 5 ps 0.5 title "CNI bridge (ip netns add + ADD)", \
     "per-container.dat" using 1:2 with linespoints pt 9 ps 0.5 title "cfsnet up (in turns with the others)", \
     "per-container.dat" using 1:3 with linespoints pt 11 ps 0.5 title "cfsnet up (alone)"
EOF
fi
