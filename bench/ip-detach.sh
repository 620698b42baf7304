#!/bin/bash
# ip-detach.sh NAME - the classic by-hand detach: the host end of the veth
# deleted (which takes its peer with it, synchronously), then the netns.
# bench.sh also times `ip netns del` alone, which leaves the veth for the
# kernel to remove asynchronously, as `cfsnet down` does.
set -e
ip link del "v$1"
ip netns del "$1"
