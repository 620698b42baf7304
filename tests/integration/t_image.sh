# t_image.sh - cfsnet image pack DIR FILE / image unpack FILE DIR: identical
# trees after a round trip, compression by name, hostile archives that
# write nothing outside DIR, clear errors. Hostile archives are written
# here byte by byte (python3, newc), independently of libarchive.

# _img_tree DIR: a tree with every kind of entry, whole-second times.
_img_tree() {
	local d=$1
	mkdir -p "$d/d1/d2/d3" "$d/emptydir" "$d/private"
	printf 'hello\n' >"$d/a.txt"
	head -c 300000 /dev/urandom >"$d/big.bin"
	: >"$d/empty.txt"
	printf 'deep\n' >"$d/d1/d2/d3/deep.txt"
	printf 'k\n' >"$d/private/key"
	printf 's\n' >"$d/secret"
	cp /bin/true "$d/suid"
	ln -s a.txt "$d/link"
	ln -s no/such/target "$d/dangling"
	ln -s /etc/passwd "$d/abs"
	ln -s ../a.txt "$d/d1/up"
	printf 'two\n' >"$d/h1"
	ln "$d/h1" "$d/d1/h2"
	printf 'three\n' >"$d/t1"
	ln "$d/t1" "$d/d1/d2/t2"
	ln "$d/t1" "$d/t3"
	mkfifo "$d/fifo"
	mknod "$d/null" c 1 3
	mknod "$d/loop9" b 7 9
	printf 'theirs\n' >"$d/owned"
	chown 1234:5678 "$d/owned"
	chown -h 4321:8765 "$d/link"
	chmod 0700 "$d/private"
	chmod 0400 "$d/private/key"
	chmod 0600 "$d/secret"
	chmod 4755 "$d/suid"
	chmod 2775 "$d/d1/d2"
	chmod 0000 "$d/empty.txt"
	chmod 0751 "$d"
	find "$d" -depth -exec touch -h -d @1500000000 {} +
}

# _img_list DIR: what must survive a round trip, one sorted line per
# entry (directory sizes left out: they are the file system's business;
# times in whole seconds, as newc keeps them), then the contents'
# checksums and the hard-link groups.
_img_list() {
	(
		cd "$1" || exit 1
		find . \( -type d -printf '%P %y %m - %l %U:%G %T@\n' \) -o \
			-printf '%P %y %m %s %l %U:%G %T@ %n\n' | sed -E 's/ ([0-9]+)\.[0-9]+( |$)/ \1\2/' | sort
		find . -type f -exec md5sum {} + | sort -k2
		find . -type f -links +1 -printf '%i %P\n' | sort -k2 |
			awk '{g[$1] = g[$1] " " $2} END {for (i in g) print "links:" g[i]}' | sort
	)
}

assert_same_tree() { # A B
	local a b d
	a=$(_img_list "$1")
	b=$(_img_list "$2")
	if ! d=$(diff -u <(printf '%s\n' "$a") <(printf '%s\n' "$b")); then
		printf '%s\n' "$d" >&9
		fail "$2 differs from $1: $(grep -E '^[-+][^-+]' <<<"$d" | head -3 | tr '\n' ' ')"
	fi
}

# _img_cpio OUT SPEC...: a newc archive; SPEC is TYPE:NAME[:DATA[:INO[:NLINK]]]
# with TYPE f (file, DATA its contents), d (directory), l (symlink, DATA
# its target) or s (socket). The same INO with NLINK > 1 makes the later
# entry a hard link to the earlier one (the newc way).
_img_cpio() {
	python3 - "$@" <<'EOF'
import sys
out = open(sys.argv[1], 'wb')
def entry(name, mode, data=b'', ino=0, nlink=1):
    name = name.encode() + b'\0'
    fields = (ino, mode, 0, 0, nlink, 1500000000, len(data), 0, 0, 0, 0, len(name), 0)
    h = b'070701' + b''.join(b'%08x' % v for v in fields)
    out.write(h + name + b'\0' * (-(len(h) + len(name)) % 4))
    out.write(data + b'\0' * (-len(data) % 4))
modes = {'f': 0o100644, 'd': 0o40755, 'l': 0o120777, 's': 0o140755}
for i, spec in enumerate(sys.argv[2:]):
    p = spec.split(':')
    data = p[2].encode() if len(p) > 2 else b''
    ino = int(p[3]) if len(p) > 3 and p[3] else 1000 + i
    nlink = int(p[4]) if len(p) > 4 else (2 if p[0] == 'd' else 1)
    entry(p[1], modes[p[0]], data, ino, nlink)
entry('TRAILER!!!', 0)
EOF
}

# _img_state DIR [PARENT]: everything under DIR, for "nothing changed"
# checks. PARENT (relative to DIR) is the target's parent: unpacking into a
# missing target makes its temporary directory there, which changes
# PARENT's time (and nothing else) even when the unpack fails.
_img_state() {
	find "$1" -mindepth 1 -printf '%P %y %m %s %l %T@\n' |
		awk -v p="${2:-}" '$1 == p && $2 == "d" {$NF = "(time of the parent)"} {print}' | sort
	find "$1" -type f -exec md5sum {} + | sort -k2
}

test_image_round_trip_is_identical() {
	local t=$CFS_IT_TMP
	_img_tree "$t/src"
	cfs image pack "$t/src" "$t/root.cpio.gz" >"$t/out.txt"
	assert_match "$(cat "$t/out.txt")" "^packed .* into .*root\.cpio\.gz \(gzip\): [0-9]+ entries" "pack output"
	gzip -t "$t/root.cpio.gz" || fail "root.cpio.gz is not a clean gzip stream"
	# Into a missing directory, and into an existing empty one.
	cfs image unpack "$t/root.cpio.gz" "$t/new" >/dev/null
	assert_same_tree "$t/src" "$t/new"
	mkdir "$t/existing"
	cfs image unpack "$t/root.cpio.gz" "$t/existing" >/dev/null
	assert_same_tree "$t/src" "$t/existing"
	# The hard links are one inode again.
	assert_eq "$(stat -c %i "$t/new/h1")" "$(stat -c %i "$t/new/d1/h2")" "inode of h1 and d1/h2"
	assert_eq 3 "$(stat -c %h "$t/new/t1")" "links of t1"
	# Nothing else appeared beside them.
	assert_eq "existing new out.txt root.cpio.gz src" "$(words "$(ls "$t")")" "files in the test directory"
}

test_image_every_compression() {
	local t=$CFS_IT_TMP ext magic want
	_img_tree "$t/src"
	for ext in cpio cpio.gz gz bz2 cpio.xz zst zstd img; do
		case $ext in
		cpio) want=303730373031 ;;       # "070701"
		bz2) want=425a68 ;;               # "BZh"
		*xz) want=fd377a585a00 ;;
		zst*) want=28b52ffd ;;
		*) want=1f8b ;;                   # gzip: .gz and any other name
		esac
		run_capture cfs image pack "$t/src" "$t/i.$ext"
		if [[ $RC != 0 && $ERR == *"compression is not available"* ]]; then
			log "this libarchive cannot write .$ext: skipped"
			continue
		fi
		[[ $RC == 0 ]] || fail "image pack to i.$ext exited $RC: $(oneline "$ERR")"
		magic=$(od -An -tx1 -N6 "$t/i.$ext" | tr -d ' \n')
		[[ $magic == "$want"* ]] || fail "i.$ext starts with $magic, expected $want"
		cfs image unpack "$t/i.$ext" "$t/out.$ext" >/dev/null
		assert_same_tree "$t/src" "$t/out.$ext"
	done
}

# _img_refused ARCHIVE ENTRY_ERE: unpacking into $H/work/out exits 1 naming
# the entry, and $H (sentinel, target's parent, everything) is unchanged,
# for a missing target and for an existing empty one.
_img_refused() {
	local arch=$1 entry=$2 before existing
	for existing in 0 1; do
		((existing)) && mkdir "$H/work/out"
		before=$(_img_state "$H" work)
		assert_exit 1 cfs image unpack "$arch" "$H/work/out"
		assert_stderr_matches "^cfsnet: image unpack [^:]+: $entry: .*refused"
		assert_eq "$before" "$(_img_state "$H" work)" "$H after unpacking $(basename "$arch")"
		if ((existing)); then
			assert_eq "" "$(ls -A "$H/work/out")" "the existing target"
			rmdir "$H/work/out"
		fi
	done
}

test_image_hostile_archives_write_nothing_outside() {
	H=$CFS_IT_TMP/h
	local S=$H/work/sentinel a=$CFS_IT_TMP/a
	mkdir -p "$S" "$a"
	printf 'root:x:0:0::/root:/bin/sh\n' >"$S/passwd"
	# Absolute paths (with harmless entries first, so something was
	# already extracted when the bad one comes).
	_img_cpio "$a/abs.cpio" "d:etc" "f:etc/ok:fine" "f:$S/pwned:pwned"
	_img_refused "$a/abs.cpio" "$(re_quote "$S/pwned")"
	# "..": the temporary directory sits beside the target, so
	# ../sentinel would reach the sentinel from there.
	_img_cpio "$a/dotdot.cpio" "f:../sentinel/pwned:pwned"
	_img_refused "$a/dotdot.cpio" '\.\./sentinel/pwned'
	_img_cpio "$a/dotdot2.cpio" "d:a" "f:a/../../sentinel/pwned:pwned"
	_img_refused "$a/dotdot2.cpio" 'a/\.\./\.\./sentinel/pwned'
	# A symlink out, then a file written through it.
	_img_cpio "$a/sym.cpio" "l:lnk:$S" "f:lnk/pwned:pwned"
	_img_refused "$a/sym.cpio" 'lnk/pwned'
	_img_cpio "$a/symrel.cpio" "l:lnk:../sentinel" "f:lnk/passwd:pwned"
	_img_refused "$a/symrel.cpio" 'lnk/passwd'
	# A directory swapped for a symlink after it was checked.
	_img_cpio "$a/swap.cpio" "d:d" "l:d:$S" "f:d/pwned:pwned"
	_img_refused "$a/swap.cpio" 'd'
	# Hard links to the "passwd" outside (newc: same inode number, the
	# later entry carries the data) and to a symlink pointing there.
	_img_cpio "$a/hard.cpio" "f:$S/passwd::7:2" "f:evil:pwned:7:2"
	_img_refused "$a/hard.cpio" "$(re_quote "$S/passwd")"
	_img_cpio "$a/hardrel.cpio" "f:../sentinel/passwd::7:2" "f:evil:pwned:7:2"
	_img_refused "$a/hardrel.cpio" '\.\./sentinel/passwd'
	_img_cpio "$a/hardsym.cpio" "l:lnk:$S/passwd:9:2" "f:evil:pwned:9:2"
	_img_refused "$a/hardsym.cpio" 'evil'
	# The root as a symlink; a socket.
	_img_cpio "$a/root.cpio" "l:.:$S"
	_img_refused "$a/root.cpio" '\.'
	_img_cpio "$a/sock.cpio" "s:sock"
	_img_refused "$a/sock.cpio" 'sock'
	assert_eq 'root:x:0:0::/root:/bin/sh' "$(cat "$S/passwd")" "the sentinel passwd"
	# The same archives, compressed, are refused the same way.
	gzip -k "$a/sym.cpio"
	_img_refused "$a/sym.cpio.gz" 'lnk/pwned'
}

test_image_symlink_replaced_by_file_is_safe() {
	local t=$CFS_IT_TMP
	mkdir "$t/sentinel"
	printf 'orig\n' >"$t/sentinel/passwd"
	_img_cpio "$t/a.cpio" "l:lnk:$t/sentinel/passwd" "f:lnk:mine"
	cfs image unpack "$t/a.cpio" "$t/out" >/dev/null
	assert_eq orig "$(cat "$t/sentinel/passwd")" "the sentinel passwd"
	[[ -f $t/out/lnk && ! -L $t/out/lnk ]] || fail "out/lnk is not a regular file"
	assert_eq mine "$(cat "$t/out/lnk")" "out/lnk"
}

test_image_unpack_rejects_non_archives() {
	local t=$CFS_IT_TMP
	printf 'just text\n' >"$t/junk"
	assert_exit 1 cfs image unpack "$t/junk" "$t/out"
	assert_stderr_matches "^cfsnet: image unpack [^:]*junk: not a cpio archive"
	[[ ! -e $t/out ]] || fail "out was created"
	: >"$t/empty"
	assert_exit 1 cfs image unpack "$t/empty" "$t/out"
	assert_stderr_matches "not a cpio archive"
	tar -C /etc -cf "$t/x.tar" hostname
	assert_exit 1 cfs image unpack "$t/x.tar" "$t/out"
	assert_stderr_matches "not a cpio archive"
	# Cut in the middle: nothing of it stays.
	mkdir "$t/src"
	head -c 100000 /dev/urandom >"$t/src/a"
	head -c 100000 /dev/urandom >"$t/src/b"
	cfs image pack "$t/src" "$t/cut.cpio" >/dev/null
	truncate -s -50000 "$t/cut.cpio"
	assert_exit 1 cfs image unpack "$t/cut.cpio" "$t/out"
	assert_cfsnet_error
	assert_exit 1 cfs image unpack "$t/nonexistent.cpio" "$t/out"
	assert_stderr_matches "nonexistent\.cpio: No such file or directory"
	[[ ! -e $t/out ]] || fail "out was created"
	assert_eq "cut.cpio empty junk src x.tar" "$(words "$(ls -A "$t")")" "files in the test directory"
}

test_image_bad_usage_and_targets() {
	local t=$CFS_IT_TMP
	mkdir "$t/src" "$t/full"
	printf 'x\n' >"$t/src/f"
	printf 'keep\n' >"$t/full/mine"
	assert_exit 2 cfs image
	assert_exit 2 cfs image bogus
	assert_exit 2 cfs image pack
	assert_exit 2 cfs image pack "$t/src"
	assert_exit 2 cfs image pack "$t/src" "$t/a" extra
	assert_exit 2 cfs image pack --bogus "$t/src" "$t/a"
	assert_exit 2 cfs image unpack "$t/a"
	assert_exit 2 cfs image pack "" "$t/a"
	assert_cfsnet_error
	assert_exit 0 cfs image --help
	assert_contains "$OUT" "image pack DIR FILE"
	assert_exit 1 cfs image pack "$t/missing" "$t/a.cpio"
	assert_stderr_matches "^cfsnet: image pack [^:]*missing: .*No such file or directory"
	[[ ! -e $t/a.cpio ]] || fail "a.cpio was created"
	cfs image pack "$t/src" "$t/a.cpio" >/dev/null
	# A non-empty target is refused and left alone.
	assert_exit 1 cfs image unpack "$t/a.cpio" "$t/full"
	assert_stderr_matches "full: directory not empty"
	assert_eq "mine" "$(ls -A "$t/full")" "the non-empty target"
	assert_exit 1 cfs image unpack "$t/a.cpio" "$t/full/mine"
	assert_stderr_matches "Not a directory"
	# Options end at "--": a FILE named like an option.
	cp "$t/a.cpio" "$t/-x.cpio"
	cfs image unpack -- "$t/-x.cpio" "$t/dashed" >/dev/null
	[[ -f $t/dashed/f ]] || fail "unpack -- -x.cpio did not unpack"
}

test_image_pack_failure_leaves_old_file() {
	local t=$CFS_IT_TMP before
	mkdir -p "$t/src/sub" "$t/out"
	printf 'x\n' >"$t/src/sub/f"
	printf 'old archive\n' >"$t/out/img.cpio.gz"
	# Before 1970: newc cannot store it.
	touch -d @-1 "$t/src/sub/f"
	before=$(_img_state "$t/out")
	assert_exit 1 cfs image pack "$t/src" "$t/out/img.cpio.gz"
	assert_stderr_matches "^cfsnet: image pack [^:]*src: sub/f: modification time outside"
	assert_eq "$before" "$(_img_state "$t/out")" "the output directory after a failed pack"
}

# A busybox tree still runs after pack -> unpack (chroot; and `cfsnet run`
# when this build has it).
test_image_unpacked_busybox_runs() {
	local t=$CFS_IT_TMP bb a
	bb=$(command -v busybox) || fail "no busybox on this machine"
	ldd "$bb" >/dev/null 2>&1 && fail "$bb is not static: install busybox-static"
	mkdir -p "$t/root/bin" "$t/root/proc" "$t/root/tmp"
	cp "$bb" "$t/root/bin/busybox"
	for a in sh true echo cat ls; do ln -s busybox "$t/root/bin/$a"; done
	ln "$t/root/bin/busybox" "$t/root/bin/hardsh"
	cfs image pack "$t/root" "$t/root.cpio.zst" >/dev/null
	cfs image unpack "$t/root.cpio.zst" "$t/copy" >/dev/null
	assert_same_tree "$t/root" "$t/copy"
	assert_eq "ok" "$(chroot "$t/copy" /bin/sh -c 'echo ok')" "sh in the unpacked tree"
	chroot "$t/copy" /bin/true || fail "/bin/true in the unpacked tree failed"
	# (An unknown command exits 2: then this build has no `run` yet.)
	if "$CFSNET" run --help >/dev/null 2>&1; then
		cfs run imgtest --rootfs "$t/copy" -- /bin/true || fail "cfsnet run -- /bin/true failed"
	else
		log "this build has no 'cfsnet run': checked with chroot only"
	fi
}
