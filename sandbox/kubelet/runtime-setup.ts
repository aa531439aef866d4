// Shell scripts that build a container root and start a process in it.
//
// The container is `unshare --mount --propagation private -- /bin/sh -c <setup script>`; the script mounts an
// overlay of the host root (lower "/", upper in the container's state dir), /proc, a small /dev, the volumes,
// then `exec env -i <env> chroot <root> /bin/sh -c <start script>`, which checks the executable and execs it.
// Every step is an exec, so the spawned pid IS the container process. Progress goes to fd 3:
//   "ns mnt:[…]\n"  then  "ok\n" (about to exec the command) | "err <message>" | "notfound <message>".
// After the "ns" line the script waits for "go\n" on stdin: the runtime first pins the namespace (an open fd on
// /proc/<pid>/ns/mnt), because it later finds the container's processes by namespace id, and ids are reused.

import { realpathSync } from "node:fs";
import { posix } from "node:path";

export interface SetupMount {
  source: string; // host path
  target: string; // absolute path inside the container, symlinks already resolved
  readOnly: boolean;
}

export interface SetupPlan {
  rootfs: string;
  upper: string;
  work: string;
  hostname?: string;
  mounts: SetupMount[];
  env: Record<string, string>;
  workingDir: string;
  argv: string[];
}

/** Quotes a string for POSIX sh. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Where `p` (absolute, inside the container) really lands, symlinks resolved as the container sees them. The
 * container's lower layer is the host root, so resolving on the host gives the same answer; it keeps `mkdir -p`
 * from following an absolute symlink (/var/run -> /run) out of the container root onto the host.
 */
export function resolveContainerPath(p: string): string {
  if (!p.startsWith("/")) throw new Error(`path ${JSON.stringify(p)} must be absolute`);
  let existing = posix.normalize(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return posix.join(realpathSync(existing), ...rest.reverse());
    } catch {
      if (existing === "/") return posix.join("/", ...rest.reverse());
      rest.push(posix.basename(existing));
      existing = posix.dirname(existing);
    }
  }
}

/** Checks that "$1" names an executable (as exec would find it), reporting "notfound …" on fd 3 otherwise. */
const CHECK_EXECUTABLE = `case $1 in
  */*) if [ ! -f "$1" ] || [ ! -x "$1" ]; then printf 'notfound exec: "%s": stat %s: no such file or directory' "$1" "$1" >&3; exit 127; fi ;;
  *) p=; IFS=:; for d in $PATH; do if [ -f "$d/$1" ] && [ -x "$d/$1" ]; then p=$d/$1; break; fi; done; unset IFS
     if [ -z "$p" ]; then printf 'notfound exec: "%s": executable file not found in $PATH' "$1" >&3; exit 127; fi ;;
esac`; // a PATH search like the runtime's (not \`command -v\`, which names shell builtins such as echo or test)

/** Runs inside the container root: `sh -c START sh <workingDir> <argv…>`. */
export function startScript(keepPwd: boolean): string {
  return `wd=$1; shift
if ! cd "$wd" 2>/dev/null; then
  mkdir -p "$wd" 2>/dev/null && cd "$wd" || { printf 'err chdir to cwd (%s) set in config.json failed: no such file or directory' "$wd" >&3; exit 128; }
fi
${CHECK_EXECUTABLE}
${keepPwd ? "" : "unset PWD OLDPWD"}
printf 'ok\\n' >&3
exec 3>&-
exec "$@"`;
}

/** Runs inside the container via nsenter: `sh -c EXEC sh <name to check> <argv…>`. */
export function execScript(keepPwd: boolean): string {
  return `c=$1; shift
set -- "$c" "$@"
${CHECK_EXECUTABLE}
shift
${keepPwd ? "" : "unset PWD OLDPWD"}
printf 'ok\\n' >&3
exec 3>&-
exec "$@"`;
}

export function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** The setup script run by `unshare --mount --propagation private [--uts] -- /bin/sh -c`. */
export function setupScript(plan: SetupPlan): string {
  const q = shQuote;
  const M = "$M";
  const lines: string[] = [
    `M=${q(plan.rootfs)}`,
    `fail() { printf 'err %s' "$1" >&3; exit 128; }`,
    `run() { out=$("$@" 2>&1) || fail "$out"; }`,
    // Announce the namespace and wait until the runtime holds it open (so its id cannot be reused under us).
    `printf 'ns %s\\n' "$(readlink /proc/$$/ns/mnt)" >&3`,
    `read -r go && [ "$go" = go ] || exit 1`,
    `exec </dev/null`,
    `run mount -t overlay overlay -o ${q(`lowerdir=/,upperdir=${plan.upper},workdir=${plan.work}`)} "$M"`,
    `run mount -t proc proc "${M}/proc"`,
    `run mount -t tmpfs -o mode=755,nosuid tmpfs "${M}/dev"`,
    `for d in null zero full random urandom tty; do [ -e "/dev/$d" ] || continue; : > "${M}/dev/$d" && run mount --bind "/dev/$d" "${M}/dev/$d"; done`,
    // A private devpts instance, as runc does (the host's, bound, if the kernel refuses).
    `mkdir "${M}/dev/pts" "${M}/dev/shm"`,
    `mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "${M}/dev/pts" 2>/dev/null || run mount --bind /dev/pts "${M}/dev/pts"`,
    `run mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "${M}/dev/shm"`,
    `ln -s pts/ptmx "${M}/dev/ptmx" && ln -s /proc/self/fd "${M}/dev/fd" && ln -s /proc/self/fd/0 "${M}/dev/stdin" && ln -s /proc/self/fd/1 "${M}/dev/stdout" && ln -s /proc/self/fd/2 "${M}/dev/stderr"`,
    `mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "${M}/sys" 2>/dev/null || :`,
  ];
  for (const m of plan.mounts) {
    const src = q(m.source);
    const dst = `"${M}"${q(m.target)}`;
    lines.push(
      `[ -e ${src} ] || fail ${q(`hostPath ${m.source} for mount ${m.target} does not exist`)}`,
      `if [ -d ${src} ]; then run mkdir -p ${dst}; else run mkdir -p "$(dirname ${dst})"; [ -e ${dst} ] || run touch ${dst}; fi`,
      `run mount --bind ${src} ${dst}`,
    );
    if (m.readOnly) lines.push(`run mount -o remount,bind,ro ${dst}`);
  }
  if (plan.hostname !== undefined) lines.push(`run hostname ${q(plan.hostname)}`);
  const keepPwd = "PWD" in plan.env;
  lines.push(
    `exec env -i -- ${envArgs(plan.env).map(q).join(" ")} chroot "$M" /bin/sh -c ${q(startScript(keepPwd))} sh ${q(plan.workingDir)} ${plan.argv.map(q).join(" ")}`,
  );
  return lines.join("\n");
}
