#!/bin/bash
# podvisor(8), made from the binary's own help texts, so that the manual
# says what --help says and nothing stale:
#   scripts/mkman.sh build/podvisor >build/podvisor.8
set -eu
bin=$1
version=$("$bin" --version 2>/dev/null | awk 'NR == 1 {print $NF}')
# esc: text -> roff: backslashes, and lines starting with . or '
esc() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
cat <<EOF2
.TH PODVISOR 8 "$(date -u +%Y-%m-%d)" "podvisor ${version:-}" "System Administration"
.SH NAME
podvisor \- run Kubernetes pods, workloads and Services from a directory of YAML, without an API server
.SH SYNOPSIS
.B podvisor
.RB [ \-\-help ]
.RB [ \-\-version ]
.I COMMAND
.RI [ ARGS ...]
.br
.B podvisor daemon \-\-manifests
.I DIR
.RI [ OPTIONS ]
.SH DESCRIPTION
EOF2
"$bin" --help | sed -n '3,/^Commands:/p' | sed '$d' | esc
echo ".SH COMMANDS"
for cmd in check daemon get describe logs exec delete image rollout wait top port-forward version completion; do
	echo ".SS $cmd"
	echo ".nf"
	"$bin" "$cmd" --help 2>&1 | esc
	echo ".fi"
done
cat <<'EOF2'
.SH FILES
.TP
.I /etc/podvisor/node.yaml
The node's settings (\fB\-\-config\fR); every key is a daemon option.
.TP
.I /etc/podvisor/manifests/
The manifests directory of the installed unit (\fB\-\-manifests\fR).
.TP
.I /var/lib/podvisor/
The state directory (\fB\-\-state\fR, \fB$PODVISOR_STATE\fR): pods, images,
logs, the API socket \fIpodvisor.sock\fR, the events.
.SH SIGNALS
The daemon rescans the manifests directory on SIGHUP. SIGTERM, SIGINT and
SIGQUIT end it and leave the pods running for the next daemon to adopt,
unless \fB\-\-shutdown\-pods\-on\-exit\fR is given or the daemon is PID 1:
then every pod is stopped gracefully first (SIGPWR too).
.SH EXIT STATUS
0 on success, 1 when a command fails (for \fBcheck\fR: any error in any
file), 2 on a usage error.
.SH SEE ALSO
.BR kubectl (1),
.BR systemd.service (5),
.BR iptables (8)
EOF2
