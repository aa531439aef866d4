// The copy pod's work (an existing PVC's restore): make `to` an exact copy of `from` — files, directories, symlinks
// and hard links with their owner, mode and times; entries of `to` that `from` lacks are removed first (freeing space
// before anything is written). `to` itself is kept (it gets the owner, mode and times of `from`), and so is each
// `keepAtRoot` entry (lost+found) at the root of either tree. Pure node fs; files are copied by the kernel
// (copyFile: copy_file_range/sendfile), never read into memory, each to a temporary name then renamed over the old.
// Every file is rewritten, unless `quickCheck` lets one whose size and mtime match stay (rsync's quick check): a
// restore must not trust a file that was changed in place with its size and mtime kept.
import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { chmod, copyFile, lchown, link, lstat, lutimes, mkdir, readdir, readlink, rename, rmdir, stat, symlink, unlink, utimes } from "node:fs/promises";
import { join, resolve, sep } from "node:path";

export interface CopyOptions {
  /** Aborting stops the copy at the next entry (it throws). */
  signal?: AbortSignal;
  /** Names at the root of both trees that are neither copied nor removed. Default: lost+found. */
  keepAtRoot?: readonly string[];
  /** Leave a file whose size and mtime match as it is. Default false: a restore rewrites every file. */
  quickCheck?: boolean;
}

export interface CopyCounts {
  /** Regular files of `from`, now in `to` (hard links count once per name). */
  files: number;
  /** Their bytes (a hard link's once). */
  bytes: number;
  /** Entries of `to` removed: absent from `from`, or of another type (a directory's contents count one each). */
  removed: number;
  /** Of `files`: already identical (size and mtime), not rewritten. */
  unchanged: number;
  /** Sockets, fifos and devices of `from`: node cannot create them. */
  skipped: number;
}

type Kind = "file" | "dir" | "symlink";

const kindOf = (st: Stats): Kind | undefined => (st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : undefined);

const TEMP_PREFIX = ".rafdir-copy.";

export async function copyTree(from: string, to: string, opts: CopyOptions = {}): Promise<CopyCounts> {
  const src = resolve(from);
  const dst = resolve(to);
  if (src === dst || dst.startsWith(src + sep) || src.startsWith(dst + sep)) throw new Error(`cannot copy ${src} to ${dst}: one contains the other`);
  const root = await stat(src);
  if (!root.isDirectory()) throw new Error(`${src} is not a directory`);
  const existing = await lstatOrUndefined(dst);
  if (existing === undefined) await mkdir(dst, { recursive: true, mode: 0o700 });
  else if (!existing.isDirectory()) throw new Error(`${dst} is not a directory`);
  const copier = new Copier(opts);
  await copier.dir(src, dst, true);
  await setMetadata(dst, root);
  return copier.counts;
}

class Copier {
  readonly counts: CopyCounts = { files: 0, bytes: 0, removed: 0, unchanged: 0, skipped: 0 };
  readonly #keep: ReadonlySet<string>;
  readonly #quick: boolean;
  readonly #signal: AbortSignal | undefined;
  /** Hard links of `from` (dev:ino) → the first copy's path and inode in `to`. */
  readonly #links = new Map<string, { path: string; ino: number }>();

  constructor(opts: CopyOptions) {
    this.#keep = new Set(opts.keepAtRoot ?? ["lost+found"]);
    this.#quick = opts.quickCheck ?? false;
    this.#signal = opts.signal;
  }

  /** Syncs the contents of directory `dst` with `src`; the caller sets `dst`'s own metadata afterwards. */
  async dir(src: string, dst: string, root: boolean): Promise<void> {
    const kept = (name: string) => root && this.#keep.has(name);
    const names = (await readdir(src)).filter((n) => !kept(n)).sort();
    const wanted = new Set(names);
    for (const name of (await readdir(dst)).sort()) {
      if (!kept(name) && !wanted.has(name)) await this.remove(join(dst, name));
    }
    for (const name of names) await this.entry(join(src, name), join(dst, name));
  }

  async entry(src: string, dst: string): Promise<void> {
    if (this.#signal?.aborted) throw new Error("copy interrupted");
    const st = await lstat(src);
    const kind = kindOf(st);
    let existing = await lstatOrUndefined(dst);
    if (existing !== undefined && (kind === undefined || kindOf(existing) !== kind)) {
      await this.remove(dst);
      existing = undefined;
    }
    switch (kind) {
      case undefined:
        this.counts.skipped++;
        return;
      case "dir":
        if (existing === undefined) await mkdir(dst, { mode: 0o700 });
        await this.dir(src, dst, false);
        return setMetadata(dst, st);
      case "symlink": {
        const target = await readlink(src);
        if (existing !== undefined && (await readlink(dst)) !== target) {
          await this.remove(dst);
          existing = undefined;
        }
        if (existing === undefined) await symlink(target, dst);
        return setMetadata(dst, st, true);
      }
      case "file":
        return this.file(src, dst, st, existing);
    }
  }

  async file(src: string, dst: string, st: Stats, existing: Stats | undefined): Promise<void> {
    this.counts.files++;
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? this.#links.get(key) : undefined;
    if (first !== undefined) {
      if (existing?.ino === first.ino) this.counts.unchanged++;
      else {
        if (existing !== undefined) await this.remove(dst);
        await link(first.path, dst);
      }
      return;
    }
    this.counts.bytes += st.size;
    if (this.#quick && existing !== undefined && existing.size === st.size && Math.abs(existing.mtimeMs - st.mtimeMs) < 1) this.counts.unchanged++;
    else {
      const temp = join(dst, "..", `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
      try {
        await copyFile(src, temp);
        await rename(temp, dst);
      } catch (e) {
        await unlink(temp).catch(() => {});
        throw e;
      }
    }
    await setMetadata(dst, st);
    if (st.nlink > 1) this.#links.set(key, { path: dst, ino: (await lstat(dst)).ino });
  }

  /** Removes `path` (a directory with its contents), counting every entry. */
  async remove(path: string): Promise<void> {
    const st = await lstat(path);
    if (st.isDirectory()) {
      for (const name of await readdir(path)) await this.remove(join(path, name));
      await rmdir(path);
    } else await unlink(path);
    this.counts.removed++;
  }
}

/** Owner, then mode (chown clears setuid/setgid), then times (last: they change with the rest). */
async function setMetadata(path: string, st: Stats, isLink = false): Promise<void> {
  await lchown(path, st.uid, st.gid).catch(ignoreUnlessRoot);
  if (!isLink) await chmod(path, st.mode & 0o7777);
  await (isLink ? lutimes : utimes)(path, st.atimeMs / 1000, st.mtimeMs / 1000);
}

/** Like restic, a non-root runner cannot give files away: keep its own ownership then. */
export function ignoreUnlessRoot(e: unknown): void {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if ((code === "EPERM" || code === "EINVAL") && process.getuid?.() !== 0) return;
  throw e;
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
